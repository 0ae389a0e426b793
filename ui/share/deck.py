"""The persona deck: one saved run, read-only, as a stakeholder or a room reads it.

:func:`render_deck` draws every persona of a saved run (its name, the automatic one when
nobody renamed it; size and share; supported traits; KPIs; lifetime value; actions with
their reasons), the segment-size chart, a still image of the user map, the run's saved
experiments (``ui.experiments.saved``) and a button to download the same deck as a PDF.
Nothing on it edits anything. A share link (:mod:`ui.share.view`) and the workshop's
present view both call it.

Every card element comes from the one builder the Personas page and the exports use
(``core.personas.build_personas`` through ``ui.personas.build_cards``, and
``core.export.card_sections`` for the words), so a persona reads the same everywhere.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from core import i18n
from core.common.markdown import escape_markdown
from core.errors import DataError
from core.export import card_sections
from core.i18n import N_, fmt, ntr, tr
from ui.common.datasets import engine_of, features_of
from ui.common.session import SAMPLE_LABEL
from ui.experiments import saved
from ui.personas import build_cards, display_name, pdf_deck

#: KPIs shown on a deck card (the PDF and the exports show every card KPI).
DECK_KPIS = 6
#: The segment-size chart draws in SVG (not canvas) so its labels are real text.
_SVG = {"embedOptions": {"renderer": "svg"}}
#: Raised as ``DataError(tr(MISSING_RUN))`` / ``tr(MISSING_DATA)``.
MISSING_RUN = N_(
    "This segmentation is no longer saved; ask the person who shared it to save it again."
)
MISSING_DATA = N_(
    "The data behind this segmentation is no longer on this server; ask the person who "
    "shared it to load the data again."
)


def load_deck(store, workspace_id: str, run_id: str):
    """The saved run, its dataset record, cards and names; raises DataError when gone.

    Parameters
    ----------
    store : core.store.Store
    workspace_id, run_id : str

    Returns
    -------
    (RunRecord, DatasetRecord, list of Persona, dict)
        ``names`` maps every segment to the name it is shown with: the user's own, else
        the automatic one, so no persona shows as a bare segment label.
    """
    record = store.get_run(workspace_id, run_id)
    if record is None:
        raise DataError(tr(MISSING_RUN))
    dataset = store.get_dataset(workspace_id, record.dataset_id)
    if dataset is None or not Path(dataset.path).is_file():
        raise DataError(tr(MISSING_DATA))
    min_group = int((dataset.report or {}).get("min_group_size") or 10)
    features = features_of(str(dataset.path), dataset.dataset_id)
    # The cache key carries the run's version: a run saved again with new segments
    # gets new cards.
    cards = build_cards(
        dataset.dataset_id,
        f"{record.run_id}@{record.version}",
        min_group,
        True,
        features,
        record.labels,
        engine_of(str(dataset.path)),
    )
    names = {c.segment: display_name(c, dict(record.names)) for c in cards}
    return record, dataset, cards, names


def size_table(cards: list, names: dict) -> pd.DataFrame:
    """One row per persona, largest first: name, users, share and the bar's label.

    Parameters
    ----------
    cards : list of core.personas.Persona
    names : dict
        The name shown per segment (falls back to the card's automatic name).

    Returns
    -------
    DataFrame
        ``segment``, ``persona``, ``users``, ``share``, ``rank`` (1 = largest) and
        ``label`` ("name · users (share)", numbers written for the page's language).
    """
    rows = [
        {
            "segment": c.segment,
            "persona": names.get(c.segment) or c.name,
            "users": int(c.size),
            "share": float(c.share),
        }
        for c in sorted(cards, key=lambda c: -c.size)
    ]
    table = pd.DataFrame(rows, columns=["segment", "persona", "users", "share"])
    table["rank"] = range(1, len(table) + 1)
    table["label"] = [
        tr("{persona} · {users} ({share})", persona=p, users=fmt.number(u), share=fmt.percent(s))
        for p, u, s in zip(table["persona"], table["users"], table["share"], strict=True)
    ]
    return table


def size_chart(table: pd.DataFrame):
    """Segment sizes as bars, each with its persona's name written above it.

    The names are text marks, not axis labels: an axis drops labels that overlap and
    cuts long ones, while a text mark is always drawn whole, on a phone too.

    Parameters
    ----------
    table : DataFrame
        From :func:`size_table`.

    Returns
    -------
    altair.LayerChart
        Drawn as SVG in the browser, so each label is real text.
    """
    import altair as alt  # heavy: loaded only when a deck is drawn

    # Bars are placed by rank, not by segment label, so no label reaches the chart; the
    # segment column is left out of the chart's data for the same reason.
    base = alt.Chart(table.drop(columns=["segment"])).encode(
        y=alt.Y("rank:O", axis=None, title=None),
    )
    bars = base.mark_bar(height=14, yOffset=9, cornerRadiusEnd=3, color="#d6336c").encode(
        x=alt.X("users:Q", title=tr("Users"), axis=alt.Axis(grid=False, format=",d", tickCount=5)),
        tooltip=[
            alt.Tooltip("persona:N", title=tr("Persona")),
            alt.Tooltip("users:Q", title=tr("Users"), format=","),
            alt.Tooltip("share:Q", title=tr("Share of users"), format=".1%"),
        ],
    )
    text = base.mark_text(align="left", baseline="bottom", dy=-2, fontSize=13, limit=0).encode(
        x=alt.datum(0), text="label:N"
    )
    return (
        alt.layer(bars, text)
        .properties(title=tr("Segment sizes"), height=alt.Step(44), usermeta=_SVG)
        .configure_view(stroke=None)
        .configure_scale(bandPaddingInner=0.1)
    )


@st.cache_data(max_entries=16, ttl=7200, show_spinner=False)
def _map_png(
    dataset_id: str, run_key: str, names: tuple, lang: str, _features, _labels, _params
) -> bytes:
    """A still PNG of the run's map in language ``lang``: the quick projection, segments named."""
    import vl_convert as vlc  # heavy: loaded only when a map image is drawn

    from core.common.pdf import register_chart_fonts
    from core.segments import MapParams, SegmentParams
    from ui.map import charts, data

    usable = isinstance(_params, SegmentParams) and _params.method != "rfm"
    seg_params = _params if usable else SegmentParams()
    result = data.pca_map(dataset_id, run_key, seg_params, MapParams(), _features, _labels)
    # No names at the group centres: in a still image they overlap where groups sit close
    # (the quick projection often puts several centres together); the legend names them.
    chart = charts.scatter(
        data.frame(result, _features, _labels, None),
        None,
        charts.SEGMENT,
        dict(names),
        tr("Map of users (similar users sit close together)"),
        selectable=False,
    ).properties(width=760, height=520)
    # vl-convert has no browser fonts: name the CJK sans font (registered just below) so
    # Chinese names are not drawn in a serif fallback; without it, the default is used.
    chart = chart.configure(font="Noto Sans CJK SC")
    register_chart_fonts()
    return vlc.vegalite_to_png(chart.to_dict(), scale=1.5)


def _style() -> None:
    """For a projector: larger type inside the present view's container."""
    st.markdown(
        "<style>[class*='st-key-pl_present'] p, [class*='st-key-pl_present'] li "
        "{font-size:1.4rem; line-height:1.5;} "
        "[class*='st-key-pl_present'] h2 {font-size:2.8rem;}</style>",
        unsafe_allow_html=True,
    )


def _card(card, name: str, note: str, present: bool) -> None:
    """One persona: name, size, traits, KPIs, value, actions with reasons, the owner's note."""
    s = card_sections(card, name)
    st.markdown(f"{'##' if present else '###'} {escape_markdown(s['title'])}")
    st.caption(escape_markdown(s["subtitle"]))
    if card.is_hidden:
        for line in s["hidden"]:
            st.caption(escape_markdown(line))
        return
    # On a projector the three parts sit side by side, so a persona fits one screen.
    who, worth, todo = st.columns(3, gap="large") if present else (st.container(),) * 3
    with who:
        st.markdown("**" + tr("What makes them different") + "**")
        if s["traits"]:
            st.markdown("\n".join(f"- {escape_markdown(t)}" for t in s["traits"]))
        else:
            st.caption(tr("Nothing about this group differs clearly from everyone else."))
    with worth:
        if s["kpis"]:
            st.markdown("**" + tr("KPIs") + "**")
            st.markdown(
                "\n".join(
                    f"- {escape_markdown(k)}: **{escape_markdown(v)}**"
                    for k, v, _ in s["kpis"][:DECK_KPIS]
                )
            )
        if s["clv"]:
            st.markdown("**" + tr("What they are worth") + "**")
            st.markdown(
                "\n".join(f"- {escape_markdown(k)}: **{escape_markdown(v)}**" for k, v in s["clv"])
            )
    with todo:
        st.markdown("**" + tr("What to do next") + "**")
        if s["actions"]:
            st.markdown(
                "\n".join(
                    f"{i}. {escape_markdown(a)}  \n   "
                    f":gray[{escape_markdown(tr('why: {reason}', reason=r))}]"
                    for i, (a, r) in enumerate(s["actions"], 1)
                )
            )
        else:
            st.caption(escape_markdown(s["recommendations"][0]))
    sep = tr("; ")
    where = (
        [tr("Platforms: {platforms}", platforms=sep.join(s["platforms"]))] if s["platforms"] else []
    )
    where += [tr("Posting times: {times}", times=sep.join(s["times"])), s["contact"]]
    st.caption(" · ".join(escape_markdown(w) for w in where))
    if note:
        st.caption(tr("Notes"))
        st.text(note)  # st.text never interprets markup


def _present_choice(cards: list, names: dict, run_id: str) -> list:
    """Present view: one persona on screen, chosen with Previous / Next."""
    key = f"deck_present_{run_id}"
    segments = [c.segment for c in cards]
    index = int(st.session_state.get(key, 0)) % max(1, len(segments))
    cols = st.columns([1, 4, 1])
    if cols[0].button(tr("Previous"), key=f"{key}_prev", icon=":material/chevron_left:"):
        index = (index - 1) % len(segments)
    if cols[2].button(tr("Next"), key=f"{key}_next", icon=":material/chevron_right:"):
        index = (index + 1) % len(segments)
    st.session_state[key] = index
    cols[1].caption(
        tr(
            "Persona {number} of {total}: {name}",
            number=fmt.number(index + 1),
            total=fmt.number(len(segments)),
            name=escape_markdown(names[segments[index]]),
        )
    )
    return [cards[index]]


def render_deck(store, workspace_id: str, run_id: str, *, present: bool = False) -> None:
    """Draw the read-only persona deck of one saved run.

    Parameters
    ----------
    store : core.store.Store
        The app store holding the run.
    workspace_id, run_id : str
        Which saved run.
    present : bool
        For a projector: larger type, one persona per screen with its traits, KPIs and
        actions side by side, Previous / Next to step through them; the charts, the PDF
        button and the experiments are left to the full deck.

    Notes
    -----
    Shows one sentence with ``st.error`` (and nothing else) when the run or its data is
    gone. Nothing drawn here changes anything saved.
    """
    try:
        record, dataset, cards, names = load_deck(store, workspace_id, run_id)
    except DataError as exc:
        st.error(escape_markdown(exc))
        return
    if present:
        _style()
        with st.container(key=f"pl_present_{record.run_id}"):
            _deck(store, workspace_id, record, dataset, cards, names, present=True)
    else:
        _deck(store, workspace_id, record, dataset, cards, names, present=False)


def _deck(store, workspace_id, record, dataset, cards, names, *, present: bool) -> None:
    """The deck's body: header, PDF button, charts, cards, experiments."""
    if present:  # a projector shows the persona, not the page furniture
        card = _present_choice(cards, names, record.run_id)[0]
        with st.container(border=True):
            _card(card, names[card.segment], dict(record.notes).get(card.segment, ""), True)
        return
    source = dataset.source_name or ""
    source = tr(SAMPLE_LABEL) if source == SAMPLE_LABEL else source or tr("a dataset")
    st.caption(
        tr(
            "A segmentation of {dataset}, saved {time}: {users} in {personas}. Read-only.",
            dataset=escape_markdown(source),
            time=fmt.datetime(record.updated_at.astimezone(), "short"),
            users=ntr(
                "{n} user", "{n} users", int(record.labels.size), n=fmt.number(record.labels.size)
            ),
            personas=ntr("{n} persona", "{n} personas", len(cards), n=fmt.number(len(cards))),
        )
    )
    shown = tuple(sorted(names.items()))
    min_group = int(cards[0].min_group_size) if cards else 10
    lang = i18n.current()  # read now: the download callable may run outside the page run
    st.download_button(
        tr("Download the deck (PDF)"),
        data=lambda: pdf_deck(
            dataset.dataset_id, f"{record.run_id}@{record.version}", min_group, shown, cards, lang
        ),
        file_name="personas.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
        key=f"deck_pdf_{record.run_id}",
    )
    st.altair_chart(size_chart(size_table(cards, names)), width="stretch")
    _map_image(record, dataset, names)
    st.subheader(tr("Personas"))
    notes = {k: v for k, v in dict(record.notes).items() if v}
    # Two cards a row on a wide screen; Streamlit stacks columns on a phone.
    for start in range(0, len(cards), 2):
        for col, card in zip(st.columns(2), cards[start : start + 2], strict=False):
            with col, st.container(border=True):
                _card(card, names[card.segment], notes.get(card.segment, ""), present)
    st.subheader(tr("Experiments"))
    saved.render_saved_experiments(store, workspace_id, record.run_id, read_only=True)


def _map_image(record, dataset, names: dict) -> None:
    """The map of users as a still image, or one sentence why there is none."""
    try:
        with st.spinner(tr("Drawing the map of users...")):
            png = _map_png(
                dataset.dataset_id,
                f"{record.run_id}@{record.version}",
                tuple(sorted(names.items())),
                i18n.current(),
                features_of(str(dataset.path), dataset.dataset_id),
                record.labels,
                record.params,
            )
    except (DataError, ValueError, ImportError) as exc:
        st.caption(tr("The map of users could not be drawn: {reason}", reason=escape_markdown(exc)))
        return
    st.image(
        png,
        caption=tr("Each dot is a user; users who behave alike sit close together."),
        width="stretch",  # fits a phone; the PNG is drawn 1,140 px wide for a desktop
    )
