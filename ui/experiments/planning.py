"""Experiments page: the experiment's plan, the sequential tuning, and how far along it is.

The plan (metric, baseline, smallest change worth detecting, alpha, power, daily users)
gives the users needed per group and the end date (``core.experiments.make_plan``); the
analysis then says whether its verdict is final. Widget values live under ``exp_plan_*``
keys so a saved experiment can put them back (see :mod:`ui.experiments.library`).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core.common.markdown import escape_markdown
from core.errors import DataError
from core.experiments import ENGINES, ExperimentPlan, make_plan, power_at_plan
from core.i18n import N_, fmt, tr
from ui.experiments import render

__all__ = [
    "PLAN_DEFAULTS",
    "plan_section",
    "plan_widget_values",
    "tuning_input",
    "progress",
    "use_sequential",
    "rate_metrics",
]

# Option values kept in session state and saved plans; shown translated (format_func=tr).
RATE, MEAN = N_("A conversion rate"), N_("An average per user")
RELATIVE, POINTS, UNITS = (
    N_("percent of the current value"),
    N_("percentage points"),
    N_("the metric's unit"),
)
#: Widget keys of the plan section and their starting values.
PLAN_DEFAULTS = {
    "exp_plan_on": False,
    "exp_plan_kind": RATE,
    "exp_plan_baseline": 5.0,
    "exp_plan_std": 20.0,
    "exp_plan_unit": RELATIVE,
    "exp_plan_mde": 10.0,
    "exp_plan_alpha": 0.05,
    "exp_plan_power": 0.8,
    "exp_plan_daily": 0,
    "exp_plan_start": None,
}
_ENGINE_SHORT = {
    "frequentist": N_("classic"),
    "bayesian": N_("Bayesian"),
    "sequential": N_("sequential"),
}


def _defaults() -> None:
    """Give every plan widget its starting value once (no value= on the widgets)."""
    for key, value in PLAN_DEFAULTS.items():
        if key == "exp_plan_start" and value is None:
            value = dt.date.today()
        st.session_state.setdefault(key, value)


@st.cache_data(max_entries=64)
def _make_plan(metric, kind, baseline, mde, absolute, alpha, power, std, arms, daily, start):
    """make_plan, cached on its inputs."""
    return make_plan(
        metric, kind=kind, baseline=baseline, mde=mde, absolute=absolute, alpha=alpha,
        power=power, std=std, arms=arms, daily_users=daily, start_date=start,
    )  # fmt: skip


def plan_widget_values(plan: dict) -> dict:
    """The plan widgets' values that show a saved plan (``ExperimentPlan.to_dict()``).

    Parameters
    ----------
    plan : dict
        A saved plan.

    Returns
    -------
    dict
        Widget key to value, for ``st.session_state``.
    """
    rate = plan.get("kind") == "rate"
    absolute = bool(plan.get("absolute"))
    scale = 100 if rate else 1
    values = {
        "exp_plan_on": True,
        "exp_plan_kind": RATE if rate else MEAN,
        "exp_plan_baseline": float(plan["baseline"]) * scale,
        "exp_plan_unit": (POINTS if rate else UNITS) if absolute else RELATIVE,
        "exp_plan_mde": float(plan["mde"]) * (scale if absolute else 100),
        "exp_plan_alpha": float(plan.get("alpha", 0.05)),
        "exp_plan_power": float(plan.get("power", 0.8)),
        "exp_plan_daily": int(plan.get("daily_users") or 0),
    }
    if plan.get("metric"):
        values["exp_plan_metric"] = str(plan["metric"])
    if plan.get("std") is not None:
        values["exp_plan_std"] = float(plan["std"])
    if plan.get("start_date"):
        values["exp_plan_start"] = dt.date.fromisoformat(str(plan["start_date"]))
    return values


def plan_section(metrics: list[str], rate_metrics: set[str], arms: int) -> ExperimentPlan | None:
    """The plan widgets; returns the plan, or None when there is none or it is impossible.

    An impossible plan shows one sentence (``st.error``) and sets ``exp_plan_error`` so
    the save button can refuse it.
    """
    _defaults()
    st.session_state["exp_plan_error"] = None
    on = st.toggle(
        tr("This experiment has a plan"), key="exp_plan_on",
        help=tr("Fix, before the data comes in, the change worth detecting and the users "
                "that takes. The verdict then says whether it is final, and how far along "
                "the test is."),
    )  # fmt: skip
    if not on:
        st.caption(
            tr(
                "Without a plan the verdict assumes the test ran to its planned size. Set one "
                "here, or with the Power calculator tab's 'Use as this experiment's plan'."
            )
        )
        return None
    options = metrics or ["conversion"]
    handed = st.session_state.pop("_exp_plan_handed", None)  # a kind from the calculator
    if handed is not None:
        fits = [m for m in options if (m in rate_metrics) == (handed == RATE)]
        st.session_state["exp_plan_metric"] = (fits or options)[0]
        st.session_state["_exp_plan_kind_for"] = st.session_state["exp_plan_metric"]
    if st.session_state.get("exp_plan_metric") not in options:
        st.session_state["exp_plan_metric"] = options[0]
    c1, c2, c3 = st.columns(3)
    metric = c1.selectbox(tr("Metric the plan is for"), options, key="exp_plan_metric")
    if st.session_state.get("_exp_plan_kind_for") != metric:
        # follow the metric's type until the user picks one for this metric
        st.session_state["_exp_plan_kind_for"] = metric
        st.session_state["exp_plan_kind"] = RATE if metric in rate_metrics else MEAN
    kind = c2.radio(tr("It is"), (RATE, MEAN), format_func=tr, key="exp_plan_kind")
    rate = kind == RATE
    baseline = c3.number_input(
        tr("Current conversion rate (%)") if rate else tr("Current average per user"),
        min_value=0.0, step=0.5, key="exp_plan_baseline",
    )  # fmt: skip
    c4, c5, c6 = st.columns(3)
    unit = c4.radio(
        tr("The change to detect is in"), (RELATIVE, POINTS) if rate else (RELATIVE,),
        format_func=tr, key="exp_plan_unit",
    )  # fmt: skip
    mde = c5.number_input(
        tr("Smallest change worth detecting"), min_value=0.0, step=1.0, key="exp_plan_mde",
        help=tr("In percent of the current value (10 = a 10 % rise), or in percentage points."),
    )  # fmt: skip
    std = (
        None
        if rate
        else c6.number_input(tr("Standard deviation per user"), min_value=0.0, key="exp_plan_std")
    )
    c7, c8, c9, c10 = st.columns(4)
    alpha = c7.select_slider(
        tr("False-alarm risk (alpha)"), (0.01, 0.05, 0.1), key="exp_plan_alpha"
    )
    power = c8.select_slider(
        tr("Power"), (0.7, 0.8, 0.9, 0.95), format_func=fmt.percent, key="exp_plan_power"
    )
    daily = c9.number_input(tr("Users per day (all groups)"), min_value=0, key="exp_plan_daily")
    start = c10.date_input(tr("Test started on"), key="exp_plan_start")
    absolute = unit != RELATIVE
    scale = 100 if rate else 1
    try:
        plan = _make_plan(
            metric, "rate" if rate else "mean", baseline / scale,
            mde / (scale if absolute else 100), absolute, alpha, power, std, int(arms),
            daily or None, start,
        )  # fmt: skip
    except DataError as exc:
        st.session_state["exp_plan_error"] = str(exc)
        st.error(escape_markdown(exc))
        return None
    m1, m2, m3 = st.columns(3)
    m1.metric(tr("Users needed per group"), fmt.number(plan.n_per_arm))
    m2.metric(tr("Users needed in total"), fmt.number(plan.planned_users))
    m3.metric(tr("Planned end"), "—" if plan.end_date is None else fmt.date(plan.end_date))
    if rate:
        start_value, target = fmt.percent(plan.baseline, 2), fmt.percent(plan.target, 2)
    else:
        start_value = fmt.decimal(float(f"{plan.baseline:.4g}"), 4)
        target = fmt.decimal(float(f"{plan.target:.4g}"), 4)
    caption = tr(
        "Detects a move from {start} to {target} (two-sided, alpha {alpha}, power {power}, "
        "{groups} groups).",
        start=start_value,
        target=target,
        alpha=f"{alpha:g}",
        power=fmt.percent(power),
        groups=fmt.number(int(arms)),
    )
    if not daily:
        caption = tr("{caption} Give the users per day for an end date.", caption=caption)
    st.caption(caption)
    return plan


def tuning_input(plan: ExperimentPlan | None, engine: str) -> float | None:
    """The sequential engine's tuning (users where it is tightest) and its power at the plan.

    Defaults to the planned users of one comparison (both groups), else 5,000; follows
    the plan while the user has not typed another value. Returns None for the other
    engines (the analysis then ignores it).
    """
    default = int(plan.comparison_users) if plan is not None else 5000
    if st.session_state.get("_exp_tuning_default") != default:
        if st.session_state.get("exp_tuning") in (
            None,
            st.session_state.get("_exp_tuning_default"),
        ):
            st.session_state["exp_tuning"] = default
        st.session_state["_exp_tuning_default"] = default
    st.session_state.setdefault("exp_tuning", default)
    if engine != "sequential":
        _power_line(plan, None)
        return None
    c1, c2 = st.columns([1, 2], vertical_alignment="bottom")
    tuning = c1.number_input(
        tr("Sequential tuning: users (both groups) where the check is tightest"),
        min_value=100, step=1000, key="exp_tuning",
        help=tr("The sequential method is most precise around this many users. It starts "
                "at the plan's users (both groups of one comparison); a much larger value "
                "makes early looks stricter, a smaller one makes the final look stricter."),
    )  # fmt: skip
    with c2:
        _power_line(plan, float(tuning))
    return float(tuning)


def _power_line(plan: ExperimentPlan | None, tuning: float | None) -> None:
    """Each method's chance to call the planned effect at the plan's users."""
    if plan is None:
        return
    parts = []
    for engine in ENGINES:
        chance = power_at_plan(plan, engine, tuning_n=tuning if engine == "sequential" else None)
        parts.append(
            tr("{method} {chance}", method=tr(_ENGINE_SHORT[engine]), chance=fmt.percent(chance))
        )
    st.caption(
        tr(
            "Chance to detect the planned change at the planned users: {chances}.",
            chances=render.join(parts),
        )
    )


def use_sequential() -> None:
    """Callback: switch the analysis to the sequential method."""
    st.session_state["exp_engine"] = "sequential"


def progress(result) -> None:
    """How far along the plan the test is, and plainly whether the verdict is final."""
    plan = result.plan
    if plan is None or result.progress is None:
        return
    share = float(result.progress)
    users = int(round(share * plan.planned_users))
    planned = fmt.number(plan.planned_users)
    if share >= 1:
        st.progress(
            1.0,
            text=tr(
                "Plan reached: {users} of {planned} planned users.",
                users=fmt.number(users),
                planned=planned,
            ),
        )
        return
    values = dict(done=fmt.percent(share), users=fmt.number(users), planned=planned)
    if share >= 0.01:
        text = tr("{done} of the plan: {users} of {planned} planned users.", **values)
    else:
        text = tr("Under 1% of the plan: {users} of {planned} planned users.", **values)
    st.progress(max(0.0, share), text=text)
    if result.is_final:  # sequential: valid at every look
        st.caption(
            tr(
                "The sequential method's intervals hold however often you look, so this "
                "verdict can be acted on before the plan is reached."
            )
        )
        return
    if share >= 0.01:
        warning = tr("**Not final yet**: only {done} of the planned users are in.", **values)
    else:
        warning = tr("**Not final yet**: only under 1% of the planned users are in.")
    if plan.daily_users:
        days = -(-(plan.planned_users - users) // int(max(1, plan.daily_users)))
        warning = tr(
            "{warning} About {days} more days at {daily} users a day.",
            warning=warning,
            days=fmt.number(days),
            daily=fmt.number(int(plan.daily_users)),
        )
    st.warning(
        tr(
            "{warning} Reading a classic or Bayesian result early and stopping at the first "
            "clear call raises the false-alarm risk several times over; wait for the plan, "
            "or check early with the sequential method.",
            warning=warning,
        ),
        icon=":material/hourglass_top:",
    )
    st.button(
        tr("Check early with the sequential method"), key="exp_use_sequential",
        on_click=use_sequential, icon=":material/speed:",
    )  # fmt: skip


def rate_metrics(frame: pd.DataFrame, metrics: list[str]) -> set[str]:
    """The metrics whose values are all 0 or 1 (a conversion), from the first rows."""
    head = frame.head(5000)
    out = set()
    for m in metrics:
        if m in head.columns:
            values = pd.to_numeric(head[m], errors="coerce").dropna()
            if len(values) and values.isin([0, 1]).all():
                out.add(m)
    return out
