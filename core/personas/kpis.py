"""The KPI formulas, as data, computed per segment and for all users in SQL; one KPI formatting.

Every rate uses exposures (view events) as its denominator.
Rates of events per view (interaction, like, comment, share, click, registration,
purchase) are counts per view, not shares: one view can draw several interactions, so
they have unit ``per_view`` and are shown "per 100 views" on persona cards.
Every place that writes a KPI value (persona cards, Explore tables and figures, reports)
calls :func:`format_kpi_value`, which formats by the KPI's unit in one of three styles.
Each KPI is a :class:`KPI` row: a key, a display name, its family, the formula in words
(shown on screen) and an SQL expression over the per-segment aggregates below. KPIs that
need information events do not carry (campaign cost, follower counts at two dates) are
listed with ``sql=None`` so their formula is still on screen, marked "needs ...".
Targeting accuracy and persona match rate need each campaign's target segment from the
user; their formulas run per campaign (``core.explore.targeting``) on the counts
``exposed_users``, ``exposed_in_target``, ``converters`` and ``converters_in_target``.

Per-segment aggregates (computed in one query, per user first, then per segment):

- ``users``: users in the segment (labelled users, with or without events);
- ``exposures``, ``likes``, ``comments``, ``shares``, ``saves``, ``clicks``,
  ``registrations``, ``purchases``: event counts by type;
- ``reach``: distinct users with a view; ``exposed_buyers``: users with a view and a
  purchase; ``buyers``: users with a purchase; ``repeat_buyers``: buyers with purchases
  on two or more different days; ``revenue``: sum of purchase amounts;
- ``prev_active`` / ``retained``: users active in the previous period (the ``period_days``
  before the current one) / of those, users active again in the current period (the last
  ``period_days`` up to the as-of date); ``current_active``: users active in the current
  period; ``active_user_days``: sum over users of their active days in the current
  period, so average DAU = active_user_days / period_days.

Why this module is long: about 150 of its lines are the KPI table itself (data: one row
per KPI with its formula in words and in SQL). The aggregate query that feeds it, the
evaluation and the formatting all read that table by unit and key; keeping them together
means a KPI is added or changed in one file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import re
from collections.abc import Iterator
from typing import Literal

import duckdb
import numpy as np
import pandas as pd

from core.common.sql import quote_identifier
from core.errors import DataError
from core.i18n import N_, fmt, tr

#: The row of everyone in KPI tables (a key in data; show it with ``tr``).
ALL_USERS = N_("All users")


@dataclasses.dataclass(frozen=True)
class KPI:
    """One KPI: how it is named, grouped, explained and computed.

    ``label``, ``definition`` and ``requires`` are catalogue messages (English);
    :attr:`name`, :attr:`formula` and :attr:`needs` give them in the current language.
    """

    key: str
    label: str
    family: str
    definition: str
    sql: str | None
    unit: str  # "count", "share" (0-1), "per_view" (events per view), "money", "ratio"
    requires: str = ""

    @property
    def name(self) -> str:
        """The KPI's display name in the current language."""
        return tr(self.label)

    @property
    def formula(self) -> str:
        """The formula in words, in the current language."""
        return tr(self.definition)

    @property
    def needs(self) -> str:
        """What the KPI needs that events do not carry, in the current language ('' if nothing)."""
        return tr(self.requires) if self.requires else ""

    @property
    def inputs(self) -> frozenset[str]:
        """The aggregate columns the formula reads (lower-case names in ``sql``)."""
        if self.sql is None:
            return frozenset()
        return frozenset(re.findall(r"\b[a-z_]+\b", self.sql)) - {"period_days"}


def _rate(num: str, den: str) -> str:
    return f"CAST({num} AS DOUBLE) / NULLIF({den}, 0)"


