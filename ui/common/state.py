"""Shared app state: the current dataset, its cached feature table, the current run.

Pages call these helpers instead of touching ``st.session_state`` directly, so the
contract stays in one place (docs/architecture.md, "UI glue"). Everything expensive is
cached at this edge, keyed only by its inputs (the dataset id and parameters).

Saved work lives in the app store (:mod:`core.store.app_store`); session state is only a cache:

- the workspace, dataset and run are written to the store when they change
  (:func:`set_current_dataset`, :func:`set_current_run`), and read back from it when a
  new browser session opens a link;
- the URL carries them as ``?ws=<workspace>&ds=<dataset>&run=<run>`` (re-written on
  every run, because Streamlit clears the query string on a page switch), so reload,
  back/forward and a pasted link land on the same view; the page itself is the URL path
  (``/segment``);
- when the store cannot be reached the app keeps working in this browser tab and says
  that nothing is being saved.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import tempfile
import time
import weakref
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from core.common.markdown import escape_markdown  # noqa: F401  (also re-exported for the pages)
from core.errors import DataError

# Internal session keys (pages use the helpers below, never these keys).
_DATASET_KEY = "_pl_dataset"
_RUN_KEY = "_pl_run"
_WS_KEY = "_pl_ws"
_SAVED_KEY = "_pl_saved"
_RUN_CHECKED_KEY = "_pl_run_checked"
_KNOWN_WS_KEY = "_pl_known_ws"
_NOTICE_KEY = "_pl_notice"
_TMP_KEY = "_pl_tmp"
# Query-string names (and the keys of the sidebar widgets bound to them).
WS_PARAM, DS_PARAM, RUN_PARAM, SHARE_PARAM = "ws", "ds", "run", "share"
SAMPLE_LABEL = "Bundled sample"


@dataclasses.dataclass(frozen=True)
class Run:
    """A saved segmentation run: parameters, labels and what the user named things."""

    run_id: str
    dataset_id: str
    params: Any
    labels: pd.Series
    quality: dict = dataclasses.field(default_factory=dict)
    names: dict = dataclasses.field(default_factory=dict)
    notes: dict = dataclasses.field(default_factory=dict)
    created_at: str = dataclasses.field(
        default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    )
    #: The store's version of this run when it was loaded or saved (0: not saved yet).
    version: int = 0

    def with_names(self, names: dict) -> Run:
        """Return a copy with persona names replaced."""
        return dataclasses.replace(self, names=dict(names))

    def segment_name(self, segment: str) -> str:
        """The user's name for a segment, falling back to its label."""
        return self.names.get(segment, segment)


# --- text safety ---------------------------------------------------------------------------

# escape_markdown (core.personas.text, the one implementation) is re-exported here for the pages.


# --- the store -----------------------------------------------------------------------------


def _configured_store_url() -> str | None:
    """``[database] url`` from secrets (the environment variable is read by core.store.app_store)."""
    try:
        return str(st.secrets["database"]["url"])
    except Exception:
        return None


@st.cache_resource(show_spinner=False)
def _open_store(url: str | None):
    from core.store.app_store import open_store

    return open_store(url)


def store():
    """The app store, or None when it cannot be reached (work then stays in this tab)."""
    from core.store.app_store import StoreError

    try:
        return _open_store(_configured_store_url())
    except StoreError as exc:
        _notice(f"{exc} Your work is kept in this browser tab only until then.")
        return None


def _notice(message: str) -> None:
    """Remember a message for the sidebar (shown once per run)."""
    st.session_state[_NOTICE_KEY] = message


def notify(message: str) -> None:
    """Show ``message`` in the sidebar on the next drawing (for callbacks of pages)."""
    _notice(message)


def notices() -> str | None:
    """The pending storage message (conflict, store down), if any; clears it.

    Escaped for Markdown: it can quote a workspace or dataset name.
    """
    message = st.session_state.pop(_NOTICE_KEY, None)
    return escape_markdown(message) if message else None


# --- workspace -----------------------------------------------------------------------------


def _param(name: str) -> str | None:
    try:
        value = st.query_params.get(name)
    except Exception:
        return None
    return str(value) if value else None


