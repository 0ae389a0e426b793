"""Maps of users: UMAP (with a reusable neighbour graph) and PCA as the instant fallback.

What makes the map fast
-----------------------
- **Sampling.** A browser draws about :data:`DEFAULT_MAX_POINTS` points smoothly. Above
  that, UMAP is fitted on a seeded sample stratified by segment (every segment keeps its
  share, small ones at least :data:`MIN_PER_SEGMENT` points) and the map says "showing N
  of M". ``MapParams(place_rest=True)`` places the other users with ``UMAP.transform``
  instead (for exports; the page does not draw them).
- **Graph reuse.** The neighbour graph (nearest neighbours + fuzzy simplicial set) is
  the expensive part and depends only on the data, ``n_neighbors``, ``metric`` and the
  seed. Fitted models are kept in a small in-process cache keyed by exactly that, so a
  change of ``min_dist`` / ``spread`` only re-runs the layout optimisation
  (``umap.umap_.simplicial_set_embedding`` on the cached graph), warm-started from the
  base layout so points move instead of jumping.
- **Determinism.** The base layout is always computed with UMAP's default
  ``min_dist=0.1, spread=1.0``; other values are a relayout of it. So the same data +
  parameters + seed give the same map whether or not the cache was warm.
- **JIT warm-up.** :func:`warm_up` compiles umap's and pynndescent's numba code on tiny
  data; the app calls it once per server process. Compiled code is kept on disk
  (``core.segments.numba_cache``: ``<data dir>/numba-cache`` unless ``NUMBA_CACHE_DIR`` is set),
  so only the first process on a machine compiles it all; later ones load everything
  except pynndescent's approximate neighbour search, which numba cannot cache.
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import hashlib
import threading
import warnings
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness as _trustworthiness

from core.errors import DataError
from core.i18n import fmt, tr
from core.segments import numba_cache as _numba_cache
from core.segments.params import DEFAULT_MAX_POINTS, METRICS, validate_map_params
from core.segments.segmentation import SegmentParams, prepare_matrix

# Before umap or pynndescent import numba: compiled code goes to the on-disk cache.
_numba_cache.configure()

__all__ = [
    "DEFAULT_MAX_POINTS",
    "METRICS",
    "MapParams",
    "MapResult",
    "project",
    "project_pca",
    "stratified_sample",
    "warm_up",
    "clear_graph_cache",
]

#: Smallest number of sampled points per segment (or the whole segment if smaller).
MIN_PER_SEGMENT = 50
#: Epochs of the base layout: UMAP's own default above 10k points; below, UMAP would
#: use 500, which costs 2.5x the time for no visible gain on a scatter of segments.
BASE_EPOCHS = 200
#: Epochs of a relayout (warm-started from the base layout, so far fewer are needed).
RELAYOUT_EPOCHS = 50
#: Below this many users UMAP is not meaningful; the map falls back to PCA.
UMAP_MIN_ROWS = 10
#: Trustworthiness is measured on a seeded subset of at most this many shown points.
TRUST_SAMPLE = 2_000
#: UMAP defaults the base layout is computed with (see module doc, "Determinism").
_BASE_MIN_DIST = 0.1
_BASE_SPREAD = 1.0
_CACHE_SIZE = 4


@dataclasses.dataclass(frozen=True)
class MapParams:
    """Parameters of a user map; hashable so it can key a cache.

    Parameters
    ----------
    n_neighbors : int
        Neighbourhood size: small values show local detail, large values the big picture.
    min_dist : float
        How tightly points pack (0 = tight clumps, 0.99 = evenly spread).
    spread : float
        Scale of the layout, with ``min_dist``.
    metric : str
        Distance between users, one of :data:`METRICS`.
    seed : int
        Random seed; same data + parameters + seed give the same map.
    max_points : int
        Most users drawn; above it a stratified sample is shown.
    place_rest : bool
        Place users outside the sample with ``UMAP.transform`` (all users returned).

    Notes
    -----
    The accepted ranges and options are the table
    ``core.segments.params.MAP_PARAM_CONSTRAINTS``, checked by :func:`project` and
    :func:`project_pca`.
    """

    n_neighbors: int = 15
    min_dist: float = 0.1
    spread: float = 1.0
    metric: str = "euclidean"
    seed: int = 0
    max_points: int = DEFAULT_MAX_POINTS
    place_rest: bool = False


@dataclasses.dataclass(frozen=True)
class MapResult:
    """Coordinates of users on a 2-D map.

    Attributes
    ----------
    points : pd.DataFrame
        ``user_id`` (str), ``x``, ``y``; one row per user shown.
    n_shown, n_total : int
        Users on the map and in the data.
    note : str
        Plain sentence for the page ("Showing 10,000 of 100,000 users ...").
    method : {"umap", "pca"}
    trustworthiness : float
        sklearn's trustworthiness (0-1, 1 = every map neighbour is a true neighbour) on a
        seeded subset of the shown points, with 5 neighbours.
    relayout : bool
        True when the layout reused a cached neighbour graph.
    params : MapParams
    """

    points: pd.DataFrame
    n_shown: int
    n_total: int
    note: str
    method: Literal["umap", "pca"]
    trustworthiness: float
    relayout: bool
    params: MapParams


# --- input ----------------------------------------------------------------------------


def _matrix(data: pd.DataFrame, segment_params: SegmentParams | None) -> pd.DataFrame:
    """A feature table (with ``user_id``) or an already numeric matrix -> numeric matrix."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(tr("The map needs a table with one row per user."))
    if len(data) == 0:
        raise DataError(tr("There are no users to draw; load a dataset with events first."))
    if "user_id" in data.columns or segment_params is not None:
        return prepare_matrix(data, segment_params or SegmentParams())
    if not all(pd.api.types.is_numeric_dtype(t) for t in data.dtypes):
        raise DataError(tr("The map needs numeric features; pass the feature table with user_id."))
    out = data.astype("float64").fillna(0.0)
    out.index = out.index.astype(str).rename("user_id")
    return out


