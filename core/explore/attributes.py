"""Users and KPIs per value of a user attribute (region, age band, ...), high-potential groups flagged."""

from __future__ import annotations

import pandas as pd

from core.common.sql import quote_identifier
from core.errors import DataError
from core.explore.performance import add_rates, kpi_counts_sql
from core.explore.query import (
    KPI_COLUMNS,
    NO_VALUE,
    ExploreFilters,
    duck,
    filtered_events,
    run_sql,
    user_columns,
)
from core.i18n import N_, tr

HIGH_POTENTIAL_RULE = N_(
    "A group is high-potential when its conversion rate is above the median of all groups "
    "and its reach is below the median: people there buy readily but few are reached yet."
)


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
    # joined with the users table: rows keep the user id, not the integer key
    ev, params = filtered_events(filters, labels is not None, columns=KPI_COLUMNS, by_user_id=True)
    with duck(engine, labels, by_user_id=True) as raw:
        columns = user_columns(raw)
        if attribute not in columns or attribute == "user_id":
            offered = ", ".join(c for c in columns if c != "user_id") or tr("none")
            raise DataError(
                tr(
                    "The users table has no attribute '{attribute}'; choose one of: {offered}.",
                    attribute=attribute,
                    offered=offered,
                )
            )
        col = quote_identifier(attribute)
        dtype = run_sql(
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
        {kpi_counts_sql("eva", f"coalesce(value, '{NO_VALUE}')", ", sort_key")}
        SELECT * FROM k
        """
        out = run_sql(raw, sql, params)
    out = out.rename(columns={"grp": "group"})
    out = add_rates(out, None)
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
