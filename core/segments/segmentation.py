"""Customer segmentation: methods, parameters, quality, choice of k and stability.

One call, :func:`segment`, turns the per-user feature table (``core.segments.features``) into
segment labels. Everything the user tunes on the Segment page is one frozen
:class:`SegmentParams`, whose :attr:`SegmentParams.params_hash` identifies a run.

Pipeline (``_prepare``): pick features -> impute missing values -> ``log1p`` on counts
and money -> standard or robust scaling -> per-feature weights -> one-hot categorical
attributes (weighted) -> optional PCA. Then one of the methods below clusters the rows.

Methods
-------
kmeans
    scikit-learn ``KMeans``; above :data:`MINIBATCH_ABOVE` rows it is fitted on a seeded
    sample and every user joins the nearest centre (faster than MiniBatchKMeans here).
gmm
    ``GaussianMixture`` with full covariances.
hdbscan
    the ``hdbscan`` package (about 15x faster than scikit-learn's HDBSCAN on 100k
    points); its noise points become the segment ``Noise``; ``k`` is ignored.
agglomerative
    Ward linkage; above :data:`AGGLOMERATIVE_MAX_ROWS` rows it is fitted on a seeded
    sample and the other users join the nearest segment centre (Ward is O(n^2) memory).
rfm
    rule based: quintile scores for recency (reversed), frequency and monetary value,
    mapped to named segments by :data:`RFM_SEGMENTS` (data, not code).

Labels are ``S1``, ``S2``, ... ordered by size (largest first; ties by the segment
centre's coordinates), so colours and names do not jump between runs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import RobustScaler, StandardScaler

from core.errors import DataError

__all__ = [
    "DEFAULT_FEATURES",
    "METHODS",
    "TRANSFORMS",
    "RFM_SEGMENTS",
    "SegmentParams",
    "SegmentResult",
    "StabilityResult",
    "segment",
    "sweep_k",
    "recommend_k",
    "stability",
    "rfm_scores",
    "rfm_segment_names",
    "numeric_feature_columns",
    "categorical_feature_columns",
    "log_transformed",
    "prepare_matrix",
    "relabel",
]

log = logging.getLogger(__name__)

Method = Literal["auto", "kmeans", "gmm", "hdbscan", "agglomerative", "rfm"]
#: ``auto`` reads the data (``core.segments.autoseg``): it picks features, weights, method and k.
METHODS: tuple[str, ...] = ("auto", "kmeans", "gmm", "hdbscan", "agglomerative", "rfm")
#: ``log1p`` on counts and money (see :func:`log_transformed`) followed by a scaling.
TRANSFORMS: tuple[str, ...] = ("log1p+standard", "log1p+robust", "standard", "robust")

#: Behavioural features used when the user picks none: volume of each kind of
#: interaction, buying, how recently and how often the user is active, how engaged they
#: are per exposure, when they are active (weekends, evenings) and their reach
#: (followers, from the users table). Missing ones are skipped (a dataset without a
#: users table still segments on the rest).
DEFAULT_FEATURES: tuple[str, ...] = (
    "n_view",
    "n_click",
    "n_like",
    "n_comment",
    "n_share",
    "n_save",
    "frequency",
    "monetary",
    "avg_order_value",
    "recency_days",
    "active_days",
    "engagement_rate",
    "weekend_share",
    "hour_share_evening",
    "followers",
)

#: Above this many users k-means is fitted on a seeded sample of KMEANS_FIT_ROWS users.
MINIBATCH_ABOVE = 50_000
KMEANS_FIT_ROWS = 50_000
#: Ward linkage is fitted on at most this many users (the rest join the nearest centre).
AGGLOMERATIVE_MAX_ROWS = 10_000
#: Silhouette is computed on a seeded sample of at most this many users. It costs n²:
#: 3,000 users estimate it to about +-0.01 and keep a k change on 10,000 users near or
#: under 1 s (benchmarks/bench_truth.py --scale; 10,000 took 2.3 s).
SILHOUETTE_SAMPLE = 3_000
#: Stability re-runs cluster at most this many users each.
STABILITY_MAX_ROWS = 20_000

#: Columns that are counts or money: heavy right tails, so ``log1p`` before scaling.
_LOG_NAMES = frozenset(
    {
        "frequency",
        "monetary",
        "avg_order_value",
        "recency_days",
        "active_days",
        "tenure_days",
        "followers",
        "shares_received",
        "income",
    }
)
#: Rates with views as denominator: NaN means "no views", imputed as 0 (nothing observed).
_ZERO_WHEN_MISSING = frozenset(
    {"engagement_rate", "click_rate", "purchase_rate", "avg_order_value", "monetary"}
)
_NOISE = "Noise"

#: RFM taxonomy as data: segment name -> pattern on the three-digit code
#: "<R><F><M>" (each 1-5, 5 best; R is reversed so 5 = most recent). The first matching
#: pattern wins, and the patterns cover all 125 codes. This is the widely used R x F
#: grid (as in pymc-marketing's ``rfm_segments`` idea of a name -> score-pattern dict),
#: with "Lost" split off the bottom corner.
RFM_SEGMENTS: dict[str, str] = {
    "Champions": r"5[45].",
    "Loyal": r"[34][45].",
    "Potential loyalists": r"[45][23].",
    "New": r"51.",
    "Promising": r"41.",
    "Need attention": r"33.",
    "About to sleep": r"3[12].",
    "Can't lose them": r"[12]5.",
    "At risk": r"[12][34].",
    "Lost": r"11.",
    "Hibernating": r"[12][12].",
}


@dataclasses.dataclass(frozen=True)
class SegmentParams:
    """Everything that decides a segmentation; hashable, so it can key a cache.

    Parameters
    ----------
    method : {"kmeans", "gmm", "hdbscan", "agglomerative", "rfm"}
    features : tuple of str
        Numeric feature columns to cluster on (default :data:`DEFAULT_FEATURES`, the
        ones present). Ignored by ``rfm``.
    weights : tuple of (str, float)
        Per-feature importance, multiplied into the scaled column (1 when absent; 0
        drops a feature). Also applies to categorical attributes.
    transform : str
        One of :data:`TRANSFORMS`.
    categorical : tuple of str
        Categorical attributes (gender, region, top_platform, ...), one-hot encoded.
    pca_components : int or None
        Reduce to this many principal components before clustering.
    k : int
        Number of segments (not used by ``hdbscan`` and ``rfm``).
    seed : int
        Random seed; same data + parameters + seed give identical labels.
    min_cluster_size : int
        Smallest group HDBSCAN calls a segment.
    """

    method: Method = "kmeans"
    features: tuple[str, ...] = DEFAULT_FEATURES
    weights: tuple[tuple[str, float], ...] = ()
    transform: str = "log1p+standard"
    categorical: tuple[str, ...] = ()
    pca_components: int | None = None
    k: int = 6
    seed: int = 0
    min_cluster_size: int = 25

    def __post_init__(self) -> None:
        # Accept lists / dicts from callers but store hashable tuples.
        object.__setattr__(self, "features", tuple(self.features))
        object.__setattr__(self, "categorical", tuple(self.categorical))
        weights = self.weights.items() if isinstance(self.weights, Mapping) else self.weights
        object.__setattr__(self, "weights", tuple(sorted((str(f), float(w)) for f, w in weights)))

    @property
    def params_hash(self) -> str:
        """Short stable id of these parameters: sha256 of canonical JSON, 8 hex chars."""
        payload = json.dumps(dataclasses.asdict(self), sort_keys=True, default=list)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:8]

    def weight_of(self, feature: str) -> float:
        """The weight of ``feature`` (1.0 unless set)."""
        return dict(self.weights).get(feature, 1.0)


@dataclasses.dataclass(frozen=True)
class SegmentResult:
    """Labels and quality of one segmentation run.

    Attributes
    ----------
    labels : pd.Series
        str, named ``segment``, index ``user_id``.
    sizes : pd.Series
        users per segment, in label order (``S1`` first, ``Noise`` last).
    quality : dict
        ``silhouette`` (-1..1, higher is better), ``calinski_harabasz`` (higher is
        better), ``davies_bouldin`` (lower is better), ``inertia`` (within-segment sum
        of squares in the prepared space), ``n_segments``, ``noise_share``; NaN when
        undefined (fewer than two segments).
    warnings : tuple of str
        Plain-language notes (tiny segments, sampling, dropped features).
    params : SegmentParams
    params_hash : str
    features_used : tuple of str
        The columns of the prepared matrix before PCA.
    """

    labels: pd.Series
    sizes: pd.Series
    quality: dict
    warnings: tuple[str, ...]
    params: SegmentParams
    params_hash: str
    features_used: tuple[str, ...]
    auto: object | None = None  # core.segments.autoseg.AutoChoice when method == "auto"


@dataclasses.dataclass(frozen=True)
class StabilityResult:
    """How much the segments survive re-running on 80% subsamples with new seeds.

    Attributes
    ----------
    mean_ari, min_ari : float
        Adjusted Rand index between the full run and each re-run (1 = identical).
    jaccard : pd.Series
        Per segment, the mean best Jaccard overlap with a re-run segment (Hennig 2007,
        "Cluster-wise assessment of cluster stability"): above 0.75 stable, below 0.5
        the segment dissolves.
    n_runs : int
    """

    mean_ari: float
    min_ari: float
    jaccard: pd.Series
    n_runs: int


# --- feature preparation ---------------------------------------------------------------


def log_transformed(column: str) -> bool:
    """True when ``column`` is a count or money column that gets ``log1p``."""
    return column.startswith("n_") or column in _LOG_NAMES


def numeric_feature_columns(features: pd.DataFrame) -> list[str]:
    """Numeric columns of a feature table that can be clustered on (not ``user_id``)."""
    return [
        c
        for c in features.columns
        if c != "user_id"
        and pd.api.types.is_numeric_dtype(features[c])
        and not pd.api.types.is_bool_dtype(features[c])
    ]


def categorical_feature_columns(features: pd.DataFrame, max_levels: int = 30) -> list[str]:
    """Text columns with few distinct values, usable as categorical attributes."""
    out = []
    for c in features.columns:
        if c == "user_id" or c in numeric_feature_columns(features[[c]]):
            continue
        if features[c].nunique(dropna=True) <= max_levels:
            out.append(c)
    return out


def _user_index(features: pd.DataFrame) -> pd.Index:
    if "user_id" in features.columns:
        ids = features["user_id"].astype(str)
    else:
        ids = features.index.astype(str)
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].iloc[0]
        raise DataError(
            f"The feature table has user_id {dup!r} more than once; "
            "keep one row per user and try again."
        )
    return pd.Index(ids, name="user_id")


def _resolve_features(features: pd.DataFrame, params: SegmentParams) -> tuple[list[str], list[str]]:
    numeric = set(numeric_feature_columns(features))
    notes: list[str] = []
    if params.features == DEFAULT_FEATURES:
        cols = [c for c in DEFAULT_FEATURES if c in numeric]
    else:
        missing = [c for c in params.features if c not in features.columns]
        if missing:
            raise DataError(
                f"The feature(s) {', '.join(missing)} are not in this dataset; pick from "
                f"{', '.join(sorted(numeric))}."
            )
        not_numeric = [c for c in params.features if c not in numeric]
        if not_numeric:
            raise DataError(
                f"The feature(s) {', '.join(not_numeric)} are not numbers; add them as "
                "categorical attributes instead."
            )
        cols = list(dict.fromkeys(params.features))
    zero = [c for c in cols if params.weight_of(c) == 0]
    cols = [c for c in cols if params.weight_of(c) != 0]
    if zero:
        notes.append(f"Features with weight 0 were left out: {', '.join(zero)}.")
    missing_cat = [c for c in params.categorical if c not in features.columns]
    if missing_cat:
        raise DataError(
            f"The attribute(s) {', '.join(missing_cat)} are not in this dataset; "
            "pick categorical attributes from the list."
        )
    if not cols and not params.categorical:
        raise DataError("Pick at least one feature to segment on.")
    return cols, notes


def _prepare(
    features: pd.DataFrame, params: SegmentParams
) -> tuple[np.ndarray, pd.Index, tuple[str, ...], list[str]]:
    """Feature table -> (matrix, user index, column names, notes); validates params."""
    if params.method not in METHODS:
        raise DataError(f"Unknown method {params.method!r}; use one of {', '.join(METHODS)}.")
    if params.transform not in TRANSFORMS:
        raise DataError(
            f"Unknown transform {params.transform!r}; use one of {', '.join(TRANSFORMS)}."
        )
    if len(features) == 0:
        raise DataError("The feature table has no users; load a dataset with events first.")
    index = _user_index(features)
    cols, notes = _resolve_features(features, params)
    blocks: list[np.ndarray] = []
    names: list[str] = []
    if cols:
        frame = features[cols].astype("float64")
        for c in cols:
            s = frame[c]
            if s.isna().any():
                # Rates have views as denominator: no views -> nothing observed -> 0.
                # Other columns (attributes like age): the median, a neutral value.
                fill = 0.0 if c in _ZERO_WHEN_MISSING else s.median()
                frame[c] = s.fillna(0.0 if pd.isna(fill) else fill)
        values = frame.to_numpy(copy=True)
        for j, c in enumerate(cols):
            if params.transform.startswith("log1p") and log_transformed(c):
                # Negative money (refunds) is clipped at 0 so log1p stays defined.
                values[:, j] = np.log1p(np.clip(values[:, j], 0.0, None))
        scaler = RobustScaler() if params.transform.endswith("robust") else StandardScaler()
        values = scaler.fit_transform(values)
        values *= np.array([params.weight_of(c) for c in cols])
        blocks.append(values)
        names += cols
    # Categorical attributes: one-hot with weights rather than k-prototypes. A dummy
    # scaled by w makes a mismatch cost 2*w^2 in squared distance, the same as the
    # expected squared difference of a standardised numeric feature between two random
    # users (2), so w=1 weighs an attribute like one numeric feature. This keeps every
    # method (GMM, HDBSCAN, Ward, silhouette) in one Euclidean space, while k-prototypes
    # (the `kmodes` package) only offers k-means-style fitting, pure-Python loops that
    # do not scale to 1M users, and a second distance no quality metric understands.
    for c in params.categorical:
        w = params.weight_of(c)
        if w == 0:
            continue
        cat = features[c].astype("string").fillna("(missing)")
        dummies = pd.get_dummies(cat, prefix=c, prefix_sep="=", dtype="float64")
        blocks.append(dummies.to_numpy() * w)
        names += list(dummies.columns)
    X = np.hstack(blocks) if len(blocks) > 1 else blocks[0]
    if params.pca_components:
        n_comp = min(int(params.pca_components), X.shape[1], X.shape[0])
        X = PCA(n_components=n_comp, random_state=params.seed).fit_transform(X)
    return np.ascontiguousarray(X, dtype=np.float64), index, tuple(names), notes


def prepare_matrix(features: pd.DataFrame, params: SegmentParams = SegmentParams()) -> pd.DataFrame:
    """The matrix the clustering sees: transformed, scaled, weighted, one-hot, PCA.

    Parameters
    ----------
    features : pd.DataFrame
        Feature table with ``user_id`` (not modified).
    params : SegmentParams
        Only features, weights, transform, categorical and pca_components matter.

    Returns
    -------
    pd.DataFrame
        float64, index ``user_id``; one column per prepared feature (``pc1``... after PCA).
    """
    if params.method == "auto":
        from core.segments.autoseg import auto_segment

        matrix = auto_segment(features, seed=params.seed).matrix
        if matrix.shape[1]:
            return matrix
        params = SegmentParams(seed=params.seed)  # no groups found: map the usual behaviour
    X, index, names, _ = _prepare(features, params)
    cols = list(names) if X.shape[1] == len(names) else [f"pc{i + 1}" for i in range(X.shape[1])]
    return pd.DataFrame(X, index=index, columns=cols)


def relabel(labels: pd.Series, user_ids: Iterable[str], name: str) -> pd.Series:
    """Copy of ``labels`` with ``user_ids`` moved into the segment ``name``.

    Used when a user lassoes points on the map and saves them as a new segment.

    Parameters
    ----------
    labels : pd.Series
        Segment per user (index ``user_id``); not modified.
    user_ids : iterable of str
        Users to move; ids not in ``labels`` are ignored.
    name : str
        The new segment's name (stripped; must not be empty).

    Returns
    -------
    pd.Series
    """
    name = str(name).strip()
    if not name:
        raise DataError("Give the new segment a name.")
    ids = pd.Index([str(u) for u in user_ids])
    hit = labels.index.isin(ids)
    if not hit.any():
        raise DataError("No users are selected; draw a box around some points first.")
    out = labels.astype("str").copy()
    out[hit] = name
    return out


# --- clustering ------------------------------------------------------------------------


def _check_k(k: int, n: int) -> None:
    if k < 2:
        raise DataError(f"Ask for at least 2 segments (got {k}).")
    if k > n:
        raise DataError(f"Asked for {k} segments but the data has only {n} users; lower k.")


def _nearest(X: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre for each row (squared Euclidean)."""
    d = (X * X).sum(1)[:, None] - 2 * X @ centres.T + (centres * centres).sum(1)[None, :]
    return d.argmin(axis=1)


