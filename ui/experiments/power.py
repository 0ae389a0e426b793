"""Experiments page: the power / sample-size calculator tab."""

from __future__ import annotations

import math

import streamlit as st

from core.common.markdown import escape_markdown
from core.errors import DataError
from core.experiments import (
    POWER_METHODS,
    days_needed,
    minimum_detectable_effect,
    sample_size,
    sample_size_means,
)
from core.i18n import N_, fmt, tr
from ui.experiments import render
from ui.experiments.planning import MEAN, POINTS, RATE, RELATIVE

_METHOD_LABELS = {
    "baseline_variance": N_("Online-calculator formula (Evan Miller)"),
    "pooled": N_("Pooled two-proportion formula (Fleiss)"),
    "unpooled": N_("Unpooled formula (Chow, Shao & Wang)"),
    "cohens_h": N_("Cohen's h (statsmodels)"),
}
# Option values of the calculator's radios (kept in session state); shown with tr().
_RATE_OPTION, _MEAN_OPTION = N_("A conversion rate"), N_("An average per user (e.g. revenue)")
_POINTS_OPTION, _PERCENT_OPTION = N_("percentage points"), N_("percent of the rate")
_COPIED = N_("Copied: the plan on the 'Analyse a test' tab now uses these numbers.")


def _method_label(method: str) -> str:
    """A power formula's name in the current language."""
    return tr(_METHOD_LABELS[method])


@st.cache_data(max_entries=64)
def _plan(baseline, mde, absolute, alpha, power, method, daily, so_far, arms):
    """Sample size, days needed and today's detectable effect for a rate (cached)."""
    size = sample_size(baseline, mde, absolute=absolute, alpha=alpha, power=power, method=method)
    days = (
        days_needed(size.n_per_arm, daily_users=daily, users_so_far=so_far, arms=arms)
        if daily > 0
        else None
    )
    mde_now = (
        minimum_detectable_effect(baseline, so_far / arms, alpha=alpha, power=power, method=method)
        if so_far >= 2 * arms
        else None
    )
    return size, days, mde_now


@st.cache_data(max_entries=64)
def _plan_mean(baseline, std, change, alpha, power, daily, so_far, arms):
    """Sample size and days needed for an average (cached)."""
    n = sample_size_means(std, change, alpha=alpha, power=power)
    days = days_needed(n, daily_users=daily, users_so_far=so_far, arms=arms) if daily > 0 else None
    return n, days


def _use_as_plan(**values) -> None:
    """Callback: copy the calculator's numbers into the plan widgets of the Analyse tab."""
    plan = {
        "exp_plan_on": True, "exp_plan_kind": values["kind"],
        "exp_plan_baseline": float(values["baseline"]), "exp_plan_unit": values["unit"],
        "exp_plan_mde": float(values["mde"]), "exp_plan_alpha": values["alpha"],
        "exp_plan_power": values["power"], "exp_plan_daily": int(values["daily"]),
    }  # fmt: skip
    if values.get("std") is not None:
        plan["exp_plan_std"] = float(values["std"])
    st.session_state.update(plan)
    # the plan section picks a metric of this kind and keeps the kind chosen here
    st.session_state["_exp_plan_handed"] = values["kind"]
    st.session_state["exp_pw_used"] = True


