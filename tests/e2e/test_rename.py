"""Persona renames in a real browser: a rename through a permalink stays on that run.

Two saved runs of one dataset with the same number of segments, saved in the same
minute, once shared a label in the sidebar's run picker; the browser reports a picked
option by its label, so the rerun after a rename read the other run back, the name was
stored there and the page switched run.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
import time

import pytest
import sqlalchemy as sa

from tests.conftest import sample_truth_labels
from tests.e2e.conftest import assert_no_exception, start_server, stop_server, wait_for_app

pytestmark = pytest.mark.e2e
NAME_BOX = re.compile(r"^Name of segment")


def _seed_two_runs(store_url: str) -> str:
    """Two 6-segment runs of the sample, stamped in one minute, ``first`` newest."""
    from core.data import sample_dataset
    from core.store import RunRow, Store

    dataset = sample_dataset()
    labels = sample_truth_labels()
    store = Store(store_url)
    ws = store.create_workspace("Two runs", owner="local")
    store.save_dataset(ws.id, dataset.dataset_id, str(dataset.path), source_name="sample")
    shuffled = labels.sample(frac=1, random_state=1).set_axis(labels.index)
    store.save_run(ws.id, dataset.dataset_id, shuffled, params={"k": 6}, run_id="second")
    store.save_run(ws.id, dataset.dataset_id, labels, params={"k": 6}, run_id="first")
    minute = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    runs = RunRow.__table__
    with store.engine.begin() as conn:
        for run_id, second in (("second", 0), ("first", 1)):
            stamp = minute + dt.timedelta(seconds=second)
            conn.execute(
                sa.update(runs)
                .where(runs.c.workspace_id == ws.id, runs.c.id == run_id)
                .values(created_at=stamp, updated_at=stamp)
            )
    store.dispose()
    return ws.id


def _names(store_url: str, ws: str, run_id: str) -> dict:
    from core.store import Store

    store = Store(store_url)
    try:
        return store.get_run(ws, run_id).names
    finally:
        store.dispose()


def _wait_for_names(store_url: str, ws: str, run_id: str, expected: dict) -> None:
    deadline = time.time() + 90
    while _names(store_url, ws, run_id) != expected:
        if time.time() > deadline:
            raise AssertionError(
                f"run {run_id} has {_names(store_url, ws, run_id)}, expected {expected}; "
                f"the other run has {_names(store_url, ws, 'second')}"
            )
        time.sleep(0.3)


def test_a_rename_through_a_permalink_is_saved_on_that_run(browser, monkeypatch):
    data_dir = tempfile.mkdtemp(prefix="personalab-rename-")
    monkeypatch.setenv("PERSONALAB_DATA_DIR", data_dir)  # the sample lands where the server looks
    store_url = f"sqlite:///{data_dir}/store.sqlite"
    ws = _seed_two_runs(store_url)
    proc, url = start_server(data_dir)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(120_000)
        page.goto(f"{url}/personas?ws={ws}&run=first")
        page.get_by_label(NAME_BOX).first.wait_for(state="visible", timeout=180_000)
        wait_for_app(page)
        expected = {}
        for i, new_name in enumerate(("Quiet scrollers", "Weekend fans")):
            box = page.get_by_label(NAME_BOX).nth(i)
            segment = re.sub(r"^Name of segment ", "", box.get_attribute("aria-label") or "")
            box.fill(new_name)
            box.press("Enter")
            expected[segment.replace("\\", "")] = new_name
            _wait_for_names(store_url, ws, "first", expected)
            wait_for_app(page)
        assert_no_exception(page)
        assert _names(store_url, ws, "second") == {}
        assert "run=first" in page.url
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert "Segmentation run first" in sidebar
    finally:
        context.close()
        stop_server(proc)
        shutil.rmtree(data_dir, ignore_errors=True)
