"""Explore, KPIs section: the campaign target editor and the precision KPIs per campaign."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGE = str(ROOT / "app_pages" / "explore.py")
NAMES = {"bargain_hunter": "Bargain <hunters>"}


@pytest.fixture(scope="module")
def sample_run():
    """A saved run on the bundled sample whose segments are the planted personas."""
    from core.data import sample_dataset
    from ui.common.state import Run

    dataset = sample_dataset()
    truth = pd.read_csv(ROOT / "sample_data" / "truth.csv", dtype=str)
    labels = pd.Series(truth["persona"].to_numpy(), index=truth["user_id"], name="segment")
    return Run(
        run_id="test-run", dataset_id=dataset.dataset_id, params=None, labels=labels, names=NAMES
    )


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _kpis_section(run=None) -> AppTest:
    from ui.common import state

    at = AppTest.from_file(PAGE, default_timeout=180)
    if run is not None:
        at.session_state[state.RUN_KEY] = run
    at.run()
    at.segmented_control(key="explore_section").set_value("KPIs & trends").run()
    _ok(at)
    return at


def test_without_a_saved_run_one_sentence_points_to_the_segment_page():
    at = _kpis_section()
    assert any(
        "save a segmentation on the Segment page" in i.value and "targeting accuracy" in i.value
        for i in at.info
    )
    assert not [s for s in at.selectbox if s.key and s.key.startswith("explore_target_")]


def test_pick_targets_then_the_table_matches_core_and_the_choice_persists(sample_run):
    from core.data import sample_dataset
    from core.data.engine import dataset_engine
    from core.explore import ExploreFilters
    from core.explore.targeting import campaign_targeting

    at = _kpis_section(sample_run)
    pickers = {s.key: s for s in at.selectbox if s.key.startswith("explore_target_test-run_")}
    campaigns = sorted(k.removeprefix("explore_target_test-run_") for k in pickers)
    assert len(campaigns) >= 2
    first, second = campaigns[0], campaigns[1]
    picker = pickers[f"explore_target_test-run_{first}"]
    assert picker.value == "(not set)"
    assert "Bargain <hunters>" in picker.options  # segments shown by their names
    assert not at.dataframe or "targeting_accuracy" not in at.dataframe[-1].value
    picker.set_value("bargain_hunter").run()
    at.selectbox(key=f"explore_target_test-run_{second}").set_value("engaged_fan").run()
    _ok(at)
    shown = next(d.value for d in at.dataframe if "targeting_accuracy" in d.value)
    assert shown["campaign"].tolist() == [first, second]
    # the user's own name where given, else the automatic persona name (as on Personas)
    assert shown["target_segment"].iloc[0] == "Bargain <hunters>"
    auto = [o for o in at.selectbox(key=f"explore_target_test-run_{second}").options]
    assert shown["target_segment"].iloc[1] in auto
    assert shown["target_segment"].iloc[1] != "engaged_fan"
    expected = campaign_targeting(
        dataset_engine(sample_dataset().path),
        ExploreFilters(),
        sample_run.labels,
        {first: "bargain_hunter", second: "engaged_fan"},
    )
    for col in ("exposed_users", "exposed_in_target", "converters", "converters_in_target"):
        assert shown[col].tolist() == expected[col].tolist(), col
    for col in ("targeting_accuracy", "persona_match_rate"):
        np.testing.assert_allclose(shown[col].to_numpy(float), expected[col].to_numpy(float))
    assert expected["exposed_users"].sum() > 0
    assert at.get("download_button")  # the chart's data download
    assert any("Targeting accuracy = " in c.value for c in at.caption)
    # leave the section and come back: the picks are kept (session only)
    at.segmented_control(key="explore_section").set_value("Overview").run()
    at.segmented_control(key="explore_section").set_value("KPIs & trends").run()
    _ok(at)
    assert at.selectbox(key=f"explore_target_test-run_{first}").value == "bargain_hunter"
    assert any("targeting_accuracy" in d.value for d in at.dataframe)


def test_platform_filter_changes_the_exposed_users(sample_run):
    at = _kpis_section(sample_run)
    key = sorted(s.key for s in at.selectbox if s.key.startswith("explore_target_test-run_"))[0]
    at.selectbox(key=key).set_value("bargain_hunter").run()
    before = next(d.value for d in at.dataframe if "targeting_accuracy" in d.value)
    platforms = at.multiselect(key="explore_platforms")
    platforms.set_value([platforms.options[0]]).run()
    _ok(at)
    after = next(d.value for d in at.dataframe if "targeting_accuracy" in d.value)
    assert after["exposed_users"].iloc[0] < before["exposed_users"].iloc[0]


def test_the_report_carries_the_picked_targets_under_persona_names(sample_run, monkeypatch):
    from core import explore

    built = []
    real = explore.build_report

    def spy(*args, **kwargs):
        built.append(kwargs)
        rep = real(*args, **kwargs)
        built[-1]["html"] = rep.html
        return rep

    monkeypatch.setattr(explore, "build_report", spy)
    at = _kpis_section(sample_run)
    keys = sorted(s.key for s in at.selectbox if s.key.startswith("explore_target_test-run_"))
    campaigns = [k.removeprefix("explore_target_test-run_") for k in keys]
    for key in keys:
        at.selectbox(key=key).set_value("bargain_hunter").run()
    at.segmented_control(key="explore_section").set_value("Goals & report").run()
    _ok(at)
    assert any(f"campaign targeting for {len(campaigns)} campaign" in c.value for c in at.caption)
    # the sample's campaigns ran in Sep-Nov; the last full month (October) has flash_sale
    at.radio(key="explore_report_grain").set_value("month").run()
    at.button(key="explore_report_btn").click().run()
    _ok(at)
    assert at.get("download_button")
    [kwargs] = built
    assert kwargs["targets"] == dict.fromkeys(campaigns, "bargain_hunter")
    assert kwargs["names"]["bargain_hunter"] == "Bargain <hunters>"
    # campaigns that ran in the report month have a row under the persona name; the
    # others are listed on one line
    html = kwargs["html"]
    rows = [c for c in campaigns if f"<td>{c}</td><td>Bargain &lt;hunters&gt;</td>" in html]
    assert rows
    for campaign in set(campaigns) - set(rows):
        assert re.search(rf"No exposures or buyers this month: [^<]*\b{campaign}\b", html)


def test_without_targets_the_report_says_where_to_pick_them(sample_run):
    at = _kpis_section(sample_run)
    at.segmented_control(key="explore_section").set_value("Goals & report").run()
    _ok(at)
    assert any("pick each campaign's target segment" in c.value for c in at.caption)