KPIS: tuple[KPI, ...] = (
    KPI(
        "reach",
        N_("Reach"),
        "coverage",
        N_("distinct users exposed (with a view)"),
        "reach",
        "count",
    ),
    KPI(
        "reach_rate",
        N_("Reach rate"),
        "coverage",
        N_("users reached / target users (the group's users)"),
        _rate("reach", "target_users"),
        "share",
    ),
    KPI("exposures", N_("Exposures"), "coverage", N_("count of view events"), "exposures", "count"),
    KPI(
        "interaction_rate",
        N_("Interaction rate"),
        "engagement",
        N_("(likes + comments + shares + saves) / exposures"),
        _rate("likes + comments + shares + saves", "exposures"),
        "per_view",
    ),
    KPI(
        "like_rate",
        N_("Like rate"),
        "engagement",
        N_("likes / exposures"),
        _rate("likes", "exposures"),
        "per_view",
    ),
    KPI(
        "comment_rate",
        N_("Comment rate"),
        "engagement",
        N_("comments / exposures"),
        _rate("comments", "exposures"),
        "per_view",
    ),
    KPI(
        "share_rate",
        N_("Share rate"),
        "engagement",
        N_("shares / exposures"),
        _rate("shares", "exposures"),
        "per_view",
    ),
    KPI(
        "ctr",
        N_("Click-through rate (CTR)"),
        "engagement",
        N_("clicks / exposures"),
        _rate("clicks", "exposures"),
        "per_view",
    ),
    KPI(
        "registration_rate",
        N_("Registration rate"),
        "conversion",
        N_("registrations / exposures"),
        _rate("registrations", "exposures"),
        "per_view",
    ),
    KPI(
        "purchase_rate",
        N_("Purchase rate"),
        "conversion",
        N_("purchases / exposures"),
        _rate("purchases", "exposures"),
        "per_view",
    ),
    KPI(
        "conversion_rate",
        N_("Conversion rate (per user)"),
        "conversion",
        N_("users who were exposed and purchased / users exposed"),
        _rate("exposed_buyers", "reach"),
        "share",
    ),
    KPI(
        "arpu",
        N_("ARPU"),
        "value",
        N_("revenue / users in the group"),
        _rate("revenue", "users"),
        "money",
    ),
    KPI(
        "average_order_value",
        N_("Average order value"),
        "value",
        N_("revenue / orders (purchase events)"),
        _rate("revenue", "purchases"),
        "money",
    ),
    KPI(
        "retention",
        N_("Retention"),
        "loyalty",
        N_(
            "users active in the previous period who are active again in the current period / users active in the previous period"
        ),
        _rate("retained", "prev_active"),
        "share",
    ),
    KPI(
        "repurchase_rate",
        N_("Repurchase rate"),
        "loyalty",
        N_("buyers who purchased again on a later day / buyers"),
        _rate("repeat_buyers", "buyers"),
        "share",
    ),
    KPI(
        "stickiness",
        N_("Stickiness (DAU/MAU)"),
        "activity",
        N_("average daily active users / users active in the period (last period_days)"),
        f"({_rate('active_user_days', '{period_days}')}) / NULLIF(current_active, 0)",
        "share",
    ),
    KPI(
        "roi", N_("ROI"), "value", N_("(revenue - cost) / cost"), None, "ratio", N_("campaign cost")
    ),
    KPI(
        "targeting_accuracy",
        N_("Targeting accuracy"),
        "precision",
        N_(
            "users exposed to a campaign who are in its target segment / users exposed to the campaign"
        ),
        _rate("exposed_in_target", "exposed_users"),
        "share",
        N_("a campaign's target segment"),
    ),
    KPI(
        "persona_match_rate",
        N_("Persona match rate"),
        "precision",
        N_(
            "a campaign's buyers who are in its target segment (the intended persona) / the campaign's buyers"
        ),
        _rate("converters_in_target", "converters"),
        "share",
        N_("the intended persona of a campaign"),
    ),
    KPI(
        "follower_growth",
        N_("Follower growth"),
        "growth",
        N_("(followers at end - followers at start) / followers at start"),
        None,
        "share",
        N_("follower counts at two dates"),
    ),
)

#: KPIs measured per campaign for a target segment the user names (core.explore.targeting), not
#: per segment: persona tables keep their columns empty and point to Explore.
CAMPAIGN_KPIS = ("targeting_accuracy", "persona_match_rate")
KPI_BY_KEY: dict[str, KPI] = {k.key: k for k in KPIS}


