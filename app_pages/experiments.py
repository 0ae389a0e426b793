"""Experiments: which version won, for whom, and how sure to be; plus a power calculator."""

from __future__ import annotations

import streamlit as st

from core.common.markdown import escape_markdown
from core.errors import DataError
from core.experiments import (
    CORRECTIONS,
    ENGINES,
    analyze_aggregates,
    analyze_experiment,
    join_segments,
)
from ui.common import state
from ui.experiments import inputs, render
from ui.experiments import power as experiments_power
from ui.personas import data as personas_data

ENGINE_LABELS = {
    "frequentist": "Classic (p-values)",
    "bayesian": "Bayesian (chance to win)",
    "sequential": "Sequential (safe to check daily)",
}
CORRECTION_LABELS = {
    "holm": "Holm (strict)",
    "bh": "Benjamini-Hochberg (more discoveries)",
    "none": "None",
}
CAP_LABELS = {
    None: "No capping",
    0.99: "Cap at the 99th percentile",
    0.999: "Cap at 99.9th",
    0.95: "Cap at 95th",
}


@st.cache_data(show_spinner="Comparing the variants...", max_entries=16)
def _analyse_users(frame, variant_col, metrics, covariate, segment_col, labels, names, settings):
    """Analyse one row per user, optionally by the saved run's segments (cached)."""
    if labels is not None:
        frame = join_segments(frame, labels, names=names, name="saved_segment")
        segment_col = "saved_segment"
    return analyze_experiment(
        frame, variant_col=variant_col, metrics=list(metrics), covariate=covariate,
        segment_col=segment_col, **settings,
    )  # fmt: skip


@st.cache_data(show_spinner="Comparing the variants...", max_entries=16)
def _analyse_totals(table, settings):
    """Analyse typed-in or uploaded totals (cached; capping does not apply)."""
    settings = {k: v for k, v in settings.items() if k != "cap_quantile"}
    return analyze_aggregates(table, **settings)


def _current_run():
    """The saved segmentation in use, or None when there is none."""
    try:
        return state.current_run()
    except DataError:
        return None


def _variants(choice) -> list[str]:
    """The variant names found in the chosen data (at most 50), sorted."""
    col = choice.variant_col if choice.kind == "users" else "variant"
    if col is None or col not in choice.frame.columns:
        return []
    values = choice.frame[col].dropna().astype(str).str.strip()
    return sorted(v for v in values.unique()[:50] if v)


def _settings(choice) -> dict:
    """The method widgets; returns the keyword arguments of the analysis."""
    c1, c2, c3 = st.columns([2, 2, 1])
    engine = c1.radio(
        "Method", ENGINES, format_func=ENGINE_LABELS.get, key="exp_engine",
        help="Classic: p-values for a test planned in advance and read once. Bayesian: the "
        "chance each version is better, and how much you risk by picking it. Sequential: "
        "intervals that stay valid however often you look, for tests checked every day.",
    )  # fmt: skip
    correction = c2.radio(
        "Correction for many comparisons", CORRECTIONS, format_func=CORRECTION_LABELS.get,
        index=CORRECTIONS.index("holm"), key="exp_correction", help="Checking many segments and metrics finds chance "
        "winners; a correction keeps false alarms in check.",
    )  # fmt: skip
    ci = c3.select_slider("Interval", (0.8, 0.9, 0.95, 0.99), value=0.95, key="exp_ci")
    c4, c5, c6 = st.columns(3)
    variants = _variants(choice)
    control = c4.selectbox("Control group", variants or ["(none)"], key="exp_control")
    cap = c5.selectbox(
        "Heavy-tailed metrics (revenue)", list(CAP_LABELS), format_func=CAP_LABELS.get,
        key="exp_cap", disabled=choice.kind != "users",
    )  # fmt: skip
    min_n = c6.number_input(
        "Users per group before a verdict", min_value=2, value=100, step=50, key="exp_min_n"
    )
    split = st.text_input(
        "Planned split (blank = equal)", key="exp_split", placeholder="e.g. 50/50 or 60/40",
        help="How users were meant to be divided, control first; used by the SRM check.",
    )  # fmt: skip
    return {
        "engine": engine, "correction": correction, "ci": ci, "planned_split": split or None,
        "control": control if variants else None, "cap_quantile": cap,
        "min_n_per_arm": int(min_n),
    }  # fmt: skip


def _analyse(choice, settings, run):
    """Run the analysis the user's choice calls for."""
    if choice.kind == "totals":
        return _analyse_totals(choice.frame, settings)
    labels = names = None
    if choice.use_run and run is not None:
        if "user_id" not in choice.frame.columns:
            raise DataError(
                "To break down by the saved segmentation the data needs a 'user_id' column "
                "matching the users of the current dataset."
            )
        labels, names = run.labels, personas_data.run_names(run)
    return _analyse_users(
        choice.frame, choice.variant_col, choice.metrics, choice.covariate, choice.segment_col,
        labels, names, settings,
    )  # fmt: skip


def _results(result, run) -> None:
    """Banner, verdicts, lift chart, results table, heterogeneity and downloads."""
    render.srm_banner(result)
    render.verdicts(result, names=personas_data.run_names(run) if run is not None else None)
    metric = result.metrics[0]
    if len(result.metrics) > 1:
        metric = st.selectbox("Chart metric", result.metrics, key="exp_chart_metric")
    chart = render.lift_chart(result, metric)
    if chart is None:
        st.caption("No lift to chart for this metric (see the notes in the table).")
    else:
        st.altair_chart(chart, width="stretch")
    st.markdown("#### All comparisons")
    render.results_table(result)
    render.heterogeneity(result)
    render.downloads(result)


st.title("Experiments")
st.caption(
    "Compare the versions of a campaign (copy, image, video, offer): which one won, for "
    "which segment, and how sure you can be."
)
tab_analyse, tab_power = st.tabs(["Analyse a test", "Power calculator"])
with tab_analyse:
    run = _current_run()
    try:
        choice = inputs.data_source(has_run=run is not None)
    except DataError as exc:
        st.error(escape_markdown(exc))
        choice = None
    if choice is not None:
        st.markdown("#### How to compare")
        settings = _settings(choice)
        try:
            result = _analyse(choice, settings, run)
        except DataError as exc:
            st.error(escape_markdown(exc))
        else:
            _results(result, run)
with tab_power:
    experiments_power.power_tab()
