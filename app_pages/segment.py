"""Segment: pick features and weights, a method and k, read quality and stability, save."""

from __future__ import annotations

import streamlit as st

from core.common.markdown import escape_markdown
from core.errors import DataError
from core.i18n import fmt, tr
from core.segments import METHODS, TRANSFORMS, SegmentParams, column_label
from core.segments import segment_label as seg_label
from core.store import run_id_for
from ui.common import jobs, page_link, state
from ui.segment import charts, data

st.title(tr("Segment"))
st.caption(
    tr(
        "Pick what matters about your users, how much each thing counts, and how many groups "
        "you want. PersonaLab shows how well separated and how stable the groups are; save "
        "the result to see it on the Map and as Personas."
    )
)

try:
    dataset = state.current_dataset()
    features = state.features()
except DataError as exc:
    st.error(escape_markdown(exc))
    page_link("app_pages/data.py", tr("Go to the Data page"), ":material/upload_file:")
    st.stop()

if len(features) < 3:
    st.info(tr("This dataset has fewer than 3 users; load more data on the Data page to segment."))
    st.stop()

numeric = data.numeric_columns(features)
# Opened on a saved run (a permalink, the sidebar picker): show that run's own settings.
data.restore_saved_settings(state.current_run(), numeric, data.categorical_columns(features))


def _use_k(k: int) -> None:
    st.session_state["seg_k"] = int(k)


settings, results = st.columns([1, 2], gap="large")
with settings:
    st.subheader(tr("Settings"))
    method = st.selectbox(
        tr("Method"),
        METHODS,
        format_func=data.method_label,
        key="seg_method",
        help=tr(
            "Automatic reads your data: it keeps what separates groups of users, leaves out "
            "noise and volume that varies inside every group, and finds the number of "
            "groups itself. k-means and the others use the features and k you pick. RFM "
            "uses fixed rules on recency, purchases and spend."
        ),
    )
    if method == "auto":
        st.caption(
            tr(
                "Everything is chosen from the data: the page explains what it kept and why. "
                "Pick another method to choose features, weights and k yourself."
            )
        )
    if method not in ("rfm", "auto"):
        chosen = st.multiselect(
            tr("What matters (features)"),
            numeric,
            default=data.default_features(features),
            format_func=column_label,
            placeholder=tr("Choose options"),
            key="seg_features",
            help=tr("Behaviour used to group users. Counts and money are put on a log scale."),
        )
        with st.expander(tr("How much each feature counts"), expanded=False):
            st.caption(tr("1 = normal, 2 = twice as important, 0 = ignore."))
            weights = {
                f: st.slider(
                    escape_markdown(column_label(f)), 0.0, 3.0, 1.0, 0.25, key=f"seg_w_{f}"
                )
                for f in chosen
            }
        categorical = st.multiselect(
            tr("Attributes (categories)"),
            data.categorical_columns(features),
            format_func=column_label,
            placeholder=tr("Choose options"),
            key="seg_categorical",
            help=tr("For example gender or region; each value becomes its own yes/no feature."),
        )
        transform = st.selectbox(
            tr("Scaling"), TRANSFORMS, format_func=data.transform_label, key="seg_transform"
        )
    else:
        chosen, weights, categorical, transform = [], {}, [], TRANSFORMS[0]
    k, min_size = 6, 25
    if method in ("kmeans", "gmm", "agglomerative"):
        k = st.slider(tr("Number of segments (k)"), 2, 12, 6, key="seg_k")
    elif method == "hdbscan":
        min_size = st.number_input(
            tr("Smallest segment (users)"), 5, 10_000, 25, step=5, key="seg_min_size"
        )
    with st.expander(tr("Advanced"), expanded=False):
        pca = st.number_input(
            tr("Compress to this many principal components (0 = off)"), 0, 50, 0, key="seg_pca"
        )
        seed = st.number_input(tr("Random seed"), 0, 1_000_000, 0, key="seg_seed")

if method not in ("rfm", "auto") and not chosen and not categorical:
    results.info(tr("Pick at least one feature on the left to find segments."))
    st.stop()

