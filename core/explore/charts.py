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

from core.explore.funnel import ALL_USERS, LADDER_STEPS, step_label
from core.explore.lifecycle import STAGES, stage_label
from core.explore.vega_locale import (
    date_format,
    day_format,
    month_format,
    period_label,
    vega_locale,
    weekday_label,
)
from core.i18n import N_, current, fmt, tr
from core.personas.kpis import CAMPAIGN_KPIS, KPI_BY_KEY, kpi_label
from core.segments.features import LifecycleWindows

FONT = "Noto Sans CJK SC, Noto Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
STAGE_COLOURS = ["#9ecae1", "#3182bd", "#31a354", "#006d2c", "#fd8d3c", "#d62728"]
PERCENT = ".0%"


def sentences(*parts: str) -> str:
    """Sentences in a row: a space between them in English, none in Chinese (the full-width
    stop already separates them); empty parts are left out."""
    return ("" if current() == "zh" else " ").join(p for p in parts if p)


def _configure(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Apply the shared font and sizes (CJK-capable) and the language's d3 locale."""
    locale = vega_locale()
    return (
        chart.configure(font=FONT, **({"locale": locale} if locale else {}))
        .configure_axis(labelFont=FONT, titleFont=FONT, labelFontSize=11, titleFontSize=12)
        .configure_legend(labelFont=FONT, titleFont=FONT)
        .configure_title(font=FONT, fontSize=14, anchor="start")
    )


def _empty(title: str) -> alt.Chart:
    """A chart that says there is nothing to show (instead of an empty frame)."""
    return _configure(
        alt.Chart(pd.DataFrame({"t": [tr("No data for the selected filters")]}))
        .mark_text(size=14)
        .encode(text="t:N")
        .properties(title=title, height=80)
    )


PARTIAL_WINDOW_NOTE = N_(
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
            "note": [tr("MAU window not yet full: fewer than 30 days of data")],
        }
    )
    return (
        alt.Chart(band)
        .mark_rect(color="#bdbdbd", opacity=0.25)
        .encode(
            x="start:T",
            x2="end:T",
            tooltip=[
                alt.Tooltip("note:N", title=tr("Note")),
                alt.Tooltip("start:T", title=tr("From"), format=date_format()),
                alt.Tooltip("end:T", title=tr("Until"), format=date_format()),
            ],
        )
    )


def _with_band(chart: alt.Chart, act: pd.DataFrame) -> alt.TopLevelMixin:
    band = _partial_band(act)
    return chart if band is None else alt.layer(band, chart)


def activity_chart(act: pd.DataFrame) -> alt.Chart:
    """DAU, WAU and MAU per day as three lines (days with a partial window shaded)."""
    title = tr("Active users per day: daily (DAU), last 7 days (WAU), last 30 days (MAU)")
    if act.empty:
        return _empty(title)
    long = act.melt(id_vars="date", value_vars=["dau", "wau", "mau"], var_name="measure")
    long["measure"] = long["measure"].str.upper()
    lines = (
        alt.Chart(long)
        .mark_line()
        .encode(
            x=_day_x(),
            y=alt.Y("value:Q", title=tr("Active users (people)")),
            color=alt.Color("measure:N", title=tr("Measure"), sort=["DAU", "WAU", "MAU"]),
            tooltip=[
                alt.Tooltip("date:T", title=tr("Date"), format=date_format()),
                alt.Tooltip("measure:N", title=tr("Measure")),
                alt.Tooltip("value:Q", title=tr("Users"), format=","),
            ],
        )
    )
    return _configure(_with_band(lines, act).properties(title=title, height=260))


