"""Explore charts (Altair) and the weekly / monthly report as HTML and PDF.

The chart builders are shared by the Explore page and the exported report so both show
the same thing. Every chart has a title saying what it shows, axis titles with units,
and a CJK-capable font so Chinese category names render (in the browser and in the
PNG / SVG made by vl-convert). The PDF is written with fpdf2 and embeds the charts as
PNG; it uses Noto Sans CJK when the font is installed (Debian ``fonts-noto-cjk``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import html
from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd

from core.common.pdf import pdf_font, pdf_text, register_chart_fonts
from core.explore import dashboards as ex
from core.personas.kpis import CAMPAIGN_KPIS

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
        y=alt.Y("weekday_name:O", title="Weekday", sort=list(ex.WEEKDAY_NAMES)),
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
                y=alt.Y("weekday_name:O", sort=list(ex.WEEKDAY_NAMES)),
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


def partial_history_note(mix: pd.DataFrame, windows: ex.LifecycleWindows, grain: str) -> str:
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
                sort=list(ex.STAGES),
                scale=alt.Scale(domain=list(ex.STAGES), range=STAGE_COLOURS),
            ),
            order=alt.Order("stage_order:Q"),
            tooltip=[
                alt.Tooltip("as_of:T", title="As of"),
                alt.Tooltip("stage:N", title="Stage"),
                alt.Tooltip("users:Q", title="Users", format=","),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
            ],
        )
        .transform_calculate(stage_order=f"indexof({list(ex.STAGES)!r}, datum.stage)")
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
    label = _kpi_label(kpi)
    if kpi in KPI_FORMATS:
        unit, fmt = KPI_FORMATS[kpi]
        return f"{label} ({unit})", fmt
    if kpi == "roi":
        return f"{label} (return per unit of cost, %)", "%"
    return f"{label} (%)", "%"


@functools.cache
def _labels() -> dict[str, str]:
    defs = ex.kpi_definitions()
    return dict(zip(defs["key"], defs["name"], strict=True))


def _kpi_label(kpi: str) -> str:
    return _labels().get(kpi, kpi.replace("_", " ").capitalize())


DIMENSION_LABELS = {
    "platform": "platform",
    "content_format": "content format",
    "campaign": "campaign",
    "segment": "segment",
}


def kpi_bar_chart(summary: pd.DataFrame, kpi: str, by: str) -> alt.Chart:
    """One KPI per group (platform, content format, campaign or segment) as bars."""
    axis_title, fmt = kpi_axis(kpi)
    title = f"{_kpi_label(kpi)} by {DIMENSION_LABELS.get(by, by)}"
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
                alt.Tooltip(f"{kpi}:Q", title=_kpi_label(kpi), format=fmt.replace("%", ".1%")),
            ],
        )
        .properties(title=title, height=max(120, 28 * len(data)))
    )
    return _configure(chart)


def trend_chart(trends: pd.DataFrame, kpi: str, grain: str = "week") -> alt.Chart:
    """One KPI per period with its change against the previous period in the tooltip."""
    axis_title, fmt = kpi_axis(kpi)
    change = "week-over-week" if grain == "week" else "month-over-month"
    title = f"{_kpi_label(kpi)} per {grain} ({change} change in the tooltip)"
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
                alt.Tooltip(f"{kpi}:Q", title=_kpi_label(kpi), format=fmt.replace("%", ".2%")),
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
                y=alt.Y("step:N", title="Step", sort=list(ex.LADDER_STEPS)),
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
            sort=list(ex.LADDER_STEPS),
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
                alt.Tooltip(f"{kpi}:Q", title=_kpi_label(kpi), format=fmt.replace("%", ".1%")),
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
        goal=[_kpi_label(k) if k != "followers" else "Followers" for k in data["kpi"]]
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
    from core.personas.kpis import KPI_BY_KEY

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
    long["measure"] = long["kpi"].map(_kpi_label)
    order = [_kpi_label(k) for k in CAMPAIGN_KPIS]
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


KPI_HEADINGS = ("KPI", "This period", "Previous", "Change")
GOAL_HEADINGS = ("Goal", "Start", "End", "Change", "Target")


def _goal_rows(progress: pd.DataFrame) -> list[tuple[str, ...]]:
    """Goal progress as text rows for the report (people as counts, rates as %).

    Followers without a starting count show the new followers as the end value.
    """
    rows = []
    for r in progress.itertuples(index=False):
        start, end = _fmt(r.kpi, r.start_value), _fmt(r.kpi, r.end_value)
        if r.kpi == "followers" and np.isfinite(r.gained) and not np.isfinite(r.start_value):
            start, end = "not given", f"+{int(r.gained):,} new"
        rows.append(
            (_kpi_label(r.kpi), start, end, _fmt("rate", r.change), _fmt("rate", r.target_change))
        )
    return rows


def _targeting_rows(table: pd.DataFrame) -> list[tuple[str, ...]]:
    """The targeting table as text rows for the report."""
    return [
        (
            str(r.campaign),
            str(r.target_segment),
            f"{int(r.exposed_users):,}",
            _fmt("rate", r.targeting_accuracy),
            f"{int(r.converters):,}",
            _fmt("rate", r.persona_match_rate),
        )
        for r in table.itertuples(index=False)
    ]


TARGETING_HEADINGS = (
    "Campaign",
    "Target segment",
    "Exposed users",
    "Targeting accuracy",
    "Buyers",
    "Persona match rate",
)


# --- report ----------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Report:
    """A rendered report: its title, the HTML page and the PDF bytes."""

    title: str
    html: str
    pdf: bytes


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """Render a chart to SVG text with vl-convert."""
    import vl_convert as vlc

    register_chart_fonts()
    return vlc.vegalite_to_svg(chart.to_dict())


def chart_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """Render a chart to PNG bytes with vl-convert."""
    import vl_convert as vlc

    register_chart_fonts()
    return vlc.vegalite_to_png(chart.to_dict(), scale=scale)


#: KPIs that are counts of events or people (whole numbers in the report tables).
COUNT_KPIS = ("exposures", "reach", "active_users", "orders", "buyers", "followers")


def _fmt(kpi: str, value) -> str:
    """Format one KPI value for the report tables."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "n/a"
    if kpi in COUNT_KPIS:
        return f"{int(value):,}"
    if kpi in KPI_FORMATS:
        return f"{value:,.2f}"
    return f"{value:.2%}"


