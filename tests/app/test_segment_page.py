"""Segment page in AppTest: renders on the sample, a k change re-segments, save a run."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from core.store import run_id_for
from tests.conftest import ROOT

PAGE = str(ROOT / "app_pages" / "segment.py")


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_opens_on_the_automatic_choice_and_says_why():
    from ui.common import state

    at = AppTest.from_file(PAGE, default_timeout=240)
    at.run()
    _no_errors(at)
    assert at.selectbox(key="seg_method").value == "auto"
    assert at.metric[0].value == "6"  # the sample's six planted personas
    text = " ".join(m.value for m in at.markdown)
    assert "Clear groups" in text
    assert "Groups show in:" in text and "volume" in text.lower()
    kept = at.dataframe[0].value
    assert list(kept.columns) == ["What carries the groups", "Weight"]
    assert len(kept) >= 3
    at.button(key="seg_save").click().run()
    _no_errors(at)
    run = at.session_state[state.RUN_KEY]
    assert run.params.method == "auto"
    assert sorted(run.labels.unique()) == [f"S{i}" for i in range(1, 7)]


def test_change_k_then_save_the_run():
    from ui.common import state

    at = AppTest.from_file(PAGE, default_timeout=240)
    at.session_state["seg_stability"] = False
    at.session_state["seg_method"] = "kmeans"
    at.run()
    _no_errors(at)
    assert at.metric[0].value == "6"
    assert "separated" in at.markdown[0].value
    at.slider(key="seg_k").set_value(4).run()
    _no_errors(at)
    assert at.metric[0].value == "4"
    at.button(key="seg_save").click().run()
    _no_errors(at)
    run = at.session_state[state.RUN_KEY]
    assert run.params.k == 4
    assert sorted(run.labels.unique()) == ["S1", "S2", "S3", "S4"]
    assert run.run_id == run_id_for(run.dataset_id, run.params.params_hash)


def test_suggest_k_marks_the_planted_six():
    at = AppTest.from_file(PAGE, default_timeout=240)
    at.session_state["seg_stability"] = False
    at.session_state["seg_method"] = "kmeans"
    at.session_state["seg_k"] = 3
    at.run()
    at.toggle(key="seg_suggest").set_value(True).run()
    _no_errors(at)
    use = at.button(key="seg_use_k")
    assert use.label == "Use k = 6"
    use.click().run()
    _no_errors(at)
    assert at.slider(key="seg_k").value == 6


def _small_dataset(folder):
    """A 60-user dataset with a purchase now and then, ingested through core.data.pipeline."""
    from core.data import ingest

    rows = ["user_id,timestamp,event_type,platform,amount"]
    for u in range(60):
        for d in range(1 + u % 5):
            kind = ("purchase", "like", "view", "share")[(u + d) % 4]
            amount = f"{10 + u}" if kind == "purchase" else ""
            rows.append(f"c{u:02d},2025-03-{d + 1:02d} {8 + u % 12}:00:00,{kind},weibo,{amount}")
    path = folder / "other_client_data.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return ingest(path)


def _save_with_k3(dataset=None, workspace=None) -> AppTest:
    from ui.common import state

    at = AppTest.from_file(PAGE, default_timeout=240)
    at.session_state["seg_stability"] = False
    at.session_state["seg_method"] = "kmeans"
    at.session_state["seg_k"] = 3
    at.session_state["seg_features"] = ["n_view", "n_like", "frequency", "recency_days"]
    if dataset is not None:
        at.session_state[state.DATASET_KEY] = dataset
    if workspace is not None:
        at.session_state[state.WS_KEY] = workspace
    at.run()
    _no_errors(at)
    at.button(key="seg_save").click().run()
    _no_errors(at)
    return at


def test_the_same_settings_on_another_dataset_save_a_second_run(tmp_path):
    # One workspace, file A saved and renamed, then file B with the same settings: A's
    # run, its names and its share link stay; B gets a run of its own.
    from ui.common import state

    first = _save_with_k3()
    ws = first.session_state[state.WS_KEY]
    run_a = first.session_state[state.RUN_KEY]
    store = state.cached_store(None)
    store.save_personas(ws, run_a.run_id, {"S1": "Sample fans"}, expected_version=None)
    token, _ = store.create_share_link(ws, run_a.run_id)

    other = _small_dataset(tmp_path)
    second = _save_with_k3(other, workspace=ws)
    run_b = second.session_state[state.RUN_KEY]
    assert run_b.params == run_a.params  # the same settings...
    assert run_b.run_id != run_a.run_id  # ...on other data: another run
    assert second.metric[2].value == run_b.run_id
    saved_a = store.get_run(ws, run_a.run_id)
    assert saved_a.dataset_id == run_a.dataset_id
    assert saved_a.names == {"S1": "Sample fans"}
    pd.testing.assert_series_equal(saved_a.labels, run_a.labels, check_names=False)
    assert store.get_run(ws, run_b.run_id).names == {}
    assert store.resolve_share_token(token).run_id == run_a.run_id
    saved = {r.run_id: r.dataset_id for r in store.list_runs(ws)}
    assert saved[run_a.run_id] == run_a.dataset_id
    assert saved[run_b.run_id] == other.dataset_id


def test_a_permalink_to_a_saved_run_shows_that_runs_own_settings():
    from ui.common import state

    chosen = ["n_like", "n_share", "frequency", "monetary", "recency_days"]
    first = AppTest.from_file(PAGE, default_timeout=240)
    settings = {
        "seg_stability": False,
        "seg_method": "gmm",
        "seg_k": 4,
        "seg_seed": 7,
        "seg_transform": "log1p+robust",
        "seg_features": chosen,
        "seg_w_frequency": 2.0,
    }
    for key, value in settings.items():
        first.session_state[key] = value
    first.run()
    first.button(key="seg_save").click().run()
    _no_errors(first)
    saved = first.session_state[state.RUN_KEY]
    assert (saved.params.k, saved.params.method, saved.params.seed) == (4, "gmm", 7)

    # A new browser session opens the permalink of that run on the Segment page.
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.query_params["ws"] = first.session_state[state.WS_KEY]
    at.query_params["run"] = saved.run_id
    at.session_state["seg_stability"] = False
    at.switch_page("app_pages/segment.py")
    at.run()
    _no_errors(at)
    assert at.selectbox(key="seg_method").value == "gmm"
    assert at.slider(key="seg_k").value == 4
    assert at.number_input(key="seg_seed").value == 7
    assert at.selectbox(key="seg_transform").value == "log1p+robust"
    assert at.multiselect(key="seg_features").value == chosen
    assert at.slider(key="seg_w_frequency").value == 2.0
    assert at.metric[0].value == "4"
    assert at.metric[2].value == saved.run_id
    assert any(s.value.startswith("Saved.") for s in at.success)
    # Tuning afterwards is the user's: the saved settings are not put back.
    at.slider(key="seg_k").set_value(5).run()
    _no_errors(at)
    assert at.slider(key="seg_k").value == 5
    assert at.metric[2].value != saved.run_id
