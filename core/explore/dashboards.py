"""Behaviour and KPI aggregations for the Explore page, as SQL on the dataset's engine.

Every function takes the dataset's SQLAlchemy engine (DuckDB, ``docs/architecture.md``),
an :class:`ExploreFilters` (date range, platforms, segments) and, when the user has a
saved segmentation, the run's labels (``pd.Series`` of str indexed by ``user_id``). The
aggregation runs in DuckDB; only small result frames (one row per day, period, cell or
group) come back to Python. Inputs are never mutated.

Definitions the page shows next to each chart live here as data (``KPI_DEFINITIONS``,
``STAGE_RULES``, ``EARLY_WARNING_RULE``, ``HIGH_POTENTIAL_RULE``); when ``core.personas.kpis``
provides the KPI formula texts they are taken from there.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import re
import weakref
from collections.abc import Iterator, Sequence
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from core.common.sql import quote_identifier
from core.data.ingest import ENGAGED_SQL
from core.errors import DataError
from core.personas import kpis
from core.personas.text import SENTIMENT_LEXICON
from core.segments import LifecycleWindows, lifecycle_rules

Grain = Literal["week", "month"]
Dimension = Literal["platform", "content_format", "campaign", "segment"]

INTERACTION_TYPES = ("like", "comment", "share", "save")
LADDER_STEPS = ("view", "like", "comment", "share", "purchase")
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
NO_VALUE = "(none)"
UNLABELLED = "(no segment)"

# --- KPI definitions: formula texts come from core.personas.kpis (DOMAIN.md's table) ----------
#: Where each KPI of core.personas.kpis appears on the Explore page.
KPI_PLACES: dict[str, str] = {
    "reach": "KPIs",
    "reach_rate": "KPIs",
    "exposures": "KPIs",
    "interaction_rate": "KPIs, Trends, Goals",
    "like_rate": "KPIs",
    "comment_rate": "KPIs",
    "share_rate": "KPIs",
    "ctr": "KPIs",
    "registration_rate": "KPIs",
    "purchase_rate": "KPIs",
    "conversion_rate": "KPIs, Geography",
    "arpu": "KPIs, Geography",
    "average_order_value": "KPIs",
    "retention": "Retention (cohort matrix)",
    "repurchase_rate": "KPIs",
    "stickiness": "Activity (DAU / MAU)",
    "roi": "KPIs (with a campaign cost table)",
    "follower_growth": "Goals (followers = users with a follow event so far)",
    **dict.fromkeys(
        kpis.CAMPAIGN_KPIS,
        "KPIs (Campaign targeting: pick each campaign's target segment; needs a saved segmentation)",
    ),
}
RATE_KPIS = (
    "reach_rate",
    "interaction_rate",
    "like_rate",
    "comment_rate",
    "share_rate",
    "ctr",
    "registration_rate",
    "purchase_rate",
    "conversion_rate",
    "repurchase_rate",
    "roi",
)
HIGH_POTENTIAL_RULE = (
    "A group is high-potential when its conversion rate is above the median of all groups "
    "and its reach is below the median: people there buy readily but few are reached yet."
)
EARLY_WARNING_RULE = (
    "A day is flagged when its value is far above the usual level of the previous "
    "{window} days: above their middle value by more than {k:g} times their typical "
    "day-to-day spread (a spread taken as at least {floor_count:g} event for counts "
    "and {floor_share:.0%} for shares)."
)


def kpi_definitions() -> pd.DataFrame:
    """The KPI table shown on the page, with where each KPI appears.

    Returns
    -------
    DataFrame
        ``key``, ``name``, ``family``, ``formula`` (from ``core.personas.kpis``) and ``where``
        (the Explore section showing it, or what data it needs).
    """
    defs = kpis.kpi_definitions()
    where = [
        KPI_PLACES.get(key, f"needs {needs}" if needs else "")
        for key, needs in zip(defs["key"], defs["needs"], strict=True)
    ]
    return defs[["key", "name", "family", "formula"]].assign(where=where)


STAGES = ("prospect", "new", "active", "loyal", "dormant", "churned")  # display order


def stage_rules(windows: LifecycleWindows = LifecycleWindows()) -> pd.DataFrame:
    """The lifecycle rules (``core.segments.features``) with the given windows, for display."""
    return pd.DataFrame(lifecycle_rules(windows))


# --- filters and the filtered-events SQL ----------------------------------------------
@dataclasses.dataclass(frozen=True)
class ExploreFilters:
    """Filters shared by every Explore chart.

    Parameters
    ----------
    start, end : datetime.date or None
        Inclusive date range; None means unbounded.
    platforms : tuple of str
        Keep only these platforms; empty keeps all.
    segments : tuple of str
        Keep only users in these segments of the current run; empty keeps all.
    """

    start: dt.date | None = None
    end: dt.date | None = None
    platforms: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class DataBounds:
    """What the dataset covers: dates, the values filters offer, user attributes."""

    date_min: dt.date | None
    date_max: dt.date | None
    n_events: int
    platforms: tuple[str, ...]
    content_formats: tuple[str, ...]
    campaigns: tuple[str, ...]
    user_attributes: tuple[str, ...]


_LABELS_VIEW = "_explore_labels"
_LABELS_BY_ID = "_explore_labels_str"
_COSTS_VIEW = "_explore_costs"
_ALL_EVENT_COLS = (
    "user_id",
    "timestamp",
    "event_type",
    "platform",
    "amount",
    "content_format",
    "campaign",
    "text",
)
_UT = ("user_id", "timestamp")  # who was active when
_UTE = ("user_id", "timestamp", "event_type")
_KPI_COLS = ("user_id", "timestamp", "event_type", "amount")


class _LabelsCache:
    """Values derived from a labels Series (and a dataset engine), kept while both live.

    Keyed by ``id()`` and checked by weak reference (a Series is not hashable, and an id
    may be reused once its object is gone): every Explore chart of a page run gets the
    same Series, so what is derived from it is computed once per page run, not per chart.
    Labels are treated as immutable, as everywhere in PersonaLab. Holds the last few.
    """

    def __init__(self, size: int = 4) -> None:
        self._size = size
        self._items: dict[tuple[int, int], tuple[weakref.ref, weakref.ref | None, object]] = {}

    def get(self, labels: pd.Series, engine, make):
        key = (id(labels), id(engine))
        hit = self._items.get(key)
        if hit is not None and hit[0]() is labels and (hit[1] is None or hit[1]() is engine):
            return hit[2]
        value = make()
        dead = [
            k for k, (r1, r2, _) in self._items.items() if r1() is None or (r2 and r2() is None)
        ]
        for k in dead:
            del self._items[k]
        if len(self._items) >= self._size:
            self._items.pop(next(iter(self._items)))
        ref = weakref.ref(engine) if engine is not None else None
        self._items[key] = (weakref.ref(labels), ref, value)
        return value


#: Arrow copies of label Series: converting 1M labels to strings costs more than the
#: query on a small selection.
_LABEL_TABLES = _LabelsCache()
#: Labels translated to integer user keys, per dataset (a join of every label with
#: user_keys).
_KEYED_LABELS = _LabelsCache()
#: Target users per segment, per dataset: users table rows, and (needed only when the
#: users table has none of the selected segments) users with events.
_SEGMENT_TARGETS = _LabelsCache()
_SEGMENT_EVENT_TARGETS = _LabelsCache()


def _labels_frame(labels: pd.Series | None) -> pa.Table | None:
    """Validate labels and return them as an Arrow table (user_id, segment), one row per user.

    Arrow strings scan in DuckDB without Python objects (registering an object-column
    DataFrame made every segment filter several times slower).
    """
    if labels is None:
        return None
    if not isinstance(labels, pd.Series):
        raise DataError("Segment labels must be one segment name per user: save a run again.")

    def convert() -> pa.Table:
        unique = labels[~labels.index.duplicated(keep="last")]
        if len(unique) == len(labels):
            unique = labels
        # pandas strings are Arrow-backed: these copies are cheap (the object-array
        # round trip they replace took 0.8 s for 1M labels)
        return pa.table(
            {
                "user_id": pa.array(unique.index.astype(str), type=pa.string()),
                "segment": pa.array(unique.astype(str), type=pa.string()),
            }
        )

    return _LABEL_TABLES.get(labels, None, convert)


#: Whether a dataset has core.data.ingest.write_activity_tables' derived tables (integer user
#: keys, per-user active days), per engine: datasets never change once written.
_KEYED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


#: The derived columns Explore reads (core.data.ingest.write_activity_tables).
_KEYED_COLUMNS = {
    ("events", "uid"),
    ("user_keys", "uid"),
    ("user_keys", "user_id"),
    *(
        ("user_days", c)
        for c in ("uid", "day", "prev_day", "next_day", "first_day", "engaged", "purchased")
    ),
}


def _is_keyed(engine) -> bool:
    """True when the dataset has every derived column Explore reads (else: the events)."""
    if engine not in _KEYED:
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            found = set(
                raw.execute(
                    "SELECT table_name, column_name FROM information_schema.columns "
                    "WHERE table_name IN ('events', 'user_keys', 'user_days')"
                ).fetchall()
            )
        _KEYED[engine] = found.issuperset(_KEYED_COLUMNS)
    return _KEYED[engine]


def _keyed_labels(raw, engine, labels: pd.Series) -> pa.Table:
    """Labels as an Arrow table (user_id = the integer ``uid``, segment)."""
    # the labels by user id are registered as _LABELS_BY_ID by _duck
    return _KEYED_LABELS.get(
        labels,
        engine,
        lambda: raw.sql(
            f"SELECT k.uid AS user_id, l.segment FROM {_LABELS_BY_ID} l "
            "JOIN user_keys k ON k.user_id = l.user_id"
        ).to_arrow_table(),
    )


@contextlib.contextmanager
def _duck(
    engine,
    labels: pd.Series | None = None,
    costs: pd.DataFrame | None = None,
    *,
    keyed: bool = False,
) -> Iterator:
    """A raw DuckDB connection from the engine with labels/costs registered as views.

    The labels view's ``user_id`` is the integer user key when ``keyed`` (matching
    ``_filtered_events(..., keyed=True)``), else the user id; the labels by user id are
    always registered too (``_LABELS_BY_ID``), for joins with the users table.
    """
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        registered = []
        try:
            frame = _labels_frame(labels)
            if frame is not None:
                raw.register(_LABELS_BY_ID, frame)
                registered.append(_LABELS_BY_ID)
                raw.register(_LABELS_VIEW, _keyed_labels(raw, engine, labels) if keyed else frame)
                registered.append(_LABELS_VIEW)
            if costs is not None:
                raw.register(_COSTS_VIEW, costs)
                registered.append(_COSTS_VIEW)
            yield raw
        finally:
            for name in registered:
                with contextlib.suppress(Exception):
                    raw.unregister(name)


def _segment_filter(
    f: ExploreFilters, has_labels: bool, key: str, *, segment_column: bool = False
) -> tuple[str, list[str], dict, str]:
    """JOIN, WHERE conditions and parameters keeping the selected segments' users.

    Also returns the ``segment`` column: the user's segment when ``segment_column`` is
    set (a left join of every row with the labels), else a constant. A segment filter
    alone is an inner join on the selected labels (one row per user), about twice as
    fast as an IN semi-join on 10M events. ``key`` is the rows' user key expression.
    """
    if f.segments and not has_labels:
        raise DataError(
            "A segment filter needs a saved segmentation: save a run on the Segment page "
            "or clear the segment filter."
        )
    params: dict = {}
    where: list[str] = []
    join_labels = has_labels and (segment_column or UNLABELLED in f.segments)
    if join_labels:
        seg = f"coalesce(l.segment, '{UNLABELLED}') AS segment"
        join = f"LEFT JOIN {_LABELS_VIEW} l ON l.user_id = {key}"
    else:
        seg = f"'{UNLABELLED}' AS segment"
        join = ""
    if f.segments:
        params["segments"] = [str(s) for s in f.segments]
        if join_labels:
            where.append(f"list_contains($segments, coalesce(l.segment, '{UNLABELLED}'))")
        else:
            join = (
                f"JOIN (SELECT user_id FROM {_LABELS_VIEW} "
                f"WHERE list_contains($segments, segment)) sel ON sel.user_id = {key}"
            )
    return join, where, params, seg


def _filtered_events(
    f: ExploreFilters,
    has_labels: bool,
    *,
    dates: bool = True,
    until_end: bool = False,
    segment_column: bool = False,
    columns: Sequence[str] = _ALL_EVENT_COLS,
    keyed: bool = False,
) -> tuple[str, dict]:
    """SELECT over events with the filters applied.

    Only ``columns`` are selected (plus ``segment``, see :func:`_segment_filter`):
    reading the comment text or other unused columns of every event roughly doubled the
    cost of a filtered query on 10M events.

    With ``keyed`` (a dataset with integer user keys, :func:`_is_keyed`) the ``user_id``
    column is the integer key ``uid``: only an opaque key to group or join labels by
    (registered by ``_duck(..., keyed=True)``), never a user id to show or join with the
    users table.
    """
    key = "e.uid" if keyed else "e.user_id"
    join, where, params, seg = _segment_filter(f, has_labels, key, segment_column=segment_column)
    if (dates or until_end) and f.end is not None:
        where.append("e.timestamp < $end_excl")
        params["end_excl"] = dt.datetime.combine(f.end + dt.timedelta(days=1), dt.time())
    if dates and f.start is not None:
        where.append("e.timestamp >= $start")
        params["start"] = dt.datetime.combine(f.start, dt.time())
    if f.platforms:
        where.append("list_contains($platforms, e.platform)")
        params["platforms"] = [str(p) for p in f.platforms]
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    cols = ", ".join("e.uid AS user_id" if keyed and c == "user_id" else f"e.{c}" for c in columns)
    return f"SELECT {cols}, {seg} FROM events e {join} {clause}", params


def _user_days(
    f: ExploreFilters, has_labels: bool, *, dates: bool = True, until_end: bool = False
) -> tuple[str, dict]:
    """SELECT over ``user_days`` (keyed datasets, no platform filter) with the filters applied.

    Columns: ``user_id`` (the integer key), ``day``, ``prev_day``, ``next_day``,
    ``first_day``, ``engaged``, ``purchased``: what :func:`_filtered_events` would give
    once reduced to one row per user and active day, with the previous / next active day
    inside the filtered range (NULL when it falls outside, as if the events there were
    filtered out); ``first_day`` is the user's first active day over all dates. A user's
    days are all in or all out of a segment, so a segment filter keeps the links exact;
    a platform filter changes which days are active, so callers use the events for it.
    """
    if f.platforms:
        raise ValueError("user_days has no platform: use the events for a platform filter")
    join, where, params, _ = _segment_filter(f, has_labels, "u.uid")
    prev, nxt = "u.prev_day", "u.next_day"
    if (dates or until_end) and f.end is not None:
        where.append("u.day <= $end_day")
        nxt = "CASE WHEN u.next_day <= $end_day THEN u.next_day END"
        params["end_day"] = f.end
    if dates and f.start is not None:
        where.append("u.day >= $start_day")
        prev = "CASE WHEN u.prev_day >= $start_day THEN u.prev_day END"
        params["start_day"] = f.start
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    return (
        f"SELECT u.uid AS user_id, u.day, {prev} AS prev_day, {nxt} AS next_day, "
        f"u.first_day, u.engaged, u.purchased FROM user_days u {join} {clause}",
        params,
    )


def _active_periods(f: ExploreFilters, has_labels: bool, grain: str) -> tuple[str, dict]:
    """SELECT of each user's active periods (``user_id``, ``p``, ``first_day``) from user_days.

    An active (user, period) is a day whose previous active day in the range falls in an
    earlier period (or is absent): one row each, without a DISTINCT over every event.
    """
    ud, params = _user_days(f, has_labels)
    period = f"date_trunc('{grain}', day)"
    return (
        f"SELECT user_id, {period} AS p, first_day FROM ({ud}) "
        f"WHERE prev_day IS NULL OR date_trunc('{grain}', prev_day) <> {period}",
        params,
    )


def _data_start_sql(from_user_days: bool) -> str:
    """SQL for the dataset's first active day (all users, platforms and dates)."""
    if from_user_days:
        return "(SELECT min(day) FROM user_days)"
    return "(SELECT CAST(min(timestamp) AS DATE) FROM events)"


