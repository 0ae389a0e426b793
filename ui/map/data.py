"""Cached calls into core.segments (maps) for the Map page (keyed by dataset, run and params).

``COMPUTED`` counts real computations per kind, so tests can prove that a display-only
change (colour by) re-renders from the cache.
"""

from __future__ import annotations

import collections
import hashlib

import pandas as pd
import streamlit as st

import core.segments as segments
from core import i18n
from core.i18n import fmt, tr
from core.segments import SegmentParams, relabel
from ui.common import jobs

COMPUTED: collections.Counter = collections.Counter()
_DONE_KEY = "_map_umap_done"
_CANCELLED_KEY = "_map_umap_cancelled"
JOB_KEY = "map_umap"  # the heavy job's key (its Cancel button is ``map_umap_cancel``)
TOOLTIP_FEATURES = ("n_events", "monetary", "recency_days", "engagement_rate", "followers")


@st.cache_data(max_entries=16, show_spinner=False)
def _pca_map(
    dataset_id: str,
    run_id: str,
    seg_params: SegmentParams,
    map_params: segments.MapParams,
    _features: pd.DataFrame,
    _labels: pd.Series | None,
    lang: str,
) -> segments.MapResult:
    """The instant PCA map (its note is a sentence: cached per language)."""
    COMPUTED["pca"] += 1
    with i18n.language(lang):
        return segments.project_pca(
            _features, map_params, segment_params=seg_params, labels=_labels
        )


@st.cache_data(max_entries=16, show_spinner=False)
def _umap_map(
    dataset_id: str,
    run_id: str,
    seg_params: SegmentParams,
    map_params: segments.MapParams,
    _features: pd.DataFrame,
    _labels: pd.Series | None,
    lang: str,
) -> segments.MapResult:
    """The UMAP map (the neighbour graph is reused by core when only layout changes).

    The map's note is a sentence, so each language has its own entry; a second language
    costs only the layout, as the neighbour graph is cached by the core.
    """
    COMPUTED["umap"] += 1
    with i18n.language(lang):
        return segments.project(_features, map_params, segment_params=seg_params, labels=_labels)


def pca_map(dataset_id, run_id, seg_params, map_params, features, labels) -> segments.MapResult:
    """The instant PCA map in the page's language (cached)."""
    return _pca_map(dataset_id, run_id, seg_params, map_params, features, labels, i18n.current())


def umap_map(dataset_id, run_id, seg_params, map_params, features, labels) -> segments.MapResult:
    """The UMAP map in the page's language (cached; computed here when not yet)."""
    return _umap_map(dataset_id, run_id, seg_params, map_params, features, labels, i18n.current())


def umap_with_progress(
    dataset_id: str,
    run_id: str,
    seg_params: SegmentParams,
    map_params: segments.MapParams,
    features: pd.DataFrame,
    labels: pd.Series | None,
) -> segments.MapResult:
    """:func:`umap_map` as this session's one heavy job, with progress and Cancel.

    The fit is one library call, so it runs through ``Job.run`` (a worker thread): a
    Cancel click frees the page at once and the fit, finished in the background, still
    fills the cache. Raises ``jobs.JobLimitError`` when the tab or server is busy.
    """
    n = len(features)
    # A rough guess that grows with the users fitted; the bar only needs its order of
    # magnitude (it shows the seconds spent and never reaches 100 % before the fit ends).
    expected = 15.0 + 4.0 * min(n, map_params.max_points) / 10_000
    lang = i18n.current()  # the worker thread has no page: it is given the page's language
    with jobs.heavy_job(tr("Computing the detailed map (UMAP)"), key=JOB_KEY) as job:
        return job.run(
            lambda: _umap_map(dataset_id, run_id, seg_params, map_params, features, labels, lang),
            tr("Computing the detailed map (UMAP) of {n} users", n=fmt.number(n)),
            expected_seconds=expected,
        )


def mark_cancelled(key: str) -> None:
    """Remember that the visitor cancelled the UMAP map with this key (no auto-restart)."""
    st.session_state[_CANCELLED_KEY] = set(st.session_state.get(_CANCELLED_KEY, set())) | {key}


def is_cancelled(key: str) -> bool:
    """True when the UMAP map with this key was cancelled and not asked for again."""
    return key in st.session_state.get(_CANCELLED_KEY, set())


def clear_cancelled(key: str) -> None:
    """The visitor asked for the map again."""
    st.session_state[_CANCELLED_KEY] = set(st.session_state.get(_CANCELLED_KEY, set())) - {key}


def cache_key(dataset_id: str, run_id: str, seg_params, map_params) -> str:
    """Identity of a UMAP map, to know whether it was computed in this session."""
    text = repr((dataset_id, run_id, seg_params, map_params))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def umap_done(key: str) -> bool:
    """True when this session already computed the UMAP map with this key, in this language."""
    return (key, i18n.current()) in st.session_state.get(_DONE_KEY, set())


def mark_umap_done(key: str) -> None:
    """Remember that the UMAP map with this key (and language: its note) is in the cache."""
    done = set(st.session_state.get(_DONE_KEY, set()))
    st.session_state[_DONE_KEY] = done | {(key, i18n.current())}


def frame(result, features, labels, color: str | None) -> pd.DataFrame:
    """Points with segment, colour feature and tooltip features (core.segments.map_frame)."""
    cols = tuple(c for c in (*TOOLTIP_FEATURES, color) if c)
    return segments.map_frame(result, features, labels, cols)


def centroids(result, labels: pd.Series) -> pd.DataFrame:
    """Segment label positions (core.segments.segment_centroids)."""
    return segments.segment_centroids(result, labels)


def selected_users(result, selection: dict) -> list[str]:
    """User ids inside the box the visitor drew (empty when none)."""
    box = (selection or {}).get("brush") or {}
    if "x" not in box or "y" not in box:
        return []
    return segments.select_box(result, box["x"], box["y"])


def with_new_segment(labels: pd.Series, user_ids: list[str], name: str) -> pd.Series:
    """Labels with the selected users moved to a new segment (core.segments.segmentation.relabel)."""
    return relabel(labels, user_ids, name)
