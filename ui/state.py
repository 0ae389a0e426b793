"""Shared app state: the current dataset, its cached feature table, the current run.

Pages call these helpers instead of touching ``st.session_state`` directly, so the
contract stays in one place (docs/architecture.md, "UI glue"). Everything expensive is
cached at this edge, keyed only by its inputs (the dataset id and parameters).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

_DATASET_KEY = "dataset"
_RUN_KEY = "run"


@dataclasses.dataclass(frozen=True)
class Run:
    """A saved segmentation run: parameters, labels and what the user named things."""

    run_id: str
    dataset_id: str
    params: Any
    labels: pd.Series
    quality: dict = dataclasses.field(default_factory=dict)
    names: dict = dataclasses.field(default_factory=dict)
    notes: dict = dataclasses.field(default_factory=dict)
    created_at: str = dataclasses.field(
        default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    )

    def with_names(self, names: dict) -> Run:
        """Return a copy with persona names replaced."""
        return dataclasses.replace(self, names=dict(names))

    def segment_name(self, segment: str) -> str:
        """The user's name for a segment, falling back to its label."""
        return self.names.get(segment, segment)


@st.cache_resource(show_spinner="Preparing the sample dataset...")
def _sample_dataset():
    from core.ingest import sample_dataset

    return sample_dataset()


def current_dataset():
    """The dataset the user is working on; the bundled sample until they load their own."""
    ds = st.session_state.get(_DATASET_KEY)
    if ds is None:
        ds = _sample_dataset()
    return ds


def set_current_dataset(dataset) -> None:
    """Switch to another dataset; a run made on the previous dataset no longer applies."""
    previous = st.session_state.get(_DATASET_KEY)
    st.session_state[_DATASET_KEY] = dataset
    if previous is None or previous.dataset_id != dataset.dataset_id:
        st.session_state.pop(_RUN_KEY, None)


def is_sample(dataset=None) -> bool:
    """True when the given (or current) dataset is the bundled sample."""
    ds = dataset or current_dataset()
    return ds.dataset_id == _sample_dataset().dataset_id


@st.cache_resource(max_entries=16)
def _engine(path: str):
    from core.engine import dataset_engine

    return dataset_engine(path)


def dataset_engine():
    """SQLAlchemy engine on the current dataset's DuckDB file (shared per process)."""
    return _engine(str(current_dataset().path))


@st.cache_data(max_entries=8, show_spinner="Building one row per user...")
def _features(path: str, dataset_id: str, as_of: str | None) -> pd.DataFrame:
    from core.features import build_features

    return build_features(_engine(path), as_of=as_of)


def features(as_of: str | None = None) -> pd.DataFrame:
    """The per-user feature table of the current dataset (cached by dataset id)."""
    ds = current_dataset()
    return _features(str(ds.path), ds.dataset_id, as_of)


def current_run() -> Run | None:
    """The segmentation run the user saved last for the current dataset, if any."""
    run = st.session_state.get(_RUN_KEY)
    if run is not None and run.dataset_id != current_dataset().dataset_id:
        return None
    return run


def set_current_run(run: Run) -> None:
    """Make ``run`` the current run that Map, Personas, Explore and Experiments use."""
    st.session_state[_RUN_KEY] = run
