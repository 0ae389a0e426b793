"""The SQL behind the feature table: inputs, discovery, column plan and the one query.

``core.segments.features.build_features`` calls these in order: :func:`_events_selectable`
/ :func:`_users_selectable` resolve the inputs (``core.segments.feature_inputs``),
:func:`_discover` asks which event types, platforms and formats occur, :class:`_Plan`
names the output columns, and :func:`_feature_query` builds the single aggregate
statement, which runs unchanged on DuckDB, PostgreSQL and Spark (SQLAlchemy Core; the
few date functions each engine spells its own way are ``core.data.portable``).
:func:`feature_statement` builds the same statement without a database, for the dialect
tests and for showing the SQL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.data.portable import day_of_week, days_between
from core.data.schema import CANONICAL_EVENT_TYPES
from core.errors import DataError
from core.i18n import tr
from core.segments.columns import ENGAGEMENT_EVENT_TYPES, FEATURE_COLUMNS, HOUR_SLOTS
from core.segments.feature_inputs import (  # noqa: F401 - also imported from here
    EventsArg,
    UsersArg,
    _as_of_bound,
    _events_selectable,
    _to_date,
    _users_selectable,
)
from core.segments.lifecycle import LifecycleWindows

__all__ = ["EventsArg", "UsersArg", "feature_statement"]


@dataclasses.dataclass(frozen=True)
class _EventColumns:
    """The event columns the query reads; optional ones are None when absent."""

    user_id: sa.ColumnElement
    timestamp: sa.ColumnElement
    event_type: sa.ColumnElement
    platform: sa.ColumnElement | None
    content_format: sa.ColumnElement | None
    amount: sa.ColumnElement | None
    author: sa.ColumnElement | None
    source: sa.FromClause

    @classmethod
    def of(cls, ev: sa.FromClause) -> _EventColumns:
        """Pick the canonical columns of ``ev`` and check the timestamp type."""
        ts = ev.c["timestamp"]
        if isinstance(ts.type, (sa.String, sa.Numeric, sa.Integer, sa.Boolean)):
            raise DataError(
                tr(
                    "The events 'timestamp' column holds text or numbers, not dates and "
                    "times; load the file through the Data page or the CLI so the times are "
                    "parsed."
                )
            )

        def opt(name: str) -> sa.ColumnElement | None:
            return ev.c.get(name)

        if isinstance(ts.type, sa.Date) and not isinstance(ts.type, sa.DateTime):
            ts = sa.cast(ts, sa.DateTime)  # PostgreSQL cannot EXTRACT(hour) from a DATE
        return cls(
            user_id=_as_text(ev.c["user_id"]),
            timestamp=ts,
            event_type=ev.c["event_type"],
            platform=opt("platform"),
            content_format=opt("content_format"),
            amount=opt("amount"),
            author=_as_text(ev.c["author_id"]) if "author_id" in ev.c else None,
            source=ev,
        )


def _as_text(col: sa.ColumnElement) -> sa.ColumnElement:
    """User ids are compared as text, so an integer id column joins a text one."""
    if isinstance(col.type, sa.String):
        return col
    return sa.cast(col, sa.String)


def _typed_null(typ: type[sa.types.TypeEngine]) -> sa.ColumnElement:
    """NULL with a type: PostgreSQL reads a bare NULL column as text."""
    return sa.cast(sa.null(), typ)


def _or_null(col: sa.ColumnElement | None, typ: type[sa.types.TypeEngine]) -> sa.ColumnElement:
    """The column, or a typed NULL when the events lack it."""
    return col if col is not None else _typed_null(typ)


def _window(cols: _EventColumns, bound: dt.datetime | None, inclusive: bool) -> list:
    """WHERE conditions selecting the events that count."""
    conds = [cols.user_id.is_not(None)]
    if bound is None:
        conds.append(cols.timestamp.is_not(None))
    elif inclusive:
        conds.append(cols.timestamp <= sa.literal(bound, sa.DateTime))
    else:
        conds.append(cols.timestamp < sa.literal(bound, sa.DateTime))
    return conds


# --------------------------------------------------------------------------- discovery


@dataclasses.dataclass(frozen=True)
class _Discovery:
    """What the events hold: distinct values and the time range."""

    event_types: tuple[str, ...]
    platforms: tuple[str, ...]
    formats: tuple[str, ...]
    last_timestamp: Any


def _discover(
    engine: Engine, cols: _EventColumns, bound: dt.datetime | None, inclusive: bool
) -> _Discovery:
    """One small query: distinct type/platform/format combinations with counts."""
    in_window = sa.and_(*_window(cols, bound, inclusive))
    keys = [cols.event_type.label("event_type")]
    shown = list(keys)
    for col, label in ((cols.platform, "platform"), (cols.content_format, "fmt")):
        if col is None:  # absent column: a constant, not grouped (PostgreSQL refuses that)
            shown.append(_typed_null(sa.String).label(label))
        else:
            keys.append(col.label(label))
            shown.append(keys[-1])
    stmt = (
        sa.select(
            *shown,
            sa.func.count().label("n_all"),
            sa.func.sum(sa.case((in_window, 1), else_=0)).label("n_in"),
            sa.func.min(cols.timestamp).label("first_ts"),
            sa.func.max(sa.case((in_window, cols.timestamp))).label("last_ts"),
        )
        .select_from(cols.source)
        .group_by(*keys)
    )
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    if not rows or sum(r.n_all for r in rows) == 0:
        raise DataError(
            tr(
                "The events table has no rows; load a file with at least one event "
                "(user, time and event type)."
            )
        )
    kept = [r for r in rows if (r.n_in or 0) > 0]
    if not kept:
        first = min((r.first_ts for r in rows if r.first_ts is not None), default=None)
        if first is None:
            raise DataError(
                tr("There are no events on or before the as-of date; choose a later as-of date.")
            )
        raise DataError(
            tr(
                "There are no events on or before the as-of date; the data starts on {day}; "
                "choose a later as-of date.",
                day=f"{_to_date(first):%Y-%m-%d}",
            )
        )

    def distinct(attr: str) -> tuple[str, ...]:
        return tuple(sorted({getattr(r, attr) for r in kept if getattr(r, attr) is not None}))

    return _Discovery(
        event_types=distinct("event_type"),
        platforms=distinct("platform"),
        formats=distinct("fmt"),
        last_timestamp=max(r.last_ts for r in kept if r.last_ts is not None),
    )


# --------------------------------------------------------------------------- naming


def _slug(value: str) -> str:
    """A column-name part from a data value: lower-case, non-alphanumeric runs -> '_'."""
    slug = re.sub(r"[\W_]+", "_", str(value).strip().lower()).strip("_")
    return slug or "blank"


def _unique(name: str, used: set[str]) -> str:
    """``name``, or ``name_2``, ``name_3``... when already used; records the result."""
    out, k = name, 2
    while out in used:
        out, k = f"{name}_{k}", k + 1
    used.add(out)
    return out


@dataclasses.dataclass(frozen=True)
class _Plan:
    """Output column names for the data-dependent columns, in output order."""

    type_cols: tuple[tuple[str, str], ...]  # (event type value, column name)
    platform_cols: tuple[tuple[str, str], ...]
    format_cols: tuple[tuple[str, str], ...]
    attr_cols: tuple[tuple[str, str, sa.types.TypeEngine], ...]  # (source col, out name, type)
    has_author: bool

    @classmethod
    def make(cls, d: _Discovery, users: sa.FromClause | None, has_author: bool) -> _Plan:
        """Name every data-dependent column, avoiding collisions."""
        used = set(FEATURE_COLUMNS)
        types = [(t, f"n_{t}") for t in CANONICAL_EVENT_TYPES]
        for t in d.event_types:
            if t not in CANONICAL_EVENT_TYPES:
                types.append((t, _unique(f"n_{_slug(t)}", used)))
        platforms = tuple((p, _unique(f"platform_share_{_slug(p)}", used)) for p in d.platforms)
        formats = tuple((f, _unique(f"format_share_{_slug(f)}", used)) for f in d.formats)
        if has_author:
            used.add("shares_received")
        attrs = []
        if users is not None:
            for col in users.c:
                if col.name == "user_id":
                    continue
                name = col.name if col.name not in used else _unique(f"user_{col.name}", used)
                used.add(name)
                attrs.append((col.name, name, col.type))
        return cls(tuple(types), platforms, formats, tuple(attrs), has_author)


# --------------------------------------------------------------------------- the query


def _count_if(cond: sa.ColumnElement) -> sa.ColumnElement:
    """Portable conditional count: COUNT(CASE WHEN cond THEN 1 END).

    Written with CASE rather than ``FILTER (WHERE ...)`` because Snowflake and BigQuery
    lack FILTER. COUNT rather than ``SUM(CASE ... ELSE 0)``: on DuckDB a SUM of integers
    accumulates in 128 bits and comes back as a decimal, which costs about 30 % more in
    the scan and turns into Python Decimal objects on the way to pandas; COUNT is a
    BIGINT everywhere.
    """
    return sa.func.count(sa.case((cond, 1)))


def _feature_query(
    cols: _EventColumns,
    users: sa.FromClause | None,
    plan: _Plan,
    bound: dt.datetime | None,
    inclusive: bool,
    as_of_date: dt.date,
    windows: LifecycleWindows,
) -> sa.Select:
    """The single aggregate statement; result columns are labelled c0, c1, ..."""
    # 1. Per-event derived values, computed once per row (no data is materialised).
    hour = sa.extract("hour", cols.timestamp)
    dow = day_of_week(cols.timestamp)  # Sunday = 0 on every engine
    base_cols = [
        cols.user_id.label("user_id"),
        cols.event_type.label("event_type"),
        sa.cast(cols.timestamp, sa.Date).label("day"),
        hour.label("hour"),
        dow.label("dow"),
        _or_null(cols.platform, sa.String).label("platform"),
        _or_null(cols.content_format, sa.String).label("fmt"),
        _or_null(cols.amount, sa.Double).label("amount"),
    ]
    base = sa.select(*base_cols).where(*_window(cols, bound, inclusive)).subquery("ev")
    b = base.c

    # 2. One scan, grouped by user.
    agg_cols: list[sa.ColumnElement] = [
        b.user_id.label("user_id"),
        sa.func.count().label("n_events"),
    ]
    type_key = {}
    for i, (value, _name) in enumerate(plan.type_cols):
        key = f"t{i}"
        type_key[value] = key
        agg_cols.append(_count_if(b.event_type == value).label(key))
    is_purchase = b.event_type == "purchase"
    agg_cols += [
        sa.func.sum(sa.case((is_purchase, sa.func.coalesce(b.amount, 0)), else_=0)).label(
            "monetary"
        ),
        sa.func.min(b.day).label("first_day"),
        sa.func.max(b.day).label("last_day"),
    ]
    for slot, (lo, hi) in HOUR_SLOTS.items():
        agg_cols.append(_count_if(sa.and_(b.hour >= lo, b.hour <= hi)).label(f"h_{slot}"))
    agg_cols.append(_count_if(b.dow.in_([0, 6])).label("weekend"))
    for i, (value, _name) in enumerate(plan.platform_cols):
        agg_cols.append(_count_if(b.platform == value).label(f"p{i}"))
    for i, (value, _name) in enumerate(plan.format_cols):
        agg_cols.append(_count_if(b.fmt == value).label(f"f{i}"))
    agg = sa.select(*agg_cols).group_by(b.user_id).subquery("agg")
    a = agg.c

    # 2b. Active days and purchase days from one (user, day) grouping. Two
    #     COUNT(DISTINCT ...) in the scan above would make DuckDB build two separate
    #     distinct hash tables over the events and join them back; one (user, day)
    #     grouping then a count per user does the same work once (about 40 % of the
    #     query's time on 10M events, see benchmarks/bench_features.py).
    user_days = (
        sa.select(
            b.user_id.label("user_id"),
            sa.func.max(sa.case((is_purchase, 1))).label("bought"),  # NULL: no purchase
        )
        .group_by(b.user_id, b.day)
        .subquery("user_days")
    )
    days = (
        sa.select(
            user_days.c.user_id.label("user_id"),
            sa.func.count().label("active_days"),
            sa.func.count(user_days.c.bought).label("purchase_days"),
        )
        .group_by(user_days.c.user_id)
        .subquery("days")
    )

    # 3. Shares received, when events name the author of the shared content.
    shares = None
    if plan.has_author:
        shares = (
            sa.select(cols.author.label("author_id"), sa.func.count().label("shares_received"))
            .where(
                *_window(cols, bound, inclusive),
                cols.event_type == "share",
                cols.author.is_not(None),
                cols.author != cols.user_id,
            )
            .group_by(cols.author)
            .subquery("shares")
        )

    # 4. Join users (full outer: users without events are kept) and shares.
    source: sa.FromClause = agg.join(days, a.user_id == days.c.user_id)
    user_id: sa.ColumnElement = a.user_id
    u = None
    if users is not None:
        u_id = _as_text(users.c["user_id"])
        u = (
            sa.select(u_id.label("user_id"), *(users.c[src] for src, _n, _t in plan.attr_cols))
            .where(u_id.is_not(None))
            .subquery("u")
        )
        source = source.outerjoin(u, a.user_id == u.c.user_id, full=True)
        user_id = sa.func.coalesce(a.user_id, u.c.user_id)
    if shares is not None:
        source = source.outerjoin(shares, a.user_id == shares.c.author_id)

    # 5. Final columns from the aggregates. Aggregates are NULL on users-only rows:
    #    counts are coalesced to 0, ratios and day counts stay NULL (NaN).
    def count(key: str) -> sa.ColumnElement:
        return sa.func.coalesce(a[key], 0)

    def dbl(x: sa.ColumnElement) -> sa.ColumnElement:
        return sa.cast(x, sa.Double)

    def ratio(num: sa.ColumnElement, den: sa.ColumnElement) -> sa.ColumnElement:
        return sa.case((den > 0, dbl(num) / dbl(den)))

    n_events = count("n_events")
    n = {value: count(type_key[value]) for value, _ in plan.type_cols}
    as_of_lit = sa.cast(sa.literal(as_of_date, sa.Date), sa.Date)  # typed when inlined
    recency = days_between(as_of_lit, a.last_day)
    tenure = days_between(as_of_lit, a.first_day)
    purchase_days = sa.func.coalesce(days.c.purchase_days, 0)
    prospect_events = n["view"] + n["click"]
    stage = sa.case(
        (n_events == prospect_events, "prospect"),
        (recency >= windows.churned_days, "churned"),
        (recency >= windows.dormant_days, "dormant"),
        (tenure < windows.new_days, "new"),
        (purchase_days >= windows.loyal_purchase_days, "loyal"),
        else_="active",
    )

    out: list[sa.ColumnElement] = [user_id, n_events]
    out += [n[value] for value, _ in plan.type_cols]
    out += [
        dbl(recency),
        n["purchase"],
        dbl(sa.func.coalesce(a.monetary, 0)),
        ratio(a.monetary, a[type_key["purchase"]]),
        sa.func.coalesce(days.c.active_days, 0),
        dbl(tenure),
        ratio(sum(n[t] for t in ENGAGEMENT_EVENT_TYPES), a[type_key["view"]]),
        ratio(n["click"], a[type_key["view"]]),
        ratio(n["purchase"], a[type_key["view"]]),
    ]
    out += [ratio(a[f"h_{slot}"], a.n_events) for slot in HOUR_SLOTS]
    out.append(ratio(a.weekend, a.n_events))
    p_counts = [count(f"p{i}") for i in range(len(plan.platform_cols))]
    if p_counts:
        out.append(sum(sa.case((c > 0, 1), else_=0) for c in p_counts))
        top = sa.func.greatest(*p_counts) if len(p_counts) > 1 else p_counts[0]
        # Ties go to the platform first in alphabetical order (plan order is sorted).
        out.append(
            sa.case(
                *(
                    (sa.and_(c > 0, c == top), value)
                    for c, (value, _) in zip(p_counts, plan.platform_cols, strict=True)
                )
            )
        )
    else:
        out += [sa.literal(0, sa.Integer), _typed_null(sa.String)]
    out += [ratio(a[f"p{i}"], a.n_events) for i in range(len(plan.platform_cols))]
    out += [ratio(a[f"f{i}"], a.n_events) for i in range(len(plan.format_cols))]
    out.append(stage)
    if shares is not None:
        out.append(sa.func.coalesce(shares.c.shares_received, 0))
    if u is not None:
        out += [u.c[src] for src, _n, _t in plan.attr_cols]
    stmt = sa.select(*(col.label(f"c{i}") for i, col in enumerate(out))).select_from(source)
    return stmt.order_by(sa.literal_column("c0"))


def feature_statement(
    events: sa.FromClause,
    users: sa.FromClause | None = None,
    *,
    event_types: tuple[str, ...] = (),
    platforms: tuple[str, ...] = (),
    formats: tuple[str, ...] = (),
    as_of: dt.date,
    windows: LifecycleWindows = LifecycleWindows(),
) -> sa.Select:
    """The feature query for known event types, platforms and formats, without a database.

    ``build_features`` asks the database which values occur first; this builds the same
    statement from values given here, so it can be compiled for a dialect with no server
    (the dialect tests) or shown to a database administrator before it runs.

    Parameters
    ----------
    events : sqlalchemy.FromClause
        The events, with the canonical columns.
    users : sqlalchemy.FromClause, optional
        The users table.
    event_types, platforms, formats : tuple of str
        The values that occur (each becomes a column).
    as_of : datetime.date
        The as-of day.
    windows : LifecycleWindows

    Returns
    -------
    sqlalchemy.Select
        Result columns ``c0``, ``c1``, ... in ``build_features`` order.
    """
    cols = _EventColumns.of(events)
    discovery = _Discovery(tuple(event_types), tuple(platforms), tuple(formats), None)
    plan = _Plan.make(discovery, users, has_author=cols.author is not None)
    return _feature_query(cols, users, plan, None, True, as_of, windows)
