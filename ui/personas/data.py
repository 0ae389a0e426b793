"""Cached calls into core for the Personas page (keyed by dataset, run, options and language).

Cards, names, comparisons and the deck are written in a language, so each cached call
that returns text takes the language (``i18n.current()``) as an argument: switching to
简体中文 builds Chinese cards instead of showing the English ones from the cache.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import i18n
from core.errors import DataError
from core.export import personas_pdf, safe_csv
from core.i18n import tr
from core.personas import (
    build_personas,
    compare_segments,
    compute_kpis,
    fit_clv,
    persona_names,
    rfm_summary,
)
from ui.common import state


def kpi_table(dataset_id: str, run_id: str, _engine, _labels: pd.Series) -> pd.DataFrame:
    """KPIs per segment and for all users (core.personas.compute_kpis)."""
    with st.spinner(tr("Computing KPIs per segment...")):
        return _kpi_table(dataset_id, run_id, _engine, _labels)


@st.cache_data(max_entries=16, show_spinner=False)
def _kpi_table(dataset_id: str, run_id: str, _engine, _labels: pd.Series) -> pd.DataFrame:
    """The cached KPI numbers (no text: one copy for every language)."""
    return compute_kpis(_engine, _labels)


def clv_table(dataset_id: str, _engine) -> tuple[pd.DataFrame | None, str]:
    """Per-customer CLV, or (None, reason) when the data cannot support the models."""
    with st.spinner(tr("Estimating lifetime value...")):
        return _clv_table(dataset_id, i18n.current(), _engine)


@st.cache_data(max_entries=8, show_spinner=False)
def _clv_table(dataset_id: str, lang: str, _engine) -> tuple[pd.DataFrame | None, str]:
    """clv_table in language ``lang`` (the reason is a sentence)."""
    with i18n.language(lang):
        try:
            result = fit_clv(rfm_summary(_engine))
        except DataError as exc:
            return None, str(exc)
        return result.table, result.message


def build_cards(
    dataset_id: str,
    run_id: str,
    min_group_size: int,
    with_clv: bool,
    _features: pd.DataFrame,
    _labels: pd.Series,
    _engine,
) -> list:
    """Persona cards of a run (core.personas.build_personas), CLV and KPIs included, in
    the page's language."""
    with st.spinner(tr("Building persona cards...")):
        return _build_cards(
            dataset_id,
            run_id,
            min_group_size,
            with_clv,
            i18n.current(),
            _features,
            _labels,
            _engine,
        )


@st.cache_data(max_entries=16, show_spinner=False)
def _build_cards(
    dataset_id: str,
    run_id: str,
    min_group_size: int,
    with_clv: bool,
    lang: str,
    _features: pd.DataFrame,
    _labels: pd.Series,
    _engine,
) -> list:
    """build_cards for one language (one cached copy per language)."""
    table = _kpi_table(dataset_id, run_id, _engine, _labels)
    clv = _clv_table(dataset_id, lang, _engine)[0] if with_clv else None
    with i18n.language(lang):
        return build_personas(
            _features, _labels, engine=_engine, min_group_size=min_group_size, clv=clv, kpis=table
        )


def auto_names(dataset_id: str, run_id: str, _features, _labels) -> dict[str, str]:
    """The persona names the Personas page shows before any renaming, in its language."""
    return _auto_names(dataset_id, run_id, i18n.current(), _features, _labels)


@st.cache_data(max_entries=16, show_spinner=False)
def _auto_names(dataset_id: str, run_id: str, lang: str, _features, _labels) -> dict[str, str]:
    """auto_names in language ``lang``."""
    try:
        return persona_names(_features, _labels, language=lang)
    except DataError:
        return {}


def run_names(run) -> dict[str, str]:
    """Segment -> the name the Personas page shows: the user's own, else the automatic one.

    For the Map legend and the Experiments verdicts, so a segment has one name everywhere.
    """
    saved = {k: v for k, v in dict(run.names).items() if v}
    try:
        dataset, features = state.current_dataset(), state.features()
    except DataError:
        return saved
    return {**auto_names(dataset.dataset_id, run.run_id, features, run.labels), **saved}


def compare_table(
    dataset_id: str, run_id: str, a: str, b: str, min_group_size: int, _features, _labels
):
    """Two segments compared feature by feature, BH-corrected (core.personas.compare_segments)."""
    with st.spinner(tr("Testing the differences...")):
        return _compare_table(
            dataset_id, run_id, a, b, min_group_size, i18n.current(), _features, _labels
        )


@st.cache_data(max_entries=32, show_spinner=False)
def _compare_table(
    dataset_id: str,
    run_id: str,
    a: str,
    b: str,
    min_group_size: int,
    lang: str,
    _features,
    _labels,
):
    """compare_table in language ``lang`` (its labels and sentences are text)."""
    with i18n.language(lang):
        return compare_segments(_features, _labels, a, b, min_group_size=min_group_size)


def pdf_deck(
    dataset_id: str, run_id: str, min_group_size: int, names: tuple, _cards: list, lang: str
) -> bytes:
    """The workshop deck (core.export.personas_pdf), cached by the names and language."""
    with st.spinner(tr("Writing the PDF deck...")):
        return _pdf_deck(dataset_id, run_id, min_group_size, names, lang, _cards)


@st.cache_data(max_entries=8, show_spinner=False)
def _pdf_deck(
    dataset_id: str, run_id: str, min_group_size: int, names: tuple, lang: str, _cards: list
) -> bytes:
    """pdf_deck for one language."""
    with i18n.language(lang):
        return personas_pdf(_cards, dict(names))


def members_csv(labels: pd.Series, segment: str, name: str) -> bytes:
    """Spreadsheet-safe CSV of one segment's members for a CRM or ad platform."""
    ids = labels.index[labels.astype(str) == segment].astype(str)
    frame = pd.DataFrame({"user_id": ids, "segment": segment, "persona": name})
    return safe_csv(frame)