def kpi_definitions() -> pd.DataFrame:
    """The KPI table for display: ``key``, ``name``, ``family``, ``formula``, ``unit``, ``needs``."""
    return pd.DataFrame(
        [
            {
                "key": k.key,
                "name": k.name,
                "family": k.family,
                "formula": k.formula,
                "unit": k.unit,
                "needs": k.needs,
            }
            for k in KPIS
        ]
    )


_counter = itertools.count()


@contextlib.contextmanager
def labels_on_engine(engine, labels: pd.Series) -> Iterator[tuple[object, str]]:
    """Make ``labels`` queryable next to the events; yield ``(connection, table_name)``.

    On DuckDB the DataFrame is registered as a view (works on read-only databases, no
    copy); on other databases it is written to a temporary table. The table has columns
    ``user_id`` (text) and ``segment`` (text).
    """
    frame = pd.DataFrame(
        {
            "user_id": labels.index.astype(str).to_numpy(dtype=object),
            "segment": labels.astype(str).to_numpy(dtype=object),
        }
    )
    name = f"pl_labels_{next(_counter)}"
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        if hasattr(raw, "register") and engine.dialect.name.startswith("duckdb"):
            import pyarrow as pa

            # Arrow strings scan without Python objects (much faster than object columns).
            raw.register(
                name,
                pa.table(
                    {"user_id": pa.array(frame["user_id"]), "segment": pa.array(frame["segment"])}
                ),
            )
            try:
                yield conn, name
            finally:
                with contextlib.suppress(Exception):
                    raw.unregister(name)
        else:
            import sqlalchemy as sa

            table = sa.Table(
                name,
                sa.MetaData(),
                sa.Column("user_id", sa.String),
                sa.Column("segment", sa.String),
                prefixes=["TEMPORARY"],
            )
            table.create(conn)
            conn.execute(table.insert(), frame.to_dict("records"))
            try:
                yield conn, name
            finally:
                with contextlib.suppress(Exception):
                    table.drop(conn)


def read_sql(conn, sql: str) -> pd.DataFrame:
    """Run ``sql`` on a SQLAlchemy connection and return a DataFrame (Arrow on DuckDB)."""
    raw = conn.connection.dbapi_connection
    if hasattr(raw, "register") and conn.dialect.name.startswith("duckdb"):
        return raw.execute(sql).df()
    import sqlalchemy as sa

    return pd.read_sql_query(sa.text(sql), conn)


def _as_of_sql(events: str, as_of: str | None) -> str:
    if as_of is None:
        return f"(SELECT CAST(max(timestamp) AS DATE) FROM {events})"
    try:
        day = pd.Timestamp(as_of).strftime("%Y-%m-%d")
    except (ValueError, TypeError) as exc:
        raise DataError(
            tr("The as-of date '{value}' is not a date; use the form 2025-03-31.", value=as_of)
        ) from exc
    return f"CAST('{day}' AS DATE)"


def event_counts_sql(
    columns: dict[str, str], *, rows: str = "count(*)", amount: str = "sum(amount)"
) -> str:
    """SELECT-list entries counting events by type, plus purchase revenue.

    ``columns`` maps an output column name to the event type it counts; the revenue
    column (``revenue``: the sum of purchase amounts, 0 when none) is always added. One
    definition for every KPI query (per user here, per group in core.explore.performance).
    ``rows`` / ``amount`` are the aggregates over the source rows: the defaults count
    events; over rows already grouped by event type (``n`` events, ``amount`` summed)
    pass ``rows="sum(n)"``.
    """
    counts = [
        f"coalesce({rows} FILTER (WHERE event_type = '{etype}'), 0) AS {name}"
        for name, etype in columns.items()
    ]
    revenue = f"coalesce({amount} FILTER (WHERE event_type = 'purchase'), 0) AS revenue"
    return ",\n".join([*counts, revenue])


#: The event-type counts KPIs are computed from, per user (column -> event type).
_PER_USER_COUNTS = {
    f"n_{t}": t
    for t in ("view", "like", "comment", "share", "save", "click", "register", "purchase")
}