def power_tab() -> None:
    """How many users a test needs, and how many more days at current traffic."""
    st.subheader(tr("How many users does the test need?"))
    kind = st.radio(
        tr("What are you measuring?"),
        (_RATE_OPTION, _MEAN_OPTION),
        format_func=tr,
        horizontal=True,
        key="exp_pw_metric",
    )
    if kind != _RATE_OPTION:
        _mean_power()
        return
    c1, c2, c3 = st.columns(3)
    baseline = c1.number_input(
        tr("Current conversion rate (%)"), min_value=0.01, max_value=99.99, value=20.0,
        step=0.5, key="exp_pw_baseline",
    )  # fmt: skip
    kind = c2.radio(
        tr("The change to detect is in"), (_POINTS_OPTION, _PERCENT_OPTION), format_func=tr,
        key="exp_pw_kind",
    )  # fmt: skip
    mde = c3.number_input(
        tr("Smallest change worth detecting"), min_value=0.01, value=5.0, step=0.5,
        key="exp_pw_mde",
    )  # fmt: skip
    c4, c5, c6 = st.columns(3)
    alpha = c4.select_slider(
        tr("False-alarm risk (alpha)"), (0.01, 0.05, 0.1), value=0.05, key="exp_pw_alpha"
    )
    power = c5.select_slider(
        tr("Power"), (0.7, 0.8, 0.9, 0.95), value=0.8, format_func=fmt.percent,
        key="exp_pw_power",
    )  # fmt: skip
    method = c6.selectbox(
        tr("Formula"), POWER_METHODS, format_func=_method_label, key="exp_pw_method"
    )
    c7, c8, c9 = st.columns(3)
    daily = c7.number_input(
        tr("Users entering per day (all groups)"), min_value=0, value=500, key="exp_pw_daily"
    )
    so_far = c8.number_input(
        tr("Users already in the test"), min_value=0, value=0, key="exp_pw_sofar"
    )
    arms = c9.number_input(
        tr("Groups, control included"), min_value=2, max_value=10, value=2, key="exp_pw_arms"
    )
    absolute = kind == _POINTS_OPTION
    try:
        size, days, mde_now = _plan(
            baseline / 100, mde / 100, absolute, alpha, power, method, daily, so_far, int(arms)
        )
    except DataError as exc:
        st.error(escape_markdown(exc))
        return
    m1, m2, m3 = st.columns(3)
    m1.metric(tr("Users needed per group"), fmt.number(size.n_per_arm))
    m2.metric(tr("Users needed in total"), fmt.number(size.n_per_arm * int(arms)))
    m3.metric(tr("More days at current traffic"), "—" if days is None else fmt.number(days))
    others = render.join(
        tr("{method}: {users}", method=_method_label(k), users=fmt.number(v))
        for k, v in size.by_method.items()
    )
    st.caption(
        tr(
            "Detects a move from {start} to {target} (two-sided, alpha {alpha}, power "
            "{power}). Other formulas: {others}.",
            start=fmt.percent(size.baseline, 2),
            target=fmt.percent(size.target, 2),
            alpha=f"{alpha:g}",
            power=fmt.percent(power),
            others=others,
        )
    )
    st.button(
        tr("Use as this experiment's plan"), key="exp_pw_use", icon=":material/flag:",
        on_click=_use_as_plan,
        kwargs={"kind": RATE, "baseline": baseline, "unit": POINTS if absolute else RELATIVE,
                "mde": mde, "alpha": alpha, "power": power, "daily": daily},
        help=tr("Copies these numbers into the plan of the test on the 'Analyse a test' tab."),
    )  # fmt: skip
    if st.session_state.pop("exp_pw_used", False):
        st.success(tr(_COPIED))
    if mde_now is not None:
        if math.isnan(mde_now):
            st.caption(tr("With the users so far, no realistic change would be detectable yet."))
        else:
            st.caption(
                tr(
                    "With the {users} users so far, the smallest detectable change is "
                    "{points} percentage points.",
                    users=fmt.number(so_far),
                    points=fmt.number(mde_now * 100, 2),
                )
            )


def _mean_power() -> None:
    """The power calculator for an average per user (revenue, time spent)."""
    c1, c2, c3 = st.columns(3)
    baseline = c1.number_input(tr("Current average per user"), value=50.0, key="exp_pwm_base")
    std = c2.number_input(
        tr("Standard deviation per user"), min_value=0.0001, value=20.0, key="exp_pwm_std",
        help=tr("From past data: how much the value varies between users."),
    )  # fmt: skip
    rel = c3.number_input(
        tr("Smallest change worth detecting (% of the average)"), min_value=0.1, value=10.0,
        key="exp_pwm_mde",
    )  # fmt: skip
    c4, c5, c6, c7 = st.columns(4)
    alpha = c4.select_slider(tr("False-alarm risk"), (0.01, 0.05, 0.1), value=0.05, key="exp_pwm_a")
    power = c5.select_slider(
        tr("Power"), (0.7, 0.8, 0.9, 0.95), value=0.8, format_func=fmt.percent, key="exp_pwm_p"
    )
    daily = c6.number_input(
        tr("Users per day (all groups)"), min_value=0, value=500, key="exp_pwm_d"
    )
    arms = c7.number_input(tr("Groups"), min_value=2, max_value=10, value=2, key="exp_pwm_arms")
    try:
        n, days = _plan_mean(baseline, std, baseline * rel / 100, alpha, power, daily, 0, int(arms))
    except DataError as exc:
        st.error(escape_markdown(exc))
        return
    m1, m2, m3 = st.columns(3)
    m1.metric(tr("Users needed per group"), fmt.number(n))
    m2.metric(tr("Users needed in total"), fmt.number(n * int(arms)))
    m3.metric(tr("Days at current traffic"), "—" if days is None else fmt.number(days))
    st.button(
        tr("Use as this experiment's plan"), key="exp_pwm_use", icon=":material/flag:",
        on_click=_use_as_plan,
        kwargs={"kind": MEAN, "baseline": baseline, "unit": RELATIVE, "mde": rel,
                "alpha": alpha, "power": power, "daily": daily, "std": std},
    )  # fmt: skip
    if st.session_state.pop("exp_pw_used", False):
        st.success(tr(_COPIED))
    st.caption(
        tr(
            "Detects a move from {start} to {target} (two-sided, alpha {alpha}, power "
            "{power}; normal approximation, statsmodels).",
            start=fmt.decimal(float(f"{baseline:.4g}"), 4),
            target=fmt.decimal(float(f"{baseline * (1 + rel / 100):.4g}"), 4),
            alpha=f"{alpha:g}",
            power=fmt.percent(power),
        )
    )