def workspace_id(create: bool = False) -> str | None:
    """The current workspace id (from this session, the link, or the owner's latest).

    With ``create=True`` a new workspace is made when there is none yet (first save).
    """
    from ui.common import auth

    if _WS_KEY not in st.session_state:
        st.session_state[_WS_KEY] = _resolve_workspace()
    ws = st.session_state[_WS_KEY]
    if ws is None and create:
        s = store()
        if s is not None:
            stamp = dt.datetime.now().strftime("%d %b %Y %H:%M")
            record = s.create_workspace(f"Workspace {stamp}", owner=auth.owner())
            ws = record.id
            st.session_state[_WS_KEY] = ws
            _remember_workspace(ws)
    return ws


def _remember_workspace(ws: str) -> None:
    known = list(st.session_state.get(_KNOWN_WS_KEY, []))
    if ws not in known:
        known.append(ws)
    st.session_state[_KNOWN_WS_KEY] = known


def _resolve_workspace() -> str | None:
    from ui.common import auth

    s = store()
    if s is None:
        return None
    wanted = _param(WS_PARAM)
    if wanted:
        record = s.get_workspace(wanted)
        if record is not None and auth.may_open(record.owner):
            _remember_workspace(record.id)
            return record.id
        _notice(
            "The workspace in this link does not exist or is not yours; a new one will "
            "be made when you save."
        )
        return None
    if auth.isolated_sessions():
        return None
    mine = s.list_workspaces(auth.owner())
    return mine[0].id if mine else None


def visible_workspaces() -> list:
    """Workspaces the visitor may pick: their own (OIDC/local) or this session's (workshop)."""
    from ui.common import auth

    s = store()
    if s is None:
        return []
    if auth.isolated_sessions():
        records = [s.get_workspace(w) for w in st.session_state.get(_KNOWN_WS_KEY, [])]
        return [r for r in records if r is not None]
    return s.list_workspaces(auth.owner())


def set_workspace(ws: str | None) -> None:
    """Switch workspace: the dataset goes back to the sample and the run is cleared."""
    if ws == st.session_state.get(_WS_KEY):
        return
    st.session_state[_WS_KEY] = ws
    if ws:
        _remember_workspace(ws)
    for key in (_DATASET_KEY, _RUN_KEY, _SAVED_KEY, _RUN_CHECKED_KEY):
        st.session_state.pop(key, None)


# --- dataset -------------------------------------------------------------------------------


@st.cache_resource(show_spinner="Preparing the sample dataset...")
def _sample_dataset():
    from core.data.ingest import sample_dataset

    return sample_dataset()


def _open_saved_dataset(path: str):
    from core.data.ingest import open_dataset

    return open_dataset(path)


def current_dataset():
    """The dataset the user is working on; the bundled sample until they load their own."""
    ds = st.session_state.get(_DATASET_KEY)
    if ds is None:
        ds = _dataset_from_link()
        if ds is not None:
            st.session_state[_DATASET_KEY] = ds
    if ds is None:
        ds = _sample_dataset()
    return ds


def _dataset_from_link():
    """The dataset named in ``?ds=`` if the current workspace has it (else None)."""
    wanted = _param(DS_PARAM)
    ws = workspace_id()
    s = store()
    if not wanted or ws is None or s is None:
        return None
    record = s.get_dataset(ws, wanted)
    if record is None:
        return None
    try:
        return _open_saved_dataset(record.path)
    except DataError:
        _notice(
            f"The data file of '{record.source_name}' is no longer on this server; load "
            "it again on the Data page (your saved runs are kept)."
        )
        return None


def set_current_dataset(dataset) -> None:
    """Switch to another dataset; a run made on the previous dataset no longer applies.

    A dataset other than the sample is recorded in the workspace right away, so a reload
    or a link brings it back.
    """
    previous = st.session_state.get(_DATASET_KEY)
    st.session_state[_DATASET_KEY] = dataset
    if previous is None or previous.dataset_id != dataset.dataset_id:
        for key in (_RUN_KEY, _SAVED_KEY, _RUN_CHECKED_KEY):
            st.session_state.pop(key, None)
    if not is_sample(dataset):
        _record_dataset(dataset, create_workspace=True)
    sync_url()


