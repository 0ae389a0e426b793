"""Back and Forward in a real browser: one history entry per page, each a full permalink.

A saved run on an uploaded (non-sample) dataset, so ``ws``, ``ds`` and ``run`` are all in
the address bar. Before the fix every sidebar page switch added the bare page path and
then one entry per parameter written, so Back first landed on the same page again.
"""

from __future__ import annotations

import shutil
import tempfile
import urllib.parse
from pathlib import Path

import pandas as pd
import pytest

from tests.e2e.conftest import assert_no_exception, start_server, stop_server, wait_for_app

pytestmark = pytest.mark.e2e


@pytest.fixture
def server_with_run(monkeypatch):
    """A server whose store holds one workspace, an uploaded dataset and a saved run."""
    from core.data import ingest
    from core.store import Store

    data_dir = tempfile.mkdtemp(prefix="personalab-history-")
    monkeypatch.setenv("PERSONALAB_DATA_DIR", data_dir)  # ingest writes into the server's folder
    rows = ["user_id,timestamp,event_type,platform,amount"]
    for u in range(40):
        for d in range(1 + u % 4):
            kind = "purchase" if u % 3 == 0 and d == 0 else ("like" if d % 2 else "view")
            rows.append(
                f"u{u:02d},2025-03-{d + 1:02d} 10:00:00,{kind},weibo,{'25.5' if kind == 'purchase' else ''}"
            )
    events = Path(data_dir) / "upload.csv"
    events.write_text("\n".join(rows) + "\n", encoding="utf-8")
    dataset = ingest(events, source_name="upload.csv")
    store = Store(f"sqlite:///{Path(data_dir) / 'store.sqlite'}")
    ws = store.create_workspace("History test", owner="local")
    store.save_dataset(ws.id, dataset.dataset_id, str(dataset.path), source_name="upload.csv")
    ids = pd.Index([f"u{u:02d}" for u in range(40)], name="user_id")
    labels = pd.Series(["S1" if u % 3 else "S2" for u in range(40)], index=ids, dtype=str)
    store.save_run(ws.id, dataset.dataset_id, labels, params={"method": "kmeans"}, run_id="h-run")
    store.dispose()
    proc, url = start_server(data_dir)
    try:
        yield url, {"ws": ws.id, "ds": dataset.dataset_id, "run": "h-run"}
    finally:
        stop_server(proc)
        shutil.rmtree(data_dir, ignore_errors=True)


def _landed(page, heading: str, params: dict) -> None:
    """Wait for the page titled ``heading``; its URL must still carry the permalink."""
    page.wait_for_function(
        "h => { const e = document.querySelector('h1'); return e && e.innerText.trim() === h; }",
        arg=heading,
    )
    wait_for_app(page)
    assert_no_exception(page)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))
    assert {k: query.get(k) for k in params} == params, page.url


def test_back_and_forward_step_through_pages_with_the_permalink(browser, server_with_run):
    url, params = server_with_run
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        page.goto(f"{url}/?{urllib.parse.urlencode(params)}")
        _landed(page, "PersonaLab", params)
        start_length = page.evaluate("history.length")
        for title in ["Segment", "Personas", "Map"]:
            page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
            _landed(page, title, params)
        # one entry per page visited, however many parameters the page wrote
        assert page.evaluate("history.length") == start_length + 3

        page.go_back()
        _landed(page, "Personas", params)
        page.go_back()
        _landed(page, "Segment", params)
        page.go_forward()
        _landed(page, "Personas", params)
        # the persona view is the saved run's (Back re-ran the page from the link)
        page.get_by_label("Name of segment", exact=False).first.wait_for(state="visible")
    finally:
        context.close()
