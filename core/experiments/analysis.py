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
from core.experiments.checks import (
    check_min_users,
    check_options,
    check_plan,
    order_variants,
    pick_control,
    refuse_degenerate_headline,
    resolve_tuning_n,
)
from core.experiments.inputs import parse_planned_split, require_columns
from core.experiments.options import Correction, Engine
from core.experiments.plan import ExperimentPlan
from core.experiments.report import small_group_message
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
from core.i18n import tr


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
    tuning_n: float | None = None,
    notes: Sequence[str] = (),
    plan: ExperimentPlan | None = None,
    min_segment_users: int | None = None,
) -> AbTestResult:
    """Compare every treatment with the control in every (metric, segment) cell.

    Multiple-comparison correction (Holm or Benjamini-Hochberg) runs in two families: the
    all-users rows (metrics x variants, the headline) and the per-segment rows
    (segments x metrics x variants), so adding a segment column never changes the
    headline. The Bayesian engine has no p-values, so no correction applies to it.
    Segments with fewer than ``min_segment_users`` users in either arm (default
    ``min_n_per_arm``) get "too few users to say" and are left out of their family.
    """
    check_options(engine, correction, ci)
    check_plan(plan)
    tuning = resolve_tuning_n(tuning_n, plan)
    min_n_per_arm = check_min_users(min_n_per_arm, "min_n_per_arm")
    min_seg = check_min_users(
        min_n_per_arm if min_segment_users is None else min_segment_users, "min_segment_users"
    )
    variants = list(dict.fromkeys(c.variant for c in cells))
    control = pick_control(variants, control)
    variants = order_variants(variants, control)
    metrics = list(dict.fromkeys(c.metric for c in cells))
    segments = [s for s in dict.fromkeys(c.segment for c in cells) if s is not None]
    index = {(c.metric, c.segment, c.variant): c for c in cells}
    refuse_degenerate_headline(index, metrics, variants)
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
                    base.stat, arm.stat, engine=engine, ci=ci, prior=prior, tuning_n=tuning
                )
                rows.append(_row(metric, seg, variant, control, comp, arm, min_n_per_arm, min_seg))
    frame = pd.DataFrame(rows, columns=[c for c in RESULT_COLUMNS if c != "p_adjusted"])
    frame.insert(RESULT_COLUMNS.index("p_adjusted"), "p_adjusted", np.nan)
    frame = _adjust_and_flag(frame, engine, correction, ci)
    if isinstance(planned_split, str):
        planned_split = parse_planned_split(planned_split, variants)
    srm = srm_test({v: users_per_variant.get(v, 0) for v in variants}, planned_split)
    het = _heterogeneity(frame, index, control) if segments else _empty_het()
    messages = list(notes)
    if srm.flagged:
        messages.insert(0, srm.message)
    if engine == "bayesian" and correction != "none":
        messages.append(
            tr("The Bayesian engine reports chances to win, so no p-value correction applies.")
        )
    progress = None
    if plan is not None:
        progress, note = _progress(frame, plan, users_per_variant, variants)
        messages += [note] if note else []
    return AbTestResult(
        srm=srm, results=frame, heterogeneity=het, engine=engine, correction=correction,
        ci=ci, control=control, variants=tuple(variants), metrics=tuple(metrics),
        segments=tuple(segments), min_n_per_arm=min_n_per_arm, messages=tuple(messages),
        plan=plan, tuning_n=tuning, progress=progress,
        is_final=plan is None or engine == "sequential" or bool(progress >= 1),
        min_segment_users=min_seg,
    )  # fmt: skip


def _progress(frame, plan: ExperimentPlan, users_per_variant, variants) -> tuple[float, str]:
    """Users so far in the plan's metric (all arms) over the planned users, and a note."""
    rows = frame[(frame["metric"] == plan.metric) & frame["segment"].isna()]
    if len(rows):
        users = int(rows["control_n"].iloc[0]) + int(rows["n"].sum())
        note = ""
    else:
        users = int(sum(users_per_variant.get(v, 0) for v in variants))
        note = tr(
            "The plan is for '{metric}', which is not among the metrics analysed; "
            "its progress counts every user in the experiment.",
            metric=plan.metric,
        )
    return users / plan.planned_users, note


def _row(metric, seg, variant, control, comp: Comparison, arm: ArmStats, min_n, min_seg) -> dict:
    """One results row (a dict) for one comparison; a small arm gets a message."""
    message = comp.message
    smaller = min(comp.n, comp.control_n)
    if not message and seg is None and smaller < min_n:
        message = small_group_message(smaller, min_n, segment=False)
    elif not message and seg is not None and smaller < min_seg:
        message = small_group_message(smaller, min_seg, segment=True)
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


def _adjust_and_flag(frame, engine, correction, ci) -> pd.DataFrame:
    """Correct p-values per family (all users, segments) and set ``significant``.

    Rows with a message (too few users, nothing to compare) are not tested, so they
    stay out of the family and keep a NaN adjusted p-value. A call needs the adjusted
    p-value below 1 - ci (Bayesian: chance to win beyond 1 - alpha/2 on either side)
    and both shown intervals clear of zero, so the sentence and its interval agree.
    """
    if frame.empty:
        return frame
    frame = frame.copy()
    tested = (frame["message"] == "").to_numpy()
    overall = frame["segment"].isna().to_numpy()
    p = frame["p_value"].to_numpy(dtype=float)
    adj = np.full(len(frame), np.nan)
    for family in (overall & tested, ~overall & tested):
        if family.any():
            adj[family] = adjust_p_values(p[family], correction)
    frame["p_adjusted"] = adj
    frame["significant"] = tested & decide_calls(
        engine, ci, p_adjusted=adj, chance_to_win=frame["chance_to_win"].to_numpy(dtype=float),
        abs_ci=(frame["abs_ci_low"].to_numpy(dtype=float), frame["abs_ci_high"].to_numpy(dtype=float)),
        rel_ci=(frame["ci_low"].to_numpy(dtype=float), frame["ci_high"].to_numpy(dtype=float)),
    )  # fmt: skip
    return frame


