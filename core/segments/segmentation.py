"""Customer segmentation: :func:`segment` and the parameters that decide a run.

One call, :func:`segment`, turns the per-user feature table (``core.segments.features``)
into segment labels. Everything the user tunes on the Segment page is one frozen
:class:`SegmentParams`, whose :attr:`SegmentParams.params_hash` identifies a run. Saved
runs record the class as ``core.segments.segmentation.SegmentParams``, so it stays
defined here.

Pipeline: check the parameters (``core.segments.params``) -> prepare the matrix
(``core.segments.preparation``: features, imputation, ``log1p``, scaling, weights, one-hot
attributes, PCA) -> cluster (``core.segments.methods``) -> name and measure the segments
(``core.segments.quality``).

Methods
-------
auto
    ``core.segments.autoseg`` reads the data and picks features, weights, method and k.
kmeans
    scikit-learn ``KMeans``; on large data fitted on a seeded sample, and every user
    joins the nearest centre.
gmm
    ``GaussianMixture`` with full covariances.
hdbscan
    the ``hdbscan`` package; its noise points become the segment ``Noise``; ``k`` is
    ignored.
agglomerative
    Ward linkage; on large data fitted on a seeded sample, the other users join the
    nearest segment centre (Ward needs memory in the square of the users).
rfm
    rule based (``core.segments.rfm``): quintile scores for recency, frequency and money,
    named by a taxonomy kept as data.

Labels are ``S1``, ``S2``, ... ordered by size (largest first; ties by the segment
centre's coordinates), so colours and names do not jump between runs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler

from core.errors import DataError
from core.i18n import tr
from core.segments.autoseg import auto_segment
from core.segments.methods import _fit_labels
from core.segments.params import DEFAULT_FEATURES, validate_segment_params
from core.segments.preparation import _prepare
from core.segments.quality import (
    NOISE,
    _label_order,
    _ordered_names,
    _quality_metrics,
    _tiny_warnings,
)
from core.segments.rfm import RFM_SEGMENTS, rfm_scores

__all__ = [
    "SegmentParams",
    "SegmentResult",
    "segment",
    "prepare_matrix",
    "relabel",
    "segment_label",
]

Method = Literal["auto", "kmeans", "gmm", "hdbscan", "agglomerative", "rfm"]


def _as_number(value):
    """A weight as float when it is one; anything else is kept for the check to name."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


@dataclasses.dataclass(frozen=True)
class SegmentParams:
    """Everything that decides a segmentation; hashable, so it can key a cache.

    Parameters
    ----------
    method : {"auto", "kmeans", "gmm", "hdbscan", "agglomerative", "rfm"}
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

    Notes
    -----
    The constructor only stores the values (saved runs are rebuilt from them); the
    accepted ranges and options are the table
    ``core.segments.params.SEGMENT_PARAM_CONSTRAINTS``, checked by every public function
    that takes these parameters.
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
        pairs = ((str(f), _as_number(w)) for f, w in weights)
        object.__setattr__(self, "weights", tuple(sorted(pairs, key=lambda pair: pair[0])))

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
    validate_segment_params(params)
    if params.method == "auto":
        matrix = auto_segment(features, seed=params.seed).matrix
        if matrix.shape[1]:
            return matrix
        params = SegmentParams(seed=params.seed)  # no groups found: map the usual behaviour
    X, index, names, _ = _prepare(features, params)
    cols = list(names) if X.shape[1] == len(names) else [f"pc{i + 1}" for i in range(X.shape[1])]
    return pd.DataFrame(X, index=index, columns=cols)


def segment_label(label: str) -> str:
    """A segment's label as a person reads it, in the current language.

    The labels PersonaLab gives (``Noise``, the RFM names) are translated; ``S1``,
    ``S2``... and names a user typed are shown as they are.

    Parameters
    ----------
    label : str
        A saved segment label.

    Returns
    -------
    str
    """
    label = str(label)
    return tr(label) if label == NOISE or label in RFM_SEGMENTS else label


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
        raise DataError(tr("Give the new segment a name."))
    ids = pd.Index([str(u) for u in user_ids])
    hit = labels.index.isin(ids)
    if not hit.any():
        raise DataError(tr("No users are selected; draw a box around some points first."))
    out = labels.astype("str").copy()
    out[hit] = name
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
        A parameter out of range (naming it and its value), unknown features, too few
        users for ``k``, an empty table.
    """
    validate_segment_params(params)
    if params.method == "rfm":
        return _segment_rfm(features, params, min_group_size)
    if params.method == "auto":
        return _segment_auto(features, params, min_group_size, progress)
    X, index, names, notes = _prepare(features, params)
    raw, fit_notes = _fit_labels(X, params.method, params.k, params.seed, params.min_cluster_size)
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
    quality = _quality_metrics(X, labels_arr if raw is None else raw, params.seed)
    warnings = list(notes) + _tiny_warnings(sizes, len(labels), min_group_size)
    if quality["n_segments"] < 2:
        warnings.append(
            tr(
                "Fewer than two segments were found, so separation cannot be measured; "
                "try another method or a smaller minimum segment size."
            )
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
