"""Per-user rows reduced to sufficient statistics per (metric, segment, variant).

One vectorised pass per metric: ``np.bincount`` over factorised (segment, variant) codes
gives the counts, sums and sums of squares, with no Python loop over users or segments.
Optional winsorisation (capping) and CUPED are applied on those sums. Users seen in more
than one variant are left out first (:func:`one_row_per_user`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from core.errors import DataError
from core.experiments.inputs import guess_user_column, is_binary, numeric_values, require_columns
from core.experiments.result import ALL_USERS, NO_SEGMENT, ArmStats
from core.experiments.stats import Proportion, SampleMean, Statistic
from core.i18n import fmt, ntr, tr


def _sums(codes: np.ndarray, size: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Per-cell count (or weighted sum) of ``codes``, exactly ``size`` long."""
    return np.bincount(codes, weights=weights, minlength=size)[:size]


def _cuped_moments(n, sy, syy, sx, sxx, sxy):
    """CUPED on sums over one segment's arms (axis -1 = variants). Pooled theta.

    Deng, Xu, Kohavi & Walker (2013), "Improving the sensitivity of online controlled
    experiments by utilizing pre-experiment data", WSDM: y' = y - theta (x - mean x),
    theta = cov(y, x) / var(x) over all users of the segment (both arms pooled). Written
    on sums so that it costs nothing per user; no library offers it.
    """
    nt = n.sum()
    if nt < 3:
        return sy, syy, 0.0, float("nan")
    mx, my = sx.sum() / nt, sy.sum() / nt
    cov = (sxy.sum() - nt * mx * my) / (nt - 1)
    var_x = (sxx.sum() - nt * mx * mx) / (nt - 1)
    if not var_x > 0:
        return sy, syy, 0.0, float("nan")
    theta = cov / var_x
    sa = sy - theta * (sx - n * mx)
    saa = syy - 2 * theta * (sxy - mx * sy) + theta**2 * (sxx - 2 * mx * sx + n * mx * mx)
    # variance reduction achieved inside the arms (pooled within-arm variances)
    with np.errstate(invalid="ignore", divide="ignore"):
        within_y = np.nansum(syy - np.where(n > 0, sy**2 / n, 0))
        within_a = np.nansum(saa - np.where(n > 0, sa**2 / n, 0))
    reduction = 1 - within_a / within_y if within_y > 0 else float("nan")
    return sa, saa, theta, float(reduction)


