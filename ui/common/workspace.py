"""Which workspace this session works in: from the session, the link, or the owner's latest."""

from __future__ import annotations

import contextlib
import datetime as dt

import streamlit as st

from core.i18n import fmt, tr
from core.store import WorkspaceRecord
from ui.common import auth, language
from ui.common.session import (
    DATASET_KEY,
    KNOWN_WS_KEY,
    PARTICIPANT_KEY,
    RUN_CHECKED_KEY,
    RUN_KEY,
    SAVED_KEY,
    WS_KEY,
    WS_PARAM,
    app_link,
    notify,
    query_param,
)
from ui.common.storage import store

#: Session keys :func:`clear_tab` keeps: the tab's language and its switch.
KEPT_KEYS = frozenset({language.LANG_KEY, language.CHOSEN_KEY, language.SWITCH_KEY})

__all__ = [
    "workspace_id",
    "visible_workspaces",
    "set_workspace",
    "participant_workspace",
    "workspace_link",
    "clear_tab",
    "forget_after_leaving",
    "enter_participant_workspace",
    "participant_info",
]


def forget_after_leaving() -> None:
    """After "Leave this session" (password mode), forget the work this tab showed.

    The login screen that follows must not hand the previous person's workspace, dataset
    or run to whoever logs in next at that laptop: the tab's state and the address bar
    are cleared, keeping only the mark that this tab left (its old login cookie stays void).
    """
    if not st.session_state.get(auth._LEFT_KEY):
        return
    if not (WS_KEY in st.session_state or query_param(WS_PARAM)):
        return
    clear_tab()
    st.session_state[auth._LEFT_KEY] = True


def enter_participant_workspace(info: dict) -> None:
    """Make this tab a workshop participant's: ``info["workspace_id"]`` and nothing else.

    ``info`` holds what the sidebar shows (name, workshop name, last day); the tab's
    workspace is then fixed to the participant's (pickers and links cannot change it).
    """
    ws = info["workspace_id"]
    st.session_state[PARTICIPANT_KEY] = dict(info)
    st.session_state[KNOWN_WS_KEY] = [ws]
    st.session_state[WS_KEY] = ws


def participant_info() -> dict | None:
    """What :func:`enter_participant_workspace` stored for this tab, if it is a participant's."""
    info = st.session_state.get(PARTICIPANT_KEY)
    return dict(info) if isinstance(info, dict) else None


def participant_workspace() -> str | None:
    """The workspace of the workshop participant using this tab, if it is one."""
    info = participant_info()
    return info.get("workspace_id") if info else None


def workspace_link(ws: str) -> str:
    """The link that brings a visitor back to workspace ``ws`` from any tab or browser.

    It names no language: it is the visitor's own link, and their own choice (the switch,
    remembered by their browser) applies wherever they open it.
    """
    return app_link(with_language=False, **{WS_PARAM: ws})


def clear_tab() -> None:
    """Forget everything this tab holds (state and address bar): the next person starts clean.

    The tab's language stays: it is how the screen reads, not anybody's work.
    """
    for key in list(st.session_state.keys()):
        if key not in KEPT_KEYS:
            del st.session_state[key]
    with contextlib.suppress(Exception):  # a bare test run has no address bar
        st.query_params.clear()


def workspace_id(create: bool = False) -> str | None:
    """The current workspace id (from this session, the link, or the owner's latest).

    With ``create=True`` a new workspace is made when there is none yet (first save).
    """
    if WS_KEY not in st.session_state:
        st.session_state[WS_KEY] = _resolve_workspace()
    ws = st.session_state[WS_KEY]
    if ws is None and create:
        s = store()
        if s is not None:
            stamp = fmt.datetime(dt.datetime.now(), "short")
            record = s.create_workspace(tr("Workspace {time}", time=stamp), owner=auth.owner())
            ws = record.id
            st.session_state[WS_KEY] = ws
            _remember_workspace(ws)
    return ws


def _remember_workspace(ws: str) -> None:
    """Add ``ws`` to the workspaces this session has opened."""
    known = list(st.session_state.get(KNOWN_WS_KEY, []))
    if ws not in known:
        known.append(ws)
    st.session_state[KNOWN_WS_KEY] = known


def _resolve_workspace() -> str | None:
    """The workspace of the link if the visitor may open it, else the owner's latest."""
    s = store()
    if s is None:
        return None
    if participant_workspace():  # a participant works in their own workspace only
        return participant_workspace()
    wanted = query_param(WS_PARAM)
    if wanted:
        record = s.get_workspace(wanted)
        if record is not None and auth.may_open(record.owner):
            _remember_workspace(record.id)
            return record.id
        notify(
            tr(
                "The workspace in this link does not exist or is not yours; a new one will "
                "be made when you save."
            )
        )
        return None
    if auth.isolated_sessions():
        return None
    mine = s.list_workspaces(auth.owner())
    return mine[0].id if mine else None


def visible_workspaces() -> list[WorkspaceRecord]:
    """Workspaces the visitor may pick: their own (OIDC/local) or this session's (workshop)."""
    s = store()
    if s is None:
        return []
    if participant_workspace():
        record = s.get_workspace(participant_workspace())
        return [record] if record is not None else []
    if auth.isolated_sessions():
        records = [s.get_workspace(w) for w in st.session_state.get(KNOWN_WS_KEY, [])]
        return [r for r in records if r is not None]
    return s.list_workspaces(auth.owner())


def set_workspace(ws: str | None) -> None:
    """Switch workspace: the dataset goes back to the sample and the run is cleared."""
    if ws == st.session_state.get(WS_KEY) or participant_workspace():
        return
    st.session_state[WS_KEY] = ws
    if ws:
        _remember_workspace(ws)
    for key in (DATASET_KEY, RUN_KEY, SAVED_KEY, RUN_CHECKED_KEY):
        st.session_state.pop(key, None)
