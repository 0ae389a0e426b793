"""Persona names: a few words from a group's strongest supported traits, as data.

:data:`NAME_RULES` maps a trait (and its direction) to a word for one slot of
"<activity> <value> <time> <channel> <noun>", e.g. "Evening big spenders". A group with no
supported trait is "Typical users"; two groups that would share a name get more words,
then their size rank ("Typical users (2nd largest group)").

Each language has its own template set (:data:`NAME_STYLES`): Chinese names are built
from Chinese words in Chinese order (:data:`NAME_RULES_ZH`: 晚间高价值客户, 夜猫子互动党,
小红书重度用户), never by translating the English name. Names a user typed are theirs and
are shown as typed in every language; only generated names follow the language.
"""

from __future__ import annotations

import dataclasses
import math

import pandas as pd

from core import i18n
from core.personas import playbook
from core.personas.categories import _category_counts_fast
from core.personas.traits import (
    CategoryTrait,
    Trait,
    _effect,
    _support,
    _trait_table,
    _validate,
)


@dataclasses.dataclass(frozen=True)
class NameRule:
    """One name part: when a supported trait matches, it gives ``word`` to ``slot``.

    ``trait`` is a numeric feature (``monetary``), ``attribute=category`` for a category
    trait (``lifecycle_stage=dormant``), or a prefix ending in ``*`` (``platform_share_*``;
    the word ``{platform}`` / ``{format}`` is then filled from the rest of the name).
    ``spend`` guards value words: ``"below"`` only for a group whose spend per user is
    below the average and that does buy (no supported "buys less" trait).
    """

    trait: str
    direction: str
    slot: str
    word: str
    spend: str = "any"


