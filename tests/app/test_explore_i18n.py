"""Explore in Chinese (AppTest on the bundled sample): every section reads in Chinese.

The page's language comes from ``session_state["lang"]`` through the resolver the app
installs (``ui.common.language.install``); the page file alone is run here, so the test
installs it. English (the default) is checked by tests/app/test_explore_page.py.
"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from core import i18n
from tests.conftest import ROOT

PAGE = str(ROOT / "app_pages" / "explore.py")
SECTIONS = (
    "Overview",
    "Lifecycle",
    "KPIs & trends",
    "Funnel & retention",
    "Geography",
    "Goals & report",
    "Early warning",
)
#: Latin words that may stay in Chinese text: codes, units, formats, CSV column names
#: (a data contract) and the brand.
ALLOWED = {
    "KPI", "DAU", "WAU", "MAU", "CSV", "ROI", "CTR", "ARPU", "HTML", "PDF", "PersonaLab",
    "campaign", "platform", "period_start", "period_end", "cost", "YYYY", "MM", "DD",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _page_language():
    from ui.common import language

    language.install()
    yield
    i18n.set_resolver(None)


def _kpi_names() -> list[str]:
    """KPI names (core.personas.kpis' messages, translated and tested by their owner)."""
    from core.personas.kpis import KPI_BY_KEY, kpi_label

    with i18n.language("zh"):
        zh = [kpi_label(k) for k in KPI_BY_KEY]
    return sorted(set(zh) | {kpi_label(k) for k in KPI_BY_KEY}, key=len, reverse=True)


def _english_left(texts: list[str]) -> list[str]:
    """The texts that still carry an English word (allowed words and KPI names aside)."""
    names = _kpi_names()
    left = []
    for text in texts:
        rest = text
        for name in names:
            rest = rest.replace(name, "")
        words = {w for w in re.findall(r"[A-Za-z][A-Za-z_]+", rest) if w not in ALLOWED}
        if words:
            left.append(f"{text!r}: {sorted(words)}")
    return left


def _visible_texts(at: AppTest) -> list[str]:
    """What a person reads in the page: headings, text, notes, messages and widget labels."""
    texts = [
        e.value for kind in ("title", "subheader", "caption", "markdown") for e in at.get(kind)
    ]
    texts += [e.value for kind in ("info", "success", "warning", "error") for e in at.get(kind)]
    texts += [m.label for m in at.metric]
    for kind in ("selectbox", "multiselect", "radio", "number_input", "slider", "date_input",
                 "button", "expander", "download_button", "segmented_control"):  # fmt: skip
        texts += [getattr(w, "label", "") or "" for w in at.get(kind)]
    for radio in at.radio:  # the options of the page's own choices (grains)
        texts += [str(o) for o in radio.options]
    return [t for t in texts if t]


def _chinese_page(section: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.session_state["lang"] = "zh"
    at.run()
    if section != "Overview":
        # the switch sends its label, formatted in the test's thread: Chinese, as a browser would
        with i18n.language("zh"):
            at.segmented_control(key="explore_section").set_value(section).run()
        assert at.segmented_control(key="explore_section").value == section
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


@pytest.mark.parametrize("section", SECTIONS)
def test_every_section_reads_in_chinese(section):
    at = _chinese_page(section)
    texts = _visible_texts(at)
    assert any(re.search(r"[\u4e00-\u9fff]", t) for t in texts)
    assert _english_left(texts) == []


def test_overview_figures_and_the_section_switch_in_chinese():
    at = _chinese_page("Overview")
    assert at.title[0].value == "数据洞察"
    metrics = {m.label: m.value for m in at.metric}
    assert {"曝光量", "触达人数", "互动率"} <= set(metrics)
    switch = at.segmented_control(key="explore_section")
    assert switch.value == "Overview"  # the key stays English; the label is translated
    assert any(t.startswith("最佳发布时段") and "周" in t for t in (s.value for s in at.success))
    assert any("（共 90 天）" in c.value for c in at.caption)


def test_goals_and_report_in_chinese_then_a_chinese_report():
    at = _chinese_page("Goals & report")
    said = " ".join(m.value for m in at.markdown)
    assert "**粉丝**：自 2025年9月1日 起新增" in said
    with i18n.language("zh"):
        at.button(key="explore_report_btn").click().run()
    assert not at.exception and not at.error
    assert any(c.value.startswith("PersonaLab 报告 — 周报 ") for c in at.caption)
    labels = [b.label for b in at.get("download_button")]
    assert "下载 HTML" in labels and "下载 PDF" in labels


def test_the_english_page_is_unchanged_and_the_check_finds_its_english():
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.session_state["lang"] = "en"
    at.run()
    assert at.title[0].value == "Explore"
    assert {"Exposures", "Reach (people)"} <= {m.label for m in at.metric}
    assert _english_left(_visible_texts(at))  # the check is not blind to English
