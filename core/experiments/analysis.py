"""Experiment analysis from per-user rows or typed-in aggregates.

Per-user data is reduced to sufficient statistics per (segment, variant) with
``np.bincount`` over factorised codes (one vectorised pass per metric, no Python loop
over users or segments), optional winsorisation and CUPED are applied on those sums, and
every treatment arm is compared with the control overall and within each segment.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from core.errors import DataError
from core.experiments.stats import (
    CORRECTIONS,
    ENGINES,
    Comparison,
    Correction,
    Engine,
    Heterogeneity,
    Proportion,
    SampleMean,
    SrmResult,
    Statistic,
    adjust_p_values,
    compare,
    heterogeneity_test,
    srm_test,
)

ALL_USERS = None  # the ``segment`` value of rows about every user
NO_SEGMENT = "(no segment)"
RESULT_COLUMNS = [
    "metric", "segment", "variant", "control", "n", "mean", "control_n", "control_mean",
    "lift", "ci_low", "ci_high", "abs_diff", "abs_ci_low", "abs_ci_high", "p_value",
    "p_adjusted", "chance_to_win", "expected_loss", "significant", "metric_type",
    "variance_reduction", "message",
]  # fmt: skip
HETEROGENEITY_COLUMNS = ["metric", "variant", "q", "df", "p_value", "i2", "message"]


@dataclasses.dataclass(frozen=True)
class ArmStats:
    """Statistics of one metric in one (segment, variant) cell, after capping/CUPED."""

    metric: str
    segment: str | None
    variant: str
    stat: Statistic
    variance_reduction: float = float("nan")


@dataclasses.dataclass(frozen=True)
class AbTestResult:
    """Everything the page, the CLI and the JSON contract need about one experiment.

    ``results`` has one row per (metric, segment, variant != control) with the columns in
    ``RESULT_COLUMNS``; ``segment`` is None for the all-users rows. ``mixed_users``
    are the ids found in more than one variant, left out of every comparison.
    """

    srm: SrmResult
    results: pd.DataFrame
    heterogeneity: pd.DataFrame
    engine: str
    correction: str
    ci: float
    control: str
    variants: tuple[str, ...]
    metrics: tuple[str, ...]
    segments: tuple[str, ...] = ()
    min_n_per_arm: int = 100
    messages: tuple[str, ...] = ()
    mixed_users: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """The abtest JSON contract (DESIGN.md) plus extra keys; NaN becomes null."""
        from core.experiments.report import result_to_dict

        return result_to_dict(self)


# ---------------------------------------------------------------------------------------
# validation helpers


def _require_columns(frame: pd.DataFrame, columns: Sequence[str | None]) -> None:
    cols = [c for c in columns if c is not None]
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, list(frame.columns)[:20]))
        raise DataError(
            f"Column '{missing[0]}' is not in the data (columns found: {have}); "
            "pick one of those or rename the column."
        )


def _numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    col = frame[column]
    if pd.api.types.is_bool_dtype(col):
        return col.to_numpy(dtype=float)
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = np.isnan(values) & col.notna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"Column '{column}' should hold numbers but row {row + 2} has "
            f"'{str(col.iloc[row])[:40]}'; fix or remove the non-numeric values."
        )
    return values


def _check_options(engine: str, correction: str, ci: float) -> None:
    if engine not in ENGINES:
        raise DataError(f"engine='{engine}' should be one of {', '.join(ENGINES)}.")
    if correction not in CORRECTIONS:
        raise DataError(f"correction='{correction}' should be one of {', '.join(CORRECTIONS)}.")
    if not (0.5 <= ci < 1):
        raise DataError(f"ci={ci} should be a coverage between 0.5 and 1, e.g. 0.95.")


def _pick_control(variants: Sequence[str], control: str | None) -> str:
    if len(variants) < 2:
        raise DataError(
            f"The experiment needs at least two variants but only found {list(variants)}; "
            "check the variant column."
        )
    if control is None:
        return variants[0]
    if control not in variants:
        raise DataError(
            f"Control '{control}' is not one of the variants ({', '.join(variants)}); "
            "pick one of those."
        )
    return control


# ---------------------------------------------------------------------------------------
# per-user -> sufficient statistics


def _sums(codes: np.ndarray, size: int, weights: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(codes, weights=weights, minlength=size)[:size]


def _is_binary(values: np.ndarray) -> bool:
    v = values[~np.isnan(values)]
    return v.size > 0 and bool(np.all((v == 0) | (v == 1)))


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


def _one_row_per_user(
    data: pd.DataFrame, user_col: str | None, variant_col: str
) -> tuple[pd.DataFrame, list[str], tuple[str, ...]]:
    """Leave out users seen in more than one variant (returned, and noted); refuse a user
    on several rows of one variant. Rows without a variant are left for the caller."""
    if user_col == "auto":
        user_col = next((c for c in data.columns if str(c).strip().lower() in _ID_NAMES), None)
    if user_col is None:
        return data, [], ()
    _require_columns(data, [user_col, variant_col])
    user_codes, users = pd.factorize(data[user_col])
    variant_codes, _ = pd.factorize(data[variant_col])
    assigned = variant_codes >= 0
    notes: list[str] = []
    no_id = assigned & (user_codes < 0)
    if no_id.any():
        notes.append(f"{int(no_id.sum()):,} rows without a user id were left out.")
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
                f"Every user in '{user_col}' appears in more than one variant (e.g. "
                f"'{mixed[0]}'), so there is nobody to compare; check that '{variant_col}' "
                "holds the group each user was assigned to."
            )
        who = "1 user was" if len(mixed) == 1 else f"{len(mixed):,} users were"
        notes.append(
            f"{who} found in more than one variant (e.g. '{mixed[0]}') and left out of "
            "every comparison."
        )
    rows_per_user = np.bincount(user_codes[kept], minlength=len(users))
    if (rows_per_user > 1).any():
        repeated = int(np.argmax(rows_per_user > 1))
        raise DataError(
            f"User '{users[repeated]}' is on {rows_per_user[repeated]:,} rows but experiment "
            "data needs one row per user; add up each user's rows first (e.g. total "
            "revenue, converted = 1 if any row converted) and load it again."
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

    Returns the cells (segment None = all users), the users per variant (for the SRM
    check) and plain-language notes (rows dropped, caps applied).
    """
    _require_columns(data, [variant_col, *metrics, segment_col, covariate])
    if not metrics:
        raise DataError("Choose at least one metric column to compare.")
    notes: list[str] = []
    var_raw = data[variant_col]
    keep = var_raw.notna().to_numpy()
    if (~keep).any():
        notes.append(f"{int((~keep).sum()):,} rows without a variant were left out.")
    var_codes, var_levels = pd.factorize(var_raw, sort=True)
    var_levels = [str(v) for v in var_levels]
    n_var = len(var_levels)
    if segment_col is not None:
        seg_codes, seg_levels = pd.factorize(data[segment_col], sort=True)
        seg_levels = [str(s) for s in seg_levels]
        if (seg_codes < 0).any():  # missing segment: its own group
            seg_codes = np.where(seg_codes < 0, len(seg_levels), seg_codes)
            seg_levels.append(NO_SEGMENT)
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
        x = _numeric(data, covariate)
        x = x if keep.all() else x[keep]
        missing_x = np.isnan(x)
        if missing_x.any():
            notes.append(
                f"{int(missing_x.sum()):,} users had no value in '{covariate}'; "
                "their pre-period value was taken as 0."
            )
            x = np.where(missing_x, 0.0, x)

    cells: list[ArmStats] = []
    for metric in metrics:
        y = _numeric(data, metric)
        y = y if keep.all() else y[keep]
        ok = ~np.isnan(y)
        all_ok = bool(ok.all())
        if not all_ok:
            notes.append(f"{int((~ok).sum()):,} users with no value in '{metric}' were left out.")
        binary = _is_binary(y)
        if cap_quantile is not None and not binary and ok.any():
            cap = float(np.quantile(y[ok], cap_quantile))
            n_capped = int((y[ok] > cap).sum())
            y = np.minimum(y, cap)
            notes.append(
                f"'{metric}' was capped at {cap:,.4g} (the {cap_quantile:.1%} point); "
                f"{n_capped:,} users above it were counted at the cap."
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


# ---------------------------------------------------------------------------------------
# aggregates typed in


def summarise_aggregates(
    table: pd.DataFrame, *, segment_col: str | None = None
) -> tuple[list[ArmStats], dict[str, int]]:
    """Read typed-in aggregates: one row per variant (and optionally metric / segment).

    Columns: ``variant``, ``n`` (or ``users``) and either ``conversions`` or ``sum`` and
    ``sum_squares``; optional ``metric`` and ``segment`` (or the column ``segment_col``).
    Two rows for the same (metric, segment, variant) are refused rather than one of them
    silently winning.
    """
    if segment_col is not None:
        _require_columns(table, [segment_col])
        others = [c for c in table.columns if str(c).strip().lower() == "segment"]
        table = table.drop(columns=[c for c in others if c != segment_col])
        table = table.rename(columns={segment_col: "segment"})
    t = table.rename(columns={c: str(c).strip().lower() for c in table.columns})
    t = t.rename(columns={"users": "n", "visitors": "n", "sum_of_squares": "sum_squares"})
    if "variant" not in t.columns or "n" not in t.columns:
        raise DataError(
            "Totals need a 'variant' column and an 'n' (users) column, plus 'conversions' "
            "or 'sum' and 'sum_squares'."
        )
    t = t[t["variant"].notna() & (t["variant"].astype("string").str.strip() != "")]
    has_conv = "conversions" in t.columns
    has_sums = "sum" in t.columns and "sum_squares" in t.columns
    if not (has_conv or has_sums):
        raise DataError("Add a 'conversions' column, or 'sum' and 'sum_squares' columns.")
    metric = t["metric"].astype("string") if "metric" in t.columns else None
    segment = t["segment"].astype("string") if "segment" in t.columns else None
    n = _numeric(t, "n")
    cells: list[ArmStats] = []
    for i in range(len(t)):
        variant = str(t["variant"].iloc[i]).strip()
        name = str(metric.iloc[i]) if metric is not None else "conversion"
        if not (math.isfinite(n[i]) and n[i] >= 0 and n[i] == int(n[i])):
            raise DataError(
                f"Row {i + 1} ({variant}): the number of users should be a whole number "
                "of 0 or more; fill it in."
            )
        if has_conv and not pd.isna(t["conversions"].iloc[i]):
            conv = float(pd.to_numeric(t["conversions"].iloc[i], errors="coerce"))
            if not (0 <= conv <= n[i]) or not n[i] >= 0 or not math.isfinite(conv):
                raise DataError(
                    f"Row {i + 1} ({variant}): conversions should be between 0 and the "
                    f"number of users ({n[i]:g}); correct the totals."
                )
            stat: Statistic = Proportion(int(n[i]), conv)
        elif has_sums:
            s = float(pd.to_numeric(t["sum"].iloc[i], errors="coerce"))
            ss = float(pd.to_numeric(t["sum_squares"].iloc[i], errors="coerce"))
            if not (math.isfinite(s) and math.isfinite(ss)) or n[i] < 0 or ss < 0:
                raise DataError(
                    f"Row {i + 1} ({variant}): 'n', 'sum' and 'sum_squares' should be numbers "
                    "(users, total of the metric, total of its squares)."
                )
            stat = SampleMean(int(n[i]), s, ss)
        else:
            raise DataError(f"Row {i + 1} ({variant}) has no conversions; fill it in.")
        seg = None if segment is None or pd.isna(segment.iloc[i]) else str(segment.iloc[i])
        cells.append(ArmStats(name, seg, variant, stat))
    if not cells:
        raise DataError("The totals table is empty: add one row per variant.")
    _refuse_repeated_rows(cells, segment_col)
    # all-users rows for segmented aggregates: sum the segments' statistics
    if any(c.segment is not None for c in cells):
        cells = _add_overall(cells)
    first_metric = cells[0].metric
    users: dict[str, int] = {}
    for c in cells:
        if c.metric == first_metric and c.segment is None:
            users[c.variant] = users.get(c.variant, 0) + int(c.stat.n)
    return cells, users


def _refuse_repeated_rows(cells: list[ArmStats], segment_col: str | None) -> None:
    """Raise when two rows give totals for the same (metric, segment, variant)."""
    first: dict[tuple, int] = {}
    for i, c in enumerate(cells):
        key = (c.metric, c.segment, c.variant)
        if key not in first:
            first[key] = i
            continue
        where = f" in segment {c.segment}" if c.segment is not None else ""
        fix = (
            f"check the '{segment_col}' column"
            if segment_col
            else "name the column that tells them apart as the segment column "
            "(--segment-col on the command line, or call it 'segment')"
        )
        raise DataError(
            f"Rows {first[key] + 1} and {i + 1} both give totals for variant {c.variant}"
            f"{where}; keep one row per variant, or {fix}."
        )


def _add_overall(cells: list[ArmStats]) -> list[ArmStats]:
    totals: dict[tuple[str, str], list[Statistic]] = {}
    for c in cells:
        if c.segment is not None:
            totals.setdefault((c.metric, c.variant), []).append(c.stat)
    out = [c for c in cells if c.segment is None]
    have = {(c.metric, c.variant) for c in out}
    for (metric, variant), stats_ in totals.items():
        if (metric, variant) in have:
            continue
        n = sum(s.n for s in stats_)
        if all(isinstance(s, Proportion) for s in stats_):
            out.append(ArmStats(metric, None, variant, Proportion(n, sum(s.sum for s in stats_))))
        else:
            out.append(
                ArmStats(
                    metric,
                    None,
                    variant,
                    SampleMean(n, sum(s.sum for s in stats_), sum(s.sum_squares for s in stats_)),
                )  # fmt: skip
            )
    return out + [c for c in cells if c.segment is not None]


# ---------------------------------------------------------------------------------------
# comparisons


def _order_variants(variants: list[str], control: str) -> list[str]:
    return [control] + [v for v in variants if v != control]


def compare_cells(
    cells: Sequence[ArmStats],
    users_per_variant: Mapping[str, int],
    *,
    control: str | None = None,
    engine: Engine = "frequentist",
    correction: Correction = "holm",
    ci: float = 0.95,
    planned_split: Mapping[str, float] | str | None = None,
    min_n_per_arm: int = 100,
    prior: tuple[float, float] = (1.0, 1.0),
    tuning_n: float = 5000,
    notes: Sequence[str] = (),
) -> AbTestResult:
    """Compare every treatment with the control in every (metric, segment) cell.

    Multiple-comparison correction (Holm or Benjamini-Hochberg) runs in two families: the
    all-users rows (metrics x variants, the headline) and the per-segment rows
    (segments x metrics x variants), so adding a segment column never changes the
    headline. The Bayesian engine has no p-values, so no correction applies to it.
    """
    _check_options(engine, correction, ci)
    variants = list(dict.fromkeys(c.variant for c in cells))
    control = _pick_control(variants, control)
    variants = _order_variants(variants, control)
    metrics = list(dict.fromkeys(c.metric for c in cells))
    segments = [s for s in dict.fromkeys(c.segment for c in cells) if s is not None]
    index = {(c.metric, c.segment, c.variant): c for c in cells}
    rows = []
    for metric in metrics:
        for seg in [None, *segments]:
            base = index.get((metric, seg, control))
            if base is None:
                continue
            for variant in variants[1:]:
                arm = index.get((metric, seg, variant))
                if arm is None:
                    continue
                comp = compare(
                    base.stat, arm.stat, engine=engine, ci=ci, prior=prior, tuning_n=tuning_n
                )
                rows.append(_row(metric, seg, variant, control, comp, arm, min_n_per_arm))
    frame = pd.DataFrame(rows, columns=[c for c in RESULT_COLUMNS if c != "p_adjusted"])
    frame.insert(RESULT_COLUMNS.index("p_adjusted"), "p_adjusted", np.nan)
    frame = _adjust_and_flag(frame, engine, correction, ci, min_n_per_arm)
    if isinstance(planned_split, str):
        planned_split = parse_planned_split(planned_split, variants)
    srm = srm_test({v: users_per_variant.get(v, 0) for v in variants}, planned_split)
    het = _heterogeneity(frame, index, control) if segments else _empty_het()
    messages = list(notes)
    if srm.flagged:
        messages.insert(0, srm.message)
    if engine == "bayesian" and correction != "none":
        messages.append(
            "The Bayesian engine reports chances to win, so no p-value correction applies."
        )
    return AbTestResult(
        srm=srm, results=frame, heterogeneity=het, engine=engine, correction=correction,
        ci=ci, control=control, variants=tuple(variants), metrics=tuple(metrics),
        segments=tuple(segments), min_n_per_arm=min_n_per_arm, messages=tuple(messages),
    )  # fmt: skip


def _row(metric, seg, variant, control, comp: Comparison, arm: ArmStats, min_n: int) -> dict:
    message = comp.message
    if not message and min(comp.n, comp.control_n) < min_n:
        message = (
            f"Only {min(comp.n, comp.control_n):,} users in the smaller group; wait for at "
            f"least {min_n:,} per group before calling a winner."
        )
    return {
        "metric": metric, "segment": seg, "variant": variant, "control": control,
        "n": comp.n, "mean": comp.mean, "control_n": comp.control_n,
        "control_mean": comp.control_mean, "lift": comp.lift, "ci_low": comp.ci_low,
        "ci_high": comp.ci_high, "abs_diff": comp.abs_diff, "abs_ci_low": comp.abs_ci_low,
        "abs_ci_high": comp.abs_ci_high, "p_value": comp.p_value,
        "chance_to_win": comp.chance_to_win, "expected_loss": comp.expected_loss,
        "significant": False,
        "metric_type": "rate" if isinstance(arm.stat, Proportion) else "mean",
        "variance_reduction": arm.variance_reduction, "message": message,
    }  # fmt: skip


def _adjust_and_flag(frame, engine, correction, ci, min_n) -> pd.DataFrame:
    if frame.empty:
        return frame
    frame = frame.copy()
    overall = frame["segment"].isna().to_numpy()
    p = frame["p_value"].to_numpy(dtype=float)
    adj = np.full(len(frame), np.nan)
    for family in (overall, ~overall):
        if family.any():
            adj[family] = adjust_p_values(p[family], correction)
    frame["p_adjusted"] = adj
    enough = (frame[["n", "control_n"]].min(axis=1) >= min_n).to_numpy()
    if engine == "bayesian":
        ctw = frame["chance_to_win"].to_numpy(dtype=float)
        decided = (ctw >= ci) | (ctw <= 1 - ci)
    else:
        decided = adj < (1 - ci)
    frame["significant"] = decided & enough & (frame["message"] == "").to_numpy()
    return frame


def _empty_het() -> pd.DataFrame:
    return pd.DataFrame(columns=HETEROGENEITY_COLUMNS)


def _heterogeneity(frame: pd.DataFrame, index, control: str) -> pd.DataFrame:
    rows = []
    seg_rows = frame[frame["segment"].notna()]
    for (metric, variant), g in seg_rows.groupby(["metric", "variant"], sort=False):
        effects, variances = [], []
        for seg in g["segment"]:
            a, b = index[(metric, seg, variant)].stat, index[(metric, seg, control)].stat
            if a.n < 2 or b.n < 2:
                continue
            effects.append(a.mean - b.mean)
            variances.append(a.variance / a.n + b.variance / b.n)
        h: Heterogeneity = heterogeneity_test(effects, variances)
        rows.append([metric, variant, h.q, h.df, h.p_value, h.i2, h.message])
    return pd.DataFrame(rows, columns=HETEROGENEITY_COLUMNS)


# ---------------------------------------------------------------------------------------
# public entry points


def analyze_experiment(
    data: pd.DataFrame,
    *,
    variant_col: str,
    metrics: Sequence[str],
    user_col: str | None = "auto",
    control: str | None = None,
    segment_col: str | None = None,
    covariate: str | None = None,
    engine: Engine = "frequentist",
    correction: Correction = "holm",
    ci: float = 0.95,
    cap_quantile: float | None = None,
    planned_split: Mapping[str, float] | str | None = None,
    min_n_per_arm: int = 100,
    prior: tuple[float, float] = (1.0, 1.0),
    tuning_n: float = 5000,
) -> AbTestResult:
    """Analyse an experiment from one row per user.

    Parameters
    ----------
    data : DataFrame
        One row per user (not mutated).
    variant_col : str
        Column naming each user's variant.
    metrics : sequence of str
        Metric columns, 0/1 (a rate) or numeric (a mean).
    user_col : str or None
        Column identifying the user; ``"auto"`` (default) takes a column named like a
        user id (``user_id``, ``uid``, ``id``, ``user``, ``用户id``) when there is one, None
        treats every row as a different user. Users found in more than one variant are
        left out and reported (``AbTestResult.mixed_users``); a user on several rows of
        one variant raises ``DataError`` (the data must hold one row per user).
    control : str, optional
        The control variant; the first in sort order when omitted.
    segment_col : str, optional
        Column with each user's segment, for per-segment effects.
    covariate : str, optional
        Pre-period column for CUPED (pooled theta; the reduction is reported).
    engine : {"frequentist", "bayesian", "sequential"}
    correction : {"none", "holm", "bh"}
    ci : float
        Interval coverage.
    cap_quantile : float, optional
        Winsorise non-0/1 metrics at this quantile of all users (e.g. 0.99).
    planned_split : mapping or str, optional
        Planned share per variant for the SRM check ({"A": 60, "B": 40} or "60/40",
        control first); equal when omitted.
    min_n_per_arm : int
        Below this many users in either arm no verdict is given.
    prior : (alpha, beta)
        Beta prior for rates under the Bayesian engine.
    tuning_n : float
        Total users where the sequential confidence sequence is tightest.

    Returns
    -------
    AbTestResult
    """
    _check_options(engine, correction, ci)
    if cap_quantile is not None and not (0.5 <= cap_quantile < 1):
        raise DataError(f"cap_quantile={cap_quantile} should be between 0.5 and 1, e.g. 0.99.")
    if len(data) == 0:
        raise DataError("The experiment data has no rows: upload one row per user.")
    _require_columns(data, [variant_col])
    data, user_notes, mixed = _one_row_per_user(data, user_col, variant_col)
    cells, users, notes = summarise_users(
        data, variant_col=variant_col, metrics=list(metrics), segment_col=segment_col,
        covariate=covariate, cap_quantile=cap_quantile,
    )  # fmt: skip
    result = compare_cells(
        cells, users, control=control, engine=engine, correction=correction, ci=ci,
        planned_split=planned_split, min_n_per_arm=min_n_per_arm, prior=prior,
        tuning_n=tuning_n, notes=[*user_notes, *notes],
    )  # fmt: skip
    return dataclasses.replace(result, mixed_users=mixed)


def analyze_aggregates(
    table: pd.DataFrame,
    *,
    segment_col: str | None = None,
    control: str | None = None,
    engine: Engine = "frequentist",
    correction: Correction = "holm",
    ci: float = 0.95,
    planned_split: Mapping[str, float] | str | None = None,
    min_n_per_arm: int = 100,
    prior: tuple[float, float] = (1.0, 1.0),
    tuning_n: float = 5000,
) -> AbTestResult:
    """Analyse typed-in totals, the way online A/B calculators take them.

    Parameters
    ----------
    table : DataFrame
        One row per variant with ``variant``, ``n`` and ``conversions`` (rates) or
        ``sum`` and ``sum_squares`` (means); optional ``metric`` and ``segment`` columns.
        Two rows for the same variant (and metric and segment) raise ``DataError``.
    segment_col : str, optional
        The column naming each row's segment when it is not called ``segment``; the
        all-users rows are then the sums over the segments.
    control, engine, correction, ci, planned_split, min_n_per_arm, prior, tuning_n
        As in ``analyze_experiment``.

    Returns
    -------
    AbTestResult
    """
    _check_options(engine, correction, ci)
    cells, users = summarise_aggregates(table, segment_col=segment_col)
    return compare_cells(
        cells, users, control=control, engine=engine, correction=correction, ci=ci,
        planned_split=planned_split, min_n_per_arm=min_n_per_arm, prior=prior,
        tuning_n=tuning_n,
    )  # fmt: skip


def is_aggregate_table(frame: pd.DataFrame) -> bool:
    """True when a table looks like typed-in totals rather than one row per user."""
    cols = {str(c).strip().lower() for c in frame.columns}
    return bool(
        "variant" in cols
        and ({"n", "users"} & cols)
        and ("conversions" in cols or {"sum", "sum_squares"} <= cols)
    )


def join_segments(
    data: pd.DataFrame,
    labels: pd.Series,
    *,
    user_col: str = "user_id",
    name: str = "segment",
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Return ``data`` with a ``name`` column holding each user's saved-run segment.

    Users missing from the run get "(not in run)"; ``names`` maps labels to persona names.
    """
    _require_columns(data, [user_col])
    mapping = labels.copy()
    mapping.index = mapping.index.astype(str)
    if names:
        mapping = mapping.map(lambda s: names.get(s, s))
    out = data.copy()
    seg = out[user_col].astype(str).map(mapping)
    out[name] = seg.fillna("(not in run)").astype(str)
    return out


_VARIANT_NAMES = ("variant", "group", "arm", "bucket", "treatment", "version", "组别", "版本")
_SEGMENT_NAMES = ("segment", "persona", "cluster", "cohort", "分群", "人群")
_ID_NAMES = ("user_id", "uid", "id", "user", "用户id")


def suggest_columns(frame: pd.DataFrame) -> dict:
    """Guess the variant, metric, covariate and segment columns of an experiment table.

    Returns a dict with ``variant`` (str or None), ``metrics`` (list of numeric columns,
    0/1 first), ``numeric`` (every numeric column), ``covariate`` (a ``pre``-period column
    or None), ``segment`` (or None) and ``categorical`` (text columns with few values).
    """
    lower = {c: str(c).strip().lower() for c in frame.columns}
    head = frame.head(5000)
    numeric, categorical = [], []
    for c in frame.columns:
        if lower[c] in _ID_NAMES:
            continue
        col = head[c]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            numeric.append(c)
        elif col.nunique(dropna=True) <= 50:
            categorical.append(c)
    variant = next((c for c in frame.columns if lower[c] in _VARIANT_NAMES), None)
    if variant is None:
        variant = next((c for c in categorical if 2 <= head[c].nunique() <= 6), None)
    covariate = next((c for c in numeric if lower[c].startswith(("pre", "before"))), None)
    segment = next((c for c in frame.columns if lower[c] in _SEGMENT_NAMES and c != variant), None)
    metrics = [c for c in numeric if c not in (covariate, variant)]
    binary = [c for c in metrics if _is_binary(head[c].to_numpy(dtype=float, na_value=np.nan))]
    binary.sort(key=lambda c: not any(k in lower[c] for k in ("conver", "purchase", "order")))
    metrics = binary + [c for c in metrics if c not in binary]
    return {
        "variant": variant,
        "metrics": metrics,
        "numeric": numeric,
        "covariate": covariate,
        "segment": segment,
        "categorical": [c for c in categorical if c != variant],
    }


def parse_planned_split(text: str | None, variants: Sequence[str]) -> dict[str, float] | None:
    """Read a planned split such as "50/50", "60/40", "34/33/33" or "A=60, B=40".

    Shares in the slash form follow the order of ``variants`` (control first). Returns
    None for an empty text (equal split).
    """
    text = (text or "").strip()
    if not text:
        return None
    try:
        if "=" in text:
            pairs = [p.split("=", 1) for p in text.replace(";", ",").split(",") if p.strip()]
            split = {k.strip(): float(v) for k, v in pairs}
        else:
            shares = [float(p) for p in text.replace(":", "/").split("/") if p.strip()]
            if len(shares) != len(variants):
                raise ValueError
            split = dict(zip(variants, shares, strict=True))
    except ValueError:
        raise DataError(
            f"Planned split '{text}' should list one share per variant, e.g. 50/50 or "
            f"{'=50, '.join(variants[:2])}=50 for {', '.join(variants)}."
        ) from None
    unknown = [k for k in split if k not in variants]
    positive = all(math.isfinite(v) and v > 0 for v in split.values())
    if unknown or not positive or set(split) != set(variants):
        raise DataError(
            f"Planned split '{text}' should give a positive share to each of "
            f"{', '.join(variants)} and name no other group."
        )
    return split