#: Persona names as data: "<activity> <value> <time> <channel> <noun>", filled from the group's
#: supported traits, strongest first (a spending trait always comes first: a group that
#: spends more is named for it). Rules are tried in this order for each trait.
NAME_RULES: tuple[NameRule, ...] = (
    NameRule("monetary", "higher", "noun", "big spenders"),
    NameRule("avg_order_value", "higher", "value", "big-basket"),
    NameRule("frequency", "higher", "noun", "repeat buyers"),
    NameRule("purchase_rate", "higher", "value", "ready-to-buy"),
    NameRule("recency_days", "higher", "noun", "lapsed users"),
    NameRule("lifecycle_stage=dormant", "higher", "noun", "lapsed users"),
    NameRule("lifecycle_stage=churned", "higher", "noun", "lapsed users"),
    NameRule("lifecycle_stage=prospect", "higher", "noun", "prospects"),
    NameRule("lifecycle_stage=new", "higher", "noun", "newcomers"),
    NameRule("n_register", "higher", "noun", "newcomers"),
    NameRule("followers", "higher", "noun", "influencers"),
    NameRule("shares_received", "higher", "noun", "influencers"),
    NameRule("n_share", "higher", "noun", "sharers"),
    NameRule("n_comment", "higher", "noun", "fans"),
    NameRule("engagement_rate", "higher", "noun", "fans"),
    NameRule("n_like", "higher", "noun", "fans"),
    NameRule("n_save", "higher", "noun", "fans"),
    NameRule("engagement_rate", "lower", "noun", "quiet browsers"),
    NameRule("n_view", "higher", "noun", "browsers"),
    NameRule("avg_order_value", "lower", "value", "budget", spend="below"),
    NameRule("frequency", "lower", "value", "rarely buying"),
    NameRule("engagement_rate", "higher", "value", "engaged"),
    NameRule("frequency", "higher", "value", "frequent"),
    NameRule("age", "lower", "value", "young"),
    NameRule("age", "higher", "value", "older"),
    NameRule("n_events", "higher", "activity", "very active"),
    NameRule("active_days", "higher", "activity", "very active"),
    NameRule("n_events", "lower", "activity", "occasional"),
    NameRule("active_days", "lower", "activity", "occasional"),
    NameRule("hour_share_evening", "higher", "time", "evening"),
    NameRule("hour_share_night", "higher", "time", "late-night"),
    NameRule("hour_share_morning", "higher", "time", "morning"),
    NameRule("hour_share_afternoon", "higher", "time", "afternoon"),
    NameRule("weekend_share", "higher", "time", "weekend"),
    NameRule("weekend_share", "lower", "time", "weekday"),
    NameRule("format_share_*", "higher", "channel", "{format}"),
    NameRule("platform_share_*", "higher", "channel", "{platform}"),
    NameRule("top_platform=*", "higher", "channel", "{platform}"),
)
#: The same traits named the way a Chinese marketer names a 人群: its own words and its
#: own order ("<time><channel><activity><value><noun>", 夜猫子小红书重度用户, 高价值沉睡老客),
#: not the English name translated word by word. Spending is a value word (高价值) so it
#: combines with what the group is (复购客, 沉睡老客, 种草潜客).
NAME_RULES_ZH: tuple[NameRule, ...] = (
    NameRule("monetary", "higher", "value", "高价值"),
    NameRule("avg_order_value", "higher", "value", "高客单"),
    NameRule("frequency", "higher", "noun", "复购客"),
    NameRule("purchase_rate", "higher", "value", "高转化"),
    NameRule("recency_days", "higher", "noun", "沉睡老客"),
    NameRule("lifecycle_stage=dormant", "higher", "noun", "沉睡老客"),
    NameRule("lifecycle_stage=churned", "higher", "noun", "流失老客"),
    NameRule("lifecycle_stage=prospect", "higher", "noun", "种草潜客"),
    NameRule("lifecycle_stage=new", "higher", "noun", "新客"),
    NameRule("n_register", "higher", "noun", "新客"),
    NameRule("followers", "higher", "noun", "达人"),
    NameRule("shares_received", "higher", "noun", "传播达人"),
    NameRule("n_share", "higher", "noun", "分享达人"),
    NameRule("n_comment", "higher", "noun", "评论区常客"),
    NameRule("engagement_rate", "higher", "noun", "互动党"),
    NameRule("n_like", "higher", "noun", "点赞党"),
    NameRule("n_save", "higher", "noun", "收藏党"),
    NameRule("engagement_rate", "lower", "noun", "潜水党"),
    NameRule("n_view", "higher", "noun", "爱逛用户"),
    NameRule("avg_order_value", "lower", "value", "价格敏感型", spend="below"),
    NameRule("frequency", "lower", "value", "低频"),
    NameRule("engagement_rate", "higher", "value", "高互动"),
    NameRule("frequency", "higher", "value", "高频"),
    NameRule("age", "lower", "value", "年轻"),
    NameRule("age", "higher", "value", "熟龄"),
    NameRule("n_events", "higher", "activity", "重度"),
    NameRule("active_days", "higher", "activity", "重度"),
    NameRule("n_events", "lower", "activity", "轻度"),
    NameRule("active_days", "lower", "activity", "轻度"),
    NameRule("hour_share_evening", "higher", "time", "晚间"),
    NameRule("hour_share_night", "higher", "time", "夜猫子"),
    NameRule("hour_share_morning", "higher", "time", "早间"),
    NameRule("hour_share_afternoon", "higher", "time", "午后"),
    NameRule("weekend_share", "higher", "time", "周末"),
    NameRule("weekend_share", "lower", "time", "工作日"),
    NameRule("format_share_*", "higher", "channel", "{format}"),
    NameRule("platform_share_*", "higher", "channel", "{platform}"),
    NameRule("top_platform=*", "higher", "channel", "{platform}"),
)
NAME_SLOTS = ("activity", "value", "time", "channel", "noun")
#: Content formats as a name word.
FORMAT_NAME_WORDS: dict[str, str] = {
    "video": "video",
    "short_video": "short-video",
    "live": "live-stream",
    "article": "article-reading",
    "text_image": "photo-post",
    "audio": "audio",
}
FORMAT_NAME_WORDS_ZH: dict[str, str] = {
    "video": "视频",
    "short_video": "短视频",
    "live": "直播",
    "article": "长文",
    "text_image": "图文",
    "audio": "音频",
}


@dataclasses.dataclass(frozen=True)
class NameStyle:
    """How one language builds a persona name: its rules, word order and fallbacks."""

    rules: tuple[NameRule, ...]
    slots: tuple[str, ...]
    joiner: str
    format_words: dict[str, str]
    buyers: str  # the noun of a group named for buying, when no trait gives one
    users: str  # the noun otherwise
    typical: str  # a group with no supported trait
    small: str  # a group too small to describe ({segment})
    capitalize: bool
    language: str  # the language code, for platform names


def _rank_en(name: str, rank: int) -> str:
    """'Fans (largest group)', 'Fans (2nd largest group)'."""
    if rank == 1:
        return f"{name} (largest group)"
    return f"{name} ({_ordinal(rank)} largest group)"


def _rank_zh(name: str, rank: int) -> str:
    """'互动党（规模最大）', '互动党（规模第2）'."""
    return f"{name}（规模最大）" if rank == 1 else f"{name}（规模第{rank}）"


