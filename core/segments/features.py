"""The per-user feature table, written once in SQLAlchemy Core.

:func:`build_features` turns the canonical ``events`` (and optional ``users``) tables
into one row per user. The aggregation runs inside the database (embedded DuckDB by
default, or a company's PostgreSQL / warehouse through its SQLAlchemy dialect) and only
one row per user comes back. Two statements are sent:

1. a small discovery query: which event types, platforms and content formats occur,
   how many events, and the last timestamp (the default as-of date);
2. one aggregate query: a single scan of the events grouped by user, with conditional
   counts for every type / platform / format / time slot, outer-joined to the users
   table, with ratios, lifecycle stage and top platform computed on the aggregates.

The SQL is ``core.segments.feature_sql``; the column names are ``core.segments.columns``
and lifecycle stages ``core.segments.lifecycle``. The columns are documented in
docs/architecture.md ("Feature table columns") and in :func:`build_features`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.data.engine import is_duckdb
from core.errors import DataError
from core.i18n import tr
from core.segments.columns import FEATURE_COLUMNS
from core.segments.feature_sql import (
    EventsArg,
    UsersArg,
    _as_of_bound,
    _discover,
    _EventColumns,
    _events_selectable,
    _feature_query,
    _Plan,
    _to_date,
    _users_selectable,
)
from core.segments.lifecycle import LifecycleWindows

__all__ = ["build_features", "add_users_without_events"]


def build_features(
    engine: Engine,
    *,
    events: EventsArg = "events",
    users: UsersArg = "users",
    as_of: str | dt.date | dt.datetime | pd.Timestamp | None = None,
    windows: LifecycleWindows = LifecycleWindows(),
) -> pd.DataFrame:
    """Build the per-user feature table inside the database.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        A dataset engine (:func:`core.data.engine.dataset_engine`) or a user database
        (:func:`core.data.engine.connect`); the same query runs on DuckDB and PostgreSQL.
    events : str or SQLAlchemy selectable, default "events"
        The events table name, or a Table / subquery / select with the canonical
        columns (``user_id``, ``timestamp``, ``event_type``; optional ``platform``,
        ``amount``, ``content_format``, ``author_id``; missing optional columns count
        as empty).
    users : str, SQLAlchemy selectable or None, default "users"
        The users table (a missing table name means no users table), a selectable with
        a ``user_id`` column, or None.
    as_of : date, datetime or str, optional
        The date features are computed at. Events after it are ignored. A date (or a
        ``YYYY-MM-DD`` string) means the end of that day; a datetime is exact.
        Default: the last event timestamp in the data.
    windows : LifecycleWindows
        Windows for ``lifecycle_stage``.

    Returns
    -------
    pandas.DataFrame
        One row per user with at least one event up to ``as_of``, plus every users-table
        row without events (zero counts, NaN recency/tenure/ratios, stage ``prospect``).
        Sorted by ``user_id`` (str), default RangeIndex. Columns, in order:
        :data:`FEATURE_COLUMNS` with ``n_<other>`` for other event types after
        ``n_purchase``, ``platform_share_<p>`` / ``format_share_<f>`` (denominator: all
        the user's events, so events without a platform count in none) after
        ``top_platform``, then ``shares_received`` when the events have ``author_id``
        (share events by other users on content the user authored), then every users
        column except ``user_id``. Names from data are lower-cased with runs of
        characters other than letters and digits replaced by ``_``; a name that
        collides with an existing column gets the prefix ``user_`` (attributes) or
        the suffix ``_2`` (types, platforms, formats). Counts are int64; rates, shares, money and day counts float64.

    Raises
    ------
    DataError
        When the events table is missing, empty, lacks a required column, has no
        events on or before ``as_of``, or the users table repeats a user.
    """
    stmt, plan = feature_plan(engine, events=events, users=users, as_of=as_of, windows=windows)
    frame = _fetch(engine, stmt)
    return _finish(frame, plan)


def feature_plan(
    engine: Engine,
    *,
    events: EventsArg = "events",
    users: UsersArg = "users",
    as_of: str | dt.date | dt.datetime | pd.Timestamp | None = None,
    windows: LifecycleWindows = LifecycleWindows(),
) -> tuple[sa.Select, _Plan]:
    """The feature statement and its column plan, asked of the database but not run.

    :func:`build_features` runs the statement and names the columns from the plan; the
    in-engine assignment (``core.segments.assign_sql``) keeps it in the database as a
    subquery. Arguments as for :func:`build_features`.
    """
    if not isinstance(windows, LifecycleWindows):
        raise DataError(tr("The lifecycle windows must be a LifecycleWindows value."))
    ev = _events_selectable(engine, events)
    us = _users_selectable(engine, users)
    bound, bound_inclusive = _as_of_bound(as_of)
    cols = _EventColumns.of(ev)
    discovery = _discover(engine, cols, bound, bound_inclusive)
    if as_of is None:
        as_of_date = _to_date(discovery.last_timestamp)
    else:
        as_of_date = pd.Timestamp(bound).date() - dt.timedelta(days=0 if bound_inclusive else 1)
    plan = _Plan.make(discovery, us, has_author=cols.author is not None)
    stmt = _feature_query(cols, us, plan, bound, bound_inclusive, as_of_date, windows)
    return stmt, plan


def add_users_without_events(features: pd.DataFrame, user_ids) -> pd.DataFrame:
    """The feature table plus a row for every given user it lacks, as a user without events.

    The rows follow the rule of :func:`build_features` for users-table rows without
    events: zero counts (every int64 column) and zero spend, NaN recency, tenure, ratios
    and shares, no top platform, stage ``prospect``, no attributes. Without a users table
    the feature table only knows users with events; a segmentation from elsewhere (a CRM
    export, a saved run) can name users who never acted, and they still belong to their
    segment's size, reach and ARPU.

    Parameters
    ----------
    features : DataFrame
        A feature table (``user_id`` column); not modified.
    user_ids : iterable
        Users that must have a row (compared as text).

    Returns
    -------
    DataFrame
        ``features`` itself when nothing is missing, else a new frame sorted by
        ``user_id`` with a default index.
    """
    wanted = pd.Index(pd.Index(user_ids).astype(str).unique())
    missing = wanted.difference(pd.Index(features["user_id"].astype(str)))
    if missing.empty:
        return features
    extra = features.iloc[:0].reindex(pd.RangeIndex(len(missing)))  # all missing
    extra["user_id"] = missing.to_numpy()
    for name, col in features.items():
        if pd.api.types.is_integer_dtype(col) or name == "monetary":
            extra[name] = 0
        elif name == "lifecycle_stage":
            extra[name] = "prospect"
    extra = extra.astype(features.dtypes.to_dict())
    out = pd.concat([features, extra], ignore_index=True)
    return out.sort_values("user_id", kind="stable", ignore_index=True)


# --------------------------------------------------------------------------- fetching


def _fetch(engine: Engine, stmt: sa.Select) -> pd.DataFrame:
    """Run ``stmt``; DuckDB results come back column-wise (no Python row objects)."""
    with engine.connect() as conn:
        if is_duckdb(engine):
            # Through an Arrow table from a DuckDB relation: a DB-API fetch_df builds
            # one Python string object per cell (about 2 s for 1M users) and a DB-API
            # Arrow fetch copies the rows once more; a relation hands pandas the
            # column buffers. The statement is compiled by SQLAlchemy as usual.
            compiled = stmt.compile(
                dialect=engine.dialect, compile_kwargs={"render_postcompile": True}
            )
            params = compiled.construct_params()
            values = [params[key] for key in compiled.positiontup or ()]
            relation = conn.connection.driver_connection.sql(str(compiled), params=values)
            return relation.to_arrow_table().to_pandas(date_as_object=False)
        result = conn.execute(stmt)
        arrow = getattr(result.cursor, "fetch_arrow_table", None)
        if arrow is not None:  # Spark's driver holds the result as Arrow already
            return arrow().to_pandas(date_as_object=False)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _output_names(plan: _Plan) -> list[str]:
    """Output column names in query order."""
    names = ["user_id", "n_events", *(name for _, name in plan.type_cols)]
    names += list(FEATURE_COLUMNS[FEATURE_COLUMNS.index("recency_days") : -1])
    names += [name for _, name in plan.platform_cols]
    names += [name for _, name in plan.format_cols]
    names.append("lifecycle_stage")
    if plan.has_author:
        names.append("shares_received")
    names += [name for _, name, _t in plan.attr_cols]
    return names


_INT_COLUMNS = ("n_events", "frequency", "active_days", "n_platforms", "shares_received")
_STR_COLUMNS = ("user_id", "top_platform", "lifecycle_stage")


def _finish(frame: pd.DataFrame, plan: _Plan) -> pd.DataFrame:
    """Name the columns, give every column one dtype on every dialect, sort, check ids."""
    names = _output_names(plan)
    frame = frame.set_axis(names, axis=1)
    type_names = {name for _, name in plan.type_cols}
    attr_types = {name: typ for _, name, typ in plan.attr_cols}
    data: dict[str, Any] = {}
    for name in names:
        col = frame[name]
        if name in attr_types:
            data[name] = _attribute(col, attr_types[name])
        elif name in type_names or name in _INT_COLUMNS:
            data[name] = col.astype("int64")
        elif name in _STR_COLUMNS:
            data[name] = col.astype("str")
        else:
            data[name] = pd.to_numeric(col, errors="coerce").astype("float64")
    out = pd.DataFrame(data)
    ids = out["user_id"]
    if not ids.is_monotonic_increasing:  # a database collation other than code-point order
        out = out.sort_values("user_id", kind="stable", ignore_index=True)
        ids = out["user_id"]
    values = ids.to_numpy()
    dup = np.flatnonzero(values[1:] == values[:-1])
    if dup.size:
        raise DataError(
            tr(
                "The users table has more than one row for user '{user}'; keep one row per "
                "user and load it again.",
                user=values[dup[0]],
            )
        )
    return out


def _attribute(col: pd.Series, typ: sa.types.TypeEngine) -> pd.Series:
    """One dtype per attribute kind: numbers float64, text str, dates datetime64[us]."""
    if isinstance(typ, (sa.Integer, sa.Numeric, sa.Float)) and not isinstance(typ, sa.Boolean):
        return pd.to_numeric(col, errors="coerce").astype("float64")
    if isinstance(typ, (sa.Date, sa.DateTime)):
        return pd.to_datetime(col).astype("datetime64[us]")
    if isinstance(typ, sa.String):
        return col.astype("str")
    return col