def _fit_raw(X: np.ndarray, method: str, k: int, seed: int, min_cluster_size: int) -> tuple:
    """Cluster X; return (raw integer labels with -1 for noise, notes)."""
    n = X.shape[0]
    notes: list[str] = []
    if method == "kmeans":
        _check_k(k, n)
        if n > MINIBATCH_ABOVE:
            # Measured on 2 cores at 1M x 39 (benchmarks/bench_segmentation.py):
            # MiniBatchKMeans took 3.5-50 s depending on when its early stop fired, while
            # Lloyd k-means on a seeded 50k sample + nearest-centre assignment of everyone
            # takes ~2 s with the same segments. So large data uses the sample.
            rng = np.random.default_rng(seed)
            idx = np.sort(rng.choice(n, KMEANS_FIT_ROWS, replace=False))
            model = KMeans(n_clusters=k, random_state=seed, n_init=4).fit(X[idx])
            notes.append(
                f"k-means was fitted on a random sample of {KMEANS_FIT_ROWS:,} users and "
                "every user joined the nearest segment centre."
            )
            return model.predict(X), notes
        model = KMeans(n_clusters=k, random_state=seed, n_init=4)
        return model.fit_predict(X), notes
    if method == "gmm":
        _check_k(k, n)
        model = GaussianMixture(
            n_components=k, covariance_type="full", random_state=seed, reg_covar=1e-4
        )
        return model.fit(X).predict(X), notes
    if method == "agglomerative":
        _check_k(k, n)
        if n <= AGGLOMERATIVE_MAX_ROWS:
            return AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(X), notes
        rng = np.random.default_rng(seed)
        idx = np.sort(rng.choice(n, AGGLOMERATIVE_MAX_ROWS, replace=False))
        sub = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(X[idx])
        centres = np.vstack([X[idx][sub == j].mean(0) for j in range(k)])
        notes.append(
            f"Hierarchical clustering was fitted on a sample of {AGGLOMERATIVE_MAX_ROWS:,} "
            "users; the others joined the nearest segment."
        )
        return _nearest(X, centres), notes
    if method == "hdbscan":
        import hdbscan  # the fast package, not sklearn.cluster.HDBSCAN (see module doc)

        size = max(2, min(int(min_cluster_size), n))
        model = hdbscan.HDBSCAN(min_cluster_size=size, core_dist_n_jobs=1)
        return model.fit_predict(X), notes
    raise DataError(f"Unknown method {method!r}; use one of {', '.join(METHODS)}.")


