"""The embedded DuckDB engine for datasets, and SQLAlchemy connections to user databases.

A dataset is one DuckDB file holding the canonical ``events`` and ``users`` tables
(docs/architecture.md). :func:`dataset_engine` opens it read-only through duckdb-engine
and caches one engine per file, so every page and every query of a process shares it.
:func:`connect` opens any SQLAlchemy URL (PostgreSQL and Apache Spark, ``spark://``,
are the tested ones) so the feature query can run inside a company's own database or
lake. :func:`events_table` and
:func:`users_table` describe a table as a ``sqlalchemy.Table`` for SQLAlchemy Core.
"""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import sqlalchemy as sa
from duckdb_engine import ConnectionWrapper
from sqlalchemy.engine import Engine, make_url

from core.data.layout import ensure_current_layout
from core.data.spark import is_spark  # importing it registers the spark:// dialect
from core.errors import DataError
from core.i18n import tr

__all__ = [
    "dataset_engine",
    "duckdb_engine",
    "connect",
    "events_table",
    "users_table",
    "table_exists",
    "reflect_table",
    "is_duckdb",
    "is_spark",
]

REQUIRED_EVENT_COLUMNS = ("user_id", "timestamp", "event_type")

_ENGINES: dict[str, tuple[tuple[int, int], Engine]] = {}
_ENGINES_LOCK = threading.Lock()


def dataset_engine(path: str | Path) -> Engine:
    """Return a SQLAlchemy engine on a dataset's DuckDB file, shared per file.

    Parameters
    ----------
    path : str or pathlib.Path
        The dataset file (``<data dir>/datasets/<id>.duckdb``).

    Returns
    -------
    sqlalchemy.Engine
        A ``duckdb:///`` engine. The file is opened read-only when possible (a dataset
        never changes once written); if this process already has the file open for
        writing, DuckDB refuses a second configuration and the engine opens it with the
        existing one instead. Engines are cached by resolved path and the file's
        modification time, so a file replaced in place gets a fresh engine. A dataset in
        an older layout is upgraded before its first engine (``core.data.layout``).

    Raises
    ------
    DataError
        When the file does not exist or comes from a newer PersonaLab.
    """
    p = Path(path).expanduser().resolve()
    if not p.is_file():
        raise DataError(
            tr(
                "The dataset file '{path}' does not exist; load the data again on the Data "
                "page or with the CLI.",
                path=str(p),
            )
        )
    key = str(p)
    with _ENGINES_LOCK:
        cached = _ENGINES.get(key)
        stat = p.stat()
        if cached is not None and cached[0] == (stat.st_mtime_ns, stat.st_size):
            return cached[1]
        if cached is not None:
            cached[1].dispose()
        ensure_current_layout(p)  # may replace the file: take its stamp afterwards
        stat = p.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        engine = _open_duckdb(key)
        _ENGINES[key] = (stamp, engine)
        return engine


def _open_duckdb(path: str) -> Engine:
    """Open ``path`` read-only, or with the process's existing configuration."""
    engine = duckdb_engine(path, read_only=True)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return engine
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        if "different configuration" not in str(exc):
            raise DataError(
                tr(
                    "The dataset file '{path}' could not be opened as a PersonaLab dataset; "
                    "load the data again on the Data page or with the CLI.",
                    path=path,
                )
            ) from exc
    # Already open read-write in this process (e.g. just written): share that instance.
    return duckdb_engine(path, read_only=False)


def duckdb_engine(path: str | Path, *, read_only: bool = True) -> Engine:
    """A new (uncached) duckdb-engine engine on ``path`` that quotes DuckDB keywords.

    duckdb-engine inherits PostgreSQL's reserved words, so a column named after a DuckDB
    keyword such as ``at`` would reach DuckDB unquoted and fail to parse; the dialect of
    the returned engine also quotes every DuckDB keyword that is not "unreserved".
    Prefer :func:`dataset_engine`, which caches; use this one to write a dataset.
    """
    target = str(path)

    def creator() -> ConnectionWrapper:
        # Plain duckdb.connect, as ingest and the layout upgrade do: duckdb-engine's own connect adds a
        # custom_user_agent setting, and DuckDB refuses a second connection to a file
        # that is open in this process with a different configuration.
        return ConnectionWrapper(duckdb.connect(target, read_only=read_only))

    engine = sa.create_engine(sa.URL.create("duckdb", database=target), creator=creator)
    preparer = engine.dialect.identifier_preparer
    preparer.reserved_words = set(preparer.reserved_words) | _duckdb_keywords()
    return engine


