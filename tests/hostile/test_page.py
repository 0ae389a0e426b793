"""The hostile corpus through the Data page: upload, map, Load dataset (AppTest).

A user first loads a good file; then uploads a hostile one. A refused file shows an
``st.error`` sentence naming it, raises no exception, and the good dataset stays the
current one; a file PersonaLab loads shows the same summary the command line prints.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.hostile.corpus import CASES, GOOD, Case, write_case

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "data.py")
LOAD = "FormSubmitter:data_mapping_form-Load dataset"
DATASET_KEY = "_pl_dataset"  # ui.common.state keeps the current dataset under this key


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _upload(at: AppTest, name: str, data: bytes) -> None:
    mime = "text/csv" if name.endswith(".csv") else "application/octet-stream"
    at.file_uploader(key="data_events_file").set_value((name, data, mime))
    _run(at)


def _load(at: AppTest) -> None:
    at.button(key=LOAD).click()
    _run(at)


def _captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption).replace("\\", "")


@pytest.fixture
def page_with_a_loaded_file():
    """The Data page after the user loaded a good file of their own."""
    at = _run(AppTest.from_file(PAGE, default_timeout=240))
    at.radio(key="data_source").set_value("Upload my own file")
    _run(at)
    _upload(at, "earlier.csv", (GOOD + "u7,2025-03-21 09:00,share,weibo,\n").encode())
    _load(at)
    assert not at.error, [e.value for e in at.error]
    return at, at.session_state[DATASET_KEY].dataset_id


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES if c.page])
def test_page_case(case: Case, page_with_a_loaded_file, tmp_path):
    at, before = page_with_a_loaded_file
    name = next(iter(case.files))
    data = (write_case(case, tmp_path) / name).read_bytes()
    _upload(at, name, data)
    if not at.error:  # the preview read it: map and press Load dataset
        _load(at)
    # As the reader sees it: the page escapes user text for Markdown (backslashes).
    errors = [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]
    if case.code == 2:
        assert len(errors) == 1, errors
        assert name in errors[0], errors[0]
        for phrase in case.says:
            assert phrase.lower() in errors[0].lower(), errors[0]
        assert at.session_state[DATASET_KEY].dataset_id == before  # nothing switched
        assert "earlier.csv" in at.subheader[-1].value.replace("\\", "")
    else:
        assert errors == []
        assert at.session_state[DATASET_KEY].dataset_id != before
        for phrase in case.says:
            assert phrase.lower() in _captions(at).lower(), _captions(at)


def test_page_subset_covers_each_kind_of_refusal():
    page = [c for c in CASES if c.page]
    assert len(page) >= 10
    assert {c.code for c in page} == {0, 2}
