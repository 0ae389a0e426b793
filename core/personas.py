"""Persona cards: who each segment is, what makes it different, and what to do about it.

:func:`build_personas` turns a feature table and segment labels into one frozen
:class:`Persona` per segment with everything a card shows (DOMAIN.md "Persona"):
size and share, demographics, platform / format / lifecycle / value mix, a weekday x hour
activity heatmap, engagement per event type, purchases, comment words and sentiment,
**distinguishing traits**, KPIs, CLV and ranked recommended actions.

Distinguishing traits (all features at once, vectorised):

- lift = segment mean / population mean (population = every labelled user);
- standardised effect size = Cohen's d of the segment vs the rest of the users (pooled
  standard deviation);
- Welch's t-test of segment vs rest (``scipy.stats.ttest_ind_from_stats``), p-values
  corrected with Benjamini-Hochberg (``statsmodels``) across every segment x feature test;
- traits are significant (adjusted p < 0.05) features with |d| >= 0.2 and a lift away
  from 1, ranked by |d|; categorical attributes give over-representation traits
  (share in segment / share overall).

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

from core import playbook
from core.features import add_users_without_events
from core.kpis import ALL_USERS, KPI_BY_KEY, compute_kpis, labels_on_engine, quote_ident, read_sql
from core.schema import DataError
from core.text import sentiment_summary, top_words

SIGNIFICANCE = 0.05
MIN_EFFECT = 0.2
MAX_COMMENTS = 1000  # most recent comments per segment read for words and sentiment

#: Features that duplicate another one (same numbers under another name): not traits.
ALIASES: dict[str, str] = {"n_purchase": "frequency"}
#: Columns that are identifiers or bookkeeping, never traits.
NOT_TRAITS: frozenset[str] = frozenset({"user_id", "segment"})

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
    template = CATEGORY_TEXT.get(
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

#: Name parts: (feature, direction, slot, word), tried in trait rank order. A name is
#: "<value> <time> <channel> <noun>", e.g. "High-value weekend video buyers".
NAME_RULES: tuple[tuple[str, str, str, str], ...] = (
    ("recency_days", "higher", "noun", "lapsed users"),
    ("n_share", "higher", "noun", "sharers"),
    ("followers", "higher", "noun", "influencers"),
    ("shares_received", "higher", "noun", "influencers"),
    ("monetary", "higher", "value", "High-value"),
    ("avg_order_value", "higher", "value", "High-value"),
    ("frequency", "higher", "noun", "repeat buyers"),
    ("n_comment", "higher", "noun", "fans"),
    ("engagement_rate", "higher", "noun", "fans"),
    ("n_like", "higher", "noun", "fans"),
    ("n_view", "higher", "noun", "browsers"),
    ("engagement_rate", "lower", "noun", "quiet browsers"),
    ("n_register", "higher", "noun", "newcomers"),
    ("avg_order_value", "lower", "value", "Budget"),
    ("frequency", "higher", "value", "Frequent"),
    ("engagement_rate", "higher", "value", "Engaged"),
    ("weekend_share", "higher", "time", "weekend"),
    ("hour_share_evening", "higher", "time", "evening"),
    ("hour_share_night", "higher", "time", "late-night"),
    ("hour_share_morning", "higher", "time", "morning"),
    ("hour_share_afternoon", "higher", "time", "daytime"),
    ("format_share_video", "higher", "channel", "video"),
    ("format_share_live", "higher", "channel", "live-stream"),
    ("format_share_short_video", "higher", "channel", "short-video"),
    ("format_share_article", "higher", "channel", "article"),
    ("format_share_text_image", "higher", "channel", "photo-post"),
)
NAME_SLOTS = ("value", "time", "channel", "noun")
#: Features that say the same thing: a name uses at most one word per group.
NAME_GROUPS: dict[str, str] = {
    "monetary": "money",
    "avg_order_value": "money",
    "frequency": "buying",
    "engagement_rate": "engagement",
    "n_like": "engagement",
    "n_comment": "engagement",
    "n_share": "influence",
    "followers": "influence",
    "shares_received": "influence",
}
NAME_MIN_LIFT = 1.3  # a "higher" trait needs lift >= 1.3, a "lower" one <= 1/1.3

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


@dataclasses.dataclass(frozen=True)
class CategoryTrait:
    """A category over-represented in a segment (share in segment / share overall)."""

    attribute: str
    category: str
    share: float
    population_share: float
    lift: float
    users: int
    phrase: str


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
        """The ``n`` strongest traits as plain sentences, numeric and categorical merged."""
        out = [t.phrase for t in self.traits[:n]]
        out += [c.phrase for c in self.category_traits[: max(0, n - len(out)) or 2]]
        return out[: n + 2]


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


def _select_traits(rows: pd.DataFrame) -> list[Trait]:
    keep = rows[
        (rows["p_adjusted"] < SIGNIFICANCE)
        & (rows["effect_size"].abs() >= MIN_EFFECT)
        & ((rows["lift"] >= 1.1) | (rows["lift"] <= 1 / 1.1) | rows["lift"].isna())
    ]
    out = []
    for r in keep.itertuples(index=False):
        higher = r.value > r.population_value
        out.append(
            Trait(
                feature=r.feature,
                label=_label(r.feature),
                value=float(r.value),
                population_value=float(r.population_value),
                lift=float(r.lift) if pd.notna(r.lift) else float("nan"),
                effect_size=float(r.effect_size),
                p_value=float(r.p_value),
                p_adjusted=float(r.p_adjusted),
                direction="higher" if higher else "lower",
                phrase=trait_phrase(r.feature, r.lift, r.value, r.population_value),
            )
        )
    return out


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


def _category_traits(
    counts: pd.DataFrame, sizes: pd.Series, min_group: int
) -> dict[str, list[CategoryTrait]]:
    if counts.empty:
        return {}
    total = counts.groupby(["attribute", "category"])["users"].sum()
    n_all = float(sizes.sum())
    c = counts.copy()
    c["share"] = c["users"] / c["segment"].map(sizes).astype(float)
    c["population_share"] = (
        c.set_index(["attribute", "category"]).index.map(total).to_numpy() / n_all
    )
    c["lift"] = c["share"] / c["population_share"]
    c = c[(c["users"] >= min_group) & (c["lift"] >= 1.5) & (c["share"] >= 0.1)]
    c = c.sort_values(["segment", "lift"], ascending=[True, False])
    out: dict[str, list[CategoryTrait]] = {}
    for r in c.itertuples(index=False):
        phrase = category_phrase(r.attribute, r.category, r.share, r.lift)
        out.setdefault(r.segment, []).append(
            CategoryTrait(
                r.attribute,
                r.category,
                float(r.share),
                float(r.population_share),
                float(r.lift),
                int(r.users),
                phrase,
            )
        )
    return out


# --------------------------------------------------------------------------- names


def auto_name(traits: list[Trait], *, category_traits: list[CategoryTrait] = ()) -> str:
    """A persona name from its top traits, e.g. ``High-value weekend video buyers``.

    Slots (value, time, channel, noun) are filled from :data:`NAME_RULES` in trait rank
    order; a slot is left out when no trait fills it, and the noun defaults to "users".
    """
    slots: dict[str, str] = {}
    used_groups: set[str] = set()
    for t in traits:
        strong = (
            t.direction == "higher" and (not math.isfinite(t.lift) or t.lift >= NAME_MIN_LIFT)
        ) or (t.direction == "lower" and math.isfinite(t.lift) and t.lift <= 1 / NAME_MIN_LIFT)
        if not strong:
            continue
        for feature, direction, slot, word in NAME_RULES:
            if feature == t.feature and direction == t.direction and slot not in slots:
                group = NAME_GROUPS.get(feature, feature)
                if group in used_groups:
                    continue
                slots[slot] = word
                used_groups.add(group)
                break
    if "noun" not in slots:
        slots["noun"] = "buyers" if used_groups & {"money", "buying"} else "users"
    if "channel" not in slots:
        for ct in category_traits:
            if ct.attribute == "top_platform":
                slots["channel"] = playbook.PLATFORM_NAMES.get(ct.category.lower(), ct.category)
                break
    words = [slots[s] for s in NAME_SLOTS if s in slots]
    name = " ".join(words)
    return name[0].upper() + name[1:]


def _unique_names(names: dict[str, str]) -> dict[str, str]:
    """Make names unique: a repeated name gets its segment label appended."""
    counts: dict[str, int] = {}
    for n in names.values():
        counts[n] = counts.get(n, 0) + 1
    return {seg: (n if counts[n] == 1 else f"{n} ({seg})") for seg, n in names.items()}


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
    ev = quote_ident(events)
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
                    SELECT CAST(user_id AS VARCHAR) AS user_id, {quote_ident(column)} AS category,
                           count(*) AS n
                    FROM {ev}
                    WHERE {quote_ident(column)} IS NOT NULL
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
        Feature table (``core.features.build_features``); not modified.
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
        Per-user CLV (``core.clv.CLVResult.table``: ``user_id``, ``clv``, ``p_alive``,
        ``expected_purchases``); adds per-segment totals to the cards.
    events : str
        Events table name on the engine.
    kpis : DataFrame, optional
        Precomputed :func:`core.kpis.compute_kpis` output (else computed when ``engine``).
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
    cat_traits = _category_traits(counts, sizes, min_group)
    population_shares = {
        attr: (rows.groupby("category")["users"].sum() / n_all).to_dict()
        for attr, rows in counts.groupby("attribute")
    }

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
        from core.clv import segment_clv

        clv_by_segment = segment_clv(clv, lab)

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
        traits = _select_traits(rows)
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
        facts = {
            "lift": {
                r.feature: float(r.lift) for r in rows.itertuples(index=False) if pd.notna(r.lift)
            },
            "mean": {k: float(v) for k, v in seg_means.items() if pd.notna(v)},
            "shares": {
                attr: {cat: s for cat, s, _ in mix}
                for attr, mix in {
                    **demographics,
                    "lifecycle_stage": lifecycle,
                    "value_tier": value_mix,
                }.items()
            },
            "population_shares": population_shares,
            "sentiment": None if not sentiment else sentiment.get("score"),
        }
        times = playbook.best_posting_times(heatmap)
        recs = playbook.recommend(facts)
        recs = (
            [r for r in recs if r.score >= 1]
            + [playbook.posting_advice(times)]
            + [r for r in recs if r.score < 1]
        )
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
                    playbook.best_platforms({p: s for p, s, _ in platform_mix}, platforms_pop)
                ),
                best_times=tuple(times),
                contact_note=playbook.contact_note(facts),
                hidden=tuple(hidden),
                min_group_size=min_group,
            )
        )
    names = _names(
        [(p.segment, p.is_hidden, list(p.traits), list(p.category_traits)) for p in personas]
    )
    return [dataclasses.replace(p, name=names[p.segment]) for p in personas]


def _segment_sizes(lab: pd.Series) -> pd.Series:
    """Users per segment, largest first (ties in label order): the order of the cards."""
    sizes = lab.value_counts()
    return sizes.sort_index(kind="stable").sort_values(ascending=False, kind="stable")


def _names(segments: list[tuple[str, bool, list, list]]) -> dict[str, str]:
    """Unique automatic names for (segment, hidden, traits, category traits) in order."""
    return _unique_names(
        {
            seg: auto_name(traits, category_traits=ctraits) if not hidden else f"Small group {seg}"
            for seg, hidden, traits, ctraits in segments
        }
    )


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
    by_segment = {seg: rows for seg, rows in table.groupby("segment", sort=False)}
    cat_traits = _category_traits(_category_counts_fast(feats, lab), sizes, min_group)
    return _names(
        [
            (
                seg,
                int(size) < min_group,
                _select_traits(by_segment.get(seg, table.iloc[0:0])),
                cat_traits.get(seg, []),
            )
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
        over all rows), ``significant``, ``summary``; most significant first.
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
    out["summary"] = [_compare_sentence(r, a, b) for r in out.itertuples(index=False)]
    return out.sort_values(
        ["p_adjusted", "feature"], na_position="last", kind="stable"
    ).reset_index(drop=True)


def _compare_sentence(r, a: str, b: str) -> str:
    if not r.significant:
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
        ``population_value``, ``lift``, plus ``effect_size``, ``p_value``, ``p_adjusted``,
        ``direction``, ``phrase``), ``kpis``, ``recommendations`` (strings: action — reason),
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
