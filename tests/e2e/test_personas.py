"""Personas in Chromium: open a saved run by its link, rename a persona, export card and members."""

from __future__ import annotations

import shutil

import pytest

from tests.e2e.conftest import (
    assert_no_exception,
    goto,
    seed_data_dir,
    start_server,
    stop_server,
    wait_for_app,
)

pytestmark = pytest.mark.e2e

SEED_SCRIPT = """
import json, pandas as pd
from core.data import sample_dataset
from core.store import open_store
ds = sample_dataset()
truth = pd.read_csv("sample_data/truth.csv", dtype=str)
labels = pd.Series(truth["persona"].to_numpy(), index=truth["user_id"], name="segment")
store = open_store()
ws = store.create_workspace("Persona workshop", owner="local")
store.save_dataset(ws.id, ds.dataset_id, ds.path, source_name="Bundled sample")
run = store.save_run(ws.id, ds.dataset_id, labels, run_id="e2e-personas")
print(json.dumps({"ws": ws.id, "ds": ds.dataset_id, "run": run.run_id}))
"""


@pytest.fixture(scope="module")
def seeded_app():
    """A server whose store already holds a saved run (the planted personas as segments)."""
    data_dir, ids = seed_data_dir(SEED_SCRIPT, "personalab-e2e-personas-")
    proc, url = start_server(data_dir)
    yield url, ids
    stop_server(proc)
    shutil.rmtree(data_dir, ignore_errors=True)


def test_rename_a_persona_and_export(page, seeded_app, tmp_path):
    url, ids = seeded_app
    goto(page, url, f"personas?ws={ids['ws']}&ds={ids['ds']}&run={ids['run']}")
    page.get_by_text("6 personas").wait_for()
    assert_no_exception(page)

    box = page.get_by_role("textbox", name="Name of segment lurker")
    box.fill("Quiet scrollers")
    box.press("Enter")
    wait_for_app(page)
    page.get_by_role("heading", name="Quiet scrollers").wait_for()
    assert_no_exception(page)

    with page.expect_download() as info:
        page.get_by_role("button", name="Card (Markdown)").click()
    card = tmp_path / "card.md"
    info.value.save_as(card)
    text = card.read_text(encoding="utf-8")
    assert text.startswith("# Quiet scrollers")
    assert "What makes them different" in text

    with page.expect_download() as info:
        page.get_by_role("button", name="Members (CSV)").click()
    members = tmp_path / "members.csv"
    info.value.save_as(members)
    lines = members.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "user_id,segment,persona"
    assert all(line.endswith(",lurker,Quiet scrollers") for line in lines[1:])
    assert len(lines) > 100

    # The new name is kept with the run: a fresh visit of the link shows it.
    goto(page, url, f"personas?ws={ids['ws']}&ds={ids['ds']}&run={ids['run']}")
    page.get_by_role("heading", name="Quiet scrollers").wait_for()
    assert_no_exception(page)
