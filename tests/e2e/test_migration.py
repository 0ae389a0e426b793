"""Segment migration in Chromium: two saved runs as a Sankey, in English and in Chinese."""

from __future__ import annotations

import shutil

import pytest

from tests.e2e.conftest import (
    SHOTS,
    assert_no_exception,
    goto,
    seed_data_dir,
    start_server,
    stop_server,
    wait_for_app,
)

pytestmark = pytest.mark.e2e

SEED_SCRIPT = """
import json
from core.data import dataset_engine, sample_dataset
from core.segments import SegmentParams, build_features, segment
from core.store import open_store
ds = sample_dataset()
engine = dataset_engine(ds.path)
params = SegmentParams(method="kmeans", k=4, seed=0)
earlier = segment(build_features(engine, as_of="2025-10-31"), params).labels
now = segment(build_features(engine), params).labels
store = open_store()
ws = store.create_workspace("Migration", owner="local")
store.save_dataset(ws.id, ds.dataset_id, ds.path, source_name="Bundled sample")
store.save_run(ws.id, ds.dataset_id, earlier, params=params, run_id="october",
               names={"S1": "Casual browsers", "S2": "Deal seekers"})
store.save_run(ws.id, ds.dataset_id, now, params=params, run_id="november",
               names={"S1": "Casual browsers"})
print(json.dumps({"ws": ws.id, "ds": ds.dataset_id}))
"""


@pytest.fixture(scope="module")
def seeded():
    """A data folder whose store holds two runs of the sample, a month apart."""
    data_dir, ids = seed_data_dir(SEED_SCRIPT, "personalab-e2e-migration-")
    yield data_dir, ids
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.mark.parametrize(
    ("lang", "heading", "sentence", "download"),
    [
        (
            "en",
            "Segment migration",
            "moved to another persona",
            "Download the movement table (CSV)",
        ),
        ("zh", "分群流转", "流转到其他画像", "下载流转明细（CSV）"),
    ],
)
def test_two_runs_as_a_sankey_with_the_table_to_download(
    page, seeded, tmp_path, lang, heading, sentence, download
):
    data_dir, ids = seeded
    proc, url = start_server(data_dir, extra_env={"PERSONALAB_LANG": lang})
    try:
        _check(page, url, ids, tmp_path, lang, heading, sentence, download)
    finally:
        stop_server(proc)


def _check(page, url, ids, tmp_path, lang, heading, sentence, download) -> None:
    goto(page, url, f"personas?ws={ids['ws']}&ds={ids['ds']}&run=november")
    section = page.get_by_role("heading", name=heading)
    section.wait_for()
    section.scroll_into_view_if_needed()
    wait_for_app(page)
    assert_no_exception(page)
    page.get_by_text(sentence).wait_for()
    chart = page.locator('[data-testid="stVegaLiteChart"]').last
    chart.wait_for()
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    SHOTS.mkdir(parents=True, exist_ok=True)
    chart.screenshot(path=str(SHOTS / f"migration-{lang}.png"))
    with page.expect_download() as info:
        page.get_by_role("button", name=download).click()
    path = tmp_path / "movement.csv"
    info.value.save_as(path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "from_segment,from_persona,to_segment,to_persona,users,share_of_from"
    assert len(lines) > 2
