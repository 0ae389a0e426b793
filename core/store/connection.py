"""Where the store lives and how to connect to it (SQLite by default, or PostgreSQL).

The store is a SQLite file ``store.sqlite`` in the data folder (WAL mode) by default, or
any SQLAlchemy URL -- PostgreSQL is the tested server -- when ``PERSONALAB_DATABASE_URL``
is set; the app also reads the ``[database] url`` secret and passes it in (this package
never imports streamlit).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from core import config
from core.i18n import tr
from core.store.errors import StoreError

__all__ = ["DATABASE_URL_ENV", "database_url", "create_store_engine"]

DATABASE_URL_ENV = config.DATABASE_URL_ENV


def database_url(url: str | None = None, data_dir: str | Path | None = None) -> str:
    """The store URL: ``url``, else ``PERSONALAB_DATABASE_URL``, else SQLite in the data dir.

    Parameters
    ----------
    url : str, optional
        An explicit SQLAlchemy URL (the app passes the ``[database] url`` secret here).
    data_dir : path, optional
        Folder of the default SQLite file ``store.sqlite``.

    Returns
    -------
    str
        A SQLAlchemy URL; for the default, the folder is created.
    """
    chosen = url or config.database_url_env()
    if chosen:
        return chosen
    folder = Path(data_dir) if data_dir is not None else config.data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(folder / 'store.sqlite').resolve()}"


def create_store_engine(url: str) -> Engine:
    """A SQLAlchemy engine for the store at ``url``, set up for safe concurrent writes.

    Parameters
    ----------
    url : str
        A SQLAlchemy URL (see :func:`database_url`).

    Returns
    -------
    sqlalchemy.engine.Engine
        On SQLite: WAL, foreign keys on, a 30 s busy timeout and ``BEGIN IMMEDIATE``
        transactions; elsewhere a pre-pinged connection pool.

    Raises
    ------
    StoreError
        When the URL is not valid or its database driver is not installed.
    """
    try:
        parsed = make_url(url)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise StoreError(
            tr(
                "The store address (PERSONALAB_DATABASE_URL or the [database] url secret) is "
                "not a valid database URL; it should look like "
                "postgresql+psycopg2://user:password@host:5432/database."
            )
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record) -> None:
            """Set up each new SQLite connection."""
            # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite recipe), WAL so
            # readers never block the writer, foreign keys on, wait for a busy writer.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:
            """Start each transaction with the write lock."""
            # IMMEDIATE takes the write lock up front, so two writers queue instead of
            # failing with "database is locked" when a read transaction upgrades.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    try:
        return sa.create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=10)
    except (sa.exc.NoSuchModuleError, ImportError) as exc:
        raise StoreError(
            tr(
                "The store database driver '{driver}' is not installed; use a "
                "postgresql+psycopg2:// URL.",
                driver=parsed.drivername,
            )
        ) from exc
