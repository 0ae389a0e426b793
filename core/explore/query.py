"""The query plumbing every Explore dashboard shares, on the dataset's DuckDB engine.

- :class:`ExploreFilters` (dates, platforms, segments) and :class:`DataBounds` (what the
  dataset covers, for the filter widgets: :func:`data_bounds`);
- :func:`duck`: a raw DuckDB connection with the segment labels (and campaign costs)
  registered as views;
- :func:`filtered_events`, :func:`user_days_sql`, :func:`active_periods_sql`: SELECTs over
  the events or the per-user active days with the filters applied;
- small helpers: :func:`run_sql`, :func:`validate_grain`, :func:`ratio`,
  :func:`user_columns` and ``DATA_START_SQL``.

These names are public so the dashboard modules of this package can share them; code
outside ``core.explore`` uses the package root.

Every dataset carries the derived tables ingest writes (``events.uid``, ``user_keys``,
``user_days``: ``core.data.write_activity_tables``), so rows are keyed by the
integer ``uid``; the aggregation runs in DuckDB and only small frames come back.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import weakref
from collections.abc import Iterator, Sequence
from typing import Literal

import pandas as pd
import pyarrow as pa

from core.errors import DataError
from core.i18n import tr

Grain = Literal["week", "month"]


Dimension = Literal["platform", "content_format", "campaign", "segment"]


NO_VALUE = "(none)"


UNLABELLED = "(no segment)"


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


LABELS_BY_ID = "_explore_labels_str"


COSTS_VIEW = "_explore_costs"


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


USER_TIME = ("user_id", "timestamp")  # who was active when


USER_TIME_TYPE = ("user_id", "timestamp", "event_type")


KPI_COLUMNS = ("user_id", "timestamp", "event_type", "amount")


class LabelsCache:
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
        """The value kept for (``labels``, ``engine``), made by ``make()`` when missing."""
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
_LABEL_TABLES = LabelsCache()


#: Labels translated to integer user keys, per dataset (a join of every label with
#: user_keys).
_KEYED_LABELS = LabelsCache()


def labels_table(labels: pd.Series | None) -> pa.Table | None:
    """Validate labels and return them as an Arrow table (user_id, segment), one row per user.

    Arrow strings scan in DuckDB without Python objects (registering an object-column
    DataFrame made every segment filter several times slower).
    """
    if labels is None:
        return None
    if not isinstance(labels, pd.Series):
        raise DataError(tr("Segment labels must be one segment name per user: save a run again."))

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


def _keyed_labels(raw, engine, labels: pd.Series) -> pa.Table:
    """Labels as an Arrow table (user_id = the integer ``uid``, segment)."""
    # the labels by user id are registered as LABELS_BY_ID by duck
    return _KEYED_LABELS.get(
        labels,
        engine,
        lambda: raw.sql(
            f"SELECT k.uid AS user_id, l.segment FROM {LABELS_BY_ID} l "
            "JOIN user_keys k ON k.user_id = l.user_id"
        ).to_arrow_table(),
    )


@contextlib.contextmanager
def duck(
    engine,
    labels: pd.Series | None = None,
    costs: pd.DataFrame | None = None,
    *,
    by_user_id: bool = False,
) -> Iterator:
    """A raw DuckDB connection from the engine with labels/costs registered as views.

    The labels view's ``user_id`` is the integer user key ``uid`` (matching
    ``filtered_events``), or the user id with ``by_user_id``; the labels by user id are
    always registered too (``LABELS_BY_ID``), for joins with the users table.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The dataset engine (DuckDB).
    labels : pandas.Series, optional
        Segment per ``user_id`` of the saved run.
    costs : DataFrame, optional
        A validated campaign cost table, registered as ``COSTS_VIEW``.
    by_user_id : bool
        Key the labels view by the user id instead of the integer ``uid``.

    Yields
    ------
    duckdb.DuckDBPyConnection
        The raw connection; the views are unregistered on exit.
    """
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        registered = []
        try:
            frame = labels_table(labels)
            if frame is not None:
                raw.register(LABELS_BY_ID, frame)
                registered.append(LABELS_BY_ID)
                raw.register(
                    _LABELS_VIEW, frame if by_user_id else _keyed_labels(raw, engine, labels)
                )
                registered.append(_LABELS_VIEW)
            if costs is not None:
                raw.register(COSTS_VIEW, costs)
                registered.append(COSTS_VIEW)
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
        raise DataError(tr("A segment filter needs a saved segmentation: save a run on the "
                           "Segment page or clear the segment filter."))  # fmt: skip
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


def filtered_events(
    f: ExploreFilters,
    has_labels: bool,
    *,
    dates: bool = True,
    until_end: bool = False,
    segment_column: bool = False,
    columns: Sequence[str] = _ALL_EVENT_COLS,
    by_user_id: bool = False,
) -> tuple[str, dict]:
    """SELECT over events with the filters applied.

    Only ``columns`` are selected (plus ``segment``, see :func:`_segment_filter`):
    reading the comment text or other unused columns of every event roughly doubled the
    cost of a filtered query on 10M events.

    The ``user_id`` column is the integer key ``uid`` (every dataset carries it): only an
    opaque key to group or join labels by (registered by ``duck``), never a user id to
    show or join with the users table; ``by_user_id`` selects the user id instead.

    Parameters
    ----------
    f : ExploreFilters
        The filters to apply.
    has_labels : bool
        Whether ``duck`` registered labels (a segment filter needs them).
    dates : bool
        Apply the date range; ``until_end`` applies only its end (history before the
        start kept).
    segment_column : bool
        Give each row its user's segment (else a constant).
    columns : sequence of str
        Event columns to select.
    by_user_id : bool
        Select the user id instead of the integer ``uid`` as ``user_id``.

    Returns
    -------
    tuple of (str, dict)
        The SELECT and its named parameters (for :func:`run_sql`).

    Raises
    ------
    DataError
        A segment filter without labels.
    """
    key = "e.user_id" if by_user_id else "e.uid"
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
    cols = ", ".join(
        "e.uid AS user_id" if not by_user_id and c == "user_id" else f"e.{c}" for c in columns
    )
    return f"SELECT {cols}, {seg} FROM events e {join} {clause}", params


def user_days_sql(
    f: ExploreFilters, has_labels: bool, *, dates: bool = True, until_end: bool = False
) -> tuple[str, dict]:
    """SELECT over ``user_days`` (no platform filter) with the filters applied.

    Columns: ``user_id`` (the integer key), ``day``, ``prev_day``, ``next_day``,
    ``first_day``, ``engaged``, ``purchased``: what :func:`filtered_events` would give
    once reduced to one row per user and active day, with the previous / next active day
    inside the filtered range (NULL when it falls outside, as if the events there were
    filtered out); ``first_day`` is the user's first active day over all dates. A user's
    days are all in or all out of a segment, so a segment filter keeps the links exact;
    a platform filter changes which days are active, so callers use the events for it.

    Parameters
    ----------
    f : ExploreFilters
        The filters; ``f.platforms`` must be empty.
    has_labels : bool
        Whether ``duck`` registered labels.
    dates, until_end : bool
        As in :func:`filtered_events`.

    Returns
    -------
    tuple of (str, dict)
        The SELECT and its named parameters.
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


