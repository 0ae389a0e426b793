"""Vectorised random draws used by the sample generator (no Python loop over rows)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _pick_rows(rng: np.random.Generator, cum: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Draw one category per element of ``rows`` from the cumulative weights ``cum[rows]``.

    Inverse-CDF sampling in one ``searchsorted``: row ``r``'s cumulative probabilities are
    shifted by ``r`` so all rows form one sorted array, and the key ``r + u`` can only land
    inside row ``r``. No ``len(rows) x k`` temporary is built.
    """
    n_rows, k = cum.shape
    shifted = cum / cum[:, -1:]  # normalised, so the last column is exactly 1
    shifted += np.arange(n_rows, dtype=np.float64)[:, None]
    rows64 = rows.astype(np.int64)
    keys = rows64 + rng.random(len(rows))
    idx = np.searchsorted(shifted.ravel(), keys, side="right") - rows64 * k
    return np.minimum(idx, k - 1).astype(np.int8)


#: Steps of the lookup grid used by :func:`_grid_table` (error per category < 1/65,536).
_GRID = 1 << 16


def _grid_table(cum: np.ndarray) -> np.ndarray:
    """Lookup table ``rows x _GRID``: category whose cumulative interval holds each grid step.

    Sampling ``table[row, floor(x * _GRID)]`` for ``x`` in [0, 1) is inverse-CDF sampling
    on a 65,536-step grid: one gather per event instead of a binary search, which matters
    for tens of millions of events with only a handful of distinct distributions.
    """
    steps = (np.arange(_GRID) + 0.5) / _GRID
    table = np.empty((cum.shape[0], _GRID), dtype=np.int16)
    for r in range(cum.shape[0]):
        edges = cum[r, :-1] / cum[r, -1]
        table[r] = np.searchsorted(edges, steps, side="right")
    return table


def _mixture(
    rng: np.random.Generator,
    mixes: np.ndarray,
    ev_persona: np.ndarray,
    favourite: np.ndarray,
    ev_user: np.ndarray,
) -> np.ndarray:
    """Per event: the user's favourite with the user's loyalty, else a draw from the persona mix.

    Loyalty is Beta(2, 2) per user (mean 0.5), so some users stick to one platform and
    others spread out.
    """
    n = len(favourite)
    loyalty = (rng.beta(2.0, 2.0, n) * _GRID).astype(np.int32)  # on the 16-bit grid
    table = _grid_table(np.cumsum(mixes, axis=1))
    out = _grid_draw(rng, table, ev_persona).astype(np.int8)
    loyal = rng.integers(0, _GRID, len(ev_user), dtype=np.uint16) < loyalty[ev_user]
    out[loyal] = favourite[ev_user[loyal]]
    return out


def _grid_draw(rng: np.random.Generator, table: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One draw per element of ``rows`` from a :func:`_grid_table` (flat 32-bit index)."""
    index = rows.astype(np.int32) << 16
    index |= rng.integers(0, _GRID, len(rows), dtype=np.uint16)
    return table.ravel()[index]


def _dirichlet_rows(
    rng: np.random.Generator, means: np.ndarray, concentration: float
) -> np.ndarray:
    """Per-row probability vectors scattered around ``means`` (rows x k), summing to 1.

    Gamma draws normalised per row are Dirichlet(concentration * mean); a small floor keeps
    every category possible.
    """
    alpha = np.maximum(means * concentration, 1e-3)
    g = rng.standard_gamma(alpha)
    p = g / g.sum(axis=1, keepdims=True)
    return np.cumsum(p, axis=1)


def _categorical(codes: np.ndarray, categories: tuple[str, ...] | list[str]) -> pd.Categorical:
    """A pandas Categorical from integer codes (-1 = missing)."""
    return pd.Categorical.from_codes(codes.astype(np.int32), categories=list(categories))
