"""Experiment analysis: every treatment against the control, overall and per segment.

:func:`analyze_experiment` (one row per user) and :func:`analyze_aggregates` (typed-in
totals) reduce their input to arm statistics (``core.experiments.users`` /
``core.experiments.totals``) and hand them to :func:`compare_cells`, which runs the
chosen engine on every cell, corrects for multiple comparisons, checks the split (SRM)
and tests whether the effect differs between segments.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from core.errors import DataError
from core.experiments.inputs import parse_planned_split, require_columns
from core.experiments.options import CORRECTIONS, ENGINES, Correction, Engine
from core.experiments.result import HETEROGENEITY_COLUMNS, RESULT_COLUMNS, AbTestResult, ArmStats
from core.experiments.stats import (
    Comparison,
    Heterogeneity,
    Proportion,
    adjust_p_values,
    compare,
    heterogeneity_test,
    srm_test,
)
from core.experiments.totals import summarise_aggregates
from core.experiments.users import one_row_per_user, summarise_users


def _check_options(engine: str, correction: str, ci: float) -> None:
    """Refuse an unknown engine or correction, or a coverage outside [0.5, 1)."""
    if engine not in ENGINES:
        raise DataError(f"engine='{engine}' should be one of {', '.join(ENGINES)}.")
    if correction not in CORRECTIONS:
        raise DataError(f"correction='{correction}' should be one of {', '.join(CORRECTIONS)}.")
    if not (0.5 <= ci < 1):
        raise DataError(f"ci={ci} should be a coverage between 0.5 and 1, e.g. 0.95.")


def _pick_control(variants: Sequence[str], control: str | None) -> str:
    """The control: the one asked for (checked), else the first variant."""
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


def _order_variants(variants: list[str], control: str) -> list[str]:
    """The control first, then the other variants in their order."""
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
    """One results row (a dict) for one comparison; a small arm gets a message."""
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
    """Correct p-values per family (all users, segments) and set ``significant``."""
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
    """An empty heterogeneity table with its columns."""
    return pd.DataFrame(columns=HETEROGENEITY_COLUMNS)


def _heterogeneity(frame: pd.DataFrame, index, control: str) -> pd.DataFrame:
    """Cochran's Q per (metric, variant) over the per-segment differences."""
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
    require_columns(data, [variant_col])
    data, user_notes, mixed = one_row_per_user(data, user_col, variant_col)
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
