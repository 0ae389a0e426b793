"""Goals: progress toward a KPI target, the last period of the range against the first."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from core.errors import DataError
from core.explore.performance import kpi_trends
from core.explore.query import (
    USER_TIME_TYPE,
    ExploreFilters,
    Grain,
    duck,
    filtered_events,
    run_sql,
    validate_grain,
)
from core.i18n import tr


@dataclasses.dataclass(frozen=True)
class Goal:
    """A target the user sets: ``kpi`` should change by ``target_change`` (0.3 = +30 %).

    ``start_value`` is the follower count at the start of the range, as the account's
    page shows it (followers goals only): the events show who followed during the data's
    time span, not how many followers there were before, so follower growth in % needs it.
    """

    kpi: str
    target_change: float
    start_value: float | None = None


GOAL_KPIS = (
    "followers",
    "interaction_rate",
    "exposures",
    "reach",
    "conversion_rate",
    "ctr",
    "share_rate",
    "comment_rate",
    "like_rate",
    "revenue",
    "arpu",
    "active_users",
    "orders",
)


def goal_progress(
    engine,
    goals: Sequence[Goal],
    filters: ExploreFilters = ExploreFilters(),
    labels: pd.Series | None = None,
    grain: Grain = "week",
) -> pd.DataFrame:
    """Progress toward each goal: the last period of the range against the first.

    Every KPI but ``followers`` is compared period value to period value from
    :func:`kpi_trends`. Follower growth is (followers end - start) / start, and the
    events cannot give the start: they show who followed while the data was collected,
    not the followers an account already had (counting from the data's first day made
    a brand look to have quadrupled its followers). So ``gained`` counts the new
    followers from the first period's start to the last period's end (users whose first
    follow event, history before the range included, falls there), and the change is
    computed only from the ``Goal.start_value`` the user gives: ``end = start + gained``.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The dataset engine.
    goals : sequence of Goal
        The targets; a ``start_value`` is allowed only for ``followers`` and must be > 0.
    filters : ExploreFilters
        Date range, platforms and segments.
    labels : pandas.Series, optional
        Segment labels by user id (needed for a segment filter).
    grain : {"week", "month"}
        The periods compared.

    Returns
    -------
    DataFrame
        ``kpi``, ``first_period``, ``last_period``, ``start_value``, ``end_value``,
        ``gained`` (new followers; NaN for other KPIs), ``change`` (relative, NaN for
        followers without a start value), ``target_change``, ``progress`` (change /
        target, NaN when not computable), ``met`` (bool).
    """
    grain = validate_grain(grain)
    for goal in goals:
        if goal.kpi not in GOAL_KPIS:
            raise DataError(
                tr(
                    "Goals can track {kpis}; '{kpi}' is not one of them.",
                    kpis=", ".join(GOAL_KPIS),
                    kpi=goal.kpi,
                )
            )
        if not np.isfinite(goal.target_change) or goal.target_change == 0:
            raise DataError(
                tr("The target for {kpi} must be a non-zero change, e.g. +30 %.", kpi=goal.kpi)
            )
        if goal.start_value is not None and (
            goal.kpi != "followers" or not np.isfinite(goal.start_value) or goal.start_value <= 0
        ):
            raise DataError(
                tr(
                    "A starting count can be given for the followers goal only, and must be "
                    "more than 0 (got {value} for {kpi}).",
                    value=goal.start_value,
                    kpi=goal.kpi,
                )
            )
    trends = kpi_trends(engine, filters, labels, grain)
    rows = []
    for goal in goals:
        row = {"kpi": goal.kpi, "target_change": float(goal.target_change), "gained": np.nan}
        if len(trends) < 2:
            row.update(
                first_period=pd.NaT,
                last_period=pd.NaT,
                start_value=np.nan,
                end_value=np.nan,
                change=np.nan,
            )
        elif goal.kpi == "followers":
            first = trends["period"].iloc[0]
            since = max(first, pd.Timestamp(filters.start)) if filters.start else first
            gained = float(_new_followers(engine, filters, labels, since))
            start = np.nan if goal.start_value is None else float(goal.start_value)
            row.update(
                first_period=first,
                last_period=trends["period"].iloc[-1],
                start_value=start,
                end_value=start + gained,
                gained=gained,
                change=gained / start,
            )
        else:
            series = trends.set_index("period")[goal.kpi]
            start, end = float(series.iloc[0]), float(series.iloc[-1])
            row.update(
                first_period=trends["period"].iloc[0],
                last_period=trends["period"].iloc[-1],
                start_value=start,
                end_value=end,
                change=(end - start) / start if start else np.nan,
            )
        row["progress"] = row["change"] / goal.target_change if pd.notna(row["change"]) else np.nan
        row["met"] = bool(pd.notna(row["progress"]) and row["progress"] >= 1)
        rows.append(row)
    cols = [
        "kpi",
        "first_period",
        "last_period",
        "start_value",
        "end_value",
        "gained",
        "change",
        "target_change",
        "progress",
        "met",
    ]
    return pd.DataFrame(rows, columns=cols)


def _new_followers(engine, f, labels, since: pd.Timestamp) -> int:
    """Users whose first follow event (history included) is from ``since`` to the range end."""
    base, params = filtered_events(
        f, labels is not None, dates=False, until_end=True, columns=USER_TIME_TYPE
    )
    params["since"] = pd.Timestamp(since).to_pydatetime()
    sql = f"""
    SELECT count(*) AS followers FROM (
        SELECT user_id, min(timestamp) AS t FROM ({base}) WHERE event_type = 'follow'
        GROUP BY user_id
    ) WHERE t >= $since
    """
    with duck(engine, labels) as raw:
        out = run_sql(raw, sql, params)
    return int(out["followers"].iloc[0])
