"""The participant's side of a workshop: joining, their own link, coming back, leaving.

A participant never needs the server's password: the join code (``?join=``) lets them
in once, and afterwards their workspace id in the link (``?ws=``, 128 random bits) is
what brings them back. A cookie remembers that link in this browser, so a new tab at
the plain address offers to return to it; "Leave this session" forgets the cookie, this
tab's state and the address bar, so the next person at that laptop starts clean.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from core.common.markdown import escape_markdown
from core.errors import DataError
from core.i18n import N_, fmt, tr
from core.store import ENDED, StoreError, WorkshopRecord
from ui.common import auth, language, state
from ui.common.cookies import cookie_script, draw_hidden_script

__all__ = [
    "INVALID_JOIN",
    "ENDED",
    "RETURN_COOKIE",
    "join_code",
    "render_join_screen",
    "participant_tab",
    "render_ended",
    "left_tab",
    "render_left",
    "return_offer",
    "participant_sidebar",
    "welcome",
]

#: Shown with ``tr(INVALID_JOIN)``.
INVALID_JOIN = N_(
    "This workshop link does not work: the workshop has ended or the link is not complete. "
    "Ask the facilitator for the current link or QR code."
)
RETURN_COOKIE = "personalab_workspace"
_LEFT_KEY = "_pl_workshop_left"  # this tab pressed "Leave this session"
_FORGET_KEY = "_pl_workshop_forget"  # the return cookie must be deleted on this drawing
_WELCOME_KEY = "_pl_workshop_welcome"  # show the participant's link once, on the first page
_DECLINED_KEY = "_pl_workshop_declined"  # "I am someone else": no more offers in this tab


def join_code() -> str | None:
    """The join code in the address bar (``?join=``), if any."""
    return state.query_param(state.JOIN_PARAM)


def _workshop_for_code(code: str) -> WorkshopRecord | None:
    """The open workshop of a join code; failed look-ups are counted and slowed down."""
    s = state.store()
    return auth.checked_slowly(lambda: s.resolve_join_code(code) if s is not None else None)


def render_join_screen(code: str) -> None:
    """The whole page for a join link: the workshop's name and a display-name form."""
    workshop = _workshop_for_code(code)
    st.title(tr("PersonaLab workshop"))
    if workshop is None:
        st.error(tr(INVALID_JOIN))
        return
    st.subheader(tr("Join “{workshop}”", workshop=escape_markdown(workshop.name)))
    data = workshop.dataset_name or tr(state.SAMPLE_LABEL)
    st.write(
        tr(
            "Type the name the facilitator will see next to your work. You get a workspace "
            "of your own with **{data}** loaded; nobody else can change it.",
            data=escape_markdown(data),
        )
    )
    with st.form("workshop_join_form"):
        name = st.text_input(tr("Your display name"), max_chars=60, key="workshop_join_name")
        submitted = st.form_submit_button(tr("Join the workshop"), type="primary")
    if not submitted:
        return
    s = state.store()
    try:
        if s is None:
            raise DataError(
                tr(
                    "The workshop cannot be joined right now (its database does not answer); "
                    "try again in a minute or tell the facilitator."
                )
            )
        participant = s.join_workshop(workshop.id, name)
    except (DataError, StoreError) as exc:
        st.error(escape_markdown(exc))
        return
    state.clear_tab()  # nothing of a previous visitor of this tab carries over
    _enter(workshop, participant.workspace_id, participant.display_name, first=True)
    st.session_state[_WELCOME_KEY] = True
    st.rerun()


def _enter(workshop: WorkshopRecord, ws: str, name: str, *, first: bool = False) -> None:
    """Make this tab the participant's: their workspace, their workshop's dataset."""
    state.enter_participant_workspace(
        {
            "workshop_id": workshop.id,
            "workshop_name": workshop.name,
            "workspace_id": ws,
            "name": name,
            "expires_on": workshop.expires_on.isoformat(),
        }
    )
    if workshop.dataset_path and (first or not state.query_param(state.DS_PARAM)):
        try:
            state.set_current_dataset(state.open_saved_dataset(workshop.dataset_path))
        except DataError:
            state.notify(
                tr(
                    "The facilitator's dataset is no longer on this server; you are working "
                    "on the bundled sample. Tell the facilitator."
                )
            )
    st.session_state.pop(_LEFT_KEY, None)
    state.sync_url()


def participant_tab() -> str | None:
    """Whether this tab is a workshop participant's: ``open``, ``ended`` or None.

    A tab becomes a participant's when it joined, or when its link (``?ws=``) names a
    participant's workspace. Every run checks that the workshop is still open, so a tab
    left open past the last day stops showing the work.
    """
    s = state.store()
    if s is None:
        return None
    ws = state.participant_workspace()
    if ws is None:
        wanted = state.query_param(state.WS_PARAM)
        if not wanted or st.session_state.get(state.WS_KEY):
            return None
        ws = wanted
    participant = s.participant(ws)
    if participant is None:
        return None
    workshop = s.get_workshop(participant.workshop_id)
    if workshop is None or not participant.display_name or not workshop.open_on(dt.date.today()):
        state.clear_tab()
        st.session_state[_FORGET_KEY] = True
        return "ended"
    if state.participant_workspace() is None:
        _enter(workshop, ws, participant.display_name)
    return "open"