def _record_dataset(dataset, *, create_workspace: bool) -> str | None:
    """Make sure the store knows ``dataset`` in the current workspace; return the ws id."""
    from core.store.app_store import StoreError

    s = store()
    ws = workspace_id(create=create_workspace)
    if s is None or ws is None:
        return None
    try:
        if s.get_dataset(ws, dataset.dataset_id) is None:
            report = getattr(dataset, "report", None)
            s.save_dataset(
                ws,
                dataset.dataset_id,
                str(dataset.path),
                source_name=(SAMPLE_LABEL if is_sample(dataset) else None)
                or getattr(report, "source_name", "")
                or "Your data",
                mapping=getattr(report, "mapping", None) or {},
                report=report,
            )
    except StoreError as exc:
        _notice(str(exc))
        return None
    return ws


def is_sample(dataset=None) -> bool:
    """True when the given (or current) dataset is the bundled sample."""
    ds = dataset or current_dataset()
    return ds.dataset_id == _sample_dataset().dataset_id


def dataset_label(dataset=None) -> str:
    """What to call a dataset in the UI: 'Bundled sample' or its source file name."""
    ds = dataset or current_dataset()
    if is_sample(ds):
        return SAMPLE_LABEL
    return getattr(ds.report, "source_name", None) or "Your data"


@st.cache_resource(max_entries=16)
def _engine(path: str):
    from core.data.engine import dataset_engine

    return dataset_engine(path)


def dataset_engine():
    """SQLAlchemy engine on the current dataset's DuckDB file (shared per process)."""
    return _engine(str(current_dataset().path))


# Heavy caches are bounded: a feature table of a million users is a few hundred MB, so
# keep a handful per process and drop them after two idle hours.
@st.cache_data(
    max_entries=8, ttl=dt.timedelta(hours=2), show_spinner="Building one row per user..."
)
def _features(path: str, dataset_id: str, as_of: str | None) -> pd.DataFrame:
    from core.segments import build_features

    return build_features(_engine(path), as_of=as_of)


def features(as_of: str | None = None) -> pd.DataFrame:
    """The per-user feature table of the current dataset (cached by dataset id)."""
    ds = current_dataset()
    return _features(str(ds.path), ds.dataset_id, as_of)


# --- runs ----------------------------------------------------------------------------------


def _run_from_record(record) -> Run:
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
    st.session_state[_SAVED_KEY] = {
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
            ds = _open_saved_dataset(ds_record.path)
        except DataError:
            _notice(
                f"The data of this run ('{ds_record.source_name}') is no longer on this "
                "server; load it again on the Data page."
            )
            return None
        st.session_state[_DATASET_KEY] = ds
    run = _run_from_record(record)
    st.session_state[_RUN_KEY] = run
    _remember_saved(run)
    sync_url()
    return run


def current_run() -> Run | None:
    """The segmentation run the user saved last for the current dataset, if any."""
    run = st.session_state.get(_RUN_KEY)
    dataset_id = current_dataset().dataset_id
    if run is not None:
        return run if run.dataset_id == dataset_id else None
    wanted = _param(RUN_PARAM)
    checked = (workspace_id(), dataset_id, wanted)
    if wanted and st.session_state.get(_RUN_CHECKED_KEY) != checked:
        st.session_state[_RUN_CHECKED_KEY] = checked
        run = load_run(wanted)
        if run is not None and run.dataset_id == current_dataset().dataset_id:
            return run
    return None


def set_current_run(run: Run) -> None:
    """Make ``run`` the current run that Map, Personas, Explore and Experiments use.

    The run is saved in the workspace (made on first save). Renaming personas of a run
    that someone else changed meanwhile is refused with a notice to reload.
    """
    st.session_state[_RUN_KEY] = run
    saved = _persist_run(run)
    if saved is not None:
        st.session_state[_RUN_KEY] = saved
        _remember_saved(saved)
        sync_url()


def _persist_run(run: Run) -> Run | None:
    from core.store.app_store import ConflictError, StoreError

    s = store()
    if s is None:
        return None
    dataset = current_dataset()
    if run.dataset_id != dataset.dataset_id:
        return None
    saved = st.session_state.get(_SAVED_KEY) or {}
    same_labels = saved.get("run_id") == run.run_id and saved.get("labels_id") == id(run.labels)
    if same_labels and saved.get("names") == run.names and saved.get("notes") == run.notes:
        return None  # nothing changed since the last save
    try:
        ws = _record_dataset(dataset, create_workspace=True)
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
        _notice(str(exc))
        st.warning(escape_markdown(exc), icon=":material/sync_problem:")
        return None
    except (StoreError, DataError) as exc:
        _notice(f"Not saved: {exc}")
        st.warning(f"Not saved: {escape_markdown(exc)}")
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
    run = st.session_state.pop(_RUN_KEY, None)
    st.session_state.pop(_SAVED_KEY, None)
    return load_run(run.run_id) if run is not None else None


def saved_runs(dataset_id: str | None = None) -> list:
    """Saved runs (summaries) of the current workspace, newest first."""
    s = store()
    ws = workspace_id()
    if s is None or ws is None:
        return []
    return s.list_runs(ws, dataset_id)


# --- resource safety -----------------------------------------------------------------------


def upload_limit_mb() -> int:
    """The upload size limit in MB (``server.maxUploadSize`` in .streamlit/config.toml)."""
    try:
        return int(st.get_option("server.maxUploadSize"))
    except Exception:
        return 200


def upload_help() -> str:
    """Help text for file uploaders that states the limit."""
    return (
        f"Files up to {upload_limit_mb():,} MB. For bigger data, connect your database "
        "instead, or ask the person who runs PersonaLab to raise server.maxUploadSize."
    )


def check_upload_size(n_bytes: int) -> None:
    """Raise DataError with the limit in the message when an upload is too big."""
    limit = upload_limit_mb()
    if n_bytes > limit * 1024 * 1024:
        raise DataError(
            f"This file is {n_bytes / 1024 / 1024:,.0f} MB; the limit on this server is "
            f"{limit:,} MB. Split it by date, or connect your database instead."
        )


class _TempDir:
    """A per-session temporary folder, removed when the session ends (or at exit)."""

    def __init__(self) -> None:
        from core.store.app_store import default_data_dir

        root = default_data_dir() / "tmp"
        root.mkdir(parents=True, exist_ok=True)
        _sweep_stale(root)
        self.path = Path(tempfile.mkdtemp(prefix="session-", dir=root))
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.path, True)

    def cleanup(self) -> None:
        self._finalizer()


