"""Experiments: which version won, for whom, how sure to be and how far along the plan;
saved experiments reopen by link (``?experiment=<id>``); plus a power calculator."""

from __future__ import annotations

import streamlit as st

from core import i18n
from core.common.markdown import escape_markdown
from core.errors import DataError
from core.experiments import (
    CORRECTIONS,
    ENGINES,
    analyze_aggregates,
    analyze_experiment,
    join_segments,
)
from core.i18n import N_, fmt, tr
from ui.common import state
from ui.experiments import inputs, library, render, saved
from ui.experiments import planning as experiments_planning
from ui.experiments import power as experiments_power
from ui.personas import data as personas_data

ENGINE_LABELS = {
    "frequentist": N_("Classic (p-values)"),
    "bayesian": N_("Bayesian (chance to win)"),
    "sequential": N_("Sequential (safe to check daily)"),
}
CORRECTION_LABELS = {
    "holm": N_("Holm (strict)"),
    "bh": N_("Benjamini-Hochberg (more discoveries)"),
    "none": N_("None"),
}
CAP_LABELS = {
    0.0: N_("No capping"),
    0.99: N_("Cap at the 99th percentile"),
    0.999: N_("Cap at 99.9th"),
    0.95: N_("Cap at 95th"),
}


@st.cache_data(show_spinner=False, max_entries=16)
def _analyse_users(
    frame, variant_col, metrics, covariate, segment_col, labels, names, settings, lang
):
    """Analyse one row per user, optionally by the saved run's segments (cached per
    language: the result carries its notes and messages in ``lang``)."""
    if labels is not None:
        frame = join_segments(frame, labels, names=names, name="saved_segment")
        segment_col = "saved_segment"
    return analyze_experiment(
        frame, variant_col=variant_col, metrics=list(metrics), covariate=covariate,
        segment_col=segment_col, **settings,
    )  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=16)
def _analyse_totals(table, settings, lang):
    """Analyse typed-in or uploaded totals (cached per language; capping does not apply)."""
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


_NO_VARIANT = N_("(none)")  # the control picker's only option before variants are found
_SETTING_DEFAULTS = {
    "exp_engine": ENGINES[0], "exp_correction": "holm", "exp_ci": 0.95, "exp_cap": 0.0,
    "exp_min_n": 100, "exp_min_seg": 100, "exp_split": "",
}  # fmt: skip


def _settings(choice) -> dict:
    """The method widgets; returns the keyword arguments of the analysis."""
    for key, value in _SETTING_DEFAULTS.items():  # no value= below: a saved one is put back
        st.session_state.setdefault(key, value)
    c1, c2, c3 = st.columns([2, 2, 1])
    engine = c1.radio(
        tr("Method"), ENGINES, format_func=lambda k: tr(ENGINE_LABELS[k]), key="exp_engine",
        help=tr("Classic: p-values for a test planned in advance and read once. Bayesian: "
                "the chance each version is better, and how much you risk by picking it. "
                "Sequential: intervals that stay valid however often you look, for tests "
                "checked every day."),
    )  # fmt: skip
    correction = c2.radio(
        tr("Correction for many comparisons"), CORRECTIONS,
        format_func=lambda k: tr(CORRECTION_LABELS[k]), key="exp_correction",
        help=tr("Checking many segments and metrics finds chance winners; a correction "
                "keeps false alarms in check."),
    )  # fmt: skip
    ci = c3.select_slider(
        tr("Interval"), (0.8, 0.9, 0.95, 0.99), format_func=fmt.percent, key="exp_ci"
    )
    c4, c5, c6, c7 = st.columns(4)
    variants = _variants(choice)
    if st.session_state.get("exp_control") not in (variants or [_NO_VARIANT]):
        st.session_state.pop("exp_control", None)
    control = c4.selectbox(
        tr("Control group"), variants or [_NO_VARIANT], key="exp_control",
        format_func=lambda v: tr(v) if not variants else v,
    )  # fmt: skip
    cap = c5.selectbox(
        tr("Heavy-tailed metrics (revenue)"), list(CAP_LABELS),
        format_func=lambda k: tr(CAP_LABELS[k]), key="exp_cap", disabled=choice.kind != "users",
    )  # fmt: skip
    min_n = c6.number_input(
        tr("Users per group before a verdict"), min_value=2, step=50, key="exp_min_n"
    )
    min_seg = c7.number_input(
        tr("Users per group before a segment gets one"), min_value=2, step=50,
        key="exp_min_seg",
        help=tr("Smaller segments read 'too few users to say' and are left out of the "
                "correction, so a handful of lucky users is never named the biggest winner."),
    )  # fmt: skip
    split = st.text_input(
        tr("Planned split (blank = equal)"), key="exp_split",
        placeholder=tr("e.g. 50/50 or 60/40"),
        help=tr("How users were meant to be divided, control first; used by the SRM check."),
    )  # fmt: skip
    return {
        "engine": engine, "correction": correction, "ci": ci, "planned_split": split or None,
        "control": control if variants else None, "cap_quantile": cap or None,
        "min_n_per_arm": int(min_n), "min_segment_users": int(min_seg),
    }  # fmt: skip


