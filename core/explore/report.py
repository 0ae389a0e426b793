"""The weekly / monthly Explore report, written as HTML or PDF.

:func:`build_report` computes what the report says (KPIs against the previous period,
activity, active hours, platforms, early warnings, goals, campaign targeting) and
returns a :class:`Report` whose ``html`` and ``pdf`` are rendered on first use, so a
caller pays only for the format it asks for, in the language the report was built in.
:mod:`core.explore.report_writers` lays it out: HTML with SVG charts, PDF with PNG charts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Mapping

import numpy as np
import pandas as pd

from core.data import canonical_platform
from core.errors import DataError
from core.explore.activity import active_hours, activity, best_posting_windows
from core.explore.alerts import daily_signals, early_warnings
from core.explore.charts import (
    activity_chart,
    column_label,
    goal_label,
    goals_chart,
    heatmap_chart,
    kpi_bar_chart,
    signal_name,
    targeting_chart,
    warning_chart,
)
from core.explore.goals import Goal, goal_progress
from core.explore.performance import kpi_summary
from core.explore.query import (
    UNLABELLED,
    DataBounds,
    ExploreFilters,
    Grain,
    data_bounds,
    validate_grain,
)
from core.explore.report_writers import _report_html, _report_pdf
from core.explore.targeting import campaign_targeting
from core.i18n import fmt, language, tr
from core.personas.kpis import format_kpi_value


def _goal_rows(progress: pd.DataFrame) -> list[tuple[str, ...]]:
    """Goal progress as text rows for the report (people as counts, rates as %).

    Followers without a starting count show the new followers as the end value.
    """
    rows = []
    for r in progress.itertuples(index=False):
        start, end = (
            format_kpi_value(r.kpi, r.start_value, "table"),
            format_kpi_value(r.kpi, r.end_value, "table"),
        )
        if r.kpi == "followers" and np.isfinite(r.gained) and not np.isfinite(r.start_value):
            start = tr("not given")
            end = tr("+{count} new", count=fmt.number(int(r.gained)))
        rows.append(
            (
                goal_label(r.kpi),
                start,
                end,
                format_kpi_value("rate", r.change, "table"),
                format_kpi_value("rate", r.target_change, "table"),
            )
        )
    return rows


def _targeting_rows(table: pd.DataFrame) -> list[tuple[str, ...]]:
    """The targeting table as text rows for the report."""
    return [
        (
            str(r.campaign),
            str(r.target_segment),
            fmt.number(int(r.exposed_users)),
            format_kpi_value("rate", r.targeting_accuracy, "table"),
            fmt.number(int(r.converters)),
            format_kpi_value("rate", r.persona_match_rate, "table"),
        )
        for r in table.itertuples(index=False)
    ]


@dataclasses.dataclass(frozen=True)
class ReportContent:
    """What a report says, before it is written as HTML or PDF."""

    heading: str
    notes: list[str]
    rows: list[tuple[str, ...]]
    charts: list
    alerts: list[str]
    goal_rows: list[tuple[str, ...]] | None = None
    target_rows: list[tuple[str, ...]] | None = None
    target_note: str = ""

    def parts(self) -> tuple:
        """The fields in order, as the writers take them (no copies, unlike astuple)."""
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self))


@dataclasses.dataclass(frozen=True)
class Report:
    """A report: its title and content; ``html`` and ``pdf`` are rendered on first use.

    Rendering the charts is most of a report's cost (SVG for HTML, PNG for PDF), so a
    caller that needs one format pays for that one only. Both are written in ``lang``,
    the language the report was built in, wherever they are rendered (a download
    button renders outside the page run that built the report).
    """

    title: str
    content: ReportContent
    lang: str = "en"

    @functools.cached_property
    def html(self) -> str:
        """The report as one self-contained HTML page."""
        with language(self.lang):
            return _report_html(*self.content.parts())

    @functools.cached_property
    def pdf(self) -> bytes:
        """The report as PDF bytes."""
        with language(self.lang):
            return _report_pdf(*self.content.parts())


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


def period_range(date_max: dt.date, grain: Grain, periods: int = 1) -> tuple[dt.date, dt.date]:
    """The last ``periods`` full weeks (Mon-Sun) or months up to ``date_max``, as a date range.

    Used for weekly and monthly reports: the report covers the most recent complete
    period, plus the one before it for comparison when ``periods`` is 2.
    """
    grain = validate_grain(grain)
    if grain == "week":
        end = date_max - dt.timedelta(days=(date_max.weekday() + 1) % 7)
        if date_max.weekday() == 6:
            end = date_max
        start = end - dt.timedelta(days=7 * periods - 1)
    else:
        first_this = date_max.replace(day=1)
        next_month = (first_this + dt.timedelta(days=32)).replace(day=1)
        end = (
            date_max
            if date_max == next_month - dt.timedelta(days=1)
            else first_this - dt.timedelta(days=1)
        )
        start = end.replace(day=1)
        for _ in range(periods - 1):
            start = (start - dt.timedelta(days=1)).replace(day=1)
    return start, end


def kpi_rows(now: Mapping[str, float], previous: Mapping[str, float]) -> list[tuple[str, ...]]:
    """The report's KPI table: each of :data:`REPORT_KPIS` this period, before, and the change.

    Parameters
    ----------
    now, previous : Mapping[str, float]
        KPI values of the report period and of the period before (a row of
        :func:`core.explore.kpi_summary`); a missing KPI reads "n/a".

    Returns
    -------
    list of tuple of str
        ``(KPI name, this period, previous, change)``, formatted as every Explore table
        formats KPIs (``core.personas.kpis.format_kpi_value(..., "table")``).
    """
    rows = []
    for kpi in REPORT_KPIS:
        cur, prev = now.get(kpi, np.nan), previous.get(kpi, np.nan)
        change = (cur - prev) / prev if prev and np.isfinite(prev) and np.isfinite(cur) else np.nan
        rows.append(
            (
                column_label(kpi),
                format_kpi_value(kpi, cur, "table"),
                format_kpi_value(kpi, prev, "table"),
                format_kpi_value("rate", change, "table"),
            )
        )
    return rows


def _known_filters(
    filters: ExploreFilters, bounds: DataBounds, labels: pd.Series | None
) -> ExploreFilters:
    """``filters`` with platforms read like the data's (Douyin, 抖音 -> douyin); a platform or
    segment the data does not have is an error, not a report of zeros."""
    platforms = tuple(dict.fromkeys(canonical_platform(p) for p in filters.platforms))
    for platform in platforms:
        if platform not in bounds.platforms:
            found = ", ".join(bounds.platforms) or tr("none")
            raise DataError(
                tr(
                    "Platform '{platform}' is not in the data (platforms found: {found}); "
                    "pick one of those.",
                    platform=platform,
                    found=found,
                )
            )
    if filters.segments and labels is not None:
        known = set(map(str, labels.unique())) | {UNLABELLED}
        for segment in filters.segments:
            if str(segment) not in known:
                found = ", ".join(sorted(known - {UNLABELLED}))
                raise DataError(
                    tr(
                        "Segment '{segment}' is not in the segmentation (segments found: "
                        "{found}); pick one of those.",
                        segment=segment,
                        found=found,
                    )
                )
    return dataclasses.replace(filters, platforms=platforms)


def build_report(
    engine,
    *,
    grain: Grain = "week",
    filters: ExploreFilters = ExploreFilters(),
    labels: pd.Series | None = None,
    costs: pd.DataFrame | None = None,
    goals: tuple[Goal, ...] = (),
    as_of: dt.date | None = None,
    title: str | None = None,
    targets: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    lang: str | None = None,
    previous: tuple[pd.Series, Mapping[str, str] | None, str] | None = None,
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
        As in the dashboards of :mod:`core.explore`.
    as_of : datetime.date, optional
    title : str, optional
        Shown at the top (escaped); default "PersonaLab report" in the report's language.
    targets : Mapping[str, str], optional
        Campaign -> target segment (a label of ``labels``); adds the campaign targeting
        table (targeting accuracy, persona match rate) of the report period and its
        chart, from :func:`core.explore.targeting.campaign_targeting`.
    names : Mapping[str, str], optional
        Segment label -> persona name, used wherever the report names a segment (the
        segment filter note and the targeting table); labels without a name stay as they are.
    lang : {"en", "zh"}, optional
        The report's language (default: the current one, :func:`core.i18n.current`).
    previous : (pandas.Series, Mapping, str), optional
        An earlier segmentation of the same users (segment per user), its persona names
        and what to call it (a run id or a date): adds the segment migration section, a
        Sankey and the largest moves from it to ``labels`` (needs ``labels``).

    Returns
    -------
    Report

    Raises
    ------
    DataError
        No events, or a platform or segment filter the data does not have.
    """
    with language(lang) as code:
        report = _build_report(
            engine, grain, filters, labels, costs, goals, as_of, title, targets, names, code
        )
        if previous is not None and labels is not None:
            _add_migration(report.content, previous, labels, names)
        return report