def _sweep_stale(root: Path, max_age_hours: float = 24) -> None:
    """Remove session folders left by a crashed server (older than ``max_age_hours``)."""
    cutoff = time.time() - max_age_hours * 3600
    for child in root.glob("session-*"):
        try:
            if child.stat().st_mtime < cutoff:
                shutil.rmtree(child, ignore_errors=True)
        except OSError:
            pass


def session_temp_dir() -> Path:
    """A temporary folder for this browser session's files; deleted when it ends."""
    holder = st.session_state.get(_TMP_KEY)
    if holder is None or not holder.path.exists():
        holder = _TempDir()
        st.session_state[_TMP_KEY] = holder
    return holder.path


def end_session_files() -> None:
    """Delete this session's temporary files now (e.g. after a finished export)."""
    holder = st.session_state.pop(_TMP_KEY, None)
    if holder is not None:
        holder.cleanup()


# --- sidebar: saved work -------------------------------------------------------------------


def sync_url() -> None:
    """Write ``ws``, ``ds`` and ``run`` of this session into the address bar.

    Streamlit clears query parameters when the visitor switches page, so this runs on
    every script run (sidebar) and right after a save; the address bar is then always a
    permalink of the current view. Other parameters are left alone.

    All three are written in one assignment: every ``st.query_params`` change is one
    message to the browser, and the browser adds a history entry per message (see
    :func:`history_guard` for why those entries are replaced rather than added).
    """
    try:
        ds = st.session_state.get(_DATASET_KEY)
        run = st.session_state.get(_RUN_KEY)
        wanted = {
            WS_PARAM: st.session_state.get(_WS_KEY),
            DS_PARAM: None if ds is None or is_sample(ds) else ds.dataset_id,
            RUN_PARAM: run.run_id if run is not None and run.version else None,
        }
        current = {k: st.query_params.get_all(k) for k in st.query_params}
        target = {k: v for k, v in current.items() if k not in wanted}
        target.update({k: [v] for k, v in wanted.items() if v})
        if target != current:
            st.query_params.from_dict(target)
    except Exception:  # the address bar is a convenience; never break a page over it
        pass