def _run(raw, sql: str, params: dict) -> pd.DataFrame:
    """Execute DuckDB SQL with named parameters and return a pandas frame."""
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    return raw.execute(sql, used).df()


def _validate_grain(grain: str) -> str:
    if grain not in ("week", "month"):
        raise DataError(f"Period must be 'week' or 'month', not {grain!r}.")
    return grain


# --- data bounds -----------------------------------------------------------------------
def data_bounds(engine) -> DataBounds:
    """What the dataset covers, to build the filter widgets.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        Engine on a dataset with ``events`` and ``users`` tables.

    Returns
    -------
    DataBounds
    """
    with _duck(engine) as raw:
        # one scan for everything the filter widgets need
        row = raw.execute(
            "SELECT CAST(min(timestamp) AS DATE), CAST(max(timestamp) AS DATE), count(*), "
            "list(DISTINCT platform) FILTER (WHERE platform IS NOT NULL), "
            "list(DISTINCT content_format) FILTER (WHERE content_format IS NOT NULL), "
            "list(DISTINCT campaign) FILTER (WHERE campaign IS NOT NULL) FROM events"
        ).fetchone()
        attrs = _user_columns(raw)

    def values(items) -> tuple[str, ...]:
        return tuple(sorted(str(v) for v in (items or [])))

    return DataBounds(
        date_min=row[0],
        date_max=row[1],
        n_events=int(row[2]),
        platforms=values(row[3]),
        content_formats=values(row[4]),
        campaigns=values(row[5]),
        user_attributes=tuple(c for c in attrs if c != "user_id"),
    )


def _user_columns(raw) -> list[str]:
    """Columns of the users table (empty when the table is missing)."""
    rows = raw.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'users' ORDER BY ordinal_position"
    ).fetchall()
    return [r[0] for r in rows]


