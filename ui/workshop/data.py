"""Cached calls into core for the workshop board: participants' sets, agreement, QR codes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pandas as pd
import streamlit as st

from core import i18n
from core.errors import DataError
from core.store import Store, SweepResult
from ui.common.datasets import features_of

__all__ = [
    "ParticipantSet",
    "participant_sets",
    "agreement",
    "qr_png",
    "sweep",
    "sweep_once_per_process",
]


@dataclasses.dataclass(frozen=True)
class ParticipantSet:
    """One participant's latest saved persona set, as the board shows it."""

    name: str
    workspace_id: str
    run_id: str | None = None
    dataset_name: str = ""
    labels: pd.Series | None = None
    personas: tuple[tuple[str, int], ...] = ()  # (persona name, users), largest first
    saved_at: dt.datetime | None = None  # the run's last save, local time

    @property
    def users(self) -> int:
        """Users segmented in this set."""
        return int(sum(n for _, n in self.personas))


# core.data and core.personas are imported on first use: they load DuckDB and
# scikit-learn, which a participant's join screen never needs.


@st.cache_data(max_entries=64, show_spinner=False)
def _auto_names(
    path: str, run_key: str, lang: str, _features: pd.DataFrame, _labels: pd.Series
) -> dict[str, str]:
    """Automatic persona names of a run in language ``lang`` (as the Personas page names them)."""
    from core.personas import persona_names

    try:
        return persona_names(_features, _labels, language=lang)
    except DataError:
        return {}


def participant_sets(store: Store, workshop_id: str) -> list[ParticipantSet]:
    """Every participant of a workshop with their latest saved run (None when none yet)."""
    sets = []
    for p in store.list_participants(workshop_id):
        runs = store.list_runs(p.workspace_id)
        record = store.get_run(p.workspace_id, runs[0].run_id) if runs else None
        if record is None:
            sets.append(ParticipantSet(p.display_name, p.workspace_id))
            continue
        dataset = store.get_dataset(p.workspace_id, record.dataset_id)
        names = {}
        if dataset is not None:
            key = f"{p.workspace_id}/{record.run_id}/{record.version}"
            try:  # the feature table is cached per dataset (ui.common.datasets)
                features = features_of(dataset.path)
            except DataError:
                features = None
            if features is not None:
                names = _auto_names(dataset.path, key, i18n.current(), features, record.labels)
        names.update({k: v for k, v in record.names.items() if v})
        sizes = record.labels.value_counts()
        personas = tuple((str(names.get(seg, seg)), int(n)) for seg, n in sizes.items())
        sets.append(
            ParticipantSet(
                p.display_name,
                p.workspace_id,
                record.run_id,
                dataset.source_name if dataset is not None else "",
                record.labels,
                personas,
                record.updated_at.astimezone(),
            )
        )
    return sets


def agreement(sets: list[ParticipantSet]) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """ARI matrix and shared-user counts between participants' sets (None below two sets)."""
    from core.segments import agreement_matrix

    labelled = {s.name: s.labels for s in sets if s.labels is not None}
    return agreement_matrix(labelled) if len(labelled) >= 2 else None


@st.cache_data(max_entries=32, show_spinner=False)
def qr_png(link: str) -> bytes:
    """A QR code of ``link`` as a PNG, big enough to scan from the back of a room."""
    import segno  # imported on first use: only the facilitator's board draws QR codes

    buffer = io.BytesIO()
    # Error correction M survives a projector's glare; 14 px modules and the standard
    # quiet zone of 4 modules give a crisp code of about 600 px for a ~60-character link.
    segno.make(link, error="m").save(buffer, kind="png", scale=14, border=4)
    return buffer.getvalue()


@st.cache_resource(show_spinner=False)
def _sample_path() -> str | None:
    """The bundled sample's dataset file (never deleted by a sweep: every session shares it)."""
    from core.data import sample_dataset

    try:
        return str(sample_dataset().path)
    except DataError:
        return None


def sweep(store: Store) -> SweepResult:
    """Delete the work of workshops past their last day (see ``Store.sweep_workshops``)."""
    if not store.has_work_to_sweep():  # the usual case: no need to find the sample
        return SweepResult(0, 0, ())
    keep = [p for p in (_sample_path(),) if p]
    return store.sweep_workshops(keep_files=keep)


@st.cache_resource(show_spinner=False)
def sweep_once_per_process(_store: Store, url: str) -> SweepResult:
    """The sweep at app start: once per server process and store."""
    return sweep(_store)