def _ordered_names(X: np.ndarray, raw: np.ndarray) -> dict[int, str]:
    """Raw cluster id -> S1.. by size desc, ties broken by the centre's coordinates."""
    keep = raw >= 0
    ids, codes, counts = np.unique(raw[keep], return_inverse=True, return_counts=True)
    centres = _centres(X[keep] if not keep.all() else X, codes, len(ids))
    keys = sorted(
        (-int(counts[j]), tuple(np.round(centres[j], 9)), int(ids[j])) for j in range(len(ids))
    )
    mapping = {c: f"S{i + 1}" for i, (_, _, c) in enumerate(keys)}
    mapping[-1] = _NOISE
    return mapping


def _label_order(labels: Iterable[str]) -> list[str]:
    """S1, S2, ..., S10 numerically, then named segments alphabetically, Noise last."""

    def key(s: str):
        m = re.fullmatch(r"S(\d+)", s)
        return (2, 0, s) if s == _NOISE else (0, int(m.group(1)), s) if m else (1, 0, s)

    return sorted(set(labels), key=key)


def _centres(X: np.ndarray, codes: np.ndarray, k: int) -> np.ndarray:
    """Mean row per code 0..k-1 in one sparse product (no pass per segment)."""
    from scipy import sparse

    n = len(codes)
    member = sparse.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(k, n))
    counts = np.asarray(member.sum(axis=1)).ravel()
    return np.asarray(member @ X) / np.maximum(counts, 1)[:, None]


