"""The Personas page's segment migration: a Sankey of who moved between personas.

Two ways to compare: the current run against another saved run of the same dataset, or
the current run's segments at two dates (the same definitions applied inside the
dataset's database at each date). The movement table downloads as CSV.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core.common.markdown import escape_markdown
from core.errors import DataError
from core.export import safe_csv
from core.i18n import current, fmt, tr
from core.personas import (
    migration_chart,
    movement_sentence,
    movement_table,
    period_movement,
    shown_table,
)
from ui.common import state
from ui.common.storage import store
from ui.common.workspace import workspace_id
from ui.personas.data import run_names

__all__ = ["earlier_run_picker", "render_migration"]


@st.cache_data(max_entries=16, show_spinner=False)
def _run_labels(ws: str, run_id: str) -> tuple[pd.Series, dict] | None:
    """A saved run's labels and persona names."""
    s = store()
    record = None if s is None else s.get_run(ws, run_id)
    if record is None:
        return None
    return record.labels, {k: v for k, v in dict(record.names).items() if v}


@st.cache_data(max_entries=16, show_spinner=False)
def _period_table(
    dataset_id: str, run_id: str, before: dt.date, after: dt.date, _engine, _params, _names
) -> pd.DataFrame:
    """The same segments at two dates (untranslated; translated when shown)."""
    return period_movement(_engine, _params, before=before, after=after, names=_names)


def _describe(summary) -> str:
    """A saved run in the run picker: id, date saved and segments."""
    return tr(
        "{run_id} (saved {date}, {n} segments)",
        run_id=summary.run_id,
        date=fmt.date(summary.updated_at),
        n=fmt.number(summary.n_segments),
    )


def earlier_run_picker(run, dataset_id: str, key: str) -> tuple[pd.Series, dict, str] | None:
    """A picker of another saved run of this dataset, for the report's migration section.

    Returns
    -------
    (pandas.Series, dict, str) or None
        The picked run's labels, persona names and id; None when none is picked or saved.
    """
    others = [r for r in state.saved_runs(dataset_id) if run is None or r.run_id != run.run_id]
    if run is None or not others:
        return None
    shown = {None: tr("None"), **{r.run_id: _describe(r) for r in others}}
    chosen = st.selectbox(
        tr("Segment migration since"),
        list(shown),
        format_func=shown.get,
        key=key,
        help=tr("Adds who moved from which persona to which since that saved run."),
    )
    ws = workspace_id()
    loaded = _run_labels(ws, chosen) if ws and chosen else None
    return None if loaded is None else (loaded[0], loaded[1], chosen)


def render_migration(run, dataset) -> None:
    """The migration section: pick what to compare, the Sankey, the sentence, the CSV.

    Parameters
    ----------
    run : ui.common.session.Run
        The current run (the "after" side).
    dataset : Dataset
        The current dataset.
    """
    names = run_names(run)
    st.divider()
    st.subheader(tr("Segment migration"))
    st.caption(
        tr(
            "Who moved from which persona to which: between two saved segmentations of "
            "this dataset, or with the same segments at two dates."
        )
    )
    modes = {"runs": tr("Two saved runs"), "dates": tr("Same segments, two dates")}
    mode = st.radio(
        tr("Compare"),
        list(modes),
        format_func=modes.get,
        horizontal=True,
        key="personas_migration_mode",
    )
    table, before_label, after_label = None, "", ""
    if mode == "runs":
        others = [r for r in state.saved_runs(dataset.dataset_id) if r.run_id != run.run_id]
        if not others:
            st.info(
                tr(
                    "Save another segmentation of this dataset on the Segment page (for "
                    "example after next month's data) to see who moved between its personas "
                    "and these."
                )
            )
            return
        by_id = {r.run_id: r for r in others}
        chosen = st.selectbox(
            tr("Earlier run"),
            list(by_id),
            format_func=lambda r: _describe(by_id[r]),
            key="personas_migration_run",
        )
        ws = workspace_id()
        loaded = _run_labels(ws, chosen) if ws else None
        if loaded is None:
            st.warning(tr("That run is no longer saved; pick another one."))
            return
        before, before_names = loaded
        table = movement_table(before, run.labels, before_names=before_names, after_names=names)
        before_label, after_label = chosen, run.run_id
    else:
        bounds = _date_bounds()
        if bounds is None:
            return
        low, high = bounds
        middle = low + (high - low) / 2
        cols = st.columns(2)
        before = cols[0].date_input(
            tr("Earlier date"),
            value=middle,
            min_value=low,
            max_value=high,
            key="personas_migration_d0",
        )
        after = cols[1].date_input(
            tr("Later date"), value=high, min_value=low, max_value=high, key="personas_migration_d1"
        )
        if before >= after:
            st.warning(tr("Pick an earlier date on the left than on the right."))
            return
        try:
            with st.spinner(tr("Assigning every user at both dates...")):
                table = _period_table(
                    dataset.dataset_id,
                    run.run_id,
                    before,
                    after,
                    state.dataset_engine(),
                    run.params,
                    names,
                )
        except DataError as exc:
            st.error(escape_markdown(exc))
            return
        before_label, after_label = fmt.date(before), fmt.date(after)
    st.markdown(escape_markdown(movement_sentence(table, before=before_label, after=after_label)))
    st.altair_chart(migration_chart(table, before=before_label, after=after_label), width="stretch")
    shown = shown_table(table)
    st.dataframe(
        shown.drop(columns=["from_segment", "to_segment"]),
        hide_index=True,
        width="stretch",
        column_config={
            "from_persona": tr("From"),
            "to_persona": tr("To"),
            "users": st.column_config.NumberColumn(tr("Users"), format="%d"),
            "share_of_from": st.column_config.ProgressColumn(
                tr("Share of the from persona"), min_value=0.0, max_value=1.0, format="percent"
            ),
        },
    )
    st.download_button(
        tr("Download the movement table (CSV)"),
        safe_csv(shown),
        file_name=f"segment_migration_{before_label}_{after_label}.csv".replace(" ", "_"),
        mime="text/csv",
        key=f"personas_migration_csv_{current()}",
    )


def _date_bounds() -> tuple[dt.date, dt.date] | None:
    """First and last day with events in the current dataset."""
    from core.explore import data_bounds

    try:
        bounds = data_bounds(state.dataset_engine())
    except DataError as exc:
        st.error(escape_markdown(exc))
        return None
    if bounds.date_max is None or bounds.date_min is None or bounds.date_min >= bounds.date_max:
        st.info(tr("The dataset covers a single day, so there are no two dates to compare."))
        return None
    return bounds.date_min, bounds.date_max
