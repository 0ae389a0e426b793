"""What this session works on: switching dataset, and loading, saving and reloading runs.

Saved work lives in the app store (:mod:`core.store`); session state is only a cache:

- the workspace, dataset and run are written to the store when they change
  (:func:`set_current_dataset`, :func:`set_current_run`), and read back from it when a
  new browser session opens a link (:mod:`ui.common.permalink`);
- when the store cannot be reached the app keeps working in this browser tab and says
  that nothing is being saved.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from core.common.markdown import escape_markdown
from core.errors import DataError
from core.i18n import tr
from core.store import ConflictError, RunRecord, RunSummary, StoreError
from ui.common.datasets import current_dataset, is_sample, open_saved_dataset, record_dataset
from ui.common.permalink import sync_url
from ui.common.session import (
    DATASET_KEY,
    RUN_CHECKED_KEY,
    RUN_KEY,
    RUN_PARAM,
    SAVED_KEY,
    Run,
    notify,
    query_param,
)
from ui.common.storage import store
from ui.common.workspace import workspace_id

__all__ = [
    "set_current_dataset",
    "load_run",
    "current_run",
    "set_current_run",
    "reload_run",
    "saved_runs",
]


def set_current_dataset(dataset) -> None:
    """Switch to another dataset; a run made on the previous dataset no longer applies.

    A dataset other than the sample is recorded in the workspace right away, so a reload
    or a link brings it back.
    """
    previous = st.session_state.get(DATASET_KEY)
    st.session_state[DATASET_KEY] = dataset
    if previous is None or previous.dataset_id != dataset.dataset_id:
        for key in (RUN_KEY, SAVED_KEY, RUN_CHECKED_KEY):
            st.session_state.pop(key, None)
    if not is_sample(dataset):
        record_dataset(dataset, create_workspace=True)
    sync_url()


def _run_from_record(record: RunRecord) -> Run:
    """The session's Run for a run loaded from the store."""
    return Run(
        run_id=record.run_id,
        dataset_id=record.dataset_id,
        params=record.params,
        labels=record.labels,
        quality=dict(record.quality),
        names=dict(record.names),
        notes=dict(record.notes),
        created_at=record.created_at.isoformat(timespec="seconds"),
        version=record.version,
    )


def _remember_saved(run: Run) -> None:
    """Note what was last saved, so an unchanged run is not saved again."""
    st.session_state[SAVED_KEY] = {
        "run_id": run.run_id,
        "labels_id": id(run.labels),
        "version": run.version,
        "names": dict(run.names),
        "notes": dict(run.notes),
    }


def load_run(run_id: str) -> Run | None:
    """Load a saved run of the current workspace and make it current (None if unknown)."""
    s = store()
    ws = workspace_id()
    if s is None or ws is None:
        return None
    record = s.get_run(ws, run_id)
    if record is None:
        return None
    if record.dataset_id != current_dataset().dataset_id:
        ds_record = s.get_dataset(ws, record.dataset_id)
        if ds_record is None:
            return None
        try:
            ds = open_saved_dataset(ds_record.path)
        except DataError:
            notify(
                tr(
                    "The data of this run ('{name}') is no longer on this server; load it "
                    "again on the Data page.",
                    name=ds_record.source_name,
                )
            )
            return None
        st.session_state[DATASET_KEY] = ds
    run = _run_from_record(record)
    st.session_state[RUN_KEY] = run
    _remember_saved(run)
    sync_url()
    return run


def current_run() -> Run | None:
    """The segmentation run the user saved last for the current dataset, if any."""
    run = st.session_state.get(RUN_KEY)
    dataset_id = current_dataset().dataset_id
    if run is not None:
        return run if run.dataset_id == dataset_id else None
    wanted = query_param(RUN_PARAM)
    checked = (workspace_id(), dataset_id, wanted)
    if wanted and st.session_state.get(RUN_CHECKED_KEY) != checked:
        st.session_state[RUN_CHECKED_KEY] = checked
        run = load_run(wanted)
        if run is not None and run.dataset_id == current_dataset().dataset_id:
            return run
    return None


def set_current_run(run: Run) -> None:
    """Make ``run`` the current run that Map, Personas, Explore and Experiments use.

    The run is saved in the workspace (made on first save). Renaming personas of a run
    that someone else changed meanwhile is refused with a notice to reload.
    """
    st.session_state[RUN_KEY] = run
    saved = _persist_run(run)
    if saved is not None:
        st.session_state[RUN_KEY] = saved
        _remember_saved(saved)
        sync_url()


def _persist_run(run: Run) -> Run | None:
    """Save the run (or only its names and notes); the saved copy, or None."""
    s = store()
    if s is None:
        return None
    dataset = current_dataset()
    if run.dataset_id != dataset.dataset_id:
        return None
    saved = st.session_state.get(SAVED_KEY) or {}
    same_labels = saved.get("run_id") == run.run_id and saved.get("labels_id") == id(run.labels)
    if same_labels and saved.get("names") == run.names and saved.get("notes") == run.notes:
        return None  # nothing changed since the last save
    try:
        ws = record_dataset(dataset, create_workspace=True)
        if ws is None:
            return None
        if same_labels:
            expected = run.version or saved.get("version")
            record = s.save_personas(
                ws, run.run_id, run.names, run.notes, expected_version=expected
            )
        else:
            record = s.save_run(
                ws,
                dataset.dataset_id,
                run.labels,
                params=run.params,
                quality=run.quality,
                run_id=run.run_id,
                names=run.names,
                notes=run.notes,
            )
    except ConflictError as exc:
        notify(str(exc), offer_reload=True)
        st.warning(escape_markdown(exc), icon=":material/sync_problem:")
        return None
    except (StoreError, DataError) as exc:
        notify(tr("Not saved: {reason}", reason=exc))
        st.warning(tr("Not saved: {reason}", reason=escape_markdown(exc)))
        return None
    return dataclasses.replace(
        run,
        names=dict(record.names),
        notes=dict(record.notes),
        version=record.version,
        created_at=record.created_at.isoformat(timespec="seconds"),
    )


def reload_run() -> Run | None:
    """Drop this tab's copy of the current run and read the saved one again."""
    run = st.session_state.pop(RUN_KEY, None)
    st.session_state.pop(SAVED_KEY, None)
    return load_run(run.run_id) if run is not None else None


def saved_runs(dataset_id: str | None = None) -> list[RunSummary]:
    """Saved runs (summaries) of the current workspace, newest first."""
    s = store()
    ws = workspace_id()
    if s is None or ws is None:
        return []
    return s.list_runs(ws, dataset_id)
