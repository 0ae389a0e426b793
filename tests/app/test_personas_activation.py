"""Personas page, "Activate these personas": the activation file and audience lists."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGE = str(ROOT / "app_pages" / "personas.py")


@pytest.fixture(scope="module")
def sample_run():
    """A saved run on the bundled sample whose segments are the planted personas."""
    from core.data import sample_dataset
    from ui.common.state import Run

    dataset = sample_dataset()
    truth = pd.read_csv(ROOT / "sample_data" / "truth.csv", dtype=str)
    labels = pd.Series(truth["persona"].to_numpy(), index=truth["user_id"], name="segment")
    return Run(run_id="act-run", dataset_id=dataset.dataset_id, params=None, labels=labels)


def _infos(at) -> list[str]:
    return [i.value.replace("\\", "") for i in at.info]  # messages are Markdown-escaped


def _buttons(at) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def test_activation_section_offers_every_user_and_explains_missing_contacts(sample_run):
    from ui.common import state

    at = AppTest.from_file(PAGE, default_timeout=180)
    at.session_state[state.RUN_KEY] = sample_run
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Activate these personas" in [h.value for h in at.subheader]
    assert "Every user with their persona (2,000 rows)" in _buttons(at)
    at.selectbox(key="personas_act_format").set_value("parquet").run()
    assert not at.exception
    at.toggle(key="personas_act_on").set_value(True).run()
    assert not at.exception
    # the sample's users file has no e-mail or phone: one sentence says what to give
    assert any("Your users file has no e-mail or phone column" in i for i in _infos(at))
    assert not any(label.startswith("Audience lists") for label in _buttons(at))
    at.text_input(key="personas_act_region").set_value("ZZ").run()
    assert any("Phone region 'ZZ' is not a country code" in i for i in _infos(at))
