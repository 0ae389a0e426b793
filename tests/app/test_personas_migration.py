"""Personas page, segment migration: two saved runs, or the same segments at two dates."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGE = str(ROOT / "app_pages" / "personas.py")


@pytest.fixture(scope="module")
def kmeans_run():
    """A k-means run on the bundled sample, as the Segment page would save it."""
    from core.data import dataset_engine, sample_dataset
    from core.segments import SegmentParams, build_features, segment
    from ui.common.state import Run

    dataset = sample_dataset()
    params = SegmentParams(method="kmeans", k=4, seed=0)
    labels = segment(build_features(dataset_engine(dataset.path)), params).labels
    return Run(run_id="mig-run", dataset_id=dataset.dataset_id, params=params, labels=labels)


def _page(run, lang: str = "en", mode: str | None = None) -> AppTest:
    from ui.common import language, state

    language.install()  # app.py does it; this test runs the page alone
    at = AppTest.from_file(PAGE, default_timeout=240)
    at.session_state[state.RUN_KEY] = run
    at.session_state["lang"] = lang
    if mode is not None:
        at.session_state["personas_migration_mode"] = mode
    return at.run()


def test_two_runs_offer_the_other_saved_runs_or_say_what_to_do(kmeans_run):
    at = _page(kmeans_run)
    assert not at.exception, [e.value for e in at.exception]
    assert any(s.value == "Segment migration" for s in at.subheader)
    # Other tests of this process may have saved runs of the sample in the store.
    pickers = [s for s in at.selectbox if s.key == "personas_migration_run"]
    if pickers:
        assert kmeans_run.run_id not in pickers[0].options
    else:
        assert any("Save another segmentation of this dataset" in i.value for i in at.info)


@pytest.mark.parametrize(
    ("lang", "sentence", "download"),
    [
        (
            "en",
            "users who were in both moved to another persona",
            "Download the movement table (CSV)",
        ),
        ("zh", "流转到其他画像", "下载流转明细（CSV）"),
    ],
)
def test_two_dates_draw_the_sankey_and_offer_the_table(kmeans_run, lang, sentence, download):
    at = _page(kmeans_run, lang, mode="dates")
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert any(sentence in m.value for m in at.markdown)
    charts = at.get("vega_lite_chart")
    assert charts, "no Sankey drawn"
    buttons = [b for b in at.get("download_button") if b.proto.label == download]
    assert buttons