def stickiness_chart(act: pd.DataFrame) -> alt.Chart:
    """Stickiness (DAU / MAU) per day (days with a partial 30-day window shaded)."""
    title = tr("Stickiness per day: DAU / MAU (how many of the month's users come back daily)")
    if act.empty:
        return _empty(title)
    line = (
        alt.Chart(act)
        .mark_line(color="#6a51a3")
        .encode(
            x=_day_x(),
            y=alt.Y(
                "stickiness:Q", title=tr("Stickiness (DAU / MAU, %)"), axis=alt.Axis(format="%")
            ),
            tooltip=[
                alt.Tooltip("date:T", title=tr("Date"), format=date_format()),
                alt.Tooltip("stickiness:Q", title=tr("Stickiness"), format=".1%"),
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
        return tr(
            "Stickiness needs 30 days of data before a day to be meaningful: pick a later "
            "range or load a longer history."
        )
    if len(full) < len(act):
        return tr(
            "Average stickiness over the range: {share} (days with a full 30-day window only).",
            share=fmt.percent(full.mean(), 1),
        )
    return tr("Average stickiness over the range: {share}.", share=fmt.percent(full.mean(), 1))


def heatmap_chart(heat: pd.DataFrame, best: pd.DataFrame | None = None) -> alt.Chart:
    """Weekday x hour heatmap of events, the best posting windows starred."""
    title = tr(
        "When your audience is active: events by weekday and hour (★ = best posting windows)"
    )
    if heat["events"].sum() == 0:
        return _empty(title)
    days = [weekday_label(w) for w in range(7)]
    heat = heat.assign(weekday_label=[days[w] for w in heat["weekday"]])
    base = alt.Chart(heat).encode(
        x=alt.X("hour:O", title=tr("Hour of day (0-23, local time of the data)")),
        y=alt.Y("weekday_label:O", title=tr("Weekday"), sort=days),
    )
    rect = base.mark_rect().encode(
        color=alt.Color("events:Q", title=tr("Events (count)"), scale=alt.Scale(scheme="blues")),
        tooltip=[
            alt.Tooltip("weekday_label:N", title=tr("Weekday")),
            alt.Tooltip("hour:O", title=tr("Hour")),
            alt.Tooltip("events:Q", title=tr("Events"), format=","),
            alt.Tooltip("interactions:Q", title=tr("Interactions"), format=","),
        ],
    )
    layers = [rect]
    if best is not None and not best.empty:
        best = best.assign(weekday_label=[days[w] for w in best["weekday"]])
        star = (
            alt.Chart(best)
            .mark_text(text="★", color="#d62728", fontSize=14)
            .encode(
                x=alt.X("hour:O"),
                y=alt.Y("weekday_label:O", sort=days),
                tooltip=[alt.Tooltip("label:N", title=tr("Best window"))],
            )
        )
        layers.append(star)
    return _configure(alt.layer(*layers).properties(title=title, height=240))


#: Names of the Explore columns that are not KPIs of ``core.personas.kpis`` (tables, axes,
#: tooltips, the report; the CSV downloads keep the column names).
COLUMN_LABELS = {
    "group": N_("Group"),
    "value": N_("Value"),
    "users": N_("Active users"),
    "likes": N_("Likes"),
    "comments": N_("Comments"),
    "shares": N_("Shares"),
    "saves": N_("Saves"),
    "clicks": N_("Clicks"),
    "registrations": N_("Registrations"),
    "follows": N_("Follows"),
    "orders": N_("Orders"),
    "active_users": N_("Active users"),
    "buyers": N_("Buyers"),
    "exposed_buyers": N_("Buyers who saw content"),
    "repeat_buyers": N_("Repeat buyers"),
    "interactions": N_("Interactions"),
    "target_users": N_("Target users"),
    "cost": N_("Cost"),
    "high_potential": N_("High potential"),
    "campaign": N_("Campaign"),
    "target_segment": N_("Target segment"),
    "exposed_users": N_("Exposed users"),
    "exposed_in_target": N_("Exposed in target"),
    "converters": N_("Buyers"),
    "converters_in_target": N_("Buyers in target"),
    "revenue": N_("Revenue"),
    "campaign_revenue": N_("Campaign revenue"),
    "followers": N_("Followers"),
}


def column_label(column: str) -> str:
    """A column's or KPI's name: one of :data:`COLUMN_LABELS`, else the KPI's name (for other
    keys, ``core.personas.kpis.kpi_label``'s words)."""
    if column in COLUMN_LABELS:
        return tr(COLUMN_LABELS[column])
    return kpi_label(column)


def _day_x() -> alt.X:
    """The date axis of a per-day chart, dated as the language writes a day."""
    return alt.X("date:T", title=tr("Date (day)"), axis=alt.Axis(format=day_format()))


#: Per grain: the period axis title, the tooltip title, and the "periods since" axis.
PERIOD_TEXT = {
    "week": {
        "axis": N_("Week starting (date)"),
        "one": N_("Week"),
        "since": N_("Weeks since first activity"),
        "later": N_("Weeks later"),
        "cohort": N_("Cohort (first week)"),
        "change": N_("week-over-week"),
    },
    "month": {
        "axis": N_("Month starting (date)"),
        "one": N_("Month"),
        "since": N_("Months since first activity"),
        "later": N_("Months later"),
        "cohort": N_("Cohort (first month)"),
        "change": N_("month-over-month"),
    },
}


def period_text(grain: str, what: str) -> str:
    """One of :data:`PERIOD_TEXT`'s words for ``grain``, in the current language."""
    return tr(PERIOD_TEXT.get(grain, PERIOD_TEXT["week"])[what])


def _period_x(frame: pd.DataFrame, grain: str) -> alt.X:
    """Time axis of a per-week / per-month chart: one tick per period start, dated plainly.

    (Vega's default ticks fall between the periods and mix formats: "Tue 09", "Sat 11".)
    """
    starts = sorted(pd.to_datetime(frame["period"]).dropna().unique())
    return alt.X(
        "period:T",
        title=period_text(grain, "axis"),
        axis=alt.Axis(
            values=[pd.Timestamp(t).isoformat() for t in starts],
            format=day_format() if grain == "week" else month_format(),
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
    label = pd.Series(
        [period_label(p, grain, with_year=not one_year) for p in periods], index=frame.index
    )
    if starred is not None:
        label = label.where(~frame[starred].astype(bool), label + " *")
    labelled = frame.assign(period_label=label)
    order = list(dict.fromkeys(labelled.sort_values("period")["period_label"]))
    x = alt.X(
        "period_label:O",
        title=period_text(grain, "axis"),
        sort=order,
        axis=alt.Axis(labelAngle=0, labelOverlap="greedy"),
    )
    return labelled, x


USER_KINDS = {"new_users": N_("New"), "returning_users": N_("Returning")}


def new_returning_chart(nvr: pd.DataFrame, grain: str = "week") -> alt.Chart:
    """Stacked bars of new and returning active users per period."""
    title = (
        tr("New vs returning active users per week")
        if grain == "week"
        else tr("New vs returning active users per month")
    )
    if nvr.empty:
        return _empty(title)
    long = nvr.melt(id_vars="period", value_vars=["new_users", "returning_users"], var_name="kind")
    kinds = {k: tr(v) for k, v in USER_KINDS.items()}
    long["kind"] = long["kind"].map(kinds)
    data, x = _period_bands(long, grain)
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y("value:Q", title=tr("Active users (people)"), stack=True),
            color=alt.Color("kind:N", title=tr("Users"), sort=list(kinds.values())),
            tooltip=[
                alt.Tooltip("period_label:N", title=period_text(grain, "one")),
                alt.Tooltip("kind:N", title=tr("Users")),
                alt.Tooltip("value:Q", title=tr("People"), format=","),
            ],
        )
        .properties(title=title, height=240)
    )
    return _configure(chart)


def partial_history_note(mix: pd.DataFrame, windows: LifecycleWindows, grain: str) -> str:
    """Why the starred periods of the lifecycle chart read as they do ("" when none are)."""
    if mix.empty or "history_full" not in mix or mix["history_full"].all():
        return ""
    days = fmt.number(max(windows.new_days, windows.dormant_days))
    if grain == "month":
        return tr(
            "Months marked * end less than {days} days after the data starts: everyone "
            "engaged counts as new and nobody can be dormant yet, whatever they did before.",
            days=days,
        )
    return tr(
        "Weeks marked * end less than {days} days after the data starts: everyone "
        "engaged counts as new and nobody can be dormant yet, whatever they did before.",
        days=days,
    )


def lifecycle_chart(mix: pd.DataFrame, grain: str = "week") -> alt.Chart:
    """Stacked share of users in each lifecycle stage at each period end."""
    title = (
        tr("Lifecycle stage mix at the end of each week")
        if grain == "week"
        else tr("Lifecycle stage mix at the end of each month")
    )
    if mix.empty:
        return _empty(title)
    # periods that end too soon after the data starts are starred (partial_history_note);
    # fading them would make "new" look like "prospect"
    flagged = (
        mix.assign(partial=~mix["history_full"].astype(bool)) if "history_full" in mix else mix
    )
    stages = [stage_label(s) for s in STAGES]
    flagged = flagged.assign(
        stage_name=flagged["stage"].map(dict(zip(STAGES, stages, strict=True))),
        stage_order=flagged["stage"].map({s: i for i, s in enumerate(STAGES)}),
    )
    data, x = _period_bands(flagged, grain, starred="partial" if "partial" in flagged else None)
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y(
                "share:Q", title=tr("Share of users (%)"), axis=alt.Axis(format="%"), stack=True
            ),
            color=alt.Color(
                "stage_name:N",
                title=tr("Stage"),
                sort=stages,
                scale=alt.Scale(domain=stages, range=STAGE_COLOURS),
            ),
            order=alt.Order("stage_order:Q"),
            tooltip=[
                alt.Tooltip("as_of:T", title=tr("As of"), format=date_format()),
                alt.Tooltip("stage_name:N", title=tr("Stage")),
                alt.Tooltip("users:Q", title=tr("Users"), format=","),
                alt.Tooltip("share:Q", title=tr("Share of users"), format=".1%"),
            ],
        )
        .properties(title=title, height=260)
    )
    return _configure(chart)


KPI_FORMATS = {
    "exposures": (N_("count"), ",~f"),
    "reach": (N_("people"), ",~f"),
    "revenue": (N_("money"), ",.2f"),
    "arpu": (N_("money per user"), ",.2f"),
    "average_order_value": (N_("money per order"), ",.2f"),
}


def kpi_axis(kpi: str) -> tuple[str, str]:
    """Axis title (with unit) and d3 number format for a KPI column."""
    label = column_label(kpi)
    if kpi in KPI_FORMATS:
        unit, d3 = KPI_FORMATS[kpi]
        return tr("{label} ({unit})", label=label, unit=tr(unit)), d3
    if kpi == "roi":
        return tr("{label} (return per unit of cost, %)", label=label), "%"
    return tr("{label} (%)", label=label), "%"


#: The dimensions a KPI can be broken down by (keys stay English; shown with tr).
DIMENSION_LABELS = {
    "platform": N_("platform"),
    "content_format": N_("content format"),
    "campaign": N_("campaign"),
    "segment": N_("segment"),
}
#: The same, as a column or axis heading.
DIMENSION_HEADINGS = {
    "platform": N_("Platform"),
    "content_format": N_("Content format"),
    "campaign": N_("Campaign"),
    "segment": N_("Segment"),
}


def dimension_heading(by: str) -> str:
    """A dimension as a heading ("Platform" / "平台"); an unknown one as its key."""
    return tr(DIMENSION_HEADINGS[by]) if by in DIMENSION_HEADINGS else by


def kpi_bar_chart(summary: pd.DataFrame, kpi: str, by: str) -> alt.Chart:
    """One KPI per group (platform, content format, campaign or segment) as bars."""
    axis_title, d3 = kpi_axis(kpi)
    dimension = tr(DIMENSION_LABELS[by]) if by in DIMENSION_LABELS else by
    title = tr("{kpi} by {dimension}", kpi=column_label(kpi), dimension=dimension)
    data = summary[["group", kpi]].dropna()
    if data.empty:
        return _empty(title)
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("group:N", title=dimension_heading(by), sort="-x"),
            x=alt.X(f"{kpi}:Q", title=axis_title, axis=alt.Axis(format=d3)),
            tooltip=[
                alt.Tooltip("group:N", title=dimension_heading(by)),
                alt.Tooltip(f"{kpi}:Q", title=column_label(kpi), format=d3.replace("%", ".1%")),
            ],
        )
        .properties(title=title, height=max(120, 28 * len(data)))
    )
    return _configure(chart)