# --- activity --------------------------------------------------------------------------
def activity(
    engine, filters: ExploreFilters = ExploreFilters(), labels: pd.Series | None = None
) -> pd.DataFrame:
    """Daily active users, rolling 7-day (WAU) and 30-day (MAU) actives, stickiness.

    WAU/MAU on day d count distinct users with an event in [d-6, d] / [d-29, d] (platform
    and segment filters apply). The windows reach back before the selected start date,
    so the first days of a range are not understated; only where a window begins before
    the dataset's first day is it incomplete, which ``wau_full`` / ``mau_full`` say.

    Parameters
    ----------
    engine : sqlalchemy.Engine
    filters : ExploreFilters
    labels : pd.Series, optional
        Segment per user_id, needed for a segment filter.

    Returns
    -------
    DataFrame
        ``date``, ``dau``, ``wau``, ``mau``, ``stickiness`` (DAU / MAU), ``wau_full``,
        ``mau_full`` (the window lies inside the data), one row per day from the first to
        the last active day in the range.
    """
    keyed = _is_keyed(engine)
    look = filters
    if filters.start is not None:
        look = dataclasses.replace(filters, start=filters.start - dt.timedelta(days=29))
    if keyed and not filters.platforms:
        # one row per user and active day, previous active day stored at ingest
        ud, params = _user_days(look, labels is not None)
        src = f"SELECT day AS d, prev_day AS p FROM ({ud})"
    else:
        # the previous active day from a window over the events themselves: within a
        # user's events ordered by day, the first event of each active day is the one
        # whose previous event's day differs, and that day is the previous active day
        # (this skips a DISTINCT (user, day) pass, as costly as the window)
        ev, params = _filtered_events(look, labels is not None, columns=_UT, keyed=keyed)
        src = f"""SELECT d, p FROM (
            SELECT d, lag(d) OVER (PARTITION BY user_id ORDER BY d) AS p
            FROM (SELECT user_id, CAST(timestamp AS DATE) AS d FROM ({ev}))
        ) WHERE p IS DISTINCT FROM d"""
    first_day = _data_start_sql(keyed and not filters.platforms)
    params["show_start"] = filters.start
    # Rolling distinct counts by a sweep line (hand-written because SQL has no rolling
    # COUNT DISTINCT): each active day d of a user whose previous active day was p makes
    # the user count in the window on days [max(d, p + W), d + W - 1]; these intervals
    # never overlap, so +1 at the start and -1 at d + W, summed cumulatively, is exact.
    # The (d, p) pairs are counted first, so the sweep runs on at most days x days rows
    # instead of one row per user and day.
    sql = f"""
    WITH pairs AS (SELECT d, p, count(*) AS n FROM ({src}) GROUP BY ALL),
    bounds AS (
        SELECT min(d) AS d0, max(d) AS d1,
               min(d) FILTER (WHERE $show_start IS NULL OR d >= $show_start) AS shown
        FROM pairs
    ),
    days AS (
        SELECT CAST(unnest(generate_series(d0, d1, INTERVAL 1 DAY)) AS DATE) AS d FROM bounds
    ),
    deltas AS (
        SELECT greatest(d, coalesce(p + 7, d)) AS d, n AS w, 0 AS m FROM pairs
        UNION ALL SELECT d + 7, -n, 0 FROM pairs
        UNION ALL SELECT greatest(d, coalesce(p + 30, d)), 0, n FROM pairs
        UNION ALL SELECT d + 30, 0, -n FROM pairs
    ),
    daily_delta AS (SELECT d, sum(w) AS w, sum(m) AS m FROM deltas GROUP BY d),
    dau AS (SELECT d, sum(n) AS dau FROM pairs GROUP BY d),
    swept AS (
        SELECT days.d, coalesce(dau.dau, 0) AS dau,
               sum(coalesce(dd.w, 0)) OVER (ORDER BY days.d) AS wau,
               sum(coalesce(dd.m, 0)) OVER (ORDER BY days.d) AS mau
        FROM days LEFT JOIN dau ON dau.d = days.d LEFT JOIN daily_delta dd ON dd.d = days.d
    )
    SELECT d AS date, dau, wau, mau,
           d >= {first_day} + 6 AS wau_full, d >= {first_day} + 29 AS mau_full
    FROM swept WHERE d >= (SELECT shown FROM bounds)
    ORDER BY d
    """
    with _duck(engine, labels, keyed=keyed) as raw:
        out = _run(raw, sql, params)
    out["date"] = pd.to_datetime(out["date"])
    for col in ("dau", "wau", "mau"):
        out[col] = out[col].fillna(0).astype("int64")
    for col in ("wau_full", "mau_full"):
        out[col] = out[col].astype(bool)
    out["stickiness"] = np.where(
        out["mau"] > 0, out["dau"] / out["mau"].where(out["mau"] > 0), np.nan
    )
    return out


def active_hours(
    engine, filters: ExploreFilters = ExploreFilters(), labels: pd.Series | None = None
) -> pd.DataFrame:
    """Events and interactions by weekday x hour (all 168 cells).

    (Distinct users per cell are left out on purpose: they cost a distinct count per
    cell over every event and do not change where the best windows are.)

    Returns
    -------
    DataFrame
        ``weekday`` (0 = Monday), ``weekday_name``, ``hour`` (0-23), ``events``,
        ``interactions`` (likes + comments + shares + saves).
    """
    keyed = _is_keyed(engine)
    ev, params = _filtered_events(
        filters, labels is not None, columns=("timestamp", "event_type"), keyed=keyed
    )
    sql = f"""
    WITH ev AS ({ev}),
    cells AS (
        SELECT isodow(timestamp) - 1 AS weekday, hour(timestamp) AS hour,
               count(*) AS events,
               count(*) FILTER (WHERE event_type IN ('like','comment','share','save'))
                   AS interactions
        FROM ev GROUP BY ALL
    ),
    grid AS (
        SELECT w AS weekday, h AS hour FROM range(7) t(w), range(24) s(h)
    )
    SELECT grid.weekday, grid.hour, coalesce(events, 0) AS events,
           coalesce(interactions, 0) AS interactions
    FROM grid LEFT JOIN cells USING (weekday, hour)
    ORDER BY grid.weekday, grid.hour
    """
    with _duck(engine, labels, keyed=keyed) as raw:
        out = _run(raw, sql, params)
    for col in ("weekday", "hour", "events", "interactions"):
        out[col] = out[col].astype("int64")
    out.insert(1, "weekday_name", [WEEKDAY_NAMES[w] for w in out["weekday"]])
    return out


