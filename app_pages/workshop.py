"""Workshop page (facilitators): start a session, show the join QR code, read the board."""

from __future__ import annotations

import streamlit as st

from core.common.markdown import escape_markdown
from core.i18n import fmt, ntr, tr
from ui import workshop
from ui.common import auth, state

s = state.store()
if s is None:
    st.title(tr("Workshop"))
    st.error(
        tr(
            "Workshops need the saved-work database, which does not answer right now; try "
            "again in a minute or ask the person who runs PersonaLab."
        )
    )
    st.stop()

# Ended workshops are cleaned up whenever a facilitator opens the board.
workshop.sweep(s)

if workshop.presenting():
    workshop.present_view(s)
    st.stop()

st.title(tr("Workshop"))
st.caption(
    tr(
        "Run a persona workshop: everyone in the room joins with a link or QR code, gets a "
        "workspace of their own with the data loaded, and saves a segmentation; this board "
        "shows every saved set side by side and how far they agree."
    )
)
owner = auth.owner()
current = workshop.pick_workshop(s, owner)
with st.expander(tr("Start a new workshop"), expanded=current is None, icon=":material/add:"):
    workshop.create_form(s, owner)
if current is None:
    st.info(tr("No workshop is open. Start one above: give it a name and its last day."))
    st.stop()

workshop.join_panel(s, current)
st.divider()
workshop.board(s, current)
st.divider()
with st.expander(tr("End this workshop now"), icon=":material/event_busy:"):
    st.write(
        tr(
            "Ending “{workshop}” stops the join link and every participant's link at once "
            "and deletes their work. Otherwise this happens after {day}.",
            workshop=escape_markdown(current.name),
            day=fmt.date(current.expires_on, "long"),
        )
    )
    sure = st.checkbox(tr("Yes, delete the participants' work now"), key="workshop_end_sure")
    if st.button(tr("End the workshop"), key="workshop_end", disabled=not sure, type="primary"):
        s.end_workshop(current.id)
        result = workshop.sweep(s)
        state.notify(
            ntr(
                "The workshop ended: {n} participant workspace was deleted.",
                "The workshop ended: {n} participant workspaces were deleted.",
                result.workspaces,
                n=fmt.number(result.workspaces),
            )
        )
        st.rerun()
