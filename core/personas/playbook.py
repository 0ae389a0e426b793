"""Segment -> recommended actions: the marketing playbook as data.

Each :class:`Rule` has a signal (a small predicate over the persona's facts, written as
data: ``("lift", "monetary", ">=", 2.0)`` means "the segment's mean monetary value is at
least 2x the population mean"), an action, a reason template filled with the value that
triggered it, and ``source``: the marketing reasoning behind the rule in one sentence
(kept in the JSON records for traceability, not shown on a card). Rules that fire are ranked by how strongly their signal holds (value /
threshold, or threshold / value for "<=" signals); the posting-time advice comes last.

The facts are a card's *supported* traits only (those that passed the multiple-testing
correction and the minimum effect, see :mod:`core.personas.traits`): an action follows from
what makes this group different, so cards that differ get different actions and a group
with nothing supported gets none. There is no always-on rule.

Facts a signal can use (built by :func:`core.personas.cards.build_personas`):

- ``("lift", feature, op, x)``: segment mean / population mean of a feature;
- ``("mean", feature, op, x)``: the segment mean itself (e.g. age);
- ``("share", "attribute=value|value2", op, x)``: share of the segment's users in those
  categories of an attribute (e.g. ``lifecycle_stage=dormant|churned``);
- ``("share_lift", "attribute=value|value2", op, x)``: that share divided by the same
  share among all users (over-representation);
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

from core import i18n
from core.i18n import N_, fmt, tr
from core.segments import PLATFORM_LABELS

#: Weekday abbreviations, Monday first (marked for the catalogue: show with ``tr``).
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def platform_name(platform: object, language: str | None = None) -> str:
    """A platform key (``douyin``) as its users call it: ``Douyin`` / ``抖音``; other values as given.

    The names are the feature columns' platform labels (``core.segments.PLATFORM_LABELS``),
    so a card, a trait and a column heading name a platform alike.
    """
    key = str(platform).strip().lower()
    if key not in PLATFORM_LABELS:
        return str(platform).replace("_", " ").title()
    with i18n.language(language):
        return tr(PLATFORM_LABELS[key])


#: Notes of a card (marked for the catalogue; :func:`contact_note` returns them translated,
#: elsewhere show them with ``tr``).
CONTACT_CAP_NOTE = N_(
    "Do not over-disturb: at most 1-2 posts a day and at most one direct message or push "
    "a week per person."
)
CONTACT_CAP_NOTE_DORMANT = N_(
    "Do not over-disturb: this group went quiet, so send at most one win-back message "
    "every two weeks and stop after two without a response."
)

#: What a card says when nothing supports a claim (instead of a made-up default).
NO_WINDOW_NOTE = N_(
    "No hour or day stands out for this group: post when your audience as a whole is active."
)
NO_ACTION_NOTE = N_(
    "Nothing about this group differs enough from everyone else to suggest its own action; "
    "include it in campaigns for your whole audience."
)
NO_PLATFORM_NOTE = N_("No platform stands out for this group.")


@dataclasses.dataclass(frozen=True)
class Rule:
    """One playbook row: when the signal holds, recommend the action for the reason."""

    key: str
    signal: tuple[str, str, str, float]
    action: str  # marked with N_; a Recommendation carries it translated
    reason: str  # template with {value} (the fact) and {threshold}
    source: str  # the marketing reasoning behind the rule, in one sentence
    value_format: str = (
        "lift"  # how {value} is written: lift "6x", share "45%", number "27", score "+0.4"
    )


@dataclasses.dataclass(frozen=True)
class Recommendation:
    """A triggered rule: the action, why it fired, the reasoning behind the rule, its strength."""

    action: str
    reason: str
    rule: str
    source: str
    score: float


PLAYBOOK: tuple[Rule, ...] = (
    Rule(
        "high_value",
        ("lift", "monetary", ">=", 2.0),
        N_("Premium products, personal service and dedicated support"),
        N_("spends {value} the average"),
        N_("High spenders are kept by attention and exclusivity more than by price."),
    ),
    Rule(
        "high_frequency",
        ("lift", "frequency", ">=", 1.5),
        N_("Points, coupons and membership perks to reward frequent buying"),
        N_("buys {value} as often as average"),
        N_("Rewarding repeat purchases keeps frequent buyers coming back."),
    ),
    Rule(
        "influential_sharing",
        ("lift", "n_share", ">=", 2.0),
        N_("Co-marketing, a KOL / ambassador programme and incentivised sharing"),
        N_("shares {value} more than average"),
        N_("Users who share a lot carry the brand's message to their own audiences."),
    ),
    Rule(
        "influential_followers",
        ("lift", "followers", ">=", 2.0),
        N_("Invite them to a KOL / ambassador programme and co-create content"),
        N_("has {value} more followers than average"),
        N_("Users with large followings reach people the brand does not reach itself."),
    ),
    Rule(
        "high_interaction",
        ("lift", "engagement_rate", ">=", 1.5),
        N_("Exclusive discounts and community roles (moderators, early testers)"),
        N_("interacts with {value} more of what they see than average"),
        N_("Highly engaged users respond to recognition and a role in the community."),
    ),
    Rule(
        "dormant",
        ("share", "lifecycle_stage=dormant|churned", ">=", 0.4),
        N_("Win-back offers and care messages"),
        N_("{value} of the group have gone quiet (dormant or churned)"),
        N_("A group that went quiet needs a reason to come back, not more of the usual posts."),
        "share",
    ),
    Rule(
        "long_absent",
        ("lift", "recency_days", ">=", 2.0),
        N_("Win-back offers and care messages"),
        N_("last active {value} longer ago than average"),
        N_("A group that went quiet needs a reason to come back, not more of the usual posts."),
    ),
    Rule(
        "prospects_new",
        ("share", "lifecycle_stage=prospect|new", ">=", 0.4),
        N_("Trials and welcome discounts to turn them into customers"),
        N_("{value} of the group are prospects or new"),
        N_("Prospects and new users buy once the first purchase carries little risk."),
        "share",
    ),
    Rule(
        "young",
        ("mean", "age", "<=", 28.0),
        N_("Fun interactive short videos and topic challenges (Douyin, Instagram)"),
        N_("average age is {value}"),
        N_("Younger audiences engage most with short, playful video and challenges."),
        "number",
    ),
    Rule(
        "professionals",
        (
            "share_lift",
            "occupation=professional|office worker|white collar|manager|engineer|白领|专业人士",
            ">=",
            1.5,
        ),
        N_("In-depth industry content (LinkedIn, WeChat Official Accounts)"),
        N_("{value} as many professionals as average"),
        N_("Professionals follow content that helps them in their work."),
    ),
    Rule(
        "low_value",
        ("lift", "monetary", "<=", 0.5),
        N_("Discounts and participation campaigns (games, sign-in rewards, UGC contests)"),
        N_("spends only {value} of the average"),
        N_("Low spenders take part when it costs little, before they buy more."),
        "share",
    ),
)


def format_lift(lift: float) -> str:
    """Write a ratio the way a card says it: ``6x``, ``1.6x``, ``0.3x``."""
    if lift is None or not math.isfinite(lift):
        return tr("n/a")
    digits = 1
    if lift >= 10 or (lift >= 2 and abs(lift - round(lift)) < 0.25):
        digits = 0
    # Translators: a ratio to the average, e.g. "6x" (6 times the average)
    return tr("{lift}x", lift=fmt.number(lift, digits))


def _format_value(value: float, how: str) -> str:
    """A fact as a reason writes it: lift '6x', share '45%', number '27', score '+0.40'."""
    if how == "share":
        return fmt.percent(value)
    if how == "number":
        return fmt.number(value)
    if how == "score":
        return ("+" if value >= 0 else "") + fmt.number(value, 2)
    return format_lift(value)


def _fact(facts: Mapping, kind: str, key: str) -> float | None:
    """The value a signal tests: a lift or mean, or the share (or share lift) of some categories."""
    if kind in ("share", "share_lift"):
        attribute, _, values = key.partition("=")
        wanted = {v.strip().lower() for v in values.split("|")}

        def total(table: Mapping) -> float | None:
            """Summed share of the wanted categories of the attribute (None when it is unknown)."""
            shares = table.get(attribute, {})
            if not shares:
                return None
            return float(sum(s for cat, s in shares.items() if str(cat).strip().lower() in wanted))

        share = total(facts.get("shares", {}))
        if kind == "share" or share is None:
            return share
        population = total(facts.get("population_shares", {}))
        return share / population if population else None
    return facts.get(kind, {}).get(key)


def _strength(value: float, op: str, threshold: float) -> float | None:
    """How strongly a signal holds (>= 1 when it fires), or None when it does not."""
    if op == ">=":
        if value >= threshold:
            return value / threshold if threshold > 0 else 1.0 + value
        return None
    if op == "<=":
        if value <= threshold:
            return threshold / max(value, 1e-9) if threshold > 0 else 1.0
        return None
    raise ValueError(f"unknown operator {op!r}")


def recommend(
    facts: Mapping, *, rules: tuple[Rule, ...] = PLAYBOOK, limit: int = 6
) -> list[Recommendation]:
    """Ranked recommended actions for one segment.

    Parameters
    ----------
    facts : mapping
        ``{"lift": {feature: lift}, "mean": {feature: mean}, "shares": {attribute:
        {category: share}}, "population_shares": {attribute: {category: share}}}``: the
        segment's supported traits.
    rules : tuple of Rule
        The playbook (default :data:`PLAYBOOK`).
    limit : int
        Maximum number of recommendations (the same action is given once, with the
        strongest reason).

    Returns
    -------
    list of Recommendation
        Strongest signal first; empty when no rule's signal is among the facts.
    """
    fired: list[Recommendation] = []
    for rule in rules:
        kind, key, op, threshold = rule.signal
        value = _fact(facts, kind, key)
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            continue
        strength = _strength(float(value), op, float(threshold))
        if strength is None:
            continue
        reason = tr(
            rule.reason,
            value=_format_value(float(value), rule.value_format),
            threshold=fmt.decimal(threshold),
        )
        fired.append(
            Recommendation(tr(rule.action), reason, rule.key, tr(rule.source), float(strength))
        )
    fired.sort(key=lambda r: -r.score)
    seen: set[str] = set()
    out = []
    for rec in fired:
        if rec.action in seen:
            continue
        seen.add(rec.action)
        out.append(rec)
    return out[:limit]


def best_platforms(
    platform_mix: Mapping[str, float],
    population_mix: Mapping[str, float] | None = None,
    *,
    top: int = 3,
) -> list[str]:
    """Platforms to reach a segment on: its biggest platforms, with their over-representation.

    Parameters
    ----------
    platform_mix : mapping
        Share of the segment's events per platform.
    population_mix : mapping, optional
        The same shares for all users; adds "(2.1x average)" when over-represented.
    top : int
        How many platforms.

    Returns
    -------
    list of str
        e.g. ``["Douyin (45% of activity, 2.1x average)", "WeChat (30% of activity)"]``, in
        the current language.
    """
    ranked = sorted(platform_mix.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    out = []
    for platform, share in ranked:
        if share <= 0:
            continue
        label = platform_name(platform)
        pop = (population_mix or {}).get(platform)
        if pop and share / pop >= 1.2:
            text = tr(
                "{platform} ({share} of activity, {lift} average)",
                platform=label,
                share=fmt.percent(share),
                lift=format_lift(share / pop),
            )
        else:
            text = tr("{platform} ({share} of activity)", platform=label, share=fmt.percent(share))
        out.append(text)
    return out


def contact_note(facts: Mapping) -> str:
    """The contact-frequency cap for a segment (stricter for a group that went quiet)."""
    dormant = _fact(facts, "share", "lifecycle_stage=dormant|churned") or 0.0
    return tr(CONTACT_CAP_NOTE_DORMANT if dormant >= 0.4 else CONTACT_CAP_NOTE)


def posting_advice(times: list[str], reason: str) -> Recommendation:
    """Post when this group is active; only for a group whose active hours or days differ
    from everyone else's (``times`` from :func:`core.personas.wording.posting_windows`)."""
    when = tr("; ").join(times)
    return Recommendation(
        tr(
            "Schedule this group's posts and pushes for {times}",
            times=when.lower() if i18n.current() == "en" else when,
        ),
        reason,
        "active_hours",
        tr("A post reaches a group best when the group is active."),
        0.5,
    )