def _add_migration(content, previous, labels: pd.Series, names) -> None:
    """Append the segment migration section (notes and the Sankey) to the report content."""
    # Imported here: the migration table belongs to the personas package (not an Explore
    # dashboard), and only reports with an earlier segmentation need it.
    from core.personas import report_migration_parts

    before, before_names, before_label = previous
    lines, charts = report_migration_parts(
        before,
        labels,
        before_label=before_label,
        after_label=tr("this segmentation"),
        before_names=before_names,
        after_names=names,
    )
    content.notes.extend(lines)
    content.charts.extend(charts)


def _build_report(engine, grain, filters, labels, costs, goals, as_of, title, targets, names, code):
    """:func:`build_report` inside its language."""
    grain = validate_grain(grain)
    names = dict(names or {})
    title = title or tr("PersonaLab report")

    def named(segment) -> str:
        return names.get(str(segment)) or str(segment)

    bounds = data_bounds(engine)
    if bounds.date_max is None:
        raise DataError(tr("The dataset has no events, so there is nothing to report yet."))
    filters = _known_filters(filters, bounds, labels)
    if as_of is not None and as_of < bounds.date_min:
        raise DataError(
            tr(
                "The report date {date} is before the data starts ({start}); choose a later date.",
                date=as_of.isoformat(),
                start=bounds.date_min.isoformat(),
            )
        )
    end_date = as_of or bounds.date_max
    start, end = period_range(end_date, grain, periods=2)
    cur_start, _ = period_range(end_date, grain, periods=1)
    both = dataclasses.replace(filters, start=start, end=end)
    current = dataclasses.replace(filters, start=cur_start, end=end)
    previous = dataclasses.replace(filters, start=start, end=cur_start - dt.timedelta(days=1))
    k_now = kpi_summary(engine, current, labels, costs=costs).iloc[0]
    k_prev = kpi_summary(engine, previous, labels, costs=costs).iloc[0]
    heat = active_hours(engine, current, labels)
    best = best_posting_windows(heat)
    act = activity(engine, both, labels)
    plat = kpi_summary(engine, current, labels, by="platform")
    warn_filters = dataclasses.replace(filters, start=start - dt.timedelta(days=28), end=end)
    warnings = early_warnings(daily_signals(engine, warn_filters, labels))
    warnings = warnings[warnings["date"] >= pd.Timestamp(cur_start)]
    progress = goal_progress(engine, goals, both, labels, grain) if goals else None
    targeting, idle = None, []
    if targets:
        targeting = campaign_targeting(engine, current, labels, targets)
        targeting = targeting.assign(target_segment=targeting["target_segment"].map(named))
        # A weekly report lists the campaigns that ran in its period; the others get a line.
        ran = (targeting["exposed_users"] > 0) | (targeting["converters"] > 0)
        idle = targeting.loc[~ran, "campaign"].astype(str).tolist()
        targeting = targeting[ran].reset_index(drop=True)

    rows = kpi_rows(k_now, k_prev)
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
    alerts = [_alert(d, s, v, t) for d, s, v, t in zip(
        spikes["date"], spikes["signal"], spikes["value"], spikes["threshold"], strict=True
    )]  # fmt: skip
    period = {"start": cur_start.isoformat(), "end": end.isoformat()}
    before = {"start": start.isoformat(), "end": (cur_start - dt.timedelta(days=1)).isoformat()}
    if grain == "week":
        heading = tr("{title} — Week {start} to {end}", title=title, **period)
        compared = tr("Compared with the previous week: {start} to {end}.", **before)
    else:
        heading = tr("{title} — Month {start} to {end}", title=title, **period)
        compared = tr("Compared with the previous month: {start} to {end}.", **before)
    windows = tr(", ").join(best["label"]) if not best.empty else tr("n/a")
    notes = [compared, tr("Best posting windows: {windows}.", windows=windows)]
    if filters.platforms:
        notes.append(tr("Platforms: {platforms}.", platforms=tr(", ").join(filters.platforms)))
    if filters.segments:
        segments = tr(", ").join(named(s) for s in filters.segments)
        notes.append(tr("Segments: {segments}.", segments=segments))
    goal_rows = _goal_rows(progress) if progress is not None else None
    target_rows = _targeting_rows(targeting) if targeting is not None else None
    target_note = ""
    if idle:
        campaigns = tr(", ").join(idle)
        target_note = (
            tr("No exposures or buyers this week: {campaigns}.", campaigns=campaigns)
            if grain == "week"
            else tr("No exposures or buyers this month: {campaigns}.", campaigns=campaigns)
        )
    content = ReportContent(
        heading, notes, rows, charts, alerts, goal_rows, target_rows, target_note
    )
    return Report(title=heading, content=content, lang=code)


def _alert(day, signal: str, value: float, threshold: float) -> str:
    """One spike as a sentence: the day, the signal, its value and the alert threshold."""
    key = "rate" if signal.endswith("share") else "exposures"
    return tr(
        "{date}: {signal} {value} (threshold {threshold})",
        date=pd.Timestamp(day).date().isoformat(),
        signal=signal_name(signal),
        value=format_kpi_value(key, value, "table"),
        threshold=format_kpi_value("rate", threshold, "table")
        if key == "rate"
        else fmt.decimal(threshold, 1),
    )