_KEYWORDS: set[str] = set()


def _duckdb_keywords() -> set[str]:
    """DuckDB keywords that are not safe as bare identifiers (from duckdb_keywords())."""
    if not _KEYWORDS:
        con = duckdb.connect()
        try:
            rows = con.execute(
                "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category <> 'unreserved'"
            ).fetchall()
        finally:
            con.close()
        _KEYWORDS.update(r[0].lower() for r in rows)
    return _KEYWORDS


def connect(url: str | sa.URL) -> Engine:
    """Open a SQLAlchemy engine on a user's database and check that it answers.

    Parameters
    ----------
    url : str or sqlalchemy.URL
        A SQLAlchemy database URL, e.g. ``postgresql+psycopg2://user:pw@host/db``, or
        ``spark://local`` for Apache Spark (URL options in ``core.data.spark``).

    Returns
    -------
    sqlalchemy.Engine

    Raises
    ------
    DataError
        When the URL is malformed, its driver is not installed, or the server does not
        answer. The message never shows the password.
    """
    try:
        parsed = make_url(url)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise DataError(
            tr(
                "The database address is not a valid connection URL; it should look like "
                "postgresql+psycopg2://user:password@host:5432/database or spark://local."
            )
        ) from exc
    shown = parsed.render_as_string(hide_password=True)
    try:
        engine = sa.create_engine(parsed, pool_pre_ping=True)
    except (sa.exc.NoSuchModuleError, ModuleNotFoundError, ImportError) as exc:
        raise DataError(
            tr(
                "PersonaLab cannot talk to '{driver}' databases ({url}): its driver is not "
                "installed; use a PostgreSQL URL or ask your administrator to install the "
                "driver.",
                driver=parsed.drivername,
                url=shown,
            )
        ) from exc
    if is_duckdb(engine):
        preparer = engine.dialect.identifier_preparer
        preparer.reserved_words = set(preparer.reserved_words) | _duckdb_keywords()
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        if is_spark(engine):
            raise DataError(_spark_unavailable(exc.orig, shown)) from exc
        raise DataError(
            tr(
                "Could not connect to the database {url}; check the host, port, database "
                "name, user and password.",
                url=shown,
            )
        ) from exc
    return engine


def _spark_unavailable(error: BaseException, shown: str) -> str:
    """The sentence for a Spark session that could not start."""
    kind = getattr(error, "kind", "start")
    if kind == "pyspark":
        return tr(
            "Spark is not installed here, so {url} cannot be opened; install pyspark (the "
            "version of your Spark cluster) with pip.",
            url=shown,
        )
    if kind == "java":
        return tr(
            "Spark needs Java 17 or newer and none was found ({detail}); install "
            "openjdk-17-jre-headless or set JAVA_HOME, then open {url} again.",
            detail=getattr(error, "detail", ""),
            url=shown,
        )
    return tr(
        "Spark did not start for {url} ({reason}); check the master and the settings in the URL.",
        url=shown,
        reason=getattr(error, "detail", str(error)),
    )


def is_duckdb(engine: Engine | sa.Connection) -> bool:
    """True when ``engine`` talks to DuckDB."""
    return engine.dialect.name == "duckdb"


def table_exists(engine: Engine, name: str, schema: str | None = None) -> bool:
    """True when table (or view) ``name`` exists in ``engine``'s database."""
    if is_duckdb(engine):
        return bool(_duckdb_columns(engine, name, schema))
    insp = sa.inspect(engine)
    return insp.has_table(name, schema=schema) or name in insp.get_view_names(schema=schema)


