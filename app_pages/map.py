"""Map: every user on a UMAP map, coloured by segment or feature; box-select a new segment."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.common.markdown import escape_markdown
from core.errors import DataError
from core.i18n import fmt, ntr, tr
from core.segments import MapParams, SegmentParams, column_label, numeric_feature_columns
from ui.common import jobs, page_link, state
from ui.map import charts, data
from ui.personas import data as personas_data

st.title(tr("Map"))
st.caption(
    tr(
        "Each dot is a user; users who behave alike sit close together. Colour the map by "
        "segment or by any feature, hover for details, and draw a box to make a new segment."
    )
)

try:
    dataset = state.current_dataset()
    features = state.features()
except DataError as exc:
    st.error(escape_markdown(exc))
    page_link("app_pages/data.py", tr("Go to the Data page"), ":material/upload_file:")
    st.stop()

run = state.current_run()
if run is None:
    st.info(
        tr(
            "No saved segmentation yet, so the map is not coloured by segment. Save one on the "
            "**Segment** page to see your segments here."
        )
    )
    page_link("app_pages/segment.py", tr("Go to the Segment page"), ":material/tune:")
    labels = pd.Series(
        tr("All users"), index=pd.Index(features["user_id"].astype(str), name="user_id")
    )
    run_id, names = "none", {}
    seg_params = SegmentParams()
else:
    labels, run_id = run.labels, run.run_id
    names = personas_data.run_names(run)  # as on the Personas page
    p = run.params
    # The map shows the space the segments were found in; RFM rules have no such space.
    usable = isinstance(p, SegmentParams) and p.method != "rfm"
    seg_params = p if usable else SegmentParams()

numeric = numeric_feature_columns(features)
controls = st.columns([2, 1, 1])
color = controls[0].selectbox(
    tr("Colour by"),
    [charts.SEGMENT, *numeric],
    format_func=lambda c: tr("Segment") if c == charts.SEGMENT else column_label(c),
    key="map_color",
)
n_neighbors = controls[1].slider(
    tr("Neighbours"),
    5,
    100,
    15,
    key="map_neighbors",
    help=tr("Small: local detail. Large: the big picture. Changing it recomputes the map."),
)
min_dist = controls[2].slider(
    tr("Spacing"),
    0.0,
    0.95,
    0.1,
    0.05,
    key="map_min_dist",
    help=tr("How tightly similar users pack together. Re-arranges quickly (same neighbours)."),
)
map_params = MapParams(n_neighbors=int(n_neighbors), min_dist=float(min_dist))
key = data.cache_key(dataset.dataset_id, run_id, seg_params, map_params)
segment_labels = labels if run is not None else None

placeholder = st.empty()
#: Session key of the message shown once after a map-made segment was saved.
SAVED_KEY = "map_saved_message"


def _preview(title: str | None = None) -> None:
    """The instant PCA map, shown while the detailed map is computed, cancelled or refused."""
    quick = data.pca_map(
        dataset.dataset_id, run_id, seg_params, map_params, features, segment_labels
    )
    placeholder.altair_chart(
        charts.scatter(
            data.frame(quick, features, labels, None if color == charts.SEGMENT else color),
            data.centroids(quick, labels) if run is not None else None,
            color,
            names,
            title or tr("Quick preview (PCA) while the detailed map is computed"),
            selectable=False,
        ),
        width="stretch",
        height=charts.height(labels.nunique(), color),
    )


try:
    if data.umap_done(key):  # computed in this session: the cache answers at once
        result = data.umap_map(
            dataset.dataset_id, run_id, seg_params, map_params, features, segment_labels
        )
    else:
        if jobs.was_cancelled(data.JOB_KEY):
            data.mark_cancelled(key)
        cancelled = data.is_cancelled(key)
        _preview(tr("Quick preview (PCA)") if cancelled else None)
        if cancelled:
            st.info(
                tr(
                    "You cancelled the detailed map, so this is the quick preview (PCA). "
                    "Compute the detailed map when you are ready."
                )
            )
            if not st.button(tr("Compute the detailed map"), key="map_compute", type="primary"):
                st.stop()
            data.clear_cancelled(key)
        result = data.umap_with_progress(
            dataset.dataset_id, run_id, seg_params, map_params, features, segment_labels
        )
    data.mark_umap_done(key)
except jobs.JobLimitError as exc:
    st.warning(
        tr(
            "{problem} The quick preview (PCA) is shown meanwhile.",
            problem=escape_markdown(exc),
        )
    )
    st.button(tr("Try the detailed map again"), key="map_retry")  # a click reruns the page
    st.stop()
except DataError as exc:
    st.error(escape_markdown(exc))
    st.stop()

points = data.frame(result, features, labels, None if color == charts.SEGMENT else color)
event = placeholder.altair_chart(
    charts.scatter(
        points,
        data.centroids(result, labels) if run is not None else None,
        color,
        names,
        tr("Users on the map (UMAP)"),
        selectable=True,
    ),
    width="stretch",
    height=charts.height(labels.nunique(), color),
    on_select="rerun",
    selection_mode="brush",
    key=f"map_chart_{run_id}",  # a box drawn belongs to this run's map
)
st.caption(
    tr(
        "{note} Map quality (trustworthiness): {trust} of 1 (share of map neighbours that "
        "are real neighbours).",
        note=result.note,
        trust=fmt.number(result.trustworthiness, 2),
    )
)

if run is not None and color == charts.SEGMENT:
    st.caption(
        tr(
            "Coloured by segment: {n} segments of run {run}.",
            n=fmt.number(labels.nunique()),
            run=run_id,
        )
    )
elif run is not None:
    st.caption(
        tr(
            "Coloured by {feature}; the names mark the centres of the {n} segments of run {run}.",
            feature=escape_markdown(column_label(color)),
            n=fmt.number(labels.nunique()),
            run=run_id,
        )
    )

st.subheader(tr("Make a segment from the map"))
if saved := st.session_state.pop(SAVED_KEY, None):
    st.success(saved)
chosen = data.selected_users(result, getattr(event, "selection", None) or {})
if not chosen:
    st.caption(tr("Drag a box around a group of dots on the map to select them."))
else:
    st.markdown(
        ntr(
            "**{n} user** selected.",
            "**{n} users** selected.",
            len(chosen),
            n=fmt.number(len(chosen)),
        )
    )
    name = st.text_input(tr("Name of the new segment"), tr("Map selection"), key="map_new_name")
    if st.button(tr("Save as a new segment"), type="primary", key="map_save_selection"):
        try:
            base = labels if run is not None else pd.Series(tr("Everyone else"), index=labels.index)
            new_labels = data.with_new_segment(base, chosen, name)
        except DataError as exc:
            st.error(escape_markdown(exc))
        else:
            new_id = data.cache_key(run_id, name.strip(), tuple(sorted(chosen)), None)[:8]
            state.set_current_run(
                state.Run(
                    run_id=f"{run_id}-{new_id}" if run is not None else new_id,
                    dataset_id=dataset.dataset_id,
                    params=run.params if run is not None else None,
                    labels=new_labels,
                    # the user's own names, and the new segment under the name typed
                    # (automatic names are made again: members moved)
                    names={**(run.names if run is not None else {}), name.strip(): name.strip()},
                )
            )
            st.session_state[SAVED_KEY] = ntr(
                "Saved: {n} user is now in the segment **{name}**.",
                "Saved: {n} users are now in the segment **{name}**.",
                len(chosen),
                n=fmt.number(len(chosen)),
                name=escape_markdown(name.strip()),
            )
            st.rerun()  # redraw map, caption and sidebar with the new segment
