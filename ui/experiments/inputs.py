"""Experiments page: where the data comes from and which columns mean what."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import streamlit as st

from core.experiments import (
    demo_experiment,
    is_aggregate_table,
    read_experiment_table,
    suggest_columns,
)
from core.i18n import N_, tr

SAMPLE_PATH = Path(__file__).resolve().parents[2] / "sample_data" / "experiment.csv"
# Option values kept in session state; shown in the page's language with tr().
SOURCES = (N_("Sample experiment"), N_("Upload a file"), N_("Type in totals"))
RUN_SEGMENT = N_("Saved segmentation run")
NONE = N_("(none)")
_TOTALS_KINDS = (
    N_("Conversions (users and how many converted)"),
    N_("Averages (users, sum, sum of squares)"),
)


def _column_label(option: str) -> str:
    """A column picker's option: a column name as it is, our own choices translated."""
    return tr(option) if option in (NONE, RUN_SEGMENT) else str(option)


@dataclasses.dataclass(frozen=True)
class Choice:
    """What the user picked: per-user rows with column roles, or typed-in totals."""

    kind: str  # "users" or "totals"
    frame: pd.DataFrame
    variant_col: str | None = None
    metrics: tuple[str, ...] = ()
    covariate: str | None = None
    segment_col: str | None = None
    use_run: bool = False
    label: str = ""


@st.cache_data(show_spinner=False)
def _sample_frame() -> pd.DataFrame:
    """The bundled sample experiment (a simulated one when the file is missing)."""
    if SAMPLE_PATH.exists():
        return read_experiment_table(SAMPLE_PATH)
    return demo_experiment()


@st.cache_data(show_spinner=False, max_entries=4)
def _uploaded_frame(data: bytes, name: str) -> pd.DataFrame:
    """An uploaded file read as a table (cached on its bytes; errors are not cached)."""
    return read_experiment_table(data, name)


_TOTALS_RATES = pd.DataFrame({"variant": ["A", "B"], "n": [1000, 900], "conversions": [100, 100]})
_TOTALS_MEANS = pd.DataFrame(
    {"variant": ["A", "B"], "n": [500, 500], "sum": [12500.0, 13400.0],
     "sum_squares": [1_562_500.0, 1_720_000.0]}
)  # fmt: skip


def data_source(has_run: bool) -> Choice | None:
    """Render the data widgets; return the user's choice, or None with a hint shown."""
    source = st.radio(
        tr("Experiment data"), SOURCES, format_func=tr, horizontal=True, key="exp_source"
    )
    if source == SOURCES[2]:
        return _typed_totals()
    if source == SOURCES[1]:
        up = st.file_uploader(
            tr(
                "One row per user (variant, metrics, optional pre-period value and segment) "
                "or one row per variant with n and conversions"
            ),
            type=["csv", "tsv", "xlsx", "parquet", "jsonl"],
            key="exp_upload",
        )
        if up is None:
            st.info(
                tr("Upload a file to analyse, or pick the sample experiment to see how it works.")
            )
            return None
        with st.spinner(tr("Reading your file...")):
            frame = _uploaded_frame(up.getvalue(), up.name)
        label = up.name
    else:
        with st.spinner(tr("Loading the sample experiment...")):
            frame = _sample_frame()
        label = tr("sample experiment")
    if is_aggregate_table(frame):
        return Choice("totals", frame, label=label)
    return _pick_columns(frame, label, has_run)


def _typed_totals() -> Choice:
    """An editable totals table (rates or means), prefilled with an example."""
    kind = st.radio(
        tr("Metric type"), _TOTALS_KINDS, format_func=tr, horizontal=True, key="exp_totals_kind"
    )
    start = _TOTALS_RATES if kind == _TOTALS_KINDS[0] else _TOTALS_MEANS
    st.caption(tr("One row per variant; the first row is the control unless you pick another."))
    # the table's column names are the data contract (variant, n, conversions...): English
    edited = st.data_editor(
        start, num_rows="dynamic", hide_index=True, key=f"exp_totals_{kind[:4]}",
        width="stretch",
    )  # fmt: skip
    return Choice("totals", edited, label=tr("typed-in totals"))


def _pick_columns(frame: pd.DataFrame, label: str, has_run: bool) -> Choice | None:
    """Column pickers prefilled with the guessed roles; None until a metric is picked."""
    guess = suggest_columns(frame)
    cols = list(frame.columns)
    c1, c2 = st.columns(2)
    variant = c1.selectbox(
        tr("Variant column"), cols,
        index=cols.index(guess["variant"]) if guess["variant"] else 0, key="exp_variant_col",
    )  # fmt: skip
    metric_options = [c for c in guess["numeric"] if c != variant]
    metrics = c2.multiselect(
        tr("Metrics to compare"), metric_options, default=guess["metrics"][:2], key="exp_metrics"
    )
    c3, c4 = st.columns(2)
    none = NONE
    cov_options = [none, *[c for c in guess["numeric"] if c not in metrics]]
    covariate = c3.selectbox(
        tr("Pre-period value for CUPED (optional)"), cov_options, format_func=_column_label,
        index=cov_options.index(guess["covariate"]) if guess["covariate"] in cov_options else 0,
        key="exp_covariate", help=tr("A value measured before the test started, e.g. last "
        "month's spend; it removes noise so the test needs fewer users."),
    )  # fmt: skip
    seg_options = [none, *([RUN_SEGMENT] if has_run else []), *guess["categorical"]]
    # With a saved segmentation, break down by its personas: that is the question
    # ("which persona does the new version work for?") the app exists to answer.
    default_segment = RUN_SEGMENT if has_run and "user_id" in frame.columns else guess["segment"]
    segment = c4.selectbox(
        tr("Break down by segment (optional)"), seg_options, format_func=_column_label,
        index=seg_options.index(default_segment) if default_segment in seg_options else 0,
        key="exp_segment",
    )  # fmt: skip
    if not metrics:
        st.info(tr("Pick at least one metric column to compare the variants on."))
        return None
    return Choice(
        "users", frame, variant_col=variant, metrics=tuple(metrics),
        covariate=None if covariate == none else covariate,
        segment_col=None if segment in (none, RUN_SEGMENT) else segment,
        use_run=segment == RUN_SEGMENT, label=label,
    )  # fmt: skip
