"""The inputs of the feature query: the events and users arguments, and the as-of date.

``core.segments.feature_sql`` builds the query; this module turns what
``build_features`` is given (a table name, a Table, a select) into SQLAlchemy
selectables, and an as-of date (a date, a ``YYYY-MM-DD`` text, a datetime) into the
bound the events are cut at, each with one sentence when the value cannot be used.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.data.engine import events_table, users_table
from core.errors import DataError
from core.i18n import tr

__all__ = ["EventsArg", "UsersArg"]

#: What ``build_features`` accepts as the events and the users table.
EventsArg = str | sa.Table | sa.Subquery | sa.Select | sa.TableClause
UsersArg = str | sa.Table | sa.Subquery | sa.Select | sa.TableClause | None


def _events_selectable(engine: Engine, events: EventsArg) -> sa.FromClause:
    """Resolve the events argument to a FromClause."""
    if isinstance(events, str):
        return events_table(engine, events)
    selectable = _as_from(events, "events")
    missing = [c for c in ("user_id", "timestamp", "event_type") if c not in selectable.c]
    if missing:
        raise DataError(
            tr(
                "The events data has no column {columns}; map your columns to user_id, "
                "timestamp and event_type.",
                columns=", ".join(repr(m) for m in missing),
            )
        )
    return selectable


def _users_selectable(engine: Engine, users: UsersArg) -> sa.FromClause | None:
    """Resolve the users argument to a FromClause or None."""
    if users is None:
        return None
    if isinstance(users, str):
        return users_table(engine, users)
    selectable = _as_from(users, "users")
    if "user_id" not in selectable.c:
        raise DataError(
            tr(
                "The users data has no 'user_id' column; map the column that identifies each "
                "user to user_id."
            )
        )
    return selectable


def _as_from(obj: Any, name: str) -> sa.FromClause:
    """A Select becomes a named subquery; Tables and subqueries pass through."""
    if isinstance(obj, sa.Select):
        return obj.subquery(name)
    if isinstance(obj, sa.FromClause):
        return obj
    if name == "users":
        raise DataError(tr("The users data must be a table name or a database query."))
    raise DataError(tr("The events data must be a table name or a database query."))


_DATE_ONLY = re.compile(r"^\s*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s*$")


def _as_of_bound(as_of: Any) -> tuple[dt.datetime | None, bool]:
    """(bound, inclusive): events with timestamp <= bound (inclusive) or < bound."""
    if as_of is None:
        return None, True
    if isinstance(as_of, dt.date) and not isinstance(as_of, dt.datetime):
        return dt.datetime.combine(as_of, dt.time()) + dt.timedelta(days=1), False
    if isinstance(as_of, str):
        text = as_of.strip()
        try:
            stamp = pd.Timestamp(
                text.replace("/", "-").replace(".", "-") if _DATE_ONLY.match(text) else text
            )
        except (ValueError, TypeError) as exc:
            raise DataError(
                tr(
                    "The as-of date '{value}' is not a date; write it as YYYY-MM-DD, e.g. "
                    "2025-03-31.",
                    value=as_of,
                )
            ) from exc
        if pd.isna(stamp):
            raise DataError(
                tr(
                    "The as-of date '{value}' is not a date; write it as YYYY-MM-DD, e.g. "
                    "2025-03-31.",
                    value=as_of,
                )
            )
        if _DATE_ONLY.match(text):
            return stamp.to_pydatetime().replace(tzinfo=None) + dt.timedelta(days=1), False
        return stamp.tz_localize(
            None
        ).to_pydatetime() if stamp.tzinfo else stamp.to_pydatetime(), True
    if isinstance(as_of, (dt.datetime, pd.Timestamp)):
        stamp = pd.Timestamp(as_of)
        if pd.isna(stamp):
            raise DataError(tr("The as-of date is empty; give a date such as 2025-03-31."))
        return (stamp.tz_localize(None) if stamp.tzinfo else stamp).to_pydatetime(), True
    raise DataError(
        tr(
            "The as-of date '{value}' is not a date; write it as YYYY-MM-DD, e.g. 2025-03-31.",
            value=repr(as_of),
        )
    )


def _to_date(value: Any) -> dt.date:
    """A timestamp from the driver (datetime, date or pandas Timestamp) as a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()
