"""Data: pick the sample or upload a file, map its columns, load it, read the report."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from core import config
from core.common.markdown import escape_markdown
from core.data import PrivacyOptions, ingest, preview_source
from core.errors import DataError
from core.i18n import N_, fmt, tr
from core.i18n import current as current_language
from core.i18n import language as in_language
from ui.common import jobs, state
from ui.data import labeller, mapping_rows, overrides, problem_text, render_report

FILE_TYPES = ["csv", "tsv", "txt", "xlsx", "parquet", "jsonl"]
#: Session key of the last failed load: its message and the column to fix.
FIX_KEY = "data_fix"
LOADED_KEY = "data_loaded"
PRIVACY_LABELS = {
    "hash": N_("Replace them with a secret code (keeps them usable to link rows)"),
    "drop": N_("Remove them completely"),
}
#: The choices of the source radio (kept in session state as these English keys).
SAMPLE = N_("Bundled sample")
UPLOAD = N_("Upload my own file")


@st.cache_data(show_spinner=tr("Reading the first rows..."), max_entries=8)
def _preview(path: str, name: str) -> pd.DataFrame:
    # Untranslated data (the file's own rows); a refused file raises and is not cached.
    return preview_source(Path(path), name, n=5)


def _token(path: str) -> str:
    """A short key for a file: its path (uploads get a folder each, so it is unique)."""
    return hashlib.sha256(path.encode()).hexdigest()[:8]


def _uploaded(key: str, label: str, help_text: str):
    """(path on disk, name) of an upload, or None; too-big files raise DataError.

    The upload is copied to this session's folder once (``state.save_upload``) and
    everything after reads that file, never the upload's bytes again.
    """
    up = st.file_uploader(label, type=FILE_TYPES, key=key, help=help_text)
    if up is None:
        return None
    state.check_upload_size(up.size)
    return str(state.save_upload(up)), up.name


def _pick_source():
    """The chosen events and users inputs as ((data, name), (data, name) | None)."""
    choice = st.radio(
        tr("Data to use"),
        [SAMPLE, UPLOAD],
        format_func=labeller(tr),
        horizontal=True,
        key="data_source",
        help=tr("The sample is a made-up brand's followers; your own file stays on this server."),
    )
    if choice == SAMPLE:
        folder = config.sample_dir()
        users = folder / "users.csv"
        return (str(folder / "events.csv"), "events.csv"), (
            (str(users), "users.csv") if users.is_file() else None
        )
    st.caption(
        tr(
            "One row per interaction: who, when and what (view, like, comment, share, "
            "purchase...). CSV/TSV in UTF-8 or GBK, Excel .xlsx, Parquet or JSON lines. Column "
            "names in English or Chinese are recognised; you can correct the mapping below."
        )
    )
    events = _uploaded("data_events_file", tr("Events file"), state.upload_help())
    users = _uploaded(
        "data_users_file",
        tr("Users file (optional: one row per user with age, gender, region...)"),
        state.upload_help(),
    )
    return events, users


def _inputs_token(events, users) -> str:
    return _token(events[0]) + (_token(users[0]) if users else "")


def _show_problem(exc: DataError, events, users) -> None:
    """Keep a failed load's reason and column for the next run, and start it."""
    st.session_state[FIX_KEY] = {
        "token": _inputs_token(events, users),
        "message": problem_text(exc),
        "kind": exc.kind,
        "column": exc.column,
    }
    st.rerun()


