"""The clustering methods: raw integer labels (-1 for noise) from a prepared matrix.

:func:`_fit_labels` runs one of k-means, Gaussian mixture, Ward (agglomerative) or
HDBSCAN on the matrix from ``core.segments.preparation``; naming the labels ``S1``,
``S2``... and measuring them is ``core.segments.quality``'s job. Large data is fitted on a
seeded sample and every user joins the nearest centre (see :data:`MINIBATCH_ABOVE`,
:data:`AGGLOMERATIVE_MAX_ROWS`).
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.mixture import GaussianMixture

from core.errors import DataError
from core.i18n import fmt, tr
from core.segments.params import METHODS

__all__ = ["MINIBATCH_ABOVE", "KMEANS_FIT_ROWS", "AGGLOMERATIVE_MAX_ROWS"]


#: Above this many users k-means is fitted on a seeded sample of KMEANS_FIT_ROWS users.
MINIBATCH_ABOVE = 50_000
KMEANS_FIT_ROWS = 50_000
#: Ward linkage is fitted on at most this many users (the rest join the nearest centre).
AGGLOMERATIVE_MAX_ROWS = 10_000


# --- clustering ------------------------------------------------------------------------


def _check_k(k: int, n: int) -> None:
    """Raise DataError when k exceeds the users (k >= 2 is checked with the parameters)."""
    if k > n:
        raise DataError(
            tr(
                "Asked for {k} segments but the data has only {n} users; lower k.",
                k=fmt.number(k),
                n=fmt.number(n),
            )
        )


def _nearest(X: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre for each row (squared Euclidean)."""
    d = (X * X).sum(1)[:, None] - 2 * X @ centres.T + (centres * centres).sum(1)[None, :]
    return d.argmin(axis=1)


def _fit_labels(X: np.ndarray, method: str, k: int, seed: int, min_cluster_size: int) -> tuple:
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
                tr(
                    "k-means was fitted on a random sample of {n} users and every user "
                    "joined the nearest segment centre.",
                    n=fmt.number(KMEANS_FIT_ROWS),
                )
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
            tr(
                "Hierarchical clustering was fitted on a sample of {n} users; the others "
                "joined the nearest segment.",
                n=fmt.number(AGGLOMERATIVE_MAX_ROWS),
            )
        )
        return _nearest(X, centres), notes
    if method == "hdbscan":
        # Imported here, not at the top: a heavy library only this method needs. The
        # hdbscan package is about 15x faster than scikit-learn's HDBSCAN on 100k points.
        import hdbscan

        size = max(2, min(int(min_cluster_size), n))
        model = hdbscan.HDBSCAN(min_cluster_size=size, core_dist_n_jobs=1)
        return model.fit_predict(X), notes
    raise DataError(
        tr(
            "Unknown method {method}; use one of {methods}.",
            method=repr(method),
            methods=", ".join(METHODS),
        )
    )