# Why this script: Streamlit's browser side adds a history entry (pushState) for every
# change of the query string a script makes, unless the run itself came from Back or
# Forward. A sidebar page switch first adds ``/segment`` (Streamlit drops the query
# string on a page switch) and then sync_url() writes ``?ws=..&ds=..&run=..``: two
# entries for one page, so Back landed on the same page once. Streamlit has no option
# for "replace, do not push" (only widgets bound with bind="query-params" keep their
# parameter across a page switch, and their URL value is the label shown, not an id),
# so this small script turns a push that changes only the query string of the current
# path into a replace. Page switches (a new path) still push, so Back and Forward step
# through pages, each entry carrying its permalink. It contains no user data.
_HISTORY_GUARD = """<script>
(function () {
  if (window.__personalabHistoryGuard) { return; }
  window.__personalabHistoryGuard = true;
  var history = window.history;
  var push = history.pushState.bind(history);
  history.pushState = function (data, title, url) {
    try {
      var next = new URL(url, window.location.href);
      if (next.pathname === window.location.pathname) {
        return history.replaceState(data, title, url);
      }
    } catch (e) { /* fall through to a normal push */ }
    return push(data, title, url);
  };
})();
</script>"""


def history_guard() -> None:
    """Keep one browser-history entry per page visit (see ``_HISTORY_GUARD``).

    Drawn in the sidebar of every page; the script installs itself once per tab.
    """
    with st.container(key="pl_history_guard"):
        st.html(_HISTORY_GUARD, unsafe_allow_javascript=True)
    # The element is empty; keep it from taking a line in the sidebar.
    st.html("<style>.st-key-pl_history_guard{display:none}</style>")


def _sync_widget(key: str, value: str | None, options: list) -> None:
    """Before a bound picker is drawn, point it at the session's truth."""
    if value in options:
        st.session_state[key] = value
    elif key in st.session_state and st.session_state[key] not in options:
        st.session_state[key] = None


def _fmt_time(value: dt.datetime) -> str:
    return value.astimezone().strftime("%d %b %H:%M")


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


def _run_label(summary) -> str:
    """A saved run in the picker: its size, when it was made and its id (never changes)."""
    return (
        f"{summary.n_segments} segments · made {_fmt_time(summary.created_at)} · {summary.run_id}"
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
        if "Someone else changed" in message:
            # A callback, because the message is shown once: on the rerun the click
            # causes, this button is not drawn again, so an `if st.button(...)` there
            # never saw the click (the run was not reloaded and the unsaved text stayed).
            st.button("Reload the saved run", key="state_reload", on_click=reload_run)
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
            "Workspace",
            ws_options,
            index=None,
            format_func=lambda w: ws_names.get(w, w),
            key="state_ws",
            placeholder="Pick a workspace",
            on_change=_on_pick_workspace,
        )
    else:
        st.caption("Your work is saved here as soon as you save a segmentation.")
    if ws is None:
        return
    datasets = _distinct_labels({d.dataset_id: d.source_name for d in s.list_datasets(ws)})
    ds = current_dataset()
    if datasets:
        _sync_widget("state_ds", ds.dataset_id, list(datasets))
        st.selectbox(
            "Dataset",
            list(datasets),
            index=None,
            format_func=lambda d: datasets.get(d, d),
            key="state_ds",
            placeholder="Bundled sample",
            on_change=_on_pick_dataset,
        )
    run = current_run()  # resolves ?run= before the bound picker may rewrite it
    runs = {r.run_id: r for r in s.list_runs(ws, ds.dataset_id)}
    if runs:
        _sync_widget("state_run", run.run_id if run is not None else None, list(runs))
        st.selectbox(
            "Saved segmentation",
            list(runs),
            index=None,
            format_func=lambda r: _run_label(runs[r]),
            key="state_run",
            placeholder="Pick a saved run",
            on_change=_on_pick_run,
        )


def _on_pick_workspace() -> None:
    wanted = st.session_state.get("state_ws")
    if wanted:  # a cleared picker keeps the current workspace
        set_workspace(wanted)


def _on_pick_dataset() -> None:
    wanted = st.session_state.get("state_ds")
    s, ws = store(), workspace_id()
    if not wanted or s is None or ws is None:
        return
    record = s.get_dataset(ws, wanted)
    if record is None:
        return
    try:
        set_current_dataset(_open_saved_dataset(record.path))
    except DataError as exc:
        _notice(str(exc))


def _on_pick_run() -> None:
    wanted = st.session_state.get("state_run")
    if wanted:
        load_run(wanted)
