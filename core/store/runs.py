"""Saved segmentation runs, and the persona names and notes users give their segments.

Optimistic locking: a run carries a ``version``; :meth:`RunStore.save_personas` updates
only when the caller's version is still current, else raises :class:`ConflictError`
("someone else changed this run -- reload"), so two sessions never silently overwrite
each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import orm

from core.errors import DataError
from core.i18n import N_, tr
from core.store.base import StoreBase
from core.store.definitions import RunDefinitionRow
from core.store.errors import ConflictError, StoreError
from core.store.models import DatasetRow, ExperimentRow, PersonaRow, RunRow, ShareTokenRow
from core.store.pii import check_user_ids
from core.store.records import RunRecord, RunSummary, run_record
from core.store.serialise import labels_to_parquet, params_digest, params_to_dict, to_jsonable
from core.store.values import (
    MAX_ID_LENGTH,
    MAX_NAME_LENGTH,
    MAX_NOTE_LENGTH,
    as_utc,
    check_id,
    clean_text,
    new_id,
    now,
)

__all__ = ["RunStore"]


class RunStore(StoreBase):
    """Save, load, list and delete runs; save persona names (part of :class:`core.store.Store`)."""

    def save_run(
        self,
        workspace_id: str,
        dataset_id: str,
        labels: pd.Series,
        *,
        params: Any = None,
        quality: Mapping | None = None,
        run_id: str | None = None,
        params_hash: str | None = None,
        names: Mapping | None = None,
        notes: Mapping | None = None,
    ) -> RunRecord:
        """Save a segmentation run (labels, parameters, quality, optional names).

        Saving the same ``run_id`` again replaces labels, parameters and quality, keeps
        persona names the caller does not pass, and bumps the version. The dataset must
        have been recorded with :meth:`save_dataset` first. A run id belongs to one
        dataset: :func:`run_id_for` makes ids that differ between datasets.

        Raises
        ------
        DataError
            When the labels are empty or their user ids look like personal data.
        StoreError
            When the dataset is not recorded, or ``run_id`` is already a run of another
            dataset (that run, its names and share links stay as they were).
        """
        if not isinstance(labels, pd.Series) or labels.empty:
            raise DataError(tr("There are no segments to save; run a segmentation first."))
        check_user_ids(labels)
        run_id = check_id(run_id or new_id(9), N_("run id"))
        params_json, params_type = params_to_dict(params)
        blob = labels_to_parquet(labels)
        digest = str(params_hash or getattr(params, "params_hash", "") or "")
        digest = digest if digest and len(digest) <= 64 else params_digest(params_json)
        quality_json = to_jsonable(dict(quality or {}))
        stamp = now()
        with self._tx() as s:
            if s.get(DatasetRow, (workspace_id, dataset_id)) is None:
                raise StoreError(
                    tr(
                        "The dataset of this run is not saved in this workspace; open it on "
                        "the Data page, then save the run again."
                    )
                )
            row = s.get(RunRow, (workspace_id, run_id))
            if row is None:
                row = RunRow(workspace_id=workspace_id, id=run_id, created_at=stamp, version=0)
                s.add(row)
            elif row.dataset_id != dataset_id:
                raise StoreError(
                    tr(
                        "A saved segmentation of another dataset already has the id {run}; "
                        "nothing was changed. Save this one under another id.",
                        run=run_id,
                    )
                )
            row.dataset_id = dataset_id
            row.params = params_json
            row.params_type = params_type
            row.params_hash = digest
            row.labels = blob
            row.n_users = int(labels.size)
            row.n_segments = int(labels.nunique())
            row.quality = quality_json
            row.updated_at = stamp
            row.version = (row.version or 0) + 1
            s.flush()
            self._write_personas(s, workspace_id, run_id, names, notes)
            self._touch(s, workspace_id)
        return self.get_run(workspace_id, run_id)

    def get_run(self, workspace_id: str, run_id: str) -> RunRecord | None:
        """The saved run with labels, names and notes, or None."""
        if not isinstance(run_id, str) or len(run_id) > MAX_ID_LENGTH:
            return None
        with self._tx() as s:
            row = s.get(RunRow, (workspace_id, run_id))
            if row is None:
                return None
            personas = s.scalars(
                sa.select(PersonaRow).where(
                    PersonaRow.workspace_id == workspace_id, PersonaRow.run_id == run_id
                )
            ).all()
            return run_record(row, personas)

    def list_runs(self, workspace_id: str, dataset_id: str | None = None) -> list[RunSummary]:
        """Saved runs of a workspace (optionally of one dataset), newest first."""
        cols = (
            RunRow.id,
            RunRow.dataset_id,
            RunRow.params_hash,
            RunRow.n_users,
            RunRow.n_segments,
            RunRow.created_at,
            RunRow.updated_at,
            RunRow.version,
        )
        q = sa.select(*cols).where(RunRow.workspace_id == workspace_id)
        if dataset_id is not None:
            q = q.where(RunRow.dataset_id == dataset_id)
        with self._tx() as s:
            rows = s.execute(q.order_by(RunRow.updated_at.desc(), RunRow.id)).all()
        return [
            RunSummary(r[0], r[1], r[2], r[3], r[4], as_utc(r[5]), as_utc(r[6]), r[7]) for r in rows
        ]

    def save_definition(self, workspace_id: str, run_id: str, definition: Mapping) -> None:
        """Keep a run's fitted definition (JSON), replacing an earlier one.

        Raises
        ------
        StoreError
            When the run is not saved.
        """
        data = to_jsonable(dict(definition))
        with self._tx() as s:
            if s.get(RunRow, (workspace_id, run_id)) is None:
                raise StoreError("This run is no longer saved; save it again from Segment.")
            row = s.get(RunDefinitionRow, (workspace_id, run_id))
            if row is None:
                row = RunDefinitionRow(workspace_id=workspace_id, run_id=run_id)
                s.add(row)
            row.definition = data
            row.created_at = now()

    def get_definition(self, workspace_id: str, run_id: str) -> dict | None:
        """The run's fitted definition, or None when it has none."""
        with self._tx() as s:
            row = s.get(RunDefinitionRow, (workspace_id, run_id))
            return None if row is None else dict(row.definition)

    def find_run_workspaces(self, run_id: str) -> list[str]:
        """The workspaces that hold a run with this id (usually one)."""
        with self._tx() as s:
            return list(s.scalars(sa.select(RunRow.workspace_id).where(RunRow.id == run_id)))

    def delete_run(self, workspace_id: str, run_id: str) -> None:
        """Delete a run, its persona names, its share links and its experiments' link."""
        with self._tx() as s:
            for model in (ShareTokenRow, PersonaRow, RunDefinitionRow):
                s.execute(
                    sa.delete(model).where(
                        model.workspace_id == workspace_id, model.run_id == run_id
                    )
                )
            s.execute(
                sa.update(ExperimentRow)
                .where(ExperimentRow.workspace_id == workspace_id, ExperimentRow.run_id == run_id)
                .values(run_id=None)
            )
            s.execute(
                sa.delete(RunRow).where(RunRow.workspace_id == workspace_id, RunRow.id == run_id)
            )

    def save_personas(
        self,
        workspace_id: str,
        run_id: str,
        names: Mapping | None,
        notes: Mapping | None = None,
        *,
        expected_version: int | None,
    ) -> RunRecord:
        """Save persona names and notes of a run, if nobody else changed it meanwhile.

        Parameters
        ----------
        expected_version : int or None
            The run's ``version`` when the caller loaded it. ``None`` means "last write
            wins" (no check).

        Raises
        ------
        ConflictError
            When the run's version is no longer ``expected_version``.
        """
        with self._tx() as s:
            q = sa.update(RunRow).where(RunRow.workspace_id == workspace_id, RunRow.id == run_id)
            if expected_version is not None:
                q = q.where(RunRow.version == int(expected_version))
            result = s.execute(
                q.values(version=RunRow.version + 1, updated_at=now()).execution_options(
                    synchronize_session=False
                )
            )
            if result.rowcount != 1:
                if s.get(RunRow, (workspace_id, run_id)) is None:
                    raise StoreError(tr("This run is no longer saved; save it again from Segment."))
                raise ConflictError(
                    tr(
                        "Someone else changed this run since you opened it. Reload the page "
                        "to see their changes, then make yours again."
                    )
                )
            self._write_personas(s, workspace_id, run_id, names, notes)
            self._touch(s, workspace_id)
        return self.get_run(workspace_id, run_id)

    @staticmethod
    def _write_personas(
        s: orm.Session,
        workspace_id: str,
        run_id: str,
        names: Mapping | None,
        notes: Mapping | None,
    ) -> None:
        """Write the given persona names and notes of a run; segments not given stay."""
        if names is None and notes is None:
            return
        existing = {
            p.segment: p
            for p in s.scalars(
                sa.select(PersonaRow).where(
                    PersonaRow.workspace_id == workspace_id, PersonaRow.run_id == run_id
                )
            )
        }
        segments = set(names or {}) | set(notes or {})
        for segment in segments:
            seg = clean_text(segment, MAX_NAME_LENGTH)
            if seg is None:
                continue
            row = existing.get(seg)
            if row is None:
                row = PersonaRow(workspace_id=workspace_id, run_id=run_id, segment=seg)
                s.add(row)
                existing[seg] = row
            if names is not None and segment in names:
                row.name = clean_text(names[segment], MAX_NAME_LENGTH)
            if notes is not None and segment in notes:
                row.notes = clean_text(notes[segment], MAX_NOTE_LENGTH)
