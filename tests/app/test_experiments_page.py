"""Experiments page in AppTest: renders the sample experiment and switches engines."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGE = str(ROOT / "app_pages" / "experiments.py")


def _page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    """The text a reader sees (Markdown escapes of user-facing sentences dropped)."""
    raw = " ".join(str(e.value) for e in [*at.info, *at.success, *at.error, *at.caption])
    return re.sub(r"\\(.)", r"\1", raw)


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
    from core.common.markdown import escape_markdown

    out = escape_markdown("<b>*x*</b> $y$ [link](http://a)")
    assert "<" not in out and ">" not in out
    assert "\\*x\\*" in out and "\\$y\\$" in out and "\\[link\\]" in out


def test_power_tab_for_an_average():
    at = _page()
    at.radio(key="exp_pw_metric").set_value("An average per user (e.g. revenue)").run()
    assert not at.exception
    assert any(m.value == "252" for m in at.metric)  # 2 (1.96 + 0.84)^2 (20 / 5)^2


def _page_with_saved_run(page: str, experiment_csv: str) -> None:
    """AppTest script: save a run on the current dataset (public ui.common.state API), run the page."""
    import runpy

    import pandas as pd

    from ui.common import state

    if state.current_run() is None:
        users = pd.read_csv(experiment_csv, usecols=["user_id", "segment"])
        labels = pd.Series(
            users["segment"].map(lambda s: "S1" if s == "bargain_hunter" else "S2").to_numpy(),
            index=users["user_id"].astype(str),
            name="segment",
        )
        state.set_current_run(
            state.Run(
                run_id="r1", dataset_id=state.current_dataset().dataset_id, params=None,
                labels=labels, names={"S1": "Bargain <hunters>"},
            )
        )  # fmt: skip
    runpy.run_path(page, run_name="__main__")


def test_segment_by_saved_run_joins_labels_on_user_id():
    at = AppTest.from_function(
        _page_with_saved_run,
        kwargs={"page": PAGE, "experiment_csv": str(ROOT / "sample_data" / "experiment.csv")},
        default_timeout=90,
    )
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # with a saved run, the breakdown defaults to its segments
    assert at.selectbox(key="exp_segment").value == "Saved segmentation run"
    text = _texts(at)
    assert "Bargain &lt;hunters&gt;" in text and "<hunters>" not in text


def _render_saved(workspace_id: str, run_id: str | None) -> None:
    """AppTest script: the read-only saved-experiments view the share link uses."""
    from core.store import open_store
    from ui.experiments.saved import render_saved_experiments

    render_saved_experiments(open_store(), workspace_id, run_id)


def test_saved_experiments_view_is_read_only_and_shows_verdicts():
    from core.experiments import analyze_experiment, demo_experiment
    from core.store import open_store

    store = open_store()
    ws = store.create_workspace("Saved view")
    empty = AppTest.from_function(_render_saved, kwargs={"workspace_id": ws.id, "run_id": "r"})
    empty.run()
    assert not empty.exception
    assert "No experiment has been saved for this segmentation yet." in _texts(empty)
    frame = demo_experiment(800, seed=5)
    result = analyze_experiment(
        frame, variant_col="variant", metrics=["converted"], segment_col="persona"
    )
    store.save_experiment(
        ws.id, name="Coupon <b>test</b>", inputs={"kind": "users"},
        settings={"engine": "frequentist", "plan": {"metric": "converted", "kind": "rate",
                  "baseline": 0.1, "mde": 0.2, "alpha": 0.05, "power": 0.8,
                  "n_per_arm": 800}},
        results=result.to_dict(), data=frame,
    )  # fmt: skip
    at = AppTest.from_function(_render_saved, kwargs={"workspace_id": ws.id, "run_id": None})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    text = _texts(at)
    assert result.to_dict()["verdicts"]["converted"].split(" (")[0] in text
    assert "Plan: 800 users per group" in text
    assert any("Coupon &lt;b&gt;test&lt;/b&gt;" in m.value for m in at.markdown)
    assert at.dataframe and at.get("vega_lite_chart")
    assert "Not final" in str(at.get("progress")[0].proto)  # ~400 per group of 800 planned
    # read-only: nothing to click, type or pick
    assert not (at.button or at.text_input or at.selectbox or at.radio or at.checkbox)