REPORT_KPIS = (
    "exposures",
    "reach",
    "active_users",
    "interaction_rate",
    "ctr",
    "conversion_rate",
    "revenue",
    "arpu",
    "average_order_value",
    "roi",
)


def _known_filters(
    filters: ex.ExploreFilters, bounds: ex.DataBounds, labels: pd.Series | None
) -> ex.ExploreFilters:
    """``filters`` with platforms read like the data's (Douyin, 抖音 -> douyin); a platform or
    segment the data does not have is an error, not a report of zeros."""
    from core.data import canonical_platform

    platforms = tuple(dict.fromkeys(canonical_platform(p) for p in filters.platforms))
    for platform in platforms:
        if platform not in bounds.platforms:
            found = ", ".join(bounds.platforms) or "none"
            raise ex.DataError(
                f"Platform '{platform}' is not in the data (platforms found: {found}); "
                "pick one of those."
            )
    if filters.segments and labels is not None:
        known = set(map(str, labels.unique())) | {ex.UNLABELLED}
        for segment in filters.segments:
            if str(segment) not in known:
                found = ", ".join(sorted(known - {ex.UNLABELLED}))
                raise ex.DataError(
                    f"Segment '{segment}' is not in the segmentation (segments found: "
                    f"{found}); pick one of those."
                )
    return dataclasses.replace(filters, platforms=platforms)


