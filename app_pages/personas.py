"""Personas: each segment of the saved run as a card, a detail view, compare, exports."""

from __future__ import annotations

import streamlit as st

from core.common.markdown import escape_markdown
from core.errors import DataError
from core.i18n import fmt, ntr, tr
from ui.common import page_link, state
from ui.personas import (
    build_cards,
    clv_table,
    display_name,
    kpi_table,
    render_activation,
    render_compare,
    render_detail,
    render_exports,
    render_grid,
    render_migration,
)

st.title(tr("Personas"))
st.caption(
    tr(
        "Each segment of your saved segmentation, read as a person: what makes them different, "
        "what they are worth and what to do next. Rename any persona; the names stay with the run."
    )
)

try:
    dataset = state.current_dataset()
except DataError as exc:
    st.error(escape_markdown(exc))
    page_link("app_pages/data.py", tr("Go to the Data page"), ":material/upload_file:")
    st.stop()

run = state.current_run()
if run is None:
    st.info(
        tr(
            "There is no saved segmentation yet. Go to the **Segment** page, pick what matters, "
            "and press save: the personas appear here."
        )
    )
    page_link("app_pages/segment.py", tr("Go to the Segment page"), ":material/tune:")
    st.stop()

with st.expander(tr("Options"), expanded=False):
    min_group = st.number_input(
        tr("Hide any breakdown with fewer than this many users"),
        min_value=1,
        max_value=1000,
        value=10,
        step=1,
        key="personas_min_group",
        help=tr(
            "Privacy: small groups could identify people, so their numbers are not shown or "
            "exported."
        ),
    )
    with_clv = st.toggle(
        tr("Estimate lifetime value"),
        value=True,
        key="personas_clv",
        help=tr(
            "Expected purchases and spend in the next 12 months, predicted from each "
            "customer's purchase history."
        ),
    )

try:
    engine = state.dataset_engine()
    features = state.features()
    labels = run.labels
    cards = build_cards(
        dataset.dataset_id, run.run_id, int(min_group), bool(with_clv), features, labels, engine
    )
    kpis = kpi_table(dataset.dataset_id, run.run_id, engine, labels)
except DataError as exc:
    st.error(escape_markdown(exc))
    page_link("app_pages/segment.py", tr("Go to the Segment page"), ":material/tune:")
    st.stop()

if with_clv:
    message = clv_table(dataset.dataset_id, engine)[1]
    if message:
        st.caption(tr("Lifetime value: {message}", message=escape_markdown(message)))

names = dict(run.names)
st.subheader(ntr("{n} persona", "{n} personas", len(cards), n=fmt.number(len(cards))))
render_grid(cards, run)

st.divider()
st.subheader(tr("Look closer"))
by_segment = {c.segment: c for c in cards}
chosen = st.selectbox(
    tr("Persona"),
    list(by_segment),
    format_func=lambda s: display_name(by_segment[s], names),
    key="personas_detail",
)
card = by_segment[chosen]
name = display_name(card, names)
render_detail(card, name, kpis)

st.subheader(tr("Export"))
render_exports(card, name, cards, names, labels, dataset.dataset_id, run.run_id, int(min_group))

st.subheader(tr("Activate these personas"))
render_activation(run, dataset, cards, names)

st.divider()
st.subheader(tr("Compare two segments"))
render_compare(cards, names, features, labels, dataset.dataset_id, run.run_id, int(min_group))
render_migration(run, dataset)