def best_posting_windows(heatmap: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The ``n`` weekday x hour cells with the most interactions (events break ties).

    Parameters
    ----------
    heatmap : DataFrame
        Output of :func:`active_hours`.
    n : int
        How many windows to return.

    Returns
    -------
    DataFrame
        The top rows of ``heatmap`` plus ``label`` such as ``"Tue 20:00-21:00"``; empty
        when there are no events.
    """
    if n < 1:
        raise DataError(f"Number of posting windows must be at least 1, not {n}.")
    cells = heatmap[heatmap["events"] > 0]
    top = cells.sort_values(
        ["interactions", "events", "weekday", "hour"], ascending=[False, False, True, True]
    ).head(n)
    top = top.assign(
        label=[
            f"{WEEKDAY_NAMES[w]} {h:02d}:00-{(h + 1) % 24:02d}:00"
            for w, h in zip(top["weekday"], top["hour"], strict=True)
        ]
    )
    return top.reset_index(drop=True)


def new_vs_returning(
    engine,
    filters: ExploreFilters = ExploreFilters(),
    labels: pd.Series | None = None,
    grain: Grain = "week",
) -> pd.DataFrame:
    """Active users per period split into new (first event ever in that period) and returning.

    A user's first event is taken over all dates (platform and segment filters apply), so
    someone active before the selected range counts as returning.

    Returns
    -------
    DataFrame
        ``period`` (start date), ``new_users``, ``returning_users``, ``active_users``.
    """
    grain = _validate_grain(grain)
    keyed = _is_keyed(engine)
    if keyed and not filters.platforms:
        # each user's first active day is stored with the active days
        act, params = _active_periods(filters, labels is not None, grain)
        sql = f"""
        SELECT p AS period,
               count(*) FILTER (WHERE date_trunc('{grain}', first_day) = p) AS new_users,
               count(*) FILTER (WHERE date_trunc('{grain}', first_day) < p) AS returning_users
        FROM ({act}) GROUP BY 1 ORDER BY 1
        """
    else:
        base, params = _filtered_events(
            filters, labels is not None, dates=False, columns=_UT, keyed=keyed
        )
        ev, params2 = _filtered_events(filters, labels is not None, columns=_UT, keyed=keyed)
        params = {**params, **params2}
        sql = f"""
        WITH base AS ({base}),
        first_seen AS (SELECT user_id, date_trunc('{grain}', min(timestamp)) AS fp
                       FROM base GROUP BY user_id),
        act AS (SELECT DISTINCT user_id, date_trunc('{grain}', timestamp) AS period
                FROM ({ev}))
        SELECT period,
               count(*) FILTER (WHERE fp = period) AS new_users,
               count(*) FILTER (WHERE fp < period) AS returning_users
        FROM act JOIN first_seen USING (user_id)
        GROUP BY period ORDER BY period
        """
    with _duck(engine, labels, keyed=keyed) as raw:
        out = _run(raw, sql, params)
    out["period"] = pd.to_datetime(out["period"])
    out["new_users"] = out["new_users"].astype("int64")
    out["returning_users"] = out["returning_users"].astype("int64")
    out["active_users"] = out["new_users"] + out["returning_users"]
    return out


def lifecycle_mix(
    engine,
    filters: ExploreFilters = ExploreFilters(),
    labels: pd.Series | None = None,
    grain: Grain = "week",
    windows=None,
) -> pd.DataFrame:
    """Users in each lifecycle stage at the end of each period.

    The stage rules and windows are ``core.segments.features``' (:func:`stage_rules`), applied with
    each period end as the as-of date, so the latest period matches the feature table's
    ``lifecycle_stage`` for the same as-of date and filters.
    History before the selected start date counts (a user first seen earlier is not new);
    a period's end is its last day or the range end, whichever is first. Users appear
    from the period of their first event on.

    Returns
    -------
    DataFrame
        ``period`` (start date), ``as_of`` (date), ``stage``, ``users``, ``share``,
        ``history_full`` (the dataset's first day lies at least ``new_days`` and
        ``dormant_days`` before ``as_of``; before that every engaged user is new and none
        can be dormant, whatever their history before the data); every stage appears for
        every period (zeros included), in ``STAGES`` order.
    """
    grain = _validate_grain(grain)
    windows = windows if windows is not None else LifecycleWindows()
    if not isinstance(windows, LifecycleWindows):
        raise DataError("The lifecycle windows must be a LifecycleWindows value.")
    keyed = _is_keyed(engine)
    loyal_n = int(windows.loyal_purchase_days)
    if keyed and not filters.platforms:
        # per user and active day, the next active day stored at ingest: the last active
        # day of each active period is a day whose next active day is in a later period
        ud, params = _user_days(filters, labels is not None, dates=False, until_end=True)
        facts = f"""
    ud AS ({ud}),
    marked AS (
        SELECT user_id, CAST(date_trunc('{grain}', day) AS DATE) AS p, day AS d,
               CAST(date_trunc('{grain}', next_day) AS DATE) AS p_next
        FROM ud
    ),
    firsts AS (
        SELECT user_id, min(day) AS first_day, min(day) FILTER (WHERE engaged) AS engaged_day
        FROM ud GROUP BY user_id
    ),
    loyal AS (
        SELECT user_id, day AS loyal_day FROM (
            SELECT user_id, day, row_number() OVER (PARTITION BY user_id ORDER BY day) AS k
            FROM ud WHERE purchased
        ) WHERE k = {loyal_n}
    )"""
    else:
        base, params = _filtered_events(
            filters, labels is not None, dates=False, until_end=True, columns=_UTE, keyed=keyed
        )
        # one window over the events (no per-(user, period) group-by first): the last
        # event of each active period of a user carries the period's last day and the next
        # active period; per-user facts (first day, first engagement, the day of the
        # loyal_purchase_days-th purchase day) come from group-bys, much cheaper than more
        # window functions on events stored by user
        facts = f"""
    base AS ({base}),
    marked AS (
        SELECT user_id, p, d, lead(p) OVER (PARTITION BY user_id ORDER BY timestamp) AS p_next
        FROM (SELECT user_id, timestamp, CAST(timestamp AS DATE) AS d,
                     CAST(date_trunc('{grain}', timestamp) AS DATE) AS p FROM base)
    ),
    firsts AS (
        SELECT user_id, CAST(min(timestamp) AS DATE) AS first_day,
               CAST(min(timestamp) FILTER (WHERE {ENGAGED_SQL}) AS DATE) AS engaged_day
        FROM base GROUP BY user_id
    ),
    loyal AS (
        SELECT user_id, d AS loyal_day FROM (
            SELECT user_id, d, row_number() OVER (PARTITION BY user_id ORDER BY d) AS k
            FROM (SELECT DISTINCT user_id, CAST(timestamp AS DATE) AS d FROM base
                  WHERE event_type = 'purchase')
        ) WHERE k = {loyal_n}
    )"""
    data_start = _data_start_sql(keyed and not filters.platforms)
    # before this many days of data nobody can be past "new" or be dormant yet
    full_days = max(int(windows.new_days), int(windows.dormant_days))
    grain_days = 7 if grain == "week" else None
    end_expr = (
        f"p + INTERVAL {grain_days} DAY - INTERVAL 1 DAY"
        if grain_days
        else "p + INTERVAL 1 MONTH - INTERVAL 1 DAY"
    )
    params["range_start"] = filters.start
    params["range_end"] = filters.end
    # Sweep instead of a users x periods grid: between two consecutive active periods
    # a user's last active day, engagement and purchase days are constant, so over the
    # periods in between the stage only moves forward in time (new -> loyal/active ->
    # dormant -> churned) at as-of thresholds (first_day + new_days, last_day +
    # dormant_days, last_day + churned_days). Each stage's run of periods is emitted as
    # +1 at its first period and -1 after its last, and a cumulative sum over periods
    # gives the users per stage (hand-written: SQL has no interval-coverage aggregate).
    far = "DATE '9999-12-31'"
    last_p = "(SELECT last_p FROM bounds)"

    def q_ge(t: str) -> str:
        """First period whose as-of date is >= t (far future when none is)."""
        return (
            f"CASE WHEN {t} > (SELECT last FROM bounds) THEN {far} "
            f"ELSE CAST(date_trunc('{grain}', {t}) AS DATE) END"
        )

    sql = f"""
    WITH {facts},
    seg AS (
        SELECT m.user_id, m.p, m.d AS last_day, f.first_day,
               CASE WHEN f.engaged_day <= m.d THEN 1 ELSE 0 END AS engaged,
               CASE WHEN l.loyal_day <= m.d THEN {int(windows.loyal_purchase_days)} ELSE 0 END
                   AS purchases,
               coalesce(m.p_next, {far}) AS p_next
        FROM marked m JOIN firsts f ON f.user_id = m.user_id
        LEFT JOIN loyal l ON l.user_id = m.user_id
        WHERE m.p_next IS DISTINCT FROM m.p
    ),
    bounds AS (
        SELECT min(p) AS p_all,
               coalesce(CAST(date_trunc('{grain}', CAST($range_start AS DATE)) AS DATE), min(p))
                   AS p0,
               coalesce(CAST($range_end AS DATE), CAST(max(last_day) AS DATE)) AS last,
               CAST(date_trunc('{grain}', coalesce(CAST($range_end AS DATE),
                                                   CAST(max(last_day) AS DATE))) AS DATE)
                   AS last_p
        FROM seg
    ),
    periods AS (
        SELECT CAST(unnest(generate_series(p_all, last_p, INTERVAL 1 {grain.upper()})) AS DATE)
            AS p
        FROM bounds
    ),
    ends AS (
        SELECT p, least(CAST({end_expr} AS DATE), (SELECT last FROM bounds)) AS as_of
        FROM periods
    ),
    -- users with the same periods and thresholds move through the same stages: count
    -- them once (a few thousand rows instead of one per user and active period)
    th AS (
        SELECT p, p_next, engaged, base_stage, q_n, q_d, q_c, count(*) AS n FROM (
            SELECT p, p_next, engaged,
                   CASE WHEN purchases >= {int(windows.loyal_purchase_days)} THEN 'loyal'
                        ELSE 'active' END AS base_stage,
                   {q_ge(f"first_day + {int(windows.new_days)}")} AS q_n,
                   {q_ge(f"last_day + {int(windows.dormant_days)}")} AS q_d,
                   {q_ge(f"last_day + {int(windows.churned_days)}")} AS q_c
            FROM seg
        ) GROUP BY ALL
    ),
    runs AS (
        SELECT 'prospect' AS stage, p AS s, p_next AS e, n FROM th WHERE engaged = 0
        UNION ALL
        SELECT 'new', p, least(q_n, q_d, q_c, p_next), n FROM th WHERE engaged > 0
        UNION ALL
        SELECT base_stage, greatest(p, q_n), least(q_d, q_c, p_next), n FROM th
        WHERE engaged > 0
        UNION ALL
        SELECT 'dormant', greatest(p, q_d), least(q_c, p_next), n FROM th WHERE engaged > 0
        UNION ALL
        SELECT 'churned', greatest(p, q_c), p_next, n FROM th WHERE engaged > 0
    ),
    deltas AS (
        SELECT stage, p, sum(d) AS d FROM (
            SELECT stage, s AS p, n AS d FROM runs WHERE s < e AND s <= {last_p}
            UNION ALL
            SELECT stage, e, -n FROM runs WHERE s < e AND s <= {last_p} AND e <= {last_p}
        ) GROUP BY ALL
    ),
    stages AS (SELECT DISTINCT stage FROM deltas),
    swept AS (
        SELECT e.p, e.as_of, st.stage,
               sum(coalesce(d.d, 0)) OVER (PARTITION BY st.stage ORDER BY e.p) AS users
        FROM ends e CROSS JOIN stages st
        LEFT JOIN deltas d ON d.p = e.p AND d.stage = st.stage
    )
    SELECT p AS period, as_of, stage, users,
           as_of >= {data_start} + {full_days} AS history_full
    FROM swept
    WHERE users > 0 AND p >= (SELECT p0 FROM bounds)
    """
    with _duck(engine, labels, keyed=keyed) as raw:
        counts = _run(raw, sql, params)
    if counts.empty:
        return pd.DataFrame(columns=["period", "as_of", "stage", "users", "share", "history_full"])
    keys = counts[["period", "as_of", "history_full"]].drop_duplicates().sort_values("period")
    grid = keys.merge(pd.DataFrame({"stage": STAGES}), how="cross")
    out = grid.merge(
        counts.drop(columns="history_full"), on=["period", "as_of", "stage"], how="left"
    )
    out["history_full"] = out["history_full"].astype(bool)
    out["users"] = out["users"].fillna(0).astype("int64")
    totals = out.groupby("period")["users"].transform("sum")
    out["share"] = out["users"] / totals.where(totals > 0)
    out["period"] = pd.to_datetime(out["period"])
    out["as_of"] = pd.to_datetime(out["as_of"])
    out["stage"] = pd.Categorical(out["stage"], categories=STAGES, ordered=True)
    out = out.sort_values(["period", "stage"]).reset_index(drop=True)
    out["stage"] = out["stage"].astype(str)
    return out


# --- KPIs ------------------------------------------------------------------------------
#: The event-type counts of each KPI group (column -> event type).
_GROUP_COUNTS = {
    "exposures": "view",
    "likes": "like",
    "comments": "comment",
    "shares": "share",
    "saves": "save",
    "clicks": "click",
    "registrations": "register",
    "follows": "follow",
    "orders": "purchase",
}


def _kpi_sql(source: str, group: str, extra: str = "") -> str:
    """KPI counts per group.

    Event counts and revenue come from a group-by on (group, event type) pivoted
    afterwards: nine filtered counts over every event cost four times as much on 10M
    events. The distinct-user counts (active users, reach, buyers, exposed buyers,
    repeat buyers: purchases on two or more days) come from one per-(group, user) pass
    that keeps only flags and the first / last purchase day per user (no COUNT DISTINCT).
    """
    sort = ", min(sort_key) AS sort_key" if extra else ""
    return f"""
    by_type AS (
        SELECT {group} AS grp{sort}, event_type, count(*) AS n, sum(amount) AS amount
        FROM {source} GROUP BY grp, event_type
    ),
    cnt AS (
        SELECT grp{sort},
               {kpis.event_counts_sql(_GROUP_COUNTS, rows="sum(n)")}
        FROM by_type GROUP BY grp
    ),
    pu AS (
        SELECT {group} AS grp, user_id,
               bool_or(event_type = 'view') AS v, bool_or(event_type = 'purchase') AS b,
               min(CAST(timestamp AS DATE)) FILTER (WHERE event_type = 'purchase') AS b0,
               max(CAST(timestamp AS DATE)) FILTER (WHERE event_type = 'purchase') AS b1
        FROM {source} GROUP BY ALL
    ),
    usr AS (
        SELECT grp, count(*) AS active_users, count(*) FILTER (WHERE v) AS reach,
               count(*) FILTER (WHERE b) AS buyers,
               count(*) FILTER (WHERE v AND b) AS exposed_buyers,
               count(*) FILTER (WHERE b0 < b1) AS repeat_buyers
        FROM pu GROUP BY grp
    ),
    k AS (
        SELECT cnt.*, usr.active_users, usr.reach, usr.buyers, usr.exposed_buyers,
               usr.repeat_buyers
        FROM cnt JOIN usr USING (grp)
    )"""


_COUNT_COLS = (
    "exposures",
    "reach",
    "active_users",
    "likes",
    "comments",
    "shares",
    "saves",
    "clicks",
    "registrations",
    "follows",
    "orders",
    "buyers",
    "exposed_buyers",
)


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """num / den with NaN where the denominator is zero."""
    den = den.astype("float64")
    return num.astype("float64") / den.where(den > 0)


def _add_rates(frame: pd.DataFrame, target_users: int | None) -> pd.DataFrame:
    """Derive every rate KPI from the counts with ``core.personas.kpis``' formulas (one implementation).

    Explore's group is the users active in the filtered events, so ARPU divides by
    ``active_users``; reach rate divides by the target users (the users table, in the
    selected segments); orders are ``core.personas.kpis``' purchases.
    """
    out = frame.copy()
    for col in _COUNT_COLS:
        if col in out:
            out[col] = out[col].fillna(0).astype("int64")
    out["revenue"] = out["revenue"].fillna(0.0).astype("float64")
    out["interactions"] = out["likes"] + out["comments"] + out["shares"] + out["saves"]
    if "repeat_buyers" in out:
        out["repeat_buyers"] = out["repeat_buyers"].fillna(0).astype("int64")
    out["target_users"] = int(target_users or 0)
    named = out.assign(users=out["active_users"], purchases=out["orders"])
    rated = kpis.evaluate_kpis(named)
    for key in (k.key for k in kpis.KPIS if k.key in rated and k.key not in named):
        out[key] = rated[key].to_numpy()
    if "reach_rate" not in out:
        out["reach_rate"] = np.nan
    return out


_DIMENSIONS = ("platform", "content_format", "campaign", "segment")


def kpi_summary(
    engine,
    filters: ExploreFilters = ExploreFilters(),
    labels: pd.Series | None = None,
    by: Dimension | None = None,
    costs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every KPI overall (one row) or per platform, content format, campaign or segment.

    Parameters
    ----------
    engine : sqlalchemy.Engine
    filters : ExploreFilters
    labels : pd.Series, optional
        Segment per user_id; required for ``by="segment"`` and a segment filter.
    by : {"platform", "content_format", "campaign", "segment"}, optional
        Break the KPIs down by this column; missing values show as ``"(none)"``.
    costs : DataFrame, optional
        Campaign costs from :func:`read_campaign_costs`; adds ``cost``,
        ``campaign_revenue`` and ``roi`` (overall, by platform and by campaign).

    Returns
    -------
    DataFrame
        ``group`` plus the counts (``exposures``, ``reach``, ``active_users``, ``likes``,
        ``comments``, ``shares``, ``saves``, ``clicks``, ``registrations``, ``follows``,
        ``orders``, ``buyers``, ``repeat_buyers``, ``revenue``, ``interactions``) and the
        rates named in :func:`kpi_definitions`. Rates with a zero denominator are NaN.
        ``reach_rate`` uses the users table (or all users with events) as target users.
    """
    if by is not None and by not in _DIMENSIONS:
        raise DataError(f"KPIs can be broken down by {', '.join(_DIMENSIONS)}, not {by!r}.")
    if by == "segment" and labels is None:
        raise DataError(
            "KPIs by segment need a saved segmentation: save a run on the Segment page."
        )
    keyed = _is_keyed(engine)
    ev, params = _filtered_events(
        filters,
        labels is not None,
        segment_column=by == "segment",
        columns=_KPI_COLS + ((by,) if by in ("platform", "content_format", "campaign") else ()),
        keyed=keyed,
    )
    group = f"coalesce(CAST({by} AS VARCHAR), '{NO_VALUE}')" if by else "'All'"
    sql = f"""
    WITH ev AS ({ev}), {_kpi_sql("ev", group)}
    SELECT * FROM k ORDER BY exposures DESC, grp
    """
    costs_frame = _validate_costs(costs) if costs is not None else None
    with _duck(engine, labels, costs_frame, keyed=keyed) as raw:
        out = _run(raw, sql, params)
        target = _target_users(raw, filters, labels, engine)
        roi = (
            _campaign_roi(raw, filters, labels is not None, by, keyed=keyed)
            if costs_frame is not None and by in (None, "platform", "campaign")
            else None
        )
    if out.empty and by is None:
        out = pd.DataFrame([{"grp": "All", **dict.fromkeys(_COUNT_COLS, 0), "revenue": 0.0}])
        out["repeat_buyers"] = 0
    out = out.rename(columns={"grp": "group"})
    out["group"] = out["group"].astype(str)
    out = _add_rates(out, target)
    if roi is not None:
        out = out.merge(roi, on="group", how="left")
    elif costs_frame is not None:
        out["cost"] = np.nan
        out["campaign_revenue"] = np.nan
    if "cost" in out:
        out["roi"] = (out["campaign_revenue"] - out["cost"]) / out["cost"].where(out["cost"] > 0)
    else:
        out["roi"] = np.nan
    return out.reset_index(drop=True)


#: Target users of a dataset without a segment filter, per engine (a dataset never changes
#: once written, and dataset_engine gives a replaced file a new engine): a distinct count
#: over 1M users costs a noticeable share of a filter change's time budget.
_ALL_TARGET_USERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _target_users(raw, f: ExploreFilters, labels: pd.Series | None, engine) -> int:
    """Target users for reach rate: users table rows (or users with events), in-segment.

    With a segment filter, the users of each segment are counted once per run and
    summed over the selected segments (segments never share a user).
    """
    if f.segments and labels is not None:
        in_users = _SEGMENT_TARGETS.get(labels, engine, lambda: _targets_by_segment(raw, True))
        n = sum(in_users.get(s, 0) for s in f.segments)
        if not n:
            with_events = _SEGMENT_EVENT_TARGETS.get(
                labels, engine, lambda: _targets_by_segment(raw, False)
            )
            n = sum(with_events.get(s, 0) for s in f.segments)
        return n
    if engine not in _ALL_TARGET_USERS:
        n_users = 0
        if "user_id" in _user_columns(raw):
            n_users = _run(raw, "SELECT count(DISTINCT user_id) FROM users", {}).iat[0, 0]
        if not n_users:
            n_users = _run(raw, "SELECT count(DISTINCT user_id) FROM events", {}).iat[0, 0]
        _ALL_TARGET_USERS[engine] = int(n_users)
    return _ALL_TARGET_USERS[engine]


def _targets_by_segment(raw, users_table: bool) -> dict[str, int]:
    """Users per segment in the users table, or among users with events."""
    if users_table and "user_id" not in _user_columns(raw):
        return {}
    # labels hold one row per user: counting the labels whose user is in the table is
    # the distinct count, without hashing the table's ids twice
    table = "users" if users_table else "events"
    rows = _run(
        raw,
        f"SELECT segment, count(*) FROM {_LABELS_BY_ID} "
        f"WHERE user_id IN (SELECT user_id FROM {table}) GROUP BY segment",
        {},
    )
    return {str(seg): int(n) for seg, n in rows.itertuples(index=False)}


def read_campaign_costs(source) -> pd.DataFrame:
    """Read and validate a campaign-cost table (CSV path, bytes or DataFrame).

    Parameters
    ----------
    source : str, Path, bytes or DataFrame
        Columns ``campaign``, ``cost`` and optionally ``platform``, ``period_start``,
        ``period_end`` (dates). A missing platform means all platforms; missing dates
        mean the whole data range.

    Returns
    -------
    DataFrame
        ``campaign`` (str), ``platform`` (str or None, lower-case), ``period_start``,
        ``period_end`` (datetime64 or NaT), ``cost`` (float).
    """
    import io

    if isinstance(source, pd.DataFrame):
        frame = source.copy()
    else:
        data = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
        try:
            frame = pd.read_csv(data, dtype=str, encoding="utf-8-sig")
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise DataError(
                "The campaign cost file could not be read: save it as a UTF-8 CSV with columns "
                "campaign, platform, period_start, period_end, cost."
            ) from exc
    return _validate_costs(frame)


def _validate_costs(frame: pd.DataFrame) -> pd.DataFrame:
    """Normalise a cost table; raise DataError naming the bad column or row."""
    cols = {str(c).strip().lower(): c for c in frame.columns}
    for need in ("campaign", "cost"):
        if need not in cols:
            raise DataError(
                f"The campaign cost table has no '{need}' column: add it (columns: campaign, "
                "platform, period_start, period_end, cost)."
            )
    out = pd.DataFrame({"campaign": frame[cols["campaign"]].astype(str).str.strip()})
    out["platform"] = (
        frame[cols["platform"]].astype("string").str.strip().str.lower()
        if "platform" in cols
        else pd.Series(pd.NA, index=frame.index, dtype="string")
    )
    out["platform"] = (
        out["platform"].replace("", pd.NA).astype(object).where(out["platform"].notna(), None)
    )
    for col in ("period_start", "period_end"):
        if col in cols:
            values = pd.to_datetime(frame[cols[col]], errors="coerce")
            bad = (
                values.isna()
                & frame[cols[col]].notna()
                & (frame[cols[col]].astype(str).str.strip() != "")
            )
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
                raise DataError(
                    f"Campaign cost row {row}: '{col}' is not a date; write it as YYYY-MM-DD."
                )
            out[col] = values.dt.normalize()
        else:
            out[col] = pd.NaT
    cost = pd.to_numeric(frame[cols["cost"]], errors="coerce")
    bad = cost.isna() | (cost < 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise DataError(f"Campaign cost row {row}: 'cost' must be a number of 0 or more.")
    out["cost"] = cost.astype("float64")
    return out.reset_index(drop=True)


def _campaign_roi(
    raw, f: ExploreFilters, has_labels: bool, by: str | None, *, keyed: bool = False
) -> pd.DataFrame:
    """Cost and campaign-attributed revenue per group (overall, platform or campaign).

    A cost row counts when its period overlaps the selected dates; its revenue is the
    purchases of that campaign (and platform, when given) inside both its period and the
    selected dates.
    """
    ev, params = _filtered_events(
        f,
        has_labels,
        columns=("timestamp", "event_type", "platform", "amount", "campaign"),
        keyed=keyed,
    )
    params["f_start"] = dt.datetime.combine(f.start, dt.time()) if f.start else None
    params["f_end"] = dt.datetime.combine(f.end, dt.time()) if f.end else None
    plat_filter = ""
    if f.platforms:
        plat_filter = "AND (c.platform IS NULL OR list_contains($platforms, c.platform))"
    group = {"campaign": "c.campaign", "platform": f"coalesce(c.platform, '{NO_VALUE}')"}.get(
        by or "", "'All'"
    )
    sql = f"""
    WITH ev AS ({ev}),
    c AS (
        SELECT row_number() OVER () AS rid, * FROM {_COSTS_VIEW} c
        WHERE (c.period_end IS NULL OR $f_start IS NULL OR c.period_end >= $f_start)
          AND (c.period_start IS NULL OR $f_end IS NULL OR c.period_start <= $f_end)
          {plat_filter}
    ),
    rev AS (
        SELECT c.rid, coalesce(sum(e.amount), 0) AS revenue
        FROM c LEFT JOIN ev e
          ON e.event_type = 'purchase' AND e.campaign = c.campaign
         AND (c.platform IS NULL OR e.platform = c.platform)
         AND (c.period_start IS NULL OR e.timestamp >= c.period_start)
         AND (c.period_end IS NULL OR e.timestamp < c.period_end + INTERVAL 1 DAY)
        GROUP BY c.rid
    )
    SELECT {group} AS "group", sum(c.cost) AS cost, sum(rev.revenue) AS campaign_revenue
    FROM c JOIN rev USING (rid) GROUP BY 1
    """
    out = _run(raw, sql, params)
    out["group"] = out["group"].astype(str)
    return out


def kpi_trends(
    engine,
    filters: ExploreFilters = ExploreFilters(),
    labels: pd.Series | None = None,
    grain: Grain = "week",
) -> pd.DataFrame:
    """KPIs per week or month with the change against the previous period.

    Returns
    -------
    DataFrame
        ``period`` (start date) and every count and rate of :func:`kpi_summary`, plus
        ``<kpi>_change``: relative change vs the previous period (week-over-week or
        month-over-month; NaN for the first period or a zero previous value).
    """
    grain = _validate_grain(grain)
    keyed = _is_keyed(engine)
    ev, params = _filtered_events(filters, labels is not None, columns=_KPI_COLS, keyed=keyed)
    sql = f"""
    WITH ev AS ({ev}), {_kpi_sql("ev", f"date_trunc('{grain}', timestamp)")}
    SELECT * FROM k ORDER BY grp
    """
    with _duck(engine, labels, keyed=keyed) as raw:
        out = _run(raw, sql, params)
        target = _target_users(raw, filters, labels, engine)
    out = out.rename(columns={"grp": "period"})
    out["period"] = pd.to_datetime(out["period"])
    out = _add_rates(out, target)
    for col in [
        *_COUNT_COLS,
        "revenue",
        "interactions",
        *[r for r in RATE_KPIS if r in out],
        "arpu",
        "average_order_value",
    ]:
        prev = out[col].shift(1).astype("float64")
        out[f"{col}_change"] = (out[col].astype("float64") - prev) / prev.where(prev != 0)
    return out


def engagement_ladder(
    engine, filters: ExploreFilters = ExploreFilters(), labels: pd.Series | None = None
) -> pd.DataFrame:
    """Users reaching each step of view -> like -> comment -> share -> purchase, per segment.

    Returns
    -------
    DataFrame
        ``segment`` (``"All users"`` first, then each segment when labels are given),
        ``step``, ``step_order`` (1-5), ``users`` (did this step and every earlier one),
        ``users_any`` (did this step at all), ``share_of_first`` (users / users at step 1).
    """
    keyed = _is_keyed(engine)
    ev, params = _filtered_events(
        filters,
        labels is not None,
        segment_column=True,
        columns=("user_id", "event_type"),
        keyed=keyed,
    )
    flags = ", ".join(f"bool_or(event_type = '{s}') AS s{i}" for i, s in enumerate(LADDER_STEPS))
    ladder = ", ".join(
        f"count(*) FILTER (WHERE {' AND '.join(f's{j}' for j in range(i + 1))}) AS l{i}, "
        f"count(*) FILTER (WHERE s{i}) AS a{i}"
        for i in range(len(LADDER_STEPS))
    )
    sql = f"""
    WITH ev AS ({ev}),
    u AS (SELECT user_id, any_value(segment) AS segment, {flags} FROM ev GROUP BY user_id)
    SELECT CASE WHEN grouping(segment) = 1 THEN 'All users' ELSE segment END AS segment,
           grouping(segment) AS lvl, {ladder}
    FROM u GROUP BY GROUPING SETS ((), (segment))
    ORDER BY lvl DESC, segment
    """
    with _duck(engine, labels, keyed=keyed) as raw:
        wide = _run(raw, sql, params)
    if labels is None:
        wide = wide[wide["lvl"] == 1]
    if wide.empty:
        wide = pd.DataFrame(
            [
                {
                    "segment": "All users",
                    "lvl": 1,
                    **{f"l{i}": 0 for i in range(5)},
                    **{f"a{i}": 0 for i in range(5)},
                }
            ]
        )
    rows = []
    for _, r in wide.iterrows():
        first = r["l0"]
        for i, step in enumerate(LADDER_STEPS):
            rows.append(
                {
                    "segment": str(r["segment"]),
                    "step": step,
                    "step_order": i + 1,
                    "users": int(r[f"l{i}"]),
                    "users_any": int(r[f"a{i}"]),
                    "share_of_first": (r[f"l{i}"] / first) if first else np.nan,
                }
            )
    return pd.DataFrame(rows)


def retention_matrix(
    engine,
    filters: ExploreFilters = ExploreFilters(),
    labels: pd.Series | None = None,
    grain: Grain = "week",
) -> pd.DataFrame:
    """Cohort retention: share of each first-active cohort active again k periods later.

    Cohorts are the week (Monday start) or month of a user's first event within the
    filtered events; period 0 is that cohort period itself (retention 1.0).

    Returns
    -------
    DataFrame
        ``cohort`` (start date), ``period`` (0, 1, ...), ``cohort_size``, ``users``,
        ``retention`` (users / cohort_size); one row per cohort and period up to the last
        period in the data (zeros included).
    """
    grain = _validate_grain(grain)
    keyed = _is_keyed(engine)
    if keyed and not filters.platforms:
        active, params = _active_periods(filters, labels is not None, grain)
    else:
        ev, params = _filtered_events(filters, labels is not None, columns=_UT, keyed=keyed)
        active = f"SELECT DISTINCT user_id, date_trunc('{grain}', timestamp) AS p FROM ({ev})"
    sql = f"""
    WITH act AS ({active}),
    coh AS (SELECT user_id, min(p) AS cohort FROM act GROUP BY user_id),
    sizes AS (SELECT cohort, count(*) AS cohort_size FROM coh GROUP BY cohort),
    cells AS (
        SELECT cohort, datediff('{grain}', cohort, p) AS period, count(*) AS users
        FROM act JOIN coh USING (user_id) GROUP BY ALL
    ),
    last AS (SELECT max(p) AS last_p FROM act),
    grid AS (
        SELECT s.cohort, s.cohort_size, unnest(range(datediff('{grain}', s.cohort, last.last_p) + 1)) AS period
        FROM sizes s, last
    )
    SELECT g.cohort, g.period, g.cohort_size, coalesce(c.users, 0) AS users
    FROM grid g LEFT JOIN cells c ON c.cohort = g.cohort AND c.period = g.period
    ORDER BY g.cohort, g.period
    """
    with _duck(engine, labels, keyed=keyed) as raw:
        out = _run(raw, sql, params)
    out["cohort"] = pd.to_datetime(out["cohort"])
    for col in ("period", "cohort_size", "users"):
        out[col] = out[col].astype("int64")
    out["retention"] = _ratio(out["users"], out["cohort_size"])
    return out


# --- geography and attributes --------------------------------------------------------
def by_attribute(
    engine,
    attribute: str = "region",
    filters: ExploreFilters = ExploreFilters(),
    labels: pd.Series | None = None,
    bins: int = 5,
) -> pd.DataFrame:
    """Users and KPIs per value of a user attribute, high-potential groups flagged.

    Numeric attributes (age, followers, ...) are cut into ``bins`` equal-count bands.
    ``high_potential`` follows ``HIGH_POTENTIAL_RULE``: conversion rate above the median
    of all groups and reach below the median.

    Parameters
    ----------
    attribute : str
        A column of the users table.

    Returns
    -------
    DataFrame
        ``value``, ``users`` (active users), ``reach``, ``exposures``, ``buyers``,
        ``revenue``, ``conversion_rate``, ``interaction_rate``, ``arpu``,
        ``high_potential``; sorted by users, largest first.
    """
    ev, params = _filtered_events(filters, labels is not None, columns=_KPI_COLS)
    with _duck(engine, labels) as raw:
        columns = _user_columns(raw)
        if attribute not in columns or attribute == "user_id":
            offered = ", ".join(c for c in columns if c != "user_id") or "none"
            raise DataError(
                f"The users table has no attribute '{attribute}'; choose one of: {offered}."
            )
        col = quote_identifier(attribute)
        dtype = _run(
            raw,
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'users' AND column_name = $name",
            {"name": attribute},
        ).iat[0, 0]
        numeric = any(
            t in str(dtype).upper() for t in ("INT", "DOUBLE", "FLOAT", "DECIMAL", "REAL")
        )
        if numeric:
            value = f"""CASE WHEN a.v IS NULL THEN '{NO_VALUE}' ELSE
                printf('%s-%s', round(min(a.v) OVER (PARTITION BY a.b), 2)::VARCHAR,
                       round(max(a.v) OVER (PARTITION BY a.b), 2)::VARCHAR) END"""
            attr_sql = f"""
            SELECT user_id, {value} AS value, b AS sort_key FROM (
                SELECT user_id, v, CASE WHEN v IS NULL THEN NULL ELSE ntile({int(bins)}) OVER (
                    PARTITION BY v IS NULL ORDER BY v) END AS b
                FROM (SELECT user_id, CAST({col} AS DOUBLE) AS v FROM users)) a"""
        else:
            attr_sql = f"""SELECT user_id,
                coalesce(nullif(trim(CAST({col} AS VARCHAR)), ''), '{NO_VALUE}') AS value,
                NULL AS sort_key FROM users"""
        sql = f"""
        WITH ev AS ({ev}), attr AS ({attr_sql}),
        eva AS (SELECT ev.*, attr.value, attr.sort_key FROM ev LEFT JOIN attr USING (user_id)),
        {_kpi_sql("eva", f"coalesce(value, '{NO_VALUE}')", ", sort_key")}
        SELECT * FROM k
        """
        out = _run(raw, sql, params)
    out = out.rename(columns={"grp": "group"})
    out = _add_rates(out, None)
    out = out.rename(columns={"group": "value", "active_users": "users"})
    out["value"] = out["value"].astype(str)
    known = out[(out["value"] != NO_VALUE) & (out["reach"] > 0)]
    if len(known) >= 2:
        conv_med = known["conversion_rate"].median()
        reach_med = known["reach"].median()
        out["high_potential"] = (
            (out["value"] != NO_VALUE)
            & (out["conversion_rate"] > conv_med)
            & (out["reach"] < reach_med)
        )
    else:
        out["high_potential"] = False
    out["high_potential"] = out["high_potential"].fillna(False).astype(bool)
    if numeric:
        out = out.sort_values("sort_key", na_position="last")
    else:
        out = out.sort_values(["users", "value"], ascending=[False, True])
    keep = [
        "value",
        "users",
        "reach",
        "exposures",
        "buyers",
        "revenue",
        "conversion_rate",
        "interaction_rate",
        "arpu",
        "high_potential",
    ]
    return out[keep].reset_index(drop=True)


# --- goals -----------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Goal:
    """A target the user sets: ``kpi`` should change by ``target_change`` (0.3 = +30 %).

    ``start_value`` is the follower count at the start of the range, as the account's
    page shows it (followers goals only): the events show who followed during the data's
    time span, not how many followers there were before, so follower growth in % needs it.
    """

    kpi: str
    target_change: float
    start_value: float | None = None


GOAL_KPIS = (
    "followers",
    "interaction_rate",
    "exposures",
    "reach",
    "conversion_rate",
    "ctr",
    "share_rate",
    "comment_rate",
    "like_rate",
    "revenue",
    "arpu",
    "active_users",
    "orders",
)


def goal_progress(
    engine,
    goals: Sequence[Goal],
    filters: ExploreFilters = ExploreFilters(),
    labels: pd.Series | None = None,
    grain: Grain = "week",
) -> pd.DataFrame:
    """Progress toward each goal: the last period of the range against the first.

    Every KPI but ``followers`` is compared period value to period value from
    :func:`kpi_trends`. Follower growth is (followers end - start) / start, and the
    events cannot give the start: they show who followed while the data was collected,
    not the followers an account already had (counting from the data's first day made
    a brand look to have quadrupled its followers). So ``gained`` counts the new
    followers from the first period's start to the last period's end (users whose first
    follow event, history before the range included, falls there), and the change is
    computed only from the ``Goal.start_value`` the user gives: ``end = start + gained``.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The dataset engine.
    goals : sequence of Goal
        The targets; a ``start_value`` is allowed only for ``followers`` and must be > 0.
    filters : ExploreFilters
        Date range, platforms and segments.
    labels : pandas.Series, optional
        Segment labels by user id (needed for a segment filter).
    grain : {"week", "month"}
        The periods compared.

    Returns
    -------
    DataFrame
        ``kpi``, ``first_period``, ``last_period``, ``start_value``, ``end_value``,
        ``gained`` (new followers; NaN for other KPIs), ``change`` (relative, NaN for
        followers without a start value), ``target_change``, ``progress`` (change /
        target, NaN when not computable), ``met`` (bool).
    """
    grain = _validate_grain(grain)
    for goal in goals:
        if goal.kpi not in GOAL_KPIS:
            raise DataError(
                f"Goals can track {', '.join(GOAL_KPIS)}; '{goal.kpi}' is not one of them."
            )
        if not np.isfinite(goal.target_change) or goal.target_change == 0:
            raise DataError(f"The target for {goal.kpi} must be a non-zero change, e.g. +30 %.")
        if goal.start_value is not None and (
            goal.kpi != "followers" or not np.isfinite(goal.start_value) or goal.start_value <= 0
        ):
            raise DataError(
                "A starting count can be given for the followers goal only, and must be "
                f"more than 0 (got {goal.start_value} for {goal.kpi})."
            )
    trends = kpi_trends(engine, filters, labels, grain)
    rows = []
    for goal in goals:
        row = {"kpi": goal.kpi, "target_change": float(goal.target_change), "gained": np.nan}
        if len(trends) < 2:
            row.update(
                first_period=pd.NaT,
                last_period=pd.NaT,
                start_value=np.nan,
                end_value=np.nan,
                change=np.nan,
            )
        elif goal.kpi == "followers":
            first = trends["period"].iloc[0]
            since = max(first, pd.Timestamp(filters.start)) if filters.start else first
            gained = float(_new_followers(engine, filters, labels, since))
            start = np.nan if goal.start_value is None else float(goal.start_value)
            row.update(
                first_period=first,
                last_period=trends["period"].iloc[-1],
                start_value=start,
                end_value=start + gained,
                gained=gained,
                change=gained / start,
            )
        else:
            series = trends.set_index("period")[goal.kpi]
            start, end = float(series.iloc[0]), float(series.iloc[-1])
            row.update(
                first_period=trends["period"].iloc[0],
                last_period=trends["period"].iloc[-1],
                start_value=start,
                end_value=end,
                change=(end - start) / start if start else np.nan,
            )
        row["progress"] = row["change"] / goal.target_change if pd.notna(row["change"]) else np.nan
        row["met"] = bool(pd.notna(row["progress"]) and row["progress"] >= 1)
        rows.append(row)
    cols = [
        "kpi",
        "first_period",
        "last_period",
        "start_value",
        "end_value",
        "gained",
        "change",
        "target_change",
        "progress",
        "met",
    ]
    return pd.DataFrame(rows, columns=cols)


def _new_followers(engine, f, labels, since: pd.Timestamp) -> int:
    """Users whose first follow event (history included) is from ``since`` to the range end."""
    keyed = _is_keyed(engine)
    base, params = _filtered_events(
        f, labels is not None, dates=False, until_end=True, columns=_UTE, keyed=keyed
    )
    params["since"] = pd.Timestamp(since).to_pydatetime()
    sql = f"""
    SELECT count(*) AS followers FROM (
        SELECT user_id, min(timestamp) AS t FROM ({base}) WHERE event_type = 'follow'
        GROUP BY user_id
    ) WHERE t >= $since
    """
    with _duck(engine, labels, keyed=keyed) as raw:
        out = _run(raw, sql, params)
    return int(out["followers"].iloc[0])


# --- early warning ---------------------------------------------------------------------
def negative_terms() -> tuple[str, ...]:
    """Negative words of ``core.personas.text``'s sentiment lexicon (the persona cards' baseline)."""
    return tuple(sorted(w for w, polarity in SENTIMENT_LEXICON.items() if polarity < 0))


def negative_pattern() -> str:
    """RE2 pattern matching a negative word: whole words for Latin, substrings for CJK.

    Negations ("not bad") are not handled in SQL; ``core.personas.text.sentiment_score`` does that
    per comment but is too slow for millions of comments, so the daily crisis signal
    uses this word test (a documented simplification).
    """
    latin = sorted(t for t in negative_terms() if t.isascii())
    cjk = sorted(t for t in negative_terms() if not t.isascii())
    parts = []
    if latin:
        parts.append(r"\b(" + "|".join(re.escape(t) for t in latin) + r")\b")
    if cjk:
        parts.append("|".join(re.escape(t) for t in cjk))
    return "|".join(parts) or "$^"


@dataclasses.dataclass(frozen=True)
class WarningParams:
    """Rolling-baseline spike rule: median of ``window`` previous days + ``k`` x scaled MAD."""

    window: int = 14
    k: float = 3.0
    min_periods: int = 7
    floor_count: float = 1.0
    floor_share: float = 0.01

    def describe(self) -> str:
        """The rule in one sentence for the page."""
        return EARLY_WARNING_RULE.format(
            window=self.window, k=self.k, floor_count=self.floor_count, floor_share=self.floor_share
        )


def daily_signals(
    engine, filters: ExploreFilters = ExploreFilters(), labels: pd.Series | None = None
) -> pd.DataFrame:
    """Daily comment volume, shares and negative comment share (crisis indicators).

    Returns
    -------
    DataFrame
        ``date``, ``comments``, ``shares``, ``negative_comments``,
        ``negative_comment_share`` (NaN on days without comments); every day of the
        filtered range that has events.
    """
    keyed = _is_keyed(engine)
    ev, params = _filtered_events(
        filters, labels is not None, columns=("timestamp", "event_type", "text"), keyed=keyed
    )
    params["neg"] = negative_pattern()
    sql = f"""
    WITH ev AS ({ev}),
    days AS (
        SELECT CAST(unnest(generate_series(min(CAST(timestamp AS DATE)),
                                           max(CAST(timestamp AS DATE)),
                                           INTERVAL 1 DAY)) AS DATE) AS date FROM ev
    ),
    d AS (
        SELECT CAST(timestamp AS DATE) AS date,
               count(*) FILTER (WHERE event_type = 'comment') AS comments,
               count(*) FILTER (WHERE event_type = 'share') AS shares,
               count(*) FILTER (WHERE event_type = 'comment' AND text IS NOT NULL
                                AND regexp_matches(lower(text), $neg)) AS negative_comments
        FROM ev WHERE event_type IN ('comment', 'share') GROUP BY 1
    )
    SELECT days.date, coalesce(comments, 0) AS comments, coalesce(shares, 0) AS shares,
           coalesce(negative_comments, 0) AS negative_comments
    FROM days LEFT JOIN d USING (date) ORDER BY days.date
    """
    with _duck(engine, labels, keyed=keyed) as raw:
        out = _run(raw, sql, params)
    out["date"] = pd.to_datetime(out["date"])
    for col in ("comments", "shares", "negative_comments"):
        out[col] = out[col].astype("int64")
    out["negative_comment_share"] = _ratio(out["negative_comments"], out["comments"])
    return out


def early_warnings(signals: pd.DataFrame, params: WarningParams = WarningParams()) -> pd.DataFrame:
    """Flag spikes in each daily signal against a rolling median + k x MAD baseline.

    The baseline of day d uses only the ``window`` days before d (never d itself), so a
    spike cannot hide itself. MAD is scaled by 1.4826 (consistent with the standard
    deviation for normal data; Rousseeuw & Croux 1993) and floored so a flat history
    does not flag every small rise.

    Parameters
    ----------
    signals : DataFrame
        Output of :func:`daily_signals`.
    params : WarningParams

    Returns
    -------
    DataFrame
        Long format: ``date``, ``signal`` (comments, shares, negative_comment_share),
        ``value``, ``baseline`` (rolling median), ``threshold``, ``spike`` (bool).
    """
    if params.window < 2 or params.min_periods < 1 or params.min_periods > params.window:
        raise DataError("The early-warning window must be at least 2 days and cover min_periods.")
    if params.k <= 0:
        raise DataError("The early-warning sensitivity k must be above 0.")
    frames = []
    for signal, floor in (
        ("comments", params.floor_count),
        ("shares", params.floor_count),
        ("negative_comment_share", params.floor_share),
    ):
        values = signals[signal].astype("float64")
        past = values.shift(1).rolling(params.window, min_periods=params.min_periods)
        median = past.median()
        mad = past.apply(lambda w: np.nanmedian(np.abs(w - np.nanmedian(w))), raw=True)
        scale = np.maximum(1.4826 * mad, floor)
        threshold = median + params.k * scale
        frames.append(
            pd.DataFrame(
                {
                    "date": signals["date"],
                    "signal": signal,
                    "value": values,
                    "baseline": median,
                    "threshold": threshold,
                    "spike": (values > threshold).fillna(False).astype(bool),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def period_range(date_max: dt.date, grain: Grain, periods: int = 1) -> tuple[dt.date, dt.date]:
    """The last ``periods`` full weeks (Mon-Sun) or months up to ``date_max``, as a date range.

    Used for weekly and monthly reports: the report covers the most recent complete
    period, plus the one before it for comparison when ``periods`` is 2.
    """
    grain = _validate_grain(grain)
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