def one_row_per_user(
    data: pd.DataFrame, user_col: str | None, variant_col: str
) -> tuple[pd.DataFrame, list[str], tuple[str, ...]]:
    """Leave out users seen in more than one variant; refuse a user on several rows of one.

    Parameters
    ----------
    data : DataFrame
        The experiment's rows (not mutated).
    user_col : str or None
        The user id column; ``"auto"`` takes a column named like an id, None skips the check.
    variant_col : str
        The variant column. Rows without a variant are left for the caller.

    Returns
    -------
    (DataFrame, list of str, tuple of str)
        The rows kept, plain-language notes, and the ids found in several variants.
    """
    if user_col == "auto":
        user_col = guess_user_column(data)
    if user_col is None:
        return data, [], ()
    require_columns(data, [user_col, variant_col])
    user_codes, users = pd.factorize(data[user_col])
    variant_codes, _ = pd.factorize(data[variant_col])
    assigned = variant_codes >= 0
    notes: list[str] = []
    no_id = assigned & (user_codes < 0)
    if no_id.any():
        count = int(no_id.sum())
        notes.append(
            ntr(
                "{n} row without a user id was left out.",
                "{n} rows without a user id were left out.",
                count,
                n=fmt.number(count),
            )
        )
    counted = assigned & ~no_id
    if np.bincount(user_codes[counted], minlength=len(users)).max(initial=0) <= 1:
        return (data[~no_id] if no_id.any() else data), notes, ()  # one row per user
    lowest = np.full(len(users), np.iinfo(np.int64).max)
    highest = np.full(len(users), -1)
    np.minimum.at(lowest, user_codes[counted], variant_codes[counted])
    np.maximum.at(highest, user_codes[counted], variant_codes[counted])
    mixed_codes = np.flatnonzero((highest >= 0) & (lowest != highest))
    mixed_rows = np.isin(user_codes, mixed_codes)
    mixed = tuple(str(u) for u in users[mixed_codes])
    kept = counted & ~mixed_rows
    if mixed:
        if not kept.any():
            raise DataError(
                tr(
                    "Every user in '{user_col}' appears in more than one variant (e.g. "
                    "'{user}'), so there is nobody to compare; check that '{variant_col}' "
                    "holds the group each user was assigned to.",
                    user_col=user_col,
                    user=mixed[0],
                    variant_col=variant_col,
                )
            )
        notes.append(
            ntr(
                "{n} user was found in more than one variant (e.g. '{user}') and left out "
                "of every comparison.",
                "{n} users were found in more than one variant (e.g. '{user}') and left out "
                "of every comparison.",
                len(mixed),
                n=fmt.number(len(mixed)),
                user=mixed[0],
            )
        )
    rows_per_user = np.bincount(user_codes[kept], minlength=len(users))
    if (rows_per_user > 1).any():
        repeated = int(np.argmax(rows_per_user > 1))
        raise DataError(
            tr(
                "User '{user}' is on {rows} rows but experiment data needs one row per user; "
                "add up each user's rows first (e.g. total revenue, converted = 1 if any row "
                "converted) and load it again.",
                user=users[repeated],
                rows=fmt.number(rows_per_user[repeated]),
            )
        )
    if no_id.any() or mixed:
        data = data[~no_id & ~mixed_rows]
    return data, notes, mixed


