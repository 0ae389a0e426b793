"""Naming and measuring segments: ``S1``, ``S2``... by size, and the quality metrics.

:func:`_ordered_names` turns raw cluster ids into ``S1``, ``S2``... (largest first, ties by
the centre's coordinates) so names and colours do not jump between runs;
:func:`_quality_metrics` gives silhouette, Calinski-Harabasz, Davies-Bouldin and inertia;
:func:`_tiny_warnings` flags segments too small to act on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from core.i18n import N_, fmt, tr

__all__ = ["NOISE", "SILHOUETTE_SAMPLE"]

#: Silhouette is computed on a seeded sample of at most this many users. It costs n²:
#: 3,000 users estimate it to about +-0.01 and keep a k change on 10,000 users near or
#: under 1 s (benchmarks/bench_truth.py --scale; 10,000 took 2.3 s).
SILHOUETTE_SAMPLE = 3_000
#: The label of users no segment takes (a saved value; translated where shown).
NOISE = N_("Noise")


def _ordered_names(X: np.ndarray, raw: np.ndarray) -> dict[int, str]:
    """Raw cluster id -> S1.. by size desc, ties broken by the centre's coordinates."""
    keep = raw >= 0
    ids, codes, counts = np.unique(raw[keep], return_inverse=True, return_counts=True)
    centres = _segment_centres(X[keep] if not keep.all() else X, codes, len(ids))
    keys = sorted(
        (-int(counts[j]), tuple(np.round(centres[j], 9)), int(ids[j])) for j in range(len(ids))
    )
    mapping = {c: f"S{i + 1}" for i, (_, _, c) in enumerate(keys)}
    mapping[-1] = NOISE
    return mapping


def _label_order(labels: Iterable[str]) -> list[str]:
    """S1, S2, ..., S10 numerically, then named segments alphabetically, Noise last."""

    def key(s: str):
        m = re.fullmatch(r"S(\d+)", s)
        return (2, 0, s) if s == NOISE else (0, int(m.group(1)), s) if m else (1, 0, s)

    return sorted(set(labels), key=key)


def _segment_centres(X: np.ndarray, codes: np.ndarray, k: int) -> np.ndarray:
    """Mean row per code 0..k-1 in one sparse product (no pass per segment)."""
    n = len(codes)
    member = sparse.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(k, n))
    counts = np.asarray(member.sum(axis=1)).ravel()
    return np.asarray(member @ X) / np.maximum(counts, 1)[:, None]


def _quality_metrics(X: np.ndarray, labels: np.ndarray, seed: int) -> dict:
    """Quality metrics on non-noise rows; NaN when fewer than two segments."""
    if labels.dtype.kind in "iu":  # raw integer labels, -1 = noise (fast path)
        keep = labels >= 0
    else:
        keep = labels != NOISE
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
    centres = _segment_centres(Xq, codes, len(uniq))
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
        if name == NOISE:
            continue
        if size < max(min_group_size, 0.01 * n):
            out.append(
                tr(
                    "Segment {name} has only {users} users ({share}); it may be noise or too "
                    "small to act on: try fewer segments or other features.",
                    name=name,
                    users=fmt.number(size),
                    share=fmt.percent(size / n, 1),
                )
            )
    return out
