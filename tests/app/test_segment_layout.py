"""Segment page layout: the suggest-k charts fit their space; saving redraws the sidebar."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGE = str(ROOT / "app_pages" / "segment.py")


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_suggest_k_draws_one_chart_per_column():
    """Three charts side by side in one wide row cut the third off: one per column now."""
    at = AppTest.from_file(PAGE, default_timeout=240)
    at.session_state["seg_stability"] = False
    at.session_state["seg_method"] = "kmeans"
    at.run()
    charts_before = len(at.get("vega_lite_chart"))
    at.toggle(key="seg_suggest").set_value(True).run()
    _no_errors(at)
    sweep = at.get("vega_lite_chart")[charts_before:]
    assert len(sweep) == 3
    assert not any('"hconcat"' in c.proto.spec for c in sweep)
    assert at.button(key="seg_use_k").label == "Use k = 6"


def test_saving_redraws_the_sidebar_pickers():
    """The saved-work pickers in the sidebar are drawn before the page: a save reruns."""
    from ui.common import state

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.session_state["seg_stability"] = False
    at.session_state["seg_method"] = "kmeans"
    at.session_state["seg_k"] = 5
    at.run()
    at.switch_page("app_pages/segment.py").run()
    _no_errors(at)
    at.button(key="seg_save").click().run()
    _no_errors(at)
    run = at.session_state[state.RUN_KEY]
    assert run.params.k == 5
    assert at.sidebar.selectbox(key="state_run").value == run.run_id
    assert not any("as soon as you save a segmentation" in c.value for c in at.sidebar.caption)
    assert any(s.value.startswith("Saved.") for s in at.success)
