"""The grid of persona cards, with an editable name per card."""

from __future__ import annotations

import streamlit as st

from core import i18n
from core.common.markdown import escape_markdown
from core.i18n import fmt, tr
from core.personas import KPI_BY_KEY, format_kpi_value, playbook
from ui.common import state

#: The KPIs on a card in the grid (the detail view and the exports show more).
GRID_KPIS = ("interaction_rate", "conversion_rate", "arpu")


def name_key(run, segment: str) -> str:
    """Widget key of a card's name box: one per run and saved version of it.

    A box belongs to the run it was drawn for, so text typed for one run never shows
    on (or is saved to) another, and reloading a newer version draws fresh boxes with
    the saved names instead of keeping text that was not saved. It belongs to the page's
    language too: a box that shows a generated name shows it in that language (a name
    the user typed is saved with the run and fills the box as typed in every language).
    """
    return f"personas_name_{run.run_id}_{run.version}_{i18n.current()}_{segment}"


def _generated_key(key: str) -> str:
    """Session key of the generated name a name box was filled with."""
    return f"{key}_generated"


def _save_name(segment: str, run_id: str, key: str) -> None:
    """Callback: keep the edited name with the run the box was drawn for (state only)."""
    run = state.current_run()
    if run is None or run.run_id != run_id:
        state.notify(
            tr(
                "That name was not saved because another segmentation was opened meanwhile; "
                "type it again on this one."
            )
        )
        return
    value = str(st.session_state.get(key, "")).strip()[:80]
    names = dict(run.names)
    if value and value == st.session_state.get(_generated_key(key)):
        return  # the generated name, untouched: not the user's, so it follows the language
    if value:
        names[segment] = value
    else:
        names.pop(segment, None)
    state.set_current_run(run.with_names(names))


def display_name(card, names: dict) -> str:
    """The user's name for a card, else the automatic one (in the cards' language)."""
    return names.get(card.segment) or card.name


def render_grid(cards: list, run, columns: int = 3) -> None:
    """Cards of ``run`` in rows of ``columns``: name (editable), size, traits, KPIs, CLV."""
    for start in range(0, len(cards), columns):
        cols = st.columns(columns)
        for col, card in zip(cols, cards[start : start + columns], strict=False):
            with col, st.container(border=True):
                _card(card, run)


def _card(card, run) -> None:
    """One card: editable name, size, traits, KPIs, value and the first actions."""
    key = name_key(run, card.segment)
    if key not in st.session_state:
        st.session_state[key] = display_name(card, run.names)
    # the generated name the box shows: left as it is, it is not a rename (it follows the
    # language); only what the user types is saved with the run
    st.session_state[_generated_key(key)] = "" if run.names.get(card.segment) else card.name
    st.text_input(
        # labels render Markdown
        tr("Name of segment {segment}", segment=escape_markdown(card.segment)),
        key=key,
        on_change=_save_name,
        args=(card.segment, run.run_id, key),
        help=tr("Type a new name and press Enter; it is kept with this segmentation."),
    )
    st.caption(
        tr(
            "{users} users · {share} of everyone",
            users=fmt.number(card.size),
            share=fmt.percent(card.share),
        )
    )
    if card.is_hidden:
        st.caption(card.hidden[0])
        return
    traits = card.trait_sentences(4)
    if traits:
        st.markdown("\n".join(f"- {escape_markdown(t)}" for t in traits))
    else:
        st.caption(tr("Nothing about this group differs clearly from everyone else."))
    st.caption(
        " · ".join(
            tr(
                "{kpi} **{value}**",
                kpi=KPI_BY_KEY[k].name,
                value=format_kpi_value(k, card.kpis.get(k)),
            )
            for k in GRID_KPIS
            if k in card.kpis
        )
    )
    if card.clv and card.clv.get("clv_total") is not None:
        figures = {
            "total": fmt.number(card.clv["clv_total"]),
            "per_user": fmt.number(card.clv.get("clv_per_user") or 0, 2),
            "alive": fmt.percent(card.clv.get("p_alive_mean") or 0),
        }
        if card.clv.get("p_alive_everyone") is not None:
            text = tr(
                "Expected value next 12 months: **{total}** ({per_user} per user; {alive} of "
                "its buyers likely still active, against {everyone} of all buyers)",
                everyone=fmt.percent(card.clv["p_alive_everyone"]),
                **figures,
            )
        else:
            text = tr(
                "Expected value next 12 months: **{total}** ({per_user} per user; {alive} of "
                "its buyers likely still active)",
                **figures,
            )
        st.caption(text)
    st.markdown(tr("**Do next**"))
    if not card.recommendations:
        st.caption(tr(playbook.NO_ACTION_NOTE))
    for rec in card.recommendations[:3]:
        why = tr("why: {reason}", reason=rec.reason)
        st.markdown(f"- {escape_markdown(rec.action)}  \n  :gray[{escape_markdown(why)}]")