def _quality(X: np.ndarray, labels: np.ndarray, seed: int) -> dict:
    """Quality metrics on non-noise rows; NaN when fewer than two segments."""
    if labels.dtype.kind in "iu":  # raw integer labels, -1 = noise (fast path)
        keep = labels >= 0
    else:
        keep = labels != _NOISE
    Xq = X[keep] if not keep.all() else X
    uniq, codes = np.unique(labels[keep], return_inverse=True)
    q = {
        "n_segments": int(len(uniq)),
        "noise_share": float(1 - keep.mean()) if len(labels) else 0.0,
        "silhouette": float("nan"),
        "calinski_harabasz": float("nan"),
        "davies_bouldin": float("nan"),
        "inertia": float("nan"),
    }
    if len(Xq) == 0:
        return q
    centres = _centres(Xq, codes, len(uniq))
    q["inertia"] = float(((Xq - centres[codes]) ** 2).sum())
    if 2 <= len(uniq) < len(Xq):
        sample = SILHOUETTE_SAMPLE if len(Xq) > SILHOUETTE_SAMPLE else None
        q["silhouette"] = float(silhouette_score(Xq, codes, sample_size=sample, random_state=seed))
        q["calinski_harabasz"] = float(calinski_harabasz_score(Xq, codes))
        q["davies_bouldin"] = float(davies_bouldin_score(Xq, codes))
    return q


