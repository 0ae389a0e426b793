"""The app's language for the running page: ``st.session_state["lang"]`` ("en" or "zh").

:func:`install` (called once per script run by ``app.py``) makes :func:`core.i18n.current`
read it, so ``tr()`` anywhere in the page, the core included, answers in the page's
language. Threads the page starts (heavy jobs) have no page of their own: they run inside
``core.i18n.language(...)`` with the language of the page that started them.

How a tab's language is chosen (:func:`choose`, once per browser session), first match
wins:

1. the language switch in this tab (:func:`switch`; it stays for the whole session);
2. the link's ``lang=`` (permalinks, share links and workshop join links carry the
   language of the person who made them, see :func:`ui.common.session.app_link`);
3. the ``personalab_lang`` cookie: the last choice made with the switch in this browser;
4. ``PERSONALAB_LANG``, when the host set a default language for its visitors;
5. the browser's language (``st.context.locale``, else the ``Accept-Language`` header);
6. English.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core import config, i18n
from core.i18n import tr
from ui.common.cookies import cookie_script, draw_hidden_script

__all__ = [
    "LANG_COOKIE",
    "LANG_KEY",
    "LANG_PARAM",
    "CHOSEN_KEY",
    "SWITCH_KEY",
    "accept_language",
    "browser_language",
    "choose",
    "install",
    "page_language",
    "resolve",
    "switch",
]

#: Session-state key of the page's language, and the link parameter that carries it.
LANG_KEY = "lang"
LANG_PARAM = "lang"
#: The cookie that remembers the switch in this browser.
LANG_COOKIE = "personalab_lang"
#: How long the browser remembers the switch: a year, in seconds.
COOKIE_SECONDS = 365 * 24 * 3600
CHOSEN_KEY = "_pl_lang_chosen"  # the language picked with this tab's switch
SWITCH_KEY = "pl_lang_switch"  # the switch widget


def page_language() -> str | None:
    """The running page's language, or None outside a page run (a worker thread)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    return i18n.normalize(st.session_state.get(LANG_KEY))


def install() -> None:
    """Make the core's ``tr()`` follow the page's language."""
    i18n.set_resolver(page_language)


def accept_language(header: object) -> str | None:
    """The first language PersonaLab speaks in an ``Accept-Language`` header, by weight.

    Parameters
    ----------
    header : str
        E.g. ``"fr-CH, zh-CN;q=0.9, en;q=0.8"``.

    Returns
    -------
    str or None
        ``"zh"`` or ``"en"``, or None when the header names neither (or is not text).
    """
    if not isinstance(header, str):
        return None
    ranked = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        code = i18n.normalize(tag)
        if code and weight > 0:
            ranked.append((-weight, position, code))
    return min(ranked)[2] if ranked else None


def browser_language() -> str | None:
    """The visitor's browser language, when it is one PersonaLab speaks (else None)."""
    try:
        found = i18n.normalize(st.context.locale)
        if found:
            return found
        return accept_language(st.context.headers.get("Accept-Language"))
    except Exception:  # no browser (a bare test run)
        return None


def resolve(
    *,
    chosen: object = None,
    link: object = None,
    cookie: object = None,
    configured: object = None,
    browser: object = None,
) -> str:
    """The language a tab shows, from what it knows, in the order of the module notes.

    Parameters
    ----------
    chosen : str, optional
        The language picked with this tab's switch.
    link : str, optional
        The link's ``lang=``.
    cookie : str, optional
        The browser's remembered choice.
    configured : str, optional
        The host's default (``PERSONALAB_LANG``).
    browser : str, optional
        The browser's language.

    Returns
    -------
    str
        A language code of :data:`core.i18n.LANGUAGES`; unknown values are skipped.
    """
    for value in (chosen, link, cookie, configured, browser):
        code = i18n.normalize(value)
        if code:
            return code
    return i18n.DEFAULT_LANGUAGE


def _cookie() -> str | None:
    """The language cookie this browser sent, if any."""
    try:
        return st.context.cookies.get(LANG_COOKIE)
    except Exception:
        return None


def _link() -> str | None:
    """The address bar's ``lang=``, if any."""
    try:
        return st.query_params.get(LANG_PARAM)
    except Exception:
        return None


def choose() -> str:
    """The tab's language, decided on its first run (see the module notes) and kept.

    A language already in session state (the switch, or a test that set it) stands.
    """
    code = i18n.normalize(st.session_state.get(LANG_KEY))
    if code is None:
        code = resolve(
            chosen=st.session_state.get(CHOSEN_KEY),
            link=_link(),
            cookie=_cookie(),
            configured=config.default_language(),
            browser=browser_language(),
        )
        st.session_state[LANG_KEY] = code
    return code


def _on_switch() -> None:
    """Callback of the switch: the new language for this tab, the link and this browser."""
    picked = i18n.normalize(st.session_state.get(SWITCH_KEY))
    if picked is None:  # the control was clicked off: keep the language shown
        st.session_state[SWITCH_KEY] = choose()
        return
    st.session_state[LANG_KEY] = picked
    st.session_state[CHOSEN_KEY] = picked
    try:
        if LANG_PARAM in st.query_params:  # a reload keeps the viewer's own choice
            st.query_params[LANG_PARAM] = picked
    except Exception:  # no address bar (a bare test run)
        pass


def switch(*, where: str = "sidebar") -> None:
    """The English / 简体中文 switch; a change reruns the page in the other language.

    Widgets keep their values (they are keyed), and so do the dataset and the run. The
    choice is remembered in this browser by a cookie.

    Parameters
    ----------
    where : {"sidebar", "main"}
        ``"main"`` draws it at the top right of the page, for the screens that have no
        sidebar (login, share view, workshop join).
    """
    current = choose()
    st.session_state[SWITCH_KEY] = current
    box = st.sidebar if where == "sidebar" else st.container(horizontal_alignment="right")
    with box:
        st.segmented_control(
            # Not translated: a visitor who reads only one of the two finds theirs.
            "English / 简体中文",
            list(i18n.LANGUAGES),
            format_func=lambda code: i18n.LANGUAGE_NAMES[code],
            key=SWITCH_KEY,
            required=True,
            label_visibility="collapsed",
            on_change=_on_switch,
            help=tr("The language of PersonaLab in this browser"),
        )
        chosen = i18n.normalize(st.session_state.get(CHOSEN_KEY))
        if chosen:  # drawn on every run: the script runs once per new value
            draw_hidden_script(cookie_script(LANG_COOKIE, chosen, COOKIE_SECONDS), "pl_lang_cookie")
