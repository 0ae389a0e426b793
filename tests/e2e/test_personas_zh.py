"""Personas in Chromium, in 简体中文: Chinese generated names on the cards, Chinese text
on the page, and a PDF deck whose Chinese is drawn as text."""

from __future__ import annotations

import io
import re

import pytest

from tests.e2e.conftest import (
    assert_no_exception,
    goto,
    seed_data_dir,
    start_server,
    stop_server,
)
from tests.e2e.test_personas import SEED_SCRIPT  # the same saved run

pytestmark = pytest.mark.e2e

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def seeded_zh_app():
    """A server with a saved run whose default language is Chinese."""
    import shutil

    data_dir, ids = seed_data_dir(SEED_SCRIPT, "personalab-e2e-personas-zh-")
    proc, url = start_server(data_dir, extra_env={"PERSONALAB_LANG": "zh"})
    yield url, ids
    stop_server(proc)
    shutil.rmtree(data_dir, ignore_errors=True)


def test_personas_page_in_chinese_with_a_chinese_deck(page, seeded_zh_app, tmp_path):
    from pypdf import PdfReader

    url, ids = seeded_zh_app
    goto(page, url, f"personas?ws={ids['ws']}&ds={ids['ds']}&run={ids['run']}")
    page.get_by_text("6个画像").wait_for()
    assert_no_exception(page)
    page.get_by_role("heading", name="用户画像").wait_for()
    box = page.get_by_role("textbox", name="分群 lurker 的名称")
    page.wait_for_function(
        "() => document.querySelector(\"input[aria-label='分群 lurker 的名称']\")?.value"
    )
    name = box.input_value()
    assert CJK.search(name) and not re.search(r"[A-Za-z]", name), name
    page.get_by_text("下一步行动").first.wait_for()

    page.get_by_text("生成 PDF 画像手册").click()
    with page.expect_download() as info:
        page.get_by_role("button", name="PDF 画像手册（全部画像）").click()
    deck = tmp_path / "personas.pdf"
    info.value.save_as(deck)
    pages = PdfReader(io.BytesIO(deck.read_bytes())).pages
    text = "".join(p.extract_text() for p in pages).replace("\x00", "")
    assert "PersonaLab 用户画像" in text and name in text.replace("\n", "")
    assert "差异化特征" in text and "?" not in text
    assert_no_exception(page)
