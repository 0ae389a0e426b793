"""Lifecycle dashboards: new vs returning users and the lifecycle stage mix per period."""

from __future__ import annotations

import pandas as pd

from core.data import ENGAGED_SQL
from core.errors import DataError
from core.explore.query import (
    DATA_START_SQL,
    USER_TIME,
    USER_TIME_TYPE,
    ExploreFilters,
    Grain,
    active_periods_sql,
    duck,
    filtered_events,
    run_sql,
    user_days_sql,
    validate_grain,
)
from core.i18n import N_, tr
from core.segments import LifecycleWindows, lifecycle_rules

STAGES = ("prospect", "new", "active", "loyal", "dormant", "churned")  # display order
#: Each stage as a person reads it (the keys are the stage values in the data).
STAGE_LABELS = {
    "prospect": N_("Prospect"),
    "new": N_("New"),
    "active": N_("Active"),
    "loyal": N_("Loyal"),
    "dormant": N_("Dormant"),
    "churned": N_("Churned"),
}


def stage_label(stage: str) -> str:
    """A lifecycle stage in the current language ("Dormant" / "沉睡")."""
    return tr(STAGE_LABELS[stage]) if stage in STAGE_LABELS else stage


def stage_rules(windows: LifecycleWindows = LifecycleWindows()) -> pd.DataFrame:
    """The lifecycle rules (``core.segments.features``) with the given windows, for display."""
    return pd.DataFrame(lifecycle_rules(windows))


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
    grain = validate_grain(grain)
    if not filters.platforms:
        # each user's first active day is stored with the active days
        act, params = active_periods_sql(filters, labels is not None, grain)
        sql = f"""
        SELECT p AS period,
               count(*) FILTER (WHERE date_trunc('{grain}', first_day) = p) AS new_users,
               count(*) FILTER (WHERE date_trunc('{grain}', first_day) < p) AS returning_users
        FROM ({act}) GROUP BY 1 ORDER BY 1
        """
    else:
        base, params = filtered_events(filters, labels is not None, dates=False, columns=USER_TIME)
        ev, params2 = filtered_events(filters, labels is not None, columns=USER_TIME)
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
    with duck(engine, labels) as raw:
        out = run_sql(raw, sql, params)
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
    grain = validate_grain(grain)
    windows = windows if windows is not None else LifecycleWindows()
    if not isinstance(windows, LifecycleWindows):
        raise DataError(tr("The lifecycle windows must be a LifecycleWindows value."))
    loyal_n = int(windows.loyal_purchase_days)
    if not filters.platforms:
        # per user and active day, the next active day stored at ingest: the last active
        # day of each active period is a day whose next active day is in a later period
        ud, params = user_days_sql(filters, labels is not None, dates=False, until_end=True)
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
        base, params = filtered_events(
            filters, labels is not None, dates=False, until_end=True, columns=USER_TIME_TYPE
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
    data_start = DATA_START_SQL
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
    with duck(engine, labels) as raw:
        counts = run_sql(raw, sql, params)
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
