"""The automatic path, step 3: the groups and their number k.

:func:`_dip_means` splits groups with k-means while the dip test says a group has two
peaks (numeric columns); :func:`_latent_class` fits a latent class model by EM with k
chosen by BIC (categorical attributes only). Neither is in scikit-learn, scipy or
statsmodels, so both are built here from ``KMeans`` and the dip test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans

from core.segments.autoseg_screen import ALPHA, LCA_ROWS, MAX_K, MIN_GROUP_SHARE, _dip_p

# Nothing public: these helpers serve only the automatic path (core.segments.autoseg).
__all__: list[str] = []

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
