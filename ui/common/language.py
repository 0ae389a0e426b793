"""The app's language for the running page: ``st.session_state["lang"]`` ("en" or "zh").

:func:`install` (called once per script run by ``app.py``) makes :func:`core.i18n.current`
read it, so ``tr()`` anywhere in the page, the core included, answers in the page's
language. Threads the page starts (heavy jobs) have no page of their own: they run inside
``core.i18n.language(...)`` with the language of the page that started them.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core import i18n

__all__ = ["LANG_KEY", "LANG_PARAM", "install", "page_language"]

#: Session-state key of the page's language, and the link parameter that carries it.
LANG_KEY = "lang"
LANG_PARAM = "lang"


def page_language() -> str | None:
    """The running page's language, or None outside a page run (a worker thread)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    return i18n.normalize(st.session_state.get(LANG_KEY))


def install() -> None:
    """Make the core's ``tr()`` follow the page's language."""
    i18n.set_resolver(page_language)
