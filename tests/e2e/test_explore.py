"""Explore in Chromium: open it, see the heatmap and a KPI, change the platform filter."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import SHOTS, assert_no_exception, goto, wait_for_app


def _exposures(page) -> int:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Exposures").first
    value = metric.locator('[data-testid="stMetricValue"]').inner_text()
    return int(re.sub(r"[^0-9]", "", value))


@pytest.mark.e2e
def test_explore_heatmap_kpi_and_platform_filter(page, app_url):
    goto(page, app_url, "explore")
    # the first visit may still be preparing the bundled sample: wait for the KPIs
    page.get_by_text("The filters below apply to every chart").first.wait_for(timeout=120_000)
    page.locator('[data-testid="stMetric"]').filter(has_text="Exposures").first.wait_for(
        timeout=120_000
    )
    wait_for_app(page)
    assert_no_exception(page)
    # the charts are Vega-Lite canvases/SVGs; their titles are in the spec, the
    # best-windows call-out is text on the page
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.first.wait_for(timeout=60_000)
    assert charts.count() >= 3
    assert page.get_by_text("events by weekday and hour").first.is_visible()  # heatmap title
    assert page.get_by_text("Best posting windows").first.is_visible()
    before = _exposures(page)
    assert before > 0
    assert page.get_by_text("Download data (CSV)").first.is_visible()

    # pick one platform in the shared filter
    box = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Platforms").first
    box.locator("input").first.click()
    # the list starts with "Select all": pick the first real platform
    page.locator('[role="option"]').filter(has_not_text="Select all").first.click()
    page.keyboard.press("Escape")
    wait_for_app(page)
    page.wait_for_function(
        """(before) => {
            const m = [...document.querySelectorAll('[data-testid="stMetric"]')]
                .find(e => e.innerText.includes('Exposures'));
            if (!m) return false;
            const v = parseInt(m.querySelector('[data-testid="stMetricValue"]')
                .innerText.replace(/[^0-9]/g, ''));
            return v > 0 && v < before;
        }""",
        arg=before,
        timeout=60_000,
    )
    assert_no_exception(page)
    after = _exposures(page)
    assert 0 < after < before
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "explore_platform_filter.png"), full_page=True)


SECTIONS = {
    "Lifecycle": "Lifecycle stage mix at the end of each week",
    "KPIs & trends": "All KPIs in a table, and their formulas",
    "Funnel & retention": "Each step counts people who also did every earlier step",
    "Geography": "High potential:",
    "Goals & report": "Prepare report",
    "Early warning": "A day is flagged when its value is far above",
}


@pytest.mark.e2e
def test_every_section_draws_and_the_weekly_report_downloads(page, app_url):
    goto(page, app_url, "explore")
    page.locator('[data-testid="stMetric"]').filter(has_text="Exposures").first.wait_for(
        timeout=120_000
    )
    wait_for_app(page)
    for section, text in SECTIONS.items():
        page.get_by_text(section, exact=True).first.click()
        page.get_by_text(text).first.wait_for(timeout=90_000)
        wait_for_app(page)
        assert_no_exception(page)
        if section != "Goals & report":
            assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 1, section
    # Goals & report is the last section with a button: write the report, download it
    page.get_by_text("Goals & report", exact=True).first.click()
    wait_for_app(page)
    page.get_by_role("button", name="Prepare report").click()
    download_button = page.get_by_role("button", name="Download HTML")
    download_button.wait_for(timeout=120_000)
    with page.expect_download() as info:
        download_button.click()
    html = Path(info.value.path()).read_text(encoding="utf-8")
    assert "<h2>KPIs</h2>" in html and "<h2>Goals</h2>" in html
    assert html.count("<svg") >= 5  # the charts are inside the file, not links
    # no follower count typed in: the new followers, and no growth in % (unknown base)
    assert re.search(r"<td>Followers</td><td>not given</td><td>\+[\d,]+ new</td>", html)
