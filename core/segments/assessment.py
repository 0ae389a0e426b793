"""How many segments, and how stable they are.

:func:`sweep_k` measures the quality of each number of segments and :func:`recommend_k`
picks one from that table; :func:`stability` re-runs the segmentation on subsamples with
new seeds and says how much of each segment survives.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from core.errors import DataError
from core.i18n import tr
from core.segments.methods import _fit_labels
from core.segments.params import validate_segment_params
from core.segments.preparation import _prepare
from core.segments.quality import _quality_metrics
from core.segments.rfm import rfm_scores
from core.segments.segmentation import SegmentParams, SegmentResult, segment

__all__ = ["STABILITY_MAX_ROWS", "StabilityResult", "sweep_k", "recommend_k", "stability"]

#: Stability re-runs cluster at most this many users each.
STABILITY_MAX_ROWS = 20_000


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
    validate_segment_params(params)
    if params.method in ("hdbscan", "rfm", "auto"):
        raise DataError(
            tr(
                "The {method} method chooses its own number of segments; a sweep over k "
                "applies to k-means, Gaussian mixture and hierarchical.",
                method=params.method,
            )
        )
    X, _, _, _ = _prepare(features, params)
    rows = []
    for k in ks:
        if k < 2 or k >= X.shape[0]:
            continue
        raw, _ = _fit_labels(X, params.method, int(k), params.seed, params.min_cluster_size)
        q = _quality_metrics(X, raw, params.seed)
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
        raise DataError(tr("No candidate k fits this data; use fewer segments or more users."))
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
    validate_segment_params(params)
    if not 0 < subsample <= 1:
        raise DataError(
            tr("subsample must be between 0 and 1 (got {value}).", value=repr(subsample))
        )
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
            raw, _ = _fit_labels(X[idx], params.method, params.k, seed, params.min_cluster_size)
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