def summarise_users(
    data: pd.DataFrame,
    *,
    variant_col: str,
    metrics: Sequence[str],
    segment_col: str | None = None,
    covariate: str | None = None,
    cap_quantile: float | None = None,
) -> tuple[list[ArmStats], dict[str, int], list[str]]:
    """Reduce per-user rows to statistics per (metric, segment, variant).

    Parameters
    ----------
    data : DataFrame
        One row per user (not mutated).
    variant_col : str
        The variant column.
    metrics : sequence of str
        Metric columns.
    segment_col, covariate : str, optional
        Segment column; pre-period column for CUPED.
    cap_quantile : float, optional
        Winsorise non-0/1 metrics at this quantile.

    Returns
    -------
    (list of ArmStats, dict, list of str)
        The cells (segment None = all users), the users per variant (for the SRM check)
        and plain-language notes (rows dropped, caps applied).
    """
    require_columns(data, [variant_col, *metrics, segment_col, covariate])
    if not metrics:
        raise DataError(tr("Choose at least one metric column to compare."))
    notes: list[str] = []
    var_raw = data[variant_col]
    keep = var_raw.notna().to_numpy()
    if (~keep).any():
        count = int((~keep).sum())
        notes.append(
            ntr(
                "{n} row without a variant was left out.",
                "{n} rows without a variant were left out.",
                count,
                n=fmt.number(count),
            )
        )
    var_codes, var_levels = pd.factorize(var_raw, sort=True)
    var_levels = [str(v) for v in var_levels]
    n_var = len(var_levels)
    if segment_col is not None:
        seg_codes, seg_levels = pd.factorize(data[segment_col], sort=True)
        seg_levels = [str(s) for s in seg_levels]
        if (seg_codes < 0).any():  # missing segment: its own group
            seg_codes = np.where(seg_codes < 0, len(seg_levels), seg_codes)
            seg_levels.append(tr(NO_SEGMENT))
    else:
        seg_codes, seg_levels = np.zeros(len(data), dtype=np.int64), []
    n_seg = max(len(seg_levels), 1)
    size = n_seg * n_var
    cell = seg_codes.astype(np.int64) * n_var + var_codes
    if not keep.all():
        cell = cell[keep]

    counts_all = _sums(cell, size).reshape(n_seg, n_var)
    users_per_variant = {v: int(c) for v, c in zip(var_levels, counts_all.sum(0), strict=True)}

    x = None
    if covariate is not None:
        x = numeric_values(data, covariate)
        x = x if keep.all() else x[keep]
        missing_x = np.isnan(x)
        if missing_x.any():
            count = int(missing_x.sum())
            notes.append(
                ntr(
                    "{n} user had no value in '{column}'; their pre-period value was taken as 0.",
                    "{n} users had no value in '{column}'; their pre-period value was taken as 0.",
                    count,
                    n=fmt.number(count),
                    column=covariate,
                )
            )
            x = np.where(missing_x, 0.0, x)

    cells: list[ArmStats] = []
    for metric in metrics:
        y = numeric_values(data, metric)
        y = y if keep.all() else y[keep]
        ok = ~np.isnan(y)
        all_ok = bool(ok.all())
        if not all_ok:
            count = int((~ok).sum())
            notes.append(
                ntr(
                    "{n} user with no value in '{column}' was left out.",
                    "{n} users with no value in '{column}' were left out.",
                    count,
                    n=fmt.number(count),
                    column=metric,
                )
            )
        binary = is_binary(y)
        if cap_quantile is not None and not binary and ok.any():
            cap = float(np.quantile(y[ok], cap_quantile))
            n_capped = int((y[ok] > cap).sum())
            y = np.minimum(y, cap)
            notes.append(
                tr(
                    "'{column}' was capped at {cap} (the {quantile} point); {users} users "
                    "above it were counted at the cap.",
                    column=metric,
                    cap=fmt.decimal(float(f"{cap:.4g}"), 4),
                    quantile=fmt.percent(cap_quantile, 1),
                    users=fmt.number(n_capped),
                )
            )
        c = cell if all_ok else cell[ok]
        yv = y if all_ok else y[ok]
        n = _sums(c, size).reshape(n_seg, n_var)
        sy = _sums(c, size, yv).reshape(n_seg, n_var)
        syy = _sums(c, size, yv * yv).reshape(n_seg, n_var)
        use_cuped = x is not None
        if use_cuped:
            xv = x if all_ok else x[ok]
            sx = _sums(c, size, xv).reshape(n_seg, n_var)
            sxx = _sums(c, size, xv * xv).reshape(n_seg, n_var)
            sxy = _sums(c, size, xv * yv).reshape(n_seg, n_var)
        # all-users row first, then every segment
        blocks: list[tuple[str | None, slice | int]] = [(ALL_USERS, slice(None))]
        blocks += [(s, i) for i, s in enumerate(seg_levels)]
        for seg_name, idx in blocks:
            bn = n[idx].reshape(-1, n_var).sum(0)
            bsy = sy[idx].reshape(-1, n_var).sum(0)
            bsyy = syy[idx].reshape(-1, n_var).sum(0)
            reduction = float("nan")
            if use_cuped:
                bsy, bsyy, _, reduction = _cuped_moments(
                    bn, bsy, bsyy,
                    sx[idx].reshape(-1, n_var).sum(0),
                    sxx[idx].reshape(-1, n_var).sum(0),
                    sxy[idx].reshape(-1, n_var).sum(0),
                )  # fmt: skip
            for j, variant in enumerate(var_levels):
                if binary and not use_cuped:
                    stat: Statistic = Proportion(int(bn[j]), float(bsy[j]))
                else:
                    stat = SampleMean(int(bn[j]), float(bsy[j]), float(bsyy[j]))
                cells.append(ArmStats(metric, seg_name, variant, stat, reduction))
    return cells, users_per_variant, notes
