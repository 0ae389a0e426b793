"""Real browser: upload a GBK file with Chinese columns, map the user column, see the report."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import SHOTS, assert_no_exception, goto, wait_for_app

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


@pytest.fixture(scope="module")
def small_budget_url(tmp_path_factory):
    """A server whose load budget fits one upload at a time (two share it in turns)."""
    from tests.e2e.conftest import start_server, stop_server

    proc, url = start_server(
        str(tmp_path_factory.mktemp("budget-data")),
        extra_env={"PERSONALAB_INGEST_MEMORY_MB": "700"},
    )
    yield url
    stop_server(proc)


def _big_csv(path, rows: int) -> None:
    """A CSV of ``rows`` events (about 8 MB per 100k rows): long enough to queue behind."""
    import duckdb

    duckdb.sql(
        f"COPY (SELECT 'u' || (i % 5000) AS user_id, "
        "strftime(TIMESTAMP '2025-01-01' + to_seconds(i * 7 % 8000000), '%Y-%m-%d %H:%M:%S') "
        "AS timestamp, (['view', 'like', 'share'])[1 + i % 3] AS event_type, "
        "'c' || (i % 999) AS content_id FROM range("
        f"{rows}) t(i)) TO '{path}' (FORMAT csv)"
    )


@pytest.mark.e2e
def test_two_uploads_at_once_queue_with_a_visible_place(browser, small_budget_url, tmp_path):
    path = tmp_path / "events.csv"
    # Big enough that the first load still holds the budget when the second asks: 400k
    # rows loaded in about 2 s once ingest read files in place, and the second click
    # sometimes arrived after it was done (no place in line to see).
    _big_csv(path, 3_000_000)
    pages = []
    for _ in range(2):
        context = browser.new_context(viewport={"width": 1300, "height": 1000})
        p = context.new_page()
        p.set_default_timeout(240_000)
        goto(p, small_budget_url, "data")
        _upload(p, path)
        p.get_by_role("button", name="Load dataset").wait_for()
        pages.append(p)
    first, second = pages
    first.get_by_role("button", name="Load dataset").click()
    first.get_by_text("Loading events.csv").first.wait_for()
    second.get_by_role("button", name="Load dataset").click()
    second.get_by_text("Your file is 1st in line").first.wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    second.screenshot(path=str(SHOTS / "data-upload-queued.png"))
    first.get_by_text("Loaded 3,000,000 events").wait_for()
    second.get_by_text("Loaded 3,000,000 events").wait_for()
    for p in pages:
        assert_no_exception(p)
        p.context.close()