def _tiny_warnings(sizes: pd.Series, n: int, min_group_size: int) -> list[str]:
    out = []
    for name, size in sizes.items():
        if name == _NOISE:
            continue
        if size < max(min_group_size, 0.01 * n):
            out.append(
                f"Segment {name} has only {size:,} users ({size / n:.1%}); it may be noise "
                "or too small to act on: try fewer segments or other features."
            )
    return out


def segment(
    features: pd.DataFrame,
    params: SegmentParams = SegmentParams(),
    *,
    min_group_size: int = 10,
    progress=None,
) -> SegmentResult:
    """Segment users from their feature table.

    Parameters
    ----------
    features : pd.DataFrame
        One row per user with a ``user_id`` column (``core.segments.features.build_features``).
        Not modified.
    params : SegmentParams
        Method, features, weights, transform, k and seed.
    min_group_size : int
        Segments smaller than this (or than 1% of users) get a warning.
    progress : callable, optional
        ``progress(fraction, text)``; the automatic path reports its steps through it.

    Returns
    -------
    SegmentResult

    Raises
    ------
    DataError
        Unknown features, too few users for ``k``, an empty table.
    """
    if params.method == "rfm":
        return _segment_rfm(features, params, min_group_size)
    if params.method == "auto":
        return _segment_auto(features, params, min_group_size, progress)
    X, index, names, notes = _prepare(features, params)
    raw, fit_notes = _fit_raw(X, params.method, params.k, params.seed, params.min_cluster_size)
    return _finish(X, raw, index, params, names, notes + fit_notes, min_group_size)