def build_report(
    engine,
    *,
    grain: ex.Grain = "week",
    filters: ex.ExploreFilters = ex.ExploreFilters(),
    labels: pd.Series | None = None,
    costs: pd.DataFrame | None = None,
    goals: tuple[ex.Goal, ...] = (),
    as_of: dt.date | None = None,
    title: str = "PersonaLab report",
    targets: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
) -> Report:
    """The weekly or monthly report: KPIs vs the previous period, charts, alerts, goals.

    The report covers the last complete week (Monday-Sunday) or month up to ``as_of``
    (default: the last day with data), compared with the period before; platform and
    segment filters apply.

    Parameters
    ----------
    engine : sqlalchemy.Engine
    grain : {"week", "month"}
    filters : ExploreFilters
        Platform and segment filters are used; the dates are set by the report period.
        Platforms may be given as the data names them (Douyin, 抖音).
    labels, costs, goals
        As in :mod:`core.explore.dashboards`.
    as_of : datetime.date, optional
    title : str
        Shown at the top (escaped).
    targets : Mapping[str, str], optional
        Campaign -> target segment (a label of ``labels``); adds the campaign targeting
        table (targeting accuracy, persona match rate) of the report period and its
        chart, from :func:`core.explore.targeting.campaign_targeting`.
    names : Mapping[str, str], optional
        Segment label -> persona name, used wherever the report names a segment (the
        segment filter note and the targeting table); labels without a name stay as they are.

    Returns
    -------
    Report

    Raises
    ------
    DataError
        No events, or a platform or segment filter the data does not have.
    """
    grain = ex._validate_grain(grain)
    names = dict(names or {})

    def named(segment) -> str:
        return names.get(str(segment)) or str(segment)

    bounds = ex.data_bounds(engine)
    if bounds.date_max is None:
        raise ex.DataError("The dataset has no events, so there is nothing to report yet.")
    filters = _known_filters(filters, bounds, labels)
    if as_of is not None and as_of < bounds.date_min:
        raise ex.DataError(
            f"The report date {as_of:%Y-%m-%d} is before the data starts "
            f"({bounds.date_min:%Y-%m-%d}); choose a later date."
        )
    end_date = as_of or bounds.date_max
    start, end = ex.period_range(end_date, grain, periods=2)
    cur_start, _ = ex.period_range(end_date, grain, periods=1)
    both = dataclasses.replace(filters, start=start, end=end)
    current = dataclasses.replace(filters, start=cur_start, end=end)
    previous = dataclasses.replace(filters, start=start, end=cur_start - dt.timedelta(days=1))
    k_now = ex.kpi_summary(engine, current, labels, costs=costs).iloc[0]
    k_prev = ex.kpi_summary(engine, previous, labels, costs=costs).iloc[0]
    heat = ex.active_hours(engine, current, labels)
    best = ex.best_posting_windows(heat)
    act = ex.activity(engine, both, labels)
    plat = ex.kpi_summary(engine, current, labels, by="platform")
    warn_filters = dataclasses.replace(filters, start=start - dt.timedelta(days=28), end=end)
    warnings = ex.early_warnings(ex.daily_signals(engine, warn_filters, labels))
    warnings = warnings[warnings["date"] >= pd.Timestamp(cur_start)]
    progress = ex.goal_progress(engine, goals, both, labels, grain) if goals else None
    targeting, idle = None, []
    if targets:
        from core.explore.targeting import campaign_targeting

        targeting = campaign_targeting(engine, current, labels, targets)
        targeting = targeting.assign(target_segment=targeting["target_segment"].map(named))
        # A weekly report lists the campaigns that ran in its period; the others get a line.
        ran = (targeting["exposed_users"] > 0) | (targeting["converters"] > 0)
        idle = targeting.loc[~ran, "campaign"].astype(str).tolist()
        targeting = targeting[ran].reset_index(drop=True)

    rows = []
    for kpi in REPORT_KPIS:
        now, prev = k_now.get(kpi, np.nan), k_prev.get(kpi, np.nan)
        change = (now - prev) / prev if prev and np.isfinite(prev) and np.isfinite(now) else np.nan
        rows.append((_kpi_label(kpi), _fmt(kpi, now), _fmt(kpi, prev), _fmt("rate", change)))
    charts = [
        activity_chart(act),
        heatmap_chart(heat, best),
        kpi_bar_chart(plat, "interaction_rate", "platform"),
        warning_chart(warnings, "comments"),
        warning_chart(warnings, "negative_comment_share"),
    ]
    if progress is not None:
        charts.append(goals_chart(progress))
    if targeting is not None and not targeting.empty:
        charts.append(targeting_chart(targeting))
    spikes = warnings[warnings["spike"]]
    alerts = [
        f"{d:%Y-%m-%d}: {SIGNAL_LABELS[s][0]} {_fmt('rate' if s.endswith('share') else 'exposures', v)} "
        f"(threshold {t:,.3g})"
        for d, s, v, t in zip(
            spikes["date"], spikes["signal"], spikes["value"], spikes["threshold"], strict=True
        )
    ]
    period_word = "Week" if grain == "week" else "Month"
    heading = f"{title} — {period_word} {cur_start:%Y-%m-%d} to {end:%Y-%m-%d}"
    notes = [
        f"Compared with the previous {grain}: {start:%Y-%m-%d} to {cur_start - dt.timedelta(days=1):%Y-%m-%d}.",
        "Best posting windows: " + (", ".join(best["label"]) if not best.empty else "n/a") + ".",
    ]
    if filters.platforms:
        notes.append("Platforms: " + ", ".join(filters.platforms) + ".")
    if filters.segments:
        notes.append("Segments: " + ", ".join(named(s) for s in filters.segments) + ".")
    goal_rows = _goal_rows(progress) if progress is not None else None
    target_rows = _targeting_rows(targeting) if targeting is not None else None
    target_note = f"No exposures or buyers this {grain}: {', '.join(idle)}." if idle else ""
    parts = (heading, notes, rows, charts, alerts, goal_rows, target_rows, target_note)
    html_text = _report_html(*parts)
    pdf = _report_pdf(*parts)
    return Report(title=heading, html=html_text, pdf=pdf)


