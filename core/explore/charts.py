"""Explore charts (Altair), shared by the Explore page and the exported report.

Both show the same thing: every chart has a title saying what it shows, axis titles
with units, and a CJK-capable font so Chinese category names render (in the browser and
in the PNG / SVG made by vl-convert, :mod:`core.explore.report`).

Why this module is long: it holds one chart builder per dashboard
(activity, stickiness, heatmap, new vs returning, lifecycle, KPI bars and trends,
ladder, retention, attributes, goals, warnings, targeting), each short, and they share
one look (fonts, colours, period axes, partial-window bands); splitting them would
scatter that look over several files.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from core.explore.activity import WEEKDAY_NAMES
from core.explore.funnel import LADDER_STEPS
from core.explore.lifecycle import STAGES
from core.personas.kpis import CAMPAIGN_KPIS, KPI_BY_KEY, kpi_label
from core.segments.features import LifecycleWindows

FONT = "Noto Sans CJK SC, Noto Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
STAGE_COLOURS = ["#9ecae1", "#3182bd", "#31a354", "#006d2c", "#fd8d3c", "#d62728"]
PERCENT = ".0%"


def _configure(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Apply the shared font and sizes (CJK-capable) to a top-level chart."""
    return (
        chart.configure(font=FONT)
        .configure_axis(labelFont=FONT, titleFont=FONT, labelFontSize=11, titleFontSize=12)
        .configure_legend(labelFont=FONT, titleFont=FONT)
        .configure_title(font=FONT, fontSize=14, anchor="start")
    )


def _empty(title: str) -> alt.Chart:
    """A chart that says there is nothing to show (instead of an empty frame)."""
    return _configure(
        alt.Chart(pd.DataFrame({"t": ["No data for the selected filters"]}))
        .mark_text(size=14)
        .encode(text="t:N")
        .properties(title=title, height=80)
    )


PARTIAL_WINDOW_NOTE = (
    "Shaded days have under 30 days of data before them: MAU is partial, stickiness reads high."
)


def _partial_band(act: pd.DataFrame) -> alt.Chart | None:
    """A shaded band over the days whose 30-day window starts before the data does."""
    if "mau_full" not in act or act["mau_full"].all():
        return None
    partial = act.loc[~act["mau_full"].astype(bool), "date"]
    band = pd.DataFrame(
        {
            "start": [partial.min()],
            "end": [partial.max() + pd.Timedelta(days=1)],
            "note": ["MAU window not yet full: fewer than 30 days of data"],
        }
    )
    return (
        alt.Chart(band)
        .mark_rect(color="#bdbdbd", opacity=0.25)
        .encode(
            x="start:T",
            x2="end:T",
            tooltip=[
                alt.Tooltip("note:N", title="Note"),
                alt.Tooltip("start:T", title="From"),
                alt.Tooltip("end:T", title="Until"),
            ],
        )
    )


def _with_band(chart: alt.Chart, act: pd.DataFrame) -> alt.TopLevelMixin:
    band = _partial_band(act)
    return chart if band is None else alt.layer(band, chart)


