"""Explore page: cached calls into ``core.explore``, one wrapper per core function.

Each wrapper takes the context's ``key`` (dataset id, run id, filters: what the cache is
keyed by) and the :class:`Context` itself as ``_ctx`` (not hashed: it carries the engine
and the labels, which the dataset id and run id stand for), plus the function's own
parameters, and calls the one ``core.explore`` function it is named after.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import pandas as pd
import streamlit as st

from core import explore
from core.errors import DataError
from core.i18n import N_, language, tr
from core.segments.features import LifecycleWindows
from ui.common import state

SAMPLE_COSTS = Path(__file__).resolve().parents[2] / "sample_data" / "campaign_costs.csv"
SPINNER = N_("Crunching the events...")


def _cached(spinner: str, max_entries: int):
    """``st.cache_data`` with a spinner in the page's language (the decorator's own spinner
    text is fixed when the module loads, so it could only ever be English)."""

    def decorate(func):
        cached = st.cache_data(max_entries=max_entries, show_spinner=False)(func)

        @functools.wraps(func)
        def run(*args, **kwargs):
            with st.spinner(tr(spinner)):
                return cached(*args, **kwargs)

        run.clear = cached.clear
        return run

    return decorate


@dataclasses.dataclass(frozen=True)
class Context:
    """What every section needs: the dataset, its engine, the run, filters and costs."""

    dataset_id: str
    engine: object
    bounds: explore.DataBounds
    filters: explore.ExploreFilters
    run_id: str | None
    labels: pd.Series | None
    names: dict
    costs: pd.DataFrame | None

    @property
    def key(self) -> tuple:
        """What a cached result depends on besides the call's own parameters."""
        return (self.dataset_id, self.run_id, self.filters)

    def name(self, segment: str) -> str:
        """A segment's name as on the Personas page (the label when it has none)."""
        return self.names.get(segment, segment)


@_cached(SPINNER, 32)
def activity(key: tuple, _ctx: Context) -> pd.DataFrame:
    """DAU / WAU / MAU and stickiness per day (``core.explore.activity``)."""
    return explore.activity(_ctx.engine, _ctx.filters, _ctx.labels)


@_cached(SPINNER, 32)
def active_hours(key: tuple, _ctx: Context) -> pd.DataFrame:
    """Events and interactions per weekday x hour (``core.explore.active_hours``)."""
    return explore.active_hours(_ctx.engine, _ctx.filters, _ctx.labels)


@_cached(SPINNER, 32)
def new_vs_returning(key: tuple, _ctx: Context, grain: explore.Grain) -> pd.DataFrame:
    """New and returning users per period (``core.explore.new_vs_returning``)."""
    return explore.new_vs_returning(_ctx.engine, _ctx.filters, _ctx.labels, grain)


@_cached(SPINNER, 32)
def lifecycle_mix(
    key: tuple, _ctx: Context, grain: explore.Grain, windows: LifecycleWindows
) -> pd.DataFrame:
    """Users per lifecycle stage per period (``core.explore.lifecycle_mix``)."""
    return explore.lifecycle_mix(_ctx.engine, _ctx.filters, _ctx.labels, grain, windows)


@_cached(N_("Computing KPIs..."), 64)
def kpi_summary(
    key: tuple, _ctx: Context, by: explore.Dimension | None, costs: pd.DataFrame | None
) -> pd.DataFrame:
    """Every KPI overall or by a dimension, with ROI when costs are given."""
    return explore.kpi_summary(_ctx.engine, _ctx.filters, _ctx.labels, by=by, costs=costs)


@_cached(SPINNER, 32)
def kpi_trends(key: tuple, _ctx: Context, grain: explore.Grain) -> pd.DataFrame:
    """KPIs per period with the change against the previous one (``core.explore.kpi_trends``)."""
    return explore.kpi_trends(_ctx.engine, _ctx.filters, _ctx.labels, grain)


@_cached(N_("Measuring campaign targeting..."), 32)
def campaign_targeting(key: tuple, _ctx: Context, targets: tuple) -> pd.DataFrame:
    """Targeting accuracy and persona match rate per campaign; ``targets`` as (campaign, segment) pairs."""
    return explore.campaign_targeting(_ctx.engine, _ctx.filters, _ctx.labels, dict(targets))


@_cached(SPINNER, 32)
def engagement_ladder(key: tuple, _ctx: Context) -> pd.DataFrame:
    """Users reaching each engagement step, per segment (``core.explore.engagement_ladder``)."""
    return explore.engagement_ladder(_ctx.engine, _ctx.filters, _ctx.labels)


@_cached(SPINNER, 32)
def retention_matrix(key: tuple, _ctx: Context, grain: explore.Grain) -> pd.DataFrame:
    """Cohort retention (``core.explore.retention_matrix``)."""
    return explore.retention_matrix(_ctx.engine, _ctx.filters, _ctx.labels, grain)


@_cached(SPINNER, 32)
def by_attribute(key: tuple, _ctx: Context, attribute: str) -> pd.DataFrame:
    """Users and KPIs per value of a user attribute (``core.explore.by_attribute``)."""
    return explore.by_attribute(_ctx.engine, attribute, _ctx.filters, _ctx.labels)


@_cached(SPINNER, 32)
def goal_progress(
    key: tuple, _ctx: Context, goals: tuple[explore.Goal, ...], grain: explore.Grain
) -> pd.DataFrame:
    """Progress toward each goal (``core.explore.goal_progress``)."""
    return explore.goal_progress(_ctx.engine, goals, _ctx.filters, _ctx.labels, grain)


@_cached(SPINNER, 32)
def daily_signals(key: tuple, _ctx: Context) -> pd.DataFrame:
    """Daily comments, shares and negative comment share (``core.explore.daily_signals``)."""
    return explore.daily_signals(_ctx.engine, _ctx.filters, _ctx.labels)


@st.cache_data(max_entries=8, show_spinner=False)
def _bounds(dataset_id, _engine) -> explore.DataBounds:
    return explore.data_bounds(_engine)


@st.cache_data(max_entries=8, show_spinner=False)
def sample_costs() -> pd.DataFrame | None:
    """The bundled sample's campaign costs (None when the file is missing)."""
    return explore.read_campaign_costs(SAMPLE_COSTS) if SAMPLE_COSTS.is_file() else None


@_cached(N_("Writing the report..."), 8)
def report(
    dataset_id,
    run_id,
    grain,
    filters,
    costs,
    goals,
    targets,
    names,
    lang,
    _engine,
    _labels,
    previous_id=None,
    _previous=None,
):
    """Build the weekly / monthly report in language ``lang``, cached by its inputs.

    ``targets`` and ``names`` are tuples of (key, value) pairs so they hash;
    ``previous_id`` names the earlier run of ``_previous`` (its labels, names and id) whose
    segment migration the report adds. The HTML
    and PDF are rendered when first read (``core.explore.Report``), in ``lang`` too: the
    report keeps its language, whatever the page's language is when a download is clicked.
    """
    with language(lang):
        return explore.build_report(
            _engine, grain=grain, filters=filters, labels=_labels, costs=costs, goals=goals,
            targets=dict(targets) or None, names=dict(names), lang=lang, previous=_previous,
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
