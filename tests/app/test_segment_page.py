"""Segment page in AppTest: renders on the sample, a k change re-segments, save a run."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGE = str(ROOT / "app_pages" / "segment.py")


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_change_k_then_save_the_run():
    from ui import state

    at = AppTest.from_file(PAGE, default_timeout=240)
    at.session_state["seg_stability"] = False
    at.run()
    _no_errors(at)
    assert at.metric[0].value == "6"
    assert "separated" in at.markdown[0].value
    at.slider(key="seg_k").set_value(4).run()
    _no_errors(at)
    assert at.metric[0].value == "4"
    at.button(key="seg_save").click().run()
    _no_errors(at)
    run = at.session_state[state._RUN_KEY]
    assert run.params.k == 4
    assert sorted(run.labels.unique()) == ["S1", "S2", "S3", "S4"]
    assert run.run_id == run.params.params_hash


def test_suggest_k_marks_the_planted_six():
    at = AppTest.from_file(PAGE, default_timeout=240)
    at.session_state["seg_stability"] = False
    at.session_state["seg_k"] = 3
    at.run()
    at.toggle(key="seg_suggest").set_value(True).run()
    _no_errors(at)
    use = at.button(key="seg_use_k")
    assert use.label == "Use k = 6"
    use.click().run()
    _no_errors(at)
    assert at.slider(key="seg_k").value == 6
