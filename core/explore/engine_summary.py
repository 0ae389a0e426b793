"""Explore's headline numbers computed inside any SQLAlchemy engine (DuckDB, PostgreSQL, Spark).

The Explore page reads a dataset's DuckDB file with DuckDB SQL and derived tables made
at ingest. A brand whose events live in a warehouse or a Spark lake cannot copy them
into one file first, so the headline numbers are also written here once in SQLAlchemy
Core: users, events, buyers and revenue, daily and weekly active users, events and
users by event type and by platform, and the view -> like -> comment -> share ->
purchase ladder with its conversion rates. Every query is an aggregate, so only a few
hundred rows come back however many events there are; the same statements compile for
BigQuery, Snowflake, ClickHouse and Trino (``tests/core/test_warehouse_dialects.py``).

Definitions match the Explore page's: a user is active on a day with any event, the
ladder counts users who did a step and every earlier one (``users``) and users who did
the step at all (``users_any``), and conversion rates are shares of users.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pandas as pd
import sqlalchemy as sa

from core.data import events_table
from core.data.portable import week_start
from core.errors import DataError
from core.i18n import N_, tr

__all__ = ["EngineSummary", "LADDER", "STEP_LABELS", "engine_summary", "summary_statements"]

#: The engagement ladder, in order (the same steps as the Explore page's ladder).
LADDER = ("view", "like", "comment", "share", "purchase")
#: What each step means for a person reading the ladder (translated where shown).
STEP_LABELS = {
    "view": N_("viewed"),
    "like": N_("liked"),
    "comment": N_("commented"),
    "share": N_("shared"),
    "purchase": N_("bought"),
}


@dataclasses.dataclass(frozen=True)
class EngineSummary:
    """The headline numbers of a table of events, computed in its engine.

    Attributes
    ----------
    totals : dict
        ``users``, ``events``, ``buyers``, ``revenue``, ``first_day``, ``last_day``,
        ``purchase_rate`` (buyers / users), ``view_to_click`` and ``view_to_purchase``
        (users who clicked / bought among users who viewed).
    daily : DataFrame
        ``date``, ``active_users``, ``events`` per day with events.
    weekly : DataFrame
        ``week`` (its Monday), ``active_users``, ``events``.
    by_type : DataFrame
        ``event_type``, ``events``, ``users``, most events first.
    by_platform : DataFrame
        ``platform`` (empty text for events without one), ``events``, ``users``.
    ladder : DataFrame
        ``step``, ``step_order``, ``users``, ``users_any``, ``share_of_first``.
    """

    totals: dict[str, Any]
    daily: pd.DataFrame
    weekly: pd.DataFrame
    by_type: pd.DataFrame
    by_platform: pd.DataFrame
    ladder: pd.DataFrame


def _filtered(
    ev: sa.FromClause, start: dt.date | None, end: dt.date | None, platforms: tuple[str, ...]
) -> sa.Subquery:
    """The events in the date range and platforms, with a ``day`` column."""
    day = sa.cast(ev.c["timestamp"], sa.Date)
    cols = [
        sa.cast(ev.c["user_id"], sa.String).label("user_id"),
        day.label("day"),
        ev.c["event_type"].label("event_type"),
        (ev.c["platform"] if "platform" in ev.c else sa.cast(sa.null(), sa.String)).label(
            "platform"
        ),
        (ev.c["amount"] if "amount" in ev.c else sa.cast(sa.null(), sa.Double)).label("amount"),
    ]
    conds = [ev.c["user_id"].is_not(None), ev.c["timestamp"].is_not(None)]
    if start is not None:
        conds.append(day >= sa.literal(start, sa.Date))
    if end is not None:
        conds.append(day <= sa.literal(end, sa.Date))
    if platforms:
        if "platform" not in ev.c:
            raise DataError(
                tr(
                    "The events table has no platform column, so it cannot be filtered by "
                    "platform; leave out --platform."
                )
            )
        conds.append(ev.c["platform"].in_(list(platforms)))
    return sa.select(*cols).where(*conds).subquery("ev")


def summary_statements(
    ev: sa.FromClause,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    platforms: tuple[str, ...] = (),
) -> dict[str, sa.Select]:
    """The summary's SQLAlchemy statements, by name, for any dialect.

    Parameters
    ----------
    ev : sqlalchemy.FromClause
        The events (``user_id``, ``timestamp``, ``event_type``; optional ``platform``
        and ``amount``).
    start, end : datetime.date, optional
        Inclusive day range.
    platforms : tuple of str
        Keep only these platforms; empty keeps all.

    Returns
    -------
    dict of str to sqlalchemy.Select
        ``totals``, ``daily``, ``weekly``, ``by_type``, ``by_platform``, ``ladder``.
    """
    f = _filtered(ev, start, end, platforms)
    is_purchase = f.c.event_type == "purchase"
    totals = sa.select(
        sa.func.count(sa.distinct(f.c.user_id)).label("users"),
        sa.func.count().label("events"),
        sa.func.count(sa.distinct(sa.case((is_purchase, f.c.user_id)))).label("buyers"),
        sa.func.sum(sa.case((is_purchase, sa.func.coalesce(f.c.amount, 0)), else_=0)).label(
            "revenue"
        ),
        sa.func.min(f.c.day).label("first_day"),
        sa.func.max(f.c.day).label("last_day"),
    )
    daily = (
        sa.select(
            f.c.day.label("date"),
            sa.func.count(sa.distinct(f.c.user_id)).label("active_users"),
            sa.func.count().label("events"),
        )
        .group_by(f.c.day)
        .order_by(f.c.day)
    )
    wk = sa.select(f.c.user_id, week_start(f.c.day).label("week")).subquery("wk")
    weekly = (
        sa.select(
            wk.c.week.label("week"),
            sa.func.count(sa.distinct(wk.c.user_id)).label("active_users"),
            sa.func.count().label("events"),
        )
        .group_by(wk.c.week)
        .order_by(wk.c.week)
    )
    by_type = (
        sa.select(
            f.c.event_type.label("event_type"),
            sa.func.count().label("events"),
            sa.func.count(sa.distinct(f.c.user_id)).label("users"),
        )
        .group_by(f.c.event_type)
        .order_by(sa.desc("events"), f.c.event_type)
    )
    platform = sa.func.coalesce(f.c.platform, "")
    by_platform = (
        sa.select(
            platform.label("platform"),
            sa.func.count().label("events"),
            sa.func.count(sa.distinct(f.c.user_id)).label("users"),
        )
        .group_by(platform)
        .order_by(sa.desc("events"), platform)
    )
    # One row per user with a 0/1 flag per ladder step (and click), then one sum each.
    steps = (*LADDER, "click")
    flags = (
        sa.select(
            *(
                sa.func.max(sa.case((f.c.event_type == s, 1), else_=0)).label(f"s_{s}")
                for s in steps
            )
        )
        .group_by(f.c.user_id)
        .subquery("flags")
    )
    ladder_cols = []
    for i, step in enumerate(LADDER):
        all_before = sa.and_(*(flags.c[f"s_{s}"] == 1 for s in LADDER[: i + 1]))
        ladder_cols.append(sa.func.sum(sa.case((all_before, 1), else_=0)).label(f"l_{step}"))
        ladder_cols.append(sa.func.sum(flags.c[f"s_{step}"]).label(f"a_{step}"))
    viewed = flags.c.s_view == 1
    ladder_cols += [
        sa.func.sum(sa.case((sa.and_(viewed, flags.c.s_click == 1), 1), else_=0)).label(
            "view_click"
        ),
        sa.func.sum(sa.case((sa.and_(viewed, flags.c.s_purchase == 1), 1), else_=0)).label(
            "view_purchase"
        ),
    ]
    ladder = sa.select(*ladder_cols)
    return {
        "totals": totals,
        "daily": daily,
        "weekly": weekly,
        "by_type": by_type,
        "by_platform": by_platform,
        "ladder": ladder,
    }


def _frame(conn: sa.Connection, stmt: sa.Select) -> pd.DataFrame:
    """Run ``stmt`` and return its (small) result as a frame."""
    result = conn.execute(stmt)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _share(num: float, den: float) -> float:
    """num / den, NaN when den is 0."""
    return float(num) / float(den) if den else float("nan")


def engine_summary(
    engine: sa.Engine,
    events: str | sa.FromClause = "events",
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    platforms: tuple[str, ...] = (),
) -> EngineSummary:
    """Explore's headline numbers, computed where the events are.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        DuckDB, PostgreSQL, Spark (``spark://``) or any engine whose dialect compiles
        the statements.
    events : str or sqlalchemy.FromClause, default "events"
        The events table name, or a selectable with the canonical columns.
    start, end : datetime.date, optional
        Inclusive day range.
    platforms : tuple of str
        Keep only these platforms.

    Returns
    -------
    EngineSummary

    Raises
    ------
    DataError
        When the table is missing or lacks a required column, or has no events in the
        range.
    """
    ev = events_table(engine, events) if isinstance(events, str) else events
    stmts = summary_statements(ev, start=start, end=end, platforms=tuple(platforms))
    with engine.connect() as conn:
        frames = {name: _frame(conn, stmt) for name, stmt in stmts.items()}
    t = frames["totals"].iloc[0]
    if int(t["events"]) == 0:
        raise DataError(
            tr(
                "The events table has no events in the chosen dates and platforms; widen "
                "the dates or drop the platform filter."
            )
        )
    lad = frames["ladder"].iloc[0]
    users = int(t["users"])
    totals = {
        "users": users,
        "events": int(t["events"]),
        "buyers": int(t["buyers"]),
        "revenue": float(t["revenue"] or 0.0),
        "first_day": pd.Timestamp(t["first_day"]).date(),
        "last_day": pd.Timestamp(t["last_day"]).date(),
        "purchase_rate": _share(t["buyers"], users),
        "view_to_click": _share(lad["view_click"], lad["a_view"]),
        "view_to_purchase": _share(lad["view_purchase"], lad["a_view"]),
    }
    first = int(lad["l_view"] or 0)
    ladder = pd.DataFrame(
        {
            "step": list(LADDER),
            "step_order": list(range(1, len(LADDER) + 1)),
            "users": [int(lad[f"l_{s}"] or 0) for s in LADDER],
            "users_any": [int(lad[f"a_{s}"] or 0) for s in LADDER],
        }
    )
    ladder["share_of_first"] = ladder["users"] / first if first else float("nan")
    daily = frames["daily"].astype({"active_users": "int64", "events": "int64"})
    daily["date"] = pd.to_datetime(daily["date"]).astype("datetime64[us]")
    weekly = frames["weekly"].astype({"active_users": "int64", "events": "int64"})
    weekly["week"] = pd.to_datetime(weekly["week"]).astype("datetime64[us]")
    counts = {"events": "int64", "users": "int64"}
    by_type = frames["by_type"].astype({**counts, "event_type": "str"})
    by_platform = frames["by_platform"].astype({**counts, "platform": "str"})
    return EngineSummary(
        totals=totals,
        daily=daily.reset_index(drop=True),
        weekly=weekly.reset_index(drop=True),
        by_type=by_type.reset_index(drop=True),
        by_platform=by_platform.reset_index(drop=True),
        ladder=ladder,
    )