def _aggregate_sql(events: str, labels_table: str, as_of_sql: str, period_days: int) -> str:
    # Aggregate the events per user first (no join on the big table), then join the
    # labels on one row per user, then aggregate per segment: far cheaper than joining
    # every event to its label. Distinct days are counted on the (user, day) pairs of
    # the small subsets that need them (purchases; the current period).
    p = int(period_days)
    day = "CAST(timestamp AS DATE)"
    return f"""
    WITH as_of_cte AS (SELECT {as_of_sql} AS d),
    per_user AS (
        SELECT
            CAST(user_id AS VARCHAR) AS user_id,
            {event_counts_sql(_PER_USER_COUNTS)},
            count(*) FILTER (
                WHERE {day} > (SELECT d FROM as_of_cte) - {2 * p}
                  AND {day} <= (SELECT d FROM as_of_cte) - {p}
            ) AS prev_events
        FROM {events}
        GROUP BY CAST(user_id AS VARCHAR)
    ),
    purchase_days AS (
        SELECT user_id, count(*) AS n_days FROM (
            SELECT DISTINCT CAST(user_id AS VARCHAR) AS user_id, {day} AS day
            FROM {events} WHERE event_type = 'purchase'
        ) AS pd_pairs GROUP BY user_id
    ),
    current_days AS (
        SELECT user_id, count(*) AS n_days FROM (
            SELECT DISTINCT CAST(user_id AS VARCHAR) AS user_id, {day} AS day
            FROM {events}
            WHERE {day} > (SELECT d FROM as_of_cte) - {p} AND {day} <= (SELECT d FROM as_of_cte)
        ) AS cd_pairs GROUP BY user_id
    ),
    joined AS (
        SELECT
            l.segment,
            coalesce(u.n_view, 0) AS n_view,
            coalesce(u.n_like, 0) AS n_like,
            coalesce(u.n_comment, 0) AS n_comment,
            coalesce(u.n_share, 0) AS n_share,
            coalesce(u.n_save, 0) AS n_save,
            coalesce(u.n_click, 0) AS n_click,
            coalesce(u.n_register, 0) AS n_register,
            coalesce(u.n_purchase, 0) AS n_purchase,
            coalesce(u.revenue, 0) AS revenue,
            coalesce(u.prev_events, 0) AS prev_events,
            coalesce(pdays.n_days, 0) AS purchase_days,
            coalesce(cdays.n_days, 0) AS current_days
        FROM {labels_table} AS l
        LEFT JOIN per_user AS u ON u.user_id = l.user_id
        LEFT JOIN purchase_days AS pdays ON pdays.user_id = l.user_id
        LEFT JOIN current_days AS cdays ON cdays.user_id = l.user_id
    )
    SELECT
        CASE WHEN GROUPING(segment) = 1 THEN NULL ELSE segment END AS segment,
        GROUPING(segment) AS is_total,
        count(*) AS users,
        sum(n_view) AS exposures,
        sum(n_like) AS likes,
        sum(n_comment) AS comments,
        sum(n_share) AS shares,
        sum(n_save) AS saves,
        sum(n_click) AS clicks,
        sum(n_register) AS registrations,
        sum(n_purchase) AS purchases,
        sum(revenue) AS revenue,
        count(*) FILTER (WHERE n_view > 0) AS reach,
        count(*) FILTER (WHERE n_view > 0 AND n_purchase > 0) AS exposed_buyers,
        count(*) FILTER (WHERE n_purchase > 0) AS buyers,
        count(*) FILTER (WHERE purchase_days >= 2) AS repeat_buyers,
        count(*) FILTER (WHERE prev_events > 0) AS prev_active,
        count(*) FILTER (WHERE prev_events > 0 AND current_days > 0) AS retained,
        count(*) FILTER (WHERE current_days > 0) AS current_active,
        sum(current_days) AS active_user_days
    FROM joined
    GROUP BY GROUPING SETS ((segment), ())
    """


