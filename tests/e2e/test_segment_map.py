"""Segment -> Map in Chromium: save the automatic choice (six groups on the sample), see
it on the map, switch to k-means with k = 5, see the map update."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import assert_no_exception, goto, wait_for_app

pytestmark = pytest.mark.e2e

SLOW = 600_000  # UMAP's first compile on a busy 2-core machine can take minutes


def _open_map(page) -> None:
    page.locator('[data-testid="stSidebarNav"] a', has_text="Map").first.click()
    wait_for_app(page, timeout=SLOW)


def _open_segment(page) -> None:
    page.locator('[data-testid="stSidebarNav"] a', has_text="Segment").first.click()
    wait_for_app(page, timeout=SLOW)


def _save(page) -> None:
    page.get_by_role("button", name="Save this segmentation").click()
    wait_for_app(page, timeout=SLOW)
    page.get_by_text("Saved.").first.wait_for(timeout=SLOW)


def test_change_k_and_see_the_map_update(page, app_url):
    goto(page, app_url, "segment")
    page.get_by_text("Clear groups.").first.wait_for(timeout=SLOW)
    page.get_by_text("What was left out and why").first.wait_for(timeout=SLOW)
    assert_no_exception(page)
    _save(page)

    _open_map(page)
    page.get_by_text("6 segments of run").first.wait_for(timeout=SLOW)
    assert page.get_by_text("UMAP map of all 2,000 users").count() >= 1
    assert_no_exception(page)

    _open_segment(page)
    page.get_by_text("Clear groups.").first.wait_for(timeout=SLOW)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Method").first.click()
    page.get_by_role("option", name=re.compile("^k-means")).click()
    wait_for_app(page, timeout=SLOW)
    page.get_by_text("Number of segments (k)").first.wait_for(timeout=SLOW)
    thumb = page.get_by_role("slider").first
    thumb.focus()
    page.keyboard.press("ArrowLeft")
    wait_for_app(page, timeout=SLOW)
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stMetricValue"]')]
               .some(e => e.innerText.trim() === '5')""",
        timeout=SLOW,
    )
    _save(page)

    _open_map(page)
    page.get_by_text("5 segments of run").first.wait_for(timeout=SLOW)
    assert page.locator('[data-testid="stVegaLiteChart"], .vega-embed').count() >= 1
    assert_no_exception(page)