params_kwargs = dict(
    method=method,
    weights=tuple(weights.items()),
    transform=transform,
    categorical=tuple(categorical),
    pca_components=(int(pca) or None) if method != "auto" else None,
    k=int(k),
    seed=int(seed),
    min_cluster_size=int(min_size),
)
if method not in ("rfm", "auto"):
    params_kwargs["features"] = tuple(chosen)
params = SegmentParams(**params_kwargs)

with results:
    try:
        result = data.run_segment(dataset.dataset_id, params, features)
    except DataError as exc:
        st.error(escape_markdown(exc))
        st.stop()
    run_id = run_id_for(dataset.dataset_id, result.params_hash)
    q = result.quality
    cols = st.columns(3)
    cols[0].metric(tr("Segments found"), fmt.number(q["n_segments"]))
    cols[1].metric(
        tr("Separation (silhouette)"),
        tr("n/a") if q["silhouette"] != q["silhouette"] else fmt.number(q["silhouette"], 2),
        help=tr("-1 to 1; above 0.25 the groups are reasonably apart, above 0.5 clearly."),
    )
    cols[2].metric(tr("Run id"), run_id, help=tr("The same data and settings give the same id."))
    choice = result.auto
    if choice is not None:
        st.markdown(data.structure_words(choice.structure))
        for reason in choice.reasons:
            st.markdown(f"- {reason}")
        if choice.features:
            st.dataframe(data.auto_table(choice), hide_index=True, width="stretch")
        with st.expander(tr("What was left out and why"), expanded=choice.structure == "none"):
            st.dataframe(data.dropped_table(choice), hide_index=True, width="stretch")
    else:
        st.markdown(data.quality_words(q))
    if q["noise_share"] > 0:
        st.caption(
            tr(
                "{share} of users fit no segment and are shown as {noise}.",
                share=fmt.percent(q["noise_share"]),
                noise=seg_label("Noise"),
            )
        )

    # Stability re-fits the segmentation ten times: on demand, not on every change.
    if choice is None and st.toggle(tr("Check stability"), value=False, key="seg_stability"):
        stab = data.run_stability(dataset.dataset_id, params, features)
        st.markdown(data.stability_words(stab))

    st.altair_chart(charts.sizes_chart(result.sizes), width="stretch")
    for warning in result.warnings:
        st.warning(warning)

    if method in ("kmeans", "gmm", "agglomerative"):
        with st.expander(tr("Suggest the number of segments"), expanded=False):
            st.caption(
                tr(
                    "Tries 2 to 10 segments. Suggested: the best separation (silhouette), with "
                    "ties broken by the Calinski-Harabasz score; tiny segments are avoided."
                )
            )
            if jobs.was_cancelled("seg_sweep"):
                st.session_state["seg_suggest"] = False
                st.info(
                    tr("Cancelled. Switch the comparison on again to continue where it stopped.")
                )
            if st.toggle(tr("Compare 2 to 10 segments"), key="seg_suggest"):
                try:
                    table, best = data.run_sweep(
                        dataset.dataset_id, SegmentParams(**{**params_kwargs, "k": 2}), features
                    )
                except (DataError, jobs.JobLimitError) as exc:
                    st.error(escape_markdown(exc))
                else:
                    charts.render_sweep(table, best)
                    st.button(
                        tr("Use k = {k}", k=fmt.number(best)),
                        key="seg_use_k",
                        on_click=_use_k,
                        args=(best,),
                        disabled=best == k,
                    )

    st.subheader(tr("Save"))
    no_groups = choice is not None and choice.structure == "none"
    if no_groups:
        st.info(
            tr(
                "There is nothing to save as personas: the data shows no distinct groups. "
                "Pick a method and k on the left if you need tiers anyway."
            )
        )
    if st.button(tr("Save this segmentation"), type="primary", key="seg_save", disabled=no_groups):
        state.set_current_run(
            state.Run(
                run_id=run_id,
                dataset_id=dataset.dataset_id,
                params=params,
                labels=result.labels,
                quality=dict(q),
            )
        )
        st.rerun()  # the sidebar's saved-work pickers were drawn before this click
    current = state.current_run()
    if current is not None and current.run_id == run_id:
        st.success(tr("Saved. The Map, Personas, Explore and Experiments pages now use it."))
        page_link("app_pages/map.py", tr("See it on the map"), ":material/scatter_plot:")