def decide_calls(
    engine: str,
    ci: float,
    *,
    p_adjusted: np.ndarray,
    chance_to_win: np.ndarray,
    abs_ci: tuple[np.ndarray, np.ndarray],
    rel_ci: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """The decision rule: which comparisons are a call ("significant", "a clear call").

    Parameters
    ----------
    engine : {"frequentist", "bayesian", "sequential"}
    ci : float
        Interval coverage; alpha = 1 - ci.
    p_adjusted : array
        Adjusted p-values (NaN for the Bayesian engine).
    chance_to_win : array
        P(treatment > control) (Bayesian engine; NaN otherwise).
    abs_ci, rel_ci : (array, array)
        The shown intervals of the difference and of the relative lift; NaN ends mean
        "not shown" (a relative lift against a control average of 0).

    Returns
    -------
    ndarray of bool
        A call needs the adjusted p-value below alpha, or for the Bayesian engine a
        chance to win above 1 - alpha/2 or below alpha/2 (two-sided, so an A/A test is
        called about alpha of the time), and every shown interval clear of zero, so that
        the sentence never contradicts its interval. The benchmark applies this same
        function to simulated arrays.
    """
    alpha = 1 - ci
    if engine == "bayesian":
        ctw = np.asarray(chance_to_win, dtype=float)
        decided = (ctw > 1 - alpha / 2) | (ctw < alpha / 2)
    else:
        decided = np.asarray(p_adjusted, dtype=float) < alpha
    clear = np.ones(decided.shape, dtype=bool)
    for lo, hi in (abs_ci, rel_ci):
        low, high = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
        shown = np.isfinite(low) | np.isfinite(high)
        clear &= ~shown | (low > 0) | (high < 0)
    return decided & clear


def _empty_het() -> pd.DataFrame:
    """An empty heterogeneity table with its columns."""
    return pd.DataFrame(columns=HETEROGENEITY_COLUMNS)


def _heterogeneity(frame: pd.DataFrame, index, control: str) -> pd.DataFrame:
    """Cochran's Q per (metric, variant) over the differences of the tested segments."""
    rows = []
    seg_rows = frame[frame["segment"].notna()]
    for (metric, variant), g in seg_rows.groupby(["metric", "variant"], sort=False):
        effects, variances = [], []
        for seg, message in zip(g["segment"], g["message"], strict=True):
            a, b = index[(metric, seg, variant)].stat, index[(metric, seg, control)].stat
            if message or a.n < 2 or b.n < 2:  # too few users to say: not a data point
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
    tuning_n: float | None = None,
    plan: ExperimentPlan | None = None,
    min_segment_users: int | None = None,
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
    tuning_n : float, optional
        Total users (both arms of a comparison) where the sequential confidence
        sequence is tightest; None takes the plan's (2 x ``n_per_arm``), else 5,000.
    plan : ExperimentPlan, optional
        The experiment's plan (:func:`make_plan`): gives the progress, whether a
        fixed-horizon verdict is final, and the sequential tuning.
    min_segment_users : int, optional
        Users per arm a segment needs before it gets a verdict (default
        ``min_n_per_arm``); smaller segments read "too few users to say".

    Returns
    -------
    AbTestResult
    """
    check_options(engine, correction, ci)
    check_plan(plan)
    resolve_tuning_n(tuning_n, plan)
    if cap_quantile is not None and not (0.5 <= cap_quantile < 1):
        raise DataError(
            tr("cap_quantile={value} should be between 0.5 and 1, e.g. 0.99.", value=cap_quantile)
        )
    if len(data) == 0:
        raise DataError(tr("The experiment data has no rows: upload one row per user."))
    require_columns(data, [variant_col])
    data, user_notes, mixed = one_row_per_user(data, user_col, variant_col)
    cells, users, notes = summarise_users(
        data, variant_col=variant_col, metrics=list(metrics), segment_col=segment_col,
        covariate=covariate, cap_quantile=cap_quantile,
    )  # fmt: skip
    result = compare_cells(
        cells, users, control=control, engine=engine, correction=correction, ci=ci,
        planned_split=planned_split, min_n_per_arm=min_n_per_arm, prior=prior,
        tuning_n=tuning_n, notes=[*user_notes, *notes], plan=plan,
        min_segment_users=min_segment_users,
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
    tuning_n: float | None = None,
    plan: ExperimentPlan | None = None,
    min_segment_users: int | None = None,
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
    control, engine, correction, ci, planned_split, min_n_per_arm, prior, tuning_n, plan, min_segment_users
        As in ``analyze_experiment``.

    Returns
    -------
    AbTestResult
    """
    check_options(engine, correction, ci)
    check_plan(plan)
    resolve_tuning_n(tuning_n, plan)
    cells, users = summarise_aggregates(table, segment_col=segment_col)
    return compare_cells(
        cells, users, control=control, engine=engine, correction=correction, ci=ci,
        planned_split=planned_split, min_n_per_arm=min_n_per_arm, prior=prior,
        tuning_n=tuning_n, plan=plan, min_segment_users=min_segment_users,
    )  # fmt: skip
