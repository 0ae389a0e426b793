"""Map page in AppTest: the UMAP map of the sample, a colour change re-renders from cache."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGE = str(ROOT / "app_pages" / "map.py")


@pytest.fixture(scope="module")
def sample_run():
    """A saved k-means run on the bundled sample (default settings)."""
    from core.engine import dataset_engine
    from core.features import build_features
    from core.ingest import sample_dataset
    from core.segmentation import SegmentParams, segment
    from ui.state import Run

    dataset = sample_dataset()
    result = segment(build_features(dataset_engine(dataset.path)), SegmentParams())
    return Run(
        run_id=result.params_hash,
        dataset_id=dataset.dataset_id,
        params=result.params,
        labels=result.labels,
        names={"S1": "Quiet browsers"},
    )


def test_map_renders_and_colour_change_uses_the_cache(sample_run):
    from ui import map_data, state

    at = AppTest.from_file(PAGE, default_timeout=600)
    at.session_state[state._RUN_KEY] = sample_run
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    assert any("UMAP map of all 2,000 users" in c.value for c in at.caption)
    computed = dict(map_data.COMPUTED)
    at.selectbox(key="map_color").set_value("monetary").run()
    assert not at.exception, [e.value for e in at.exception]
    assert dict(map_data.COMPUTED) == computed  # display-only change: nothing recomputed
    assert at.selectbox(key="map_color").value == "monetary"
