"""The feature query and the engine-side Explore aggregates compile for the big warehouses.

No servers: each statement is compiled by the warehouse's own SQLAlchemy dialect
(sqlalchemy-bigquery, snowflake-sqlalchemy, clickhouse-connect, trino) with its values
inlined, then parsed back by sqlglot in that warehouse's dialect, which proves it is SQL
that warehouse reads (sqlglot raises on text it cannot parse). Spark, DuckDB and
PostgreSQL are compiled the same way; they also run the statements in other tests.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import sqlglot
from sqlalchemy.dialects import registry

from core.explore.engine_summary import summary_statements
from core.segments.feature_sql import feature_statement

#: (SQLAlchemy dialect name, sqlglot dialect) per engine.
DIALECTS = {
    "bigquery": ("bigquery", "bigquery"),
    "snowflake": ("snowflake", "snowflake"),
    "clickhouse": ("clickhousedb", "clickhouse"),
    "trino": ("trino", "trino"),
    "spark": ("spark", "spark"),
    "duckdb": ("duckdb", "duckdb"),
    "postgres": ("postgresql", "postgres"),
}


def dialect_for(name: str) -> sa.engine.Dialect:
    """An instance of the named SQLAlchemy dialect (no connection)."""
    sa_name, _ = DIALECTS[name]
    if sa_name == "spark":
        import core.data.spark  # noqa: F401 - registers the dialect
    return registry.load(sa_name)()


def events_def(*, author: bool = False) -> sa.Table:
    """The canonical events table in portable types."""
    extra = (sa.Column("author_id", sa.String),) if author else ()
    return sa.Table(
        "events",
        sa.MetaData(),
        sa.Column("user_id", sa.String),
        sa.Column("timestamp", sa.DateTime),
        sa.Column("event_type", sa.String),
        sa.Column("platform", sa.String),
        sa.Column("amount", sa.Double),
        sa.Column("content_format", sa.String),
        *extra,
    )


def users_def() -> sa.Table:
    """A users table with a number, a text and a date attribute."""
    return sa.Table(
        "users",
        sa.MetaData(),
        sa.Column("user_id", sa.String),
        sa.Column("age", sa.Double),
        sa.Column("region", sa.String),
        sa.Column("signup_date", sa.Date),
    )


def compile_sql(stmt: sa.Select, dialect: sa.engine.Dialect) -> str:
    """The statement as SQL text for ``dialect``, values inlined."""
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def parses(sql: str, glot: str) -> sqlglot.exp.Expression:
    """Parse ``sql`` in sqlglot's ``glot`` dialect (raises on an error)."""
    tree = sqlglot.parse_one(sql, read=glot, error_level=sqlglot.ErrorLevel.RAISE)
    assert isinstance(tree, sqlglot.exp.Query)
    return tree


def the_feature_query() -> sa.Select:
    """The feature query with users, authors, odd platform names and an extra event type."""
    return feature_statement(
        events_def(author=True),
        users_def(),
        event_types=("view", "click", "purchase", "quiz"),
        platforms=("wechat", "douyin", "小红书"),
        formats=("video", "text_image"),
        as_of=dt.date(2025, 6, 30),
    )


@pytest.mark.parametrize("engine", sorted(DIALECTS))
def test_feature_query_compiles_and_parses(engine):
    dialect = dialect_for(engine)
    stmt = the_feature_query()
    n_out = len(stmt.selected_columns)
    assert n_out > 30
    sql = compile_sql(stmt, dialect)
    assert "GROUP BY" in sql.upper()
    tree = parses(sql, DIALECTS[engine][1])
    # every output column survives the round trip, in order
    assert [e.alias_or_name for e in tree.expressions] == [f"c{i}" for i in range(n_out)]


@pytest.mark.parametrize("engine", sorted(DIALECTS))
def test_summary_statements_compile_and_parse(engine):
    dialect = dialect_for(engine)
    stmts = summary_statements(
        events_def(), start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31), platforms=("wechat",)
    )
    assert set(stmts) == {"totals", "daily", "weekly", "by_type", "by_platform", "ladder"}
    for name, stmt in stmts.items():
        sql = compile_sql(stmt, dialect)
        try:
            parses(sql, DIALECTS[engine][1])
        except sqlglot.errors.ParseError as exc:  # pragma: no cover - message for the reader
            pytest.fail(f"{engine} {name}: {exc}\n{sql}")


@pytest.mark.parametrize(
    ("engine", "days", "dow"),
    [
        ("spark", "datediff(", "dayofweek("),
        ("bigquery", "DATE_DIFF(", "DAYOFWEEK"),
        ("snowflake", "DATEDIFF(day", "DAYOFWEEKISO("),
        ("clickhouse", "dateDiff('day'", "toDayOfWeek("),
        ("trino", "date_diff('day'", "day_of_week("),
        ("duckdb", "(CAST('2025-06-30' AS DATE) - ", "EXTRACT(dow FROM"),
    ],
)
def test_each_engine_gets_its_own_date_spelling(engine, days, dow):
    """Date differences and weekdays are the functions that differ between engines."""
    sql = compile_sql(the_feature_query(), dialect_for(engine))
    assert days in sql
    assert dow in sql


def test_spark_sql_quotes_every_name_and_uses_spark_types():
    sql = compile_sql(the_feature_query(), dialect_for("spark"))
    assert "`events`.`timestamp`" in sql
    assert "'小红书'" in sql
    assert " AS DOUBLE)" in sql
    summary = compile_sql(summary_statements(events_def())["totals"], dialect_for("spark"))
    assert "CAST(`events`.`user_id` AS STRING)" in summary
    assert "VARCHAR" not in sql + summary
