"""The connection to the app store, shared by every session of the server process."""

from __future__ import annotations

import streamlit as st

from core.i18n import tr
from core.store import Store, StoreError, open_store
from ui.common.session import notify

__all__ = ["cached_store", "store"]


def _configured_store_url() -> str | None:
    """``[database] url`` from secrets (the environment variable is read by core.config)."""
    try:
        return str(st.secrets["database"]["url"])
    except Exception:
        return None


@st.cache_resource(show_spinner=False)
def cached_store(url: str | None) -> Store:
    """The migrated store for ``url`` (None: the default), opened once per process."""
    return open_store(url)


def store() -> Store | None:
    """The app store, or None when it cannot be reached (work then stays in this tab)."""
    try:
        return cached_store(_configured_store_url())
    except StoreError as exc:
        notify(tr("{problem} Your work is kept in this browser tab only until then.", problem=exc))
        return None