def activity_chart(act: pd.DataFrame) -> alt.Chart:
    """DAU, WAU and MAU per day as three lines (days with a partial window shaded)."""
    title = "Active users per day: daily (DAU), last 7 days (WAU), last 30 days (MAU)"
    if act.empty:
        return _empty(title)
    long = act.melt(id_vars="date", value_vars=["dau", "wau", "mau"], var_name="measure")
    long["measure"] = long["measure"].str.upper()
    lines = (
        alt.Chart(long)
        .mark_line()
        .encode(
            x=alt.X("date:T", title="Date (day)"),
            y=alt.Y("value:Q", title="Active users (people)"),
            color=alt.Color("measure:N", title="Measure", sort=["DAU", "WAU", "MAU"]),
            tooltip=[
                alt.Tooltip("date:T", title="Date"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("value:Q", title="Users", format=","),
            ],
        )
    )
    return _configure(_with_band(lines, act).properties(title=title, height=260))


def stickiness_chart(act: pd.DataFrame) -> alt.Chart:
    """Stickiness (DAU / MAU) per day (days with a partial 30-day window shaded)."""
    title = "Stickiness per day: DAU / MAU (how many of the month's users come back daily)"
    if act.empty:
        return _empty(title)
    line = (
        alt.Chart(act)
        .mark_line(color="#6a51a3")
        .encode(
            x=alt.X("date:T", title="Date (day)"),
            y=alt.Y("stickiness:Q", title="Stickiness (DAU / MAU, %)", axis=alt.Axis(format="%")),
            tooltip=[
                alt.Tooltip("date:T", title="Date"),
                alt.Tooltip("stickiness:Q", title="Stickiness", format=".1%"),
            ],
        )
    )
    return _configure(_with_band(line, act).properties(title=title, height=240))


def stickiness_summary(act: pd.DataFrame) -> str:
    """One sentence: average stickiness over the days with a full 30-day window."""
    full = (
        act.loc[act["mau_full"].astype(bool), "stickiness"]
        if "mau_full" in act
        else act["stickiness"]
    )
    if full.dropna().empty:
        return (
            "Stickiness needs 30 days of data before a day to be meaningful: pick a later "
            "range or load a longer history."
        )
    text = f"Average stickiness over the range: {full.mean():.1%}"
    if len(full) < len(act):
        text += " (days with a full 30-day window only)"
    return text + "."


def heatmap_chart(heat: pd.DataFrame, best: pd.DataFrame | None = None) -> alt.Chart:
    """Weekday x hour heatmap of events, the best posting windows starred."""
    title = "When your audience is active: events by weekday and hour (★ = best posting windows)"
    if heat["events"].sum() == 0:
        return _empty(title)
    base = alt.Chart(heat).encode(
        x=alt.X("hour:O", title="Hour of day (0-23, local time of the data)"),
        y=alt.Y("weekday_name:O", title="Weekday", sort=list(WEEKDAY_NAMES)),
    )
    rect = base.mark_rect().encode(
        color=alt.Color("events:Q", title="Events (count)", scale=alt.Scale(scheme="blues")),
        tooltip=[
            alt.Tooltip("weekday_name:N", title="Weekday"),
            alt.Tooltip("hour:O", title="Hour"),
            alt.Tooltip("events:Q", title="Events", format=","),
            alt.Tooltip("interactions:Q", title="Interactions", format=","),
        ],
    )
    layers = [rect]
    if best is not None and not best.empty:
        star = (
            alt.Chart(best)
            .mark_text(text="★", color="#d62728", fontSize=14)
            .encode(
                x=alt.X("hour:O"),
                y=alt.Y("weekday_name:O", sort=list(WEEKDAY_NAMES)),
                tooltip=[alt.Tooltip("label:N", title="Best window")],
            )
        )
        layers.append(star)
    return _configure(alt.layer(*layers).properties(title=title, height=240))


def _period_x(frame: pd.DataFrame, grain: str) -> alt.X:
    """Time axis of a per-week / per-month chart: one tick per period start, dated plainly.

    (Vega's default ticks fall between the periods and mix formats: "Tue 09", "Sat 11".)
    """
    starts = sorted(pd.to_datetime(frame["period"]).dropna().unique())
    return alt.X(
        "period:T",
        title=f"{grain.title()} starting (date)",
        axis=alt.Axis(
            values=[pd.Timestamp(t).isoformat() for t in starts],
            format="%b %d" if grain == "week" else "%b %Y",
            labelOverlap="greedy",
            labelAngle=0,
        ),
    )


def _period_bands(
    frame: pd.DataFrame, grain: str, starred: str | None = None
) -> tuple[pd.DataFrame, alt.X]:
    """Bar charts per period: one band per period (on a time scale a bar is a sliver).

    ``starred`` names a boolean column; the labels of periods where it is true end in "*".
    """
    periods = pd.to_datetime(frame["period"])
    one_year = periods.dt.year.nunique() <= 1
    fmt = ("%b %d" if one_year else "%b %d, %Y") if grain == "week" else "%b %Y"
    label = periods.dt.strftime(fmt)
    if starred is not None:
        label = label.where(~frame[starred].astype(bool), label + " *")
    labelled = frame.assign(period_label=label)
    order = list(dict.fromkeys(labelled.sort_values("period")["period_label"]))
    x = alt.X(
        "period_label:O",
        title=f"{grain.title()} starting (date)",
        sort=order,
        axis=alt.Axis(labelAngle=0, labelOverlap="greedy"),
    )
    return labelled, x


def new_returning_chart(nvr: pd.DataFrame, grain: str = "week") -> alt.Chart:
    """Stacked bars of new and returning active users per period."""
    title = f"New vs returning active users per {grain}"
    if nvr.empty:
        return _empty(title)
    long = nvr.melt(id_vars="period", value_vars=["new_users", "returning_users"], var_name="kind")
    long["kind"] = long["kind"].map({"new_users": "New", "returning_users": "Returning"})
    data, x = _period_bands(long, grain)
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y("value:Q", title="Active users (people)", stack=True),
            color=alt.Color("kind:N", title="Users", sort=["New", "Returning"]),
            tooltip=[
                alt.Tooltip("period:T", title=grain.title()),
                alt.Tooltip("kind:N", title="Users"),
                alt.Tooltip("value:Q", title="People", format=","),
            ],
        )
        .properties(title=title, height=240)
    )
    return _configure(chart)


