"""The automatic path, steps 1 and 2: candidate columns and the tests that screen them.

:func:`_find_candidates` puts everything the feature table knows on scales where "no
groups" looks unimodal; :func:`_dip_p` (Hartigan's dip test), :func:`_split_p_value`,
:func:`_associated` (chi-square and Cramér's V between attributes) and :func:`_eta2` say
which candidates carry group structure. The tuning constants of the whole automatic path
are here too, in one table. The method itself is described in ``core.segments.autoseg``.
"""

from __future__ import annotations

import dataclasses

import diptest
import numpy as np
import pandas as pd
from scipy.stats import chi2_contingency
from sklearn.cluster import KMeans

from core.i18n import tr
from core.segments.columns import FEATURE_COLUMNS, column_label

__all__ = [
    "MIN_USERS",
    "ALPHA",
    "TEST_ROWS",
    "FIT_ROWS",
    "ETA_MIN",
    "PRIOR_EVENTS",
    "MIN_GROUP_SHARE",
    "MAX_K",
    "LCA_ROWS",
    "STABILITY_RUNS",
    "candidate_label",
]

#: Fewer users than this cannot show a group structure worth naming.
MIN_USERS = 50
#: Family-wise level of the screening and split tests (strict: a wrong split becomes a
#: persona card someone acts on).
ALPHA = 0.001
#: Dip tests use at most this many values (the test's power does not need more, and a
#: huge sample would flag tiny departures from unimodality that no marketer can use).
TEST_ROWS = 3000
#: Screening and clustering run on a seeded sample of at most this many users.
FIT_ROWS = 20_000
#: A candidate is kept when the groups explain at least this share of its variance.
ETA_MIN = 0.1
#: Pseudo-events that shrink a user's shares towards the population mix.
PRIOR_EVENTS = 2.0
#: No group smaller than this share of users (or 20 users) is split off.
MIN_GROUP_SHARE = 0.02
MAX_K = 10
#: The latent class model is fitted on at most this many users.
LCA_ROWS = 5000
STABILITY_RUNS = 5
#: Columns of the feature table that are derived from others or are labels.
_SKIP = frozenset({"user_id", "top_platform", "lifecycle_stage", "n_platforms", "n_events"})
_SHARE_PREFIXES = ("hour_share_", "platform_share_", "format_share_")


# --- candidates -------------------------------------------------------------------------


@dataclasses.dataclass
class _Candidates:
    numeric: pd.DataFrame  # transformed, one column per candidate
    categorical: dict  # attribute -> pd.Series of str


def candidate_label(name: str) -> str:
    """A candidate column in words (for reasons, the page and the report).

    Parameters
    ----------
    name : str
        A candidate column of the automatic path (``type_share_like``, ``gender=f``, a
        feature column).

    Returns
    -------
    str
    """
    if name.startswith("type_share_"):
        return tr("share of {events}", events=column_label("n_" + name[len("type_share_") :]))
    if "=" in name:
        attr, level = name.split("=", 1)
        return tr("{attribute}: {value}", attribute=column_label(attr), value=level)
    if name == "n_events":
        return tr("events per user (volume)")
    return column_label(name)


def _find_candidates(features: pd.DataFrame, rng: np.random.Generator) -> _Candidates:
    """Feature table -> candidate columns on scales where one group looks unimodal."""
    n = len(features)
    num: dict[str, pd.Series] = {}
    cats: dict[str, pd.Series] = {}

    def jitter(col: str) -> pd.Series:
        # Continuous extension of a count: x + U[0, 1) (Machado & Santos Silva 2005),
        # so integer steps are not read as peaks by the dip test.
        return features[col].astype("float64").fillna(0.0).clip(lower=0) + rng.random(n)

    def add(name: str, values) -> None:
        v = pd.Series(np.asarray(values, dtype="float64"), index=features.index)
        v = v.replace([np.inf, -np.inf], np.nan)
        if v.notna().sum() < 10 or not v.std(skipna=True) > 1e-9:
            return
        num[name] = v.fillna(v.median())

    events = jitter("n_events") if "n_events" in features else pd.Series(1.0, index=features.index)
    add("n_events", np.log1p(events))
    types = [c for c in features.columns if c.startswith("n_") and c not in _SKIP]
    types = [c for c in types if pd.api.types.is_numeric_dtype(features[c])]
    if types:
        counts = {c: jitter(c) for c in types}
        total = sum(counts.values())
        grand = float(total.sum())
        for c in types:
            if (features[c] > 0).mean() < 0.02 or grand <= 0:
                continue
            p = float(counts[c].sum()) / grand
            add(
                f"type_share_{c[2:]}",
                np.sqrt((counts[c] + PRIOR_EVENTS * p) / (total + PRIOR_EVENTS)),
            )
    if "avg_order_value" in features and "frequency" in features:
        buyer = features["frequency"].fillna(0) > 0
        if buyer.sum() >= 10:
            aov = np.log1p(features["avg_order_value"].astype("float64").clip(lower=0).where(buyer))
            add("avg_order_value", aov.fillna(aov.median()))
    for col in ("recency_days", "tenure_days"):
        if col in features:
            add(col, np.log1p(jitter(col)))
    raw_events = (
        features["n_events"].astype("float64").fillna(0.0) if "n_events" in features else None
    )
    for prefix in _SHARE_PREFIXES:
        cols = [c for c in features.columns if c.startswith(prefix)]
        if not cols or raw_events is None:
            continue
        _add_composition(add, features, cols, raw_events, rng)
    if "weekend_share" in features and raw_events is not None:
        wk = features["weekend_share"].astype("float64").fillna(0.0)
        weekend = (wk * raw_events).round() + rng.random(n)
        weekday = ((1 - wk) * raw_events).round() + rng.random(n)
        total = weekend + weekday
        add("weekend_share", np.sqrt((weekend + PRIOR_EVENTS * 2 / 7) / (total + PRIOR_EVENTS)))

    derived = set(FEATURE_COLUMNS) | _SKIP
    for c in features.columns:
        if c in derived or c.startswith("n_") or c.startswith(_SHARE_PREFIXES):
            continue
        if c == "shares_received":
            continue
        s = features[c]
        if pd.api.types.is_bool_dtype(s):
            s = s.astype("string")
        if pd.api.types.is_numeric_dtype(s):
            v = s.astype("float64")
            if v.nunique(dropna=True) <= 12:  # a coded category (1-5 stars, tier 1-3)
                cats[c] = v.astype("string").fillna("(missing)")
                continue
            finite = v.dropna()
            if len(finite) and (finite % 1 == 0).all():
                v = v + rng.random(n)
            if len(finite) and finite.min() >= 0 and finite.skew() > 2:
                v = np.log1p(v)
            add(c, v)
        else:
            s = s.astype("string").fillna("(missing)")
            if 2 <= s.nunique() <= 30:
                cats[c] = s
    return _Candidates(pd.DataFrame(num, index=features.index), cats)


