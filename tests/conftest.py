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
