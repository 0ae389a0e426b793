"""Saved A/B analyses of a workspace: the analysed table, settings, plan and results.

A saved experiment keeps the table it was analysed on (one row per user, or the totals
per variant) as Parquet in its row, so reopening it re-runs exactly the same analysis;
text that looks like personal data is replaced by a salted hash before it is stored, in
the table and in the results alike (the same hash, so a re-run matches the saved results).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import pandas as pd
import sqlalchemy as sa

from core.errors import DataError
from core.i18n import N_, tr
from core.store.base import StoreBase
from core.store.errors import StoreError
from core.store.models import ExperimentRow
from core.store.pii import scrub
from core.store.records import ExperimentRecord, experiment_record
from core.store.serialise import to_jsonable
from core.store.values import MAX_ID_LENGTH, MAX_NAME_LENGTH, check_id, clean_text, new_id, now

__all__ = ["ExperimentStore", "table_to_parquet", "table_from_parquet"]

_MAX_LABELS = 1000  # columns with at most this many values name segments or variants
_NO_NAME = N_("Give the experiment a name before saving it (for example 'Spring coupon test').")


def _hash_personal_text(table: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """A copy with personal-looking text hashed, and the hashes of few-valued columns."""
    out = table.reset_index(drop=True).copy()
    out.columns = [str(c) for c in out.columns]
    labels: dict[str, str] = {}
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            uniques = pd.unique(out[col].dropna())
            hashed = {v: scrub(v) for v in uniques if isinstance(v, str)}
            changed = {k: v for k, v in hashed.items() if v != k}
            if changed:
                out[col] = out[col].map(lambda v, m=changed: m.get(v, v))
                if len(uniques) <= _MAX_LABELS:  # segment or variant names, not user ids
                    labels.update(changed)
    return out, labels


def _hash_within(value: Any, labels: dict[str, str]) -> Any:
    """``value`` with every hashed label replaced inside longer text (verdict sentences)."""
    if isinstance(value, dict):
        return {k: _hash_within(v, labels) for k, v in value.items()}
    if isinstance(value, list):
        return [_hash_within(v, labels) for v in value]
    if isinstance(value, str):
        for raw, hashed in labels.items():
            value = value.replace(raw, hashed)
    return value


def _parquet(out: pd.DataFrame) -> bytes:
    """Parquet bytes of a table whose column names are text."""
    buf = io.BytesIO()
    try:
        out.to_parquet(buf, index=False, compression="zstd")
    except (ValueError, TypeError, ImportError, ArithmeticError) as exc:
        # mixed numbers and text in one column: keep the column as text
        mixed = [c for c in out.columns if out[c].dtype == object]
        if not mixed:
            raise DataError(
                tr("The experiment data could not be saved ({reason}).", reason=exc)
            ) from exc
        out = out.copy()
        out[mixed] = out[mixed].astype("string")
        buf = io.BytesIO()
        out.to_parquet(buf, index=False, compression="zstd")
    return buf.getvalue()


def table_to_parquet(table: pd.DataFrame) -> bytes:
    """Parquet bytes of an experiment table, with personal-looking text hashed.

    Parameters
    ----------
    table : pandas.DataFrame
        The analysed table (not mutated); column names are kept as text.

    Returns
    -------
    bytes
        A zstd-compressed Parquet file without the index.

    Raises
    ------
    DataError
        When ``table`` is not a DataFrame.
    """
    if not isinstance(table, pd.DataFrame):
        raise DataError(tr("The experiment data to save should be a table."))
    return _parquet(_hash_personal_text(table)[0])


def table_from_parquet(blob: bytes) -> pd.DataFrame:
    """The table saved by :func:`table_to_parquet`.

    Parameters
    ----------
    blob : bytes
        The saved Parquet file.

    Returns
    -------
    pandas.DataFrame
        The table with its column types.
    """
    return pd.read_parquet(io.BytesIO(blob))


class ExperimentStore(StoreBase):
    """Save, get, list, rename and delete experiments (part of :class:`core.store.Store`)."""

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
        data: pd.DataFrame | None = None,
    ) -> ExperimentRecord:
        """Save an A/B analysis in a workspace (a new one, or over ``experiment_id``).

        Parameters
        ----------
        workspace_id : str
            The workspace it belongs to.
        name : str
            What the user calls it; required.
        inputs : mapping
            Where the data came from and which column plays which role (JSON-friendly).
        settings : mapping
            Engine, interval, correction, plan and every other setting (JSON-friendly).
        results : mapping
            The analysis as ``AbTestResult.to_dict()`` gives it.
        run_id : str, optional
            The segmentation run whose personas broke the experiment down.
        experiment_id : str, optional
            Update this saved experiment (of the same workspace) instead of adding one.
        data : pandas.DataFrame, optional
            The analysed table; on an update, None keeps the table saved before.

        Returns
        -------
        ExperimentRecord
            The saved record, without its table.

        Raises
        ------
        DataError
            When the name is blank; nothing is saved.
        StoreError
            When the workspace is gone or the experiment belongs to another workspace.
        """
        clean_name = clean_text(name, MAX_NAME_LENGTH)
        if not clean_name:
            raise DataError(tr(_NO_NAME))
        exp_id = check_id(experiment_id or new_id(9), N_("experiment id"))
        blob, labels = None, {}
        if data is not None:
            if not isinstance(data, pd.DataFrame):
                raise DataError(tr("The experiment data to save should be a table."))
            hashed, labels = _hash_personal_text(data)
            blob = _parquet(hashed)
        with self._tx() as s:
            self._workspace_row(s, workspace_id)
            row = s.get(ExperimentRow, exp_id)
            if row is not None and row.workspace_id != workspace_id:
                raise StoreError(tr("This experiment belongs to another workspace."))
            if row is None:
                row = ExperimentRow(id=exp_id, workspace_id=workspace_id, created_at=now())
                s.add(row)
            row.run_id = run_id
            row.name = clean_name
            row.inputs = scrub(to_jsonable(dict(inputs)))
            row.settings = to_jsonable(dict(settings))
            # the same hashes inside sentences, so no verdict names a person in clear
            row.results = _hash_within(scrub(to_jsonable(dict(results))), labels)
            if blob is not None:
                row.data = blob
            self._touch(s, workspace_id)
            return experiment_record(row)

    def get_experiment(self, workspace_id: str, experiment_id: str) -> ExperimentRecord | None:
        """A saved experiment with its table, or None when this workspace has no such one.

        Parameters
        ----------
        workspace_id : str
            The workspace asking; another workspace's experiment is never returned.
        experiment_id : str
            The experiment's id (as in a permalink).

        Returns
        -------
        ExperimentRecord or None
            With ``data`` set when the table was saved.
        """
        if not isinstance(experiment_id, str) or not 0 < len(experiment_id) <= MAX_ID_LENGTH:
            return None
        with self._tx() as s:
            row = s.get(ExperimentRow, experiment_id)
            if row is None or row.workspace_id != workspace_id:
                return None
            blob = row.data
            return experiment_record(row, None if blob is None else table_from_parquet(blob))

    def list_experiments(
        self, workspace_id: str, run_id: str | None = None
    ) -> list[ExperimentRecord]:
        """Saved experiments of a workspace (optionally of one run), newest first.

        Parameters
        ----------
        workspace_id : str
            The workspace.
        run_id : str, optional
            Only the experiments broken down by this segmentation run.

        Returns
        -------
        list of ExperimentRecord
            Without their tables (see :meth:`get_experiment`).
        """
        q = sa.select(ExperimentRow).where(ExperimentRow.workspace_id == workspace_id)
        if run_id is not None:
            q = q.where(ExperimentRow.run_id == run_id)
        q = q.order_by(ExperimentRow.created_at.desc(), ExperimentRow.id)
        with self._tx() as s:
            return [experiment_record(r) for r in s.scalars(q).all()]

    def rename_experiment(
        self, workspace_id: str, experiment_id: str, name: str
    ) -> ExperimentRecord:
        """Give a saved experiment a new name.

        Parameters
        ----------
        workspace_id, experiment_id : str
            Which experiment.
        name : str
            The new name; required.

        Returns
        -------
        ExperimentRecord
            The renamed record, without its table.

        Raises
        ------
        DataError
            When the name is blank.
        StoreError
            When this workspace has no such experiment (it may have been deleted).
        """
        clean_name = clean_text(name, MAX_NAME_LENGTH)
        if not clean_name:
            raise DataError(tr(_NO_NAME))
        with self._tx() as s:
            row = self._experiment_row(s, workspace_id, experiment_id)
            row.name = clean_name
            self._touch(s, workspace_id)
            return experiment_record(row)

    def delete_experiment(self, workspace_id: str, experiment_id: str) -> None:
        """Delete a saved experiment of this workspace.

        Parameters
        ----------
        workspace_id, experiment_id : str
            Which experiment.

        Raises
        ------
        StoreError
            When this workspace has no such experiment (it may have been deleted already).
        """
        with self._tx() as s:
            s.delete(self._experiment_row(s, workspace_id, experiment_id))
            self._touch(s, workspace_id)

    @staticmethod
    def _experiment_row(s, workspace_id: str, experiment_id: str) -> ExperimentRow:
        """The experiment's row in this workspace, or a StoreError saying it is gone."""
        row = s.get(ExperimentRow, experiment_id) if isinstance(experiment_id, str) else None
        if row is None or row.workspace_id != workspace_id:
            raise StoreError(
                tr(
                    "This experiment is not in this workspace any more (it may have been "
                    "deleted); pick one from the saved experiments list."
                )
            )
        return row
