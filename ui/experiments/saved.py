"""Saved experiments shown read-only: plan and progress, verdicts, lift chart, segments.

:func:`render_saved_experiments` is what a share link of a run shows, and what the
Experiments page shows under "Saved experiments". It draws from what was saved with each
experiment (its results and settings), so a shared viewer sees exactly what was saved,
fast, without the data being analysed again.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

import pandas as pd
import streamlit as st

from core.common.markdown import escape_markdown
from core.errors import DataError
from core.experiments import AbTestResult, verdict
from core.i18n import N_, fmt, tr
from core.store import ExperimentRecord
from ui.experiments import render

__all__ = [
    "EXPERIMENT_PAGE",
    "render_saved_experiments",
    "render_saved_experiment",
    "plan_progress",
    "plan_summary",
    "segment_table",
]

#: The page file a saved experiment opens on (``?experiment=<id>``).
EXPERIMENT_PAGE = "app_pages/experiments.py"
ENGINE_NAMES = {
    "frequentist": N_("classic (p-values)"),
    "bayesian": N_("Bayesian (chance to win)"),
    "sequential": N_("sequential (safe to check daily)"),
}


def in_current_language(results: Mapping) -> tuple[Mapping, list[str]]:
    """A saved result's rows and verdicts in the viewer's language.

    Parameters
    ----------
    results : mapping
        ``AbTestResult.to_dict()`` as saved, in the language it was saved in.

    Returns
    -------
    (mapping, list of str)
        The result with its small-group notes written again, and one verdict per metric,
        both in the current language; the saved ones when the result cannot be read back
        (an old or partial save).
    """
    try:
        result = AbTestResult.from_dict(results)
    except (DataError, KeyError, TypeError, ValueError):
        verdicts = results.get("verdicts") or {}
        saved = list(verdicts.values()) if isinstance(verdicts, Mapping) else []
        return results, saved or ([str(results["verdict"])] if results.get("verdict") else [])
    rows = [dict(r) for r in result.results.astype(object).to_dict("records")]
    for row in rows:  # NaN as None, as the JSON has it
        for key, value in row.items():
            if isinstance(value, float) and math.isnan(value):
                row[key] = None
    return {**results, "results": rows}, [verdict(result, metric=m) for m in result.metrics]


def plan_progress(results: Mapping, plan: Mapping | None) -> float | None:
    """How far along the plan the experiment is (0 to 1), or None without a plan.

    Parameters
    ----------
    results : mapping
        ``AbTestResult.to_dict()`` of the experiment (its ``progress`` is used when
        present, else the smallest group's users over the planned users per group).
    plan : mapping, optional
        ``ExperimentPlan.to_dict()``.

    Returns
    -------
    float or None
        Between 0 and 1 (capped at 1).
    """
    saved = results.get("progress")
    if isinstance(saved, (int, float)) and math.isfinite(saved):
        return max(0.0, min(1.0, float(saved)))
    if not plan or not plan.get("n_per_arm"):
        return None
    counts = (results.get("srm") or {}).get("observed") or {}
    if not counts:
        return None
    return max(0.0, min(1.0, min(counts.values()) / float(plan["n_per_arm"])))


def plan_summary(plan: Mapping | None) -> str | None:
    """The plan in one sentence, or None without a plan.

    Parameters
    ----------
    plan : mapping, optional
        ``ExperimentPlan.to_dict()``.

    Returns
    -------
    str or None
        E.g. "Plan: 3,623 users per group to detect a 20 % change in converted from
        10 % (alpha 0.05, power 80 %), until 2026-12-20."
    """
    if not plan:
        return None
    metric = str(plan.get("metric") or tr("the metric")).replace("_", " ")
    mde, baseline, rate = plan.get("mde"), plan.get("baseline"), plan.get("kind") == "rate"
    if mde is None:
        change = tr("a change")
    elif plan.get("absolute") and rate:
        change = tr("a change of {value} percentage points", value=f"{mde * 100:,.3g}")
    elif plan.get("absolute"):
        change = tr("a change of {value}", value=f"{mde:,.3g}")
    else:
        change = tr("a {value} % change", value=f"{mde * 100:.3g}")
    n = plan.get("n_per_arm")
    head = tr("Plan: {users} users per group", users=fmt.number(int(n))) if n else tr("Plan")
    if baseline is None:
        text = tr("{head} to detect {change} in {metric}", head=head, change=change, metric=metric)
    else:
        start = tr("{value} %", value=f"{baseline * 100:.3g}") if rate else f"{baseline:,.4g}"
        text = tr(
            "{head} to detect {change} in {metric} from {start}",
            head=head,
            change=change,
            metric=metric,
            start=start,
        )
    alpha, power = plan.get("alpha"), plan.get("power")
    if alpha is not None and power is not None:
        text = tr(
            "{plan} (false-alarm risk {alpha}, power {power})",
            plan=text,
            alpha=f"{alpha:g}",
            power=fmt.percent(power),
        )
    if plan.get("end_date"):
        end = plan["end_date"]
        try:
            end = fmt.date(dt.date.fromisoformat(str(end)))
        except ValueError:  # not an ISO date: shown as saved
            end = str(end)
        text = tr("{plan}, until {date}", plan=text, date=end)
    return tr("{plan}.", plan=text)


def segment_table(results: Mapping) -> pd.DataFrame:
    """Per-segment comparisons as a reader sees them; small segments say so in words.

    Parameters
    ----------
    results : mapping
        ``AbTestResult.to_dict()``.

    Returns
    -------
    pandas.DataFrame
        Columns Metric, Segment, Variant, Users, Lift, Interval, Verdict (headers and
        text in the current language); lift and
        interval are text ("+12 %", "4 % to 20 %"), blank when there is no verdict.
    """
    rows = []
    for r in results.get("results") or []:
        lift, lo, hi = r.get("lift"), r.get("ci_low"), r.get("ci_high")
        has_lift = isinstance(lift, (int, float)) and not r.get("message")
        if r.get("message"):
            call = str(r["message"])
        elif r.get("significant"):
            call = tr("clear result")
        else:
            call = tr("not clear yet")
        interval = ""
        if has_lift and lo is not None and hi is not None:
            interval = tr(
                "{low} to {high}",
                low=fmt.percent(lo, 1, signed=True),
                high=fmt.percent(hi, 1, signed=True),
            )
        rows.append(
            [
                r.get("metric"),
                r.get("segment") or tr(render.ALL_USERS),
                r.get("variant"),
                fmt.number(int((r.get("n") or 0) + (r.get("control_n") or 0))),
                fmt.percent(lift, 1, signed=True) if has_lift else "",
                interval,
                call,
            ]
        )
    return pd.DataFrame(rows, columns=[tr(c) for c in _SEGMENT_COLUMNS])


_SEGMENT_COLUMNS = (
    N_("Metric"), N_("Segment"), N_("Variant"), N_("Users"), N_("Lift"), N_("Interval"),
    N_("Verdict"),
)  # fmt: skip


def render_saved_experiment(record: ExperimentRecord, *, key: str = "saved") -> None:
    """One saved experiment, read-only: plan and progress, verdicts, chart, segments.

    Parameters
    ----------
    record : ExperimentRecord
        The saved experiment (its table is not needed).
    key : str
        Prefix of the element keys, unique on the page.
    """
    results, settings = record.results, record.settings
    plan = settings.get("plan") or None
    engine = str(results.get("engine") or settings.get("engine") or "frequentist")
    method = tr(ENGINE_NAMES[engine]) if engine in ENGINE_NAMES else engine
    facts = [tr("method: {method}", method=method)]
    ci = results.get("ci") or settings.get("ci")
    if ci:
        facts.append(tr("{coverage} intervals", coverage=fmt.percent(float(ci))))
    facts.append(tr("saved {date}", date=fmt.date(record.created_at.astimezone())))
    st.caption(escape_markdown(" · ".join(facts)))
    summary = plan_summary(plan)
    if summary:
        st.caption(escape_markdown(summary))
    progress = plan_progress(results, plan)
    if progress is not None:
        label = (
            tr("The plan is reached: this result is final.")
            if progress >= 1
            else tr("Not final: {share} of the planned users so far.", share=fmt.percent(progress))
        )
        st.progress(progress, text=label)
    results, sentences = in_current_language(results)
    for sentence in sentences:
        st.info(escape_markdown(sentence))
    frame = pd.DataFrame(results.get("results") or [])
    if frame.empty or "metric" not in frame.columns:
        st.caption(tr("No comparison was saved with this experiment."))
        return
    for metric in results.get("metrics") or list(dict.fromkeys(frame["metric"])):
        chart = render.lift_chart_of(
            frame, metric, control=str(results.get("control", "")), engine=engine,
            ci=float(ci or 0.95), segments=results.get("segments") or [],
            n_variants=len(results.get("variants") or [1, 2]),
            min_segment_users=results.get("min_segment_users"),
        )  # fmt: skip
        if chart is not None:
            st.altair_chart(chart, width="stretch", key=f"{key}_chart_{metric}")
    st.dataframe(segment_table(results), hide_index=True, width="stretch", key=f"{key}_table")


def render_saved_experiments(
    store, workspace_id: str, run_id: str | None, *, read_only: bool = True
) -> None:
    """The saved experiments of a run (or of the workspace), each drawn read-only.

    Parameters
    ----------
    store : core.store.Store
        The app store.
    workspace_id : str
        The workspace whose experiments are shown (never another's).
    run_id : str, optional
        Only the experiments broken down by this segmentation run; None shows all of the
        workspace's experiments.
    read_only : bool, default True
        True draws nothing that can be clicked (the share view). False adds a link that
        opens each experiment on the Experiments page.
    """
    experiments = store.list_experiments(workspace_id, run_id=run_id)
    if not experiments:
        st.caption(
            tr("No experiment has been saved for this segmentation yet.")
            if run_id
            else tr("No experiment has been saved in this workspace yet.")
        )
        return
    for record in experiments:
        with st.container(border=True):
            st.markdown(f"**{escape_markdown(record.name)}**")
            render_saved_experiment(record, key=f"saved_{record.id}")
            if not read_only:
                st.page_link(
                    EXPERIMENT_PAGE,
                    label=tr("Open on the Experiments page"),
                    icon=":material/open_in_new:",
                    query_params={"ws": workspace_id, "experiment": record.id},
                )