def events_table(engine: Engine, name: str = "events", schema: str | None = None) -> sa.Table:
    """Describe the events table as a ``sqlalchemy.Table``.

    Parameters
    ----------
    engine : sqlalchemy.Engine
    name : str, default "events"
    schema : str, optional

    Returns
    -------
    sqlalchemy.Table

    Raises
    ------
    DataError
        When the table does not exist or lacks ``user_id``, ``timestamp`` or
        ``event_type``.
    """
    table = _reflect(engine, name, schema)
    if table is None:
        raise DataError(
            tr(
                "The database has no events table named '{name}'; load your events on the "
                "Data page or pass the right table name.",
                name=name,
            )
        )
    missing = [c for c in REQUIRED_EVENT_COLUMNS if c not in table.c]
    if missing:
        raise DataError(
            tr(
                "The events table '{name}' has no column {columns}; map your columns to "
                "user_id, timestamp and event_type.",
                name=name,
                columns=", ".join(repr(m) for m in missing),
            )
        )
    return table


def users_table(engine: Engine, name: str = "users", schema: str | None = None) -> sa.Table | None:
    """Describe the users table as a ``sqlalchemy.Table``, or ``None`` if there is none.

    Raises
    ------
    DataError
        When the table exists but has no ``user_id`` column.
    """
    table = _reflect(engine, name, schema)
    if table is None:
        return None
    if "user_id" not in table.c:
        raise DataError(
            tr(
                "The users table '{name}' has no 'user_id' column; map the column that "
                "identifies each user to user_id.",
                name=name,
            )
        )
    return table


def reflect_table(engine: Engine, name: str, schema: str | None = None) -> sa.Table | None:
    """Describe any table (or view) with whatever columns it has; None when missing.

    Works on DuckDB, whose SQLAlchemy reflection fails with SQLAlchemy 2.1, and on any
    dialect SQLAlchemy can reflect.
    """
    return _reflect(engine, name, schema)


def _reflect(engine: Engine, name: str, schema: str | None) -> sa.Table | None:
    """Reflect ``name`` as a Table, or None when it does not exist."""
    if is_duckdb(engine):
        # duckdb-engine's reflection queries pg_catalog tables DuckDB lacks
        # (pg_collation, with SQLAlchemy 2.1), so read information_schema instead.
        cols = _duckdb_columns(engine, name, schema)
        if not cols:
            return None
        return sa.Table(
            name,
            sa.MetaData(),
            *(sa.Column(col, _duckdb_type(typ)) for col, typ in cols),
            schema=schema,
        )
    try:
        return sa.Table(name, sa.MetaData(), autoload_with=engine, schema=schema)
    except sa.exc.NoSuchTableError:
        return None


def _duckdb_columns(engine: Engine, name: str, schema: str | None) -> list[tuple[str, str]]:
    """(column name, DuckDB type name) of a DuckDB table or view, in order."""
    q = sa.text(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = :name AND (CAST(:schema AS VARCHAR) IS NULL OR table_schema = :schema) "
        "ORDER BY ordinal_position"
    )
    with engine.connect() as conn:
        return [(r[0], r[1]) for r in conn.execute(q, {"name": name, "schema": schema})]


_DUCKDB_TYPES: tuple[tuple[str, type[sa.types.TypeEngine]], ...] = (
    ("TIMESTAMP", sa.DateTime),
    ("DATETIME", sa.DateTime),
    ("DATE", sa.Date),
    ("TIME", sa.Time),
    ("BOOL", sa.Boolean),
    ("DOUBLE", sa.Double),
    ("FLOAT", sa.Double),
    ("REAL", sa.Double),
    ("DECIMAL", sa.Numeric),
    ("NUMERIC", sa.Numeric),
    ("INTERVAL", sa.Interval),
    ("HUGEINT", sa.BigInteger),
    ("BIGINT", sa.BigInteger),
    ("UBIGINT", sa.BigInteger),
    ("INT", sa.Integer),
    ("SMALLINT", sa.Integer),
    ("TINYINT", sa.Integer),
    ("UINTEGER", sa.BigInteger),
    ("USMALLINT", sa.Integer),
    ("UTINYINT", sa.Integer),
    ("VARCHAR", sa.String),
    ("TEXT", sa.String),
)


def _duckdb_type(type_name: str) -> sa.types.TypeEngine:
    """Map a DuckDB type name to a generic SQLAlchemy type (NullType when unknown)."""
    upper = type_name.upper()
    for prefix, typ in _DUCKDB_TYPES:
        if upper.startswith(prefix):
            return typ()
    return sa.types.NullType()
