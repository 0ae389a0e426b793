"""Explore page: cached calls into core.explore.dashboards / core.explore.reports (keyed by their inputs only).

The engine and labels are passed with a leading underscore (not hashed); the dataset id
and run id stand in for them in the cache key.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import streamlit as st

from core.errors import DataError
from core.explore import dashboards as ex
from core.explore import reports
from core.explore.targeting import campaign_targeting
from ui.common import state

SAMPLE_COSTS = Path(__file__).resolve().parents[2] / "sample_data" / "campaign_costs.csv"


@dataclasses.dataclass(frozen=True)
class Context:
    """What every section needs: the dataset, its engine, the run, filters and costs."""

    dataset_id: str
    engine: object
    bounds: ex.DataBounds
    filters: ex.ExploreFilters
    run_id: str | None
    labels: pd.Series | None
    names: dict
    costs: pd.DataFrame | None

    def name(self, segment: str) -> str:
        """A segment's name as on the Personas page (the label when it has none)."""
        return self.names.get(segment, segment)

    def call(self, name: str, **kwargs):
        """Run ``core.explore.dashboards.<name>`` with the page filters, cached."""
        return _call(name, self.dataset_id, self.run_id, self.filters,
                     tuple(sorted(kwargs.items())), _engine=self.engine, _labels=self.labels)  # fmt: skip

    def kpis(self, by: str | None = None) -> pd.DataFrame:
        """KPI summary (with ROI when a cost table is loaded), cached."""
        return _kpis(self.dataset_id, self.run_id, self.filters, by, self.costs,
                     _engine=self.engine, _labels=self.labels)  # fmt: skip

    def targeting(self, targets: dict[str, str]) -> pd.DataFrame:
        """Targeting accuracy and persona match rate per campaign (core.explore.targeting), cached."""
        return _targeting(self.dataset_id, self.run_id, self.filters, tuple(targets.items()),
                          _engine=self.engine, _labels=self.labels)  # fmt: skip


@st.cache_data(max_entries=128, show_spinner="Crunching the events...")
def _call(name, dataset_id, run_id, filters, kwargs, _engine, _labels):
    return getattr(ex, name)(_engine, filters=filters, labels=_labels, **dict(kwargs))


@st.cache_data(max_entries=64, show_spinner="Computing KPIs...")
def _kpis(dataset_id, run_id, filters, by, costs, _engine, _labels):
    return ex.kpi_summary(_engine, filters, _labels, by=by, costs=costs)


@st.cache_data(max_entries=32, show_spinner="Measuring campaign targeting...")
def _targeting(dataset_id, run_id, filters, targets, _engine, _labels):
    return campaign_targeting(_engine, filters, _labels, dict(targets))


@st.cache_data(max_entries=8, show_spinner=False)
def _bounds(dataset_id, _engine) -> ex.DataBounds:
    return ex.data_bounds(_engine)


@st.cache_data(max_entries=8, show_spinner=False)
def sample_costs() -> pd.DataFrame | None:
    """The bundled sample's campaign costs (None when the file is missing)."""
    return ex.read_campaign_costs(SAMPLE_COSTS) if SAMPLE_COSTS.is_file() else None


@st.cache_data(max_entries=8, show_spinner="Writing the report...")
def report(dataset_id, run_id, grain, filters, costs, goals, targets, names, _engine, _labels):
    """Build the weekly / monthly report, cached by its inputs.

    ``targets`` and ``names`` are tuples of (key, value) pairs so they hash.
    """
    return reports.build_report(
        _engine, grain=grain, filters=filters, labels=_labels, costs=costs, goals=goals,
        targets=dict(targets) or None, names=dict(names),
    )  # fmt: skip


def current_run():
    """The saved segmentation run, or None (a broken store never breaks Explore)."""
    try:
        return state.current_run()
    except DataError:
        return None


def open_dataset():
    """(dataset, engine, bounds) of the current dataset; raises DataError with a message."""
    ds = state.current_dataset()
    engine = state.dataset_engine()
    return ds, engine, _bounds(ds.dataset_id, engine)
