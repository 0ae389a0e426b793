"""Cohort retention: the share of each first-active cohort active again k periods later."""

from __future__ import annotations

import pandas as pd

from core.explore.query import (
    USER_TIME,
    ExploreFilters,
    Grain,
    active_periods_sql,
    duck,
    filtered_events,
    ratio,
    run_sql,
    validate_grain,
)


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
    grain = validate_grain(grain)
    if not filters.platforms:
        active, params = active_periods_sql(filters, labels is not None, grain)
    else:
        ev, params = filtered_events(filters, labels is not None, columns=USER_TIME)
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
    with duck(engine, labels) as raw:
        out = run_sql(raw, sql, params)
    out["cohort"] = pd.to_datetime(out["cohort"])
    for col in ("period", "cohort_size", "users"):
        out[col] = out[col].astype("int64")
    out["retention"] = ratio(out["users"], out["cohort_size"])
    return out
