"""Datasets recorded in a workspace: where each DuckDB file is and how it was loaded."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from core.i18n import N_
from core.store.base import StoreBase
from core.store.models import DatasetRow
from core.store.pii import scrub
from core.store.records import DatasetRecord, dataset_record
from core.store.serialise import to_jsonable
from core.store.values import check_id, clean_text, now

__all__ = ["DatasetStore"]


class DatasetStore(StoreBase):
    """Record, find and list datasets (part of :class:`core.store.Store`)."""

    def save_dataset(
        self,
        workspace_id: str,
        dataset_id: str,
        path: str | Path,
        *,
        source_name: str = "",
        mapping: Mapping | None = None,
        report: Any = None,
    ) -> DatasetRecord:
        """Record (or refresh) a dataset in a workspace.

        Parameters
        ----------
        workspace_id, dataset_id : str
            Where to record it, and the dataset's id.
        path : str or Path
            The dataset's DuckDB file.
        source_name : str, optional
            What the user loaded (a file name); default "Your data".
        mapping : Mapping, optional
            How the user's columns were mapped.
        report : dict or IngestReport, optional
            A dict or an object with ``to_dict()``; strings in it (and in ``mapping``)
            that look like personal data are replaced by a salted hash.

        Returns
        -------
        DatasetRecord
            The saved record.
        """
        check_id(dataset_id, N_("dataset id"))
        if report is not None and not isinstance(report, Mapping) and hasattr(report, "to_dict"):
            report = report.to_dict()
        report_json = scrub(to_jsonable(dict(report or {})))
        mapping_json = scrub(to_jsonable(dict(mapping or {})))
        with self._tx() as s:
            self._workspace_row(s, workspace_id)
            row = s.get(DatasetRow, (workspace_id, dataset_id))
            if row is None:
                row = DatasetRow(workspace_id=workspace_id, id=dataset_id, created_at=now())
                s.add(row)
            row.source_name = clean_text(source_name, 500) or "Your data"
            row.path = str(path)
            row.mapping = mapping_json
            row.report = report_json
            self._touch(s, workspace_id)
        return dataset_record(row)

    def get_dataset(self, workspace_id: str, dataset_id: str) -> DatasetRecord | None:
        """The dataset record, or None."""
        with self._tx() as s:
            row = s.get(DatasetRow, (workspace_id, dataset_id))
            return dataset_record(row) if row else None

    def list_datasets(self, workspace_id: str) -> list[DatasetRecord]:
        """The workspace's datasets, newest first."""
        with self._tx() as s:
            rows = s.scalars(
                sa.select(DatasetRow)
                .where(DatasetRow.workspace_id == workspace_id)
                .order_by(DatasetRow.created_at.desc())
            ).all()
            return [dataset_record(r) for r in rows]