def _add_composition(add, features, cols, raw_events, rng) -> None:
    """Square-rooted, shrunk shares of one composition, from jittered slot counts."""
    n = len(features)
    counts = features[cols].astype("float64").fillna(0.0).mul(raw_events, axis=0).round()
    counts = counts + rng.random((n, len(cols)))
    total = counts.sum(axis=1)
    overall = counts.sum() / float(total.sum())
    for c in cols:
        if overall[c] < 0.01:
            continue
        add(c, np.sqrt((counts[c] + PRIOR_EVENTS * overall[c]) / (total + PRIOR_EVENTS)))


def _standardise(X: pd.DataFrame) -> pd.DataFrame:
    sd = X.std(ddof=0)
    return ((X - X.mean()) / sd.where(sd > 0, 1.0)).clip(-5, 5)


def _onehot(cats: dict, names) -> pd.DataFrame:
    """0/1 dummies of the named attributes (levels of at least 1 %).

    Two users who differ in one attribute differ in two dummies, a squared distance of
    2: the expected squared difference of a standardised numeric column between two
    random users, so one attribute weighs about as much as one numeric column.
    """
    cols = {}
    for c in names:
        s = cats[c]
        for level, share in s.value_counts(normalize=True).items():
            if share >= 0.01:
                cols[f"{c}={level}"] = (s == level).astype("float64")
    if not cols:
        return pd.DataFrame(index=next(iter(cats.values())).index if cats else None)
    return pd.DataFrame(cols)


# --- tests ------------------------------------------------------------------------------


def _dip_p(x: np.ndarray, rng: np.random.Generator) -> float:
    if len(x) > TEST_ROWS:
        x = rng.choice(x, TEST_ROWS, replace=False)
    if len(x) < 10 or np.ptp(x) == 0:
        return 1.0
    return float(diptest.diptest(np.asarray(x, dtype="float64"))[1])


def _column_blocks(columns: list[str]) -> dict[str, list[str]]:
    """_Candidates that describe one thing together (a composition, the activity window)."""
    groups = {
        "activity mix": [c for c in columns if c.startswith("type_share_")],
        "time of activity": [c for c in columns if c.startswith("hour_share_")]
        + [c for c in columns if c == "weekend_share"],
        "platforms": [c for c in columns if c.startswith("platform_share_")],
        "formats": [c for c in columns if c.startswith("format_share_")],
        "activity window": [c for c in columns if c in ("recency_days", "tenure_days")],
        "volume and value": [
            c for c in columns if c in ("n_events", "type_share_purchase", "avg_order_value")
        ],
    }
    return {name: cols for name, cols in groups.items() if len(cols) >= 2}


def _split_p_value(X: np.ndarray, rng: np.random.Generator, seed: int) -> float:
    """Dip-test p-value of X projected on the axis of its best split in two."""
    km = KMeans(2, n_init=3, random_state=seed).fit(X)
    if np.bincount(km.labels_, minlength=2).min() < max(20, int(MIN_GROUP_SHARE * len(X))):
        return 1.0
    axis = km.cluster_centers_[1] - km.cluster_centers_[0]
    norm = np.linalg.norm(axis)
    return 1.0 if norm == 0 else _dip_p(X @ (axis / norm), rng)


def _associated(cats: dict) -> dict[str, float]:
    """Attributes that go together with another one: the largest Cramér's V of each."""
    out: dict[str, float] = {}
    names = list(cats)
    n_pairs = max(1, len(names) * (len(names) - 1) // 2)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            table = pd.crosstab(cats[a], cats[b])
            if min(table.shape) < 2:
                continue
            chi2, p, _, _ = chi2_contingency(table)
            v = float(np.sqrt(chi2 / (table.to_numpy().sum() * (min(table.shape) - 1))))
            if p < ALPHA / n_pairs and v >= 0.1:
                out[a] = max(out.get(a, 0.0), v)
                out[b] = max(out.get(b, 0.0), v)
    return out


def _eta2(Z: pd.DataFrame, labels: np.ndarray) -> pd.Series:
    """Share of each column's variance between the groups (0 to 1)."""
    g = pd.Series(labels, index=Z.index)
    centred = Z - Z.mean()
    between = (Z.groupby(g).transform("mean") - Z.mean()).pow(2).sum()
    total = centred.pow(2).sum()
    return (between / total.where(total > 0)).fillna(0.0)
