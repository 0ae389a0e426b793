"""KPI dashboards: every KPI overall or by platform, format, campaign or segment, and per period.

The formulas are ``core.personas.kpis``' (one definition); this module counts what they
need in DuckDB, adds ROI from a campaign cost table, and says where each KPI appears on
the page (:func:`kpi_definitions`).
"""

from __future__ import annotations

import datetime as dt
import weakref

import numpy as np
import pandas as pd

from core.errors import DataError
from core.explore.costs import validate_costs
from core.explore.query import (
    COSTS_VIEW,
    KPI_COLUMNS,
    LABELS_BY_ID,
    NO_VALUE,
    Dimension,
    ExploreFilters,
    Grain,
    LabelsCache,
    duck,
    filtered_events,
    run_sql,
    user_columns,
    validate_grain,
)
from core.i18n import N_, tr
from core.personas import kpis

#: Where each KPI of core.personas.kpis appears on the Explore page.
KPI_PLACES: dict[str, str] = {
    "reach": N_("KPIs"),
    "reach_rate": N_("KPIs"),
    "exposures": N_("KPIs"),
    "interaction_rate": N_("KPIs, Trends, Goals"),
    "like_rate": N_("KPIs"),
    "comment_rate": N_("KPIs"),
    "share_rate": N_("KPIs"),
    "ctr": N_("KPIs"),
    "registration_rate": N_("KPIs"),
    "purchase_rate": N_("KPIs"),
    "conversion_rate": N_("KPIs, Geography"),
    "arpu": N_("KPIs, Geography"),
    "average_order_value": N_("KPIs"),
    "retention": N_("Retention (cohort matrix)"),
    "repurchase_rate": N_("KPIs"),
    "stickiness": N_("Activity (DAU / MAU)"),
    "roi": N_("KPIs (with a campaign cost table)"),
    "follower_growth": N_("Goals (followers = users with a follow event so far)"),
    **dict.fromkeys(
        kpis.CAMPAIGN_KPIS,
        N_(
            "KPIs (Campaign targeting: pick each campaign's target segment; needs a saved "
            "segmentation)"
        ),
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
        tr(KPI_PLACES[key])
        if key in KPI_PLACES
        else tr("needs {data}", data=tr(needs))
        if needs
        else ""
        for key, needs in zip(defs["key"], defs["needs"], strict=True)
    ]
    shown = defs[["key", "name", "family", "formula"]].assign(where=where)
    # the names, families and formulas are core.personas.kpis' messages: shown translated
    for column in ("name", "family", "formula"):
        shown[column] = shown[column].map(tr)
    return shown


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


def kpi_counts_sql(source: str, group: str, extra: str = "") -> str:
    """KPI counts per group.

    Event counts and revenue come from a group-by on (group, event type) pivoted
    afterwards: nine filtered counts over every event cost four times as much on 10M
    events. The distinct-user counts (active users, reach, buyers, exposed buyers,
    repeat buyers: purchases on two or more days) come from one per-(group, user) pass
    that keeps only flags and the first / last purchase day per user (no COUNT DISTINCT).

    Parameters
    ----------
    source : str
        The relation of filtered events (a CTE name).
    group : str
        SQL expression of the group of each row.
    extra : str
        Non-empty when the source has a ``sort_key`` column to carry per group.

    Returns
    -------
    str
        CTEs ending in ``k``: one row per group (``grp``) with the counts.
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


def add_rates(frame: pd.DataFrame, target_users: int | None) -> pd.DataFrame:
    """Derive every rate KPI from the counts with ``core.personas.kpis``' formulas (one implementation).

    Explore's group is the users active in the filtered events, so ARPU divides by
    ``active_users``; reach rate divides by the target users (the users table, in the
    selected segments); orders are ``core.personas.kpis``' purchases.

    Parameters
    ----------
    frame : DataFrame
        Counts per group, as :func:`kpi_counts_sql` gives them (not mutated).
    target_users : int or None
        Reach rate's denominator.

    Returns
    -------
    DataFrame
        ``frame`` with ``interactions``, ``target_users`` and every rate KPI added.
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
        raise DataError(
            tr(
                "KPIs can be broken down by {dimensions}, not {value}.",
                dimensions=", ".join(_DIMENSIONS),
                value=repr(by),
            )
        )
    if by == "segment" and labels is None:
        raise DataError(
            tr("KPIs by segment need a saved segmentation: save a run on the Segment page.")
        )
    ev, params = filtered_events(
        filters,
        labels is not None,
        segment_column=by == "segment",
        columns=KPI_COLUMNS + ((by,) if by in ("platform", "content_format", "campaign") else ()),
    )
    group = f"coalesce(CAST({by} AS VARCHAR), '{NO_VALUE}')" if by else "'All'"
    sql = f"""
    WITH ev AS ({ev}), {kpi_counts_sql("ev", group)}
    SELECT * FROM k ORDER BY exposures DESC, grp
    """
    costs_frame = validate_costs(costs) if costs is not None else None
    with duck(engine, labels, costs_frame) as raw:
        out = run_sql(raw, sql, params)
        target = _target_users(raw, filters, labels, engine)
        roi = (
            _campaign_roi(raw, filters, labels is not None, by)
            if costs_frame is not None and by in (None, "platform", "campaign")
            else None
        )
    if out.empty and by is None:
        out = pd.DataFrame([{"grp": "All", **dict.fromkeys(_COUNT_COLS, 0), "revenue": 0.0}])
        out["repeat_buyers"] = 0
    out = out.rename(columns={"grp": "group"})
    out["group"] = out["group"].astype(str)
    out = add_rates(out, target)
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


#: Target users per segment, per dataset: users table rows, and (needed only when the
#: users table has none of the selected segments) users with events.
_SEGMENT_TARGETS = LabelsCache()


_SEGMENT_EVENT_TARGETS = LabelsCache()


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
        if "user_id" in user_columns(raw):
            n_users = run_sql(raw, "SELECT count(DISTINCT user_id) FROM users", {}).iat[0, 0]
        if not n_users:
            n_users = run_sql(raw, "SELECT count(DISTINCT user_id) FROM events", {}).iat[0, 0]
        _ALL_TARGET_USERS[engine] = int(n_users)
    return _ALL_TARGET_USERS[engine]


def _targets_by_segment(raw, users_table: bool) -> dict[str, int]:
    """Users per segment in the users table, or among users with events."""
    if users_table and "user_id" not in user_columns(raw):
        return {}
    # labels hold one row per user: counting the labels whose user is in the table is
    # the distinct count, without hashing the table's ids twice
    table = "users" if users_table else "events"
    rows = run_sql(
        raw,
        f"SELECT segment, count(*) FROM {LABELS_BY_ID} "
        f"WHERE user_id IN (SELECT user_id FROM {table}) GROUP BY segment",
        {},
    )
    return {str(seg): int(n) for seg, n in rows.itertuples(index=False)}


def _campaign_roi(raw, f: ExploreFilters, has_labels: bool, by: str | None) -> pd.DataFrame:
    """Cost and campaign-attributed revenue per group (overall, platform or campaign).

    A cost row counts when its period overlaps the selected dates; its revenue is the
    purchases of that campaign (and platform, when given) inside both its period and the
    selected dates.
    """
    ev, params = filtered_events(
        f, has_labels, columns=("timestamp", "event_type", "platform", "amount", "campaign")
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
        SELECT row_number() OVER () AS rid, * FROM {COSTS_VIEW} c
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
    out = run_sql(raw, sql, params)
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
    grain = validate_grain(grain)
    ev, params = filtered_events(filters, labels is not None, columns=KPI_COLUMNS)
    sql = f"""
    WITH ev AS ({ev}), {kpi_counts_sql("ev", f"date_trunc('{grain}', timestamp)")}
    SELECT * FROM k ORDER BY grp
    """
    with duck(engine, labels) as raw:
        out = run_sql(raw, sql, params)
        target = _target_users(raw, filters, labels, engine)
    out = out.rename(columns={"grp": "period"})
    out["period"] = pd.to_datetime(out["period"])
    out = add_rates(out, target)
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
