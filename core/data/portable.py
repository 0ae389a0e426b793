"""SQL expressions that every engine has, but spells differently.

The feature query and the engine-side Explore aggregates are written once in SQLAlchemy
Core; a handful of date operations have no single spelling across engines. Each is a
small ``FunctionElement`` here, compiled per dialect with ``sqlalchemy.ext.compiler``:
the default spelling is the one DuckDB and PostgreSQL share, and Spark SQL, BigQuery,
Snowflake, ClickHouse and Trino get theirs. Only the dialect *name* is needed to
register a spelling, so none of those dialect packages is imported here.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

__all__ = ["days_between", "day_of_week", "week_start"]


class days_between(FunctionElement):  # noqa: N801 - reads like the SQL function it is
    """Whole days from ``start`` to ``end`` (two DATE values): ``end - start``.

    DuckDB and PostgreSQL subtract dates to an integer; Spark and Trino subtract them to
    an interval, so they and the warehouses get their date-difference function.
    """

    type = sa.Integer()
    inherit_cache = True
    name = "days_between"

    def __init__(self, end: sa.ColumnElement, start: sa.ColumnElement) -> None:
        super().__init__(end, start)


class day_of_week(FunctionElement):  # noqa: N801
    """Day of the week of a TIMESTAMP with Sunday = 0 ... Saturday = 6 (PostgreSQL's ``dow``)."""

    type = sa.Integer()
    inherit_cache = True
    name = "day_of_week"


class week_start(FunctionElement):  # noqa: N801
    """The Monday that starts the ISO week of a DATE, as a DATE."""

    type = sa.Date()
    inherit_cache = True
    name = "week_start"


def _args(element: FunctionElement, compiler, **kw) -> list[str]:
    """The compiled arguments of ``element``."""
    return [compiler.process(arg, **kw) for arg in element.clauses]


# --------------------------------------------------------------------------- days_between


@compiles(days_between)
def _days_between_default(element, compiler, **kw):
    end, start = _args(element, compiler, **kw)
    return f"({end} - {start})"


@compiles(days_between, "spark")
def _days_between_spark(element, compiler, **kw):
    end, start = _args(element, compiler, **kw)
    return f"datediff({end}, {start})"


@compiles(days_between, "bigquery")
def _days_between_bigquery(element, compiler, **kw):
    end, start = _args(element, compiler, **kw)
    return f"DATE_DIFF({end}, {start}, DAY)"


@compiles(days_between, "snowflake")
def _days_between_snowflake(element, compiler, **kw):
    end, start = _args(element, compiler, **kw)
    return f"DATEDIFF(day, {start}, {end})"


@compiles(days_between, "clickhouse")
@compiles(days_between, "clickhousedb")
def _days_between_clickhouse(element, compiler, **kw):
    end, start = _args(element, compiler, **kw)
    return f"dateDiff('day', {start}, {end})"


@compiles(days_between, "trino")
def _days_between_trino(element, compiler, **kw):
    end, start = _args(element, compiler, **kw)
    return f"date_diff('day', {start}, {end})"


# --------------------------------------------------------------------------- day_of_week


@compiles(day_of_week)
def _dow_default(element, compiler, **kw):
    (ts,) = _args(element, compiler, **kw)
    return f"EXTRACT(dow FROM {ts})"


@compiles(day_of_week, "spark")
def _dow_spark(element, compiler, **kw):
    (ts,) = _args(element, compiler, **kw)
    return f"(dayofweek({ts}) - 1)"  # Spark: Sunday = 1


@compiles(day_of_week, "bigquery")
def _dow_bigquery(element, compiler, **kw):
    (ts,) = _args(element, compiler, **kw)
    return f"(EXTRACT(DAYOFWEEK FROM {ts}) - 1)"  # BigQuery: Sunday = 1


@compiles(day_of_week, "snowflake")
def _dow_snowflake(element, compiler, **kw):
    (ts,) = _args(element, compiler, **kw)
    return f"MOD(DAYOFWEEKISO({ts}), 7)"  # ISO: Monday = 1 ... Sunday = 7


@compiles(day_of_week, "clickhouse")
@compiles(day_of_week, "clickhousedb")
def _dow_clickhouse(element, compiler, **kw):
    (ts,) = _args(element, compiler, **kw)
    return f"(toDayOfWeek({ts}) % 7)"  # ClickHouse: Monday = 1 ... Sunday = 7


@compiles(day_of_week, "trino")
def _dow_trino(element, compiler, **kw):
    (ts,) = _args(element, compiler, **kw)
    return f"(day_of_week({ts}) % 7)"  # Trino: ISO, Monday = 1


# --------------------------------------------------------------------------- week_start


@compiles(week_start)
def _week_default(element, compiler, **kw):
    (day,) = _args(element, compiler, **kw)
    return f"CAST(date_trunc('week', {day}) AS DATE)"


@compiles(week_start, "bigquery")
def _week_bigquery(element, compiler, **kw):
    (day,) = _args(element, compiler, **kw)
    return f"DATE_TRUNC({day}, ISOWEEK)"


@compiles(week_start, "clickhouse")
@compiles(week_start, "clickhousedb")
def _week_clickhouse(element, compiler, **kw):
    (day,) = _args(element, compiler, **kw)
    return f"toMonday({day})"