def partial_history_note(mix: pd.DataFrame, windows: LifecycleWindows, grain: str) -> str:
    """Why the starred periods of the lifecycle chart read as they do ("" when none are)."""
    if mix.empty or "history_full" not in mix or mix["history_full"].all():
        return ""
    days = max(windows.new_days, windows.dormant_days)
    return (
        f"{grain.title()}s marked * end less than {days} days after the data starts: everyone "
        f"engaged counts as new and nobody can be dormant yet, whatever they did before."
    )


def lifecycle_chart(mix: pd.DataFrame, grain: str = "week") -> alt.Chart:
    """Stacked share of users in each lifecycle stage at each period end."""
    title = f"Lifecycle stage mix at the end of each {grain}"
    if mix.empty:
        return _empty(title)
    # periods that end too soon after the data starts are starred (partial_history_note);
    # fading them would make "new" look like "prospect"
    flagged = (
        mix.assign(partial=~mix["history_full"].astype(bool)) if "history_full" in mix else mix
    )
    data, x = _period_bands(flagged, grain, starred="partial" if "partial" in flagged else None)
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y("share:Q", title="Share of users (%)", axis=alt.Axis(format="%"), stack=True),
            color=alt.Color(
                "stage:N",
                title="Stage",
                sort=list(STAGES),
                scale=alt.Scale(domain=list(STAGES), range=STAGE_COLOURS),
            ),
            order=alt.Order("stage_order:Q"),
            tooltip=[
                alt.Tooltip("as_of:T", title="As of"),
                alt.Tooltip("stage:N", title="Stage"),
                alt.Tooltip("users:Q", title="Users", format=","),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
            ],
        )
        .transform_calculate(stage_order=f"indexof({list(STAGES)!r}, datum.stage)")
        .properties(title=title, height=260)
    )
    return _configure(chart)


KPI_FORMATS = {
    "exposures": ("count", ",~f"),
    "reach": ("people", ",~f"),
    "revenue": ("money", ",.2f"),
    "arpu": ("money per user", ",.2f"),
    "average_order_value": ("money per order", ",.2f"),
}


def kpi_axis(kpi: str) -> tuple[str, str]:
    """Axis title (with unit) and d3 number format for a KPI column."""
    label = kpi_label(kpi)
    if kpi in KPI_FORMATS:
        unit, fmt = KPI_FORMATS[kpi]
        return f"{label} ({unit})", fmt
    if kpi == "roi":
        return f"{label} (return per unit of cost, %)", "%"
    return f"{label} (%)", "%"


DIMENSION_LABELS = {
    "platform": "platform",
    "content_format": "content format",
    "campaign": "campaign",
    "segment": "segment",
}