def _finish(X, raw, index, params, names, notes, min_group_size) -> SegmentResult:
    mapping = _ordered_names(X, raw)
    codes = np.unique(raw)  # sorted; raw values index into it without a Python loop
    labels_arr = np.array([mapping[int(c)] for c in codes], dtype=object)[
        np.searchsorted(codes, raw)
    ]
    return _result(X, labels_arr, index, params, names, notes, min_group_size, raw)


def _result(X, labels_arr, index, params, names, notes, min_group_size, raw=None) -> SegmentResult:
    labels = pd.Series(labels_arr, index=index, name="segment", dtype="str")
    sizes = labels.value_counts().reindex(_label_order(labels_arr)).astype("int64")
    sizes.index.name = "segment"
    sizes.name = "users"
    quality = _quality(X, labels_arr if raw is None else raw, params.seed)
    warnings = list(notes) + _tiny_warnings(sizes, len(labels), min_group_size)
    if quality["n_segments"] < 2:
        warnings.append(
            "Fewer than two segments were found, so separation cannot be measured; "
            "try another method or smaller minimum segment size."
        )
    return SegmentResult(
        labels=labels,
        sizes=sizes,
        quality=quality,
        warnings=tuple(warnings),
        params=params,
        params_hash=params.params_hash,
        features_used=tuple(names),
    )


# --- automatic ------------------------------------------------------------------------


def _segment_auto(features: pd.DataFrame, params: SegmentParams, min_group_size: int, progress):
    """The automatic path (core.segments.autoseg) as a SegmentResult: one segment when no groups."""
    from core.segments.autoseg import auto_segment

    choice = auto_segment(features, seed=params.seed, progress=progress)
    X = choice.matrix.to_numpy()
    if X.shape[1] == 0:
        X = np.zeros((len(choice.labels), 1))
    result = _finish(
        X,
        choice.labels.to_numpy(),
        choice.labels.index,
        params,
        choice.features,
        [],
        min_group_size,
    )
    quality = dict(result.quality)
    quality.update(
        structure=choice.structure,
        stability_ari=choice.stability.get("mean_ari", float("nan")),
    )
    warnings = list(result.warnings)
    if choice.structure == "none":
        warnings = [choice.reasons[0]]
    return dataclasses.replace(result, quality=quality, warnings=tuple(warnings), auto=choice)


# --- RFM -------------------------------------------------------------------------------


def _quintile(values: pd.Series) -> pd.Series:
    """Score 1-5: 1 + floor(5 * share of users strictly below this value).

    Ties share the score of their lowest position (rank ``min``), so all users with no
    purchase get F = 1 however many they are; with distinct values this is the exact
    quintile. Hand-written because ``pd.qcut`` fails on the repeated zeros that
    frequency and money always have.
    """
    n = len(values)
    below = values.rank(method="min").to_numpy() - 1
    return pd.Series(1 + np.floor(5 * below / n).astype(int), index=values.index)


