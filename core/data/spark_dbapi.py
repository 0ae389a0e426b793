"""A PEP 249 (DB-API 2.0) driver over a SparkSession, for the ``spark://`` dialect.

SQLAlchemy talks to databases through DB-API drivers; Spark has none in process (its
JDBC/ODBC route needs a Thrift server running beside it). This module is that driver, kept
to what SQLAlchemy uses: ``connect()`` returns a :class:`Connection` on the process's
SparkSession, and :meth:`Cursor.execute` hands the SQL text and its named parameters to
``SparkSession.sql(text, args=...)`` (parameter markers ``:name``, Spark 3.4+). Results
come back as Arrow (``DataFrame.toArrow``): PersonaLab only ever fetches aggregates and
samples, never the events.

Spark keeps one session per process, so every connection shares it; the first connection
decides its master and warehouse (a session already running, as under ``spark-submit``
or on Databricks, is used as it is). Spark has no transactions: commit and rollback do
nothing, and each statement takes effect when it runs.

``DELETE`` runs natively on tables that support it (Delta, Iceberg: Spark's "v2"
tables). Spark's own file tables (Parquet, the default for ``CREATE TABLE``) refuse it,
so there a ``DELETE FROM t WHERE c`` is carried out by rewriting the table with the rows
for which ``c`` is not true: the kept rows are materialised first (``localCheckpoint``)
so the table can be overwritten while it is read. That suits the tables PersonaLab
writes back (one row per user and run); on a very large table prefer Delta or Iceberg.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["connect", "Connection", "Cursor", "stop_session"]

apilevel = "2.0"
threadsafety = 1
paramstyle = "named"


class Warning(Exception):  # noqa: A001,N818 - names fixed by PEP 249
    """PEP 249 warning."""


class Error(Exception):
    """PEP 249 base error."""


class InterfaceError(Error):
    """PEP 249 interface error."""


class DatabaseError(Error):
    """PEP 249 database error."""


class OperationalError(DatabaseError):
    """Spark could not start or lost its session."""


class SparkUnavailable(OperationalError):
    """Spark cannot start here: ``kind`` is "pyspark" (not installed), "java" or "start"."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


class ProgrammingError(DatabaseError):
    """Spark refused a statement (parse error, missing table or column)."""


class IntegrityError(DatabaseError):
    """PEP 249 integrity error (Spark raises none)."""


class InternalError(DatabaseError):
    """PEP 249 internal error."""


class NotSupportedError(DatabaseError):
    """PEP 249 not-supported error."""


class DataError(DatabaseError):
    """PEP 249 data error (a value Spark could not convert)."""


_LOCK = threading.Lock()


def _java_home() -> str | None:
    """JAVA_HOME, or the JDK that the ``java`` on PATH belongs to."""
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    java = shutil.which("java")
    if java is None:
        return None
    return str(Path(java).resolve().parents[1])


def _session(master: str, warehouse: str | None, conf: Mapping[str, str]):
    """The process's SparkSession: the active one, or a new one built from the URL."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkUnavailable("pyspark", "pyspark is not installed") from exc
    with _LOCK:
        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        home = _java_home()
        if home is None or not (Path(home) / "bin" / "java").exists():
            raise SparkUnavailable("java", f"no Java at JAVA_HOME={home}")
        os.environ.setdefault("JAVA_HOME", home)
        builder = (
            SparkSession.builder.master(master)
            .appName("PersonaLab")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        )
        if warehouse:
            builder = builder.config("spark.sql.warehouse.dir", str(Path(warehouse).resolve()))
        for key, value in conf.items():
            builder = builder.config(key, value)
        try:
            session = builder.getOrCreate()
        except Exception as exc:  # Java gateway failures come as several exception types
            raise SparkUnavailable("start", str(exc).strip().splitlines()[0]) from exc
        session.sparkContext.setLogLevel("ERROR")
        return session


def stop_session() -> None:
    """Stop the process's SparkSession, if one is running (tests and benchmarks)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return
    with _LOCK:
        active = SparkSession.getActiveSession()
        if active is not None:
            active.stop()


def connect(
    master: str = "local[*]",
    warehouse: str | None = None,
    conf: Mapping[str, str] | None = None,
    views: Mapping[str, str] | None = None,
) -> Connection:
    """Open a connection on the process's SparkSession.

    Parameters
    ----------
    master : str, default "local[*]"
        The Spark master for a new session (``local[2]``, ``yarn``, ``spark://host:7077``).
    warehouse : str, optional
        ``spark.sql.warehouse.dir`` for a new session: where managed tables are written.
    conf : mapping, optional
        Further Spark settings for a new session.
    views : mapping, optional
        ``{view name: Parquet path}``: temporary views over Parquet files or folders in a
        lake, created (or replaced) on connect so queries can name them as tables.

    Returns
    -------
    Connection
    """
    session = _session(master, warehouse, dict(conf or {}))
    for name, path in (views or {}).items():
        try:
            session.read.parquet(path).createOrReplaceTempView(name)
        except Exception as exc:
            raise OperationalError(f"could not read Parquet at {path}: {exc}") from exc
    return Connection(session)


