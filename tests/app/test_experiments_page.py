"""Experiments page in AppTest: renders the sample experiment and switches engines."""

from __future__ import annotations

import re

import pandas as pd
from streamlit.testing.v1 import AppTest

from core.i18n import language
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


def _verdicts(at: AppTest) -> list[str]:
    """The verdict sentences (one st.info per metric)."""
    return [str(e.value) for e in at.info]


def _param(at: AppTest, name: str) -> str:
    """A query parameter the page wrote (AppTest keeps the last value, or a list)."""
    value = at.query_params[name]
    return value if isinstance(value, str) else value[-1]


def _own_page() -> AppTest:
    """The page in a workspace of its own (other tests save experiments too)."""
    from core.store import open_store

    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["ws"] = open_store().create_workspace("Experiments page test").id
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _save(at: AppTest, name: str) -> AppTest:
    at.text_input(key="exp_save_name").set_value(name)
    at.button(key="exp_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_save_list_reopen_shows_the_same_verdict_and_settings():
    at = _own_page()
    assert "Saved experiments (0)" in [e.proto.label for e in at.expander]
    at.radio(key="exp_engine").set_value("bayesian").run()
    at.number_input(key="exp_min_seg").set_value(150).run()
    before = _verdicts(at)
    assert before and "chance to beat A" in " ".join(before)
    _save(at, "Spring coupon test")
    exp_id, ws = _param(at, "experiment"), _param(at, "ws")
    assert "Saved as 'Spring coupon test'" in _texts(at)
    assert "Saved experiments (1)" in [e.proto.label for e in at.expander]
    assert _verdicts(at) == before  # now analysed from the saved table
    # a new visit with the link: same settings put back, same verdict
    again = AppTest.from_file(PAGE, default_timeout=60)
    again.query_params["ws"] = ws
    again.query_params["experiment"] = exp_id
    again.run()
    assert not again.exception, [e.value for e in again.exception]
    assert again.radio(key="exp_engine").value == "bayesian"
    assert again.number_input(key="exp_min_seg").value == 150
    assert _verdicts(again) == before
    assert any("Spring coupon test" in m.value for m in again.markdown)
    # rename and delete from the list; the deleted experiment's link then refuses
    again.text_input(key="exp_rename_text").set_value("Coupons, spring")
    again.button(key="exp_rename_btn").click().run()
    assert "Renamed to 'Coupons, spring'." in _texts(again)
    again.checkbox(key="exp_delete_ok").check().run()
    again.button(key="exp_delete_btn").click().run()
    assert not again.exception
    assert "The experiment was deleted." in _texts(again)
    assert "experiment" not in again.query_params
    gone = AppTest.from_file(PAGE, default_timeout=60)
    gone.query_params["ws"] = ws
    gone.query_params["experiment"] = exp_id
    gone.run()
    assert [e.value for e in gone.error] == [library_not_found()]


def library_not_found() -> str:
    from core.common.markdown import escape_markdown
    from ui.experiments.library import _NOT_FOUND

    return escape_markdown(_NOT_FOUND)


def test_another_workspaces_experiment_is_refused_and_nothing_is_shown():
    from core.experiments import analyze_aggregates
    from core.store import open_store

    store = open_store()
    mine, theirs = store.create_workspace("mine"), store.create_workspace("theirs")
    table = pd.DataFrame({"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 150]})
    secret = store.save_experiment(
        theirs.id, name="Their secret test", inputs={"kind": "totals"}, settings={},
        results=analyze_aggregates(table).to_dict(), data=table,
    )  # fmt: skip
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["ws"] = mine.id
    at.query_params["experiment"] = secret.id
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [library_not_found()]
    assert not at.info and not at.dataframe and not at.get("vega_lite_chart")
    assert "secret" not in _texts(at) + " ".join(m.value for m in at.markdown)
    at.button(key="exp_start_new").click().run()  # back to a fresh analysis
    assert not at.error and _verdicts(at)


def test_saving_without_a_name_or_with_an_impossible_plan_saves_nothing():
    at = _own_page()
    _save(at, "   ")
    assert "Give the experiment a name" in _texts(at)
    assert "experiment" not in at.query_params
    at.toggle(key="exp_plan_on").set_value(True).run()
    at.number_input(key="exp_plan_baseline").set_value(0.0).run()
    assert any("baseline rate" in str(e.value) for e in at.error)
    _save(at, "Impossible plan")
    assert "The plan cannot be saved as it is" in _texts(at)
    assert "experiment" not in at.query_params
    assert "Saved as" not in _texts(at)
    assert "Saved experiments (0)" in [e.proto.label for e in at.expander]


def test_plan_shows_progress_not_final_and_offers_the_sequential_method():
    at = _page()
    at.toggle(key="exp_plan_on").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    # 5 % -> +10 % (Evan Miller's formula): 30,245 per group; the sample has 1,000 per group
    assert any(m.value == "30,245" for m in at.metric)
    [bar] = at.get("progress")
    assert "3% of the plan: 2,000 of 60,490 planned users" in bar.proto.text
    assert "Not final yet" in " ".join(str(w.value) for w in at.warning)
    assert "not final" in " ".join(_verdicts(at))
    assert "Chance to detect the planned change" in _texts(at)
    at.button(key="exp_use_sequential").click().run()
    assert at.radio(key="exp_engine").value == "sequential"
    # the sequential tuning starts at the plan's users in one comparison
    assert at.number_input(key="exp_tuning").value == 60_490
    assert not at.warning or "Not final yet" not in " ".join(str(w.value) for w in at.warning)
    at.number_input(key="exp_tuning").set_value(5000).run()
    assert not at.exception
    assert at.number_input(key="exp_tuning").value == 5000


def test_power_calculator_hands_its_numbers_to_the_plan():
    at = _page()
    at.button(key="exp_pw_use").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.toggle(key="exp_plan_on").value is True
    assert at.number_input(key="exp_plan_baseline").value == 20.0
    assert at.radio(key="exp_plan_unit").value == "percentage points"
    # 20 % -> 25 % is the calculator's textbook example: 1,031 per group
    assert [m.value for m in at.metric].count("1,031") >= 2  # calculator and plan agree


def test_experiment_broken_down_by_a_saved_run_is_listed_under_that_run():
    """Saved with the run whose personas broke it down, so that run's share link (which
    draws render_saved_experiments for the run) shows it, persona names included."""
    from core.store import open_store

    at = AppTest.from_function(
        _page_with_saved_run,
        kwargs={"page": PAGE, "experiment_csv": str(ROOT / "sample_data" / "experiment.csv")},
        default_timeout=90,
    )
    at.query_params["ws"] = open_store().create_workspace("Run breakdown").id
    at.run()
    assert at.selectbox(key="exp_segment").value == "Saved segmentation run"
    _save(at, "By persona")
    ws, exp_id = _param(at, "ws"), _param(at, "experiment")
    record = open_store().get_experiment(ws, exp_id)
    assert record.run_id is not None
    assert [e.id for e in open_store().list_experiments(ws, run_id=record.run_id)] == [exp_id]
    assert "Bargain <hunters>" in set(record.data["saved_segment"])
    shared = AppTest.from_function(
        _render_saved, kwargs={"workspace_id": ws, "run_id": record.run_id}
    )
    shared.run()
    assert not shared.exception, [e.value for e in shared.exception]
    assert any("By persona" in m.value for m in shared.markdown)
    [table] = shared.dataframe
    assert "Bargain <hunters>" in set(table.value["Segment"])


def test_sequential_experiment_reopens_with_its_tuning():
    at = _own_page()
    at.radio(key="exp_engine").set_value("sequential").run()
    at.number_input(key="exp_tuning").set_value(8000).run()
    before = _verdicts(at)
    _save(at, "Checked daily")
    again = AppTest.from_file(PAGE, default_timeout=60)
    again.query_params["ws"] = _param(at, "ws")
    again.query_params["experiment"] = _param(at, "experiment")
    again.run()
    assert not again.exception, [e.value for e in again.exception]
    assert again.radio(key="exp_engine").value == "sequential"
    assert again.number_input(key="exp_tuning").value == 8000
    assert _verdicts(again) == before


def test_typed_totals_save_and_reopen_with_their_plan():
    at = _own_page()
    at.radio(key="exp_source").set_value("Type in totals").run()
    at.toggle(key="exp_plan_on").set_value(True).run()
    at.number_input(key="exp_plan_baseline").set_value(10.0).run()
    at.number_input(key="exp_plan_mde").set_value(20.0).run()
    # 10 % -> 12 % is Evan Miller's published example: 3,623 users per group
    assert any(m.value == "3,623" for m in at.metric)
    before = _verdicts(at)
    assert "not final" in " ".join(before)
    _save(at, "Typed totals")
    again = AppTest.from_file(PAGE, default_timeout=60)
    again.query_params["ws"] = _param(at, "ws")
    again.query_params["experiment"] = _param(at, "experiment")
    again.run()
    assert not again.exception, [e.value for e in again.exception]
    assert _verdicts(again) == before
    assert again.toggle(key="exp_plan_on").value is True
    assert any(m.value == "3,623" for m in again.metric)
    # closing it goes back to a new analysis and drops the link
    again.button(key="exp_close").click().run()
    assert "experiment" not in again.query_params
    assert again.radio(key="exp_source").value == "Sample experiment"


def test_power_calculator_for_an_average_hands_its_numbers_to_the_plan():
    at = _page()
    at.radio(key="exp_pw_metric").set_value("An average per user (e.g. revenue)").run()
    at.button(key="exp_pwm_use").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key="exp_plan_kind").value == "An average per user"
    assert at.selectbox(key="exp_plan_metric").value == "revenue"  # an average, not 0/1
    assert [m.value for m in at.metric].count("252") >= 2  # calculator and plan agree


def test_switching_workspace_closes_the_opened_experiment_without_an_error():
    from core.store import open_store

    at = _own_page()
    _save(at, "First workspace's test")
    assert any("saved experiment" in m.value for m in at.markdown)
    at.session_state["_pl_ws"] = open_store().create_workspace("Another").id  # the sidebar's switch
    at.run()
    assert not at.exception and not at.error
    assert "experiment" not in at.query_params
    assert not any("saved experiment" in m.value for m in at.markdown)
    assert "Saved experiments (0)" in [e.proto.label for e in at.expander]


# --- the page in Chinese -----------------------------------------------------------------


def _page_in_language(page: str) -> None:
    """AppTest script: the page with the app's language switch wired (as app.py does)."""
    import runpy

    from ui.common import language

    language.install()
    runpy.run_path(page, run_name="__main__")


def _zh_page() -> AppTest:
    """The page run with session state 'lang' = 'zh' (the switch's key).

    AppTest reads a widget's value in the test's own thread, through the widget's
    format_func (tr here), where no page language is set: the tests below read widgets
    inside ``language("zh")`` so that lookup matches the Chinese options the page drew.
    """
    at = AppTest.from_function(_page_in_language, kwargs={"page": PAGE}, default_timeout=90)
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


#: Latin words a Chinese page may show: the sample's own names and the terms of art.
_ALLOWED_LATIN = {
    "converted", "revenue", "bargain_hunter", "CUPED", "SRM", "CSV", "JSON", "MDE",
    "Holm", "Benjamini-Hochberg", "Evan", "Miller", "Fleiss", "Chow", "Shao", "Wang",
    "Cohen", "Cochran", "statsmodels", "alpha", "user_id", "persona", "segment", "pre_revenue",
}  # fmt: skip


def _latin_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z][A-Za-z_-]{2,}", text) if w not in _ALLOWED_LATIN]


def test_the_page_in_chinese_reads_chinese_and_numbers_stay_formatted():
    at = _zh_page()
    with language("zh"):
        _check_chinese_page(at)


def _check_chinese_page(at: AppTest) -> None:
    assert at.title[0].value == "A/B 实验"
    assert [t.label for t in at.tabs] == ["分析实验", "样本量计算器"]
    text = _texts(at)
    assert "B 使 converted 提升" in text and "置信区间" in text
    assert "各组人数与计划分流比例相符" in text
    widgets = [
        *(w.label for w in at.radio), *(w.label for w in at.selectbox),
        *(w.label for w in at.number_input), *(w.label for w in at.select_slider),
        *(e.proto.label for e in at.expander), *(m.label for m in at.metric),
    ]  # fmt: skip
    assert "分析方法" in widgets and "多重检验校正" in widgets and "对照组" in widgets
    assert "每组所需用户数" in widgets  # the power calculator
    assert any(m.value == "1,031" for m in at.metric)
    assert at.radio(key="exp_engine").options == [
        "经典方法（p 值）", "贝叶斯方法（胜出概率）", "序贯检验（可每天查看）"
    ]  # fmt: skip
    assert at.radio(key="exp_source").value == "Sample experiment"  # values stay as keys
    assert _latin_words(" ".join([text, *widgets])) == []
    table = at.dataframe[0].value
    assert {"指标", "分群", "版本", "提升", "校正后 p 值", "结论明确"} <= set(table.columns)
    assert "全部用户" in set(table["分群"])
    assert set(table["结论明确"]) <= {"是", "否", "–"}


def test_switching_engine_and_a_small_sample_in_chinese():
    at = _zh_page()
    with language("zh"):
        _switch_in_chinese(at)


def _switch_in_chinese(at: AppTest) -> None:
    at.radio(key="exp_engine").set_value("bayesian").run()
    assert not at.exception
    assert "胜过 A 的概率为" in _texts(at)
    at.radio(key="exp_source").set_value("Type in totals").run()
    at.number_input(key="exp_min_n").set_value(2000).run()
    assert not at.exception
    text = _texts(at)
    assert "较小的一组只有 900 名用户；请等每组至少达到 2,000 名用户后再判定胜出版本。" in text


def test_a_plan_in_chinese_says_how_far_along_the_test_is():
    at = _zh_page()
    with language("zh"):
        _plan_in_chinese(at)


def _plan_in_chinese(at: AppTest) -> None:
    at.toggle(key="exp_plan_on").set_value(True).run()
    at.number_input(key="exp_plan_baseline").set_value(10.0).run()
    at.number_input(key="exp_plan_mde").set_value(5.0).run()  # ~58,000 per group: far away
    assert not at.exception, [e.value for e in at.exception]
    warning = " ".join(str(w.value) for w in at.warning)
    assert "**尚非最终结论**：目前只有计划用户数的" in warning and "序贯检验" in warning
    assert "尚非最终结论：样本量仅达计划" in _texts(at)
    assert [b.label for b in at.button if b.key == "exp_use_sequential"] == ["用序贯检验提前查看"]
    labels = [m.label for m in at.metric]
    assert "所需用户总数" in labels and "计划结束日期" in labels


def _render_saved_in_language(workspace_id: str) -> None:
    """AppTest script: the read-only saved view, with the app's language switch wired."""
    from core.store import open_store
    from ui.common import language
    from ui.experiments.saved import render_saved_experiments

    language.install()
    render_saved_experiments(open_store(), workspace_id, None)


def test_an_experiment_saved_in_english_reads_in_chinese():
    from core.experiments import analyze_experiment, demo_experiment, make_plan
    from core.store import open_store

    store = open_store()
    ws = store.create_workspace("Saved in English")
    frame = demo_experiment(800, seed=5)
    plan = make_plan("converted", kind="rate", baseline=0.1, mde=0.2, n_per_arm=800)
    with language("en"):
        result = analyze_experiment(
            frame, variant_col="variant", metrics=["converted"], segment_col="persona",
            plan=plan, min_segment_users=60,
        )  # fmt: skip
    saved = result.to_dict()
    assert saved["verdict"].startswith("B ") and "Too few users to say" in str(saved["results"])
    store.save_experiment(
        ws.id, name="Coupon test", inputs={"kind": "users"},
        settings={"engine": "frequentist", "plan": plan.to_dict()}, results=saved, data=frame,
    )  # fmt: skip
    at = AppTest.from_function(_render_saved_in_language, kwargs={"workspace_id": ws.id})
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    text = _texts(at)
    assert "计划：每组 800 名用户" in text and "方法：经典方法（p 值）" in text
    infos = [str(i.value) for i in at.info]
    assert len(infos) == 1 and "B 使 converted" in infos[0], infos
    assert "尚非最终结论" in str(at.get("progress")[0].proto)
    table = at.dataframe[0].value
    assert list(table.columns) == ["指标", "分群", "版本", "用户数", "提升", "区间", "结论"]
    notes = set(table["结论"])
    assert any(n.startswith("用户太少，无法判断") for n in notes), notes
    assert not any("Too few" in n for n in notes)
