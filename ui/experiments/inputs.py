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

SAMPLE_PATH = Path(__file__).resolve().parents[2] / "sample_data" / "experiment.csv"
SOURCES = ("Sample experiment", "Upload a file", "Type in totals")
RUN_SEGMENT = "Saved segmentation run"


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


@st.cache_data(show_spinner="Loading the sample experiment...")
def _sample_frame() -> pd.DataFrame:
    """The bundled sample experiment (a simulated one when the file is missing)."""
    if SAMPLE_PATH.exists():
        return read_experiment_table(SAMPLE_PATH)
    return demo_experiment()


@st.cache_data(show_spinner="Reading your file...", max_entries=4)
def _uploaded_frame(data: bytes, name: str) -> pd.DataFrame:
    """An uploaded file read as a table (cached on its bytes)."""
    return read_experiment_table(data, name)


_TOTALS_RATES = pd.DataFrame({"variant": ["A", "B"], "n": [1000, 900], "conversions": [100, 100]})
_TOTALS_MEANS = pd.DataFrame(
    {"variant": ["A", "B"], "n": [500, 500], "sum": [12500.0, 13400.0],
     "sum_squares": [1_562_500.0, 1_720_000.0]}
)  # fmt: skip


def data_source(has_run: bool) -> Choice | None:
    """Render the data widgets; return the user's choice, or None with a hint shown."""
    source = st.radio("Experiment data", SOURCES, horizontal=True, key="exp_source")
    if source == "Type in totals":
        return _typed_totals()
    if source == "Upload a file":
        up = st.file_uploader(
            "One row per user (variant, metrics, optional pre-period value and segment) "
            "or one row per variant with n and conversions",
            type=["csv", "tsv", "xlsx", "parquet", "jsonl"],
            key="exp_upload",
        )
        if up is None:
            st.info("Upload a file to analyse, or pick the sample experiment to see how it works.")
            return None
        frame, label = _uploaded_frame(up.getvalue(), up.name), up.name
    else:
        frame, label = _sample_frame(), "sample experiment"
    if is_aggregate_table(frame):
        return Choice("totals", frame, label=label)
    return _pick_columns(frame, label, has_run)


def _typed_totals() -> Choice:
    """An editable totals table (rates or means), prefilled with an example."""
    kind = st.radio(
        "Metric type",
        ("Conversions (users and how many converted)", "Averages (users, sum, sum of squares)"),
        horizontal=True,
        key="exp_totals_kind",
    )
    start = _TOTALS_RATES if kind.startswith("Conversions") else _TOTALS_MEANS
    st.caption("One row per variant; the first row is the control unless you pick another.")
    edited = st.data_editor(
        start, num_rows="dynamic", hide_index=True, key=f"exp_totals_{kind[:4]}",
        width="stretch",
    )  # fmt: skip
    return Choice("totals", edited, label="typed-in totals")


def _pick_columns(frame: pd.DataFrame, label: str, has_run: bool) -> Choice | None:
    """Column pickers prefilled with the guessed roles; None until a metric is picked."""
    guess = suggest_columns(frame)
    cols = list(frame.columns)
    c1, c2 = st.columns(2)
    variant = c1.selectbox(
        "Variant column", cols, index=cols.index(guess["variant"]) if guess["variant"] else 0,
        key="exp_variant_col",
    )  # fmt: skip
    metric_options = [c for c in guess["numeric"] if c != variant]
    metrics = c2.multiselect(
        "Metrics to compare", metric_options, default=guess["metrics"][:2], key="exp_metrics"
    )
    c3, c4 = st.columns(2)
    none = "(none)"
    cov_options = [none, *[c for c in guess["numeric"] if c not in metrics]]
    covariate = c3.selectbox(
        "Pre-period value for CUPED (optional)", cov_options,
        index=cov_options.index(guess["covariate"]) if guess["covariate"] in cov_options else 0,
        key="exp_covariate", help="A value measured before the test started, e.g. last month's "
        "spend; it removes noise so the test needs fewer users.",
    )  # fmt: skip
    seg_options = [none, *([RUN_SEGMENT] if has_run else []), *guess["categorical"]]
    # With a saved segmentation, break down by its personas: that is the question
    # ("which persona does the new version work for?") the app exists to answer.
    default_segment = RUN_SEGMENT if has_run and "user_id" in frame.columns else guess["segment"]
    segment = c4.selectbox(
        "Break down by segment (optional)", seg_options,
        index=seg_options.index(default_segment) if default_segment in seg_options else 0,
        key="exp_segment",
    )  # fmt: skip
    if not metrics:
        st.info("Pick at least one metric column to compare the variants on.")
        return None
    return Choice(
        "users", frame, variant_col=variant, metrics=tuple(metrics),
        covariate=None if covariate == none else covariate,
        segment_col=None if segment in (none, RUN_SEGMENT) else segment,
        use_run=segment == RUN_SEGMENT, label=label,
    )  # fmt: skip
