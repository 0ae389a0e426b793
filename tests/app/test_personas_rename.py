"""Persona names through the whole app: a rename stays on its run, conflicts are shown.

Two saved runs of one dataset with the same number of segments, saved in the same
minute, used to share one label in the sidebar's run picker; Streamlit reads a picked
option back by its label, so the next rerun switched to the other run and a rename
landed there.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from core.store import RunRow, open_store
from tests.conftest import ROOT, sample_truth_labels
from ui.personas.cards import name_key

APP = str(ROOT / "app.py")


@pytest.fixture
def two_runs():
    """A workspace with two 6-segment runs of the sample; ``first`` was changed last."""
    from core.data import sample_dataset

    dataset = sample_dataset()
    labels = sample_truth_labels()
    store = open_store()
    ws = store.create_workspace("Two runs", owner="local")
    store.save_dataset(ws.id, dataset.dataset_id, str(dataset.path), source_name="sample")
    shuffled = labels.sample(frac=1, random_state=1).set_axis(labels.index)
    store.save_run(ws.id, dataset.dataset_id, shuffled, params={"k": 6}, run_id="second")
    store.save_run(ws.id, dataset.dataset_id, labels, params={"k": 6}, run_id="first")
    # Both saved in the same minute (the time the picker showed), ``first`` last.
    minute = dt.datetime(2026, 5, 1, 10, 0, tzinfo=dt.UTC)
    runs = RunRow.__table__
    with store.engine.begin() as conn:
        for run_id, second in (("second", 0), ("first", 1)):
            stamp = minute + dt.timedelta(seconds=second)
            conn.execute(
                sa.update(runs)
                .where(runs.c.workspace_id == ws.id, runs.c.id == run_id)
                .values(created_at=stamp, updated_at=stamp)
            )
    return store, ws.id


def _open(ws: str, run_id: str) -> AppTest:
    """A new browser session opening the permalink of a run on the Personas page."""
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params["ws"] = ws
    at.query_params["run"] = run_id
    at.switch_page("app_pages/personas.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _current(at: AppTest):
    from ui.common import state

    return at.session_state[state.RUN_KEY]


def _rename(at: AppTest, segment: str, name: str) -> None:
    at.text_input(key=name_key(_current(at), segment)).set_value(name).run()
    assert not at.exception, [e.value for e in at.exception]


def test_a_rename_through_a_permalink_stays_on_that_run(two_runs):
    store, ws = two_runs
    at = _open(ws, "first")
    assert at.sidebar.selectbox(key="state_run").value == "first"
    _rename(at, "lurker", "Quiet scrollers")
    _rename(at, "engaged_fan", "Fans")
    assert store.get_run(ws, "first").names == {"lurker": "Quiet scrollers", "engaged_fan": "Fans"}
    assert store.get_run(ws, "second").names == {}
    assert _current(at).run_id == "first"
    assert at.sidebar.selectbox(key="state_run").value == "first"
    assert "Segmentation run `first`" in " ".join(c.value for c in at.sidebar.caption)


def test_a_concurrent_rename_is_refused_with_a_message_and_reload_shows_the_saved_names(
    two_runs,
):
    store, ws = two_runs
    alice, bob = _open(ws, "first"), _open(ws, "first")
    _rename(alice, "lurker", "Alice's name")
    _rename(bob, "engaged_fan", "Bob's name")
    assert any("Someone else changed this run" in w.value for w in bob.sidebar.warning)
    assert store.get_run(ws, "first").names == {"lurker": "Alice's name"}
    # Reload: the boxes show what is saved now, not the text that was not saved.
    bob.sidebar.button(key="state_reload").click().run()
    assert not bob.exception, [e.value for e in bob.exception]
    run = _current(bob)
    assert run.names == {"lurker": "Alice's name"}
    assert bob.text_input(key=name_key(run, "lurker")).value == "Alice's name"
    assert bob.text_input(key=name_key(run, "engaged_fan")).value != "Bob's name"
    # And Bob's rename, made again, is saved on top of Alice's.
    _rename(bob, "engaged_fan", "Bob's name")
    assert store.get_run(ws, "first").names == {
        "lurker": "Alice's name",
        "engaged_fan": "Bob's name",
    }
