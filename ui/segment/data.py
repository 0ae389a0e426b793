"""Cached calls into core.segments for the Segment page (keyed by dataset + params)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

import core.segments as seg
from core import i18n
from core.errors import DataError
from core.i18n import N_, fmt, tr
from ui.common import jobs

#: Method -> its name on the page (translated where shown: :func:`method_label`).
METHOD_LABELS = {
    "auto": N_("Automatic (recommended)"),
    "kmeans": N_("k-means (fast, round groups)"),
    "gmm": N_("Gaussian mixture (groups of any shape)"),
    "agglomerative": N_("Hierarchical (Ward)"),
    "hdbscan": N_("Density (HDBSCAN: finds its own number, marks outliers)"),
    "rfm": N_("RFM rules (recency, frequency, money)"),
}
TRANSFORM_LABELS = {
    "log1p+standard": N_("Log counts and money, then standardise (recommended)"),
    "log1p+robust": N_("Log counts and money, then robust scaling (many outliers)"),
    "standard": N_("Standardise only"),
    "robust": N_("Robust scaling only"),
}


def method_label(method: str) -> str:
    """A method's name in the page's language."""
    return tr(METHOD_LABELS[method]) if method in METHOD_LABELS else method


def transform_label(transform: str) -> str:
    """A scaling's name in the page's language."""
    return tr(TRANSFORM_LABELS[transform]) if transform in TRANSFORM_LABELS else transform


@st.cache_data(max_entries=32, show_spinner=False)
def _segment(dataset_id: str, params: seg.SegmentParams, lang: str, _features: pd.DataFrame):
    """core.segments.segmentation.segment, cached by dataset id, parameters and language.

    The result carries sentences (notes, warnings), so each language has its own entry.
    """
    with i18n.language(lang):
        return seg.segment(_features, params)


@st.cache_resource
def _auto_results() -> dict:
    """Automatic runs by (dataset id, parameters), shared by the sessions of this process.

    Not ``st.cache_data``: the automatic path draws a progress bar while it runs, and
    cache_data would replay that element on a later hit, in a block that no longer
    exists. The results are read-only, so sharing them is safe.
    """
    return {}


def run_segment(dataset_id: str, params: seg.SegmentParams, features: pd.DataFrame):
    """Segment (cached); the automatic path shows a progress bar while it reads the data."""
    lang = i18n.current()
    if params.method != "auto":
        with st.spinner(tr("Finding segments...")):
            return _segment(dataset_id, params, lang, features)
    cache = _auto_results()
    key = (dataset_id, params, lang)  # the reasons are sentences in one language
    if key not in cache:
        bar = st.progress(0.0, text=tr("Reading the data"))
        try:
            with i18n.language(lang):
                cache[key] = seg.segment(
                    features, params, progress=lambda f, text: bar.progress(f, text=text)
                )
        finally:
            bar.empty()
        while len(cache) > 16:  # oldest first (dicts keep insertion order)
            cache.pop(next(iter(cache)))
    return cache[key]


@st.cache_data(max_entries=128, show_spinner=False)
def _sweep_one(dataset_id: str, params: seg.SegmentParams, k: int, _features: pd.DataFrame):
    """Quality metrics for one k (cached, so a cancelled sweep resumes where it stopped)."""
    return seg.sweep_k(_features, params, ks=[k])


def run_sweep(dataset_id: str, params: seg.SegmentParams, features: pd.DataFrame, ks=range(2, 11)):
    """Quality per k and the recommended k, as this session's heavy job.

    Shows progress and a Cancel button (``ui.common.jobs``); returns None when cancelled.
    """
    ks = list(ks)
    parts = []
    label = tr(
        "Trying {first} to {last} segments", first=fmt.number(ks[0]), last=fmt.number(ks[-1])
    )
    with jobs.heavy_job(label, key="seg_sweep") as job:
        for i, k in enumerate(ks):
            job.progress(
                i / len(ks),
                tr(
                    "Trying {k} segments ({i} of {n})",
                    k=fmt.number(k),
                    i=fmt.number(i + 1),
                    n=fmt.number(len(ks)),
                ),
            )
            if k < features.shape[0]:  # more segments than users cannot be fitted
                parts.append(_sweep_one(dataset_id, params, k, features))
    if not parts:
        raise DataError(tr("No candidate number of segments fits this data; add more users."))
    table = pd.concat(parts, ignore_index=True)
    return table, seg.recommend_k(table)


@st.cache_data(max_entries=16, show_spinner=False)
def _stability(dataset_id: str, params: seg.SegmentParams, _features: pd.DataFrame):
    """Stability over 10 re-runs on 80% samples (numbers only: no language in the key)."""
    return seg.stability(_features, params, n_runs=10)


def run_stability(dataset_id: str, params: seg.SegmentParams, features: pd.DataFrame):
    """Stability over 10 re-runs on 80% samples, with a spinner in the page's language."""
    with st.spinner(tr("Re-running on samples to check stability...")):
        return _stability(dataset_id, params, features)


def numeric_columns(features: pd.DataFrame) -> list[str]:
    """Numeric feature columns the user can pick."""
    return seg.numeric_feature_columns(features)