def _html_table(headings, rows) -> str:
    """One escaped HTML table: a heading row, then the rows."""
    cells = [
        "<tr>" + "".join(f"<{tag}>{html.escape(str(c))}</{tag}>" for c in row) + "</tr>"
        for tag, row in [("th", headings), *(("td", r) for r in rows)]
    ]
    return "<table>" + "".join(cells) + "</table>"


def _report_html(
    heading, notes, rows, charts, alerts, goal_rows=None, target_rows=None, target_note=""
) -> str:
    """Assemble a self-contained HTML report (inline SVG charts, escaped text)."""
    esc = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{esc(heading)}</title>",
        "<style>body{font-family:'Noto Sans CJK SC','Noto Sans SC',sans-serif;margin:2em;"
        "max-width:1000px}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
        "padding:4px 10px;text-align:right}td:first-child,th:first-child{text-align:left}"
        "</style></head><body>",
        f"<h1>{esc(heading)}</h1>",
        *[f"<p>{esc(n)}</p>" for n in notes],
        "<h2>KPIs</h2>",
        _html_table(KPI_HEADINGS, rows),
        "<h2>Early warnings</h2>",
        "<ul>" + "".join(f"<li>{esc(a)}</li>" for a in alerts) + "</ul>"
        if alerts
        else "<p>No spikes in comments, shares or negative comments this period.</p>",
    ]
    if goal_rows is not None:
        parts += ["<h2>Goals</h2>", _html_table(GOAL_HEADINGS, goal_rows)]
    if target_rows is not None:
        parts.append("<h2>Campaign targeting</h2>")
    if target_rows:
        parts += [
            _html_table(TARGETING_HEADINGS, target_rows),
            f"<p>{esc(targeting_caption())}</p>",
        ]
    if target_note:
        parts.append(f"<p>{esc(target_note)}</p>")
    parts.append("<h2>Charts</h2>")
    for chart in charts:
        parts.append(f"<div style='margin:1em 0'>{chart_svg(chart)}</div>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _report_pdf(
    heading, notes, rows, charts, alerts, goal_rows=None, target_rows=None, target_note=""
) -> bytes:
    """Write the report as PDF with fpdf2 (CJK font when installed, PNG charts)."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    family = pdf_font(pdf)

    def text(s: str) -> str:
        return pdf_text(s, family)

    pdf.add_page()
    pdf.set_font(family, "", 15)
    pdf.multi_cell(0, 8, text(heading), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 10)
    for n in notes:
        pdf.multi_cell(0, 5, text(n), new_x="LMARGIN", new_y="NEXT")

    def section(title: str, gap: float = 3) -> None:
        pdf.ln(gap)
        pdf.set_font(family, "", 12)
        pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")

    def table(headings, body, widths, *, text_columns: int = 1, size: int = 9) -> None:
        """The first ``text_columns`` columns are text (left), the others figures (right)."""
        pdf.set_font(family, "", size)
        with pdf.table(
            col_widths=widths,
            text_align=("LEFT",) * text_columns + ("RIGHT",) * (len(widths) - text_columns),
            headings_style=FontFace(emphasis="", fill_color=(230, 236, 245)),
        ) as t:
            t.row(list(headings))
            for row in body:
                t.row([text(str(c)) for c in row])

    section("KPIs", gap=2)
    table(KPI_HEADINGS, rows, (60, 40, 40, 30))
    section("Early warnings")
    pdf.set_font(family, "", 9)
    for a in alerts or ["No spikes in comments, shares or negative comments this period."]:
        pdf.multi_cell(0, 5, text("- " + a), new_x="LMARGIN", new_y="NEXT")
    if goal_rows is not None:
        section("Goals")
        table(GOAL_HEADINGS, goal_rows, (50, 30, 30, 30, 30))
    if target_rows is not None:
        section("Campaign targeting")
        pdf.set_font(family, "", 8)
    if target_rows:
        table(TARGETING_HEADINGS, target_rows, (40, 40, 25, 25, 20, 25), text_columns=2, size=8)
        pdf.multi_cell(0, 4, text(targeting_caption()), new_x="LMARGIN", new_y="NEXT")
    if target_note:
        pdf.multi_cell(0, 4, text(target_note), new_x="LMARGIN", new_y="NEXT")
    for chart in charts:
        png = chart_png(chart)
        pdf.ln(3)
        pdf.image(png, w=pdf.epw)
    return bytes(pdf.output())