def _load(events, users, ev_over, us_over, action, drop_duplicates=False) -> None:
    """Ingest with progress, then run the page again to show the outcome.

    On success the dataset becomes the current one (``LOADED_KEY`` holds the message).
    On bad input nothing changes; the reason is kept for the next run, which shows it
    above the mapping form with the column to fix framed (``FIX_KEY``).
    """
    lang = current_language()  # the load runs in a worker thread: it speaks the page's language

    def load(memory_mb: int):
        with in_language(lang):
            return ingest(
                Path(events[0]),
                source_name=events[1],
                users_source=Path(users[0]) if users else None,
                users_name=users[1] if users else None,
                mapping=ev_over,
                users_mapping=us_over,
                privacy=PrivacyOptions(action=action),
                drop_duplicates=drop_duplicates,
                memory_mb=memory_mb,
            )

    with st.status(tr("Loading your data..."), expanded=True) as status:
        st.write(tr("Reading the file, recognising columns, checking every row..."))
        try:
            dataset = jobs.run_ingest(
                events[0],
                events[1],
                load,
                users_path=users[0] if users else None,
            )
        except DataError as exc:
            status.update(label=tr("The data could not be loaded"), state="error")
            _show_problem(exc, events, users)
        st.write(tr("Protecting personal data and saving..."))
        status.update(label=tr("Data loaded"), state="complete", expanded=False)
    state.set_current_dataset(dataset)
    st.session_state[LOADED_KEY] = tr(
        "Loaded {events} events from {users} users. The other pages now use this dataset.",
        events=fmt.number(dataset.report.rows_loaded),
        users=fmt.number(dataset.report.users),
    )
    st.rerun()  # draw the form again without the last failure's message and frame


st.title(tr("Data"))
st.markdown(
    tr(
        "Bring your own social-media export, check how PersonaLab reads it, and keep it for "
        "the other pages. Nothing is saved until you press **Load dataset**."
    )
)

source_error = False
try:
    events, users = _pick_source()
    ev_preview = _preview(events[0], events[1]) if events else None
    us_preview = _preview(users[0], users[1]) if users else None
except DataError as exc:
    st.error(escape_markdown(exc))  # the one message; the loaded dataset stays as it was
    events = users = ev_preview = us_preview = None
    source_error = True

if events is not None and ev_preview is not None:
    st.subheader(tr("Match your columns"))
    st.caption(
        tr(
            "Each column of your file, its first values, and what PersonaLab will use it as. "
            "User id, time and event type are required."
        )
    )
    fix = st.session_state.get(FIX_KEY) or {}
    if fix and fix["token"] != _inputs_token(events, users):
        fix = st.session_state[FIX_KEY] = {}  # other files: the old problem is gone
    if fix:
        st.error(escape_markdown(fix["message"]))
    with st.form("data_mapping_form"):
        ev_choice = mapping_rows(
            ev_preview,
            "events",
            _token(events[0]),
            fix_column=fix.get("column") if fix.get("kind") == "events" else None,
        )
        us_choice = {}
        if us_preview is not None:
            st.markdown("**" + tr("Users file") + "**")
            us_choice = mapping_rows(
                us_preview,
                "users",
                _token(users[0]),
                fix_column=fix.get("column") if fix.get("kind") == "users" else None,
            )
        action = st.radio(
            tr("Columns with personal data (names, emails, phone or ID numbers)"),
            list(PRIVACY_LABELS),
            format_func=labeller(lambda key: tr(PRIVACY_LABELS[key])),
            key="data_privacy",
            help=tr("Detected by column name and by content, before anything is saved."),
        )
        drop_duplicates = st.checkbox(
            tr("Remove exact duplicate rows"),
            key="data_drop_duplicates",
            help=tr(
                "Off: rows repeated exactly are counted in the report and kept, since two "
                "identical orders can both be real. On: only the first of each is kept."
            ),
        )
        submitted = st.form_submit_button(tr("Load dataset"), type="primary")
    if submitted:
        st.session_state[FIX_KEY] = {}
        try:
            ev_over = overrides(ev_preview, "events", ev_choice)
            us_over = overrides(us_preview, "users", us_choice) if us_choice else {}
        except DataError as exc:
            _show_problem(exc, events, users)
        else:
            _load(events, users, ev_over, us_over, action, drop_duplicates)
    if loaded := st.session_state.pop(LOADED_KEY, None):
        st.success(loaded)
elif events is None and not source_error and st.session_state.get("data_source") == UPLOAD:
    st.info(tr("Upload an events file to see its columns and load it."))

st.divider()
try:
    current = state.current_dataset()
except DataError as exc:
    st.error(escape_markdown(exc))
    st.stop()
render_report(current, label=state.dataset_label(current))
