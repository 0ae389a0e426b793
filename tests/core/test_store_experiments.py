"""Saved experiments in the store: table round trip, get/rename/delete, other workspaces, PII."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from core.errors import DataError
from core.experiments import analyze_experiment, demo_experiment
from core.store import StoreError
from tests.core import test_store

# the store fixtures of the store tests: a fresh SQLite file, and PostgreSQL when available
store_url, store = test_store.store_url, test_store.store


def _save(store, ws_id, **kw):
    args = {
        "name": "Coupon test",
        "inputs": {"kind": "users", "variant_col": "variant", "metrics": ["converted"]},
        "settings": {"engine": "frequentist", "ci": 0.95},
        "results": {"srm_p_value": 0.5, "results": []},
    }
    args.update(kw)
    return store.save_experiment(ws_id, **args)


def test_table_round_trip_reproduces_the_analysis_exactly(store):
    ws = store.create_workspace("w")
    frame = demo_experiment(600, seed=3)
    saved = _save(store, ws.id, data=frame)
    assert saved.data is None  # lists and saves do not carry the table
    got = store.get_experiment(ws.id, saved.id)
    pd.testing.assert_frame_equal(got.data, frame.reset_index(drop=True), check_dtype=False)
    kwargs = {
        "variant_col": "variant",
        "metrics": ["converted", "revenue"],
        "segment_col": "persona",
        "covariate": "pre_revenue",
    }
    before = analyze_experiment(frame, **kwargs).to_dict()
    after = analyze_experiment(got.data, **kwargs).to_dict()
    assert before == after


def test_update_keeps_the_table_and_id_rename_and_delete(store):
    ws = store.create_workspace("w")
    frame = pd.DataFrame({"variant": ["A", "B"], "n": [100, 90], "conversions": [10, 12]})
    first = _save(store, ws.id, data=frame)
    again = _save(store, ws.id, name="Coupon test v2", experiment_id=first.id)
    assert again.id == first.id and again.name == "Coupon test v2"
    pd.testing.assert_frame_equal(store.get_experiment(ws.id, first.id).data, frame)
    renamed = store.rename_experiment(ws.id, first.id, "  Spring coupons ")
    assert renamed.name == "Spring coupons"
    assert [e.name for e in store.list_experiments(ws.id)] == ["Spring coupons"]
    store.delete_experiment(ws.id, first.id)
    assert store.list_experiments(ws.id) == []
    assert store.get_experiment(ws.id, first.id) is None
    with pytest.raises(StoreError, match="deleted"):
        store.delete_experiment(ws.id, first.id)
    with pytest.raises(StoreError, match="deleted"):
        store.rename_experiment(ws.id, first.id, "x")


def test_blank_name_is_refused_and_changes_nothing(store):
    ws = store.create_workspace("w")
    kept = _save(store, ws.id)
    with pytest.raises(DataError, match="name"):
        _save(store, ws.id, name="  ", experiment_id=kept.id, settings={"engine": "bayesian"})
    with pytest.raises(DataError, match="name"):
        store.rename_experiment(ws.id, kept.id, "")
    [got] = store.list_experiments(ws.id)
    assert got.name == "Coupon test" and got.settings == {"engine": "frequentist", "ci": 0.95}


def test_another_workspace_never_sees_or_changes_an_experiment(store):
    mine, theirs = store.create_workspace("mine"), store.create_workspace("theirs")
    exp = _save(store, mine.id, data=pd.DataFrame({"variant": ["A"], "n": [1]}))
    assert store.get_experiment(theirs.id, exp.id) is None
    assert store.list_experiments(theirs.id) == []
    with pytest.raises(StoreError):
        store.delete_experiment(theirs.id, exp.id)
    with pytest.raises(StoreError):
        store.rename_experiment(theirs.id, exp.id, "mine now")
    with pytest.raises(StoreError):
        _save(store, theirs.id, experiment_id=exp.id)
    assert store.get_experiment(mine.id, exp.id).name == "Coupon test"
    for bad in ("", "x" * 500, None, 3):
        assert store.get_experiment(mine.id, bad) is None


def test_personal_data_in_the_table_is_hashed_consistently(store):
    ws = store.create_workspace("w")
    frame = pd.DataFrame(
        {
            "user_id": ["alice@example.com", "13812345678", "u3", "alice@example.com"],
            "variant": ["A", "B", "A", "A"],
            "converted": [1, 0, 1, 0],
        }
    )
    exp = _save(store, ws.id, data=frame, results={"results": [{"segment": "bob@example.com"}]})
    got = store.get_experiment(ws.id, exp.id)
    ids = list(got.data["user_id"])
    assert ids[2] == "u3" and ids[0] == ids[3] and ids[0].startswith("pii:")
    assert ids[1].startswith("pii:")
    assert got.results["results"][0]["segment"].startswith("pii:")
    assert list(frame["user_id"])[0] == "alice@example.com"  # input not mutated
    with store.engine.connect() as conn:
        blob = b" ".join(bytes(r[0]) for r in conn.execute(sa.text("SELECT data FROM experiments")))
    assert b"alice@example.com" not in blob and b"13812345678" not in blob
