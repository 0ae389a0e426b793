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

Where each step lives: candidates and screening in ``core.segments.autoseg_screen`` (with
the tuning constants), the groups and k in ``core.segments.autoseg_groups``, stability
and the reasons in ``core.segments.autoseg_report``; :func:`auto_segment` here runs them
in order.

Hand-written parts and why: dip-means and the latent class EM are not in scikit-learn,
scipy or statsmodels (they are built from scikit-learn's ``KMeans`` and the ``diptest``
package); the eta² loop is a few lines of pandas.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from core.errors import DataError
from core.i18n import fmt, tr
from core.segments.autoseg_groups import _dip_means, _drop_empty, _latent_class
from core.segments.autoseg_report import (
    _dropped_reasons,
    _group_dummies,
    _reasons_for,
    _stability_of_groups,
    _weights_report,
)
from core.segments.autoseg_screen import (
    ALPHA,
    ETA_MIN,
    FIT_ROWS,
    MIN_USERS,
    _associated,
    _column_blocks,
    _dip_p,
    _eta2,
    _find_candidates,
    _onehot,
    _split_p_value,
    _standardise,
    candidate_label,
)

__all__ = ["AutoChoice", "auto_segment", "candidate_label", "MIN_USERS"]

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
        raise DataError(tr("The random seed must be 0 or more (got {seed}).", seed=str(seed)))
    n = len(features)
    if n < MIN_USERS:
        raise DataError(
            tr(
                "Automatic segmentation needs at least {minimum} users and this dataset has "
                "{n}; load more data, or pick a method and the number of segments yourself.",
                minimum=fmt.number(MIN_USERS),
                n=fmt.number(n),
            )
        )
    ids = features["user_id"] if "user_id" in features else features.index.to_series()
    ids = ids.astype(str)
    index = pd.Index(ids, name="user_id")
    feats = features.reset_index(drop=True)
    rng = np.random.default_rng(seed)
    report(0.05, tr("Reading every column of the feature table"))
    cand = _find_candidates(feats, rng)
    raw = feats.drop(columns=["user_id"], errors="ignore")
    constant = all(raw[c].nunique(dropna=False) <= 1 for c in raw.columns)
    if constant or (cand.numeric.shape[1] == 0 and not cand.categorical):
        raise DataError(
            tr(
                "Every column has the same value for every user, so there is nothing to "
                "group by; check on the Data page that the right columns are mapped."
            )
        )
    Z = _standardise(cand.numeric)
    fit_idx = np.sort(rng.choice(n, min(n, FIT_ROWS), replace=False))

    report(0.15, tr("Testing which columns show separate groups"))
    blocks = _column_blocks(list(Z.columns))
    m = max(1, Z.shape[1] + len(blocks))
    dip = {c: _dip_p(Z[c].to_numpy()[fit_idx], rng) for c in Z.columns}
    numeric_seeds = [c for c, p in dip.items() if p < ALPHA / m]
    for cols in blocks.values():
        # A block (the hours, the platforms, ...) can hold groups that no single column
        # shows: test the block's own best split in two, projected on its axis.
        if _split_p_value(Z[cols].to_numpy()[fit_idx], rng, seed) < ALPHA / m:
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
        report(0.4, tr("Fitting latent classes to the attributes that go together"))
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
            report(
                0.3 + 0.15 * step,
                tr("Splitting users into groups (pass {step})", step=fmt.number(step + 1)),
            )
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

    report(0.85, tr("Checking how stable the groups are"))
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
        stab = _stability_of_groups(Xw, labels_all, k, method, cand, assoc, seed, rng)
    structure = (
        "none"
        if k == 1
        else "weak"
        if stab["mean_ari"] < 0.6 or quality["silhouette"] < 0.1
        else "clear"
    )
    dropped = _dropped_reasons(
        A, Z, kept, dip, numeric_seeds, assoc, cand, attr_cols, labels_all, k
    )
    kept_report = _group_dummies(kept)
    reasons = _reasons_for(method, k, kept_report, dropped, structure, stab, quality)
    report(1.0, tr("Done"))
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
