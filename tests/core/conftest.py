"""Fixtures for core tests: a PostgreSQL URL, and canonical tables on DuckDB or PostgreSQL.

PostgreSQL comes from ``PERSONALAB_TEST_PG_URL`` (``scripts/test.sh`` starts a throwaway
server and exports it). Without it the PostgreSQL tests FAIL when ``CI=true`` and skip
with a reason on a developer machine.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.data import dataset_engine, duckdb_engine
from tests.conftest import in_ci

PG_ENV = "PERSONALAB_TEST_PG_URL"

BACKENDS = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The test PostgreSQL URL; fails in CI and skips locally when it is not set."""
    url = os.environ.get(PG_ENV)
    if not url:
        message = f"{PG_ENV} is not set: start PostgreSQL (bash scripts/test.sh does it)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.DBAPIError as exc:
        pytest.fail(f"{PG_ENV}={url} does not answer: {exc}")
    finally:
        engine.dispose()
    return url


def events_table_def(metadata: sa.MetaData, *, extra: tuple[sa.Column, ...] = ()) -> sa.Table:
    """The canonical events table (docs/architecture.md) in portable types."""
    return sa.Table(
        "events",
        metadata,
        sa.Column("user_id", sa.String, nullable=False),
        sa.Column("timestamp", sa.DateTime, nullable=False),
        sa.Column("event_type", sa.String, nullable=False),
        sa.Column("platform", sa.String),
        sa.Column("amount", sa.Double),
        sa.Column("content_id", sa.String),
        sa.Column("content_format", sa.String),
        sa.Column("campaign", sa.String),
        sa.Column("text", sa.String),
        *(sa.Column(c.name, c.type) for c in extra),
    )


EVENT_COLUMNS = (
    "user_id",
    "timestamp",
    "event_type",
    "platform",
    "amount",
    "content_id",
    "content_format",
    "campaign",
    "text",
)


class Canonical:
    """Creates canonical tables on one backend and hands out an engine on them."""

    def __init__(self, backend: str, tmp_path: Path, pg_url: str | None) -> None:
        self.backend = backend
        self._tmp = tmp_path
        self._pg_url = pg_url
        self._engines: list[sa.Engine] = []
        self._schemas: list[str] = []

    def make(
        self,
        events: list[dict],
        users: list[dict] | None = None,
        *,
        users_columns: tuple[sa.Column, ...] = (),
        event_extra: tuple[sa.Column, ...] = (),
        tables: Callable[[sa.MetaData], None] | None = None,
        rows: dict[str, list[dict]] | None = None,
    ) -> sa.Engine:
        """Write ``events`` (and ``users`` if not None) and return an engine on them.

        Missing optional event fields are NULL. ``users_columns`` are the users table's
        columns besides ``user_id``. ``tables`` adds more tables to the metadata and
        ``rows`` fills them by name.
        """
        md = sa.MetaData()
        ev = events_table_def(md, extra=event_extra)
        us = None
        if users is not None:
            fresh = (sa.Column(c.name, c.type) for c in users_columns)
            us = sa.Table("users", md, sa.Column("user_id", sa.String), *fresh)
        if tables is not None:
            tables(md)
        write = self._write_engine()
        with write.begin() as conn:
            md.create_all(conn, checkfirst=False)
            if events:
                names = [c.name for c in ev.columns]
                conn.execute(ev.insert(), [{k: e.get(k) for k in names} for e in events])
            if us is not None and users:
                names = [c.name for c in us.columns]
                conn.execute(us.insert(), [{k: u.get(k) for k in names} for u in users])
            for name, values in (rows or {}).items():
                conn.execute(md.tables[name].insert(), values)
        return self._read_engine(write)

    def _write_engine(self) -> sa.Engine:
        if self.backend == "duckdb":
            self._path = self._tmp / f"ds-{uuid.uuid4().hex[:8]}.duckdb"
            engine = duckdb_engine(self._path, read_only=False)
        else:
            schema = f"t_{uuid.uuid4().hex[:12]}"
            admin = sa.create_engine(self._pg_url)
            with admin.begin() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            admin.dispose()
            self._schemas.append(schema)
            engine = sa.create_engine(
                self._pg_url, connect_args={"options": f"-csearch_path={schema}"}
            )
        self._engines.append(engine)
        return engine

    def _read_engine(self, write: sa.Engine) -> sa.Engine:
        if self.backend == "duckdb":
            write.dispose()
            return dataset_engine(self._path)
        return write

    def close(self) -> None:
        for engine in self._engines:
            engine.dispose()
        if self._schemas:
            admin = sa.create_engine(self._pg_url)
            with admin.begin() as conn:
                for schema in self._schemas:
                    conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            admin.dispose()


@pytest.fixture(params=BACKENDS)
def canonical(request, tmp_path) -> Iterator[Canonical]:
    """Canonical tables on DuckDB (a dataset file) and on PostgreSQL (a fresh schema)."""
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    maker = Canonical(request.param, tmp_path, url)
    yield maker
    maker.close()