def trend_chart(trends: pd.DataFrame, kpi: str, grain: str = "week") -> alt.Chart:
    """One KPI per period with its change against the previous period in the tooltip."""
    axis_title, d3 = kpi_axis(kpi)
    change = period_text(grain, "change")
    if grain == "week":
        title = tr("{kpi} per week (week-over-week change in the tooltip)", kpi=column_label(kpi))
    else:
        title = tr(
            "{kpi} per month (month-over-month change in the tooltip)", kpi=column_label(kpi)
        )
    if trends.empty:
        return _empty(title)
    data = trends[["period", kpi, f"{kpi}_change"]].rename(columns={f"{kpi}_change": "change"})
    chart = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=_period_x(data, grain),
            y=alt.Y(f"{kpi}:Q", title=axis_title, axis=alt.Axis(format=d3)),
            tooltip=[
                alt.Tooltip(
                    "period:T",
                    title=period_text(grain, "one"),
                    format=date_format() if grain == "week" else month_format(),
                ),
                alt.Tooltip(f"{kpi}:Q", title=column_label(kpi), format=d3.replace("%", ".2%")),
                alt.Tooltip(
                    "change:Q", title=tr("Change ({change})", change=change), format="+.1%"
                ),
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
    title = tr("Engagement ladder: users reaching view -> like -> comment -> share -> purchase")
    if ladder["users"].sum() == 0:
        return _empty(title)
    steps = [step_label(s) for s in LADDER_STEPS]
    ladder = ladder.assign(
        step_name=ladder["step"].map(dict(zip(LADDER_STEPS, steps, strict=True))),
        segment=ladder["segment"].where(ladder["segment"] != ALL_USERS, tr(ALL_USERS)),
    )
    step_title = tr("Step (each includes every earlier one)")
    share_title = tr("Users reaching the step (% of viewers)")
    tooltip = [
        alt.Tooltip("segment:N", title=tr("Segment")),
        alt.Tooltip("step_name:N", title=tr("Step")),
        alt.Tooltip("users:Q", title=tr("Users reaching it"), format=","),
        alt.Tooltip("users_any:Q", title=tr("Users doing it at all"), format=","),
        alt.Tooltip("share_of_first:Q", title=tr("Of viewers"), format=".1%"),
    ]
    if ladder["segment"].nunique() <= 1:
        chart = (
            alt.Chart(ladder)
            .mark_bar()
            .encode(
                # short: a vertical title longer than the five bars pushes the chart title out
                y=alt.Y("step_name:N", title=tr("Step"), sort=steps),
                x=alt.X("share_of_first:Q", title=share_title, axis=alt.Axis(format="%")),
                tooltip=tooltip,
            )
            .properties(title=title, height=alt.Step(28))
        )
        return _configure(chart)
    order = list(dict.fromkeys(ladder["segment"].astype(str)))  # as given: all users first
    base = alt.Chart(ladder).encode(
        x=alt.X(
            "step_name:N",
            title=step_title,
            sort=steps,
            axis=alt.Axis(labelAngle=0, orient="top"),
        ),
        # the title sits above the labels, level: beside long persona names it overlapped them
        y=alt.Y(
            "segment:N",
            title=tr("Segment"),
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
    title = (
        tr("Cohort retention: share of each first-active week's users active again")
        if grain == "week"
        else tr("Cohort retention: share of each first-active month's users active again")
    )
    if ret.empty:
        return _empty(title)
    data = ret.assign(cohort_label=ret["cohort"].dt.strftime("%Y-%m-%d"))
    base = alt.Chart(data).encode(
        x=alt.X("period:O", title=period_text(grain, "since"), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("cohort_label:O", title=period_text(grain, "cohort")),
    )
    rect = base.mark_rect().encode(
        color=alt.Color(
            "retention:Q",
            title=tr("Retained (%)"),
            scale=alt.Scale(scheme="greens", domain=[0, 1]),
            legend=alt.Legend(format="%"),
        ),
        tooltip=[
            alt.Tooltip("cohort_label:N", title=tr("Cohort")),
            alt.Tooltip("period:O", title=period_text(grain, "later")),
            alt.Tooltip("cohort_size:Q", title=tr("Cohort size"), format=","),
            alt.Tooltip("users:Q", title=tr("Active again"), format=","),
            alt.Tooltip("retention:Q", title=tr("Retention"), format=".1%"),
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


HIGH_POTENTIAL = N_("High potential")
OTHER = N_("Other")


def attribute_chart(geo: pd.DataFrame, attribute: str, kpi: str = "conversion_rate") -> alt.Chart:
    """Users per attribute value, high-potential values highlighted.

    ``attribute`` is a column of the user's own users table: it is shown as it is named.
    """
    _, d3 = kpi_axis(kpi)
    title = tr(
        "Active users by {attribute} (orange = high potential: high conversion, low reach)",
        attribute=attribute_heading(attribute),
    )
    if geo.empty:
        return _empty(title)
    hot, other = tr(HIGH_POTENTIAL), tr(OTHER)
    data = geo.assign(potential=np.where(geo["high_potential"], hot, other))
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("value:N", title=attribute_heading(attribute), sort=None),
            x=alt.X("users:Q", title=tr("Active users (people)")),
            color=alt.Color(
                "potential:N",
                title="",
                scale=alt.Scale(domain=[hot, other], range=["#fd8d3c", "#9ecae1"]),
            ),
            tooltip=[
                alt.Tooltip("value:N", title=attribute_heading(attribute)),
                alt.Tooltip("users:Q", title=tr("Active users"), format=","),
                alt.Tooltip("reach:Q", title=column_label("reach"), format=","),
                alt.Tooltip(f"{kpi}:Q", title=column_label(kpi), format=d3.replace("%", ".1%")),
                alt.Tooltip("arpu:Q", title=column_label("arpu"), format=",.2f"),
            ],
        )
        .properties(title=title, height=max(120, 24 * len(data)))
    )
    return _configure(chart)


#: The user attributes PersonaLab knows by name; any other column keeps its own name.
ATTRIBUTE_HEADINGS = {
    "region": N_("Region"),
    "city": N_("City"),
    "province": N_("Province"),
    "age": N_("Age"),
    "age_band": N_("Age band"),
    "gender": N_("Gender"),
    "followers": N_("Followers"),
    "city_tier": N_("City tier"),
}


def attribute_heading(attribute: str) -> str:
    """A users-table column as a heading: known ones translated, others as the user named them."""
    if attribute in ATTRIBUTE_HEADINGS:
        return tr(ATTRIBUTE_HEADINGS[attribute])
    return attribute.replace("_", " ").capitalize()


def goal_label(kpi: str) -> str:
    """A goal's name: its KPI's, or "Followers"."""
    return column_label(kpi)


def goals_chart(progress: pd.DataFrame) -> alt.Chart:
    """Achieved change vs target change for each goal."""
    title = tr("Goals: change from the first to the last period vs your target")
    data = progress.dropna(subset=["change"])
    if data.empty:
        return _empty(title)
    data = data.assign(goal=[goal_label(k) for k in data["kpi"]])
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            # the title sits level above the labels: upright beside one bar it did not fit
            y=alt.Y(
                "goal:N",
                title=tr("Goal"),
                axis=alt.Axis(
                    titleAngle=0,
                    titleAlign="right",
                    titleX=-8,
                    titleY=-8,
                    titleBaseline="bottom",
                ),
            ),
            x=alt.X(
                "change:Q",
                title=tr("Change first -> last period (%)"),
                axis=alt.Axis(format="%"),
            ),
            color=alt.condition("datum.met", alt.value("#31a354"), alt.value("#9ecae1")),
            tooltip=[
                alt.Tooltip("goal:N", title=tr("Goal")),
                alt.Tooltip("start_value:Q", title=tr("Start value"), format=",.4~f"),
                alt.Tooltip("end_value:Q", title=tr("End value"), format=",.4~f"),
                alt.Tooltip("change:Q", title=tr("Change"), format="+.1%"),
                alt.Tooltip("target_change:Q", title=tr("Target"), format="+.1%"),
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
    "comments": (N_("Comment volume"), N_("Comments per day (count)"), ",~f"),
    "shares": (N_("Shares"), N_("Shares per day (count)"), ",~f"),
    "negative_comment_share": (
        N_("Negative comment share"),
        N_("Negative (% of comments)"),
        "%",
    ),
}


def signal_name(signal: str) -> str:
    """A crisis signal's name in the current language ("Comment volume" / "评论量")."""
    return tr(SIGNAL_LABELS[signal][0])


def warning_chart(warnings: pd.DataFrame, signal: str) -> alt.Chart:
    """One crisis signal per day with its alert threshold; spikes in red."""
    _, axis_title, d3 = SIGNAL_LABELS[signal]
    name = signal_name(signal)
    title = tr("{signal} per day vs alert threshold (red = spike)", signal=name)
    data = warnings[warnings["signal"] == signal]
    if data.empty:
        return _empty(title)
    base = alt.Chart(data).encode(x=_day_x())
    line = base.mark_line().encode(
        y=alt.Y("value:Q", title=tr(axis_title), axis=alt.Axis(format=d3)),
        tooltip=[
            alt.Tooltip("date:T", title=tr("Date"), format=date_format()),
            alt.Tooltip("value:Q", title=name, format=d3.replace("%", ".1%")),
            alt.Tooltip("baseline:Q", title=tr("Baseline (rolling median)"), format=",.3~f"),
            alt.Tooltip("threshold:Q", title=tr("Alert threshold"), format=",.3~f"),
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

    parts = [
        tr("{kpi} = {formula}.", kpi=column_label(k), formula=tr(KPI_BY_KEY[k].formula))
        for k in CAMPAIGN_KPIS
    ]
    return sentences(*parts, tr("Undefined (blank) when nobody was exposed or bought."))


def targeting_chart(table: pd.DataFrame) -> alt.Chart:
    """Targeting accuracy and persona match rate per campaign, side by side.

    ``table`` is :func:`core.explore.targeting.campaign_targeting`'s frame (``target_segment``
    may hold display names).
    """
    title = tr("Campaign precision: share of exposed users and of buyers in the target segment")
    long = table.melt(
        id_vars=["campaign", "target_segment", "exposed_users", "converters"],
        value_vars=list(CAMPAIGN_KPIS),
        var_name="kpi",
    ).dropna(subset=["value"])
    if long.empty:
        return _empty(title)
    long["measure"] = long["kpi"].map(column_label)
    order = [column_label(k) for k in CAMPAIGN_KPIS]
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("campaign:N", title=tr("Campaign"), sort=list(table["campaign"])),
            yOffset=alt.YOffset("measure:N", sort=order),
            x=alt.X(
                "value:Q",
                title=tr("Share in the target segment (%)"),
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=alt.Color("measure:N", title="KPI", sort=order),
            tooltip=[
                alt.Tooltip("campaign:N", title=tr("Campaign")),
                alt.Tooltip("target_segment:N", title=tr("Target segment")),
                alt.Tooltip("measure:N", title="KPI"),
                alt.Tooltip("value:Q", title=tr("Share in target"), format=".1%"),
                alt.Tooltip("exposed_users:Q", title=tr("Exposed users"), format=","),
                alt.Tooltip("converters:Q", title=tr("Buyers"), format=","),
            ],
        )
        .properties(title=title, height=alt.Step(16))
    )
    return _configure(chart)
