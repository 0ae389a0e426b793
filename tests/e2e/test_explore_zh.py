"""Explore in Chromium, in Chinese: every section reads in Chinese, the report downloads in Chinese.

The server starts with ``PERSONALAB_LANG=zh`` (the language when the page has not chosen
one). What is left in Latin letters must be a code (KPI, CSV), a CSV column name, the
data's own values (platform names), a KPI name (core.personas.kpis' messages, tested by
their owner) or Streamlit's own widget text (icon names, the uploader's "Upload").
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile

import pandas as pd
import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import SHOTS, assert_no_exception, start_server, stop_server, wait_for_app

SECTIONS = ("概览", "生命周期", "KPI 与趋势", "漏斗与留存", "地域", "目标与报告", "舆情预警")
ALLOWED = {
    # codes, units and formats
    "KPI", "DAU", "WAU", "MAU", "CSV", "ROI", "CTR", "ARPU", "HTML", "PDF", "PersonaLab",
    "YYYY", "MM", "DD", "MB",
    # CSV column names (a data contract)
    "campaign", "platform", "period_start", "period_end", "cost",
    # Streamlit's own: material icon names and the file uploader
    "download", "upload", "Upload", "description", "keyboard_arrow_right", "keyboard_arrow_down",
    "expand_more", "expand_less", "per", "file", "help", "check",
}  # fmt: skip


@pytest.fixture(scope="module")
def zh_url():
    data_dir = tempfile.mkdtemp(prefix="personalab-e2e-zh-")
    proc, url = start_server(data_dir, extra_env={"PERSONALAB_LANG": "zh"})
    yield url
    stop_server(proc)
    shutil.rmtree(data_dir, ignore_errors=True)


def _allowed_names() -> list[str]:
    """KPI names in both languages and the sample's platform names, longest first."""
    from core.i18n import language
    from core.personas.kpis import KPI_BY_KEY, kpi_label

    names = {kpi_label(k) for k in KPI_BY_KEY}
    with language("zh"):
        names |= {kpi_label(k) for k in KPI_BY_KEY}
    platforms = pd.read_csv(ROOT / "sample_data" / "events.csv", usecols=["platform"])
    names |= set(platforms["platform"].dropna().astype(str).str.lower())
    return sorted(names, key=len, reverse=True)


def _english_words(text: str, names: list[str]) -> set[str]:
    for name in names:
        text = text.replace(name, " ")
    return {w for w in re.findall(r"[A-Za-z][A-Za-z_]+", text) if w not in ALLOWED}


@pytest.mark.e2e
def test_every_explore_section_reads_in_chinese_and_the_report_downloads_in_chinese(
    browser, zh_url
):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(120_000)
    names = _allowed_names()
    try:
        page.goto(f"{zh_url}/explore")
        page.get_by_text("下方筛选条件作用于所有图表").first.wait_for(timeout=240_000)
        page.locator('[data-testid="stMetric"]').first.wait_for(timeout=240_000)
        wait_for_app(page)
        for section in SECTIONS:
            page.locator('[data-testid="stButtonGroup"] button').filter(
                has_text=section
            ).first.click()
            wait_for_app(page)
            assert_no_exception(page)
            main = page.locator('[data-testid="stMainBlockContainer"]').inner_text()
            assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 1, section
            left = _english_words(main, names)
            assert not left, (section, sorted(left))
        # the report, prepared and downloaded in Chinese
        page.locator('[data-testid="stButtonGroup"] button').filter(
            has_text="目标与报告"
        ).first.click()
        wait_for_app(page)
        page.get_by_role("button", name="生成报告").click()
        page.get_by_text("下载 PDF").wait_for(timeout=240_000)
        with page.expect_download(timeout=240_000) as download:
            page.get_by_text("下载 PDF").click()
        from pypdf import PdfReader

        pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
        text = re.sub(r"[\s\x00]+", "", "".join(p.extract_text() for p in pdf.pages))
        assert "PersonaLab报告—周报" in text and "舆情预警" in text
    finally:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "explore_zh.png"), full_page=True)
        context.close()