def categorical_columns(features: pd.DataFrame) -> list[str]:
    """Categorical attributes the user can add."""
    return seg.categorical_feature_columns(features)


def default_features(features: pd.DataFrame) -> list[str]:
    """The default behavioural features present in this dataset."""
    return [c for c in seg.DEFAULT_FEATURES if c in features.columns]


def auto_table(choice) -> pd.DataFrame:
    """What the automatic path kept, in words, with weights (largest first)."""
    what, weight = tr("What carries the groups"), tr("Weight")
    rows = [
        {what: seg.candidate_label(f), weight: round(float(w), 2)}
        for f, w in sorted(choice.weights.items(), key=lambda kv: -kv[1])
    ]
    return pd.DataFrame(rows, columns=[what, weight])


def dropped_table(choice) -> pd.DataFrame:
    """What the automatic path left out and why, in words."""
    left, why_col = tr("Left out"), tr("Why")
    rows = [{left: seg.candidate_label(f), why_col: why} for f, why in choice.dropped.items()]
    return pd.DataFrame(rows, columns=[left, why_col])


#: The automatic path's verdict (translated where shown: :func:`structure_words`).
STRUCTURE_WORDS = {
    "clear": N_("**Clear groups.** The data has distinct groups of users."),
    "weak": N_("**Weak groups.** The groups overlap or change between samples: a first sketch."),
    "none": N_("**No distinct groups.** The data shows one continuous crowd of users."),
}


def structure_words(structure: str) -> str:
    """The automatic path's verdict in the page's language."""
    return tr(STRUCTURE_WORDS[structure])


def quality_words(quality: dict) -> str:
    """Silhouette in plain words (Kaufman & Rousseeuw's usual reading of the scale)."""
    s = quality.get("silhouette")
    if s is None or s != s:
        return tr("Separation cannot be measured with fewer than two segments.")
    value = fmt.number(s, 2)
    if s >= 0.5:
        return tr("Segments are **clearly separated** (silhouette {value} of 1).", value=value)
    if s >= 0.25:
        return tr("Segments are **reasonably separated** (silhouette {value} of 1).", value=value)
    return tr(
        "Segments **overlap a lot** (silhouette {value} of 1): try other features, weights "
        "or fewer segments.",
        value=value,
    )


def stability_words(result: seg.StabilityResult) -> str:
    """Stability in plain words (Hennig 2007 thresholds on the per-segment Jaccard)."""
    shaky = [seg.segment_label(s) for s, j in result.jaccard.items() if j < 0.6]
    head = tr(
        "Re-running on samples reproduces {share} of the grouping (worst run {worst}).",
        share=fmt.percent(result.mean_ari),
        worst=fmt.percent(result.min_ari),
    )
    if result.mean_ari >= 0.8 and not shaky:
        return tr("Segments are **stable**. {head}", head=head)
    if shaky:
        return tr(
            "{head} Segment(s) **{segments}** change a lot between runs: treat them with care "
            "or try a different number of segments.",
            head=head,
            segments=tr(", ").join(shaky),
        )
    return tr("Segments are **fairly stable**. {head}", head=head)


# --- the saved run's own settings ----------------------------------------------------------

_RESTORED_KEY = "_seg_restored_run"


def _saved_params(params) -> seg.SegmentParams | None:
    """The run's parameters as SegmentParams (runs saved as a dict are rebuilt), or None."""
    if isinstance(params, seg.SegmentParams):
        return params
    if not isinstance(params, dict):
        return None
    fields = {f.name for f in dataclasses.fields(seg.SegmentParams)}
    try:
        return seg.SegmentParams(**{k: v for k, v in params.items() if k in fields})
    except (TypeError, ValueError):
        return None


def restore_saved_settings(run, numeric: list[str], categorical: list[str]) -> None:
    """Point the Segment widgets at the settings of ``run`` (the current saved run).

    Done when the page is opened (its widgets are new: a permalink, a reload, a page
    switch) and when another saved run becomes current, never while the user tunes the
    widgets of the same run. Whatever the page's defaults are, a saved run is shown
    with its own method, features, weights, scaling, k, seed and sizes, so its run id
    and segments are the saved ones. Features the dataset no longer has are left out.
    """
    if run is None:
        return
    fresh = "seg_method" not in st.session_state
    if not fresh and st.session_state.get(_RESTORED_KEY) == run.run_id:
        return
    st.session_state[_RESTORED_KEY] = run.run_id
    params = _saved_params(run.params)
    if params is None or params.method not in seg.METHODS:
        return
    widgets = {
        "seg_method": params.method,
        "seg_seed": int(params.seed),
        "seg_pca": int(params.pca_components or 0),
        "seg_min_size": int(params.min_cluster_size),
    }
    if params.method != "rfm":
        chosen = [f for f in params.features if f in numeric]
        widgets["seg_features"] = chosen
        widgets.update({f"seg_w_{f}": float(params.weight_of(f)) for f in chosen})
        widgets["seg_categorical"] = [c for c in params.categorical if c in categorical]
        if params.transform in seg.TRANSFORMS:
            widgets["seg_transform"] = params.transform
    if params.method in ("kmeans", "gmm", "agglomerative"):
        widgets["seg_k"] = int(params.k)
    st.session_state.update(widgets)
