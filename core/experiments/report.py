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

from core.export import safe_csv

if TYPE_CHECKING:  # annotations only: result.py imports this module
    from core.experiments.result import AbTestResult

_INTERVAL_NAME = {
    "frequentist": "CI",
    "bayesian": "credible interval",
    "sequential": "always-valid CI",
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
        (the plan's fields, or None), ``progress`` (users so far over planned users, or
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
        "progress": _clean(result.progress),
        "final": bool(result.is_final),
        "tuning_n": _clean(result.tuning_n),
        "min_segment_users": result.min_segment_users,
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
        return f"{_pct(lo)}\u2013{_pct(hi)} %"
    if lift < 0 and hi < 0:
        return f"{_pct(hi)}\u2013{_pct(lo)} %"
    return f"{_signed_pct(lo)} % to {_signed_pct(hi)} %"


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


def verdict(
    result: AbTestResult,
    *,
    metric: str | None = None,
    variant: str | None = None,
    segment_names: Mapping[str, str] | None = None,
) -> str:
    """One plain sentence, e.g. "B raises conversion by 12 % (95 % CI 4–20 %) —
    significant; strongest for the bargain_hunter segment".

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
        return "There is nothing to compare yet: the data needs users in at least two variants."
    metric = metric or result.metrics[0]
    overall = frame[(frame["metric"] == metric) & frame["segment"].isna()]
    row = _pick_row(overall, variant)
    if row is None:
        return f"No comparison is available for {metric}."
    prefix = (
        "Warning: the groups' sizes do not match the planned split, so results may be biased. "
        if result.srm.flagged
        else ""
    )
    name, control, label = str(row["variant"]), str(row["control"]), metric.replace("_", " ")
    if row["message"]:
        return f"{prefix}{name} vs {control} on {label}: {row['message']}"
    lift = float(row["lift"])
    coverage = f"{result.ci * 100:g} % {_INTERVAL_NAME.get(result.engine, 'CI')}"
    if math.isfinite(lift):
        verb = "raises" if lift > 0 else "lowers" if lift < 0 else "does not change"
        size = f" by {_pct(lift)} %" if lift != 0 else ""
        body = f"{name} {verb} {label}{size} ({coverage} {_interval(lift, row['ci_low'], row['ci_high'])})"
    else:
        body = (
            f"{name} changes {label} by {float(row['abs_diff']):+.4g} "
            f"({coverage} {float(row['abs_ci_low']):+.4g} to {float(row['abs_ci_high']):+.4g})"
        )
    if result.engine == "bayesian":
        ctw = float(row["chance_to_win"])
        shown = ">99" if ctw >= 0.995 else "<1" if ctw <= 0.005 else f"{ctw * 100:.0f}"
        call = f"{shown} % chance to beat {control}"
        call += " \u2014 a clear call" if row["significant"] else " \u2014 not decisive yet"
    elif row["significant"]:
        call = "significant"
    else:
        p = row["p_adjusted"] if pd.notna(row["p_adjusted"]) else row["p_value"]
        call = f"not significant yet (p = {float(p):.2g}): keep the test running or treat it as no difference"
    sentence = f"{prefix}{body} \u2014 {call}"
    seg_rows = frame[
        (frame["metric"] == metric) & frame["segment"].notna() & (frame["variant"] == name)
    ]
    direction = 1 if (math.isfinite(lift) and lift >= 0) else -1
    good = seg_rows[seg_rows["significant"].astype(bool)]
    good = good[np.sign(good["lift"].astype(float)) == direction]
    if len(good):
        best = good.loc[(good["lift"].astype(float) * direction).idxmax(), "segment"]
        shown = (segment_names or {}).get(best, best)
        sentence += f"; strongest for the {shown} segment"
    elif seg_rows["lift"].notna().any():
        best = seg_rows.loc[(seg_rows["lift"].astype(float) * direction).idxmax(), "segment"]
        shown = (segment_names or {}).get(best, best)
        sentence += f"; the largest (not yet conclusive) lift is in the {shown} segment"
    het = result.heterogeneity
    if len(het):
        h = het[(het["metric"] == metric) & (het["variant"] == name)]
        if len(h) and pd.notna(h["p_value"].iloc[0]) and float(h["p_value"].iloc[0]) < 0.05:
            sentence += (
                f"; the effect differs between segments (p = {float(h['p_value'].iloc[0]):.2g})"
            )
    return sentence
