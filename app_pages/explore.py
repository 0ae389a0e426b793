"""Explore: how the audience behaves and how campaigns perform, by segment, platform, time."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from core import explore
from core.common.markdown import escape_markdown
from core.errors import DataError
from core.i18n import fmt, ntr, tr
from ui import explore as explore_ui
from ui.common import state
from ui.personas import data as personas_data

st.title(tr("Explore"))
st.caption(
    tr(
        "Activity, KPIs, funnels, retention, regions, goals and early warnings. "
        "The filters below apply to every chart."
    )
)

try:
    dataset, engine, bounds = explore_ui.open_dataset()
except DataError as exc:
    st.error(escape_markdown(exc))
    st.page_link("app_pages/data.py", label=tr("Load a dataset"), icon=":material/upload_file:")
    st.stop()

if bounds.n_events == 0 or bounds.date_min is None:
    st.info(tr("This dataset has no events yet: load a file on the Data page."))
    st.stop()

run = explore_ui.current_run()
labels = run.labels if run is not None else None
names = personas_data.run_names(run) if run is not None else {}  # as on Personas

# --- shared filters (top of the page) ---------------------------------------------------
cols = st.columns([2, 2, 2])
picked = cols[0].date_input(
    tr("Dates"),
    value=(bounds.date_min, bounds.date_max),
    min_value=bounds.date_min,
    max_value=bounds.date_max,
    key="explore_dates",
)
start, end = (picked if isinstance(picked, tuple | list) and len(picked) == 2 else (bounds.date_min, bounds.date_max))  # fmt: skip
platforms = cols[1].multiselect(
    tr("Platforms"),
    list(bounds.platforms),
    key="explore_platforms",
    placeholder=tr("All platforms"),
)
if labels is not None:
    segs = sorted(labels.astype(str).unique())
    segments = cols[2].multiselect(
        tr("Segments"), segs, format_func=lambda s: names.get(s, s), key="explore_segments",
        placeholder=tr("All segments"),
    )  # fmt: skip
else:
    segments = []
    cols[2].caption(tr("Segments: save a segmentation on the Segment page to slice by segment."))

filters = explore.ExploreFilters(
    start=start if start != bounds.date_min else None,
    end=end if end != bounds.date_max else None,
    platforms=tuple(platforms),
    segments=tuple(segments),
)
costs = st.session_state.get("explore_costs")
if costs is None and state.is_sample(dataset):
    costs = explore_ui.sample_costs()

ctx = explore_ui.Context(
    dataset_id=dataset.dataset_id,
    engine=engine,
    bounds=bounds,
    filters=filters,
    run_id=run.run_id if run is not None else None,
    labels=labels,
    names=names,
    costs=costs,
)
section = st.segmented_control(
    tr("Section"), list(explore_ui.SECTIONS), default="Overview", key="explore_section",
    format_func=tr, label_visibility="collapsed",
)  # fmt: skip
section = section or "Overview"
span = (end - start).days + 1 if isinstance(end, dt.date) else 0
st.caption(ntr("{start} to {end} ({n} day)", "{start} to {end} ({n} days)", span,
                start=fmt.date(start), end=fmt.date(end), n=fmt.number(span)))  # fmt: skip
try:
    explore_ui.SECTIONS[section](ctx)
except DataError as exc:
    st.error(escape_markdown(exc))
