"""Explore page: one chart with its title, download-data button and optional caption."""

from __future__ import annotations

import pandas as pd
import streamlit as st

try:  # the app's one spreadsheet-safe CSV writer (formula injection neutralised)
    from core.export import safe_csv
except ImportError:  # pragma: no cover - core.export ships with the app

    def safe_csv(df: pd.DataFrame, *, index: bool = False) -> bytes:
        """Fallback: prefix text cells that a spreadsheet would run with a quote."""
        out = df.copy()
        for col in out.columns:
            if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
                out[col] = out[col].map(
                    lambda v: "'" + v if isinstance(v, str) and v[:1] in "=+-@\t\r" else v
                )
        return out.to_csv(index=index).encode("utf-8-sig")


def chart(chart_obj, data: pd.DataFrame, key: str, caption: str | None = None) -> None:
    """Render an Altair chart with a 'Download data (CSV)' button under it."""
    st.altair_chart(chart_obj, width="stretch", theme=None)
    cols = st.columns([1, 3])
    cols[0].download_button(
        "Download data (CSV)",
        safe_csv(data),
        file_name=f"{key}.csv",
        mime="text/csv",
        key=f"explore_dl_{key}",
        icon=":material/download:",
    )
    if caption:
        cols[1].caption(caption)


#: Columns that hold money (two decimals) besides the money KPIs.
_MONEY_COLUMNS = {"revenue", "cost", "campaign_revenue"}


def kpi_columns(data: pd.DataFrame, labels: dict | None = None) -> dict:
    """``column_config`` for a table of KPIs: readable names, rates in %, money with cents.

    ``labels`` names columns the KPI catalogue does not (e.g. ``{"group": "Platform"}``).
    """
    from core.explore.reports import _kpi_label
    from core.personas.kpis import KPIS

    units = {k.key: k.unit for k in KPIS}
    config = {}
    for col in data.columns:
        name = (labels or {}).get(col) or _kpi_label(str(col))
        if units.get(col) in ("share", "per_view", "ratio"):  # per_view: as before, in %
            config[col] = st.column_config.NumberColumn(name, format="percent")
        elif units.get(col) == "money" or col in _MONEY_COLUMNS:
            config[col] = st.column_config.NumberColumn(name, format="accounting")
        elif pd.api.types.is_bool_dtype(data[col]):
            config[col] = st.column_config.CheckboxColumn(name)
        elif pd.api.types.is_integer_dtype(data[col]):
            config[col] = st.column_config.NumberColumn(name, format="localized")
        else:
            config[col] = st.column_config.Column(name)
    return config


def table(data: pd.DataFrame, key: str, labels: dict | None = None, **kwargs) -> None:
    """Show a KPI table (see :func:`kpi_columns`) with its own download button."""
    kwargs.setdefault("column_config", kpi_columns(data, labels))
    st.dataframe(data, hide_index=True, width="stretch", **kwargs)
    st.download_button(
        "Download table (CSV)",
        safe_csv(data),
        file_name=f"{key}.csv",
        mime="text/csv",
        key=f"explore_dl_{key}",
        icon=":material/download:",
    )


def pct(value) -> str:
    """A share as a percentage for metrics ('n/a' when undefined)."""
    return "n/a" if value is None or pd.isna(value) else f"{value:.1%}"


def money(value) -> str:
    """Money with two decimals ('n/a' when undefined)."""
    return "n/a" if value is None or pd.isna(value) else f"{value:,.2f}"
