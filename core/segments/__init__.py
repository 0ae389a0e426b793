"""Segments: from events to per-user features, segments of users and maps of them.

Modules, in the order data flows through them:

- ``features``: :func:`build_features`, the per-user feature table.
- ``feature_sql``: the one SQL query behind it (runs inside DuckDB or PostgreSQL).
- ``columns``: the feature table's fixed columns, time slots and event groups, and each
  column's name as a person reads it (:func:`column_label`, in the current language).
- ``lifecycle``: lifecycle stages (prospect, new, active, loyal, dormant, churned) and
  their windows.
- ``params``: the options and ranges of a segmentation and of a map, and their one check.
- ``preparation``: feature table -> the scaled, weighted matrix the clustering sees.
- ``methods``: k-means, Gaussian mixture, hierarchical and HDBSCAN on that matrix.
- ``quality``: segment names ``S1``, ``S2``... by size, and the quality metrics.
- ``rfm``: RFM scores and the named RFM segments.
- ``segmentation``: :func:`segment` and :class:`SegmentParams`, the entry point.
- ``assessment``: quality for each number of segments, the recommended one, stability.
- ``autoseg``: the automatic path, which chooses features, weights, method and k itself;
  its steps are ``autoseg_screen`` (candidate columns, tests, tuning constants),
  ``autoseg_groups`` (dip-means, latent classes) and ``autoseg_report`` (stability,
  reasons).
- ``projection``: 2-D maps of users (UMAP with a reusable neighbour graph, PCA).
- ``map_view``: what the Map page draws from a map (points, segment names, a box).
- ``agreement``: how far several segmentations of the same users agree (ARI matrix).
- ``numba_cache``: keeps the map's compiled code on disk between processes.

Code outside this package imports from here (``from core.segments import segment``).
The names are loaded on first use (PEP 562 ``__getattr__``) rather than at import:
the data layer needs only the column and lifecycle names from this package, and
importing ``core.segments`` must not make it pay for scikit-learn (about a second).
``__all__`` and ``_EXPORTS`` list the same names (a test checks it).
"""

from __future__ import annotations

from core.common.lazy import lazy_exports

#: Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        ("AutoChoice", "auto_segment", "candidate_label"),
        "core.segments.autoseg",
    ),
    **dict.fromkeys(("add_users_without_events", "build_features"), "core.segments.features"),
    **dict.fromkeys(
        (
            "COLUMN_LABELS",
            "ENGAGEMENT_EVENT_TYPES",
            "FEATURE_COLUMNS",
            "HOUR_SLOTS",
            "PLATFORM_LABELS",
            "PROSPECT_EVENT_TYPES",
            "column_label",
        ),
        "core.segments.columns",
    ),
    **dict.fromkeys(
        (
            "LIFECYCLE_LABELS",
            "LIFECYCLE_RULES",
            "LIFECYCLE_STAGES",
            "LifecycleWindows",
            "lifecycle_rules",
            "stage_label",
        ),
        "core.segments.lifecycle",
    ),
    **dict.fromkeys(
        (
            "DEFAULT_FEATURES",
            "DEFAULT_MAX_POINTS",
            "K_METHODS",
            "MAP_PARAM_CONSTRAINTS",
            "METHODS",
            "METRICS",
            "MIN_SHARED_USERS",
            "SEGMENT_PARAM_CONSTRAINTS",
            "TRANSFORMS",
            "validate_map_params",
            "validate_segment_params",
        ),
        "core.segments.params",
    ),
    **dict.fromkeys(
        ("categorical_feature_columns", "log_transformed", "numeric_feature_columns"),
        "core.segments.preparation",
    ),
    **dict.fromkeys(
        (
            "MapParams",
            "MapResult",
            "clear_graph_cache",
            "project",
            "project_pca",
            "stratified_sample",
            "warm_up",
        ),
        "core.segments.projection",
    ),
    **dict.fromkeys(("map_frame", "segment_centroids", "select_box"), "core.segments.map_view"),
    **dict.fromkeys(("MIN_SHARED_USERS", "agreement_matrix"), "core.segments.agreement"),
    **dict.fromkeys(("RFM_SEGMENTS", "rfm_scores", "rfm_segment_names"), "core.segments.rfm"),
    **dict.fromkeys(
        ("SegmentParams", "SegmentResult", "prepare_matrix", "relabel", "segment", "segment_label"),
        "core.segments.segmentation",
    ),
    **dict.fromkeys(
        ("StabilityResult", "recommend_k", "stability", "sweep_k"), "core.segments.assessment"
    ),
}

__all__ = [
    "AutoChoice",
    "COLUMN_LABELS",
    "DEFAULT_FEATURES",
    "DEFAULT_MAX_POINTS",
    "ENGAGEMENT_EVENT_TYPES",
    "FEATURE_COLUMNS",
    "HOUR_SLOTS",
    "K_METHODS",
    "LIFECYCLE_LABELS",
    "PLATFORM_LABELS",
    "LIFECYCLE_RULES",
    "LIFECYCLE_STAGES",
    "LifecycleWindows",
    "MAP_PARAM_CONSTRAINTS",
    "MIN_SHARED_USERS",
    "METHODS",
    "METRICS",
    "MapParams",
    "MapResult",
    "PROSPECT_EVENT_TYPES",
    "RFM_SEGMENTS",
    "SEGMENT_PARAM_CONSTRAINTS",
    "SegmentParams",
    "SegmentResult",
    "StabilityResult",
    "TRANSFORMS",
    "add_users_without_events",
    "agreement_matrix",
    "auto_segment",
    "build_features",
    "candidate_label",
    "categorical_feature_columns",
    "clear_graph_cache",
    "column_label",
    "lifecycle_rules",
    "log_transformed",
    "map_frame",
    "numeric_feature_columns",
    "prepare_matrix",
    "project",
    "project_pca",
    "recommend_k",
    "relabel",
    "rfm_scores",
    "rfm_segment_names",
    "segment",
    "segment_centroids",
    "segment_label",
    "select_box",
    "stability",
    "stage_label",
    "stratified_sample",
    "sweep_k",
    "validate_map_params",
    "validate_segment_params",
    "warm_up",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
