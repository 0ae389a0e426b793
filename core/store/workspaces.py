"""Workspaces: an owner's folder of datasets, runs and experiments."""

from __future__ import annotations

import sqlalchemy as sa

from core.store.base import StoreBase
from core.store.models import (
    DatasetRow,
    ExperimentRow,
    PersonaRow,
    RunRow,
    ShareTokenRow,
    Workspace,
)
from core.store.records import WorkspaceRecord, workspace_record
from core.store.values import MAX_ID_LENGTH, MAX_NAME_LENGTH, clean_text, new_id, now

__all__ = ["WorkspaceStore"]


class WorkspaceStore(StoreBase):
    """Create, find, rename and delete workspaces (part of :class:`core.store.Store`)."""

    def create_workspace(self, name: str, owner: str = "local") -> WorkspaceRecord:
        """Create a workspace with an unguessable id (128 random bits)."""
        name = clean_text(name, MAX_NAME_LENGTH) or "My workspace"
        owner = clean_text(owner, 320) or "local"
        stamp = now()
        row = Workspace(id=new_id(), name=name, owner=owner, created_at=stamp, updated_at=stamp)
        with self._tx() as s:
            s.add(row)
        return workspace_record(row)

    def get_workspace(self, workspace_id: str) -> WorkspaceRecord | None:
        """The workspace with this id, or None."""
        if not isinstance(workspace_id, str) or len(workspace_id) > MAX_ID_LENGTH:
            return None
        with self._tx() as s:
            row = s.get(Workspace, workspace_id)
            return workspace_record(row) if row else None

    def list_workspaces(self, owner: str) -> list[WorkspaceRecord]:
        """The owner's workspaces, most recently used first."""
        with self._tx() as s:
            rows = s.scalars(
                sa.select(Workspace)
                .where(Workspace.owner == owner)
                .order_by(Workspace.updated_at.desc(), Workspace.id)
            ).all()
            return [workspace_record(r) for r in rows]

    def rename_workspace(self, workspace_id: str, name: str) -> WorkspaceRecord:
        """Give a workspace a new name."""
        with self._tx() as s:
            row = self._workspace_row(s, workspace_id)
            row.name = clean_text(name, MAX_NAME_LENGTH) or row.name
            row.updated_at = now()
        return workspace_record(row)

    def delete_workspace(self, workspace_id: str) -> None:
        """Delete a workspace and everything saved in it (datasets files are kept)."""
        with self._tx() as s:
            row = self._workspace_row(s, workspace_id)
            for model in (ShareTokenRow, PersonaRow, ExperimentRow, RunRow, DatasetRow):
                s.execute(sa.delete(model).where(model.workspace_id == workspace_id))
            s.delete(row)
