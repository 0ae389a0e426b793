"""Real navigation in Chromium: every page opens from the sidebar without an error."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_no_exception, goto, wait_for_app

PAGES = ["Data", "Explore", "Segment", "Map", "Personas", "Experiments", "Start"]


@pytest.mark.e2e
def test_every_page_opens_from_the_sidebar(page, app_url):
    goto(page, app_url)
    assert page.get_by_role("heading", name="PersonaLab").first.is_visible()
    for title in PAGES:
        page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
        wait_for_app(page)
        assert_no_exception(page)
        page.screenshot(path=f"tests/e2e/screenshots/nav_{title.lower()}.png", full_page=True)
