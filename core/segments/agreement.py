"""How far several segmentations of the same users agree: a matrix of adjusted Rand indices.

Used by the facilitator's workshop board: every participant segments the same data their
own way, and the matrix shows which of them found the same groups. Two runs are compared
on the users both of them labelled (a participant may have segmented another dataset or a
subset); scikit-learn's :func:`~sklearn.metrics.adjusted_rand_score` does the comparison.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["MIN_SHARED_USERS", "agreement_matrix"]

MIN_SHARED_USERS = 2  # the index needs at least two users labelled by both runs


def agreement_matrix(labelings: Mapping[str, pd.Series]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Adjusted Rand index between every pair of segmentations, over their shared users.

    Parameters
    ----------
    labelings : Mapping of str to pandas.Series
        One segmentation per name: a Series of segment labels indexed by user id. The
        labels' names do not matter (``S1`` in one run may be ``S4`` in another).

    Returns
    -------
    (ari, shared) : tuple of pandas.DataFrame
        ``ari``: square, indexed and columned by the names in the given order; 1 on the
        diagonal, 1 for identical groupings, about 0 for groupings no better than chance;
        NaN where two runs share fewer than :data:`MIN_SHARED_USERS` users.
        ``shared``: how many users each pair has in common.
    """
    # scikit-learn is imported here for start-up speed of the pages that never compare.
    from sklearn.metrics import adjusted_rand_score

    names = list(labelings)
    series = {n: labelings[n][~labelings[n].index.duplicated()].dropna() for n in names}
    # Every run as integer codes on one shared user index (-1: not in that run), so a pair
    # is compared with two array look-ups instead of an index intersection per pair (a
    # 20-person room has 190 pairs; integer labels are also scikit-learn's fast path).
    users = pd.Index([])
    for labels in series.values():
        users = users.union(labels.index, sort=False)
    codes = {}
    for n, labels in series.items():
        position = users.get_indexer(labels.index)
        row = np.full(len(users), -1, dtype=np.int64)
        row[position] = pd.factorize(labels.astype(str))[0]
        codes[n] = row
    ari = pd.DataFrame(np.nan, index=names, columns=names, dtype=float)
    shared = pd.DataFrame(0, index=names, columns=names, dtype=int)
    for i, a in enumerate(names):
        for b in names[i:]:
            both = (codes[a] >= 0) & (codes[b] >= 0)
            n_common = int(both.sum())
            shared.loc[a, b] = shared.loc[b, a] = n_common
            if n_common < MIN_SHARED_USERS:
                continue
            value = adjusted_rand_score(codes[a][both], codes[b][both])
            ari.loc[a, b] = ari.loc[b, a] = float(value)
    return ari, shared
