"""Activity dashboards: daily / weekly / monthly active users, stickiness, active hours."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from core.errors import DataError
from core.explore.query import (
    DATA_START_SQL,
    USER_TIME,
    ExploreFilters,
    duck,
    filtered_events,
    run_sql,
    user_days_sql,
)
from core.explore.vega_locale import weekday_label
from core.i18n import tr

INTERACTION_TYPES = ("like", "comment", "share", "save")


WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


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
    look = filters
    if filters.start is not None:
        look = dataclasses.replace(filters, start=filters.start - dt.timedelta(days=29))
    if not filters.platforms:
        # one row per user and active day, previous active day stored at ingest
        ud, params = user_days_sql(look, labels is not None)
        src = f"SELECT day AS d, prev_day AS p FROM ({ud})"
    else:
        # the previous active day from a window over the events themselves: within a
        # user's events ordered by day, the first event of each active day is the one
        # whose previous event's day differs, and that day is the previous active day
        # (this skips a DISTINCT (user, day) pass, as costly as the window)
        ev, params = filtered_events(look, labels is not None, columns=USER_TIME)
        src = f"""SELECT d, p FROM (
            SELECT d, lag(d) OVER (PARTITION BY user_id ORDER BY d) AS p
            FROM (SELECT user_id, CAST(timestamp AS DATE) AS d FROM ({ev}))
        ) WHERE p IS DISTINCT FROM d"""
    first_day = DATA_START_SQL
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
    with duck(engine, labels) as raw:
        out = run_sql(raw, sql, params)
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
    ev, params = filtered_events(filters, labels is not None, columns=("timestamp", "event_type"))
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
    with duck(engine, labels) as raw:
        out = run_sql(raw, sql, params)
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
        raise DataError(tr("Number of posting windows must be at least 1, not {n}.", n=n))
    cells = heatmap[heatmap["events"] > 0]
    top = cells.sort_values(
        ["interactions", "events", "weekday", "hour"], ascending=[False, False, True, True]
    ).head(n)
    top = top.assign(
        label=[
            f"{weekday_label(w)} {h:02d}:00-{(h + 1) % 24:02d}:00"
            for w, h in zip(top["weekday"], top["hour"], strict=True)
        ]
    )
    return top.reset_index(drop=True)