def rfm_scores(
    features: pd.DataFrame,
    *,
    recency: str = "recency_days",
    frequency: str = "frequency",
    monetary: str = "monetary",
) -> pd.DataFrame:
    """Quintile R, F, M scores (1-5, 5 best) and the RFM segment name per user.

    Parameters
    ----------
    features : pd.DataFrame
        Feature table with ``user_id`` and the three columns named below.
    recency, frequency, monetary : str
        Column names. Recency is reversed: the most recent users score 5.

    Returns
    -------
    pd.DataFrame
        Index ``user_id``; columns ``r_score``, ``f_score``, ``m_score``, ``rfm_code``
        (e.g. ``"545"``) and ``segment`` (a name from :data:`RFM_SEGMENTS`).
    """
    missing = [c for c in (recency, frequency, monetary) if c not in features.columns]
    if missing:
        raise DataError(
            f"RFM needs the column(s) {', '.join(missing)}; build the feature table from "
            "events with purchases (event type 'purchase' with an amount)."
        )
    if len(features) == 0:
        raise DataError("The feature table has no users; load a dataset with events first.")
    index = _user_index(features)
    vals = features[[recency, frequency, monetary]].astype("float64").set_axis(index)
    vals = vals.fillna({recency: vals[recency].max(), frequency: 0.0, monetary: 0.0})
    out = pd.DataFrame(
        {
            "r_score": _quintile(-vals[recency]),
            "f_score": _quintile(vals[frequency]),
            "m_score": _quintile(vals[monetary]),
        },
        index=index,
    )
    out["rfm_code"] = (
        out["r_score"].astype(str) + out["f_score"].astype(str) + out["m_score"].astype(str)
    )
    out["segment"] = rfm_segment_names(out["rfm_code"])
    return out


def rfm_segment_names(codes: pd.Series, taxonomy: Mapping[str, str] = RFM_SEGMENTS) -> pd.Series:
    """Map three-digit RFM codes to names: the first matching pattern of ``taxonomy``."""
    lookup = {}
    for code in codes.unique():
        name = next((n for n, pat in taxonomy.items() if re.fullmatch(pat, code)), "Other")
        lookup[code] = name
    return codes.map(lookup).astype("str")


def _segment_rfm(features: pd.DataFrame, params: SegmentParams, min_group_size: int):
    scores = rfm_scores(features)
    X = StandardScaler().fit_transform(scores[["r_score", "f_score", "m_score"]].to_numpy(float))
    return _result(
        X,
        scores["segment"].to_numpy(dtype=object),
        scores.index,
        params,
        ("r_score", "f_score", "m_score"),
        [],
        min_group_size,
    )


# --- choice of k -----------------------------------------------------------------------


def sweep_k(
    features: pd.DataFrame,
    params: SegmentParams = SegmentParams(),
    ks: Iterable[int] = range(2, 11),
) -> pd.DataFrame:
    """Quality metrics for each number of segments.

    Parameters
    ----------
    features : pd.DataFrame
        Feature table (not modified).
    params : SegmentParams
        Everything but ``k``; method must use k (kmeans, gmm, agglomerative).
    ks : iterable of int
        Candidate numbers of segments (values above the number of users are skipped).

    Returns
    -------
    pd.DataFrame
        One row per k: ``k``, ``silhouette``, ``calinski_harabasz``, ``davies_bouldin``,
        ``inertia``, ``smallest_share`` (share of users in the smallest segment).
    """
    if params.method in ("hdbscan", "rfm", "auto"):
        raise DataError(
            f"The {params.method} method chooses its own number of segments; "
            "a sweep over k applies to k-means, Gaussian mixture and hierarchical."
        )
    X, _, _, _ = _prepare(features, params)
    rows = []
    for k in ks:
        if k < 2 or k >= X.shape[0]:
            continue
        raw, _ = _fit_raw(X, params.method, int(k), params.seed, params.min_cluster_size)
        q = _quality(X, raw, params.seed)
        counts = np.bincount(raw[raw >= 0])
        rows.append(
            {
                "k": int(k),
                "silhouette": q["silhouette"],
                "calinski_harabasz": q["calinski_harabasz"],
                "davies_bouldin": q["davies_bouldin"],
                "inertia": q["inertia"],
                "smallest_share": float(counts.min() / len(raw)) if len(counts) else 0.0,
            }
        )
    if not rows:
        raise DataError("No candidate k fits this data; use fewer segments or more users.")
    return pd.DataFrame(rows)


