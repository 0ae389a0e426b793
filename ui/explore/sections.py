"""Explore page sections: each renders one part of the dashboard from a Context."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.common.markdown import escape_markdown
from core.errors import DataError
from core.explore import dashboards as ex
from core.explore import reports as rp
from core.segments import LifecycleWindows
from ui.explore import data, view
from ui.explore.view import money, pct

HEADLINE = (
    ("exposures", "Exposures", lambda v: f"{int(v):,}"),
    ("reach", "Reach (people)", lambda v: f"{int(v):,}"),
    ("interaction_rate", "Interaction rate", pct),
    ("ctr", "CTR", pct),
    ("conversion_rate", "Conversion rate", pct),
    ("arpu", "ARPU", money),
)
GRAIN_LABELS = {"week": "Week", "month": "Month"}


def _grain(key: str) -> str:
    return st.radio(
        "Period", list(GRAIN_LABELS), format_func=GRAIN_LABELS.get, horizontal=True, key=key
    )


def overview(ctx: data.Context) -> None:
    """Headline KPIs, DAU/WAU/MAU, stickiness, active-hours heatmap, best windows."""
    k = ctx.kpis().iloc[0]
    cols = st.columns(len(HEADLINE))
    for col, (key, label, fmt) in zip(cols, HEADLINE, strict=True):
        col.metric(label, fmt(k[key]))
    act = ctx.call("activity")
    if act.empty:
        st.info("No events match these filters: widen the dates or clear the platform filter.")
        return
    partial = None if act["mau_full"].all() else rp.PARTIAL_WINDOW_NOTE
    view.chart(rp.activity_chart(act), act, "activity", partial)
    view.chart(
        rp.stickiness_chart(act), act[["date", "stickiness", "mau_full"]], "stickiness",
        rp.stickiness_summary(act),
    )  # fmt: skip
    heat = ctx.call("active_hours")
    best = ex.best_posting_windows(heat)
    view.chart(rp.heatmap_chart(heat, best), heat, "active_hours")
    if not best.empty:
        st.success("Best posting windows (most likes, comments, shares and saves): "
                   + ", ".join(f"**{b}**" for b in best["label"]))  # fmt: skip


def lifecycle(ctx: data.Context) -> None:
    """New vs returning users and the lifecycle stage mix, windows configurable."""
    grain = _grain("explore_life_grain")
    nvr = ctx.call("new_vs_returning", grain=grain)
    view.chart(rp.new_returning_chart(nvr, grain), nvr, "new_vs_returning",
               "New = first event ever in that period; everyone else active is returning. "
               f"In the data's first {grain} everyone is new: there is nothing before it.")  # fmt: skip
    with st.expander("Lifecycle windows (days)"):
        c = st.columns(4)
        try:
            windows = LifecycleWindows(
                new_days=c[0].number_input("New for (days)", 1, 365, 30, key="explore_new"),
                dormant_days=c[1].number_input("Dormant after (days)", 1, 365, 30, key="explore_dormant"),
                churned_days=c[2].number_input("Churned after (days)", 2, 730, 90, key="explore_churned"),
                loyal_purchase_days=c[3].number_input("Loyal from (purchase days)", 1, 50, 2, key="explore_loyal"),
            )  # fmt: skip
        except DataError as exc:
            st.error(escape_markdown(exc))
            return
        st.dataframe(ex.stage_rules(windows), hide_index=True, width="stretch")
    mix = ctx.call("lifecycle_mix", grain=grain, windows=windows)
    notes = [rp.partial_history_note(mix, windows, grain)]
    span = (ctx.bounds.date_max - ctx.bounds.date_min).days
    if span < windows.churned_days:
        notes.append(f"Churned needs {windows.churned_days} days without events; this data "
                     f"covers {span + 1} days, so nobody can be churned yet.")  # fmt: skip
    view.chart(
        rp.lifecycle_chart(mix, grain), mix, "lifecycle_mix", " ".join(n for n in notes if n)
    )


def kpis(ctx: data.Context) -> None:
    """KPI families by platform / format / campaign / segment, trends with WoW / MoM."""
    dims = ["platform", "content_format", "campaign"] + (
        ["segment"] if ctx.labels is not None else []
    )
    c = st.columns(2)
    by = c[0].selectbox(
        "Break down by", dims, format_func=rp.DIMENSION_LABELS.get, key="explore_by"
    )
    options = ["interaction_rate", "like_rate", "comment_rate", "share_rate", "ctr",
               "conversion_rate", "purchase_rate", "registration_rate", "reach", "exposures",
               "revenue", "arpu", "average_order_value", "repurchase_rate", "reach_rate", "roi"]  # fmt: skip
    kpi = c[1].selectbox("KPI", options, format_func=rp._kpi_label, key="explore_kpi")
    summary = ctx.kpis(by)
    if by == "segment":
        summary = summary.assign(group=summary["group"].map(ctx.name))
    if kpi == "roi" and ctx.costs is None:
        st.info("ROI needs campaign costs: upload a cost table below (campaign, platform, "
                "period_start, period_end, cost).")  # fmt: skip
    view.chart(rp.kpi_bar_chart(summary, kpi, by), summary, f"kpis_by_{by}")
    with st.expander("All KPIs in a table, and their formulas"):
        view.table(summary, f"kpi_table_{by}", {"group": rp.DIMENSION_LABELS[by].capitalize()})
        st.dataframe(
            ex.kpi_definitions(), hide_index=True, width="stretch",
            column_order=("name", "family", "formula", "where"),
            column_config={"name": "KPI", "family": "Family", "formula": "Formula",
                           "where": "Shown in"},
        )  # fmt: skip
    grain = _grain("explore_trend_grain")
    trends = ctx.call("kpi_trends", grain=grain)
    if kpi in trends:
        view.chart(rp.trend_chart(trends, kpi, grain), trends, f"trend_{grain}")
    if len(trends) >= 2 and kpi in trends:
        last = trends.iloc[-1]
        word = "week-over-week" if grain == "week" else "month-over-month"
        st.metric(f"{rp._kpi_label(kpi)}, latest {grain}", rp._fmt(kpi, last[kpi]),
                  delta=None if pd.isna(last[f"{kpi}_change"]) else f"{last[f'{kpi}_change']:+.1%} {word}")  # fmt: skip
    targeting(ctx)
    up = st.file_uploader("Campaign costs (CSV: campaign, platform, period_start, period_end, cost)",
                          type=["csv"], key="explore_costs_upload")  # fmt: skip
    if up is not None:
        try:
            new = ex.read_campaign_costs(up.getvalue())
        except DataError as exc:
            st.error(escape_markdown(exc))
            return
        old = st.session_state.get("explore_costs")
        if old is None or not new.equals(old):
            st.session_state["explore_costs"] = new
            st.rerun()  # recompute ROI with the new costs
        st.success("Your costs are loaded: ROI is shown overall, by platform and by campaign.")


#: Session state: the target segment of each campaign, per (dataset, run). Kept in the
#: session only (not in the store or the link).
TARGETS_KEY = "explore_targets"
NOT_SET = "(not set)"


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
    with st.expander("Target segment of each campaign", expanded=not chosen):
        cols = st.columns(3)
        for i, campaign in enumerate(campaigns):
            picked = cols[i % 3].selectbox(
                escape_markdown(campaign),
                options,
                index=options.index(chosen[campaign]) if chosen.get(campaign) in segments else 0,
                format_func=lambda s: s if s == NOT_SET else ctx.name(s),
                key=f"explore_target_{ctx.run_id}_{campaign}",
            )
            if picked == NOT_SET:
                chosen.pop(campaign, None)
            else:
                chosen[campaign] = picked
    return {c: chosen[c] for c in campaigns if c in chosen}


def targeting(ctx: data.Context) -> None:
    """Targeting accuracy and persona match rate per campaign, for user-picked targets."""
    st.subheader("Campaign targeting")
    if ctx.labels is None:
        st.info("To measure targeting accuracy and persona match rate per campaign, save a "
                "segmentation on the Segment page.")  # fmt: skip
        return
    campaigns = list(ctx.bounds.campaigns)
    if not campaigns:
        st.caption("These events name no campaigns, so targeting accuracy and persona match "
                   "rate cannot be measured.")  # fmt: skip
        return
    targets = _pick_targets(ctx, campaigns)
    if not targets:
        st.caption("Pick the segment each campaign is meant to reach to see how precisely it "
                   "reached it.")  # fmt: skip
        return
    try:
        table = ctx.targeting(targets)
    except DataError as exc:
        st.error(escape_markdown(exc))
        return
    shown = table.assign(target_segment=table["target_segment"].map(ctx.name))
    view.chart(rp.targeting_chart(shown), shown, "targeting", rp.targeting_caption())
    labels = {"converters": "Buyers", "converters_in_target": "Buyers in target"}
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_config=view.kpi_columns(shown, labels))  # fmt: skip


def funnel_retention(ctx: data.Context) -> None:
    """Engagement ladder per segment and the cohort retention heatmap."""
    ladder = ctx.call("engagement_ladder")
    ladder = ladder.assign(segment=ladder["segment"].map(ctx.name))
    view.chart(rp.ladder_chart(ladder), ladder, "engagement_ladder",
               "Each step counts people who also did every earlier step.")  # fmt: skip
    grain = _grain("explore_ret_grain")
    ret = ctx.call("retention_matrix", grain=grain)
    view.chart(rp.retention_chart(ret, grain), ret, f"retention_{grain}",
               f"Period 0 is the {grain} of a user's first event in the selected range.")  # fmt: skip


def geography(ctx: data.Context) -> None:
    """Users and KPIs by region or any user attribute; high-potential values highlighted."""
    attrs = list(ctx.bounds.user_attributes)
    if not attrs:
        st.info("This dataset has no users table: upload one (region, age, ...) on the Data page.")
        return
    default = attrs.index("region") if "region" in attrs else 0
    attr = st.selectbox("User attribute", attrs, index=default, key="explore_attr")
    geo = ctx.call("by_attribute", attribute=attr)
    view.chart(rp.attribute_chart(geo, attr), geo, f"by_{attr}", ex.HIGH_POTENTIAL_RULE)
    hot = geo.loc[geo["high_potential"], "value"].tolist()
    if hot:
        st.success(
            "High potential: "
            + ", ".join(escape_markdown(h) for h in hot)
            + ". Consider shifting reach there."
        )
    view.table(geo, f"by_{attr}_table", {"value": attr.replace("_", " ").capitalize(),
                                          "users": "Active users"})  # fmt: skip


def goals(ctx: data.Context) -> None:
    """User-set targets and progress; the weekly / monthly report export."""
    c = st.columns(4)
    f = c[0].number_input("Followers target (+ %)", -100, 1000, 30, key="explore_goal_followers")
    base = c[1].number_input("Followers at the start", min_value=0, value=None, step=100,
                             placeholder="from your account page", key="explore_goal_base",
                             help="How many followers the account had on the first day "
                                  "compared. Your data shows who followed since then, "
                                  "not how many followers there were before.")  # fmt: skip
    i = c[2].number_input("Interaction rate target (+ %)", -100, 1000, 20, key="explore_goal_ir")
    grain = c[3].radio("Compare", list(GRAIN_LABELS), format_func=lambda g: f"first vs last {g}",
                       key="explore_goal_grain")  # fmt: skip
    chosen = tuple(
        ex.Goal(k, v / 100, start_value=(base or None) if k == "followers" else None)
        for k, v in (("followers", f), ("interaction_rate", i))
        if v
    )
    if chosen:
        prog = ctx.call("goal_progress", goals=chosen, grain=grain)
        view.chart(rp.goals_chart(prog), prog, "goals",
                   "New followers = people whose first follow in your data falls in the "
                   "compared periods.")  # fmt: skip
        for r in prog.itertuples():
            if pd.notna(r.change):
                st.write(f"**{rp._kpi_label(r.kpi)}**: "
                         f"{r.change:+.1%} of a {r.target_change:+.0%} target "
                         f"({'met' if r.met else f'{r.progress:.0%} of the way'}).")  # fmt: skip
            elif r.kpi == "followers" and pd.notna(r.gained):
                st.write(f"**Followers**: {int(r.gained):,} new since "
                         f"{r.first_period:%d %b %Y}. Enter the follower count at the start "
                         f"to compare the growth with your {r.target_change:+.0%} target.")  # fmt: skip
    st.subheader("Report")
    rgrain = st.radio("Period", list(GRAIN_LABELS), format_func=lambda g: f"{g}ly report",
                      horizontal=True, key="explore_report_grain")  # fmt: skip
    targets = _saved_targets(ctx)
    if targets:
        st.caption(f"The report includes campaign targeting for {len(targets)} campaign(s), as "
                   "picked under KPIs & trends.")  # fmt: skip
    elif ctx.labels is not None and ctx.bounds.campaigns:
        st.caption("To add campaign targeting to the report, pick each campaign's target "
                   "segment under KPIs & trends.")  # fmt: skip
    if st.button("Prepare report", key="explore_report_btn", icon=":material/description:"):
        try:
            rep = data.report(ctx.dataset_id, ctx.run_id, rgrain, ctx.filters, ctx.costs, chosen,
                              tuple(sorted(targets.items())), tuple(sorted(ctx.names.items())),
                              _engine=ctx.engine, _labels=ctx.labels)  # fmt: skip
        except DataError as exc:
            st.error(escape_markdown(exc))
            return
        st.caption(rep.title)
        c = st.columns(2)
        c[0].download_button("Download HTML", rep.html.encode("utf-8"), "report.html",
                             "text/html", key="explore_dl_report_html")  # fmt: skip
        c[1].download_button("Download PDF", rep.pdf, "report.pdf", "application/pdf",
                             key="explore_dl_report_pdf")  # fmt: skip


def early_warning(ctx: data.Context) -> None:
    """Spikes in comments, shares and negative comment share vs a rolling baseline."""
    c = st.columns(2)
    window = c[0].slider("Baseline window (days)", 7, 60, 14, key="explore_warn_window")
    k = c[1].slider("Sensitivity k (lower = more alerts)", 1.0, 6.0, 3.0, 0.5, key="explore_warn_k")
    params = ex.WarningParams(window=window, k=k, min_periods=min(7, window))
    signals = ctx.call("daily_signals")
    warnings = ex.early_warnings(signals, params)
    spikes = warnings[warnings["spike"]]
    if spikes.empty:
        st.success("No spikes in comments, shares or negative comments in the selected range.")
    else:
        st.warning(f"{len(spikes)} day(s) flagged: see the red points below.")
    for signal in ("comments", "shares", "negative_comment_share"):
        view.chart(rp.warning_chart(warnings, signal), warnings[warnings["signal"] == signal],
                   f"warning_{signal}")  # fmt: skip
    st.caption(params.describe() + " Negative comments: a comment containing a negative word "
               "of the app's sentiment lexicon (Chinese and English).")  # fmt: skip


SECTIONS = {
    "Overview": overview,
    "Lifecycle": lifecycle,
    "KPIs & trends": kpis,
    "Funnel & retention": funnel_retention,
    "Geography": geography,
    "Goals & report": goals,
    "Early warning": early_warning,
}