def _plan_metrics(choice) -> tuple[list[str], set[str]]:
    """The metrics a plan can be for, and which of them are conversions (0/1)."""
    if choice.kind == "users":
        metrics = list(choice.metrics)
        return metrics, experiments_planning.rate_metrics(choice.frame, metrics)
    frame = choice.frame
    if "metric" in frame.columns:
        names = [str(m) for m in frame["metric"].dropna().unique()]
    else:
        names = ["conversion"]  # the metric name analyze_aggregates gives (data, not text)
    rates = set(names) if "conversions" in frame.columns else set()
    return names, rates


def _analyse(choice, settings, run):
    """Run the analysis the user's choice calls for."""
    lang = i18n.current()
    if choice.kind == "totals":
        with st.spinner(tr("Comparing the variants...")):
            return _analyse_totals(choice.frame, settings, lang)
    labels = names = None
    if choice.use_run and run is not None:
        if "user_id" not in choice.frame.columns:
            raise DataError(
                tr(
                    "To break down by the saved segmentation the data needs a 'user_id' "
                    "column matching the users of the current dataset."
                )
            )
        labels, names = run.labels, personas_data.run_names(run)
    with st.spinner(tr("Comparing the variants...")):
        return _analyse_users(
            choice.frame, choice.variant_col, choice.metrics, choice.covariate,
            choice.segment_col, labels, names, settings, lang,
        )  # fmt: skip


def _results(result, run) -> None:
    """Banner, verdicts, lift chart, results table, heterogeneity and downloads."""
    render.srm_banner(result)
    render.verdicts(result, names=personas_data.run_names(run) if run is not None else None)
    metric = result.metrics[0]
    if len(result.metrics) > 1:
        metric = st.selectbox(tr("Chart metric"), result.metrics, key="exp_chart_metric")
    chart = render.lift_chart(result, metric)
    if chart is None:
        st.caption(tr("No lift to chart for this metric (see the notes in the table)."))
    else:
        st.altair_chart(chart, width="stretch")
    st.markdown("#### " + tr("All comparisons"))
    render.results_table(result)
    render.heterogeneity(result)
    render.downloads(result)


st.title(tr("Experiments"))
st.caption(
    tr(
        "Compare the versions of a campaign (copy, image, video, offer): which one won, for "
        "which segment, and how sure you can be."
    )
)
tab_analyse, tab_power = st.tabs([tr("Analyse a test"), tr("Power calculator")])
with tab_analyse:
    store, workspace = state.store(), state.workspace_id()
    opened, problem = library.resolve_opened(store, workspace)
    if problem:
        st.error(escape_markdown(problem))
        st.button(tr("Start a new analysis"), key="exp_start_new", on_click=library.close)
        st.stop()
    library.saved_list(store, workspace, opened)
    run = _current_run()
    choice = None
    if opened is not None:
        library.opened_banner(opened)
        choice = library.choice_of(opened)
        if choice is None:  # saved without its table: show it as it was saved
            saved.render_saved_experiment(opened, key="exp_opened")
    else:
        try:
            choice = inputs.data_source(has_run=run is not None)
        except DataError as exc:
            st.error(escape_markdown(exc))
    if choice is not None:
        st.markdown("#### " + tr("How to compare"))
        settings = _settings(choice)
        with st.expander(tr("The plan: users needed and end date"), icon=":material/flag:",
                         expanded=bool(st.session_state.get("exp_plan_on"))):  # fmt: skip
            metrics, rates = _plan_metrics(choice)
            plan = experiments_planning.plan_section(
                metrics, rates, arms=max(2, len(_variants(choice)))
            )
        tuning = experiments_planning.tuning_input(plan, settings["engine"])
        try:
            result = _analyse(choice, {**settings, "plan": plan, "tuning_n": tuning}, run)
        except DataError as exc:
            st.error(escape_markdown(exc))
        else:
            experiments_planning.progress(result)
            _results(result, run)
            library.save_section(
                store, state.workspace_id, choice, {**settings, "tuning_n": tuning}, plan,
                result, run,
            )  # fmt: skip
with tab_power:
    experiments_power.power_tab()
