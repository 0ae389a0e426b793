"""The dataset this session works on: the sample, a saved one, its engine and feature table.

Everything expensive is cached here, keyed only by its inputs (the dataset's file and id).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core.errors import DataError
from core.i18n import tr
from core.store import StoreError
from ui.common.session import DATASET_KEY, DS_PARAM, SAMPLE_LABEL, notify, query_param
from ui.common.storage import store
from ui.common.workspace import workspace_id

__all__ = [
    "open_saved_dataset",
    "current_dataset",
    "record_dataset",
    "is_sample",
    "dataset_label",
    "dataset_engine",
    "engine_of",
    "features",
    "features_of",
]

# The core.data and core.segments imports below are made on first use, for start-up
# speed: they load DuckDB and scikit-learn, which the login screen never needs.


@st.cache_resource(show_spinner=False)
def _cached_sample_dataset():
    """The bundled sample, loaded once per server process."""
    from core.data import sample_dataset

    return sample_dataset()


def _sample_dataset():
    """The bundled sample, with a note in the page's language while it first loads."""
    with st.spinner(tr("Preparing the sample dataset...")):
        return _cached_sample_dataset()


def open_saved_dataset(path: str):
    """Open a dataset file recorded in the store (raises DataError when it is gone)."""
    from core.data import open_dataset

    return open_dataset(path)


def current_dataset():
    """The dataset the user is working on; the bundled sample until they load their own."""
    ds = st.session_state.get(DATASET_KEY)
    if ds is None:
        ds = _dataset_from_link()
        if ds is not None:
            st.session_state[DATASET_KEY] = ds
    if ds is None:
        ds = _sample_dataset()
    return ds


def _dataset_from_link():
    """The dataset named in ``?ds=`` if the current workspace has it (else None)."""
    wanted = query_param(DS_PARAM)
    ws = workspace_id()
    s = store()
    if not wanted or ws is None or s is None:
        return None
    record = s.get_dataset(ws, wanted)
    if record is None:
        return None
    try:
        return open_saved_dataset(record.path)
    except DataError:
        notify(
            tr(
                "The data file of '{name}' is no longer on this server; load it again on "
                "the Data page (your saved runs are kept).",
                name=record.source_name,
            )
        )
        return None


def record_dataset(dataset, *, create_workspace: bool) -> str | None:
    """Make sure the store knows ``dataset`` in the current workspace; return the ws id."""
    s = store()
    ws = workspace_id(create=create_workspace)
    if s is None or ws is None:
        return None
    try:
        if s.get_dataset(ws, dataset.dataset_id) is None:
            report = getattr(dataset, "report", None)
            s.save_dataset(
                ws,
                dataset.dataset_id,
                str(dataset.path),
                source_name=(SAMPLE_LABEL if is_sample(dataset) else None)
                or getattr(report, "source_name", "")
                or "Your data",
                mapping=getattr(report, "mapping", None) or {},
                report=report,
            )
    except StoreError as exc:
        notify(str(exc))
        return None
    return ws


def is_sample(dataset=None) -> bool:
    """True when the given (or current) dataset is the bundled sample."""
    ds = dataset or current_dataset()
    return ds.dataset_id == _sample_dataset().dataset_id


def dataset_label(dataset=None) -> str:
    """What to call a dataset in the UI: 'Bundled sample' or its source file name."""
    ds = dataset or current_dataset()
    if is_sample(ds):
        return tr(SAMPLE_LABEL)
    return getattr(ds.report, "source_name", None) or tr("Your data")


@st.cache_resource(max_entries=16)
def engine_of(path: str):
    """SQLAlchemy engine on a dataset's DuckDB file, shared per process.

    Parameters
    ----------
    path : str
        The dataset file.

    Returns
    -------
    sqlalchemy.engine.Engine
    """
    from core.data.engine import dataset_engine

    return dataset_engine(path)


def dataset_engine():
    """SQLAlchemy engine on the current dataset's DuckDB file (shared per process)."""
    return engine_of(str(current_dataset().path))


# Heavy caches are bounded: a feature table of a million users is a few hundred MB, so
# keep a handful per process and drop them after two idle hours.
@st.cache_data(max_entries=8, ttl=dt.timedelta(hours=2), show_spinner=False)
def _features_of(path: str, dataset_id: str, as_of: str | None) -> pd.DataFrame:
    """The cached feature table (see :func:`features_of`)."""
    from core.segments.features import build_features

    return build_features(engine_of(path), as_of=as_of)


def features_of(path: str, dataset_id: str = "", as_of: str | None = None) -> pd.DataFrame:
    """The per-user feature table of one dataset file, cached for every page and view.

    Parameters
    ----------
    path : str
        The dataset file.
    dataset_id : str
        Its id, part of the cache key (a file replaced under the same path is new).
    as_of : str, optional
        The date features are computed at; the data's last day when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per user (:func:`core.segments.build_features`), cached per process. A
        spinner in the page's language shows while it is built (a cached table shows none:
        Streamlit draws a spinner only after half a second).
    """
    with st.spinner(tr("Building one row per user...")):
        return _features_of(path, dataset_id, as_of)


def features(as_of: str | None = None) -> pd.DataFrame:
    """The per-user feature table of the current dataset (cached by dataset id)."""
    ds = current_dataset()
    return features_of(str(ds.path), ds.dataset_id, as_of)
