"""Schema migrations of the store, and the ``schema_version`` table that records them.

A small versioned scheme instead of a full Alembic script directory: ``MIGRATIONS`` is an
ordered list of ``(version, description, function)``; each function receives an
:class:`alembic.operations.Operations` bound to the connection, so DDL is written once
with Alembic's portable operations (batch mode covers SQLite's limited ALTER TABLE).
:func:`migrate` applies the missing versions at start-up, each in its own transaction
together with its row in ``schema_version``; on PostgreSQL an advisory lock (and on
SQLite ``BEGIN IMMEDIATE``) serialises two servers starting at once.

Why not a full Alembic environment: the app migrates itself at start-up from code, with
no ``alembic.ini``, ``env.py`` or script folder to ship and keep in sync, and a test
compares the migrated database to the ORM models (:mod:`core.store.models`) with
Alembic's autogenerate comparison, which is the part of Alembic that catches drift.

Stores saved by earlier versions of PersonaLab open unchanged: a migration is appended,
never edited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.store.definitions import migration_run_definitions
from core.store.values import now

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate", "schema_version"]


def _tz() -> sa.DateTime:
    """A timezone-aware timestamp column type."""
    return sa.DateTime(timezone=True)


def _migration_1(op) -> None:
    """Create the first schema: workspaces, datasets, runs, personas, experiments, tokens."""
    op.create_table(
        "workspaces",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(320), nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("updated_at", _tz(), nullable=False),
    )
    op.create_index("ix_workspaces_owner", "workspaces", ["owner"])
    op.create_table(
        "datasets",
        sa.Column(
            "workspace_id",
            sa.String(64),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("source_name", sa.String(500), nullable=False),
        sa.Column("path", sa.String(2000), nullable=False),
        sa.Column("mapping", sa.JSON, nullable=False),
        sa.Column("report", sa.JSON, nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column(
            "workspace_id",
            sa.String(64),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("dataset_id", sa.String(64), nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("params_type", sa.String(200), nullable=False),
        sa.Column("params_hash", sa.String(64), nullable=False),
        sa.Column("labels", sa.LargeBinary, nullable=False),
        sa.Column("n_users", sa.Integer, nullable=False),
        sa.Column("n_segments", sa.Integer, nullable=False),
        sa.Column("quality", sa.JSON, nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("updated_at", _tz(), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id", "dataset_id"],
            ["datasets.workspace_id", "datasets.id"],
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "personas",
        sa.Column("workspace_id", sa.String(64), primary_key=True),
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("segment", sa.String(200), primary_key=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("notes", sa.Text, nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id", "run_id"], ["runs.workspace_id", "runs.id"], ondelete="CASCADE"
        ),
    )
    op.create_table(
        "experiments",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.String(64),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("settings", sa.JSON, nullable=False),
        sa.Column("results", sa.JSON, nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
    )
    op.create_index("ix_experiments_workspace_id", "experiments", ["workspace_id"])
    op.create_table(
        "share_tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("revoked_at", _tz(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id", "run_id"], ["runs.workspace_id", "runs.id"], ondelete="CASCADE"
        ),
    )


def _migration_experiment_data(op) -> None:
    """Let a saved experiment keep its input table (Parquet), so it can be reopened."""
    with op.batch_alter_table("experiments") as batch:
        batch.add_column(sa.Column("data", sa.LargeBinary, nullable=True))


def _migration_workshops(op) -> None:
    """Create the workshop tables: sessions (hashed join codes) and their participants."""
    op.create_table(
        "workshops",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(320), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("expires_on", sa.Date, nullable=False),
        sa.Column("dataset_path", sa.String(2000), nullable=True),
        sa.Column("dataset_name", sa.String(500), nullable=True),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("revoked_at", _tz(), nullable=True),
    )
    op.create_index("ix_workshops_owner", "workshops", ["owner"])
    op.create_table(
        "workshop_participants",
        sa.Column("workspace_id", sa.String(64), primary_key=True),
        sa.Column(
            "workshop_id",
            sa.String(32),
            sa.ForeignKey("workshops.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("joined_at", _tz(), nullable=False),
        sa.UniqueConstraint("workshop_id", "name_key"),
    )
    op.create_index(
        "ix_workshop_participants_workshop_id", "workshop_participants", ["workshop_id"]
    )


#: Ordered schema migrations: (version, description, function(op)). Append, never edit.
MIGRATIONS: list[tuple[int, str, Callable[[Any], None]]] = [
    (1, "workspaces, datasets, runs, personas, experiments, share tokens", _migration_1),
    (2, "saved experiments keep their input table", _migration_experiment_data),
    (3, "workshop sessions and their participants", _migration_workshops),
    (
        4,
        "a run's fitted definition, for assigning users inside a database",
        migration_run_definitions,
    ),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]

_schema_version = sa.Table(
    "schema_version",
    sa.MetaData(),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)
_PG_MIGRATION_LOCK = 7_707_707  # arbitrary key for pg_advisory_xact_lock


def schema_version(engine: Engine) -> int:
    """The highest migration applied to the database (0 for an empty database).

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        The store's database.

    Returns
    -------
    int
        The version recorded in ``schema_version``.
    """
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("schema_version"):
            return 0
        value = conn.execute(sa.select(sa.func.max(_schema_version.c.version))).scalar()
        return int(value or 0)


def migrate(engine: Engine) -> int:
    """Apply the missing migrations, each in one transaction; return the schema version.

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        The store's database (SQLite or PostgreSQL).

    Returns
    -------
    int
        The schema version after migrating (:data:`SCHEMA_VERSION`).
    """
    # alembic is imported here for start-up speed: it is only needed when a store opens.
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    with engine.begin() as conn:
        _schema_version.create(conn, checkfirst=True)
    for version, description, apply in MIGRATIONS:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            done = conn.execute(
                sa.select(_schema_version.c.version).where(_schema_version.c.version == version)
            ).first()
            if done:
                continue
            apply(Operations(MigrationContext.configure(conn)))
            conn.execute(
                _schema_version.insert().values(
                    version=version, description=description, applied_at=now()
                )
            )
    return schema_version(engine)
