"""A result told three ways: a plain-language verdict, the abtest JSON, a safe CSV.

Only reads an ``AbTestResult``'s attributes; ``core.experiments.result`` imports this
module (for ``AbTestResult.to_dict``), never the reverse at run time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from core.experiments.plan import power_at_plan
from core.export import safe_csv
from core.i18n import N_, fmt, tr

if TYPE_CHECKING:  # annotations only: result.py imports this module
    from core.experiments.result import AbTestResult

_INTERVAL_NAME = {
    "frequentist": N_("CI"),
    "bayesian": N_("credible interval"),
    "sequential": N_("always-valid CI"),
}


def _clean(value: Any) -> Any:
    """A JSON-ready scalar: NumPy types to Python, NaN and NA to None."""
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    """The frame's rows as JSON-ready dicts."""
    cols = list(frame.columns)
    return [
        {c: _clean(v) for c, v in zip(cols, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]


def result_to_dict(result: AbTestResult) -> dict:
    """The abtest JSON object, the output contract of ``python -m core abtest``.

    Parameters
    ----------
    result : AbTestResult
        An analysis result.

    Returns
    -------
    dict
        ``srm_p_value`` and ``results`` first (the keys every consumer relies on), then
        ``engine``, ``correction``, ``ci``, ``control``, ``variants``, ``metrics``,
        ``segments``, ``min_n_per_arm``, ``srm``, ``heterogeneity``, ``verdict`` (one
        sentence per metric in ``verdicts``), ``messages``,
        ``users_in_several_variants`` (how many users were left out for that), ``plan``
        (the plan's fields, or None), ``power_at_plan`` (each engine's chance to call
        the planned effect at the planned sample, the sequential one at ``tuning_n``; None
        without a plan), ``progress`` (users so far over planned users, or
        None), ``final`` (whether the verdict is final), ``tuning_n`` (the sequential
        engine's tuning) and ``min_segment_users``. NaN becomes None.
    """
    srm = result.srm
    return {
        "srm_p_value": _clean(srm.p_value),
        "results": _records(result.results),
        "engine": result.engine,
        "correction": result.correction,
        "ci": result.ci,
        "control": result.control,
        "variants": list(result.variants),
        "metrics": list(result.metrics),
        "segments": list(result.segments),
        "min_n_per_arm": result.min_n_per_arm,
        "srm": {
            "p_value": _clean(srm.p_value),
            "chi2": _clean(srm.chi2),
            "observed": srm.observed,
            "expected": {k: _clean(v) for k, v in srm.expected.items()},
            "flagged": srm.flagged,
            "message": srm.message,
        },
        "heterogeneity": _records(result.heterogeneity),
        "verdict": verdict(result),
        "verdicts": {m: verdict(result, metric=m) for m in result.metrics},
        "messages": list(result.messages),
        "users_in_several_variants": len(result.mixed_users),
        "plan": result.plan.to_dict() if result.plan is not None else None,
        "power_at_plan": _power_at_plan(result),
        "progress": _clean(result.progress),
        "final": bool(result.is_final),
        "tuning_n": _clean(result.tuning_n),
        "min_segment_users": result.min_segment_users,
    }


def _power_at_plan(result: AbTestResult) -> dict | None:
    """Each engine's power at the plan (the sequential one at the result's tuning)."""
    if result.plan is None:
        return None
    return {
        engine: power_at_plan(
            result.plan, engine, tuning_n=result.tuning_n if engine == "sequential" else None
        )
        for engine in ("frequentist", "bayesian", "sequential")
    }


def results_to_csv(result: AbTestResult) -> bytes:
    """The results table as CSV bytes, written by the one CSV writer for downloads.

    Parameters
    ----------
    result : AbTestResult
        An analysis result.

    Returns
    -------
    bytes
        :func:`core.export.safe_csv` of ``result.results``: formula-like text cells
        neutralised, UTF-8 with a byte-order mark (so Excel shows Chinese segment names),
        CRLF row ends.
    """
    return safe_csv(result.results)


def small_group_message(smaller: int, needed: int, *, segment: bool) -> str:
    """The note of a comparison left without a verdict because a group is too small.

    Parameters
    ----------
    smaller : int
        Users in the smaller of the two groups.
    needed : int
        Users per group needed before a verdict (``min_n_per_arm``, or
        ``min_segment_users`` for a segment).
    segment : bool
        True for a segment's row ("too few users to say"), False for all users.

    Returns
    -------
    str
        One sentence in the current language.
    """
    if segment:
        return tr(
            "Too few users to say: {users} in the smaller group of this segment, "
            "fewer than the {needed} needed.",
            users=fmt.number(smaller),
            needed=fmt.number(needed),
        )
    return tr(
        "Only {users} users in the smaller group; wait for at least {needed} per group "
        "before calling a winner.",
        users=fmt.number(smaller),
        needed=fmt.number(needed),
    )


def _pct(x: float) -> str:
    """abs(x) as a percentage with two significant figures below 10 %."""
    v = abs(x) * 100
    return f"{v:.0f}" if v >= 10 else f"{v:.1f}".rstrip("0").rstrip(".")


def _signed_pct(x: float) -> str:
    """``_pct`` with a plus or minus sign."""
    s = _pct(x)
    return f"+{s}" if x > 0 and s != "0" else (f"\u2212{s}" if x < 0 and s != "0" else s)


def _interval(lift: float, lo: float, hi: float) -> str:
    """An interval of lifts in words, e.g. "4–20 %" or "−2 % to +8 %"."""
    if lift > 0 and lo > 0:
        return tr("{low}\u2013{high} %", low=_pct(lo), high=_pct(hi))
    if lift < 0 and hi < 0:
        return tr("{low}\u2013{high} %", low=_pct(hi), high=_pct(lo))
    return tr("{low} % to {high} %", low=_signed_pct(lo), high=_signed_pct(hi))


def _pick_row(rows: pd.DataFrame, variant: str | None) -> pd.Series | None:
    """The row of ``variant``, else the best one (significant first, then lift)."""
    if rows.empty:
        return None
    if variant is not None:
        hit = rows[rows["variant"] == variant]
        return hit.iloc[0] if len(hit) else None
    lift = rows["lift"].astype(float).fillna(rows["abs_diff"].astype(float)).fillna(-np.inf)
    ranked = rows.assign(_l=lift, _s=rows["significant"].astype(bool))
    return ranked.sort_values(["_s", "_l"], ascending=[False, False]).iloc[0]


def progress_sentence(result: AbTestResult) -> str:
    """How far along a planned test is, and what early looks cost; '' when final.

    Parameters
    ----------
    result : AbTestResult

    Returns
    -------
    str
        E.g. "not final: 38 % of the planned 7,246 users; checking early inflates false
        alarms — use the sequential engine for early looks or wait for the plan", or ''
        when there is no plan, the plan is reached, or the engine is sequential.
    """
    plan = result.plan
    if plan is None or result.is_final or result.progress is None:
        return ""
    share = result.progress * 100
    users = fmt.number(plan.planned_users)
    if share < 1:
        return tr(
            "not final: under 1 % of the planned {users} users; checking early inflates "
            "false alarms \u2014 use the sequential engine for early looks or wait for the plan",
            users=users,
        )
    return tr(
        "not final: {done} % of the planned {users} users; checking early inflates false "
        "alarms \u2014 use the sequential engine for early looks or wait for the plan",
        done=f"{share:.0f}",
        users=users,
    )


def _p(row: pd.Series) -> str:
    """The row's adjusted p-value (else the raw one) with two significant figures."""
    p = row["p_adjusted"] if pd.notna(row["p_adjusted"]) else row["p_value"]
    return f"{float(p):.2g}"


def _call(result: AbTestResult, row: pd.Series) -> str:
    """The decision part of the verdict: significant or not, final or not."""
    control = str(row["control"])
    if result.engine == "bayesian":
        ctw = float(row["chance_to_win"])
        shown = ">99" if ctw >= 0.995 else "<1" if ctw <= 0.005 else f"{ctw * 100:.0f}"
        if row["significant"]:
            call = tr(
                "{chance} % chance to beat {control} \u2014 a clear call",
                chance=shown,
                control=control,
            )
        else:
            call = tr(
                "{chance} % chance to beat {control} \u2014 not decisive",
                chance=shown,
                control=control,
            )
    elif result.engine == "sequential":
        call = (
            tr("significant (the always-valid interval holds at every look)")
            if row["significant"]
            else tr(
                "no clear difference so far (always-valid p = {p}); this engine stays valid "
                "as more users come in",
                p=_p(row),
            )
        )
    elif row["significant"]:
        call = tr("significant")
    elif result.is_final:
        call = tr("not significant (p = {p}): no clear difference", p=_p(row))
    else:
        call = tr("not significant (p = {p}) so far", p=_p(row))
    early = progress_sentence(result)
    if early:
        return tr("{call} \u2014 {progress}", call=call, progress=early)
    plan = result.plan
    if result.engine == "sequential" and plan is not None and result.progress < 1:
        share = max(result.progress * 100, 1)
        return tr(
            "{call}; {share} % of the planned {users} users so far",
            call=call,
            share=f"{share:.0f}",
            users=fmt.number(plan.planned_users),
        )
    if plan is not None and result.engine != "sequential":
        return tr(
            "{call} (the planned {users} users are in)",
            call=call,
            users=fmt.number(plan.planned_users),
        )
    if plan is None and result.engine != "sequential":
        return tr("{call}, assuming the test has reached its planned size", call=call)
    return call


def _body(result: AbTestResult, row: pd.Series, name: str, label: str) -> str:
    """The effect part of the verdict: which way, how much, and its interval."""
    lift = float(row["lift"])
    interval_name = _INTERVAL_NAME.get(result.engine, _INTERVAL_NAME["frequentist"])
    coverage = tr(
        "{coverage} % {interval}", coverage=f"{result.ci * 100:g}", interval=tr(interval_name)
    )
    if math.isfinite(lift) and math.isfinite(row["ci_low"]) and math.isfinite(row["ci_high"]):
        values = dict(
            variant=name,
            metric=label,
            size=_pct(lift),
            coverage=coverage,
            interval=_interval(lift, row["ci_low"], row["ci_high"]),
        )
        if lift > 0:
            return tr("{variant} raises {metric} by {size} % ({coverage} {interval})", **values)
        if lift < 0:
            return tr("{variant} lowers {metric} by {size} % ({coverage} {interval})", **values)
        values.pop("size")
        return tr("{variant} does not change {metric} ({coverage} {interval})", **values)
    return tr(
        "{variant} changes {metric} by {diff} ({coverage} {low} to {high})",
        variant=name,
        metric=label,
        diff=f"{float(row['abs_diff']):+.4g}",
        coverage=coverage,
        low=f"{float(row['abs_ci_low']):+.4g}",
        high=f"{float(row['abs_ci_high']):+.4g}",
    )


def verdict(
    result: AbTestResult,
    *,
    metric: str | None = None,
    variant: str | None = None,
    segment_names: Mapping[str, str] | None = None,
) -> str:
    """One plain sentence, e.g. "B raises conversion by 12 % (95 % CI 4–20 %) —
    significant; strongest for the bargain_hunter segment", in the current language.

    Parameters
    ----------
    result : AbTestResult
    metric : str, optional
        Defaults to the first metric.
    variant : str, optional
        Defaults to the best treatment (significant first, then largest lift).
    segment_names : mapping, optional
        Display names for segment labels (persona names).
    """
    frame = result.results
    if frame.empty:
        return tr("There is nothing to compare yet: the data needs users in at least two variants.")
    metric = metric or result.metrics[0]
    overall = frame[(frame["metric"] == metric) & frame["segment"].isna()]
    row = _pick_row(overall, variant)
    if row is None:
        return tr("No comparison is available for {metric}.", metric=metric)
    name, control, label = str(row["variant"]), str(row["control"]), metric.replace("_", " ")
    if row["message"]:
        sentence = tr(
            "{variant} vs {control} on {metric}: {message}",
            variant=name,
            control=control,
            metric=label,
            message=row["message"],
        )
        return _srm_warning(result, sentence)
    lift = float(row["lift"])
    sentence = tr(
        "{effect} \u2014 {call}", effect=_body(result, row, name, label), call=_call(result, row)
    )
    sentence = _srm_warning(result, sentence)
    seg_rows = frame[
        (frame["metric"] == metric) & frame["segment"].notna() & (frame["variant"] == name)
    ]
    direction = 1 if (math.isfinite(lift) and lift >= 0) else -1
    # Only segments big enough to be tested (no message) are ever named; "strongest"
    # needs a call on the adjusted p-value, and an untested segment is never "largest".
    seg_rows = seg_rows[(seg_rows["message"] == "") & seg_rows["lift"].notna()]
    good = seg_rows[seg_rows["significant"].astype(bool)]
    good = good[np.sign(good["lift"].astype(float)) == direction]
    if len(good):
        best = good.loc[(good["lift"].astype(float) * direction).idxmax(), "segment"]
        shown = (segment_names or {}).get(best, best)
        sentence = tr(
            "{sentence}; strongest for the {segment} segment", sentence=sentence, segment=shown
        )
    elif len(seg_rows):
        best = seg_rows.loc[(seg_rows["lift"].astype(float) * direction).idxmax(), "segment"]
        shown = (segment_names or {}).get(best, best)
        if len(seg_rows) > 1:
            sentence = tr(
                "{sentence}; the largest lift, not conclusive after correcting for {n} "
                "segments, is in the {segment} segment",
                sentence=sentence,
                n=fmt.number(len(seg_rows)),
                segment=shown,
            )
        else:
            sentence = tr(
                "{sentence}; the {segment} segment's lift is not conclusive",
                sentence=sentence,
                segment=shown,
            )
    het = result.heterogeneity
    if len(het):
        h = het[(het["metric"] == metric) & (het["variant"] == name)]
        if len(h) and pd.notna(h["p_value"].iloc[0]) and float(h["p_value"].iloc[0]) < 0.05:
            sentence = tr(
                "{sentence}; the effect differs between segments (p = {p})",
                sentence=sentence,
                p=f"{float(h['p_value'].iloc[0]):.2g}",
            )
    return sentence


def _srm_warning(result: AbTestResult, sentence: str) -> str:
    """The sentence, after a warning when the split does not match the plan."""
    if not result.srm.flagged:
        return sentence
    return tr(
        "Warning: the groups' sizes do not match the planned split, so results may be "
        "biased. {verdict}",
        verdict=sentence,
    )