def evaluate_kpis(aggregates: pd.DataFrame, period_days: int | None = None) -> pd.DataFrame:
    """Add one column per KPI of :data:`KPIS` that ``aggregates`` has the inputs for.

    The single implementation of the KPI formulas: each KPI's ``sql`` expression runs in
    DuckDB over the (small) aggregates frame, one row per group. Used by
    :func:`compute_kpis` (per segment) and by ``core.explore.performance`` (overall, per platform,
    format, campaign, segment or period), which name their counts in this vocabulary:
    ``users`` (users of the group: ARPU's denominator), ``target_users`` (reach rate's),
    ``exposures``, ``likes``, ``comments``, ``shares``, ``saves``, ``clicks``,
    ``registrations``, ``purchases``, ``revenue``, ``reach``, ``buyers``,
    ``exposed_buyers``, ``repeat_buyers`` and, for retention and stickiness,
    ``prev_active``, ``retained``, ``current_active``, ``active_user_days``; for the
    per-campaign precision KPIs (``core.explore.targeting``) ``exposed_users``,
    ``exposed_in_target``, ``converters`` and ``converters_in_target``.

    Parameters
    ----------
    aggregates : DataFrame
        Counts per group (any other columns are kept as they are).
    period_days : int, optional
        Period length of stickiness; without it stickiness is not computed.

    Returns
    -------
    DataFrame
        ``aggregates`` plus the KPI columns (float, NaN where a denominator is zero).
        The input is not modified.
    """
    have = set(aggregates.columns)
    chosen = [
        k
        for k in KPIS
        if k.sql is not None
        and k.inputs <= have
        and ("{period_days}" not in k.sql or period_days is not None)
    ]
    out = aggregates.copy()
    if not chosen or out.empty:
        for k in chosen:
            out[k.key] = pd.Series(dtype="float64")
        return out
    exprs = ", ".join(
        f"CAST({k.sql.replace('{period_days}', str(int(period_days or 1)))} AS DOUBLE) AS {k.key}"
        for k in chosen
    )
    con = duckdb.connect()
    try:
        con.register("aggregates", out[sorted({c for k in chosen for c in k.inputs})])
        values = con.execute(f"SELECT {exprs} FROM aggregates").df()
    finally:
        con.close()
    for k in chosen:
        out[k.key] = values[k.key].to_numpy(dtype="float64", na_value=float("nan"))
    return out


def compute_kpis(
    engine,
    labels: pd.Series | None = None,
    *,
    events: str = "events",
    as_of: str | None = None,
    period_days: int = 30,
) -> pd.DataFrame:
    """KPIs per segment and for all users, computed in SQL on the dataset engine.

    Formulas (``exposures`` = view events; see :data:`KPIS` for the full list):
    reach = distinct users with a view; reach rate = reach / users; interaction rate =
    (likes + comments + shares + saves) / exposures; like / comment / share rate = each /
    exposures; CTR = clicks / exposures; registration / purchase rate = each / exposures;
    conversion rate = users exposed who purchased / users exposed; ARPU = revenue / users;
    average order value = revenue / purchase events; retention = users active in the
    previous ``period_days`` and again in the last ``period_days`` / users active in the
    previous ``period_days``; repurchase rate = buyers with purchases on 2+ days / buyers;
    stickiness = average DAU over the last ``period_days`` / users active in that period.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        Dataset engine with the canonical ``events`` table.
    labels : Series, optional
        Segment per user (index ``user_id``). When omitted, all users with events form
        one group and only the ``All users`` row is returned.
    events : str
        Events table name.
    as_of : str, optional
        End of the current period (``YYYY-MM-DD``); default the day of the last event.
    period_days : int
        Period length for retention and stickiness (default 30 days).

    Returns
    -------
    DataFrame
        Index ``segment`` (each segment, in label order of size, then ``All users``);
        the aggregate columns (``users``, ``exposures``, ...) and one column per KPI
        with a formula, NaN where a denominator is zero (and for the per-campaign
        ``targeting_accuracy`` and ``persona_match_rate``).
    """
    if period_days < 1:
        raise DataError(
            tr("The KPI period must be at least 1 day, got {value}.", value=period_days)
        )
    events_q = quote_identifier(events)
    if labels is None:
        with engine.connect() as conn:
            users = read_sql(
                conn, f"SELECT DISTINCT CAST(user_id AS VARCHAR) AS user_id FROM {events_q}"
            )
        labels = pd.Series(ALL_USERS, index=users["user_id"].astype(str), name="segment")
        only_total = True
    else:
        if len(labels) == 0:
            raise DataError(tr("The segmentation has no users; run a segmentation first."))
        only_total = False
    with labels_on_engine(engine, labels) as (conn, table):
        inner = _aggregate_sql(events_q, table, _as_of_sql(events_q, as_of), period_days)
        agg = read_sql(conn, inner)
    # target users of a segment are its labelled users (with or without events)
    agg = evaluate_kpis(agg.assign(target_users=agg["users"]), period_days=period_days)
    # Targeting accuracy and persona match rate are per campaign (core.explore.targeting), not
    # per segment: their columns are kept, NaN, so every KPI with a formula has a column.
    for k in KPIS:
        if k.sql is not None and k.key not in agg:
            agg[k.key] = float("nan")
    agg["segment"] = [
        ALL_USERS if t else str(s) for s, t in zip(agg["segment"], agg["is_total"], strict=True)
    ]
    agg = agg.drop(columns="is_total")
    agg = agg.drop_duplicates("segment", keep="last").set_index("segment")
    order = [] if only_total else list(labels.astype(str).value_counts().index)
    agg = agg.reindex(order + [ALL_USERS])
    return agg.apply(pd.to_numeric).astype("float64")


