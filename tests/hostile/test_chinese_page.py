"""The hostile corpus through the Data page in Chinese (AppTest, session language zh).

Each refused file shows one Chinese ``st.error`` sentence naming it and the dataset
loaded before stays the current one; a file PersonaLab loads shows its report in
Chinese. Behaviour is covered by the English run (``test_page.py``); this run checks
the words.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import i18n
from tests.hostile.chinese import assert_chinese, english_left, input_words
from tests.hostile.corpus import CASES, GOOD, Case, write_case
from ui.common import language

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "data.py")
LOAD = "FormSubmitter:data_mapping_form-导入数据集"  # the button is named in Chinese
DATASET_KEY = "_pl_dataset"  # ui.common.state keeps the current dataset under this key


@pytest.fixture(autouse=True)
def page_language():
    """The page's language drives tr(), as app.py sets it up."""
    language.install()
    yield
    i18n.set_resolver(None)


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _upload(at: AppTest, name: str, data: bytes) -> None:
    at.file_uploader(key="data_events_file").set_value((name, data, "application/octet-stream"))
    _run(at)


def _page_with_a_loaded_file() -> tuple[AppTest, str]:
    at = AppTest.from_file(PAGE, default_timeout=240)
    at.session_state["lang"] = "zh"
    _run(at)
    at.radio(key="data_source").set_value("Upload my own file")
    _run(at)
    _upload(at, "earlier.csv", (GOOD + "u7,2025-03-21 09:00,share,weibo,\n").encode())
    at.button(key=LOAD).click()
    _run(at)
    assert not at.error, [e.value for e in at.error]
    return at, at.session_state[DATASET_KEY].dataset_id


def _shown(elements) -> list[str]:
    """Texts as the reader sees them (the page escapes user text for Markdown)."""
    return [re.sub(r"\\(.)", r"\1", e.value) for e in elements]


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.id) for c in CASES if c.page and not c.resource]
)
def test_page_case_in_chinese(case: Case, tmp_path):
    at, before = _page_with_a_loaded_file()
    name = next(iter(case.files))
    folder = write_case(case, tmp_path)
    _upload(at, name, (folder / name).read_bytes())
    if not at.error:
        at.button(key=LOAD).click()
        _run(at)
    errors = _shown(at.error)
    data = input_words(folder)
    if case.code == 2:
        assert len(errors) == 1, errors
        assert name in errors[0], errors[0]
        assert_chinese(errors[0], data)
        assert at.session_state[DATASET_KEY].dataset_id == before
        assert at.subheader[-1].value.replace("\\", "") == "校验报告：earlier.csv"
    else:
        assert errors == []
        assert at.session_state[DATASET_KEY].dataset_id != before
        summary = [c for c in _shown(at.caption) if c.startswith(f"{name}：读取 ")]
        assert len(summary) == 1, _shown(at.caption)
        for text in summary + _shown(at.warning) + _shown(at.subheader):
            assert_chinese(text, data)
        for text in _shown(at.caption):  # the rest: Chinese, or the file's own values
            assert not english_left(text, data), text


def test_the_page_reads_in_chinese_and_english_is_unchanged():
    at, _ = _page_with_a_loaded_file()
    assert at.title[0].value == "数据"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["读取行数"] == "13" and metrics["导入行为数"] == "13"
    assert "earlier.csv：读取 13 行，为 4 位用户导入 13 条行为，剔除 0 行。" in _shown(at.caption)
    at.session_state["lang"] = "en"
    _run(at)
    assert at.title[0].value == "Data"
    assert "earlier.csv: 13 rows read, 13 events loaded for 4 users, 0 rejected." in _shown(
        at.caption
    )
