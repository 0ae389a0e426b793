"""Persona cards: who each segment is, what makes it different, and what to do about it.

:func:`build_personas` turns a feature table and segment labels into one frozen
:class:`Persona` per segment with everything a card shows (DOMAIN.md "Persona"):
size and share, demographics, platform / format / lifecycle / value mix, a weekday x hour
activity heatmap, engagement per event type, purchases, comment words and sentiment,
**distinguishing traits**, KPIs, CLV and ranked recommended actions.

A card only says what the data supports. Every line it could show is tested against
the rest of the users, and all those tests, for all cards, form one Benjamini-Hochberg
family (``statsmodels``), so with many segments and features chance differences do not
become claims:

- numeric features: Welch's t-test (``scipy.stats.ttest_ind_from_stats``), effect =
  Cohen's d; lift = segment mean / population mean (population = every labelled user);
- categories (main platform, lifecycle stage, value tier, demographics): two-proportion
  z-test of the share in the segment vs the rest, effect = Cohen's h;
- when a group is active: a chi-square test of its activity over the hour slots (and
  weekend vs weekdays) against everyone else's, each user counting once
  (:func:`_time_tests`); posting windows come only from these.

A test is a trait when its adjusted p < ``SIGNIFICANCE`` *and* its effect passes the
minimums (``MIN_EFFECT``, ``MIN_LIFT``, ``CATEGORY_MIN_LIFT``/``CATEGORY_MIN_POINTS``,
``TIME_MIN_SHIFT``), so a huge sample does not make a trivial difference a claim.
Names (:data:`NAME_RULES`), best platforms, posting windows and the playbook's actions
are built from the supported traits only; a group without any is "Typical users".

Privacy: any breakdown (a category, a heatmap cell, a comment word) with fewer than
``min_group_size`` users is hidden and the card says ``hidden: fewer than 10 users``; a
segment smaller than that shows its size only.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from core.common.sql import quote_identifier
from core.errors import DataError
from core.personas import playbook
from core.personas.kpis import (
    ALL_USERS,
    KPI_BY_KEY,
    compute_kpis,
    labels_on_engine,
    read_sql,
)
from core.personas.text import sentiment_summary, top_words
from core.segments import add_users_without_events

#: A card line is *supported* when its test survives the Benjamini-Hochberg correction at
#: this false-discovery rate, taken over every test made for every card at once (numeric
#: features, categories, activity hours and weekdays): with 6 segments x ~50 features,
#: ~15 chance differences would pass an uncorrected 5 % test.
SIGNIFICANCE = 0.05
#: ... and when the difference is big enough to act on, so that a huge sample does not
#: make a trivial difference "supported". Standardised effect (Cohen's d for numbers,
#: Cohen's h for shares) of at least 0.2, Cohen's "small" effect:
MIN_EFFECT = 0.2
#: numbers: the group's mean at least 20 % above or below the average;
MIN_LIFT = 1.2
#: categories: at least 1.5x the share among everyone else and 5 percentage points more;
CATEGORY_MIN_LIFT = 1.5
CATEGORY_MIN_POINTS = 0.05
#: activity hours / weekdays: at least 10 % of the group's activity in other hours (or
#: days) than everyone else's (total variation distance between the two mixes).
TIME_MIN_SHIFT = 0.10
#: posting windows on a card: the strongest two (a long list is no schedule).
MAX_WINDOWS = 2
#: comparing two segments' attributes: Cramér's V of at least 0.1 (Cohen's "small").
COMPARE_MIN_CRAMERS_V = 0.1
MAX_COMMENTS = 1000  # most recent comments per segment read for words and sentiment

#: Features that duplicate another one (same numbers under another name): not traits.
ALIASES: dict[str, str] = {"n_purchase": "frequency"}
#: Columns that are identifiers or bookkeeping, never traits.
NOT_TRAITS: frozenset[str] = frozenset({"user_id", "segment"})
#: When a group is active: tested as one distribution (hours of the day; weekend vs
#: weekday), not as separate numeric traits (see :func:`_time_tests`).
HOUR_SHARE_PREFIX = "hour_share_"
WEEKEND_FEATURE = "weekend_share"

#: Readable label and sentence templates per feature: (label, higher, lower, never).
#: {amount} is "6x more" / "40% more" / "3x less"; {never} templates are for lift ~ 0.
FEATURE_TEXT: dict[str, tuple[str, str, str, str]] = {
    "n_events": (
        "activity",
        "is {amount} active than average",
        "is {amount} active than average",
        "is almost never active",
    ),
    "n_view": (
        "views",
        "views content {amount} than average",
        "views content {amount} than average",
        "almost never views content",
    ),
    "n_click": (
        "clicks",
        "clicks {amount} than average",
        "clicks {amount} than average",
        "almost never clicks",
    ),
    "n_like": (
        "likes",
        "likes {amount} than average",
        "likes {amount} than average",
        "almost never likes",
    ),
    "n_comment": (
        "comments",
        "comments {amount} than average",
        "comments {amount} than average",
        "almost never comments",
    ),
    "n_share": (
        "shares",
        "shares {amount} than average",
        "shares {amount} than average",
        "almost never shares",
    ),
    "n_save": (
        "saves",
        "saves {amount} than average",
        "saves {amount} than average",
        "almost never saves",
    ),
    "n_follow": (
        "follows",
        "follows {amount} than average",
        "follows {amount} than average",
        "almost never follows",
    ),
    "n_message": (
        "messages",
        "sends {amount} messages than average",
        "sends {amount} messages than average",
        "almost never sends messages",
    ),
    "n_register": (
        "registrations",
        "registers {amount} than average",
        "registers {amount} than average",
        "almost never registers",
    ),
    "frequency": (
        "purchases",
        "buys {amount} often than average",
        "buys {amount} often than average",
        "almost never buys",
    ),
    "monetary": (
        "spend",
        "spends {amount} than average",
        "spends {amount} than average",
        "spends almost nothing",
    ),
    "avg_order_value": (
        "order value",
        "spends {amount} per order than average",
        "spends {amount} per order than average",
        "spends almost nothing per order",
    ),
    "recency_days": (
        "days since last activity",
        "was last seen {amount} long ago as average",
        "was seen {amount} recently than average",
        "was active very recently",
    ),
    "active_days": (
        "active days",
        "is active on {amount} days than average",
        "is active on {amount} days than average",
        "is almost never active",
    ),
    "tenure_days": (
        "days since first activity",
        "has been with us {amount} long as average",
        "has been with us {amount} long than average",
        "is brand new",
    ),
    "engagement_rate": (
        "engagement rate",
        "interacts with {amount} of what they see than average",
        "interacts with {amount} of what they see than average",
        "almost never interacts with what they see",
    ),
    "click_rate": (
        "click rate",
        "clicks {amount} of what they see than average",
        "clicks {amount} of what they see than average",
        "almost never clicks what they see",
    ),
    "purchase_rate": (
        "purchase rate",
        "buys {amount} of what they see than average",
        "buys {amount} of what they see than average",
        "almost never buys what they see",
    ),
    "weekend_share": (
        "weekend activity",
        "is active at weekends {amount} than average",
        "is active at weekends {amount} than average",
        "is almost never active at weekends",
    ),
    "followers": (
        "followers",
        "has {amount} followers than average",
        "has {amount} followers than average",
        "has almost no followers",
    ),
    "shares_received": (
        "shares received",
        "gets shared {amount} than average",
        "gets shared {amount} than average",
        "almost never gets shared",
    ),
    "n_platforms": (
        "platforms used",
        "uses {amount} platforms than average",
        "uses {amount} platforms than average",
        "uses almost no platforms",
    ),
    "age": (
        "age",
        "is {amount} old than average",
        "is {amount} young than average",
        "is very young",
    ),
}

#: How content formats read in a sentence.
FORMAT_WORDS: dict[str, str] = {
    "text_image": "photo-and-text posts",
    "video": "videos",
    "short_video": "short videos",
    "live": "live streams",
    "article": "articles",
    "audio": "audio",
}

#: Sentence templates for over-represented categories ({share}, {category}, {lift}).
CATEGORY_TEXT: dict[str, str] = {
    "top_platform": "{share} mostly use {category} ({lift} the average share)",
    "lifecycle_stage": "{share} are {category} users ({lift} the average share)",
    "value_tier": "{share} are in the {category} tier ({lift} the average share)",
    "age_band": "{share} are aged {category} ({lift} the average share)",
    "gender": "{share} are {category} ({lift} the average share)",
    "region": "{share} live in {category} ({lift} the average share)",
    "occupation": "{share} give their occupation as {category} ({lift} the average share)",
    "income": "{share} have {category} income ({lift} the average share)",
    "interests": "{share} are interested in {category} ({lift} the average share)",
}


#: Templates for single categories that read badly in their attribute's template.
CATEGORY_VALUE_TEXT: dict[tuple[str, str], str] = {
    ("value_tier", "no purchase"): "{share} have never bought anything ({lift} the average share)",
}


def category_phrase(attribute: str, category: str, share: float, lift: float) -> str:
    """A card sentence for an over-represented category.

    Examples
    --------
    >>> category_phrase("top_platform", "douyin", 0.8, 2.0)
    '80% mostly use Douyin (2x the average share)'
    """
    shown = (
        playbook.PLATFORM_NAMES.get(str(category).lower(), category)
        if attribute == "top_platform"
        else category
    )
    template = CATEGORY_VALUE_TEXT.get((attribute, str(category))) or CATEGORY_TEXT.get(
        attribute,
        "{share} have "
        + _attribute_label(attribute).lower()
        + " '{category}' ({lift} the average share)",
    )
    return template.format(share=f"{share:.0%}", category=shown, lift=playbook.format_lift(lift))


SLOT_WORDS = {
    "night": "late at night",
    "morning": "in the morning",
    "afternoon": "in the afternoon",
    "evening": "in the evening",
}

#: Activity slots as a posting window.
SLOT_NAMES: dict[str, str] = {
    "night": "Late nights",
    "morning": "Mornings",
    "afternoon": "Afternoons",
    "evening": "Evenings",
}
#: Hours of each activity slot, as a card shows them.
SLOT_HOURS = {
    "night": "00:00-06:00",
    "morning": "06:00-12:00",
    "afternoon": "12:00-18:00",
    "evening": "18:00-24:00",
}


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

AGE_BANDS: tuple[tuple[float, float, str], ...] = (
    (0, 18, "under 18"),
    (18, 25, "18-24"),
    (25, 35, "25-34"),
    (35, 45, "35-44"),
    (45, 55, "45-54"),
    (55, 200, "55+"),
)
DEMOGRAPHIC_ORDER = ("age_band", "gender", "region", "occupation", "income", "interests")
MIX_ATTRIBUTES = ("top_platform", "lifecycle_stage", "value_tier")


def hidden_note(min_group_size: int) -> str:
    """The text shown instead of a breakdown that is too small to show."""
    return f"hidden: fewer than {min_group_size} users"


@dataclasses.dataclass(frozen=True)
class Trait:
    """A feature on which a segment differs from everyone else."""

    feature: str
    label: str
    value: float
    population_value: float
    lift: float
    effect_size: float
    p_value: float
    p_adjusted: float
    direction: str  # "higher" or "lower"
    phrase: str
    #: how it was tested: "welch" (numbers: Welch's t-test, effect = Cohen's d) or
    #: "hours" / "weekdays" (chi-square test of when the group is active against everyone
    #: else, effect = Cohen's h of the busiest slot's share)
    test: str = "welch"


@dataclasses.dataclass(frozen=True)
class CategoryTrait:
    """A category over-represented in a segment (share in segment / share overall).

    Tested with a two-proportion z-test against everyone else; ``effect_size`` is
    Cohen's h of the two shares, ``p_adjusted`` the Benjamini-Hochberg p-value over
    every test of every card.
    """

    attribute: str
    category: str
    share: float
    population_share: float
    lift: float
    users: int
    phrase: str
    effect_size: float = float("nan")
    p_value: float = float("nan")
    p_adjusted: float = float("nan")


@dataclasses.dataclass(frozen=True)
class Persona:
    """Everything one persona card shows. Breakdowns are tuples of plain values.

    Mixes are ``(category, share, users)`` tuples (share of the segment's users, or of its
    events for platform and format); ``heatmap`` holds ``(weekday, hour, events)`` with
    weekday 0 = Monday and ``events`` None for a hidden cell; ``hidden`` lists what was
    hidden for privacy.
    """

    segment: str
    name: str
    size: int
    share: float
    traits: tuple[Trait, ...]
    category_traits: tuple[CategoryTrait, ...]
    demographics: Mapping[str, tuple[tuple[str, float, int], ...]]
    numeric_profile: Mapping[str, float]
    platform_mix: tuple[tuple[str, float, int], ...]
    format_mix: tuple[tuple[str, float, int], ...]
    lifecycle_mix: tuple[tuple[str, float, int], ...]
    value_mix: tuple[tuple[str, float, int], ...]
    heatmap: tuple[tuple[int, int, int | None], ...]
    engagement: Mapping[str, float]
    purchases: Mapping[str, float]
    comment_words: tuple[tuple[str, int], ...]
    sentiment: Mapping[str, float | None] | None
    kpis: Mapping[str, float | None]
    clv: Mapping[str, float] | None
    recommendations: tuple[playbook.Recommendation, ...]
    best_platforms: tuple[str, ...]
    best_times: tuple[str, ...]
    contact_note: str
    hidden: tuple[str, ...]
    min_group_size: int
    is_hidden: bool = False

    def top_trait_features(self, n: int = 5) -> list[str]:
        """Feature names of the ``n`` strongest numeric traits."""
        return [t.feature for t in self.traits[:n]]

    def trait_sentences(self, n: int = 5) -> list[str]:
        """The ``n`` strongest supported traits as sentences, numbers and categories merged
        by effect size."""
        merged = sorted(
            [*self.traits, *self.category_traits], key=lambda t: -abs(_effect(t.effect_size))
        )
        return [t.phrase for t in merged[:n]]


# --------------------------------------------------------------------------- validation


def _validate(
    features: pd.DataFrame, labels: pd.Series, min_group_size: int
) -> tuple[pd.DataFrame, pd.Series]:
    if not isinstance(features, pd.DataFrame) or "user_id" not in features.columns:
        raise DataError("The feature table needs a user_id column; rebuild the features first.")
    if not isinstance(labels, pd.Series) or len(labels) == 0:
        raise DataError("There are no segment labels; run and save a segmentation first.")
    if int(min_group_size) < 1:
        raise DataError(f"The minimum group size must be at least 1, got {min_group_size}.")
    lab = pd.Series(labels.astype(str).to_numpy(), index=labels.index.astype(str), name="segment")
    if not lab.index.is_unique:
        lab = lab[~lab.index.duplicated()]
    known_ids = pd.Index(features["user_id"].astype(str))
    if not lab.index.isin(known_ids).any():
        raise DataError(
            "None of the segmented users are in the feature table; the segmentation was "
            "probably made on another dataset. Run the segmentation again."
        )
    # A labelled user without events (absent from a feature table built without a users
    # file) still belongs to the segment: size, reach and ARPU count them.
    features = add_users_without_events(features, lab.index)
    # set_index builds a new frame: the caller's table is never modified.
    feats = features.set_index(pd.Index(features["user_id"].astype(str), name="user_id")).drop(
        columns="user_id"
    )
    if not feats.index.is_unique:
        feats = feats[~feats.index.duplicated()]
    lab = lab.reindex(feats.index)
    known = lab.notna().to_numpy()
    if not known.all():  # users without a segment (e.g. added since) are left out
        feats, lab = feats[known], lab[known]
    return feats, lab


# --------------------------------------------------------------------------- traits


def _numeric_columns(feats: pd.DataFrame) -> list[str]:
    cols = []
    for c in feats.columns:
        if c in NOT_TRAITS or c in ALIASES and ALIASES[c] in feats.columns:
            continue
        s = feats[c]
        if pd.api.types.is_bool_dtype(s) or (
            pd.api.types.is_numeric_dtype(s) and not isinstance(s.dtype, pd.CategoricalDtype)
        ):
            cols.append(c)
    return cols


def trait_table(features: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """Every segment x numeric feature comparison, segment vs the rest of the users.

    Parameters
    ----------
    features : DataFrame
        Feature table (``user_id`` column); not modified.
    labels : Series
        Segment per user (index ``user_id``).

    Returns
    -------
    DataFrame
        One row per (segment, feature): ``value`` (segment mean), ``population_value``
        (mean over all labelled users), ``rest_value``, ``lift`` (value /
        population_value, NaN when the population mean is 0), ``effect_size`` (Cohen's d
        vs the rest, pooled SD), ``p_value`` (Welch), ``p_adjusted`` (Benjamini-Hochberg
        over all rows), ``n`` (users with a value). Sorted by segment then |d|.
    """
    feats, lab = _validate(features, labels, 1)
    return _trait_table(feats, lab)


def _trait_table(feats: pd.DataFrame, lab: pd.Series) -> pd.DataFrame:
    cols = _numeric_columns(feats)
    if not cols:
        return pd.DataFrame(
            columns=[
                "segment",
                "feature",
                "value",
                "population_value",
                "rest_value",
                "lift",
                "effect_size",
                "p_value",
                "p_adjusted",
                "n",
            ]
        )
    x = feats[cols].astype("float64")
    g = x.groupby(lab, sort=True)
    n = g.count()
    s1 = g.sum(min_count=0)
    s2 = (x**2).groupby(lab, sort=True).sum(min_count=0)
    N, S1, S2 = n.sum(), s1.sum(), s2.sum()
    n_rest, s1_rest, s2_rest = N - n, S1 - s1, S2 - s2
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_in = s1 / n
        mean_rest = s1_rest / n_rest
        mean_all = S1 / N
        var_in = (s2 - n * mean_in**2) / (n - 1)
        var_rest = (s2_rest - n_rest * mean_rest**2) / (n_rest - 1)
        var_in = var_in.clip(lower=0)
        var_rest = var_rest.clip(lower=0)
        pooled = np.sqrt(((n - 1) * var_in + (n_rest - 1) * var_rest) / (n + n_rest - 2))
        d = (mean_in - mean_rest) / pooled
        lift = mean_in / mean_all.where(mean_all != 0)
        t = stats.ttest_ind_from_stats(
            mean_in.to_numpy(),
            np.sqrt(var_in.to_numpy()),
            n.to_numpy(),
            mean_rest.to_numpy(),
            np.sqrt(var_rest.to_numpy()),
            n_rest.to_numpy(),
            equal_var=False,
        )
    p = pd.DataFrame(t.pvalue, index=mean_in.index, columns=cols)
    # zero variance on both sides: identical means -> no difference; different -> certain
    both_constant = (var_in == 0) & (var_rest == 0)
    p = p.mask(both_constant & (mean_in == mean_rest), 1.0).mask(
        both_constant & (mean_in != mean_rest), 0.0
    )
    d = d.mask(both_constant & (mean_in == mean_rest), 0.0)
    long = pd.DataFrame(
        {
            "value": mean_in.stack(future_stack=True),
            "population_value": pd.DataFrame(
                np.broadcast_to(mean_all.to_numpy(), mean_in.shape),
                index=mean_in.index,
                columns=cols,
            ).stack(future_stack=True),
            "rest_value": mean_rest.stack(future_stack=True),
            "lift": lift.stack(future_stack=True),
            "effect_size": d.replace([np.inf, -np.inf], np.nan).stack(future_stack=True),
            "p_value": p.stack(future_stack=True),
            "n": n.stack(future_stack=True).astype("int64"),
        }
    )
    long.index.names = ["segment", "feature"]
    long = long.reset_index()
    long["p_adjusted"] = np.nan
    ok = long["p_value"].notna()
    if ok.any():
        long.loc[ok, "p_adjusted"] = multipletests(
            long.loc[ok, "p_value"].to_numpy(), method="fdr_bh"
        )[1]
    long["abs_d"] = long["effect_size"].abs()
    long = long.sort_values(["segment", "abs_d"], ascending=[True, False], kind="stable").drop(
        columns="abs_d"
    )
    return long.reset_index(drop=True)


def _amount(lift: float, higher: bool, feature: str) -> str:
    """'6x more', '40% more', '3x less' (words adapted to the feature's template)."""
    more, less = ("more", "less")
    if feature == "frequency":
        more, less = ("more", "less")
    if feature in ("recency_days", "tenure_days"):
        if higher:
            return (
                f"{playbook.format_lift(lift)} as" if lift >= 2 else f"{(lift - 1):.0%} longer than"
            )
        return f"{playbook.format_lift(1 / lift)} more" if lift <= 0.5 else f"{(1 - lift):.0%} more"
    if feature == "age":
        return f"{abs(lift - 1):.0%} " + ("older" if higher else "younger")
    if higher:
        return f"{playbook.format_lift(lift)} {more}" if lift >= 2 else f"{(lift - 1):.0%} {more}"
    return f"{playbook.format_lift(1 / lift)} {less}" if lift <= 0.5 else f"{(1 - lift):.0%} {less}"


def trait_phrase(feature: str, lift: float, value: float, population_value: float) -> str:
    """A card sentence for a trait, e.g. ``shares 6x more than average``.

    Examples
    --------
    >>> trait_phrase("n_share", 6.0, 12.0, 2.0)
    'shares 6x more than average'
    >>> trait_phrase("monetary", 0.25, 5.0, 20.0)
    'spends 4x less than average'
    """
    higher = value > population_value
    if lift is None or not math.isfinite(lift):
        label = _label(feature)
        return f"{label}: {value:.3g} (average {population_value:.3g})"
    if feature == "age":
        return f"is {'older' if higher else 'younger'} than average ({value:.0f} vs {population_value:.0f} years)"
    if feature == "recency_days":
        if higher:
            return f"was last seen {value:.0f} days ago on average ({playbook.format_lift(lift)} the average {population_value:.0f})"
        return f"was active more recently than average ({value:.0f} vs {population_value:.0f} days ago)"
    if feature == "tenure_days":
        return f"{'has been with us longer' if higher else 'joined more recently'} than average ({value:.0f} vs {population_value:.0f} days)"
    if not higher and lift < 0.05:
        template = FEATURE_TEXT.get(feature, (None, None, None, None))[3]
        return template or f"almost no {_label(feature)}"
    text = FEATURE_TEXT.get(feature)
    amount = _amount(lift, higher, feature)
    if text is not None:
        template = text[1] if higher else text[2]
        return template.format(amount=amount)
    return _generic_phrase(feature, amount)


def _generic_phrase(feature: str, amount: str) -> str:
    if feature.startswith("platform_share_"):
        name = playbook.PLATFORM_NAMES.get(
            feature.removeprefix("platform_share_"), feature.removeprefix("platform_share_").title()
        )
        return f"is active on {name} {amount} than average"
    if feature.startswith("format_share_"):
        fmt = feature.removeprefix("format_share_")
        return f"engages with {FORMAT_WORDS.get(fmt, fmt.replace('_', ' ') + ' content')} {amount} than average"
    if feature.startswith("hour_share_"):
        slot = feature.removeprefix("hour_share_")
        return f"is active {SLOT_WORDS.get(slot, slot)} {amount} than average"
    return f"{_label(feature)}: {amount} than average"


def _label(feature: str) -> str:
    if feature in FEATURE_TEXT:
        return FEATURE_TEXT[feature][0]
    if feature.startswith("platform_share_"):
        p = feature.removeprefix("platform_share_")
        return f"share of activity on {playbook.PLATFORM_NAMES.get(p, p.title())}"
    if feature.startswith("format_share_"):
        return f"share of {feature.removeprefix('format_share_').replace('_', ' ')} content"
    if feature.startswith("hour_share_"):
        return f"share of activity {SLOT_WORDS.get(feature.removeprefix('hour_share_'), feature)}"
    if feature.startswith("n_"):
        return f"{feature.removeprefix('n_').replace('_', ' ')} events"
    return feature.replace("_", " ")


def feature_label(feature: str) -> str:
    """Readable name of a feature column (for tables and charts)."""
    return _label(feature)


def _effect(value) -> float:
    """An effect size as a plain float (0 when unknown), for ranking."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return 0.0
    return value if math.isfinite(value) else 0.0


def _time_columns(feats: pd.DataFrame) -> list[str]:
    return [c for c in feats.columns if c.startswith(HOUR_SHARE_PREFIX) or c == WEEKEND_FEATURE]


def _cohens_h(p1, p2):
    """Cohen's h between two shares: 2 asin(sqrt p1) - 2 asin(sqrt p2)."""
    p1 = np.clip(np.asarray(p1, dtype="float64"), 0, 1)
    p2 = np.clip(np.asarray(p2, dtype="float64"), 0, 1)
    return 2 * np.arcsin(np.sqrt(p1)) - 2 * np.arcsin(np.sqrt(p2))


def _time_tests(feats: pd.DataFrame, lab: pd.Series) -> pd.DataFrame:
    """When each group is active against everyone else: hours of the day and weekends.

    Each user counts once, spread over the hour slots (weekend / weekdays) in the
    proportions of their own events (the feature table's ``hour_share_*`` and
    ``weekend_share``): summing those shares gives user-weighted activity counts. A
    chi-square test of the group's counts against everyone else's then treats users,
    not events, as the independent units (a heavy user's hundred evening events are one
    habit, not a hundred observations); fractional counts make it conservative.

    Returns one row per (segment, test): ``test`` ("hours" or "weekdays"), ``slots``
    (per hour slot, most over-represented first, or for ``weekend_share``: feature, the
    group's share of its activity there, everyone else's, everyone's, lift and Cohen's
    h), ``shift`` (total variation distance between the group's and everyone else's mix)
    and ``p_value``.
    """
    rows = []
    hour_cols = [c for c in feats.columns if c.startswith(HOUR_SHARE_PREFIX)]
    mixes = []
    if len(hour_cols) >= 2:
        x = feats[hour_cols].astype("float64")
        ok = x.notna().all(axis=1) & (x.sum(axis=1) > 0)
        mixes.append(("hours", x[ok], lab[ok]))
    if WEEKEND_FEATURE in feats.columns:
        w = feats[WEEKEND_FEATURE].astype("float64")
        ok = w.notna()
        both = pd.DataFrame({WEEKEND_FEATURE: w[ok], "weekdays": 1 - w[ok]})
        mixes.append(("weekdays", both, lab[ok]))
    for test, x, groups in mixes:
        weights = x.groupby(groups, sort=True).sum()
        total = weights.sum()
        for seg, g in weights.iterrows():
            rest = total - g
            if g.sum() <= 0 or rest.sum() <= 0:
                continue
            used = (g + rest) > 0
            table = np.vstack([g[used].to_numpy(), rest[used].to_numpy()])
            p = 1.0 if used.sum() < 2 else float(stats.chi2_contingency(table).pvalue)
            gs, rs, ps = g / g.sum(), rest / rest.sum(), total / total.sum()
            slots = tuple(
                (
                    str(f),
                    float(gs[f]),
                    float(rs[f]),
                    float(ps[f]),
                    float(gs[f] / ps[f]) if ps[f] else float("nan"),
                    float(_cohens_h(gs[f], rs[f])),
                )
                for f in (gs - rs).sort_values(ascending=False).index
                if test == "hours" or f == WEEKEND_FEATURE
            )
            rows.append(
                {
                    "segment": str(seg),
                    "test": test,
                    "slots": slots,
                    "shift": float(0.5 * (gs - rs).abs().sum()),
                    "p_value": p,
                }
            )
    return pd.DataFrame(rows, columns=["segment", "test", "slots", "shift", "p_value"])


def _category_tests(counts: pd.DataFrame, sizes: pd.Series, min_group: int) -> pd.DataFrame:
    """Every shown category of every segment against everyone else: two-proportion z-test.

    Only categories with at least ``min_group`` users in the segment are tested (smaller
    ones are hidden anyway). Adds ``share`` (of the segment's users), ``rest_share``,
    ``population_share``, ``lift`` (share / population share), ``effect_size``
    (Cohen's h of share vs rest share) and ``p_value`` (two-sided, pooled z).
    """
    columns = [
        "segment",
        "attribute",
        "category",
        "users",
        "share",
        "rest_share",
        "population_share",
        "lift",
        "effect_size",
        "p_value",
    ]
    if counts.empty:
        return pd.DataFrame(columns=columns)
    n_all = float(sizes.sum())
    c = counts.copy()
    total = c.groupby(["attribute", "category"])["users"].transform("sum").astype("float64")
    n1 = c["segment"].map(sizes).astype("float64")
    n2 = n_all - n1
    c = c[(c["users"] >= min_group) & (n2 > 0)].copy()
    total, n1, n2 = total[c.index], n1[c.index], n2[c.index]
    k1 = c["users"].astype("float64")
    c["share"] = k1 / n1
    c["rest_share"] = (total - k1) / n2
    c["population_share"] = total / n_all
    c["lift"] = c["share"] / c["population_share"]
    pooled = total / n_all
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (c["share"] - c["rest_share"]) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    p = 2 * stats.norm.sf(np.abs(z))
    same = ~np.isfinite(z)  # everyone (or no one) in the category: no difference
    c["p_value"] = np.where(same, 1.0, p)
    c["effect_size"] = _cohens_h(c["share"], c["rest_share"])
    return c[columns].reset_index(drop=True)


def _support(
    table: pd.DataFrame,
    feats: pd.DataFrame,
    lab: pd.Series,
    counts: pd.DataFrame,
    sizes: pd.Series,
    min_group: int,
) -> tuple[dict[str, list[Trait]], dict[str, list[CategoryTrait]]]:
    """Every card line's test, corrected together; the supported traits per segment.

    One Benjamini-Hochberg family holds the Welch t-tests of every numeric feature, the
    chi-square tests of activity hours and weekdays and the two-proportion tests of every
    shown category, for every segment: the correction covers everything a card could
    claim. A test then needs the minimum effect too (:data:`MIN_EFFECT`,
    :data:`MIN_LIFT`, :data:`CATEGORY_MIN_LIFT`, :data:`CATEGORY_MIN_POINTS`,
    :data:`TIME_MIN_SHIFT`). Traits come back strongest first (by absolute effect size).
    """
    time_cols = set(_time_columns(feats))
    numeric = table[~table["feature"].isin(time_cols)].copy()
    timing = _time_tests(feats, lab)
    cats = _category_tests(counts, sizes, min_group)
    parts = [numeric["p_value"], timing["p_value"], cats["p_value"]]
    p_all = np.concatenate([np.asarray(part, dtype="float64") for part in parts])
    adjusted = np.full(len(p_all), np.nan)
    ok = np.isfinite(p_all)
    if ok.any():
        adjusted[ok] = multipletests(p_all[ok], method="fdr_bh")[1]
    cut = np.cumsum([0] + [len(part) for part in parts])
    numeric["p_adjusted"] = adjusted[cut[0] : cut[1]]
    timing["p_adjusted"] = adjusted[cut[1] : cut[2]]
    cats["p_adjusted"] = adjusted[cut[2] : cut[3]]

    traits: dict[str, list[Trait]] = {}
    lift = numeric["lift"]
    keep = numeric[
        (numeric["p_adjusted"] < SIGNIFICANCE)
        & (numeric["effect_size"].abs() >= MIN_EFFECT)
        & ((lift >= MIN_LIFT) | (lift <= 1 / MIN_LIFT) | lift.isna())
    ]
    for r in keep.itertuples(index=False):
        traits.setdefault(str(r.segment), []).append(
            Trait(
                feature=r.feature,
                label=_label(r.feature),
                value=float(r.value),
                population_value=float(r.population_value),
                lift=float(r.lift) if pd.notna(r.lift) else float("nan"),
                effect_size=float(r.effect_size),
                p_value=float(r.p_value),
                p_adjusted=float(r.p_adjusted),
                direction="higher" if r.value > r.population_value else "lower",
                phrase=trait_phrase(r.feature, r.lift, r.value, r.population_value),
            )
        )
    keep = timing[(timing["p_adjusted"] < SIGNIFICANCE) & (timing["shift"] >= TIME_MIN_SHIFT)]
    for r in keep.itertuples(index=False):
        for feature, value, rest_value, population_value, slot_lift, h in r.slots:
            if abs(value - rest_value) < CATEGORY_MIN_POINTS or abs(h) < MIN_EFFECT:
                continue  # the mixes differ, but not in this slot
            if r.test == "hours" and value < rest_value:
                continue  # a window is where the group is, not where it is not
            traits.setdefault(str(r.segment), []).append(
                Trait(
                    feature=feature,
                    label=_label(feature),
                    value=value,
                    population_value=population_value,
                    lift=slot_lift,
                    effect_size=h,
                    p_value=float(r.p_value),
                    p_adjusted=float(r.p_adjusted),
                    direction="higher" if value > rest_value else "lower",
                    phrase=_time_phrase(feature, value, rest_value),
                    test=r.test,
                )
            )
    for seg in traits:
        traits[seg].sort(key=lambda t: -abs(_effect(t.effect_size)))

    ctraits: dict[str, list[CategoryTrait]] = {}
    keep = cats[
        (cats["p_adjusted"] < SIGNIFICANCE)
        & (cats["effect_size"] >= MIN_EFFECT)
        & (cats["lift"] >= CATEGORY_MIN_LIFT)
        & (cats["share"] - cats["rest_share"] >= CATEGORY_MIN_POINTS)
    ].sort_values(["segment", "effect_size"], ascending=[True, False], kind="stable")
    for r in keep.itertuples(index=False):
        ctraits.setdefault(str(r.segment), []).append(
            CategoryTrait(
                attribute=r.attribute,
                category=str(r.category),
                share=float(r.share),
                population_share=float(r.population_share),
                lift=float(r.lift),
                users=int(r.users),
                phrase=category_phrase(r.attribute, r.category, r.share, r.lift),
                effect_size=float(r.effect_size),
                p_value=float(r.p_value),
                p_adjusted=float(r.p_adjusted),
            )
        )
    return traits, ctraits


def _time_phrase(feature: str, value: float, rest_value: float) -> str:
    """'is active in the evening (18:00-24:00) more than everyone else (45% of its
    activity vs 28%)'."""
    more = "more" if value > rest_value else "less"
    versus = f"({value:.0%} of its activity vs {rest_value:.0%})"
    if feature == WEEKEND_FEATURE:
        return f"is active at weekends {more} than everyone else {versus}"
    slot = feature.removeprefix(HOUR_SHARE_PREFIX)
    when = f"{SLOT_WORDS.get(slot, slot)} ({SLOT_HOURS.get(slot, '')})"
    return f"is active {when} {more} than everyone else {versus}"


def posting_windows(traits, *, top: int = MAX_WINDOWS) -> list[str]:
    """When to post to a group: its supported activity-hour and weekday traits only.

    Parameters
    ----------
    traits : iterable of Trait
        A persona's supported traits, strongest first.
    top : int
        At most this many windows (the strongest).

    Returns
    -------
    list of str
        e.g. ``["Evenings (18:00-24:00)", "Weekends"]``; empty when the group's hours and
        days do not differ from everyone else's (then no window is claimed).
    """
    out = []
    for t in traits:
        if t.test == "hours" and t.direction == "higher":
            slot = t.feature.removeprefix(HOUR_SHARE_PREFIX)
            out.append(f"{SLOT_NAMES.get(slot, slot.title())} ({SLOT_HOURS.get(slot, '')})")
        elif t.test == "weekdays":
            out.append("Weekends" if t.direction == "higher" else "Weekdays")
    return out[:top]


# --------------------------------------------------------------------------- categories


def _categorical_frame(feats: pd.DataFrame) -> pd.DataFrame:
    """One categorical column per attribute (age bands from age; value tiers from spend)."""
    out = {}
    n = len(feats)
    for c in feats.columns:
        if c in NOT_TRAITS or c == "interests":
            continue
        s = feats[c]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        if pd.api.types.is_datetime64_any_dtype(s):
            continue
        nunique = s.nunique(dropna=True)
        if nunique == 0 or (nunique > 50 and nunique > 0.2 * n):
            continue  # free text or an identifier, not a category
        out[c] = s.astype("string")
    if "age" in feats.columns and pd.api.types.is_numeric_dtype(feats["age"]):
        bins = [b[0] for b in AGE_BANDS] + [AGE_BANDS[-1][1]]
        out["age_band"] = pd.cut(
            feats["age"], bins=bins, labels=[b[2] for b in AGE_BANDS], right=False
        ).astype("string")
    if "monetary" in feats.columns:
        out["value_tier"] = _value_tiers(feats["monetary"])
    return pd.DataFrame(out, index=feats.index)


def _value_tiers(monetary: pd.Series) -> pd.Series:
    """high / medium / low spend (tertiles of buyers' spend) and 'no purchase'."""
    m = monetary.astype("float64")
    buyers = m[m > 0]
    tiers = pd.Series("no purchase", index=m.index, dtype="string")
    if len(buyers) >= 3:
        lo, hi = buyers.quantile([1 / 3, 2 / 3])
        tiers[(m > 0) & (m <= lo)] = "low spend"
        tiers[(m > lo) & (m <= hi)] = "medium spend"
        tiers[m > hi] = "high spend"
    elif len(buyers):
        tiers[m > 0] = "medium spend"
    return tiers


def _category_codes(feats: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Integer codes (-1 = missing) and category names per categorical attribute."""
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    n = len(feats)
    for c in feats.columns:
        if c in NOT_TRAITS or c == "interests":
            continue
        s = feats[c]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        if pd.api.types.is_datetime64_any_dtype(s):
            continue
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        if len(uniques) == 0 or (len(uniques) > 50 and len(uniques) > 0.2 * n):
            continue  # free text or an identifier, not a category
        out[c] = (codes, np.asarray(uniques, dtype=object).astype(str))
    if "age" in feats.columns and pd.api.types.is_numeric_dtype(feats["age"]):
        age = feats["age"].to_numpy(dtype="float64", na_value=np.nan)
        edges = np.array([b[1] for b in AGE_BANDS[:-1]])
        codes = np.where(np.isnan(age), -1, np.searchsorted(edges, age, side="right"))
        out["age_band"] = (codes, np.array([b[2] for b in AGE_BANDS], dtype=object))
    if "monetary" in feats.columns:
        m = feats["monetary"].to_numpy(dtype="float64", na_value=0.0)
        buyers = m[m > 0]
        names = np.array(["no purchase", "low spend", "medium spend", "high spend"], dtype=object)
        codes = np.zeros(len(m), dtype=np.int64)
        if len(buyers) >= 3:
            lo, hi = np.quantile(buyers, [1 / 3, 2 / 3])
            codes[m > 0] = np.where(buyers <= lo, 1, np.where(buyers <= hi, 2, 3))
        else:
            codes[m > 0] = 2
        out["value_tier"] = (codes, names)
    return out


def _category_counts_fast(feats: pd.DataFrame, lab: pd.Series) -> pd.DataFrame:
    """Users per (attribute, category, segment), by integer codes and ``np.bincount``."""
    seg_codes, seg_names = pd.factorize(lab)
    n_seg = len(seg_names)
    parts = []
    for attr, (codes, names) in _category_codes(feats).items():
        ok = codes >= 0
        flat = np.bincount(seg_codes[ok] * len(names) + codes[ok], minlength=n_seg * len(names))
        table = flat.reshape(n_seg, len(names))
        seg_idx, cat_idx = np.nonzero(table)
        parts.append(
            pd.DataFrame(
                {
                    "segment": np.asarray(seg_names, dtype=object)[seg_idx],
                    "category": names[cat_idx],
                    "users": table[seg_idx, cat_idx],
                    "attribute": attr,
                }
            )
        )
    if "interests" in feats.columns and not pd.api.types.is_numeric_dtype(feats["interests"]):
        parts.append(_interest_counts(feats["interests"], lab))
    if not parts:
        return pd.DataFrame(columns=["segment", "category", "users", "attribute"])
    out = pd.concat(parts, ignore_index=True)
    out["category"] = out["category"].astype(str)
    return out[out["users"] > 0].reset_index(drop=True)


def _interest_counts(interests: pd.Series, lab: pd.Series) -> pd.DataFrame:
    """Users per (segment, interest) for a ';'-separated multi-valued column."""
    exploded = interests.astype("string").str.split(r"[;,，；|]").explode().str.strip()
    exploded = exploded[exploded.notna() & (exploded != "")]
    if exploded.empty:
        return pd.DataFrame(columns=["segment", "category", "users", "attribute"])
    pairs = pd.DataFrame(
        {
            "segment": lab.reindex(exploded.index).to_numpy(),
            "category": exploded.to_numpy(),
            "user_id": exploded.index,
        }
    ).drop_duplicates()
    long = pairs.groupby(["segment", "category"]).size().rename("users").reset_index()
    long["attribute"] = "interests"
    return long


def _mix(
    counts: pd.DataFrame, segment: str, attribute: str, size: int, min_group: int, hidden: list
) -> tuple:
    rows = counts[(counts["segment"] == segment) & (counts["attribute"] == attribute)]
    if rows.empty:
        return ()
    shown = rows[rows["users"] >= min_group].sort_values(
        ["users", "category"], ascending=[False, True]
    )
    n_hidden = len(rows) - len(shown)
    if n_hidden:
        hidden.append(
            f"{_attribute_label(attribute)}: {n_hidden} categor{'y' if n_hidden == 1 else 'ies'} {hidden_note(min_group)}"
        )
    return tuple(
        (str(r.category), float(r.users) / size, int(r.users))
        for r in shown.itertuples(index=False)
    )


def _attribute_label(attribute: str) -> str:
    return {
        "age_band": "Age",
        "top_platform": "Main platform",
        "lifecycle_stage": "Lifecycle stage",
        "value_tier": "Value tier",
    }.get(attribute, attribute.replace("_", " ").capitalize())


def attribute_label(attribute: str) -> str:
    """Readable name of a categorical attribute."""
    return _attribute_label(attribute)


# --------------------------------------------------------------------------- names


def _name_key(trait) -> tuple[str, str]:
    """(trait key, direction) of a numeric or category trait, as :data:`NAME_RULES` names it."""
    if isinstance(trait, CategoryTrait):
        return f"{trait.attribute}={str(trait.category).lower()}", "higher"
    return trait.feature, trait.direction


def _rule_word(rule: NameRule, key: str, direction: str) -> str | None:
    """The rule's word for a trait key, or None when the rule does not match it."""
    if rule.direction != direction:
        return None
    if not rule.trait.endswith("*"):
        return rule.word if rule.trait == key else None
    prefix = rule.trait[:-1]
    if not key.startswith(prefix):
        return None
    rest = key.removeprefix(prefix)
    platform = playbook.PLATFORM_NAMES.get(rest, rest.replace("_", " ").title())
    fmt = FORMAT_NAME_WORDS.get(rest, rest.replace("_", "-"))
    return rule.word.format(platform=platform, format=fmt)


def auto_name(
    traits: list[Trait],
    *,
    category_traits: list[CategoryTrait] = (),
    spend_lift: float = float("nan"),
    parts: int = NAME_PARTS,
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

    Returns
    -------
    str
        "<activity> <value> <time> <channel> <noun>" with the slots the traits fill (rules in
        :data:`NAME_RULES`), the noun "buyers" or "users" when no trait gives one, or
        :data:`TYPICAL_NAME` when the group has no supported trait to be named for.
    """
    ranked = sorted([*traits, *category_traits], key=lambda t: -abs(_effect(t.effect_size)))
    # a group that spends more than average is named for its spending first
    ranked.sort(key=lambda t: _name_key(t) != ("monetary", "higher"))
    buys_less = any(_name_key(t) == ("frequency", "lower") for t in ranked)
    slots: dict[str, str] = {}
    used_groups: set[str] = set()
    buys_more = False
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
        for rule in NAME_RULES:
            word = _rule_word(rule, key, direction)
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
            break
    if not slots:
        return TYPICAL_NAME
    if "noun" not in slots:
        slots["noun"] = "buyers" if buys_more or "budget" in slots.values() else "users"
    name = " ".join(slots[s] for s in NAME_SLOTS if s in slots)
    return name[0].upper() + name[1:]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _size_qualifier(rank: int) -> str:
    return "largest group" if rank == 1 else f"{_ordinal(rank)} largest group"


def _unique_names(entries: list[dict]) -> dict[str, str]:
    """Names that differ between cards.

    ``entries`` are dicts with ``segment``, ``hidden``, ``traits``, ``category_traits``,
    ``spend_lift``, in size order. Two groups that would share a name get the next
    strongest trait each, and then, if they still collide (or have no supported trait),
    their size rank: "Typical users (2nd largest group)".
    """
    names: dict[str, str] = {}
    parts = {e["segment"]: NAME_PARTS for e in entries}

    def build(e: dict) -> str:
        if e["hidden"]:
            return f"Small group {e['segment']}"
        return auto_name(
            e["traits"],
            category_traits=e["category_traits"],
            spend_lift=e["spend_lift"],
            parts=parts[e["segment"]],
        )

    names = {e["segment"]: build(e) for e in entries}
    short = dict(names)
    for _ in range(len(NAME_SLOTS)):
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
        if counts[name] > 1 or name == TYPICAL_NAME:
            # more words did not tell them apart: the short name and the size rank
            name = f"{short[e['segment']]} ({_size_qualifier(rank)})"
        out[e["segment"]] = name
    return out


# --------------------------------------------------------------------------- events


def _event_breakdowns(
    engine, lab: pd.Series, events: str, max_comments: int, feats: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """Heatmap and recent comments in SQL; platform and format mix from the feature table.

    Every aggregate first groups the events per user (and cell), then joins the labels on
    those far fewer rows. Platform and format mix are exact sums over the feature table's
    ``platform_share_<p>`` x ``n_events`` (events on p per user, already aggregated in SQL
    by ``build_features``), which saves two scans of the events; without those columns
    they are aggregated in SQL like the heatmap.
    """
    ev = quote_identifier(events)
    out: dict[str, pd.DataFrame] = {}
    with labels_on_engine(engine, lab) as (conn, table):
        out["heatmap"] = read_sql(
            conn,
            f"""
            SELECT l.segment, c.weekday, c.hour, sum(c.n) AS events, count(*) AS users
            FROM (
                SELECT CAST(user_id AS VARCHAR) AS user_id,
                       CAST(EXTRACT(ISODOW FROM timestamp) AS INTEGER) - 1 AS weekday,
                       CAST(EXTRACT(HOUR FROM timestamp) AS INTEGER) AS hour,
                       count(*) AS n
                FROM {ev}
                GROUP BY 1, 2, 3
            ) AS c
            JOIN {table} AS l ON l.user_id = c.user_id
            GROUP BY l.segment, c.weekday, c.hour
            """,
        )
        for key, column, prefix in (
            ("platform", "platform", "platform_share_"),
            ("format", "content_format", "format_share_"),
        ):
            from_features = _mix_counts_from_features(feats, lab, prefix)
            if from_features is not None:
                out[key] = from_features
                continue
            out[key] = read_sql(
                conn,
                f"""
                SELECT l.segment, c.category, sum(c.n) AS events, count(*) AS users
                FROM (
                    SELECT CAST(user_id AS VARCHAR) AS user_id, {quote_identifier(column)} AS category,
                           count(*) AS n
                    FROM {ev}
                    WHERE {quote_identifier(column)} IS NOT NULL
                    GROUP BY 1, 2
                ) AS c
                JOIN {table} AS l ON l.user_id = c.user_id
                GROUP BY l.segment, c.category
                """,
            )
        out["comments"] = read_sql(
            conn,
            f"""
            SELECT segment, user_id, text FROM (
                SELECT l.segment, c.user_id, c.text,
                       row_number() OVER (
                           PARTITION BY l.segment ORDER BY c.timestamp DESC, c.user_id
                       ) AS rn
                FROM (
                    SELECT CAST(user_id AS VARCHAR) AS user_id, timestamp, text
                    FROM {ev}
                    WHERE text IS NOT NULL AND length(trim(text)) > 0
                ) AS c
                JOIN {table} AS l ON l.user_id = c.user_id
            ) AS recent
            WHERE rn <= {int(max_comments)}
            """,
        )
    out["heatmap"] = out["heatmap"].dropna(subset=["weekday", "hour"])
    return out


def _mix_counts_from_features(
    feats: pd.DataFrame, lab: pd.Series, prefix: str
) -> pd.DataFrame | None:
    """Per segment and category: events (share x n_events) and users (share > 0)."""
    cols = [c for c in feats.columns if c.startswith(prefix)]
    if not cols or "n_events" not in feats.columns:
        return None
    shares = feats[cols].to_numpy(dtype="float64", na_value=0.0)
    n_events = feats["n_events"].to_numpy(dtype="float64", na_value=0.0)[:, None]
    events = pd.DataFrame(np.rint(shares * n_events), index=feats.index, columns=cols)
    users = pd.DataFrame((shares > 0).astype("int64"), index=feats.index, columns=cols)
    ev_sum = events.groupby(lab.to_numpy()).sum()
    us_sum = users.groupby(lab.to_numpy()).sum()
    long = pd.DataFrame({"events": ev_sum.stack(), "users": us_sum.stack()}).reset_index()
    long.columns = ["segment", "category", "events", "users"]
    long["category"] = long["category"].str.removeprefix(prefix)
    return long[long["events"] > 0].reset_index(drop=True)


def _event_mix(frame: pd.DataFrame, segment: str, min_group: int, hidden: list, what: str) -> tuple:
    rows = frame[frame["segment"] == segment]
    if rows.empty:
        return ()
    total = float(rows["events"].sum())
    shown = rows[rows["users"] >= min_group].sort_values(
        ["events", "category"], ascending=[False, True]
    )
    n_hidden = len(rows) - len(shown)
    if n_hidden:
        hidden.append(
            f"{what}: {n_hidden} categor{'y' if n_hidden == 1 else 'ies'} {hidden_note(min_group)}"
        )
    return tuple(
        (str(r.category), float(r.events) / total, int(r.users))
        for r in shown.itertuples(index=False)
    )


def _mix_from_features(feats: pd.DataFrame, mask: pd.Series, prefix: str) -> tuple:
    cols = [c for c in feats.columns if c.startswith(prefix)]
    if not cols:
        return ()
    means = feats.loc[mask, cols].astype("float64").mean()
    users = (feats.loc[mask, cols].astype("float64") > 0).sum()
    total = float(means.sum()) or 1.0
    rows = sorted(
        ((c.removeprefix(prefix), float(means[c]) / total, int(users[c])) for c in cols),
        key=lambda r: -r[1],
    )
    return tuple(r for r in rows if r[1] > 0)


# --------------------------------------------------------------------------- build


def build_personas(
    features: pd.DataFrame,
    labels: pd.Series,
    *,
    engine=None,
    min_group_size: int = 10,
    clv: pd.DataFrame | None = None,
    events: str = "events",
    kpis: pd.DataFrame | None = None,
    max_comments: int = MAX_COMMENTS,
) -> list[Persona]:
    """One persona per segment, largest segment first.

    Parameters
    ----------
    features : DataFrame
        Feature table (``core.segments.features.build_features``); not modified.
    labels : Series
        Segment per user (index ``user_id``), e.g. ``SegmentResult.labels``.
    engine : sqlalchemy.Engine, optional
        The dataset engine. When given, the activity heatmap, platform and content-format
        mix, comment words and sentiment and the KPIs are computed from the events in
        SQL; without it, platform and format mix come from the feature table's share
        columns and the rest is left empty.
    min_group_size : int
        Breakdowns with fewer users are hidden (default 10).
    clv : DataFrame, optional
        Per-user CLV (``core.personas.clv.CLVResult.table``: ``user_id``, ``clv``, ``p_alive``,
        ``expected_purchases``); adds per-segment totals to the cards, and
        ``p_alive_everyone`` (mean P(alive) of all labelled buyers) beside the segment's.
    events : str
        Events table name on the engine.
    kpis : DataFrame, optional
        Precomputed :func:`core.personas.kpis.compute_kpis` output (else computed when ``engine``).
    max_comments : int
        Most recent comments per segment read for words and sentiment.

    Returns
    -------
    list of Persona
    """
    feats, lab = _validate(features, labels, min_group_size)
    min_group = int(min_group_size)
    sizes = _segment_sizes(lab)
    n_all = int(sizes.sum())
    table = _trait_table(feats, lab)
    by_segment = {seg: rows for seg, rows in table.groupby("segment", sort=False)}
    pop_means = table.drop_duplicates("feature").set_index("feature")["population_value"]
    counts = _category_counts_fast(feats, lab)
    supported, cat_traits = _support(table, feats, lab, counts, sizes, min_group)

    ev = None
    if engine is not None:
        ev = _event_breakdowns(engine, lab, events, max_comments, feats)
        if kpis is None:
            kpis = compute_kpis(engine, lab, events=events)
    pop_platform = {}
    if ev is not None and not ev["platform"].empty:
        tot = ev["platform"].groupby("category")["events"].sum()
        pop_platform = (tot / tot.sum()).to_dict()
    clv_by_segment = None
    if clv is not None:
        from core.personas.clv import segment_clv

        clv_by_segment = segment_clv(clv, lab)
        # everyone's chance to be still active, so a card's figure can be read against it
        alive = clv.set_index(clv["user_id"].astype(str))["p_alive"]
        clv_by_segment["p_alive_everyone"] = float(alive.reindex(lab.index).mean())

    personas = []
    for seg, size in sizes.items():
        seg = str(seg)
        size = int(size)
        share = size / n_all
        hidden: list[str] = []
        if size < min_group:
            personas.append(_hidden_persona(seg, size, share, min_group))
            continue
        mask = lab == seg
        rows = by_segment.get(seg, table.iloc[0:0])
        traits = supported.get(seg, [])
        ctraits = cat_traits.get(seg, [])
        demographics = {}
        for attr in [a for a in DEMOGRAPHIC_ORDER if a in set(counts["attribute"])] + sorted(
            set(counts["attribute"]) - set(DEMOGRAPHIC_ORDER) - set(MIX_ATTRIBUTES)
        ):
            mix = _mix(counts, seg, attr, size, min_group, hidden)
            if mix:
                demographics[attr] = mix
        lifecycle = _mix(counts, seg, "lifecycle_stage", size, min_group, hidden)
        value_mix = _mix(counts, seg, "value_tier", size, min_group, hidden)
        seg_means = rows.set_index("feature")["value"] if len(rows) else pd.Series(dtype=float)
        numeric_profile = {
            f: float(seg_means[f])
            for f in ("age", "followers", "n_events", "active_days", "recency_days", "tenure_days")
            if f in seg_means.index and pd.notna(seg_means[f])
        }
        engagement = {
            c.removeprefix("n_"): float(seg_means[c])
            for c in seg_means.index
            if c.startswith("n_")
            and c not in ("n_events", "n_platforms")
            and pd.notna(seg_means[c])
        }
        if "frequency" in seg_means.index:
            engagement.setdefault("purchase", float(seg_means["frequency"]))
        purchases = _purchases(feats.loc[mask])
        if ev is not None:
            platform_mix = _event_mix(ev["platform"], seg, min_group, hidden, "Platforms")
            format_mix = _event_mix(ev["format"], seg, min_group, hidden, "Content formats")
            heat_rows = ev["heatmap"][ev["heatmap"]["segment"] == seg]
            heatmap = tuple(
                (int(r.weekday), int(r.hour), int(r.events) if r.users >= min_group else None)
                for r in heat_rows.sort_values(["weekday", "hour"]).itertuples(index=False)
            )
            if any(c[2] is None for c in heatmap):
                hidden.append(
                    f"Active hours: {sum(c[2] is None for c in heatmap)} weekday-hour cells {hidden_note(min_group)}"
                )
            seg_comments = ev["comments"][ev["comments"]["segment"] == seg]
            words, sentiment = _comments(seg_comments, min_group, hidden)
        else:
            platform_mix = _mix_from_features(feats, mask, "platform_share_")
            format_mix = _mix_from_features(feats, mask, "format_share_")
            heatmap, words, sentiment = (), (), None
        seg_kpis = _kpi_dict(kpis, seg)
        seg_clv = _clv_dict(clv_by_segment, seg)
        facts = _facts(traits, ctraits)
        times = posting_windows(traits)
        recs = playbook.recommend(facts)
        if times:  # only when the group's hours or days differ from everyone else's
            timing = [t for t in traits if t.test in ("hours", "weekdays")][:MAX_WINDOWS]
            reason = "; ".join(t.phrase for t in timing)
            recs.append(playbook.posting_advice(times, reason))
        shown_platforms = {
            t.feature.removeprefix("platform_share_")
            for t in traits
            if t.feature.startswith("platform_share_") and t.direction == "higher"
        } | {str(c.category).lower() for c in ctraits if c.attribute == "top_platform"}
        platforms_pop = pop_platform or {
            p: float(pop_means.get(f"platform_share_{p}", np.nan)) for p, _, _ in platform_mix
        }
        personas.append(
            Persona(
                segment=seg,
                name="",
                size=size,
                share=share,
                traits=tuple(traits),
                category_traits=tuple(ctraits),
                demographics=demographics,
                numeric_profile=numeric_profile,
                platform_mix=platform_mix,
                format_mix=format_mix,
                lifecycle_mix=lifecycle,
                value_mix=value_mix,
                heatmap=heatmap,
                engagement=engagement,
                purchases=purchases,
                comment_words=words,
                sentiment=sentiment,
                kpis=seg_kpis,
                clv=seg_clv,
                recommendations=tuple(recs),
                best_platforms=tuple(
                    playbook.best_platforms(
                        {p: s for p, s, _ in platform_mix if str(p).lower() in shown_platforms},
                        platforms_pop,
                    )
                ),
                best_times=tuple(times),
                contact_note=playbook.contact_note(facts),
                hidden=tuple(hidden),
                min_group_size=min_group,
            )
        )
    spend = _spend_lifts(table)
    names = _unique_names(
        [
            {
                "segment": p.segment,
                "hidden": p.is_hidden,
                "traits": list(p.traits),
                "category_traits": list(p.category_traits),
                "spend_lift": spend.get(p.segment, float("nan")),
            }
            for p in personas
        ]
    )
    return [dataclasses.replace(p, name=names[p.segment]) for p in personas]


def _segment_sizes(lab: pd.Series) -> pd.Series:
    """Users per segment, largest first (ties in label order): the order of the cards."""
    sizes = lab.value_counts()
    return sizes.sort_index(kind="stable").sort_values(ascending=False, kind="stable")


def _spend_lifts(table: pd.DataFrame) -> dict[str, float]:
    """Spend per user of each segment / everyone's (NaN without a spend column)."""
    rows = table[table["feature"] == "monetary"]
    return {str(r.segment): float(r.lift) for r in rows.itertuples(index=False)}


def _facts(traits: list[Trait], ctraits: list[CategoryTrait]) -> dict:
    """What the playbook may act on: the card's supported traits only."""
    numeric = [t for t in traits if t.test == "welch"]
    shares: dict[str, dict[str, float]] = {}
    population: dict[str, dict[str, float]] = {}
    for c in ctraits:
        shares.setdefault(c.attribute, {})[c.category] = c.share
        population.setdefault(c.attribute, {})[c.category] = c.population_share
    return {
        "lift": {t.feature: t.lift for t in numeric if math.isfinite(t.lift)},
        "mean": {t.feature: t.value for t in numeric},
        "shares": shares,
        "population_shares": population,
    }


def persona_names(
    features: pd.DataFrame, labels: pd.Series, *, min_group_size: int = 10
) -> dict[str, str]:
    """The automatic name of every segment's persona, exactly as :func:`build_personas`
    names it, without the event breakdowns, KPIs and CLV (cheap enough for a map legend).

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
        ]
    )


def _hidden_persona(seg: str, size: int, share: float, min_group: int) -> Persona:
    note = hidden_note(min_group)
    return Persona(
        segment=seg,
        name="",
        size=size,
        share=share,
        traits=(),
        category_traits=(),
        demographics={},
        numeric_profile={},
        platform_mix=(),
        format_mix=(),
        lifecycle_mix=(),
        value_mix=(),
        heatmap=(),
        engagement={},
        purchases={},
        comment_words=(),
        sentiment=None,
        kpis={},
        clv=None,
        recommendations=(),
        best_platforms=(),
        best_times=(),
        contact_note=playbook.CONTACT_CAP_NOTE,
        hidden=(f"Everything except the size: {note}",),
        min_group_size=min_group,
        is_hidden=True,
    )


def _purchases(rows: pd.DataFrame) -> dict:
    out = {}
    if "frequency" in rows.columns:
        f = rows["frequency"].astype("float64")
        out["buyer_share"] = float((f > 0).mean())
        out["purchases_per_user"] = float(f.mean())
    if "monetary" in rows.columns:
        m = rows["monetary"].astype("float64")
        out["spend_per_user"] = float(m.mean())
        if "frequency" in rows.columns and rows["frequency"].sum() > 0:
            out["average_order_value"] = float(m.sum() / rows["frequency"].astype("float64").sum())
    return out


def _comments(rows: pd.DataFrame, min_group: int, hidden: list) -> tuple[tuple, dict | None]:
    if rows.empty:
        return (), None
    if rows["user_id"].nunique() < min_group:
        hidden.append(f"Comments: {hidden_note(min_group)}")
        return (), None
    words = top_words(rows["text"], n=12, users=rows["user_id"], min_users=min_group)
    return tuple(
        (str(w), int(c)) for w, c in zip(words["word"], words["count"], strict=True)
    ), sentiment_summary(rows["text"])


def _kpi_dict(kpis: pd.DataFrame | None, seg: str) -> dict:
    if kpis is None or seg not in kpis.index:
        return {}
    row = kpis.loc[seg]
    return {k: (None if pd.isna(row[k]) else float(row[k])) for k in KPI_BY_KEY if k in row.index}


def _clv_dict(table: pd.DataFrame | None, seg: str) -> dict | None:
    if table is None or seg not in table.index:
        return None
    row = table.loc[seg]
    return {k: (None if pd.isna(v) else float(v)) for k, v in row.items()}


# --------------------------------------------------------------------------- compare


def compare_segments(
    features: pd.DataFrame, labels: pd.Series, a: str, b: str, *, min_group_size: int = 10
) -> pd.DataFrame:
    """Test every feature and attribute between two segments, BH-corrected.

    Parameters
    ----------
    features : DataFrame
        Feature table; not modified.
    labels : Series
        Segment per user.
    a, b : str
        The two segments to compare.
    min_group_size : int
        Both segments need at least this many users (privacy), else ``DataError``.

    Returns
    -------
    DataFrame
        One row per numeric feature (Welch t-test, Cohen's d) and per categorical attribute
        (chi-square test of the category counts): ``kind``, ``feature``, ``label``,
        ``value_a``, ``value_b`` (means, or the most over-represented category's shares),
        ``ratio`` (a / b), ``effect_size``, ``p_value``, ``p_adjusted`` (Benjamini-Hochberg
        over all rows), ``significant`` (adjusted p < :data:`SIGNIFICANCE`), ``clear``
        (significant and as large as a card needs: :data:`MIN_EFFECT` and
        :data:`MIN_LIFT` for numbers, Cramér's V >= :data:`COMPARE_MIN_CRAMERS_V` for
        attributes), ``summary``; most significant first.
    """
    feats, lab = _validate(features, labels, min_group_size)
    for seg in (a, b):
        if seg not in set(lab):
            raise DataError(f"There is no segment called {seg!r} in this segmentation.")
    if a == b:
        raise DataError("Pick two different segments to compare.")
    na, nb = int((lab == a).sum()), int((lab == b).sum())
    if min(na, nb) < min_group_size:
        raise DataError(
            f"Both segments need at least {min_group_size} users to be compared ({hidden_note(min_group_size)})."
        )
    cols = _numeric_columns(feats)
    xa = feats.loc[lab == a, cols].astype("float64")
    xb = feats.loc[lab == b, cols].astype("float64")
    ma, mb = xa.mean(), xb.mean()
    sa, sb = xa.std(ddof=1), xb.std(ddof=1)
    ca, cb = xa.count(), xb.count()
    with np.errstate(divide="ignore", invalid="ignore"):
        res = stats.ttest_ind_from_stats(
            ma.to_numpy(),
            sa.to_numpy(),
            ca.to_numpy(),
            mb.to_numpy(),
            sb.to_numpy(),
            cb.to_numpy(),
            equal_var=False,
        )
        pooled = np.sqrt(((ca - 1) * sa**2 + (cb - 1) * sb**2) / (ca + cb - 2))
        d = (ma - mb) / pooled
    pvals = pd.Series(res.pvalue, index=cols)
    const = (sa == 0) & (sb == 0)
    pvals = pvals.mask(const & (ma == mb), 1.0).mask(const & (ma != mb), 0.0)
    rows = []
    for f in cols:
        rows.append(
            {
                "kind": "feature",
                "feature": f,
                "label": _label(f),
                "value_a": float(ma[f]),
                "value_b": float(mb[f]),
                "ratio": float(ma[f] / mb[f]) if mb[f] else float("nan"),
                "effect_size": float(d[f]) if np.isfinite(d[f]) else float("nan"),
                "p_value": float(pvals[f]),
            }
        )
    cats = _categorical_frame(feats)
    for col in cats.columns:
        sub = cats.loc[(lab == a) | (lab == b), col]
        ok = sub.notna()
        table = pd.crosstab(lab[sub.index][ok], sub[ok])
        if table.shape[0] < 2 or table.shape[1] < 2:
            continue
        chi = stats.chi2_contingency(table.to_numpy())
        shares = table.div(table.sum(axis=1), axis=0)
        diff = (shares.loc[a] - shares.loc[b]).abs().sort_values(ascending=False)
        top = diff.index[0]
        n = table.to_numpy().sum()
        cramers_v = math.sqrt(chi.statistic / (n * (min(table.shape) - 1))) if n else float("nan")
        rows.append(
            {
                "kind": "attribute",
                "feature": f"{col}={top}",
                "label": f"{_attribute_label(col)}: {top}",
                "value_a": float(shares.loc[a, top]),
                "value_b": float(shares.loc[b, top]),
                "ratio": float(shares.loc[a, top] / shares.loc[b, top])
                if shares.loc[b, top]
                else float("nan"),
                "effect_size": cramers_v,
                "p_value": float(chi.pvalue),
            }
        )
    out = pd.DataFrame(rows)
    ok = out["p_value"].notna()
    out["p_adjusted"] = np.nan
    if ok.any():
        out.loc[ok, "p_adjusted"] = multipletests(out.loc[ok, "p_value"], method="fdr_bh")[1]
    out["significant"] = out["p_adjusted"] < SIGNIFICANCE
    # clear = significant and large enough to matter, by the cards' own minimums
    ratio = out["ratio"]
    big_enough = np.where(
        out["kind"] == "feature",
        (out["effect_size"].abs() >= MIN_EFFECT)
        & ((ratio >= MIN_LIFT) | (ratio <= 1 / MIN_LIFT) | ratio.isna()),
        out["effect_size"] >= COMPARE_MIN_CRAMERS_V,
    )
    out["clear"] = out["significant"] & big_enough
    out["summary"] = [_compare_sentence(r, a, b) for r in out.itertuples(index=False)]
    return out.sort_values(
        ["p_adjusted", "feature"], na_position="last", kind="stable"
    ).reset_index(drop=True)


def _compare_sentence(r, a: str, b: str) -> str:
    if not r.clear:
        return "no clear difference"
    if r.kind == "attribute":
        return f"{r.value_a:.0%} in {a} vs {r.value_b:.0%} in {b}"
    if math.isfinite(r.ratio) and r.ratio > 0:
        if r.ratio >= 1:
            return f"{a} is {playbook.format_lift(r.ratio)} {b}"
        return (
            f"{a} is {playbook.format_lift(r.ratio)} {b} ({playbook.format_lift(1 / r.ratio)} less)"
        )
    return f"{a} {r.value_a:.3g} vs {b} {r.value_b:.3g}"


# --------------------------------------------------------------------------- records


def _clean(value):
    """JSON-safe: NaN/inf -> None, numpy scalars -> Python, tuples -> lists."""
    if isinstance(value, dict | Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if dataclasses.is_dataclass(value):
        return _clean(dataclasses.asdict(value))
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def personas_to_records(
    personas: list[Persona], names: Mapping[str, str] | None = None
) -> list[dict]:
    """Personas as JSON-ready dicts (DESIGN.md personas contract).

    Parameters
    ----------
    personas : list of Persona
    names : mapping, optional
        User-edited names per segment (``Run.names``); override the automatic ones.

    Returns
    -------
    list of dict
        ``segment``, ``name``, ``size``, ``share``, ``traits`` (``feature``, ``value``,
        ``population_value``, ``lift``, plus ``effect_size``, ``p_value``, ``p_adjusted``
        (Benjamini-Hochberg over every test of every card), ``direction``, ``phrase``,
        ``test``: ``welch`` / ``hours`` / ``weekdays``; only supported traits),
        ``kpis``, ``recommendations`` (strings: action — reason),
        and the rest of the card: ``auto_name``, ``category_traits``, ``demographics``,
        ``platform_mix``, ``format_mix``, ``lifecycle_mix``, ``value_mix``, ``heatmap``,
        ``engagement``, ``purchases``, ``comment_words``, ``sentiment``, ``clv``,
        ``recommendation_details``, ``best_platforms``, ``best_times``, ``contact_note``,
        ``hidden``. Mixes are lists of ``{category, share, users}``.
    """
    names = names or {}
    out = []
    for p in personas:
        mix = lambda rows: [{"category": c, "share": s, "users": u} for c, s, u in rows]  # noqa: E731
        rec = {
            "segment": p.segment,
            "name": names.get(p.segment) or p.name,
            "size": p.size,
            "share": p.share,
            "traits": [
                {
                    "feature": t.feature,
                    "value": t.value,
                    "population_value": t.population_value,
                    "lift": t.lift,
                    "effect_size": t.effect_size,
                    "p_value": t.p_value,
                    "p_adjusted": t.p_adjusted,
                    "direction": t.direction,
                    "phrase": t.phrase,
                    "test": t.test,
                }
                for t in p.traits
            ],
            "kpis": dict(p.kpis),
            "recommendations": [f"{r.action} — {r.reason}" for r in p.recommendations],
            "auto_name": p.name,
            "category_traits": [dataclasses.asdict(c) for c in p.category_traits],
            "demographics": {k: mix(v) for k, v in p.demographics.items()},
            "numeric_profile": dict(p.numeric_profile),
            "platform_mix": mix(p.platform_mix),
            "format_mix": mix(p.format_mix),
            "lifecycle_mix": mix(p.lifecycle_mix),
            "value_mix": mix(p.value_mix),
            "heatmap": [{"weekday": w, "hour": h, "events": e} for w, h, e in p.heatmap],
            "engagement": dict(p.engagement),
            "purchases": dict(p.purchases),
            "comment_words": [{"word": w, "count": c} for w, c in p.comment_words],
            "sentiment": None if p.sentiment is None else dict(p.sentiment),
            "clv": None if p.clv is None else dict(p.clv),
            "recommendation_details": [dataclasses.asdict(r) for r in p.recommendations],
            "best_platforms": list(p.best_platforms),
            "best_times": list(p.best_times),
            "contact_note": p.contact_note,
            "hidden": list(p.hidden),
            "min_group_size": p.min_group_size,
        }
        out.append(_clean(rec))
    return out


__all__ = [
    "ALL_USERS",
    "CategoryTrait",
    "Persona",
    "Trait",
    "attribute_label",
    "auto_name",
    "build_personas",
    "persona_names",
    "compare_segments",
    "feature_label",
    "hidden_note",
    "personas_to_records",
    "trait_phrase",
    "trait_table",
]