def kpi_bar_chart(summary: pd.DataFrame, kpi: str, by: str) -> alt.Chart:
    """One KPI per group (platform, content format, campaign or segment) as bars."""
    axis_title, fmt = kpi_axis(kpi)
    title = f"{kpi_label(kpi)} by {DIMENSION_LABELS.get(by, by)}"
    data = summary[["group", kpi]].dropna()
    if data.empty:
        return _empty(title)
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("group:N", title=DIMENSION_LABELS.get(by, by).capitalize(), sort="-x"),
            x=alt.X(f"{kpi}:Q", title=axis_title, axis=alt.Axis(format=fmt)),
            tooltip=[
                alt.Tooltip("group:N", title=DIMENSION_LABELS.get(by, by).capitalize()),
                alt.Tooltip(f"{kpi}:Q", title=kpi_label(kpi), format=fmt.replace("%", ".1%")),
            ],
        )
        .properties(title=title, height=max(120, 28 * len(data)))
    )
    return _configure(chart)


def trend_chart(trends: pd.DataFrame, kpi: str, grain: str = "week") -> alt.Chart:
    """One KPI per period with its change against the previous period in the tooltip."""
    axis_title, fmt = kpi_axis(kpi)
    change = "week-over-week" if grain == "week" else "month-over-month"
    title = f"{kpi_label(kpi)} per {grain} ({change} change in the tooltip)"
    if trends.empty:
        return _empty(title)
    data = trends[["period", kpi, f"{kpi}_change"]].rename(columns={f"{kpi}_change": "change"})
    chart = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=_period_x(data, grain),
            y=alt.Y(f"{kpi}:Q", title=axis_title, axis=alt.Axis(format=fmt)),
            tooltip=[
                alt.Tooltip("period:T", title=grain.title()),
                alt.Tooltip(f"{kpi}:Q", title=kpi_label(kpi), format=fmt.replace("%", ".2%")),
                alt.Tooltip("change:Q", title=f"Change ({change})", format="+.1%"),
            ],
        )
        .properties(title=title, height=240)
    )
    return _configure(chart)


def ladder_chart(ladder: pd.DataFrame) -> alt.Chart:
    """Engagement ladder: share of viewers reaching each step, per segment.

    One group gets a bar per step; several get a segment x step heatmap with the share in
    each cell (grouped bars with a legend of long persona names do not read).
    """
    title = "Engagement ladder: users reaching view -> like -> comment -> share -> purchase"
    if ladder["users"].sum() == 0:
        return _empty(title)
    step_title = "Step (each includes every earlier one)"
    share_title = "Users reaching the step (% of viewers)"
    tooltip = [
        alt.Tooltip("segment:N", title="Segment"),
        alt.Tooltip("step:N", title="Step"),
        alt.Tooltip("users:Q", title="Users reaching it", format=","),
        alt.Tooltip("users_any:Q", title="Users doing it at all", format=","),
        alt.Tooltip("share_of_first:Q", title="Of viewers", format=".1%"),
    ]
    if ladder["segment"].nunique() <= 1:
        chart = (
            alt.Chart(ladder)
            .mark_bar()
            .encode(
                # short: a vertical title longer than the five bars pushes the chart title out
                y=alt.Y("step:N", title="Step", sort=list(LADDER_STEPS)),
                x=alt.X("share_of_first:Q", title=share_title, axis=alt.Axis(format="%")),
                tooltip=tooltip,
            )
            .properties(title=title, height=alt.Step(28))
        )
        return _configure(chart)
    order = list(dict.fromkeys(ladder["segment"].astype(str)))  # as given: all users first
    base = alt.Chart(ladder).encode(
        x=alt.X(
            "step:N",
            title=step_title,
            sort=list(LADDER_STEPS),
            axis=alt.Axis(labelAngle=0, orient="top"),
        ),
        # the title sits above the labels, level: beside long persona names it overlapped them
        y=alt.Y(
            "segment:N",
            title="Segment",
            sort=order,
            axis=alt.Axis(
                labelLimit=360,
                titleAngle=0,
                titleAlign="right",
                titleX=-8,
                titleY=-8,
                titleBaseline="bottom",
            ),
        ),
    )
    rect = base.mark_rect().encode(
        color=alt.Color(
            "share_of_first:Q",
            title=share_title,
            scale=alt.Scale(scheme="blues", domain=[0, 1]),
            legend=alt.Legend(format="%", orient="bottom", gradientLength=240, titleLimit=400),
        ),
        tooltip=tooltip,
    )
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("share_of_first:Q", format=".0%"),
        color=alt.condition("datum.share_of_first > 0.55", alt.value("white"), alt.value("black")),
        tooltip=tooltip,
    )
    return _configure(alt.layer(rect, text).properties(title=title, height=alt.Step(30)))


