"""Database sources: :class:`DbTable` and copying a table of a user's database into DuckDB."""

from __future__ import annotations

import dataclasses

import duckdb

from core.common.sql import quote_identifier
from core.data.landed import LoadedSource
from core.data.limits import LIMITS, _check_columns
from core.errors import DataError
from core.i18n import tr


@dataclasses.dataclass(frozen=True)
class DbTable:
    """A table in a user's database: a SQLAlchemy URL plus a table name."""

    url: str
    table: str

    @property
    def name(self) -> str:
        """The name shown in messages: the table name (never the URL, which may hold a password)."""
        return self.table


def read_db_table(
    url: str,
    table: str,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    dest_table: str = "src",
    chunksize: int = 200_000,
) -> LoadedSource:
    """Copy a table of a user's database into DuckDB (all columns VARCHAR).

    The copy goes through SQLAlchemy + pandas in chunks of ``chunksize`` rows (each chunk
    is cast to VARCHAR by DuckDB, not in Python), so any dialect with a SQLAlchemy driver
    works and memory stays bounded. For very large warehouse tables the feature query can
    instead run in the warehouse itself through ``core.data.engine.connect(url)``; this copy is
    what ingest validation needs.

    Parameters
    ----------
    url : str
        SQLAlchemy URL, e.g. ``postgresql+psycopg2://user@host/db`` or ``duckdb:///file``.
    table : str
        Table name, optionally ``schema.table``.
    con : duckdb.DuckDBPyConnection, optional
        Destination; an in-memory DuckDB when omitted.
    dest_table : str
        Name of the DuckDB table to create.
    chunksize : int
        Rows per chunk.

    Returns
    -------
    LoadedSource

    Raises
    ------
    DataError
        When the database cannot be reached, or the table does not exist or is empty.
    """
    import pandas as pd  # heavy: imported when a database table is read
    import sqlalchemy as sa

    con = con or duckdb.connect()
    schema, _sep, bare = table.rpartition(".")
    try:
        engine = sa.create_engine(url)
    except Exception:
        raise DataError(
            tr(
                "The database address (--db) is not a valid SQLAlchemy URL, for example "
                "postgresql+psycopg2://user:password@host/database."
            )
        ) from None
    rows = 0
    try:
        with engine.connect() as conn:
            t = sa.Table(bare, sa.MetaData(), schema=schema or None, autoload_with=conn)
            columns = [c.name for c in t.columns]
            _check_columns(len(columns), table, LIMITS)
            cols_sql = ", ".join(f"{quote_identifier(c)} VARCHAR" for c in columns)
            casts = ", ".join(f"CAST({quote_identifier(c)} AS VARCHAR)" for c in columns)
            con.execute(f"CREATE OR REPLACE TABLE {quote_identifier(dest_table)} ({cols_sql})")
            for frame in pd.read_sql(sa.select(t), conn, chunksize=chunksize):
                rows += len(frame)
                con.register("_db_chunk", frame)
                con.execute(
                    f"INSERT INTO {quote_identifier(dest_table)} SELECT {casts} FROM _db_chunk"
                )
                con.unregister("_db_chunk")
    except sa.exc.NoSuchTableError:
        raise DataError(
            tr(
                "Table '{name}' was not found in the database. Check the name given with --table.",
                name=table,
            )
        ) from None
    except sa.exc.SQLAlchemyError as exc:
        raise DataError(
            tr(
                "Could not read table '{name}' from the database ({kind}). Check the --db "
                "address, the table name and your access rights.",
                name=table,
                kind=type(exc).__name__,
            )
        ) from None
    finally:
        engine.dispose()
    if rows == 0:
        raise DataError(
            tr("Table '{name}' is empty. Pick a table that has event rows.", name=table)
        )
    return LoadedSource(con, dest_table, table, "db", tuple(columns))
