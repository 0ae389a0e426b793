"""Read-only share links: ``?share=<token>`` opens one saved run, nothing else.

A shared viewer sees that run's persona deck (:mod:`ui.share.deck`): every persona with
its traits, KPIs, value and actions, the segment sizes and the map, and the PDF deck.
There is no upload, no editing, no navigation to other pages and no other workspace:
``app.py`` routes a request carrying ``share`` to :func:`render_shared_view` alone.
Tokens are 256-bit random strings; the store keeps only their SHA-256 and compares with
``hmac.compare_digest``. Failed look-ups are counted per client and slowed down, so
guessing is hopeless and enumeration is not possible.
"""

from __future__ import annotations

import streamlit as st

from core.i18n import N_, fmt, tr
from ui.common import auth, state
from ui.share.deck import render_deck

_LAST_LINK_KEY = "_pl_share_last"
#: Shown with ``tr(INVALID_LINK)``.
INVALID_LINK = N_(
    "This share link is not valid, or it was revoked. Ask the person who sent it for a new link."
)


def share_token() -> str | None:
    """The ``share`` token in the URL, if any."""
    try:
        value = st.query_params.get(state.SHARE_PARAM)
    except Exception:
        return None
    return str(value) if value else None


def share_url(token: str) -> str:
    """The absolute link for a token, on this server (respects server.baseUrlPath).

    It carries the sharer's language (``lang=``): the deck opens in it until the viewer
    switches (the viewer's switch changes nothing for the sharer).
    """
    return state.app_link(**{state.SHARE_PARAM: token})


# --- the owner's side: create and revoke ----------------------------------------------------


def share_controls() -> None:
    """Sidebar: make a read-only link to the current run, list and revoke links."""
    s = state.store()
    run = state.current_run()
    ws = state.workspace_id()
    if s is None or run is None or ws is None or not run.version:
        return
    with st.expander(tr("Share this segmentation"), icon=":material/share:"):
        st.caption(
            tr(
                "Anyone with the link can see these personas and experiment results, "
                "read-only. They cannot see your other work or change anything. It opens "
                "in the language you use now."
            )
        )
        if st.button(tr("Create a read-only link"), key="share_create"):
            token, link = s.create_share_link(ws, run.run_id)
            st.session_state[_LAST_LINK_KEY] = (link.id, share_url(token))
        last = st.session_state.get(_LAST_LINK_KEY)
        links = [x for x in s.list_share_links(ws, run.run_id) if x.active]
        if last and any(x.id == last[0] for x in links):
            st.caption(tr("Copy this link now; it is shown only once:"))
            st.code(last[1], language=None)
        for link in links:
            cols = st.columns([3, 2])
            made = fmt.datetime(link.created_at.astimezone(), "short")
            cols[0].caption(tr("Link made {time}", time=made))
            if cols[1].button(tr("Revoke"), key=f"share_revoke_{link.id}"):
                s.revoke_share_link(ws, link.id)
                st.session_state.pop(_LAST_LINK_KEY, None)
                st.rerun()


# --- the viewer's side ----------------------------------------------------------------------


def render_shared_view(token: str | None = None) -> None:
    """The whole page for a share link: the run's persona deck, nothing editable.

    An unknown, revoked or forged token gets one sentence (:data:`INVALID_LINK`) and
    nothing of anyone's data; failed look-ups are counted per client and slowed down.
    """
    token = token or share_token()
    s = state.store()

    def _resolve():
        """The link of a token whose run still exists, or None."""
        link = s.resolve_share_token(token) if (s is not None and token) else None
        return link if link and s.get_run(link.workspace_id, link.run_id) else None

    link = auth.checked_slowly(_resolve)
    if link is None:
        st.title("PersonaLab")
        st.error(tr(INVALID_LINK))
        return
    st.title(tr("Shared personas"))
    render_deck(s, link.workspace_id, link.run_id)
    st.caption(tr("This link shows one saved segmentation only. Nothing here can be changed."))