def retention_chart(ret: pd.DataFrame, grain: str = "week") -> alt.Chart:
    """Cohort retention heatmap (cohort x periods since first activity)."""
    title = f"Cohort retention: share of each first-active {grain}'s users active again"
    if ret.empty:
        return _empty(title)
    data = ret.assign(cohort_label=ret["cohort"].dt.strftime("%Y-%m-%d"))
    base = alt.Chart(data).encode(
        x=alt.X(
            "period:O", title=f"{grain.title()}s since first activity", axis=alt.Axis(labelAngle=0)
        ),
        y=alt.Y("cohort_label:O", title=f"Cohort (first {grain})"),
    )
    rect = base.mark_rect().encode(
        color=alt.Color(
            "retention:Q",
            title="Retained (%)",
            scale=alt.Scale(scheme="greens", domain=[0, 1]),
            legend=alt.Legend(format="%"),
        ),
        tooltip=[
            alt.Tooltip("cohort_label:N", title="Cohort"),
            alt.Tooltip("period:O", title=f"{grain.title()}s later"),
            alt.Tooltip("cohort_size:Q", title="Cohort size", format=","),
            alt.Tooltip("users:Q", title="Active", format=","),
            alt.Tooltip("retention:Q", title="Retention", format=".1%"),
        ],
    )
    text = base.mark_text(fontSize=9).encode(
        text=alt.Text("retention:Q", format=".0%"),
        color=alt.condition("datum.retention > 0.5", alt.value("white"), alt.value("black")),
    )
    # a step per cohort row (22 px, readable at any count), taller when there are few
    # cohorts so the vertical axis title fits; a step, not a height: Streamlit takes a
    # numeric height as the whole chart's and squeezes the title out of the frame
    step = max(22, 150 // max(data["cohort_label"].nunique(), 1))
    return _configure(alt.layer(rect, text).properties(title=title, height=alt.Step(step)))


def attribute_chart(geo: pd.DataFrame, attribute: str, kpi: str = "conversion_rate") -> alt.Chart:
    """Users per attribute value, high-potential values highlighted."""
    axis_title, fmt = kpi_axis(kpi)
    title = f"Active users by {attribute} (orange = high potential: high conversion, low reach)"
    if geo.empty:
        return _empty(title)
    data = geo.assign(potential=np.where(geo["high_potential"], "High potential", "Other"))
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("value:N", title=attribute.replace("_", " ").capitalize(), sort=None),
            x=alt.X("users:Q", title="Active users (people)"),
            color=alt.Color(
                "potential:N",
                title="",
                scale=alt.Scale(domain=["High potential", "Other"], range=["#fd8d3c", "#9ecae1"]),
            ),
            tooltip=[
                alt.Tooltip("value:N", title=attribute),
                alt.Tooltip("users:Q", title="Active users", format=","),
                alt.Tooltip("reach:Q", title="Reach", format=","),
                alt.Tooltip(f"{kpi}:Q", title=kpi_label(kpi), format=fmt.replace("%", ".1%")),
                alt.Tooltip("arpu:Q", title="ARPU", format=",.2f"),
            ],
        )
        .properties(title=title, height=max(120, 24 * len(data)))
    )
    return _configure(chart)


def goals_chart(progress: pd.DataFrame) -> alt.Chart:
    """Achieved change vs target change for each goal."""
    title = "Goals: change from the first to the last period vs your target"
    data = progress.dropna(subset=["change"])
    if data.empty:
        return _empty(title)
    data = data.assign(
        goal=[kpi_label(k) if k != "followers" else "Followers" for k in data["kpi"]]
    )
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("goal:N", title="Goal"),
            x=alt.X("change:Q", title="Change first -> last period (%)", axis=alt.Axis(format="%")),
            color=alt.condition("datum.met", alt.value("#31a354"), alt.value("#9ecae1")),
            tooltip=[
                alt.Tooltip("goal:N", title="Goal"),
                alt.Tooltip("start_value:Q", title="Start", format=",.4~f"),
                alt.Tooltip("end_value:Q", title="End", format=",.4~f"),
                alt.Tooltip("change:Q", title="Change", format="+.1%"),
                alt.Tooltip("target_change:Q", title="Target", format="+.1%"),
            ],
        )
    )
    target = (
        alt.Chart(data)
        .mark_tick(color="#d62728", thickness=3, size=24)
        .encode(y="goal:N", x="target_change:Q")
    )
    return _configure(alt.layer(bars, target).properties(title=title, height=60 + 40 * len(data)))


