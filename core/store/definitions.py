"""A run's fitted definition (scaler, centres, mixture, RFM cut points): its table and migration.

Runs assigned inside a database (``python -m core segment --write-back``) keep the
numbers that assign a new user, so a scheduled refresh (``--from-run RUN_ID``) applies
the same segments to new data. One row per run, deleted with the run.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import orm

from core.store.models import Base

__all__ = ["RunDefinitionRow", "migration_run_definitions"]


class RunDefinitionRow(Base):
    """The fitted definition of a run (JSON), for assigning users outside the run."""

    __tablename__ = "run_definitions"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["workspace_id", "run_id"], ["runs.workspace_id", "runs.id"], ondelete="CASCADE"
        ),
    )
    workspace_id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    run_id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    definition: orm.Mapped[dict] = orm.mapped_column(sa.JSON)
    created_at: orm.Mapped[dt.datetime] = orm.mapped_column(sa.DateTime(timezone=True))


def migration_run_definitions(op) -> None:
    """Create ``run_definitions``: a run's fitted numbers, for in-database assignment."""
    op.create_table(
        "run_definitions",
        sa.Column("workspace_id", sa.String(64), primary_key=True),
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id", "run_id"], ["runs.workspace_id", "runs.id"], ondelete="CASCADE"
        ),
    )