#: The name templates of each language (see :func:`core.i18n.current`).
NAME_STYLES: dict[str, NameStyle] = {
    "en": NameStyle(
        NAME_RULES,
        NAME_SLOTS,
        " ",
        FORMAT_NAME_WORDS,
        "buyers",
        "users",
        "Typical users",
        "Small group {segment}",
        True,
        "en",
    ),
    "zh": NameStyle(
        NAME_RULES_ZH,
        ("time", "channel", "activity", "value", "noun"),
        "",
        FORMAT_NAME_WORDS_ZH,
        "客户",
        "用户",
        "大众用户",
        "小样本群体 {segment}",
        False,
        "zh",
    ),
}
_RANKERS = {"en": _rank_en, "zh": _rank_zh}
#: Features that say the same thing: a name uses at most one word per group.
NAME_GROUPS: dict[str, str] = {
    "monetary": "money",
    "avg_order_value": "money",
    "frequency": "buying",
    "purchase_rate": "buying",
    "engagement_rate": "engagement",
    "n_like": "engagement",
    "n_comment": "engagement",
    "n_save": "engagement",
    "n_share": "influence",
    "followers": "influence",
    "shares_received": "influence",
    "recency_days": "lapsed",
    "lifecycle_stage=dormant": "lapsed",
    "lifecycle_stage=churned": "lapsed",
    "n_events": "activity",
    "active_days": "activity",
}
NAME_MIN_LIFT = 1.3  # a numeric trait names a group from 1.3x (or 1/1.3x) the average
NAME_PARTS = 2  # words from traits in a name; more only to tell two groups apart
TYPICAL_NAME = "Typical users"  # a group with no supported trait: no invented claims


def _style(language: str | None = None) -> NameStyle:
    """The name templates of ``language`` (default: the current language)."""
    return NAME_STYLES[i18n.normalize(language) or i18n.current()]


def _name_key(trait) -> tuple[str, str]:
    """(trait key, direction) of a numeric or category trait, as :data:`NAME_RULES` names it."""
    if isinstance(trait, CategoryTrait):
        return f"{trait.attribute}={str(trait.category).lower()}", "higher"
    return trait.feature, trait.direction


def _rule_word(rule: NameRule, key: str, direction: str, style: NameStyle) -> str | None:
    """The rule's word for a trait key, or None when the rule does not match it."""
    if rule.direction != direction:
        return None
    if not rule.trait.endswith("*"):
        return rule.word if rule.trait == key else None
    prefix = rule.trait[:-1]
    if not key.startswith(prefix):
        return None
    rest = key.removeprefix(prefix)
    platform = playbook.platform_name(rest, style.language)
    fmt = style.format_words.get(rest, rest.replace("_", "-"))
    return rule.word.format(platform=platform, format=fmt)


