"""Cached calls into core for the Personas page (keyed by dataset, run and options only)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.errors import DataError
from core.export import personas_pdf, safe_csv
from core.personas import (
    build_personas,
    compare_segments,
    compute_kpis,
    fit_clv,
    persona_names,
    rfm_summary,
)
from ui.common import state


@st.cache_data(max_entries=16, show_spinner="Computing KPIs per segment...")
def kpi_table(dataset_id: str, run_id: str, _engine, _labels: pd.Series) -> pd.DataFrame:
    """KPIs per segment and for all users (core.personas.compute_kpis)."""
    return compute_kpis(_engine, _labels)


@st.cache_data(max_entries=8, show_spinner="Estimating lifetime value...")
def clv_table(dataset_id: str, _engine) -> tuple[pd.DataFrame | None, str]:
    """Per-customer CLV, or (None, reason) when the data cannot support the models."""
    try:
        result = fit_clv(rfm_summary(_engine))
    except DataError as exc:
        return None, str(exc)
    return result.table, result.message


@st.cache_data(max_entries=16, show_spinner="Building persona cards...")
def build_cards(
    dataset_id: str,
    run_id: str,
    min_group_size: int,
    with_clv: bool,
    _features: pd.DataFrame,
    _labels: pd.Series,
    _engine,
) -> list:
    """Persona cards of a run (core.personas.build_personas), CLV and KPIs included."""
    table = kpi_table(dataset_id, run_id, _engine, _labels)
    clv = clv_table(dataset_id, _engine)[0] if with_clv else None
    return build_personas(
        _features, _labels, engine=_engine, min_group_size=min_group_size, clv=clv, kpis=table
    )


@st.cache_data(max_entries=16, show_spinner=False)
def auto_names(dataset_id: str, run_id: str, _features, _labels) -> dict[str, str]:
    """The persona names the Personas page shows before any renaming."""
    try:
        return persona_names(_features, _labels)
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


@st.cache_data(max_entries=32, show_spinner="Testing the differences...")
def compare_table(
    dataset_id: str, run_id: str, a: str, b: str, min_group_size: int, _features, _labels
):
    """Two segments compared feature by feature, BH-corrected (core.personas.compare_segments)."""
    return compare_segments(_features, _labels, a, b, min_group_size=min_group_size)


@st.cache_data(max_entries=8, show_spinner="Writing the PDF deck...")
def pdf_deck(
    dataset_id: str, run_id: str, min_group_size: int, names: tuple, _cards: list
) -> bytes:
    """The workshop deck (core.export.personas_pdf), cached by the names shown on it."""
    return personas_pdf(_cards, dict(names))


def members_csv(labels: pd.Series, segment: str, name: str) -> bytes:
    """Spreadsheet-safe CSV of one segment's members for a CRM or ad platform."""
    ids = labels.index[labels.astype(str) == segment].astype(str)
    frame = pd.DataFrame({"user_id": ids, "segment": segment, "persona": name})
    return safe_csv(frame)