class Connection:
    """A DB-API connection: a handle on the shared SparkSession."""

    def __init__(self, session) -> None:
        self.session = session
        self.closed = False

    def cursor(self) -> Cursor:
        """A new cursor."""
        if self.closed:
            raise InterfaceError("connection is closed")
        return Cursor(self)

    def commit(self) -> None:
        """Nothing to do: Spark statements take effect when they run."""

    def rollback(self) -> None:
        """Nothing to undo: Spark has no transactions."""

    def close(self) -> None:
        """Forget the session (the session itself keeps running for the process)."""
        self.closed = True


def _param(value: Any) -> Any:
    """A Python value as Spark reads it: naive datetimes are UTC wall-clock times."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        # PySpark turns a naive datetime into an instant through the Python process's
        # local time zone; the session reads and shows times in UTC, so say UTC here.
        return value.replace(tzinfo=dt.UTC)
    return value


def _naive(table):
    """The Arrow table with time-zone-aware timestamps as naive UTC ones."""
    import pyarrow as pa

    fields = []
    changed = False
    for field in table.schema:
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            fields.append(pa.field(field.name, pa.timestamp(field.type.unit)))
            changed = True
        else:
            fields.append(field)
    return table.cast(pa.schema(fields)) if changed else table


def _spark_error(exc: Exception) -> Error:
    """The DB-API error for an exception raised by Spark."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    name = type(exc).__name__
    if "Analysis" in name or "Parse" in name or "Illegal" in name or "Number" in name:
        return ProgrammingError(text)
    return OperationalError(text)


_DELETE = re.compile(
    r"^\s*DELETE\s+FROM\s+(?P<table>\S+)(?:\s+WHERE\s+(?P<cond>.*))?$", re.S | re.I
)


def _rewrite_delete(session, operation: str, args: dict | None) -> bool:
    """Carry out a DELETE on a table without DELETE support; False if not a DELETE."""
    match = _DELETE.match(operation)
    if match is None:
        return False
    table, cond = match.group("table"), match.group("cond")
    where = f" WHERE ({cond}) IS NOT TRUE" if cond else " WHERE false"
    kept = session.sql(f"SELECT * FROM {table}{where}", args=args).localCheckpoint(eager=True)
    kept.write.insertInto(table, overwrite=True)
    return True


class Cursor:
    """A DB-API cursor; a query's whole (small) result is held as one Arrow table."""

    arraysize = 1000

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.description: list[tuple] | None = None
        self.rowcount = -1
        self.lastrowid = None
        self._table = None
        self._rows: list[tuple] | None = None
        self._pos = 0

    def execute(self, operation: str, parameters: Mapping[str, Any] | None = None) -> Cursor:
        """Run one statement; a query's rows are fetched at once as Arrow."""
        args = {k: _param(v) for k, v in (parameters or {}).items()} or None
        session = self.connection.session
        try:
            frame = session.sql(operation, args=args)
            table = _naive(frame.toArrow()) if frame.columns else None
        except Exception as exc:
            if "TABLE_OPERATION" not in str(exc) or "DELETE" not in str(exc):
                raise _spark_error(exc) from exc
            try:  # a file table: rewrite it without the deleted rows
                rewritten = _rewrite_delete(session, operation, args)
            except Exception as inner:
                raise _spark_error(inner) from inner
            if not rewritten:
                raise _spark_error(exc) from exc
            table = None
        self._table, self._rows, self._pos = table, None, 0
        if table is None:
            self.description, self.rowcount = None, -1
        else:
            self.description = [
                (f.name, str(f.type), None, None, None, None, True) for f in table.schema
            ]
            self.rowcount = table.num_rows
        return self

    def executemany(self, operation: str, seq_of_parameters: Sequence[Mapping[str, Any]]) -> Cursor:
        """Run ``operation`` once per parameter set (small inserts only)."""
        for parameters in seq_of_parameters:
            self.execute(operation, parameters)
        return self

    def fetch_arrow_table(self):
        """The whole result as a ``pyarrow.Table`` (timestamps naive UTC), or None."""
        return self._table

    def _all_rows(self) -> list[tuple]:
        """The result as row tuples, built once."""
        if self._rows is None:
            if self._table is None:
                raise ProgrammingError("the statement returned no rows")
            columns = [col.to_pylist() for col in self._table.columns]
            self._rows = list(zip(*columns, strict=True)) if columns else []
        return self._rows

    def fetchone(self) -> tuple | None:
        """The next row, or None."""
        rows = self._all_rows()
        if self._pos >= len(rows):
            return None
        self._pos += 1
        return rows[self._pos - 1]

    def fetchmany(self, size: int | None = None) -> list[tuple]:
        """The next ``size`` rows."""
        rows = self._all_rows()
        size = self.arraysize if size is None else size
        out = rows[self._pos : self._pos + size]
        self._pos += len(out)
        return out

    def fetchall(self) -> list[tuple]:
        """The remaining rows."""
        rows = self._all_rows()
        out = rows[self._pos :]
        self._pos = len(rows)
        return out

    def close(self) -> None:
        """Drop the held result."""
        self._table = self._rows = None

    def setinputsizes(self, sizes) -> None:
        """Ignored (PEP 249)."""

    def setoutputsize(self, size, column=None) -> None:
        """Ignored (PEP 249)."""
