"""Explore page: a chart or KPI table with its download button, and how KPI columns and values read."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.explore import charts
from core.export import safe_csv
from core.i18n import tr
from core.personas.kpis import format_kpi_value, kpi_unit


def chart(chart_obj, data: pd.DataFrame, key: str, caption: str | None = None) -> None:
    """Render an Altair chart with a 'Download data (CSV)' button under it."""
    st.altair_chart(chart_obj, width="stretch", theme=None)
    cols = st.columns([1, 3])
    cols[0].download_button(
        tr("Download data (CSV)"),
        safe_csv(data),
        file_name=f"{key}.csv",
        mime="text/csv",
        key=f"explore_dl_{key}",
        icon=":material/download:",
    )
    if caption:
        cols[1].caption(caption)


def kpi_columns(data: pd.DataFrame, labels: dict | None = None) -> dict:
    """``column_config`` for a table of KPIs: readable names, rates in %, money with cents.

    ``labels`` names columns the KPI catalogue does not (e.g. ``{"group": "Platform"}``).
    """
    config = {}
    for col in data.columns:
        name = (labels or {}).get(col) or charts.column_label(str(col))
        unit = kpi_unit(str(col))
        if unit in ("share", "per_view", "ratio"):  # per_view: as before, in %
            config[col] = st.column_config.NumberColumn(name, format="percent")
        elif unit == "money":
            config[col] = st.column_config.NumberColumn(name, format="accounting")
        elif pd.api.types.is_bool_dtype(data[col]):
            config[col] = st.column_config.CheckboxColumn(name)
        elif pd.api.types.is_integer_dtype(data[col]):
            config[col] = st.column_config.NumberColumn(name, format="localized")
        else:
            config[col] = st.column_config.Column(name)
    return config


def kpi_text(kpi: str, value) -> str:
    """One KPI value as the page's tables and the report write it (ROI 0.25 -> 25.00%)."""
    return format_kpi_value(kpi, value, "table")


def table(data: pd.DataFrame, key: str, labels: dict | None = None, **kwargs) -> None:
    """Show a KPI table (see :func:`kpi_columns`) with its own download button."""
    kwargs.setdefault("column_config", kpi_columns(data, labels))
    st.dataframe(data, hide_index=True, width="stretch", **kwargs)
    st.download_button(
        tr("Download table (CSV)"),
        safe_csv(data),
        file_name=f"{key}.csv",
        mime="text/csv",
        key=f"explore_dl_{key}",
        icon=":material/download:",
    )
