"""The sidebar's saved-work pickers: workspace, dataset and saved run, bound to the URL."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from core.errors import DataError
from core.i18n import fmt, ntr, tr
from core.store import RunSummary
from ui.common.datasets import current_dataset, open_saved_dataset
from ui.common.permalink import history_guard, sync_url
from ui.common.selection import current_run, load_run, reload_run, set_current_dataset
from ui.common.session import SAMPLE_LABEL, notice_offers_reload, notices, notify
from ui.common.storage import store
from ui.common.workspace import set_workspace, visible_workspaces, workspace_id, workspace_link

__all__ = ["saved_work_sidebar", "work_lives_here"]


def work_lives_here(ws: str) -> None:
    """The link of the current workspace, with a copy button, and why to keep it."""
    st.caption(
        tr(
            "**Your work lives at this link.** Copy it (button on the right) or bookmark it: "
            "it brings you back to this workspace from any tab or device."
        )
    )
    st.code(workspace_link(ws), language=None, wrap_lines=True)


def _sync_widget(key: str, value: str | None, options: list) -> None:
    """Before a bound picker is drawn, point it at the session's truth."""
    if value in options:
        st.session_state[key] = value
    elif key in st.session_state and st.session_state[key] not in options:
        st.session_state[key] = None


def _fmt_time(value: dt.datetime) -> str:
    """A saved time in the server's local time, written for the page's language."""
    return fmt.datetime(value.astimezone(), "short")


# Why every picker label below is unique and stable: a selectbox tells the server which
# option the browser shows by its label, not by its position or value. Two runs labelled
# alike ("6 segments · saved 10:00") made the server read the other run back on the next
# rerun (a persona rename then landed on it and the page switched run), and a label that
# changed with each save (its time) no longer matched the one the browser held.


def _distinct_labels(labels: dict[str, str]) -> dict[str, str]:
    """``{id: label}`` with a short id appended to labels that are not unique."""
    seen: dict[str, int] = {}
    for label in labels.values():
        seen[label] = seen.get(label, 0) + 1
    return {i: f"{label} · {i[:6]}" if seen[label] > 1 else label for i, label in labels.items()}


def _source_label(name: str) -> str:
    """A saved dataset's name in the picker: the sample's in the page's language."""
    return tr(SAMPLE_LABEL) if name == SAMPLE_LABEL else name


def _run_label(summary: RunSummary) -> str:
    """A saved run in the picker: its size, when it was made and its id (never changes)."""
    return ntr(
        "{n} segment · made {time} · {run}",
        "{n} segments · made {time} · {run}",
        summary.n_segments,
        n=fmt.number(summary.n_segments),
        time=_fmt_time(summary.created_at),
        run=summary.run_id,
    )


def saved_work_sidebar() -> None:
    """Sidebar pickers for workspace, dataset and saved run; keeps the URL a permalink."""
    history_guard()
    s = store()
    current_run()  # resolve ?run= from a pasted link before anything rewrites the URL
    sync_url()
    message = notices()
    if message:
        st.warning(message)
        if notice_offers_reload():
            # A callback, because the message is shown once: on the rerun the click
            # causes, this button is not drawn again, so an `if st.button(...)` there
            # never saw the click (the run was not reloaded and the unsaved text stayed).
            st.button(tr("Reload the saved run"), key="state_reload", on_click=reload_run)
    if s is None:
        return
    ws = workspace_id()
    workspaces = visible_workspaces()
    ws_names = {w.id: w.name for w in workspaces}
    if ws and ws not in ws_names:
        record = s.get_workspace(ws)
        if record is not None:
            ws_names[ws] = record.name
    ws_options = list(ws_names)
    ws_names = _distinct_labels(ws_names)
    if ws_options:
        _sync_widget("state_ws", ws, ws_options)
        st.selectbox(
            tr("Workspace"),
            ws_options,
            index=None,
            format_func=lambda w: ws_names.get(w, w),
            key="state_ws",
            placeholder=tr("Pick a workspace"),
            on_change=_on_pick_workspace,
        )
    else:
        st.caption(tr("Your work is saved here as soon as you save a segmentation."))
    if ws is None:
        return
    work_lives_here(ws)
    datasets = _distinct_labels(
        {d.dataset_id: _source_label(d.source_name) for d in s.list_datasets(ws)}
    )
    ds = current_dataset()
    if datasets:
        _sync_widget("state_ds", ds.dataset_id, list(datasets))
        st.selectbox(
            tr("Dataset"),
            list(datasets),
            index=None,
            format_func=lambda d: datasets.get(d, d),
            key="state_ds",
            placeholder=tr(SAMPLE_LABEL),
            on_change=_on_pick_dataset,
        )
    run = current_run()  # resolves ?run= before the bound picker may rewrite it
    runs = {r.run_id: r for r in s.list_runs(ws, ds.dataset_id)}
    # Labels are made here, in the page's language, not inside format_func: Streamlit's
    # test client calls format_func outside the page run, where no language is set.
    run_labels = {r: _run_label(summary) for r, summary in runs.items()}
    if runs:
        _sync_widget("state_run", run.run_id if run is not None else None, list(runs))
        st.selectbox(
            tr("Saved segmentation"),
            list(runs),
            index=None,
            format_func=run_labels.get,
            key="state_run",
            placeholder=tr("Pick a saved run"),
            on_change=_on_pick_run,
        )


def _on_pick_workspace() -> None:
    """Callback: switch to the picked workspace."""
    wanted = st.session_state.get("state_ws")
    if wanted:  # a cleared picker keeps the current workspace
        set_workspace(wanted)


def _on_pick_dataset() -> None:
    """Callback: open the picked saved dataset."""
    wanted = st.session_state.get("state_ds")
    s, ws = store(), workspace_id()
    if not wanted or s is None or ws is None:
        return
    record = s.get_dataset(ws, wanted)
    if record is None:
        return
    try:
        set_current_dataset(open_saved_dataset(record.path))
    except DataError as exc:
        notify(str(exc))


def _on_pick_run() -> None:
    """Callback: load the picked saved run."""
    wanted = st.session_state.get("state_run")
    if wanted:
        load_run(wanted)
