"""The facilitator's side of a workshop: start a session, invite the room, read the board.

The facilitator is whoever may use this server as its owner (``ui.common.auth``): the
local user, anyone with the server's password, or the logged-in account. Their sessions
are listed by that owner. Join codes are shown once, when they are made (the store keeps
only their hash); a new code can be made at any time, which ends the old one.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from core.common.markdown import escape_markdown
from core.errors import DataError
from core.i18n import fmt, ntr, tr
from core.store import MAX_WORKSHOP_DAYS, Store, StoreError, WorkshopRecord
from ui.common import state
from ui.share import render_deck
from ui.workshop.data import ParticipantSet, agreement, participant_sets, qr_png

__all__ = [
    "create_form",
    "pick_workshop",
    "join_panel",
    "board",
    "presenting",
    "present_view",
]

_CODES_KEY = "_pl_workshop_codes"  # workshop id -> the join code made in this session
_PICKED_KEY = "workshop_pick"
_PRESENT_KEY = "_pl_workshop_present"  # (workspace id, run id, participant name)


def create_form(store: Store, owner: str) -> None:
    """A form to start a workshop: name, last day, the data participants start with."""
    today = dt.date.today()
    dataset = state.current_dataset()
    # The radio's options are keys; their labels are drawn in the page's language.
    choices = ["sample"] if state.is_sample(dataset) else ["sample", "current"]
    labels = {"sample": tr(state.SAMPLE_LABEL), "current": state.dataset_label(dataset)}
    with st.form("workshop_create_form", border=True):
        name = st.text_input(
            tr("Workshop name"),
            placeholder=tr("e.g. Spring campaign personas"),
            key="workshop_create_name",
        )
        last_day = st.date_input(
            tr("Last day"),
            value=today,
            min_value=today,
            max_value=today + dt.timedelta(days=MAX_WORKSHOP_DAYS),
            help=tr(
                "After this day the join link and every participant's link stop working, "
                "and the participants' work is deleted."
            ),
            key="workshop_create_last_day",
        )
        data = st.radio(
            tr("Participants start with"),
            choices,
            format_func=labels.get,
            horizontal=True,
            key="workshop_create_data",
        )
        submitted = st.form_submit_button(tr("Start the workshop"), type="primary")
    if not submitted:
        return
    chosen = dataset if data == "current" else None
    try:
        code, workshop = store.create_workshop(
            name,
            last_day,
            owner=owner,
            dataset_path=str(chosen.path) if chosen is not None else None,
            dataset_name=state.dataset_label(chosen) if chosen is not None else None,
        )
    except (DataError, StoreError) as exc:
        st.error(escape_markdown(exc))
        return
    st.session_state.setdefault(_CODES_KEY, {})[workshop.id] = code
    st.session_state[_PICKED_KEY] = workshop.id
    st.rerun()


def pick_workshop(store: Store, owner: str) -> WorkshopRecord | None:
    """A picker of the facilitator's open workshops; the one picked."""
    today = dt.date.today()
    open_ones = {w.id: w for w in store.list_workshops(owner) if w.open_on(today)}
    if not open_ones:
        return None
    if st.session_state.get(_PICKED_KEY) not in open_ones:
        st.session_state[_PICKED_KEY] = next(iter(open_ones))
    # made here, in the page's language (a test client calls format_func outside the run)
    labels = {
        w: tr("{workshop} · until {day}", workshop=o.name, day=fmt.date(o.expires_on))
        for w, o in open_ones.items()
    }
    picked = st.selectbox(
        tr("Workshop"),
        list(open_ones),
        format_func=labels.get,
        key=_PICKED_KEY,
    )
    return open_ones.get(picked)


def join_panel(store: Store, workshop: WorkshopRecord) -> None:
    """The join link and its QR code, large enough to scan from a projector."""
    code = st.session_state.get(_CODES_KEY, {}).get(workshop.id)
    if code is None:
        st.info(
            tr(
                "The join code is shown only once, when it is made. Make a new one to show "
                "it again: the old one stops working, people who joined keep their work."
            )
        )
        if st.button(tr("Make a new join code"), key="workshop_new_code"):
            try:
                st.session_state.setdefault(_CODES_KEY, {})[workshop.id] = store.new_join_code(
                    workshop.id
                )
            except (DataError, StoreError) as exc:
                st.error(escape_markdown(exc))
                return
            st.rerun()
        return
    link = state.app_link(**{state.JOIN_PARAM: code})
    left, right = st.columns([3, 2], vertical_alignment="center")
    with left:
        st.markdown("### " + tr("Join “{workshop}”", workshop=escape_markdown(workshop.name)))
        st.write(tr("Scan the code, or open this link and type your name:"))
        st.code(link, language=None, wrap_lines=True)
        st.caption(
            tr(
                "Open until the end of {day}. Anyone with the link can join; nobody can "
                "guess it. It opens in the language you use now.",
                day=fmt.date(workshop.expires_on, "full"),
            )
        )
    with right:
        st.image(qr_png(link), width=420, caption=tr("Scan to join"))


