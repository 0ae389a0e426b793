"""Explore page sections: each renders one part of the dashboard from a Context."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import explore
from core.common.markdown import escape_markdown
from core.errors import DataError
from core.explore import charts
from core.i18n import N_, current, fmt, ntr, tr
from core.personas.kpis import format_kpi_value
from core.segments.features import LifecycleWindows
from ui.explore import data, view
from ui.personas import earlier_run_picker

HEADLINE = (
    ("exposures", N_("Exposures")),
    ("reach", N_("Reach (people)")),
    ("interaction_rate", N_("Interaction rate")),
    ("ctr", N_("CTR")),
    ("conversion_rate", N_("Conversion rate")),
    ("arpu", N_("ARPU")),
)
GRAIN_LABELS = {"week": N_("Week"), "month": N_("Month")}
#: The goals' "Compare" choice and the report's period choice, per grain.
COMPARE_LABELS = {"week": N_("first vs last week"), "month": N_("first vs last month")}
REPORT_LABELS = {"week": N_("weekly report"), "month": N_("monthly report")}


def _grain(key: str) -> str:
    return st.radio(
        tr("Period"),
        list(GRAIN_LABELS),
        format_func=lambda g: tr(GRAIN_LABELS[g]),
        horizontal=True,
        key=key,
    )


def overview(ctx: data.Context) -> None:
    """Headline KPIs, DAU/WAU/MAU, stickiness, active-hours heatmap, best windows."""
    k = data.kpi_summary(ctx.key, ctx, None, ctx.costs).iloc[0]
    cols = st.columns(len(HEADLINE))
    for col, (key, label) in zip(cols, HEADLINE, strict=True):
        col.metric(tr(label), format_kpi_value(key, k[key], "metric"))
    act = data.activity(ctx.key, ctx)
    if act.empty:
        st.info(tr("No events match these filters: widen the dates or clear the platform filter."))
        return
    partial = None if act["mau_full"].all() else tr(charts.PARTIAL_WINDOW_NOTE)
    view.chart(charts.activity_chart(act), act, "activity", partial)
    view.chart(
        charts.stickiness_chart(act), act[["date", "stickiness", "mau_full"]], "stickiness",
        charts.stickiness_summary(act),
    )  # fmt: skip
    heat = data.active_hours(ctx.key, ctx)
    best = explore.best_posting_windows(heat)
    view.chart(charts.heatmap_chart(heat, best), heat, "active_hours")
    if not best.empty:
        st.success(tr("Best posting windows (most likes, comments, shares and saves): {windows}",
                      windows=tr(", ").join(f"**{b}**" for b in best["label"])))  # fmt: skip


def lifecycle(ctx: data.Context) -> None:
    """New vs returning users and the lifecycle stage mix, windows configurable."""
    grain = _grain("explore_life_grain")
    nvr = data.new_vs_returning(ctx.key, ctx, grain)
    first = (
        tr("In the data's first week everyone is new: there is nothing before it.")
        if grain == "week"
        else tr("In the data's first month everyone is new: there is nothing before it.")
    )
    view.chart(charts.new_returning_chart(nvr, grain), nvr, "new_vs_returning",
               charts.sentences(tr("New = first event ever in that period; everyone else "
                                   "active is returning."), first))  # fmt: skip
    with st.expander(tr("Lifecycle windows (days)")):
        c = st.columns(4)
        try:
            windows = LifecycleWindows(
                new_days=c[0].number_input(tr("New for (days)"), 1, 365, 30, key="explore_new"),
                dormant_days=c[1].number_input(tr("Dormant after (days)"), 1, 365, 30, key="explore_dormant"),
                churned_days=c[2].number_input(tr("Churned after (days)"), 2, 730, 90, key="explore_churned"),
                loyal_purchase_days=c[3].number_input(tr("Loyal from (purchase days)"), 1, 50, 2, key="explore_loyal"),
            )  # fmt: skip
        except DataError as exc:
            st.error(escape_markdown(exc))
            return
        rules = explore.stage_rules(windows)
        rules = rules.assign(stage=rules["stage"].map(explore.stage_label))
        st.dataframe(rules, hide_index=True, width="stretch",
                     column_config={"order": tr("Order"), "stage": tr("Stage"),
                                    "rule": tr("Rule")})  # fmt: skip
    mix = data.lifecycle_mix(ctx.key, ctx, grain, windows)
    notes = [charts.partial_history_note(mix, windows, grain)]
    span = (ctx.bounds.date_max - ctx.bounds.date_min).days
    if span < windows.churned_days:
        notes.append(tr("Churned needs {days} days without events; this data covers {covered} "
                        "days, so nobody can be churned yet.",
                        days=fmt.number(windows.churned_days),
                        covered=fmt.number(span + 1)))  # fmt: skip
    view.chart(charts.lifecycle_chart(mix, grain), mix, "lifecycle_mix", charts.sentences(*notes))


def kpis(ctx: data.Context) -> None:
    """KPI families by platform / format / campaign / segment, trends with WoW / MoM."""
    dims = ["platform", "content_format", "campaign"] + (
        ["segment"] if ctx.labels is not None else []
    )
    c = st.columns(2)
    by = c[0].selectbox(
        tr("Break down by"), dims, format_func=charts.dimension_heading, key="explore_by"
    )
    options = ["interaction_rate", "like_rate", "comment_rate", "share_rate", "ctr",
               "conversion_rate", "purchase_rate", "registration_rate", "reach", "exposures",
               "revenue", "arpu", "average_order_value", "repurchase_rate", "reach_rate", "roi"]  # fmt: skip
    kpi = c[1].selectbox("KPI", options, format_func=charts.column_label, key="explore_kpi")
    summary = data.kpi_summary(ctx.key, ctx, by, ctx.costs)
    if by == "segment":
        summary = summary.assign(group=summary["group"].map(ctx.name))
    if kpi == "roi" and ctx.costs is None:
        st.info(tr("ROI needs campaign costs: upload a cost table below (campaign, platform, "
                   "period_start, period_end, cost)."))  # fmt: skip
    view.chart(charts.kpi_bar_chart(summary, kpi, by), summary, f"kpis_by_{by}")
    with st.expander(tr("All KPIs in a table, and their formulas")):
        view.table(summary, f"kpi_table_{by}", {"group": charts.dimension_heading(by)})
        st.dataframe(
            explore.kpi_definitions(), hide_index=True, width="stretch",
            column_order=("name", "family", "formula", "where"),
            column_config={"name": "KPI", "family": tr("Family"), "formula": tr("Formula"),
                           "where": tr("Shown in")},
        )  # fmt: skip
    grain = _grain("explore_trend_grain")
    trends = data.kpi_trends(ctx.key, ctx, grain)
    if kpi in trends:
        view.chart(charts.trend_chart(trends, kpi, grain), trends, f"trend_{grain}")
    if len(trends) >= 2 and kpi in trends:
        last = trends.iloc[-1]
        change = last[f"{kpi}_change"]
        label = (tr("{kpi}, latest week", kpi=charts.column_label(kpi)) if grain == "week"
                 else tr("{kpi}, latest month", kpi=charts.column_label(kpi)))  # fmt: skip
        delta = None if pd.isna(change) else tr(
            "{change} {comparison}", change=fmt.percent(change, 1, signed=True),
            comparison=charts.period_text(grain, "change"),
        )  # fmt: skip
        st.metric(label, view.kpi_text(kpi, last[kpi]), delta=delta)
    targeting(ctx)
    up = st.file_uploader(tr("Campaign costs (CSV: campaign, platform, period_start, period_end, cost)"),
                          type=["csv"], key="explore_costs_upload")  # fmt: skip
    if up is not None:
        try:
            new = explore.read_campaign_costs(up.getvalue())
        except DataError as exc:
            st.error(escape_markdown(exc))
            return
        old = st.session_state.get("explore_costs")
        if old is None or not new.equals(old):
            st.session_state["explore_costs"] = new
            st.rerun()  # recompute ROI with the new costs
        st.success(tr("Your costs are loaded: ROI is shown overall, by platform and by campaign."))


#: Session state: the target segment of each campaign, per (dataset, run). Kept in the
#: session only (not in the store or the link).
TARGETS_KEY = "explore_targets"
NOT_SET = "(not set)"
NOT_SET_LABEL = N_("(not set)")


def _saved_targets(ctx: data.Context) -> dict[str, str]:
    """The campaign targets picked in this session for the current dataset and run."""
    if ctx.labels is None:
        return {}
    chosen = st.session_state.get(TARGETS_KEY, {}).get((ctx.dataset_id, ctx.run_id), {})
    segments = set(ctx.labels.astype(str).unique())
    return {c: s for c, s in chosen.items() if c in ctx.bounds.campaigns and s in segments}


def _pick_targets(ctx: data.Context, campaigns: list[str]) -> dict[str, str]:
    """One segment picker per campaign; the choices persist in the session."""
    segments = sorted(ctx.labels.astype(str).unique())
    chosen = st.session_state.setdefault(TARGETS_KEY, {}).setdefault(
        (ctx.dataset_id, ctx.run_id), {}
    )
    options = [NOT_SET, *segments]
    with st.expander(tr("Target segment of each campaign"), expanded=not chosen):
        cols = st.columns(3)
        for i, campaign in enumerate(campaigns):
            picked = cols[i % 3].selectbox(
                escape_markdown(campaign),
                options,
                index=options.index(chosen[campaign]) if chosen.get(campaign) in segments else 0,
                format_func=lambda s: tr(NOT_SET_LABEL) if s == NOT_SET else ctx.name(s),
                key=f"explore_target_{ctx.run_id}_{campaign}",
            )
            if picked == NOT_SET:
                chosen.pop(campaign, None)
            else:
                chosen[campaign] = picked
    return {c: chosen[c] for c in campaigns if c in chosen}


def targeting(ctx: data.Context) -> None:
    """Targeting accuracy and persona match rate per campaign, for user-picked targets."""
    st.subheader(tr("Campaign targeting"))
    if ctx.labels is None:
        st.info(tr("To measure targeting accuracy and persona match rate per campaign, save a "
                   "segmentation on the Segment page."))  # fmt: skip
        return
    campaigns = list(ctx.bounds.campaigns)
    if not campaigns:
        st.caption(tr("These events name no campaigns, so targeting accuracy and persona match "
                      "rate cannot be measured."))  # fmt: skip
        return
    targets = _pick_targets(ctx, campaigns)
    if not targets:
        st.caption(tr("Pick the segment each campaign is meant to reach to see how precisely it "
                      "reached it."))  # fmt: skip
        return
    try:
        table = data.campaign_targeting(ctx.key, ctx, tuple(targets.items()))
    except DataError as exc:
        st.error(escape_markdown(exc))
        return
    shown = table.assign(target_segment=table["target_segment"].map(ctx.name))
    view.chart(charts.targeting_chart(shown), shown, "targeting", charts.targeting_caption())
    labels = {"converters": tr("Buyers"), "converters_in_target": tr("Buyers in target")}
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_config=view.kpi_columns(shown, labels))  # fmt: skip


def funnel_retention(ctx: data.Context) -> None:
    """Engagement ladder per segment and the cohort retention heatmap."""
    ladder = data.engagement_ladder(ctx.key, ctx)
    ladder = ladder.assign(segment=ladder["segment"].map(ctx.name))
    view.chart(charts.ladder_chart(ladder), ladder, "engagement_ladder",
               tr("Each step counts people who also did every earlier step."))  # fmt: skip
    grain = _grain("explore_ret_grain")
    ret = data.retention_matrix(ctx.key, ctx, grain)
    note = (
        tr("Period 0 is the week of a user's first event in the selected range.")
        if grain == "week"
        else tr("Period 0 is the month of a user's first event in the selected range.")
    )
    view.chart(charts.retention_chart(ret, grain), ret, f"retention_{grain}", note)


def geography(ctx: data.Context) -> None:
    """Users and KPIs by region or any user attribute; high-potential values highlighted."""
    attrs = list(ctx.bounds.user_attributes)
    if not attrs:
        st.info(tr("This dataset has no users table: upload one (region, age, ...) on the Data "
                   "page."))  # fmt: skip
        return
    default = attrs.index("region") if "region" in attrs else 0
    attr = st.selectbox(tr("User attribute"), attrs, index=default,
                        format_func=charts.attribute_heading, key="explore_attr")  # fmt: skip
    geo = data.by_attribute(ctx.key, ctx, attr)
    view.chart(charts.attribute_chart(geo, attr), geo, f"by_{attr}",
               tr(explore.HIGH_POTENTIAL_RULE))  # fmt: skip
    hot = geo.loc[geo["high_potential"], "value"].tolist()
    if hot:
        st.success(tr("High potential: {groups}. Consider shifting reach there.",
                      groups=tr(", ").join(escape_markdown(h) for h in hot)))  # fmt: skip
    view.table(geo, f"by_{attr}_table", {"value": charts.attribute_heading(attr),
                                          "users": tr("Active users")})  # fmt: skip


def _goal_line(r) -> str | None:
    """One goal's progress as a sentence (None when there is nothing to say)."""
    if pd.notna(r.change):
        values = {
            "goal": charts.goal_label(r.kpi),
            "change": fmt.percent(r.change, 1, signed=True),
            "target": fmt.percent(r.target_change, 0, signed=True),
        }
        if r.met:
            return tr("**{goal}**: {change} of a {target} target (met).", **values)
        return tr("**{goal}**: {change} of a {target} target ({progress} of the way).",
                  progress=fmt.percent(r.progress), **values)  # fmt: skip
    if r.kpi == "followers" and pd.notna(r.gained):
        return tr("**Followers**: {gained} new since {start}. Enter the follower count at the "
                  "start to compare the growth with your {target} target.",
                  gained=fmt.number(int(r.gained)), start=fmt.date(r.first_period),
                  target=fmt.percent(r.target_change, 0, signed=True))  # fmt: skip
    return None