def stratified_sample(
    index: pd.Index, labels: pd.Series | None, max_points: int, seed: int
) -> np.ndarray:
    """Positions of a seeded sample of at most ``max_points`` rows, stratified by label.

    Every label keeps roughly its share; labels with few users keep at least
    ``MIN_PER_SEGMENT`` (or all of them) so small segments stay visible. Positions are
    returned sorted, so the sample keeps the input order.

    Parameters
    ----------
    index : pd.Index
        User ids of the rows.
    labels : pd.Series or None
        Segment per user id; None samples uniformly.
    max_points : int
    seed : int

    Returns
    -------
    np.ndarray of int
    """
    n = len(index)
    if n <= max_points:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    if labels is None:
        return np.sort(rng.choice(n, max_points, replace=False))
    groups = labels.reindex(index).astype("string").fillna("(none)").to_numpy()
    names, codes = np.unique(groups, return_inverse=True)
    counts = np.bincount(codes, minlength=len(names))
    if len(names) > max_points:  # more groups than points: no stratification possible
        return np.sort(rng.choice(n, max_points, replace=False))
    floor = np.minimum(counts, min(MIN_PER_SEGMENT, max_points // len(names)))
    quota = np.maximum(floor, np.floor(counts * max_points / n).astype(int))
    # Trim the groups with most room above their floor until the total fits.
    while (excess := int(quota.sum()) - max_points) > 0:
        j = int(np.argmax(quota - floor))
        quota[j] -= min(int(quota[j] - floor[j]), excess)
    # Hand the rounding remainder to the groups with the most users left over.
    while (short := max_points - int(quota.sum())) > 0:
        j = int(np.argmax(counts - quota))
        quota[j] += min(int(counts[j] - quota[j]), short)
    picked = [
        rng.choice(np.flatnonzero(codes == g), quota[g], replace=False) for g in range(len(names))
    ]
    return np.sort(np.concatenate(picked))


def _note(n_shown: int, n_total: int, method: str, placed: bool) -> str:
    shown, total = fmt.number(n_shown), fmt.number(n_total)
    what = tr("UMAP map") if method == "umap" else tr("Quick PCA map")
    if n_shown == n_total and not placed:
        return tr("{what} of all {total} users.", what=what, total=total)
    if placed:
        return tr(
            "{what} of all {total} users: fitted on a sample of {shown} that keeps every "
            "segment's share, the others placed next to their nearest neighbours.",
            **{"what": what, "total": total, "shown": shown},
        )
    return tr(
        "Showing {shown} of {total} users (a random sample that keeps every segment's share) "
        "so the map stays smooth in the browser.",
        **{"shown": shown, "total": total},
    )


def _trust(X: np.ndarray, Y: np.ndarray, seed: int) -> float:
    n = X.shape[0]
    if n < 12:
        return float("nan")
    idx = np.arange(n)
    if n > TRUST_SAMPLE:
        idx = np.sort(np.random.default_rng(seed).choice(n, TRUST_SAMPLE, replace=False))
    k = min(5, len(idx) // 2 - 1)
    return float(_trustworthiness(X[idx], Y[idx], n_neighbors=k))


def _frame(index: pd.Index, Y: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": pd.Series(index.astype(str), dtype="str"),
            "x": Y[:, 0].astype("float64"),
            "y": Y[:, 1].astype("float64"),
        }
    )


# --- PCA ------------------------------------------------------------------------------


def project_pca(
    data: pd.DataFrame,
    params: MapParams = MapParams(),
    *,
    segment_params: SegmentParams | None = None,
    labels: pd.Series | None = None,
) -> MapResult:
    """Instant map: the first two principal components of the prepared features.

    Parameters
    ----------
    data : pd.DataFrame
        Feature table with ``user_id`` (prepared with ``segment_params``), or a numeric
        matrix indexed by user id. Not modified.
    params : MapParams
        Only ``seed`` and ``max_points`` matter.
    segment_params : SegmentParams, optional
        Features, weights and transform to prepare the table with (default settings).
    labels : pd.Series, optional
        Segment per user, to stratify the sample.

    Returns
    -------
    MapResult
    """
    validate_map_params(params)
    M = _matrix(data, segment_params)
    pos = stratified_sample(M.index, labels, params.max_points, params.seed)
    X = M.to_numpy()
    if X.shape[1] >= 2 and X.shape[0] >= 2:
        pca = PCA(n_components=2, random_state=params.seed).fit(X)
        # Fix each component's sign (largest loading positive) so maps do not flip.
        signs = np.sign(pca.components_[np.arange(2), np.abs(pca.components_).argmax(1)])
        Y = pca.transform(X[pos]) * np.where(signs == 0, 1, signs)
    else:
        Y = np.zeros((len(pos), 2))
        Y[:, : X.shape[1]] = X[pos, :2]
    return MapResult(
        points=_frame(M.index[pos], Y),
        n_shown=len(pos),
        n_total=len(M),
        note=_note(len(pos), len(M), "pca", False),
        method="pca",
        trustworthiness=_trust(X[pos], Y, params.seed),
        relayout=False,
        params=params,
    )


# --- UMAP -----------------------------------------------------------------------------

_CACHE: collections.OrderedDict[tuple, tuple] = collections.OrderedDict()
_LOCK = threading.Lock()


def clear_graph_cache() -> None:
    """Forget every cached neighbour graph (tests and benchmarks use this)."""
    with _LOCK:
        _CACHE.clear()


def _graph_key(X: np.ndarray, params: MapParams, n_neighbors: int) -> tuple:
    digest = hashlib.blake2b(np.ascontiguousarray(X).tobytes(), digest_size=16)
    digest.update(str(X.shape).encode())
    return (digest.hexdigest(), n_neighbors, params.metric, params.seed)


def _umap():
    """umap-learn, with its map kernels compiled into the on-disk cache."""
    # Imported on first use, not at the top: umap takes seconds to import and compile,
    # and pages and the CLI that draw no map should not pay for it.
    import umap

    _numba_cache.cache_umap_kernels()
    return umap


def _fit_base(X: np.ndarray, params: MapParams, n_neighbors: int):
    """Fit UMAP with the base layout parameters; returns (reducer, embedding, cached?)."""
    key = _graph_key(X, params, n_neighbors)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit[0], hit[1], True
    umap = _umap()

    reducer = umap.UMAP(
        n_neighbors=n_neighbors,
        min_dist=_BASE_MIN_DIST,
        spread=_BASE_SPREAD,
        metric=params.metric,
        random_state=params.seed,
        n_components=2,
        n_epochs=BASE_EPOCHS,
    )
    with warnings.catch_warnings():
        # "n_jobs overridden to 1 by setting random_state": expected, we want determinism.
        warnings.simplefilter("ignore", UserWarning)
        embedding = reducer.fit_transform(X)
    with _LOCK:
        _CACHE[key] = (reducer, embedding)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return reducer, embedding, False


def _relayout(X: np.ndarray, reducer, base: np.ndarray, params: MapParams):
    """Re-run only the layout optimisation on the cached graph with new min_dist/spread."""
    _umap()
    from umap.umap_ import find_ab_params, simplicial_set_embedding  # umap: see _umap

    a, b = find_ab_params(spread=params.spread, min_dist=params.min_dist)
    embedding, _ = simplicial_set_embedding(
        data=X,
        graph=reducer.graph_.copy(),  # the function prunes graph.data in place
        n_components=2,
        initial_alpha=reducer.learning_rate,
        a=a,
        b=b,
        gamma=reducer.repulsion_strength,
        negative_sample_rate=reducer.negative_sample_rate,
        n_epochs=RELAYOUT_EPOCHS,
        init=base,
        random_state=np.random.RandomState(params.seed),
        # The input metric only seeds a spectral start or densMAP; with ``init`` the
        # base layout and densMAP off it is unused, so the public name is enough.
        metric=reducer.metric,
        metric_kwds={},
        densmap=False,
        densmap_kwds={},
        output_dens=False,
    )
    fitted = copy.copy(reducer)  # shallow: the cached reducer stays untouched
    fitted.embedding_ = embedding
    # ``transform`` (place_rest) lays new points out with the fitted curve, which UMAP
    # keeps in ``_a``/``_b`` and has no public setter for; a fresh UMAP(a=, b=) would
    # refit the graph this module exists to reuse.
    fitted._a, fitted._b = a, b
    fitted.min_dist, fitted.spread = params.min_dist, params.spread
    return fitted, embedding


def project(
    data: pd.DataFrame,
    params: MapParams = MapParams(),
    *,
    segment_params: SegmentParams | None = None,
    labels: pd.Series | None = None,
) -> MapResult:
    """UMAP map of users.

    Parameters
    ----------
    data : pd.DataFrame
        Feature table with ``user_id`` (prepared with ``segment_params``: the map shows
        the same space the segments were found in), or a numeric matrix indexed by user
        id. Not modified.
    params : MapParams
    segment_params : SegmentParams, optional
        Features, weights and transform (default settings when omitted).
    labels : pd.Series, optional
        Segment per user, to stratify the sample on large data.

    Returns
    -------
    MapResult
        With fewer than :data:`UMAP_MIN_ROWS` users, the PCA map (and a note saying so).

    Notes
    -----
    The neighbour graph is cached per process (see module doc); changing only
    ``min_dist``/``spread`` reuses it (``MapResult.relayout`` is True).
    """
    validate_map_params(params)
    M = _matrix(data, segment_params)
    if len(M) < UMAP_MIN_ROWS:
        res = project_pca(M, params, labels=labels)
        return dataclasses.replace(
            res,
            note=tr(
                "Only {n} users: showing the quick PCA map instead of UMAP.",
                n=fmt.number(len(M)),
            ),
        )
    pos = stratified_sample(M.index, labels, params.max_points, params.seed)
    X = M.to_numpy()
    Xs = np.ascontiguousarray(X[pos])
    n_neighbors = min(params.n_neighbors, len(pos) - 1)
    reducer, embedding, cached = _fit_base(Xs, params, n_neighbors)
    relayout = cached
    if (params.min_dist, params.spread) != (_BASE_MIN_DIST, _BASE_SPREAD):
        reducer, embedding = _relayout(Xs, reducer, embedding, params)
        relayout = True
    index, Y = M.index[pos], np.asarray(embedding, dtype="float64")
    placed = params.place_rest and len(pos) < len(M)
    if placed:
        rest = np.setdiff1d(np.arange(len(M)), pos)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            Yr = reducer.transform(np.ascontiguousarray(X[rest]))
        order = np.argsort(np.concatenate([pos, rest]), kind="stable")
        Y = np.vstack([Y, Yr])[order]
        index = M.index
    return MapResult(
        points=_frame(index, Y),
        n_shown=len(index),
        n_total=len(M),
        note=_note(len(pos), len(M), "umap", placed),
        method="umap",
        trustworthiness=_trust(Xs, np.asarray(embedding, dtype="float64"), params.seed),
        relayout=relayout,
        params=params,
    )


def warm_up() -> None:
    """Compile umap's and pynndescent's numba code on tiny data.

    Runs the same code paths as a real map: approximate nearest neighbours, the fuzzy
    graph, the layout optimisation, a relayout and ``transform``. About a minute in the
    first process on a machine, which fills the on-disk cache; under half of that in the
    next ones (``benchmarks/bench_warmup.py``). What remains is pynndescent's
    approximate neighbour search, which numba cannot cache (see ``core.segments.numba_cache``).
    """
    umap = _umap()

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Both neighbour searches: exact (under 4096 points) and approximate (above).
        for approximate in (False, True):
            reducer = umap.UMAP(
                n_neighbors=10,
                random_state=0,
                n_epochs=20,
                force_approximation_algorithm=approximate,
            )
            emb = reducer.fit_transform(X)
        _relayout(X, reducer, emb, MapParams(min_dist=0.5))
        reducer.transform(X[:20])
