"""Experiments page in AppTest: renders the sample experiment and switches engines."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGE = str(ROOT / "pages" / "experiments.py")


def _page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    return " ".join(str(e.value) for e in [*at.info, *at.success, *at.error, *at.caption])


def test_sample_experiment_renders_verdict_and_power():
    at = _page()
    text = _texts(at)
    assert "SRM check" in text or "Sample ratio mismatch" in text
    assert "B raises converted by" in text
    assert "bargain" in text  # the planted persona with the largest lift
    assert at.dataframe, "results table missing"
    # power tab: the published example (20 % -> 25 %) is the default
    assert any(m.value == "1,031" for m in at.metric)


def test_switching_engine_to_bayesian_shows_chance_to_win():
    at = _page()
    at.radio(key="exp_engine").set_value("bayesian").run()
    assert not at.exception
    assert "chance to beat A" in _texts(at)
    at.radio(key="exp_engine").set_value("sequential").run()
    assert not at.exception
    assert "always-valid CI" in _texts(at)


def test_typed_totals_and_bad_input_show_messages_not_tracebacks():
    at = _page()
    at.radio(key="exp_source").set_value("Type in totals").run()
    assert not at.exception
    assert "B raises conversion by 11 %" in _texts(at)
    at.number_input(key="exp_min_n").set_value(2000).run()
    assert "wait for at least 2,000" in _texts(at)


def test_user_names_are_escaped():
    from ui.experiments_render import safe_md

    out = safe_md("<b>*x*</b> $y$ [link](http://a)")
    assert "<" not in out and ">" not in out
    assert "\\*x\\*" in out and "\\$y\\$" in out and "\\[link\\]" in out


def test_power_tab_for_an_average():
    at = _page()
    at.radio(key="exp_pw_metric").set_value("An average per user (e.g. revenue)").run()
    assert not at.exception
    assert any(m.value == "252" for m in at.metric)  # 2 (1.96 + 0.84)^2 (20 / 5)^2