#: Columns Explore shows next to the KPIs that are not KPIs themselves, with their unit.
COLUMN_UNITS: dict[str, str] = {
    "active_users": "count",
    "orders": "count",
    "buyers": "count",
    "followers": "count",
    "revenue": "money",
    "cost": "money",
    "campaign_revenue": "money",
}

#: How a value is written: ``card`` (persona cards: short, rates per 100 views),
#: ``table`` (Explore tables and reports: every rate as a percentage, two decimals) or
#: ``metric`` (Explore headline figures: rates as a percentage, one decimal).
KPIStyle = Literal["card", "table", "metric"]


def kpi_unit(key: str, default: str | None = None) -> str | None:
    """The unit of a KPI or Explore column (``count``, ``share``, ``per_view``, ``money``,
    ``ratio``), or ``default`` when the key is neither."""
    if key in KPI_BY_KEY:
        return KPI_BY_KEY[key].unit
    return COLUMN_UNITS.get(key, default)


def kpi_label(key: str) -> str:
    """The display name of a KPI; other columns read as their key in words."""
    return KPI_BY_KEY[key].name if key in KPI_BY_KEY else key.replace("_", " ").capitalize()


def format_kpi_value(key: str, value: float | None, style: KPIStyle = "card") -> str:
    """A KPI value for display, by the KPI's unit.

    Parameters
    ----------
    key : str
        A KPI key, an Explore column of :data:`COLUMN_UNITS`, or any other name (then
        the value is a ratio, e.g. a relative change).
    value : float or None
        The value; None, NaN and infinities read "n/a".
    style : {"card", "table", "metric"}
        ``card``: counts with separators, shares and ratios as %, events per view as
        "per 100 views", money with 2 decimals. ``table``: counts as whole numbers,
        money with 2 decimals, every other value as a percentage with 2 decimals.
        ``metric``: as ``table`` with 1 decimal for percentages.

    Returns
    -------
    str
    """
    if value is None or pd.isna(value) or not np.isfinite(value):
        return tr("n/a")
    unit = kpi_unit(key, "ratio")
    if style != "card":
        if unit == "count":
            return fmt.number(int(value))
        if unit == "money":
            return fmt.number(value, 2)
        return fmt.percent(value, 2 if style == "table" else 1)
    if unit == "count":
        return fmt.number(value)
    if unit == "per_view":
        # Events per view, not a share of anything: one view can draw a like, a comment
        # and a share (kol sharers reach ~160 interactions per 100 views), so a
        # percentage would read above 100 %.
        per_100 = value * 100
        return tr("{rate} per 100 views", rate=fmt.number(per_100, 1 if per_100 < 10 else 0))
    if unit == "money":
        return fmt.number(value, 2)
    # shares, and ratios such as ROI ((revenue - cost) / cost): a percentage
    return fmt.percent(value, 1 if abs(value) < 0.1 else 0)


#: The KPIs a persona card shows (the full table is on the page).
CARD_KPIS: tuple[str, ...] = (
    "interaction_rate",
    "ctr",
    "conversion_rate",
    "arpu",
    "average_order_value",
    "retention",
    "repurchase_rate",
    "stickiness",
)