def auto_name(
    traits: list[Trait],
    *,
    category_traits: list[CategoryTrait] = (),
    spend_lift: float = float("nan"),
    parts: int = NAME_PARTS,
    language: str | None = None,
) -> str:
    """A persona name from its strongest supported traits, e.g. ``Morning big spenders``.

    Parameters
    ----------
    traits, category_traits : list
        The group's supported traits (numeric and activity-time; categories).
    spend_lift : float
        The group's spend per user / everyone's. A group above 1 is never given a
        budget word; a spending trait is always used first.
    parts : int
        How many words come from traits (more tell two groups apart).
    language : str, optional
        ``"en"`` or ``"zh"``; default the current language. Each language has its own
        words and word order (:data:`NAME_STYLES`), e.g. ``晚间高价值客户``.

    Returns
    -------
    str
        "<activity> <value> <time> <channel> <noun>" with the slots the traits fill (rules in
        :data:`NAME_RULES`), the noun "buyers" or "users" when no trait gives one, or
        the style's typical name ("Typical users") when the group has no supported trait
        to be named for.
    """
    style = _style(language)
    ranked = sorted([*traits, *category_traits], key=lambda t: -abs(_effect(t.effect_size)))
    # a group that spends more than average is named for its spending first
    ranked.sort(key=lambda t: _name_key(t) != ("monetary", "higher"))
    buys_less = any(_name_key(t) == ("frequency", "lower") for t in ranked)
    slots: dict[str, str] = {}
    used_groups: set[str] = set()
    buys_more = budget = False
    for t in ranked:
        if len(slots) >= parts:
            break
        if isinstance(t, Trait) and t.test == "welch":
            lift = t.lift
            strong = not math.isfinite(lift) or (
                lift >= NAME_MIN_LIFT if t.direction == "higher" else lift <= 1 / NAME_MIN_LIFT
            )
            if not strong:
                continue
        key, direction = _name_key(t)
        for rule in style.rules:
            word = _rule_word(rule, key, direction, style)
            if word is None or rule.slot in slots:
                continue
            if rule.spend == "below" and not (spend_lift < 1 and not buys_less):
                continue  # never "budget" on a group that spends more, or barely buys
            group = NAME_GROUPS.get(key, key)
            if group in used_groups:
                break
            slots[rule.slot] = word
            used_groups.add(group)
            buys_more |= group in ("money", "buying") and direction == "higher"
            budget |= rule.spend == "below"
            break
    if not slots:
        return style.typical
    if "noun" not in slots:
        slots["noun"] = style.buyers if buys_more or budget else style.users
    name = style.joiner.join(slots[s] for s in style.slots if s in slots)
    return name[0].upper() + name[1:] if style.capitalize else name


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _unique_names(entries: list[dict], language: str | None = None) -> dict[str, str]:
    """Names that differ between cards, in ``language`` (default: the current one).

    ``entries`` are dicts with ``segment``, ``hidden``, ``traits``, ``category_traits``,
    ``spend_lift``, in size order. Two groups that would share a name get the next
    strongest trait each, and then, if they still collide (or have no supported trait),
    their size rank: "Typical users (2nd largest group)", "大众用户（规模第2）".
    """
    code = i18n.normalize(language) or i18n.current()
    style = _style(code)
    names: dict[str, str] = {}
    parts = {e["segment"]: NAME_PARTS for e in entries}

    def build(e: dict) -> str:
        """The name of one entry with its current number of words."""
        if e["hidden"]:
            return style.small.format(segment=e["segment"])
        return auto_name(
            e["traits"],
            category_traits=e["category_traits"],
            spend_lift=e["spend_lift"],
            parts=parts[e["segment"]],
            language=code,
        )

    names = {e["segment"]: build(e) for e in entries}
    short = dict(names)
    for _ in range(len(style.slots)):
        seen: dict[str, list[str]] = {}
        for seg, name in names.items():
            seen.setdefault(name, []).append(seg)
        clashes = [seg for segs in seen.values() if len(segs) > 1 for seg in segs]
        if not clashes:
            break
        for e in entries:
            if e["segment"] in clashes:
                parts[e["segment"]] += 1
                names[e["segment"]] = build(e)
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    out = {}
    for rank, e in enumerate(entries, 1):
        name = names[e["segment"]]
        if counts[name] > 1 or name == style.typical:
            # more words did not tell them apart: the short name and the size rank
            name = _RANKERS[code](short[e["segment"]], rank)
        out[e["segment"]] = name
    return out


def _segment_sizes(lab: pd.Series) -> pd.Series:
    """Users per segment, largest first (ties in label order): the order of the cards."""
    sizes = lab.value_counts()
    return sizes.sort_index(kind="stable").sort_values(ascending=False, kind="stable")


def _spend_lifts(table: pd.DataFrame) -> dict[str, float]:
    """Spend per user of each segment / everyone's (NaN without a spend column)."""
    rows = table[table["feature"] == "monetary"]
    return {str(r.segment): float(r.lift) for r in rows.itertuples(index=False)}


def persona_names(
    features: pd.DataFrame,
    labels: pd.Series,
    *,
    min_group_size: int = 10,
    language: str | None = None,
) -> dict[str, str]:
    """The automatic name of every segment's persona, exactly as :func:`build_personas`
    names it, without the event breakdowns, KPIs and CLV (cheap enough for a map legend).

    ``language`` (``"en"``/``"zh"``, default the current one) picks the name templates.

    Returns
    -------
    dict
        Segment label -> name, largest segment first.
    """
    feats, lab = _validate(features, labels, min_group_size)
    min_group = int(min_group_size)
    sizes = _segment_sizes(lab)
    table = _trait_table(feats, lab)
    counts = _category_counts_fast(feats, lab)
    supported, cat_traits = _support(table, feats, lab, counts, sizes, min_group)
    spend = _spend_lifts(table)
    return _unique_names(
        [
            {
                "segment": seg,
                "hidden": int(size) < min_group,
                "traits": supported.get(seg, []) if int(size) >= min_group else [],
                "category_traits": cat_traits.get(seg, []) if int(size) >= min_group else [],
                "spend_lift": spend.get(seg, float("nan")),
            }
            for seg, size in ((str(k), v) for k, v in sizes.items())
        ],
        language,
    )