def recommend_k(sweep: pd.DataFrame, *, tolerance: float = 0.02, min_share: float = 0.01) -> int:
    """Recommended number of segments from a :func:`sweep_k` table.

    Rule: drop k whose smallest segment holds under ``min_share`` of users (segments too
    small to act on); among the rest, take the k's whose silhouette is within
    ``tolerance`` of the best silhouette (statistically a tie on a sampled metric), and
    of those pick the largest Calinski-Harabasz (variance ratio: dense, well separated
    groups). Silhouette alone tends to under-split when two true groups sit close
    together; CH breaks such ties towards the finer, still well-separated partition.

    Parameters
    ----------
    sweep : pd.DataFrame
        Output of :func:`sweep_k`.
    tolerance : float
        Silhouette difference treated as a tie.
    min_share : float
        Smallest acceptable segment share.

    Returns
    -------
    int
    """
    table = sweep.dropna(subset=["silhouette"])
    ok = table[table["smallest_share"] >= min_share]
    if len(ok):
        table = ok
    if table.empty:
        return int(sweep["k"].iloc[0])
    best = table["silhouette"].max()
    near = table[table["silhouette"] >= best - tolerance]
    return int(near.sort_values(["calinski_harabasz", "k"], ascending=[False, True])["k"].iloc[0])


# --- stability -------------------------------------------------------------------------


def stability(
    features: pd.DataFrame,
    params: SegmentParams = SegmentParams(),
    n_runs: int = 10,
    *,
    subsample: float = 0.8,
    reference: SegmentResult | None = None,
) -> StabilityResult:
    """How stable the segments are under re-sampling and new seeds.

    Each run clusters a seeded ``subsample`` share of the users (at most
    :data:`STABILITY_MAX_ROWS`) with seed ``params.seed + run + 1`` and compares with
    the full run on the same users: adjusted Rand index overall and, per segment, the
    best Jaccard overlap (Hennig 2007's subsetting scheme, as in R's ``fpc::clusterboot``).

    Parameters
    ----------
    features : pd.DataFrame
        Feature table (not modified).
    params : SegmentParams
    n_runs : int
        Number of re-runs.
    subsample : float
        Share of users per re-run (0 < subsample <= 1).
    reference : SegmentResult, optional
        The full run, if already computed.

    Returns
    -------
    StabilityResult
    """
    if not 0 < subsample <= 1:
        raise DataError(f"subsample must be between 0 and 1 (got {subsample}).")
    ref = reference if reference is not None else segment(features, params)
    ref_labels = ref.labels.to_numpy(dtype=object)
    X = None
    if params.method == "auto":
        # Re-fit the groups the automatic path found (same columns and weights, same k)
        # on samples with new seeds, as for k-means.
        k_auto = int(ref.quality["n_segments"])
        if k_auto < 2:
            empty = pd.Series(dtype="float64", name="jaccard")
            return StabilityResult(float("nan"), float("nan"), empty, 0)
        X = ref.auto.matrix.to_numpy()
        params = dataclasses.replace(params, method="kmeans", k=k_auto)
    n = len(ref_labels)
    m = max(2, min(int(round(subsample * n)), STABILITY_MAX_ROWS))
    rng = np.random.default_rng(params.seed)
    aris: list[float] = []
    jac: dict[str, list[float]] = {s: [] for s in ref.sizes.index}
    if params.method != "rfm" and X is None:
        X, _, _, _ = _prepare(features, params)
    for run in range(n_runs):
        idx = np.sort(rng.choice(n, m, replace=False))
        seed = params.seed + run + 1
        if params.method == "rfm":
            new = rfm_scores(features.iloc[idx])["segment"].to_numpy(dtype=object)
        else:
            raw, _ = _fit_raw(X[idx], params.method, params.k, seed, params.min_cluster_size)
            new = raw.astype(object)
        old = ref_labels[idx]
        aris.append(float(adjusted_rand_score(old, new)))
        for s in jac:
            a = old == s
            if not a.any():
                continue
            best = 0.0
            for c in np.unique(new):
                b = new == c
                best = max(best, (a & b).sum() / (a | b).sum())
            jac[s].append(float(best))
    jaccard = pd.Series({s: float(np.mean(v)) if v else float("nan") for s, v in jac.items()})
    jaccard.index.name = "segment"
    jaccard.name = "jaccard"
    return StabilityResult(
        mean_ari=float(np.mean(aris)) if aris else float("nan"),
        min_ari=float(np.min(aris)) if aris else float("nan"),
        jaccard=jaccard,
        n_runs=int(n_runs),
    )
