"""Shared test setup: an isolated data folder and a clean Streamlit cache per test."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Every test session writes datasets and the app store into its own temporary folder,
# never into the working copy. Set before any core module reads it.
os.environ.setdefault("PERSONALAB_DATA_DIR", tempfile.mkdtemp(prefix="personalab-test-"))
os.environ.setdefault("PERSONALAB_SALT", "test-salt-not-secret")


def in_ci() -> bool:
    """True on the CI machine, where a missing browser or database is a failure."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    """Clear st.cache_data between tests so one test's data never leaks into another."""
    yield
    try:
        import streamlit as st

        st.cache_data.clear()
    except Exception:
        pass
