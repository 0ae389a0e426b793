"""The session's own keys, the saved-run value pages work with, link parameters, notices.

Pages never touch these keys; they call the helpers of :mod:`ui.common.state`. Session
state is only a cache of what is saved in the app store (see :mod:`ui.common.selection`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import urllib.parse
from typing import Any

import pandas as pd
import streamlit as st

from core import i18n
from core.common.markdown import escape_markdown
from core.i18n import N_
from ui.common.language import LANG_PARAM

__all__ = [
    "DATASET_KEY",
    "RUN_KEY",
    "WS_KEY",
    "SAVED_KEY",
    "RUN_CHECKED_KEY",
    "KNOWN_WS_KEY",
    "NOTICE_KEY",
    "TMP_KEY",
    "WS_PARAM",
    "DS_PARAM",
    "RUN_PARAM",
    "SHARE_PARAM",
    "EXPERIMENT_PARAM",
    "SAMPLE_LABEL",
    "PARTICIPANT_KEY",
    "JOIN_PARAM",
    "Run",
    "query_param",
    "notify",
    "notices",
    "notice_offers_reload",
    "app_link",
]

# Session keys of this package (pages use the helpers, never these keys).
DATASET_KEY = "_pl_dataset"
RUN_KEY = "_pl_run"
WS_KEY = "_pl_ws"
SAVED_KEY = "_pl_saved"
RUN_CHECKED_KEY = "_pl_run_checked"
KNOWN_WS_KEY = "_pl_known_ws"
NOTICE_KEY = "_pl_notice"
NOTICE_RELOAD_KEY = "_pl_notice_reload"  # the pending notice offers to reload the run
TMP_KEY = "_pl_tmp"
PARTICIPANT_KEY = "_pl_participant"  # this tab belongs to a workshop participant
# Query-string names (and the keys of the sidebar widgets bound to them).
WS_PARAM, DS_PARAM, RUN_PARAM, SHARE_PARAM = "ws", "ds", "run", "share"
#: A saved experiment on the Experiments page (``?ws=<workspace>&experiment=<id>``).
EXPERIMENT_PARAM = "experiment"
JOIN_PARAM = "join"  # a workshop's join code
#: The bundled sample's name in the store and in pickers (shown with ``tr(SAMPLE_LABEL)``).
SAMPLE_LABEL = N_("Bundled sample")


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


def query_param(name: str) -> str | None:
    """The value of ``?name=`` in the address bar, or None."""
    try:
        value = st.query_params.get(name)
    except Exception:
        return None
    return str(value) if value else None


def notify(message: str, *, offer_reload: bool = False) -> None:
    """Show ``message`` in the sidebar on the next drawing (shown once per run).

    With ``offer_reload`` (someone else changed the run) the sidebar adds a button that
    reloads the saved run.
    """
    st.session_state[NOTICE_KEY] = message
    st.session_state[NOTICE_RELOAD_KEY] = bool(offer_reload)


def notices() -> str | None:
    """The pending storage message (conflict, store down), if any; clears it.

    Escaped for Markdown: it can quote a workspace or dataset name.
    """
    message = st.session_state.pop(NOTICE_KEY, None)
    return escape_markdown(message) if message else None


def notice_offers_reload() -> bool:
    """True once when the notice just shown asked to reload the run; clears the mark."""
    return bool(st.session_state.pop(NOTICE_RELOAD_KEY, False))


def app_link(*, with_language: bool = True, **params: str) -> str:
    """An absolute link to this app with ``params`` as its query string.

    Uses the address the browser opened (``st.context.url``) and the server's
    ``baseUrlPath``; without them (a bare test run) the link starts at ``/``. The link
    carries the page's language (``lang=``) unless ``params`` names one, so whoever opens
    it (a share link, a workshop join link) reads it in the language of the person who
    made it, until they switch. ``with_language=False`` leaves it out.
    """
    params = {**params}
    if with_language:
        params.setdefault(LANG_PARAM, i18n.current())
    base = ""
    try:
        parts = urllib.parse.urlsplit(str(st.context.url or ""))
        if parts.scheme and parts.netloc:
            base = f"{parts.scheme}://{parts.netloc}"
    except Exception:
        pass
    prefix = str(st.get_option("server.baseUrlPath") or "").strip("/")
    path = f"/{prefix}/" if prefix else "/"
    return f"{base}{path}?{urllib.parse.urlencode(params)}" if params else f"{base}{path}"