def render_ended() -> None:
    """The whole page for a participant link of a workshop that ended: one sentence."""
    st.title(tr("PersonaLab workshop"))
    st.info(tr(ENDED))
    _forget_cookie()


def left_tab() -> bool:
    """True after this tab pressed "Leave this session" (until someone joins again)."""
    return bool(st.session_state.get(_LEFT_KEY))


def render_left() -> None:
    """The page after leaving: nothing of the previous person, and how to come back."""
    st.title(tr("PersonaLab workshop"))
    st.success(tr("You have left the workshop. This browser tab is ready for the next person."))
    st.write(
        tr(
            "Your work stays in the workshop until it ends: open the link you copied (or "
            "scan the facilitator's QR code again and join under a new name)."
        )
    )
    _forget_cookie()


def _cookie_script(value: str, max_age: int) -> str:
    """A script that sets (max_age > 0) or deletes the return cookie of this app."""
    return cookie_script(RETURN_COOKIE, value, max_age)


def _draw_script(body: str) -> None:
    """Draw a script in a hidden element (it takes no line on the page)."""
    draw_hidden_script(body, "pl_workshop_cookie")


def _forget_cookie() -> None:
    """Delete the return cookie in this browser."""
    _draw_script(_cookie_script("", 0))


def _remember_cookie(ws: str, expires_on: str) -> None:
    """Keep the participant's workspace in a cookie until the workshop's last day ends."""
    end = dt.datetime.combine(dt.date.fromisoformat(expires_on), dt.time.max).astimezone()
    seconds = int((end - dt.datetime.now().astimezone()).total_seconds())
    if seconds > 0:
        _draw_script(_cookie_script(ws, seconds))


def return_offer() -> bool:
    """At the plain address, offer to go back to this browser's workshop work.

    Returns True when the offer is shown (the caller stops the script): the cookie names
    the workspace of a participant of an open workshop and the address names none.
    """
    if st.session_state.pop(_FORGET_KEY, False):
        _forget_cookie()
    if st.session_state.get(_DECLINED_KEY) or left_tab():
        return False
    if state.query_param(state.WS_PARAM) or st.session_state.get(state.WS_KEY):
        return False
    try:
        ws = str(st.context.cookies.get(RETURN_COOKIE) or "")
    except Exception:
        return False
    s = state.store()
    participant = s.participant(ws) if (ws and s is not None) else None
    workshop = s.get_workshop(participant.workshop_id) if participant else None
    if workshop is None or not participant.display_name or not workshop.open_on(dt.date.today()):
        return False
    language.switch(where="main")
    st.title(tr("PersonaLab workshop"))
    st.info(
        tr(
            "This browser was last used by **{name}** in the workshop “{workshop}”. The "
            "plain address always opens an empty workspace; your work lives at your own "
            "link, and the button below opens it.",
            name=escape_markdown(participant.display_name),
            workshop=escape_markdown(workshop.name),
        )
    )
    row = st.container(horizontal=True)
    if row.button(tr("Return to my work"), type="primary", key="workshop_return"):
        st.query_params[state.WS_PARAM] = ws
        st.rerun()
    if row.button(tr("I am someone else"), key="workshop_not_me"):
        st.session_state[_DECLINED_KEY] = True
        st.session_state[_FORGET_KEY] = True
        st.rerun()
    return True


def welcome() -> None:
    """Once, right after joining: the participant's own link in the page itself.

    The sidebar shows it on every page, but a phone keeps the sidebar folded away, so the
    first page says it where everybody sees it.
    """
    participant = state.participant_info()
    if participant is None or not st.session_state.pop(_WELCOME_KEY, False):
        return
    st.success(
        tr(
            "Welcome, {name}. Your work lives at this link: copy it (button on the right) "
            "or bookmark this page to come back from any tab. The menu (top left) has it "
            "too, and “Leave this session”.",
            name=escape_markdown(participant["name"]),
        )
    )
    st.code(state.workspace_link(participant["workspace_id"]), language=None, wrap_lines=True)


def participant_sidebar() -> None:
    """Sidebar of a participant's tab: who and where they are, their link, and leaving."""
    participant = state.participant_info()
    if participant is None:
        return
    with st.container(border=True):
        st.markdown(
            tr(
                "**{name}** · workshop “{workshop}”",
                name=escape_markdown(participant["name"]),
                workshop=escape_markdown(participant["workshop_name"]),
            )
        )
        st.caption(
            tr(
                "Open until {day}; then your work is deleted.",
                day=fmt.date(dt.date.fromisoformat(participant["expires_on"])),
            )
        )
        if st.button(tr("Leave this session"), key="workshop_leave", icon=":material/logout:"):
            state.clear_tab()
            st.session_state[_LEFT_KEY] = True
            st.rerun()
    _remember_cookie(participant["workspace_id"], participant["expires_on"])
