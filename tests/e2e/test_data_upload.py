"""Real browser: upload a GBK file with Chinese columns, map the user column, see the report."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import assert_no_exception, goto, wait_for_app

GBK = ROOT / "tests" / "fixtures" / "gbk_events.csv"
BINARY = ROOT / "tests" / "fixtures" / "binary.csv"


def _upload(page, path) -> None:
    page.get_by_text("Upload my own file").wait_for(timeout=120_000)
    page.get_by_text("Upload my own file").click()
    wait_for_app(page)
    page.locator('[data-testid="stFileUploader"]').first.locator(
        'input[type="file"]'
    ).set_input_files(str(path))
    wait_for_app(page)


@pytest.mark.e2e
def test_upload_map_and_see_the_report(page, app_url):
    goto(page, app_url, "data")
    page.get_by_role("heading", name="Data").first.wait_for(timeout=120_000)
    _upload(page, GBK)
    # The first column (会员编号) is not a known name: pick "user id" for it.
    form = page.locator('[data-testid="stForm"]')
    form.get_by_text("会员编号").first.wait_for()
    form.locator('[data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="user id (who) · required").click()
    page.get_by_role("button", name="Load dataset").click()
    wait_for_app(page)
    page.get_by_text("Loaded 7 events from 3 users").wait_for()  # the repeated row is kept
    wait_for_app(page)
    page.locator('[data-testid="stMetric"]').filter(has_text="Rows read").first.wait_for()
    assert_no_exception(page)
    text = " ".join(page.locator('[data-testid="stMetric"]').all_inner_texts())
    assert "Events loaded" in text and "Duplicate rows" in text
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.first.wait_for()
    assert charts.count() == 2  # events by type, events by platform
    assert page.get_by_text("phone numbers", exact=False).first.is_visible()
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download a sample of rejected rows").click()
    assert dl.value.suggested_filename.startswith("rejected_")


@pytest.mark.e2e
def test_binary_upload_gets_one_plain_sentence(page, app_url):
    goto(page, app_url, "data")
    _upload(page, BINARY)
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="looks like a binary file")
    alert.first.wait_for()
    assert_no_exception(page)
