"""The automatic segmentation: features, weights, method and k chosen from the data.

A fixed feature list suits the file it was chosen on and no other: tried on exports built
differently, it merged groups that spend very differently and split on volume, which
varies continuously inside every real group. This module reads the structure of each
file instead, in four steps:

1. **Candidates.** Everything the feature table knows, put on scales where "no groups"
   looks unimodal: one volume column (``log`` events per user) and, instead of raw
   counts, the *composition* of what users do (share of each event type, platform,
   content format, hour slot, weekend), square-rooted (the Hellinger transform for
   compositions) and shrunk towards the population mix by two pseudo-events so that a
   user with three events does not sit in a corner; ``log`` order value of buyers
   (non-buyers get the median, so "has not bought" is not mistaken for a group);
   ``log`` days since the last and the first event; numeric user attributes (``log``
   when heavy-tailed); categorical attributes. Counts and day numbers get a uniform
   jitter in [0, 1) first (the continuous extension of a count), so that integer steps
   are not read as peaks.
2. **Screening.** A column carries group structure when its distribution has more than
   one peak: Hartigan's dip test of unimodality (the ``diptest`` package), with a
   Bonferroni bound over all candidates. The test needs no model of the null shape, so
   skewed volumes, bounded shares and uniform noise columns pass as "one group".
   Categorical attributes carry structure when they go together (chi-square test and
   Cramér's V >= 0.1 between two attributes); an attribute related to nothing else is
   noise.
3. **Clustering and k.** On the screened columns, *dip-means* (Kalogeratos & Likas,
   NIPS 2012, in its projected form): start from one group; split a group in two with
   k-means only when the group, projected on the line between the two halves, is not
   unimodal by the dip test; refit k-means on all groups after each split; stop when no
   split passes. k = 1 means the data shows no distinct groups. When only categorical
   attributes carry structure, the model for them is a latent class model (a mixture of
   independent categorical distributions, fitted by EM) with k chosen by BIC.
4. **Refinement.** Each candidate's share of variance explained by the groups (eta²)
   decides what is kept (eta² >= :data:`ETA_MIN`) and its weight (sqrt of eta², so a
   column that separates the groups well counts more); the clustering is repeated on
   that set until it stops changing. Columns that the groups do not explain — noise,
   volume that varies inside every group — drop out with their reason.

Stability is the mean adjusted Rand index between the result and re-fits on 80 % samples
with new seeds; ``structure`` is ``"none"`` (k = 1), ``"weak"`` (stability under 0.6 or
silhouette under 0.1) or ``"clear"``. Large data is screened and clustered on a seeded
sample of :data:`FIT_ROWS` users; everyone then joins the nearest group centre.

Hand-written parts and why: dip-means and the latent class EM are not in scikit-learn,
scipy or statsmodels (they are built from scikit-learn's ``KMeans`` and the ``diptest``
package); the eta² loop is a few lines of pandas.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import diptest
import numpy as np
import pandas as pd
from scipy.stats import chi2_contingency
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

from core.errors import DataError

__all__ = ["AutoChoice", "auto_segment", "candidate_label", "MIN_USERS"]

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

Progress = Callable[[float, str], None]


@dataclasses.dataclass(frozen=True)
class AutoChoice:
    """What the automatic path chose and why.

    Attributes
    ----------
    labels : pd.Series
        Raw group number per user (index ``user_id``); 0 for everyone when k = 1.
    method : str
        ``"dip-means"`` (k-means with dip-test splits), ``"latent-class"`` or ``"none"``.
    k : int
    features : tuple of str
        Kept candidate columns (see :func:`candidate_label` for their names in words).
    weights : dict
        Candidate column -> weight used in the clustering.
    dropped : dict
        Candidate column -> reason it was left out.
    quality : dict
        ``silhouette`` and the method's own criterion.
    stability : dict
        ``mean_ari``, ``min_ari``, ``n_runs``.
    structure : {"clear", "weak", "none"}
    reasons : tuple of str
        Plain sentences for the page and the report.
    matrix : pd.DataFrame
        The weighted matrix the groups were found in (index ``user_id``), for the map.
    """

    labels: pd.Series
    method: str
    k: int
    features: tuple[str, ...]
    weights: dict
    dropped: dict
    quality: dict
    stability: dict
    structure: str
    reasons: tuple[str, ...]
    matrix: pd.DataFrame

    def to_report(self) -> dict:
        """The JSON-ready report of ``python -m core segment --report``."""
        return {
            "method": self.method,
            "k": self.k,
            "features": list(self.features),
            "weights": {f: round(float(w), 4) for f, w in self.weights.items()},
            "dropped": dict(self.dropped),
            "quality": {k: _num(v) for k, v in self.quality.items()},
            "stability": {k: _num(v) for k, v in self.stability.items()},
            "structure": self.structure,
            "reasons": list(self.reasons),
        }


def _num(v):
    if isinstance(v, (int, np.integer)):
        return int(v)
    try:
        f = float(v)
    except (TypeError, ValueError):
        return v
    return None if f != f else round(f, 6)


# --- candidates -------------------------------------------------------------------------


@dataclasses.dataclass
class _Candidates:
    numeric: pd.DataFrame  # transformed, one column per candidate
    categorical: dict  # attribute -> pd.Series of str


def candidate_label(name: str) -> str:
    """A candidate column in words (for reasons, the page and the report)."""
    from core.personas import feature_label

    if name.startswith("type_share_"):
        return f"share of {name[len('type_share_') :]} events"
    if "=" in name:
        attr, level = name.split("=", 1)
        return f"{feature_label(attr)}: {level}"
    if name == "n_events":
        return "events per user (volume)"
    return feature_label(name)


def _candidates(features: pd.DataFrame, rng: np.random.Generator) -> _Candidates:
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

    from core.segments.features import FEATURE_COLUMNS

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


def _blocks(columns: list[str]) -> dict[str, list[str]]:
    """Candidates that describe one thing together (a composition, the activity window)."""
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


def _split_p(X: np.ndarray, rng: np.random.Generator, seed: int) -> float:
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


# --- clustering -------------------------------------------------------------------------


def _dip_means(X: np.ndarray, rng: np.random.Generator, seed: int) -> tuple[np.ndarray, int, list]:
    """Projected dip-means: split a group only when it is not unimodal."""
    n = len(X)
    min_size = max(20, int(MIN_GROUP_SHARE * n))
    labels = np.zeros(n, dtype=int)
    k = 1
    split_p: list[float] = []
    while k < MAX_K:
        best = None
        for c in range(k):
            idx = np.flatnonzero(labels == c)
            if len(idx) < 2 * min_size:
                continue
            km = KMeans(2, n_init=3, random_state=seed).fit(X[idx])
            if np.bincount(km.labels_, minlength=2).min() < min_size:
                continue
            axis = km.cluster_centers_[1] - km.cluster_centers_[0]
            norm = np.linalg.norm(axis)
            if norm == 0:
                continue
            p = _dip_p(X[idx] @ (axis / norm), rng)  # projected dip of this split
            # Bonferroni over the k groups tested in this round: each round asks "does
            # any group have more than one peak?", so the family is the k tests.
            if p < ALPHA / k and (
                best is None or p < best[0] or (p == best[0] and len(idx) > best[2])
            ):
                best = (p, c, len(idx), km.labels_)
        if best is None:
            break
        p, c, _, halves = best
        idx = np.flatnonzero(labels == c)
        labels[idx[halves == 1]] = k
        k += 1
        split_p.append(p)
        centres = np.vstack([X[labels == j].mean(axis=0) for j in range(k)])
        labels = KMeans(k, init=centres, n_init=1, random_state=seed).fit_predict(X)
        labels = _drop_empty(labels)
        k = int(labels.max()) + 1
    return labels, k, split_p


def _drop_empty(labels: np.ndarray) -> np.ndarray:
    _, codes = np.unique(labels, return_inverse=True)
    return codes


def _lca_fit(
    codes: np.ndarray, levels: list[int], k: int, seed: int
) -> tuple[float, np.ndarray, list]:
    """Latent class model fitted by EM: (log-likelihood, class weights, per-class tables).

    Hand-written: no scikit-learn estimator fits a mixture of categorical distributions.
    """
    n, m = codes.shape
    rng = np.random.default_rng(seed)
    best = None
    onehots = [np.eye(levels[j])[codes[:, j]] for j in range(m)]
    for _ in range(2):
        resp = rng.dirichlet(np.ones(k), n)
        prev = -np.inf
        for _ in range(150):
            weights = resp.mean(axis=0) + 1e-12
            tables = [
                (resp.T @ onehots[j] + 1e-3) / (resp.sum(axis=0)[:, None] + 1e-3 * levels[j])
                for j in range(m)
            ]
            logp = _lca_logp(codes, weights, tables)
            top = logp.max(axis=1, keepdims=True)
            row_ll = top[:, 0] + np.log(np.exp(logp - top).sum(axis=1))
            ll = float(row_ll.sum())
            resp = np.exp(logp - row_ll[:, None])
            if ll - prev < 1e-7 * abs(ll):
                break
            prev = ll
        if best is None or ll > best[0]:
            best = (ll, weights, tables)
    return best


def _lca_logp(codes, weights, tables) -> np.ndarray:
    logp = np.log(weights)[None, :].repeat(len(codes), axis=0)
    for j, table in enumerate(tables):
        logp += np.log(table[:, codes[:, j]]).T
    return logp


def _latent_class(cats: dict, names: list[str], fit_idx: np.ndarray, seed: int):
    """k by BIC over 1..8 latent classes; labels for everyone from the best fit."""
    codes = np.column_stack([pd.factorize(cats[c])[0] for c in names])
    levels = [int(codes[:, j].max()) + 1 for j in range(codes.shape[1])]
    if len(fit_idx) > LCA_ROWS:  # EM over a few categorical columns: 5,000 rows are plenty
        fit_idx = np.random.default_rng(seed).choice(fit_idx, LCA_ROWS, replace=False)
    sub = codes[fit_idx]
    bics = {}
    fits = {}
    for k in range(1, 9):
        ll, weights, tables = _lca_fit(sub, levels, k, seed)
        params = (k - 1) + k * sum(L - 1 for L in levels)
        bics[k] = -2 * ll + params * np.log(len(sub))
        fits[k] = (weights, tables)
        if k >= 3 and bics[k] > bics[k - 1] > bics[k - 2]:
            break  # BIC rose twice in a row: more classes only fit noise
    k = min(bics, key=bics.get)
    labels = _lca_logp(codes, *fits[k]).argmax(axis=1)
    return _drop_empty(labels), k, bics


# --- the automatic path -----------------------------------------------------------------


def auto_segment(
    features: pd.DataFrame, *, seed: int = 0, progress: Progress | None = None
) -> AutoChoice:
    """Choose features, weights, method and k from the data, and segment.

    Parameters
    ----------
    features : pd.DataFrame
        One row per user with ``user_id`` (``core.segments.features.build_features``); not modified.
    seed : int
        Every random step (jitter, samples, k-means, EM) is seeded from it.
    progress : callable, optional
        ``progress(fraction, text)``, called between steps.

    Returns
    -------
    AutoChoice

    Raises
    ------
    DataError
        Fewer than :data:`MIN_USERS` users, or every column constant.
    """
    report = progress or (lambda f, t: None)
    if seed < 0:
        raise DataError(f"The random seed must be 0 or more (got {seed}).")
    n = len(features)
    if n < MIN_USERS:
        raise DataError(
            f"Automatic segmentation needs at least {MIN_USERS} users and this dataset has "
            f"{n}; load more data, or pick a method and the number of segments yourself."
        )
    ids = features["user_id"] if "user_id" in features else features.index.to_series()
    ids = ids.astype(str)
    index = pd.Index(ids, name="user_id")
    feats = features.reset_index(drop=True)
    rng = np.random.default_rng(seed)
    report(0.05, "Reading every column of the feature table")
    cand = _candidates(feats, rng)
    raw = feats.drop(columns=["user_id"], errors="ignore")
    constant = all(raw[c].nunique(dropna=False) <= 1 for c in raw.columns)
    if constant or (cand.numeric.shape[1] == 0 and not cand.categorical):
        raise DataError(
            "Every column has the same value for every user, so there is nothing to group "
            "by; check on the Data page that the right columns are mapped."
        )
    Z = _standardise(cand.numeric)
    fit_idx = np.sort(rng.choice(n, min(n, FIT_ROWS), replace=False))

    report(0.15, "Testing which columns show separate groups")
    blocks = _blocks(list(Z.columns))
    m = max(1, Z.shape[1] + len(blocks))
    dip = {c: _dip_p(Z[c].to_numpy()[fit_idx], rng) for c in Z.columns}
    numeric_seeds = [c for c, p in dip.items() if p < ALPHA / m]
    for cols in blocks.values():
        # A block (the hours, the platforms, ...) can hold groups that no single column
        # shows: test the block's own best split in two, projected on its axis.
        if _split_p(Z[cols].to_numpy()[fit_idx], rng, seed) < ALPHA / m:
            numeric_seeds += [c for c in cols if c not in numeric_seeds]
    assoc = _associated(cand.categorical) if len(cand.categorical) >= 2 else {}
    D = _onehot(cand.categorical, list(cand.categorical)) if cand.categorical else None
    A = Z if D is None or D.empty else pd.concat([Z, D], axis=1)
    attr_cols = {c: c.split("=", 1)[0] for c in A.columns if c not in Z.columns}
    seed_dummies = [c for c, a in attr_cols.items() if a in assoc]

    labels_all: np.ndarray
    method = "dip-means"
    criterion: dict = {}
    kept: list[str] = numeric_seeds + seed_dummies
    weights = pd.Series(1.0, index=A.columns)
    k = 1
    if not numeric_seeds and seed_dummies:
        report(0.4, "Fitting latent classes to the attributes that go together")
        method = "latent-class"
        names = sorted(assoc)
        labels_all, k, bics = _latent_class(cand.categorical, names, fit_idx, seed)
        criterion = {"bic": float(bics[k]), "bic_one_group": float(bics[1])}
        if k > 1:
            eta = _eta2(A, labels_all)
            kept = [c for c in seed_dummies if eta[c] >= ETA_MIN / 2] or seed_dummies
            weights = np.sqrt(eta / max(eta[kept].max(), 1e-12))
    elif numeric_seeds:
        for step in range(4):
            report(0.3 + 0.15 * step, f"Splitting users into groups (pass {step + 1})")
            Xw = (A[kept] * weights[kept]).to_numpy()
            labels_fit, k, splits = _dip_means(Xw[fit_idx], rng, seed)
            if k == 1:
                break
            eta = _eta2(A.iloc[fit_idx], labels_fit)
            # Seeds stay while the groups explain them; other columns join only with some
            # sign of peaks of their own (p < 0.05), so a column that merely follows the
            # groups through volume (light users' shrunk shares) does not pull it in.
            new = [
                c
                for c in A.columns
                if eta[c] >= ETA_MIN
                and (c in numeric_seeds or c in seed_dummies or dip.get(c, 0.0) < 0.05)
            ]
            weights = np.sqrt(eta / max(eta[new].max() if new else 1.0, 1e-12))
            if not new or set(new) == set(kept):
                kept = new or kept
                break
            kept = new
        Xw = (A[kept] * weights[kept]).to_numpy()
        if k > 1:
            labels_fit, k, splits = _dip_means(Xw[fit_idx], rng, seed)
        if k > 1:
            centres = np.vstack([Xw[fit_idx][labels_fit == j].mean(axis=0) for j in range(k)])
            labels_all = KMeans(k, init=centres, n_init=1, random_state=seed).fit_predict(Xw)
            labels_all = _drop_empty(labels_all)
            k = int(labels_all.max()) + 1
            criterion = {"largest_split_p_value": float(max(splits)) if splits else float("nan")}
        else:
            labels_all = np.zeros(n, dtype=int)
    else:
        labels_all = np.zeros(n, dtype=int)

    if k <= 1:
        method, k, kept = "none", 1, []
        labels_all = np.zeros(n, dtype=int)
    matrix = A[kept] * weights[kept] if kept else A.iloc[:, :0]
    Xw = matrix.to_numpy()

    report(0.85, "Checking how stable the groups are")
    quality = {"silhouette": float("nan"), **criterion}
    stab = {"mean_ari": float("nan"), "min_ari": float("nan"), "n_runs": 0}
    if k > 1:
        idx = (
            fit_idx
            if len(fit_idx) <= 10_000
            else np.sort(rng.choice(fit_idx, 10_000, replace=False))
        )
        quality["silhouette"] = float(
            silhouette_score(
                Xw[idx], labels_all[idx], sample_size=min(len(idx), 5000), random_state=seed
            )
        )
        stab = _stability(Xw, labels_all, k, method, cand, assoc, seed, rng)
    structure = (
        "none"
        if k == 1
        else "weak"
        if stab["mean_ari"] < 0.6 or quality["silhouette"] < 0.1
        else "clear"
    )
    dropped = _dropped(A, Z, kept, dip, numeric_seeds, assoc, cand, attr_cols, labels_all, k)
    kept_report = _group_dummies(kept)
    reasons = _reasons(method, k, kept_report, dropped, structure, stab, quality)
    report(1.0, "Done")
    return AutoChoice(
        labels=pd.Series(labels_all, index=index, name="segment"),
        method=method,
        k=int(k),
        features=tuple(kept_report),
        weights=_weights_report(kept, weights),
        dropped=dropped,
        quality=quality,
        stability=stab,
        structure=structure,
        reasons=tuple(reasons),
        matrix=matrix.set_axis(index),
    )


def _stability(Xw, labels, k, method, cand, assoc, seed, rng) -> dict:
    n = len(labels)
    m = min(int(0.8 * n), FIT_ROWS)
    aris = []
    for run in range(STABILITY_RUNS):
        idx = np.sort(rng.choice(n, m, replace=False))
        if method == "latent-class":
            sub, _, _ = _latent_class(cand.categorical, sorted(assoc), idx, seed + run + 1)
            new = sub[idx]
        else:
            new = KMeans(k, n_init=2, random_state=seed + run + 1).fit_predict(Xw[idx])
        aris.append(float(adjusted_rand_score(labels[idx], new)))
    return {"mean_ari": float(np.mean(aris)), "min_ari": float(np.min(aris)), "n_runs": len(aris)}


def _group_dummies(kept: list[str]) -> list[str]:
    """Candidate columns with an attribute's dummies folded into the attribute's name."""
    out: list[str] = []
    for c in kept:
        name = c.split("=", 1)[0] if "=" in c else c
        if name not in out:
            out.append(name)
    return out


def _weights_report(kept: list[str], weights: pd.Series) -> dict:
    out: dict[str, float] = {}
    for c in kept:
        name = c.split("=", 1)[0] if "=" in c else c
        out[name] = max(out.get(name, 0.0), float(weights[c]))
    return out


def _dropped(A, Z, kept, dip, numeric_seeds, assoc, cand, attr_cols, labels, k) -> dict:
    """Candidate -> why it was left out, in words."""
    out: dict[str, str] = {}
    eta = _eta2(A, labels) if k > 1 else pd.Series(0.0, index=A.columns)
    kept_names = set(_group_dummies(kept))
    for c in Z.columns:
        if c in kept_names:
            continue
        if c == "n_events" and c not in numeric_seeds:
            out[c] = (
                "varies continuously inside every group (one peak)"
                if k > 1
                else "varies smoothly from light to heavy users (one peak)"
            )
        elif c in numeric_seeds:
            out[c] = "shows peaks that do not line up with the groups the other columns form"
        elif k > 1 and eta[c] > 0.02:
            out[c] = "one peak and little difference between the groups"
        else:
            out[c] = "one peak: no sign of separate groups"
    for attr in cand.categorical:
        if attr in kept_names:
            continue
        out[attr] = (
            "unrelated to any other attribute or behaviour"
            if attr not in assoc
            else "goes with other attributes but not with the groups"
        )
    return out


def _reasons(method, k, kept, dropped, structure, stab, quality) -> list[str]:
    words = [candidate_label(c) for c in kept]
    listed = ", ".join(words[:6]) + (f" and {len(words) - 6} more" if len(words) > 6 else "")
    noise = [
        candidate_label(c)
        for c, why in dropped.items()
        if why.startswith(("one peak: no", "unrelated"))
    ]
    out: list[str] = []
    if structure == "none":
        out.append(
            "The data shows no distinct groups: no column has more than one peak and no "
            "attributes go together, so any split would cut one continuous crowd in pieces "
            "(for example by volume, which varies smoothly from light to heavy users)."
        )
        out.append(
            "No persona cards are made from this; pick a method and k yourself if you need "
            "tiers anyway, and read them as tiers, not as kinds of users."
        )
        return out
    if method == "latent-class":
        out.append(
            f"Only user attributes carry group structure ({listed}): they go together more "
            "than chance allows, and a latent class model finds the combinations."
        )
        out.append(
            f"k = {k}: the number of classes with the best BIC (a model-fit score that "
            "penalises extra classes)."
        )
    else:
        out.append(f"Groups show in: {listed}.")
        out.append(
            f"k = {k}: each of the {k - 1} split(s) divided a group whose values had two or "
            "more peaks (dip test, p < 0.001); no remaining group has more than one peak."
        )
    if "n_events" in dropped:
        out.append(
            "Left out: volume (events per user) varies continuously inside every group, "
            "so it does not define groups here."
        )
    if noise:
        out.append(
            f"Left out as noise (one peak, unrelated to the groups): {', '.join(noise[:8])}"
            + (f" and {len(noise) - 8} more." if len(noise) > 8 else ".")
        )
    if structure == "weak":
        out.append(
            f"The groups are weak: re-fitting on samples reproduces {stab['mean_ari']:.0%} of "
            "them; treat the cards as a first sketch."
        )
    else:
        out.append(f"Re-fitting on 80 % samples reproduces {stab['mean_ari']:.0%} of the grouping.")
    return out
