"""Apache Spark as one more SQLAlchemy engine: a small Spark SQL dialect.

Why a dialect of our own: the feature query, the Explore aggregates and the segment
assignment are SQLAlchemy Core, written once for DuckDB and PostgreSQL. Making Spark one
more SQLAlchemy engine keeps them one implementation each; only the few functions
that Spark spells differently get a Spark spelling (``core.data.portable``). The
packages that offer a Spark dialect either need a Thrift server running beside Spark
(PyHive's ``hive://``, which also predates SQLAlchemy 2) or a Databricks workspace, so
this module holds the dialect (quoting, types, reflection from the Spark catalogue) and
``core.data.spark_dbapi`` the in-process driver over a SparkSession.

URLs (``python -m core features --db URL``)::

    spark://local                      a local session on every core (local[*])
    spark://local?master=local[2]      a local session on two cores
    spark://local?warehouse=/data/wh   managed tables written under /data/wh
    spark://host:7077                  a standalone cluster's master
    spark://local?master=yarn          any master spark-submit accepts
    spark://local?parquet.events=/lake/events
                                       a view named ``events`` over Parquet files
    spark://local?conf.spark.executor.memory=8g
                                       any Spark setting, prefixed ``conf.``

Under ``spark-submit`` or on Databricks, the session already running is used as it is.
A ``--table`` names a table of the Spark catalogue (``db.table`` for another database),
or a ``parquet.NAME=PATH`` view from the URL.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import types as sqltypes
from sqlalchemy.dialects import registry
from sqlalchemy.engine import default, reflection
from sqlalchemy.sql import compiler

__all__ = ["SparkDialect", "load_frame", "is_spark", "SPARK_TYPES"]


class SparkIdentifierPreparer(compiler.IdentifierPreparer):
    """Back-quoted identifiers; every identifier is quoted.

    Spark's reserved words change with its ANSI setting and version; quoting every
    name is always valid Spark SQL and never changes its meaning.
    """

    def __init__(self, dialect: default.DefaultDialect) -> None:
        super().__init__(dialect, initial_quote="`", escape_quote="`")

    def _requires_quotes(self, value: str) -> bool:
        return True


class SparkCompiler(compiler.SQLCompiler):
    """Spark SQL statements: PostgreSQL-like, with literal LIMIT / OFFSET."""

    def limit_clause(self, select, **kw) -> str:
        text = ""
        if select._limit_clause is not None:
            text += "\n LIMIT " + self.process(select._limit_clause, literal_binds=True, **kw)
        if select._offset_clause is not None:
            text += " OFFSET " + self.process(select._offset_clause, literal_binds=True, **kw)
        return text

    def visit_true(self, expr, **kw) -> str:
        return "true"

    def visit_false(self, expr, **kw) -> str:
        return "false"


class SparkTypeCompiler(compiler.GenericTypeCompiler):
    """Spark SQL type names (STRING for text of any length, DOUBLE, TIMESTAMP)."""

    def visit_string(self, type_, **kw) -> str:
        return "STRING"

    visit_VARCHAR = visit_NVARCHAR = visit_CHAR = visit_NCHAR = visit_string  # noqa: N815
    visit_text = visit_TEXT = visit_unicode = visit_unicode_text = visit_string  # noqa: N815

    def visit_double(self, type_, **kw) -> str:
        return "DOUBLE"

    visit_DOUBLE = visit_float = visit_FLOAT = visit_REAL = visit_double  # noqa: N815
    visit_DOUBLE_PRECISION = visit_double  # noqa: N815

    def visit_datetime(self, type_, **kw) -> str:
        return "TIMESTAMP"

    visit_DATETIME = visit_TIMESTAMP = visit_datetime  # noqa: N815

    def visit_integer(self, type_, **kw) -> str:
        return "INT"

    def visit_big_integer(self, type_, **kw) -> str:
        return "BIGINT"

    def visit_boolean(self, type_, **kw) -> str:
        return "BOOLEAN"


#: Spark SQL type names (as ``DataType.simpleString()`` starts) to SQLAlchemy types.
SPARK_TYPES: tuple[tuple[str, type[sqltypes.TypeEngine]], ...] = (
    ("timestamp", sa.DateTime),
    ("date", sa.Date),
    ("string", sa.String),
    ("varchar", sa.String),
    ("char", sa.String),
    ("double", sa.Double),
    ("float", sa.Double),
    ("decimal", sa.Numeric),
    ("bigint", sa.BigInteger),
    ("int", sa.Integer),
    ("smallint", sa.Integer),
    ("tinyint", sa.Integer),
    ("boolean", sa.Boolean),
    ("binary", sa.LargeBinary),
)


def _spark_type(simple: str) -> sqltypes.TypeEngine:
    """The SQLAlchemy type for a Spark type name (NullType when unknown)."""
    for prefix, typ in SPARK_TYPES:
        if simple.startswith(prefix):
            return typ()
    return sqltypes.NullType()


class SparkDialect(default.DefaultDialect):
    """SQLAlchemy dialect for Spark SQL over an in-process SparkSession."""

    name = "spark"
    driver = "session"
    default_paramstyle = "named"
    supports_statement_cache = True
    statement_compiler = SparkCompiler
    type_compiler_cls = SparkTypeCompiler
    preparer = SparkIdentifierPreparer
    supports_native_boolean = True
    supports_native_decimal = True
    supports_alter = False
    supports_sequences = False
    supports_default_values = False
    supports_empty_insert = False
    supports_multivalues_insert = True
    supports_sane_rowcount = False
    supports_sane_multi_rowcount = False
    insert_returning = False
    postfetch_lastrowid = False
    div_is_floordiv = False
    max_identifier_length = 255

    @classmethod
    def import_dbapi(cls):
        from core.data import spark_dbapi

        return spark_dbapi

    def create_connect_args(self, url: sa.URL) -> tuple[list, dict[str, Any]]:
        """Master, warehouse, Spark settings and Parquet views from the URL."""
        query = dict(url.query)
        master = query.pop("master", None)
        if master is None:
            host = url.host or "local"
            master = "local[*]" if host == "local" else f"spark://{host}:{url.port or 7077}"
        warehouse = query.pop("warehouse", None)
        conf = {k[len("conf.") :]: v for k, v in query.items() if k.startswith("conf.")}
        views = {k[len("parquet.") :]: v for k, v in query.items() if k.startswith("parquet.")}
        return [], {"master": master, "warehouse": warehouse, "conf": conf, "views": views}

    def _get_server_version_info(self, connection) -> tuple[int, ...]:
        version = self._session(connection).version
        return tuple(int(p) for p in version.split(".")[:3] if p.isdigit())

    def _get_default_schema_name(self, connection) -> str:
        return self._session(connection).catalog.currentDatabase()

    def do_begin(self, dbapi_connection) -> None:
        """Spark has no transactions."""

    def do_ping(self, dbapi_connection) -> bool:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        return True

    @staticmethod
    def _session(connection):
        """The SparkSession behind a SQLAlchemy connection."""
        return connection.connection.dbapi_connection.session

    @staticmethod
    def _qualified(name: str, schema: str | None) -> str:
        """``schema.name`` with back-quotes, as the catalogue reads it."""
        parts = [schema, name] if schema else [name]
        return ".".join("`" + p.replace("`", "``") + "`" for p in parts)

    @reflection.cache
    def get_columns(self, connection, table_name, schema=None, **kw) -> list[dict]:
        session = self._session(connection)
        try:
            fields = session.table(self._qualified(table_name, schema)).schema.fields
        except Exception as exc:
            raise sa.exc.NoSuchTableError(table_name) from exc
        return [
            {
                "name": f.name,
                "type": _spark_type(f.dataType.simpleString()),
                "nullable": f.nullable,
                "default": None,
            }
            for f in fields
        ]

    def has_table(self, connection, table_name, schema=None, **kw) -> bool:
        session = self._session(connection)
        try:
            session.table(self._qualified(table_name, schema))
        except Exception:
            return False
        return True

    def get_table_names(self, connection, schema=None, **kw) -> list[str]:
        session = self._session(connection)
        return [
            t.name
            for t in session.catalog.listTables(schema)
            if t.tableType != "VIEW" and not t.isTemporary
        ]

    def get_view_names(self, connection, schema=None, **kw) -> list[str]:
        session = self._session(connection)
        return [
            t.name
            for t in session.catalog.listTables(schema)
            if t.tableType == "VIEW" or t.isTemporary
        ]

    def get_temp_view_names(self, connection, schema=None, **kw) -> list[str]:
        session = self._session(connection)
        return [t.name for t in session.catalog.listTables(schema) if t.isTemporary]

    def get_schema_names(self, connection, **kw) -> list[str]:
        return [d.name for d in self._session(connection).catalog.listDatabases()]

    def get_pk_constraint(self, connection, table_name, schema=None, **kw) -> dict:
        return {"constrained_columns": [], "name": None}

    def get_foreign_keys(self, connection, table_name, schema=None, **kw) -> list:
        return []

    def get_indexes(self, connection, table_name, schema=None, **kw) -> list:
        return []

    def get_unique_constraints(self, connection, table_name, schema=None, **kw) -> list:
        return []

    def get_check_constraints(self, connection, table_name, schema=None, **kw) -> list:
        return []

    def get_table_comment(self, connection, table_name, schema=None, **kw) -> dict:
        return {"text": None}


registry.register("spark", "core.data.spark", "SparkDialect")
registry.register("spark.session", "core.data.spark", "SparkDialect")


def is_spark(engine: sa.Engine | sa.Connection) -> bool:
    """True when ``engine`` talks to Spark."""
    return engine.dialect.name == "spark"


def load_frame(engine: sa.Engine, name: str, frame, *, mode: str = "overwrite") -> None:
    """Write a pandas frame or a Parquet path into a Spark catalogue table.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        A ``spark://`` engine.
    name : str
        The table (``db.table`` allowed); replaced when ``mode`` is "overwrite".
    frame : pandas.DataFrame, str or pathlib.Path
        The rows, or a Parquet file / folder to read. Naive timestamps are UTC.
    mode : {"overwrite", "append"}
        Replace the table or add to it.
    """
    import pandas as pd

    with engine.connect() as conn:
        session = SparkDialect._session(conn)
        if isinstance(frame, pd.DataFrame):
            import pyarrow as pa

            data = session.createDataFrame(pa.Table.from_pandas(frame, preserve_index=False))
        else:
            data = session.read.parquet(str(frame))
        data.write.mode(mode).saveAsTable(name)
