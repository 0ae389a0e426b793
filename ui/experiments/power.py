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
from ui.experiments.planning import MEAN, POINTS, RATE, RELATIVE

_METHOD_LABELS = {
    "baseline_variance": "Online-calculator formula (Evan Miller)",
    "pooled": "Pooled two-proportion formula (Fleiss)",
    "unpooled": "Unpooled formula (Chow, Shao & Wang)",
    "cohens_h": "Cohen's h (statsmodels)",
}


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
    # keep the kind chosen here even if the plan's metric looks like the other kind
    st.session_state["_exp_plan_kind_for"] = st.session_state.get("exp_plan_metric")
    st.session_state["exp_pw_used"] = True


def power_tab() -> None:
    """How many users a test needs, and how many more days at current traffic."""
    st.subheader("How many users does the test need?")
    kind = st.radio(
        "What are you measuring?",
        ("A conversion rate", "An average per user (e.g. revenue)"),
        horizontal=True,
        key="exp_pw_metric",
    )
    if kind != "A conversion rate":
        _mean_power()
        return
    c1, c2, c3 = st.columns(3)
    baseline = c1.number_input(
        "Current conversion rate (%)", min_value=0.01, max_value=99.99, value=20.0, step=0.5,
        key="exp_pw_baseline",
    )  # fmt: skip
    kind = c2.radio(
        "The change to detect is in", ("percentage points", "percent of the rate"),
        key="exp_pw_kind",
    )  # fmt: skip
    mde = c3.number_input(
        "Smallest change worth detecting", min_value=0.01, value=5.0, step=0.5, key="exp_pw_mde"
    )
    c4, c5, c6 = st.columns(3)
    alpha = c4.select_slider(
        "False-alarm risk (alpha)", (0.01, 0.05, 0.1), value=0.05, key="exp_pw_alpha"
    )
    power = c5.select_slider("Power", (0.7, 0.8, 0.9, 0.95), value=0.8, key="exp_pw_power")
    method = c6.selectbox(
        "Formula", POWER_METHODS, format_func=_METHOD_LABELS.get, key="exp_pw_method"
    )
    c7, c8, c9 = st.columns(3)
    daily = c7.number_input(
        "Users entering per day (all groups)", min_value=0, value=500, key="exp_pw_daily"
    )
    so_far = c8.number_input("Users already in the test", min_value=0, value=0, key="exp_pw_sofar")
    arms = c9.number_input(
        "Groups, control included", min_value=2, max_value=10, value=2, key="exp_pw_arms"
    )
    absolute = kind == "percentage points"
    try:
        size, days, mde_now = _plan(
            baseline / 100, mde / 100, absolute, alpha, power, method, daily, so_far, int(arms)
        )
    except DataError as exc:
        st.error(escape_markdown(exc))
        return
    m1, m2, m3 = st.columns(3)
    m1.metric("Users needed per group", f"{size.n_per_arm:,}")
    m2.metric("Users needed in total", f"{size.n_per_arm * int(arms):,}")
    m3.metric("More days at current traffic", "—" if days is None else f"{days:,}")
    st.caption(
        f"Detects a move from {size.baseline:.2%} to {size.target:.2%} "
        f"(two-sided, alpha {alpha}, power {power:.0%}). Other formulas: "
        + ", ".join(f"{_METHOD_LABELS[k]} {v:,}" for k, v in size.by_method.items())
        + "."
    )
    st.button(
        "Use as this experiment's plan", key="exp_pw_use", icon=":material/flag:",
        on_click=_use_as_plan,
        kwargs={"kind": RATE, "baseline": baseline, "unit": POINTS if absolute else RELATIVE,
                "mde": mde, "alpha": alpha, "power": power, "daily": daily},
        help="Copies these numbers into the plan of the test on the 'Analyse a test' tab.",
    )  # fmt: skip
    if st.session_state.pop("exp_pw_used", False):
        st.success("Copied: the plan on the 'Analyse a test' tab now uses these numbers.")
    if mde_now is not None:
        if math.isnan(mde_now):
            st.caption("With the users so far, no realistic change would be detectable yet.")
        else:
            st.caption(
                f"With the {so_far:,} users so far, the smallest detectable change is "
                f"{mde_now * 100:.2f} percentage points."
            )


def _mean_power() -> None:
    """The power calculator for an average per user (revenue, time spent)."""
    c1, c2, c3 = st.columns(3)
    baseline = c1.number_input("Current average per user", value=50.0, key="exp_pwm_base")
    std = c2.number_input(
        "Standard deviation per user", min_value=0.0001, value=20.0, key="exp_pwm_std",
        help="From past data: how much the value varies between users.",
    )  # fmt: skip
    rel = c3.number_input(
        "Smallest change worth detecting (% of the average)", min_value=0.1, value=10.0,
        key="exp_pwm_mde",
    )  # fmt: skip
    c4, c5, c6, c7 = st.columns(4)
    alpha = c4.select_slider("False-alarm risk", (0.01, 0.05, 0.1), value=0.05, key="exp_pwm_a")
    power = c5.select_slider("Power", (0.7, 0.8, 0.9, 0.95), value=0.8, key="exp_pwm_p")
    daily = c6.number_input("Users per day (all groups)", min_value=0, value=500, key="exp_pwm_d")
    arms = c7.number_input("Groups", min_value=2, max_value=10, value=2, key="exp_pwm_arms")
    try:
        n, days = _plan_mean(baseline, std, baseline * rel / 100, alpha, power, daily, 0, int(arms))
    except DataError as exc:
        st.error(escape_markdown(exc))
        return
    m1, m2, m3 = st.columns(3)
    m1.metric("Users needed per group", f"{n:,}")
    m2.metric("Users needed in total", f"{n * int(arms):,}")
    m3.metric("Days at current traffic", "—" if days is None else f"{days:,}")
    st.button(
        "Use as this experiment's plan", key="exp_pwm_use", icon=":material/flag:",
        on_click=_use_as_plan,
        kwargs={"kind": MEAN, "baseline": baseline, "unit": RELATIVE, "mde": rel,
                "alpha": alpha, "power": power, "daily": daily, "std": std},
    )  # fmt: skip
    if st.session_state.pop("exp_pw_used", False):
        st.success("Copied: the plan on the 'Analyse a test' tab now uses these numbers.")
    st.caption(
        f"Detects a move from {baseline:,.4g} to {baseline * (1 + rel / 100):,.4g} "
        f"(two-sided, alpha {alpha}, power {power:.0%}; normal approximation, statsmodels)."
    )