def _participant_card(item: ParticipantSet, key: str) -> None:
    """One participant's set on the board."""
    with st.container(border=True):
        st.markdown(f"#### {escape_markdown(item.name)}")
        if item.run_id is None:
            st.caption(tr("No saved segmentation yet."))
            return
        parts = [
            ntr(
                "{n} persona", "{n} personas", len(item.personas), n=fmt.number(len(item.personas))
            ),
            ntr("{n} user", "{n} users", item.users, n=fmt.number(item.users)),
            tr("saved {time}", time=fmt.datetime(item.saved_at, "short")),
        ]
        if item.dataset_name:
            source = item.dataset_name
            parts.append(escape_markdown(tr(source) if source == state.SAMPLE_LABEL else source))
        st.caption(" · ".join(parts))
        total = max(1, item.users)
        st.markdown(
            "\n".join(
                f"- **{escape_markdown(name)}** · {fmt.number(n)} ({fmt.percent(n / total)})"
                for name, n in item.personas
            )
        )
        if st.button(tr("Present"), key=f"workshop_present_{key}", icon=":material/slideshow:"):
            st.session_state[_PRESENT_KEY] = (item.workspace_id, item.run_id, item.name)
            st.rerun()


def _agreement_chart(ari: pd.DataFrame, shared: pd.DataFrame) -> alt.LayerChart:
    """A heatmap of the ARI matrix with each value written in its cell."""
    names = list(ari.index)
    long = ari.rename_axis(index="a", columns="b").stack(future_stack=True).rename("ari")
    frame = long.reset_index()
    frame["shared"] = [int(shared.loc[a, b]) for a, b in zip(frame["a"], frame["b"], strict=True)]
    frame["label"] = [("–" if pd.isna(v) else f"{v:.2f}") for v in frame["ari"]]
    size = max(300, 110 * len(names))
    base = alt.Chart(frame).encode(
        x=alt.X(
            "b:N",
            sort=names,
            title=None,
            axis=alt.Axis(labelAngle=-30, labelLimit=200, labelFontSize=13),
        ),
        y=alt.Y("a:N", sort=names, title=None, axis=alt.Axis(labelLimit=200, labelFontSize=13)),
        tooltip=[
            alt.Tooltip("a:N", title=tr("Participant")),
            alt.Tooltip("b:N", title=tr("Compared with")),
            alt.Tooltip("ari:Q", title=tr("Agreement (ARI)"), format=".2f"),
            alt.Tooltip("shared:Q", title=tr("Users both segmented"), format=","),
        ],
    )
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color(
            "ari:Q",
            title="ARI",
            scale=alt.Scale(domain=[-0.2, 1], scheme="blues"),
            legend=alt.Legend(orient="right"),
        )
    )
    text = base.mark_text(fontSize=16, fontWeight="bold").encode(
        text="label:N",
        color=alt.condition("datum.ari > 0.6", alt.value("white"), alt.value("#1f2937")),
    )
    # SVG, not canvas: the values are real text (readable by screen readers and tests).
    return (cells + text).properties(
        width=size, height=size, usermeta={"embedOptions": {"renderer": "svg"}}
    )


def board(store: Store, workshop: WorkshopRecord) -> None:
    """Every participant's latest saved set side by side, and how far they agree."""
    sets = participant_sets(store, workshop.id)
    st.subheader(tr("The room's personas ({n} joined)", n=fmt.number(len(sets))))
    st.button(tr("Refresh the board"), key="workshop_refresh", icon=":material/refresh:")
    if not sets:
        st.info(
            tr(
                "Nobody has joined yet. Put the QR code on the screen; each person types a "
                "name and gets a workspace with the data ready. Their saved segmentations "
                "appear here."
            )
        )
        return
    per_row = 3
    for start in range(0, len(sets), per_row):
        cols = st.columns(per_row)
        for col, (i, item) in zip(
            cols, enumerate(sets[start : start + per_row], start), strict=False
        ):
            with col:
                _participant_card(item, str(i))
    st.subheader(tr("How far the segmentations agree"))
    result = agreement(sets)
    if result is None:
        st.caption(
            tr("The agreement matrix appears once two participants have saved a segmentation.")
        )
        return
    ari, shared = result
    st.caption(
        tr(
            "Adjusted Rand index (ARI) between each pair of participants' latest runs, over "
            "the users both segmented: 1 means the same groups (whatever they are called), "
            "0 no more alike than chance. A dash: fewer than two users in common."
        )
    )
    st.altair_chart(_agreement_chart(ari, shared), width="content")


def presenting() -> bool:
    """True while a participant's set is on the full-screen present view."""
    return st.session_state.get(_PRESENT_KEY) is not None


def present_view(store: Store) -> None:
    """One participant's persona set, full screen, with a way back to the board."""
    ws, run_id, name = st.session_state[_PRESENT_KEY]
    # Full screen: the sidebar and Streamlit's top bar are hidden while presenting.
    st.html(
        "<style>[data-testid='stSidebar'],[data-testid='stSidebarCollapsedControl'],"
        "header[data-testid='stHeader']{display:none}"
        ".block-container{padding-top:1.5rem;max-width:100%}"
        ".st-key-pl_present_top{display:none}</style>"
    )
    # Start at the top of the deck, wherever the board was scrolled to when Present was
    # pressed (Streamlit keeps the scroll position across reruns).
    with st.container(key="pl_present_top"):
        st.html(
            "<script>(function(){var m=document.querySelector('[data-testid=\"stMain\"]');"
            "if(m){m.scrollTo(0,0);}window.scrollTo(0,0);})();</script>",
            unsafe_allow_javascript=True,
        )
    top = st.columns([5, 1], vertical_alignment="center")
    top[0].title(tr("{name}’s personas", name=escape_markdown(name)))
    if top[1].button(tr("Back to the board"), key="workshop_back", icon=":material/arrow_back:"):
        st.session_state.pop(_PRESENT_KEY, None)
        st.rerun()
    render_deck(store, ws, run_id, present=True)