SIGNAL_LABELS = {
    # d3 formats: ",~f" keeps counts as 150 (plain "," printed 1.5e+2); the vertical axis
    # titles stay shorter than the plot so they do not push the chart title out of frame
    "comments": ("Comment volume", "Comments per day (count)", ",~f"),
    "shares": ("Shares", "Shares per day (count)", ",~f"),
    "negative_comment_share": ("Negative comment share", "Negative (% of comments)", "%"),
}


def warning_chart(warnings: pd.DataFrame, signal: str) -> alt.Chart:
    """One crisis signal per day with its alert threshold; spikes in red."""
    name, axis_title, fmt = SIGNAL_LABELS[signal]
    title = f"{name} per day vs alert threshold (red = spike)"
    data = warnings[warnings["signal"] == signal]
    if data.empty:
        return _empty(title)
    base = alt.Chart(data).encode(x=alt.X("date:T", title="Date (day)"))
    line = base.mark_line().encode(
        y=alt.Y("value:Q", title=axis_title, axis=alt.Axis(format=fmt)),
        tooltip=[
            alt.Tooltip("date:T", title="Date"),
            alt.Tooltip("value:Q", title=name, format=fmt.replace("%", ".1%")),
            alt.Tooltip("baseline:Q", title="Baseline (rolling median)", format=",.3~f"),
            alt.Tooltip("threshold:Q", title="Alert threshold", format=",.3~f"),
        ],
    )
    threshold = base.mark_line(strokeDash=[4, 3], color="#999999").encode(y="threshold:Q")
    spikes = (
        base.transform_filter("datum.spike")
        .mark_point(color="#d62728", size=70, filled=True)
        .encode(y="value:Q")
    )
    return _configure(alt.layer(line, threshold, spikes).properties(title=title, height=240))


def targeting_caption() -> str:
    """The two precision formulas (from core.personas.kpis) in one caption."""

    parts = [f"{KPI_BY_KEY[k].name} = {KPI_BY_KEY[k].formula}." for k in CAMPAIGN_KPIS]
    return " ".join(parts) + " Undefined (blank) when nobody was exposed or bought."


def targeting_chart(table: pd.DataFrame) -> alt.Chart:
    """Targeting accuracy and persona match rate per campaign, side by side.

    ``table`` is :func:`core.explore.targeting.campaign_targeting`'s frame (``target_segment``
    may hold display names).
    """
    title = "Campaign precision: share of exposed users and of buyers in the target segment"
    long = table.melt(
        id_vars=["campaign", "target_segment", "exposed_users", "converters"],
        value_vars=list(CAMPAIGN_KPIS),
        var_name="kpi",
    ).dropna(subset=["value"])
    if long.empty:
        return _empty(title)
    long["measure"] = long["kpi"].map(kpi_label)
    order = [kpi_label(k) for k in CAMPAIGN_KPIS]
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("campaign:N", title="Campaign", sort=list(table["campaign"])),
            yOffset=alt.YOffset("measure:N", sort=order),
            x=alt.X(
                "value:Q",
                title="Share in the target segment (%)",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=alt.Color("measure:N", title="KPI", sort=order),
            tooltip=[
                alt.Tooltip("campaign:N", title="Campaign"),
                alt.Tooltip("target_segment:N", title="Target segment"),
                alt.Tooltip("measure:N", title="KPI"),
                alt.Tooltip("value:Q", title="Share", format=".1%"),
                alt.Tooltip("exposed_users:Q", title="Exposed users", format=","),
                alt.Tooltip("converters:Q", title="Buyers", format=","),
            ],
        )
        .properties(title=title, height=alt.Step(16))
    )
    return _configure(chart)
