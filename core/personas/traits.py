"""Distinguishing traits: what sets a segment apart from everyone else, and the tests behind it.

A card only says what the data supports. Every line it could show is tested against
the rest of the users, and all those tests, for all cards, form one Benjamini-Hochberg
family (``statsmodels``), so with many segments and features chance differences do not
become claims:

- numeric features: Welch's t-test, effect = Cohen's d; lift = segment mean /
  population mean (population = every labelled user);
- categories (main platform, lifecycle stage, value tier, demographics): two-proportion
  z-test of the share in the segment vs the rest, effect = Cohen's h;
- when a group is active: a chi-square test of its activity over the hour slots (and
  weekend vs weekdays) against everyone else's, each user counting once.

A test is a trait when its adjusted p < ``SIGNIFICANCE`` *and* its effect passes the
minimums below, so a huge sample does not make a trivial difference a claim.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from core.errors import DataError
from core.i18n import tr
from core.personas.wording import (
    HOUR_SHARE_PREFIX,
    WEEKEND_FEATURE,
    _label,
    _time_phrase,
    category_phrase,
    trait_phrase,
)

# From the concrete module, not the core.segments root: that root brings the whole
# segmentation stack (clustering, the map, the automatic segmentation, which itself uses
# core.personas' feature labels), and the cards need one helper from it.
from core.segments.features import add_users_without_events

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


#: Features that duplicate another one (same numbers under another name): not traits.
ALIASES: dict[str, str] = {"n_purchase": "frequency"}
#: Columns that are identifiers or bookkeeping, never traits.
NOT_TRAITS: frozenset[str] = frozenset({"user_id", "segment"})


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


def _validate(
    features: pd.DataFrame, labels: pd.Series, min_group_size: int
) -> tuple[pd.DataFrame, pd.Series]:
    """Checked, aligned inputs: features indexed by user_id and their labels (DataError otherwise)."""
    if not isinstance(features, pd.DataFrame) or "user_id" not in features.columns:
        raise DataError(tr("The feature table needs a user_id column; rebuild the features first."))
    if not isinstance(labels, pd.Series) or len(labels) == 0:
        raise DataError(tr("There are no segment labels; run and save a segmentation first."))
    if int(min_group_size) < 1:
        raise DataError(
            tr("The minimum group size must be at least 1, got {value}.", value=min_group_size)
        )
    lab = pd.Series(labels.astype(str).to_numpy(), index=labels.index.astype(str), name="segment")
    if not lab.index.is_unique:
        lab = lab[~lab.index.duplicated()]
    known_ids = pd.Index(features["user_id"].astype(str))
    if not lab.index.isin(known_ids).any():
        raise DataError(
            tr(
                "None of the segmented users are in the feature table; the segmentation was "
                "probably made on another dataset. Run the segmentation again."
            )
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


def _numeric_columns(feats: pd.DataFrame) -> list[str]:
    """The numeric feature columns that can be traits (no identifiers, no duplicates)."""
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
    """:func:`trait_table` on validated inputs."""
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


def _effect(value) -> float:
    """An effect size as a plain float (0 when unknown), for ranking."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return 0.0
    return value if math.isfinite(value) else 0.0


def _time_columns(feats: pd.DataFrame) -> list[str]:
    """The activity-hour and weekend columns (tested as mixes, not as numbers)."""
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
