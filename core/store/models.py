"""The store's tables as SQLAlchemy ORM models (the shape the migrations build)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import orm

__all__ = [
    "Base",
    "Workspace",
    "DatasetRow",
    "RunRow",
    "PersonaRow",
    "ExperimentRow",
    "ShareTokenRow",
    "WorkshopRow",
    "ParticipantRow",
]


class Base(orm.DeclarativeBase):
    """Declarative base of the store tables."""


class Workspace(Base):
    """An owner's folder of datasets, runs and experiments."""

    __tablename__ = "workspaces"
    id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    owner: orm.Mapped[str] = orm.mapped_column(sa.String(320), index=True)
    created_at: orm.Mapped[dt.datetime] = orm.mapped_column(sa.DateTime(timezone=True))
    updated_at: orm.Mapped[dt.datetime] = orm.mapped_column(sa.DateTime(timezone=True))


class DatasetRow(Base):
    """A dataset recorded in a workspace: its file, mapping and ingest report."""

    __tablename__ = "datasets"
    workspace_id: orm.Mapped[str] = orm.mapped_column(
        sa.String(64), sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    source_name: orm.Mapped[str] = orm.mapped_column(sa.String(500))
    path: orm.Mapped[str] = orm.mapped_column(sa.String(2000))
    mapping: orm.Mapped[dict] = orm.mapped_column(sa.JSON)
    report: orm.Mapped[dict] = orm.mapped_column(sa.JSON)
    created_at: orm.Mapped[dt.datetime] = orm.mapped_column(sa.DateTime(timezone=True))


class RunRow(Base):
    """A saved segmentation run: parameters, labels (Parquet), quality, version."""

    __tablename__ = "runs"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["workspace_id", "dataset_id"],
            ["datasets.workspace_id", "datasets.id"],
            ondelete="CASCADE",
        ),
    )
    workspace_id: orm.Mapped[str] = orm.mapped_column(
        sa.String(64), sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    dataset_id: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    params: orm.Mapped[dict] = orm.mapped_column(sa.JSON)
    params_type: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    params_hash: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    labels: orm.Mapped[bytes] = orm.mapped_column(sa.LargeBinary)
    n_users: orm.Mapped[int] = orm.mapped_column(sa.Integer)
    n_segments: orm.Mapped[int] = orm.mapped_column(sa.Integer)
    quality: orm.Mapped[dict] = orm.mapped_column(sa.JSON)
    created_at: orm.Mapped[dt.datetime] = orm.mapped_column(sa.DateTime(timezone=True))
    updated_at: orm.Mapped[dt.datetime] = orm.mapped_column(sa.DateTime(timezone=True))
    version: orm.Mapped[int] = orm.mapped_column(sa.Integer)


class PersonaRow(Base):
    """A persona's name and notes, per run and segment."""

    __tablename__ = "personas"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["workspace_id", "run_id"], ["runs.workspace_id", "runs.id"], ondelete="CASCADE"
        ),
    )
    workspace_id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    run_id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    segment: orm.Mapped[str] = orm.mapped_column(sa.String(200), primary_key=True)
    name: orm.Mapped[str | None] = orm.mapped_column(sa.String(200), nullable=True)
    notes: orm.Mapped[str | None] = orm.mapped_column(sa.Text, nullable=True)


class ExperimentRow(Base):
    """A saved A/B analysis of a workspace."""

    __tablename__ = "experiments"
    id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    workspace_id: orm.Mapped[str] = orm.mapped_column(
        sa.String(64), sa.ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    run_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(64), nullable=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    inputs: orm.Mapped[dict] = orm.mapped_column(sa.JSON)
    settings: orm.Mapped[dict] = orm.mapped_column(sa.JSON)
    results: orm.Mapped[dict] = orm.mapped_column(sa.JSON)
    created_at: orm.Mapped[dt.datetime] = orm.mapped_column(sa.DateTime(timezone=True))
    #: The analysed input table (per-user rows or totals) as Parquet; loaded on demand.
    data: orm.Mapped[bytes | None] = orm.mapped_column(sa.LargeBinary, nullable=True, deferred=True)


class ShareTokenRow(Base):
    """A read-only share link: the SHA-256 of its token, never the token."""

    __tablename__ = "share_tokens"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["workspace_id", "run_id"], ["runs.workspace_id", "runs.id"], ondelete="CASCADE"
        ),
    )
    id: orm.Mapped[str] = orm.mapped_column(sa.String(32), primary_key=True)
    token_hash: orm.Mapped[str] = orm.mapped_column(sa.String(64), unique=True)
    workspace_id: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    run_id: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    created_at: orm.Mapped[dt.datetime] = orm.mapped_column(sa.DateTime(timezone=True))
    revoked_at: orm.Mapped[dt.datetime | None] = orm.mapped_column(
        sa.DateTime(timezone=True), nullable=True
    )


class WorkshopRow(Base):
    """A facilitator's workshop session: the SHA-256 of its join code, never the code."""

    __tablename__ = "workshops"
    id: orm.Mapped[str] = orm.mapped_column(sa.String(32), primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    owner: orm.Mapped[str] = orm.mapped_column(sa.String(320), index=True)
    code_hash: orm.Mapped[str] = orm.mapped_column(sa.String(64), unique=True)
    expires_on: orm.Mapped[dt.date] = orm.mapped_column(sa.Date)
    dataset_path: orm.Mapped[str | None] = orm.mapped_column(sa.String(2000), nullable=True)
    dataset_name: orm.Mapped[str | None] = orm.mapped_column(sa.String(500), nullable=True)
    created_at: orm.Mapped[dt.datetime] = orm.mapped_column(sa.DateTime(timezone=True))
    revoked_at: orm.Mapped[dt.datetime | None] = orm.mapped_column(
        sa.DateTime(timezone=True), nullable=True
    )


class ParticipantRow(Base):
    """A participant of a workshop: their display name and their own workspace.

    No foreign key to ``workspaces``: when a workshop ends its participants' workspaces
    are deleted but these rows stay, with the name blanked, so an old participant link
    can still say that the workshop ended instead of looking like a mistyped link.
    """

    __tablename__ = "workshop_participants"
    __table_args__ = (sa.UniqueConstraint("workshop_id", "name_key"),)
    workspace_id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    workshop_id: orm.Mapped[str] = orm.mapped_column(
        sa.String(32), sa.ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    display_name: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    name_key: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    joined_at: orm.Mapped[dt.datetime] = orm.mapped_column(sa.DateTime(timezone=True))
