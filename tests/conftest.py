"""Shared test setup: an isolated data folder and a clean Streamlit cache per test."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Every test session writes datasets and the app store into its own temporary folder,
# never into the working copy. Set before any core module reads it.
os.environ.setdefault("PERSONALAB_DATA_DIR", tempfile.mkdtemp(prefix="personalab-test-"))
os.environ.setdefault("PERSONALAB_SALT", "test-salt-not-secret")
# Numba's compiled code, by contrast, is kept in one folder for the whole run and the
# next ones (test processes, CLI and app servers started by tests inherit it), so the
# UMAP tests load it instead of compiling it again in every process (about a minute).
# The folder is the user's cache folder, which outlives the temporary folder's clean-ups
# and fresh clones; numba drops an entry by itself when the compiled source changes.
NUMBA_CACHE = Path.home() / ".cache" / "personalab" / "numba"
os.environ.setdefault("NUMBA_CACHE_DIR", str(NUMBA_CACHE))


def in_ci() -> bool:
    """True on the CI machine, where a missing browser or database is a failure."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    """Clear st.cache_data between tests so one test's data never leaks into another."""
    yield
    # Only when a test loaded Streamlit: importing it here cost every core test the
    # import and printed "No runtime found" warnings after CLI tests.
    st = sys.modules.get("streamlit")
    if st is not None:
        with contextlib.suppress(Exception):
            st.cache_data.clear()


def sample_truth_labels():
    """The bundled sample's planted personas as run labels (str, index ``user_id``)."""
    import pandas as pd

    truth = pd.read_csv(ROOT / "sample_data" / "truth.csv", dtype=str)
    return pd.Series(
        truth["persona"].to_numpy(),
        index=pd.Index(truth["user_id"], name="user_id"),
        name="segment",
        dtype=str,
    )


# --------------------------------------------------------------------------- Spark

SPARK_WAREHOUSE = Path(tempfile.mkdtemp(prefix="personalab-spark-"))


def spark_test_url() -> str:
    """The URL of the test Spark session: two local cores, two shuffle partitions."""
    return (
        "spark://local?master=local[2]"
        f"&warehouse={SPARK_WAREHOUSE}"
        "&conf.spark.sql.shuffle.partitions=2"
        "&conf.spark.default.parallelism=2"
        "&conf.spark.driver.memory=1g"
    )


@pytest.fixture(scope="session")
def spark_engine():
    """One local Spark session for the whole test run, as a SQLAlchemy engine.

    Needs pyspark and Java 17+ (``bash scripts/test.sh`` installs both): the tests FAIL
    when ``CI=true`` and either is missing, and skip with a reason on a developer machine.
    Load tables with ``core.data.spark.load_frame(engine, name, frame)``.
    """
    import shutil

    from core.errors import DataError

    reason = None
    try:
        import pyspark  # noqa: F401
    except ImportError:
        reason = "pyspark is not installed (pip install -r requirements-dev.txt)"
    if reason is None and not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        reason = "Java is not installed (bash scripts/test.sh installs openjdk-17-jre-headless)"
    if reason is not None:
        if in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    from core.data import connect
    from core.data.spark_dbapi import stop_session

    try:
        engine = connect(spark_test_url())
    except DataError as exc:
        pytest.fail(f"Spark did not start: {exc}")
    yield engine
    engine.dispose()
    stop_session()
    shutil.rmtree(SPARK_WAREHOUSE, ignore_errors=True)