def active_periods_sql(f: ExploreFilters, has_labels: bool, grain: str) -> tuple[str, dict]:
    """SELECT of each user's active periods (``user_id``, ``p``, ``first_day``) from user_days.

    An active (user, period) is a day whose previous active day in the range falls in an
    earlier period (or is absent): one row each, without a DISTINCT over every event.

    Parameters
    ----------
    f : ExploreFilters
        The filters; ``f.platforms`` must be empty.
    has_labels : bool
        Whether ``duck`` registered labels.
    grain : {"week", "month"}
        The period.

    Returns
    -------
    tuple of (str, dict)
        The SELECT and its named parameters.
    """
    ud, params = user_days_sql(f, has_labels)
    period = f"date_trunc('{grain}', day)"
    return (
        f"SELECT user_id, {period} AS p, first_day FROM ({ud}) "
        f"WHERE prev_day IS NULL OR date_trunc('{grain}', prev_day) <> {period}",
        params,
    )


#: SQL for the dataset's first active day (all users, platforms and dates): the first
#: day of ``user_days``, which holds every user's active days over all events.
DATA_START_SQL = "(SELECT min(day) FROM user_days)"


def run_sql(raw, sql: str, params: dict) -> pd.DataFrame:
    """Execute DuckDB SQL with named parameters and return a pandas frame.

    Parameters
    ----------
    raw : duckdb.DuckDBPyConnection
        A connection from :func:`duck`.
    sql : str
        The query; ``$name`` placeholders.
    params : dict
        Values by name; those the query does not use are left out.

    Returns
    -------
    DataFrame
    """
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    return raw.execute(sql, used).df()


def validate_grain(grain: str) -> str:
    """Return ``grain`` when it is "week" or "month"; raise DataError with a sentence otherwise."""
    if grain not in ("week", "month"):
        raise DataError(tr("Period must be 'week' or 'month', not {value}.", value=repr(grain)))
    return grain


def ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """num / den with NaN where the denominator is zero."""
    den = den.astype("float64")
    return num.astype("float64") / den.where(den > 0)


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
    with duck(engine) as raw:
        # one scan for everything the filter widgets need
        row = raw.execute(
            "SELECT CAST(min(timestamp) AS DATE), CAST(max(timestamp) AS DATE), count(*), "
            "list(DISTINCT platform) FILTER (WHERE platform IS NOT NULL), "
            "list(DISTINCT content_format) FILTER (WHERE content_format IS NOT NULL), "
            "list(DISTINCT campaign) FILTER (WHERE campaign IS NOT NULL) FROM events"
        ).fetchone()
        attrs = user_columns(raw)

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


def user_columns(raw) -> list[str]:
    """Columns of the users table (empty when the table is missing)."""
    rows = raw.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'users' ORDER BY ordinal_position"
    ).fetchall()
    return [r[0] for r in rows]
