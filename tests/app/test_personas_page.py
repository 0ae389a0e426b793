"""Personas page in AppTest: empty state, cards on the sample with a saved run, rename one."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGE = str(ROOT / "app_pages" / "personas.py")


@pytest.fixture(scope="module")
def sample_run():
    """A saved run on the bundled sample whose segments are the planted personas."""
    from core.ingest import sample_dataset
    from ui.state import Run

    dataset = sample_dataset()
    truth = pd.read_csv(ROOT / "sample_data" / "truth.csv", dtype=str)
    labels = pd.Series(truth["persona"].to_numpy(), index=truth["user_id"], name="segment")
    return Run(run_id="test-run", dataset_id=dataset.dataset_id, params=None, labels=labels)


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_empty_state_points_to_the_segment_page():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    _no_errors(at)
    assert "no saved segmentation" in at.info[0].value


def test_cards_render_and_a_name_edit_is_kept_with_the_run(sample_run):
    from ui import state

    at = AppTest.from_file(PAGE, default_timeout=180)
    at.session_state[state._RUN_KEY] = sample_run
    at.run()
    _no_errors(at)
    assert at.subheader[0].value == "6 personas"
    box = at.text_input(key="personas_name_lurker")
    assert box.value  # an automatic name
    box.set_value("Quiet scrollers").run()
    _no_errors(at)
    run = at.session_state[state._RUN_KEY]
    assert run.names["lurker"] == "Quiet scrollers"
    # The detail picker and the exports use the new name.
    assert "Quiet scrollers" in at.selectbox(key="personas_detail").options
    assert not at.error
