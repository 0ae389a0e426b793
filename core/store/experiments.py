"""Saved A/B analyses of a workspace: inputs summary, settings and results."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from core.store.base import StoreBase
from core.store.errors import StoreError
from core.store.models import ExperimentRow
from core.store.pii import scrub
from core.store.records import ExperimentRecord, experiment_record
from core.store.serialise import to_jsonable
from core.store.values import MAX_NAME_LENGTH, check_id, clean_text, new_id, now

__all__ = ["ExperimentStore"]


class ExperimentStore(StoreBase):
    """Save and list experiments (part of :class:`core.store.Store`)."""

    def save_experiment(
        self,
        workspace_id: str,
        *,
        name: str,
        inputs: Mapping,
        settings: Mapping,
        results: Mapping,
        run_id: str | None = None,
        experiment_id: str | None = None,
    ) -> ExperimentRecord:
        """Save an A/B analysis (inputs summary, settings, results) in a workspace."""
        exp_id = check_id(experiment_id or new_id(9), "experiment id")
        with self._tx() as s:
            self._workspace_row(s, workspace_id)
            row = s.get(ExperimentRow, exp_id)
            if row is not None and row.workspace_id != workspace_id:
                raise StoreError("This experiment belongs to another workspace.")
            if row is None:
                row = ExperimentRow(id=exp_id, workspace_id=workspace_id, created_at=now())
                s.add(row)
            row.run_id = run_id
            row.name = clean_text(name, MAX_NAME_LENGTH) or "Experiment"
            row.inputs = scrub(to_jsonable(dict(inputs)))
            row.settings = to_jsonable(dict(settings))
            row.results = to_jsonable(dict(results))
            self._touch(s, workspace_id)
        return experiment_record(row)

    def list_experiments(
        self, workspace_id: str, run_id: str | None = None
    ) -> list[ExperimentRecord]:
        """Saved experiments of a workspace (optionally of one run), newest first."""
        q = sa.select(ExperimentRow).where(ExperimentRow.workspace_id == workspace_id)
        if run_id is not None:
            q = q.where(ExperimentRow.run_id == run_id)
        with self._tx() as s:
            rows = s.scalars(q.order_by(ExperimentRow.created_at.desc())).all()
            return [experiment_record(r) for r in rows]