def goals(ctx: data.Context) -> None:
    """User-set targets and progress; the weekly / monthly report export."""
    c = st.columns(4)
    f = c[0].number_input(
        tr("Followers target (+ %)"), -100, 1000, 30, key="explore_goal_followers"
    )
    base = c[1].number_input(tr("Followers at the start"), min_value=0, value=None, step=100,
                             placeholder=tr("from your account page"), key="explore_goal_base",
                             help=tr("How many followers the account had on the first day "
                                     "compared. Your data shows who followed since then, "
                                     "not how many followers there were before."))  # fmt: skip
    i = c[2].number_input(
        tr("Interaction rate target (+ %)"), -100, 1000, 20, key="explore_goal_ir"
    )
    grain = c[3].radio(tr("Compare"), list(GRAIN_LABELS), format_func=lambda g: tr(COMPARE_LABELS[g]),
                       key="explore_goal_grain")  # fmt: skip
    chosen = tuple(
        explore.Goal(k, v / 100, start_value=(base or None) if k == "followers" else None)
        for k, v in (("followers", f), ("interaction_rate", i))
        if v
    )
    if chosen:
        prog = data.goal_progress(ctx.key, ctx, chosen, grain)
        view.chart(charts.goals_chart(prog), prog, "goals",
                   tr("New followers = people whose first follow in your data falls in the "
                      "compared periods."))  # fmt: skip
        for r in prog.itertuples():
            line = _goal_line(r)
            if line:
                st.write(line)
    st.subheader(tr("Report"))
    rgrain = st.radio(tr("Period"), list(GRAIN_LABELS), format_func=lambda g: tr(REPORT_LABELS[g]),
                      horizontal=True, key="explore_report_grain")  # fmt: skip
    targets = _saved_targets(ctx)
    if targets:
        st.caption(ntr("The report includes campaign targeting for {n} campaign, as picked under "
                       "KPIs & trends.",
                       "The report includes campaign targeting for {n} campaigns, as picked "
                       "under KPIs & trends.", len(targets)))  # fmt: skip
    elif ctx.labels is not None and ctx.bounds.campaigns:
        st.caption(tr("To add campaign targeting to the report, pick each campaign's target "
                      "segment under KPIs & trends."))  # fmt: skip
    previous = earlier_run_picker(data.current_run(), ctx.dataset_id, "explore_report_previous")
    if st.button(tr("Prepare report"), key="explore_report_btn", icon=":material/description:"):
        try:
            rep = data.report(ctx.dataset_id, ctx.run_id, rgrain, ctx.filters, ctx.costs, chosen,
                              tuple(sorted(targets.items())), tuple(sorted(ctx.names.items())),
                              current(), _engine=ctx.engine, _labels=ctx.labels,
                              previous_id=previous[2] if previous else None,
                              _previous=previous)  # fmt: skip
        except DataError as exc:
            st.error(escape_markdown(exc))
            return
        st.caption(rep.title)
        c = st.columns(2)
        # each format is rendered when its button is clicked, not both up front
        c[0].download_button(tr("Download HTML"), lambda: rep.html.encode("utf-8"), "report.html",
                             "text/html", key="explore_dl_report_html")  # fmt: skip
        c[1].download_button(tr("Download PDF"), lambda: rep.pdf, "report.pdf", "application/pdf",
                             key="explore_dl_report_pdf")  # fmt: skip


