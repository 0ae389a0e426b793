"""Personas page: activate the personas (every user with their persona, audience lists)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd
import streamlit as st

from core import export, i18n
from core.common.markdown import escape_markdown
from core.errors import DataError
from core.i18n import N_, ntr, tr
from core.i18n import fmt as fmt_
from ui.common import state

_FORMAT_LABELS = {"csv": "CSV", "xlsx": N_("Excel (.xlsx)"), "parquet": "Parquet"}


def _format_label(key: str) -> str:
    """A file format as the picker shows it."""
    label = _FORMAT_LABELS.get(key, key)
    return tr(label)


def _assigned_at(run) -> dt.datetime:
    """When the run's segments were saved (the store's last save, else the run's date)."""
    s, ws = state.store(), state.workspace_id()
    record = s.get_run(ws, run.run_id) if (s is not None and ws is not None) else None
    if record is not None:
        return record.updated_at
    return dt.datetime.fromisoformat(run.created_at)


def _zip(files: dict[str, bytes]) -> bytes:
    """The audience files in one ZIP archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def render_activation(run, dataset, cards: list, names: dict) -> None:
    """Downloads for acting on the personas: the activation file and audience lists.

    Parameters
    ----------
    run : ui.common.Run
        The saved run.
    dataset : core.data.Dataset
        Its dataset (for the user attributes and the load report).
    cards : list of Persona
        The cards shown on the page (their automatic names).
    names : dict
        The user's names per segment.
    """
    shown = {c.segment: names.get(c.segment) or c.name for c in cards}
    try:
        table = export.activation_table(run.labels, shown, run.run_id, _assigned_at(run))
    except DataError as exc:
        st.error(escape_markdown(exc))
        return
    cols = st.columns([1, 2])
    fmt = cols[0].selectbox(
        tr("File format"),
        list(export.ACTIVATION_FORMATS),
        format_func=_format_label,
        key="personas_act_format",
    )
    mime, suffix = export.ACTIVATION_FORMATS[fmt]
    if fmt == "xlsx" and len(table) > export.EXCEL_MAX_USERS:
        cols[1].error(
            tr(
                "{users} users do not fit on one Excel sheet ({rows} rows at most); "
                "choose CSV or Parquet.",
                users=fmt_.number(len(table)),
                rows=fmt_.number(export.EXCEL_MAX_USERS),
            )
        )
    else:
        cols[1].download_button(
            ntr(
                "Every user with their persona ({n} row)",
                "Every user with their persona ({n} rows)",
                len(table),
                n=fmt_.number(len(table)),
            ),
            # written on click, in the background: a large Excel file takes a while
            lambda: export.activation_bytes(table, fmt),
            file_name=f"personas_{run.run_id}{suffix}",
            mime=mime,
            key="personas_dl_activation",
            on_click="ignore",
            icon=":material/download:",
            help=tr("user_id, segment, persona, run_id and assigned_at (UTC), one row per user."),
        )
    st.markdown(tr("**Audience lists for ad platforms**"))
    st.caption(
        tr(
            "One file per persona with the SHA-256 of each member's normalised e-mail and "
            "phone, the form Meta, Google and TikTok customer lists accept. Raw contacts never "
            "leave this page; columns the privacy option hashed or removed on upload are never "
            "used."
        )
    )
    if not st.toggle(tr("Prepare audience lists"), key="personas_act_on"):
        return
    up, region_col = st.columns([3, 1])
    upload = up.file_uploader(
        tr("Contacts file (optional): user_id with e-mail and/or phone, used for this export only"),
        type=["csv", "tsv", "txt", "xlsx", "parquet", "jsonl"],
        key="personas_act_contacts",
        help=tr(
            "Not stored. Without it, the e-mail and phone columns of your users file are used."
        ),
    )
    region = region_col.text_input(
        tr("Phone region"),
        value=export.DEFAULT_PHONE_REGION,
        max_chars=2,
        key="personas_act_region",
        help=tr(
            "Country of phone numbers written without a country code (CN reads "
            "138 1234 5678 as +86 138 1234 5678)."
        ),
    )
    report = getattr(dataset, "report", None)
    try:
        if upload is not None:
            state.check_upload_size(upload.size)
        with st.spinner(tr("Hashing e-mails and phone numbers...")):
            files, members = _audiences(
                dataset.dataset_id,
                f"{run.run_id}@{run.version}",
                tuple(sorted(shown.items())),
                region,
                i18n.current(),
                (upload.name, upload.getvalue()) if upload is not None else None,
                tuple(getattr(report, "privacy_actions", ()) or ()),
                int(getattr(report, "user_rows", 0) or 0),
                table,
                state.dataset_engine(),
            )
    except DataError as exc:
        st.info(escape_markdown(exc))
        return
    st.download_button(
        tr(
            "Audience lists (ZIP: {files} files, {members} members with a contact)",
            files=fmt_.number(len(files)),
            members=fmt_.number(members),
        ),
        _zip(files),
        file_name=f"audiences_{run.run_id}.zip",
        mime="application/zip",
        key="personas_dl_audiences",
        on_click="ignore",
        icon=":material/campaign:",
    )


@st.cache_data(max_entries=4, show_spinner=False)
def _audiences(
    dataset_id: str,
    run_key: str,
    shown: tuple,
    region: str,
    lang: str,
    upload: tuple | None,
    actions: tuple,
    user_rows: int,
    _table: pd.DataFrame,
    _engine,
) -> tuple[dict[str, bytes], int]:
    """Audience files per persona and the member count (cached by their inputs and the
    language of their error sentences)."""
    with i18n.language(lang):
        if upload is not None:
            users = export.read_contacts(upload[1], upload[0], privacy_actions=actions)
            source = upload[0]
        else:
            users = export.read_user_attributes(_engine)
            source = (
                tr("Your users file")
                if user_rows
                else tr("This dataset (loaded without a users file)")
            )
        tables = export.audience_tables(
            _table,
            users,
            protected=export.protected_columns(actions),
            region=region,
            source=source,
        )
        return export.audience_files(tables), sum(len(t) for t in tables.values())
