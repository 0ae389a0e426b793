"""What the store returns: small frozen records, and their construction from table rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd

from core.store.models import (
    DatasetRow,
    ExperimentRow,
    ParticipantRow,
    PersonaRow,
    RunRow,
    ShareTokenRow,
    WorkshopRow,
    Workspace,
)
from core.store.serialise import labels_from_parquet, params_from_dict
from core.store.values import as_utc

__all__ = [
    "WorkspaceRecord",
    "DatasetRecord",
    "RunSummary",
    "RunRecord",
    "ExperimentRecord",
    "ShareLink",
    "workspace_record",
    "dataset_record",
    "run_record",
    "experiment_record",
    "share_link",
    "WorkshopRecord",
    "ParticipantRecord",
    "workshop_record",
    "participant_record",
]


@dataclasses.dataclass(frozen=True)
class WorkspaceRecord:
    """A workspace: an owner's folder of datasets, runs and experiments."""

    id: str
    name: str
    owner: str
    created_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class DatasetRecord:
    """A dataset known to a workspace: where its DuckDB file is and how it was loaded."""

    workspace_id: str
    dataset_id: str
    source_name: str
    path: str
    mapping: dict
    report: dict
    created_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class RunSummary:
    """One line of the saved-runs list."""

    run_id: str
    dataset_id: str
    params_hash: str
    n_users: int
    n_segments: int
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


@dataclasses.dataclass(frozen=True)
class RunRecord:
    """A saved segmentation run with its labels and what the users named the segments."""

    workspace_id: str
    run_id: str
    dataset_id: str
    params: Any
    params_hash: str
    labels: pd.Series
    quality: dict
    names: dict
    notes: dict
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


@dataclasses.dataclass(frozen=True)
class ExperimentRecord:
    """A saved A/B analysis: inputs, settings and results (JSON-friendly), and its data.

    ``data`` is the analysed table (one row per user, or the totals), personal data
    hashed; it is loaded by ``get_experiment`` only (None in lists, and for experiments
    saved without their table).
    """

    id: str
    workspace_id: str
    run_id: str | None
    name: str
    inputs: dict
    settings: dict
    results: dict
    created_at: dt.datetime
    data: pd.DataFrame | None = dataclasses.field(default=None, compare=False, repr=False)


@dataclasses.dataclass(frozen=True)
class ShareLink:
    """A share link's public facts; the token itself is shown once, when it is made."""

    id: str
    workspace_id: str
    run_id: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        """True until the link is revoked."""
        return self.revoked_at is None


def workspace_record(row: Workspace) -> WorkspaceRecord:
    """The record of a ``workspaces`` row."""
    return WorkspaceRecord(row.id, row.name, row.owner, as_utc(row.created_at))


def dataset_record(row: DatasetRow) -> DatasetRecord:
    """The record of a ``datasets`` row."""
    return DatasetRecord(
        row.workspace_id,
        row.id,
        row.source_name,
        row.path,
        dict(row.mapping or {}),
        dict(row.report or {}),
        as_utc(row.created_at),
    )


def run_record(row: RunRow, personas: Iterable[PersonaRow]) -> RunRecord:
    """The record of a ``runs`` row with its persona names and notes."""
    personas = list(personas)
    return RunRecord(
        workspace_id=row.workspace_id,
        run_id=row.id,
        dataset_id=row.dataset_id,
        params=params_from_dict(dict(row.params or {}), row.params_type),
        params_hash=row.params_hash,
        labels=labels_from_parquet(row.labels),
        quality=dict(row.quality or {}),
        names={p.segment: p.name for p in personas if p.name},
        notes={p.segment: p.notes for p in personas if p.notes},
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        version=row.version,
    )


def experiment_record(row: ExperimentRow, data: pd.DataFrame | None = None) -> ExperimentRecord:
    """The record of an ``experiments`` row (``data``: its table, when loaded)."""
    return ExperimentRecord(
        row.id,
        row.workspace_id,
        row.run_id,
        row.name,
        dict(row.inputs),
        dict(row.settings),
        dict(row.results),
        as_utc(row.created_at),
        data,
    )


def share_link(row: ShareTokenRow) -> ShareLink:
    """The public facts of a ``share_tokens`` row."""
    return ShareLink(
        row.id, row.workspace_id, row.run_id, as_utc(row.created_at), as_utc(row.revoked_at)
    )


@dataclasses.dataclass(frozen=True)
class WorkshopRecord:
    """A workshop session's public facts; its join code is shown once, when it is made."""

    id: str
    name: str
    owner: str
    expires_on: dt.date
    created_at: dt.datetime
    ended_at: dt.datetime | None
    dataset_path: str | None
    dataset_name: str | None

    def open_on(self, day: dt.date) -> bool:
        """True when participants may join and work on ``day`` (through its last day)."""
        return self.ended_at is None and day <= self.expires_on


@dataclasses.dataclass(frozen=True)
class ParticipantRecord:
    """A participant of a workshop and the workspace that holds their work."""

    workshop_id: str
    workspace_id: str
    display_name: str
    joined_at: dt.datetime


def workshop_record(row: WorkshopRow) -> WorkshopRecord:
    """The record of a ``workshops`` row."""
    return WorkshopRecord(
        row.id,
        row.name,
        row.owner,
        row.expires_on,
        as_utc(row.created_at),
        as_utc(row.revoked_at),
        row.dataset_path,
        row.dataset_name,
    )


def participant_record(row: ParticipantRow) -> ParticipantRecord:
    """The record of a ``workshop_participants`` row."""
    return ParticipantRecord(
        row.workshop_id, row.workspace_id, row.display_name, as_utc(row.joined_at)
    )