def early_warning(ctx: data.Context) -> None:
    """Spikes in comments, shares and negative comment share vs a rolling baseline."""
    c = st.columns(2)
    window = c[0].slider(tr("Baseline window (days)"), 7, 60, 14, key="explore_warn_window")
    k = c[1].slider(
        tr("Sensitivity k (lower = more alerts)"), 1.0, 6.0, 3.0, 0.5, key="explore_warn_k"
    )
    params = explore.WarningParams(window=window, k=k, min_periods=min(7, window))
    signals = data.daily_signals(ctx.key, ctx)
    warnings = explore.early_warnings(signals, params)
    spikes = warnings[warnings["spike"]]
    if spikes.empty:
        st.success(tr("No spikes in comments, shares or negative comments in the selected range."))
    else:
        st.warning(ntr("{n} day flagged: see the red points below.",
                       "{n} days flagged: see the red points below.", len(spikes),
                       n=fmt.number(len(spikes))))  # fmt: skip
    for signal in ("comments", "shares", "negative_comment_share"):
        view.chart(charts.warning_chart(warnings, signal), warnings[warnings["signal"] == signal],
                   f"warning_{signal}")  # fmt: skip
    st.caption(charts.sentences(params.describe(), tr("Negative comments: a comment containing a "
               "negative word of the app's sentiment lexicon (Chinese and English).")))  # fmt: skip


#: The sections by their English title (the page's key; shown with tr).
SECTIONS = {
    N_("Overview"): overview,
    N_("Lifecycle"): lifecycle,
    N_("KPIs & trends"): kpis,
    N_("Funnel & retention"): funnel_retention,
    N_("Geography"): geography,
    N_("Goals & report"): goals,
    N_("Early warning"): early_warning,
}
