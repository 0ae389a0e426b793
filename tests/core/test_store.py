"""The app store on SQLite and PostgreSQL: round trips, transactions, locking, tokens."""

from __future__ import annotations

import dataclasses
import threading
import uuid

import pandas as pd
import pytest
import sqlalchemy as sa

import core.store as store_mod
from core.errors import DataError
from core.segments import SegmentParams
from core.store import ConflictError, RunRow, Store, StoreError

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _pg_schema_url(base: str, schema: str) -> str:
    url = sa.make_url(base)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path):
    """A fresh, empty store database: a SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
        return
    base = request.getfixturevalue("pg_url")
    schema = f"store_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    yield _pg_schema_url(base, schema)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    admin.dispose()


@pytest.fixture
def store(store_url):
    s = Store(store_url)
    yield s
    s.dispose()


def _labels(pairs: dict[str, str]) -> pd.Series:
    return pd.Series(
        list(pairs.values()),
        index=pd.Index(list(pairs), name="user_id"),
        name="segment",
        dtype=str,
    )


@dataclasses.dataclass(frozen=True)
class FakeParams:
    method: str = "kmeans"
    k: int = 3
    seed: int = 7
    features: tuple = ("recency_days", "frequency")
    weights: tuple = (("frequency", 2.0),)


def _workspace_with_dataset(store: Store, owner: str = "local"):
    ws = store.create_workspace("Spring campaign", owner=owner)
    store.save_dataset(
        ws.id, "ds1", "/data/ds1.duckdb", source_name="events.csv", mapping={"uid": "user_id"}
    )
    return ws


def test_migrations_create_the_orm_schema_and_are_idempotent(store):
    versions = [v for v, _, _ in store_mod.MIGRATIONS]
    assert store.schema_version() == store_mod.SCHEMA_VERSION == versions[-1]
    assert store.migrate() == versions[-1]  # second run applies nothing
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), store_mod.Base.metadata)
    assert [d for d in diff if not (d[0] == "remove_table" and d[1].name == "schema_version")] == []
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT version, description FROM schema_version")).all()
    assert sorted(r[0] for r in rows) == versions


def test_run_round_trip_keeps_labels_params_quality_and_names(store):
    ws = _workspace_with_dataset(store)
    labels = _labels({"u1": "S1", "u2": "S2", "u3": "S1", "用户4": "Noise"})
    saved = store.save_run(
        ws.id,
        "ds1",
        labels,
        params=FakeParams(),
        quality={"silhouette": 0.41234, "sizes": {"S1": 2}},
        run_id="run-1",
        names={"S1": "Engaged fans"},
        notes={"S2": "Send a coupon"},
    )
    assert saved.version == 1
    got = store.get_run(ws.id, "run-1")
    pd.testing.assert_series_equal(got.labels, labels)
    assert got.labels.index.name == "user_id"
    assert got.params == {
        "method": "kmeans",
        "k": 3,
        "seed": 7,
        "features": ["recency_days", "frequency"],
        "weights": [["frequency", 2.0]],
    }
    assert got.params_hash == store_mod.params_digest(got.params)
    assert got.quality == {"silhouette": 0.41234, "sizes": {"S1": 2}}
    assert got.names == {"S1": "Engaged fans"}
    assert got.notes == {"S2": "Send a coupon"}
    assert got.created_at.tzinfo is not None
    [summary] = store.list_runs(ws.id)
    assert (summary.run_id, summary.n_users, summary.n_segments) == ("run-1", 4, 3)


def test_saved_work_survives_a_restart(store_url):
    first = Store(store_url)
    ws = _workspace_with_dataset(first)
    first.save_run(ws.id, "ds1", _labels({"a": "S1"}), run_id="r", names={"S1": "Fans"})
    first.dispose()
    second = Store(store_url)  # a new process would do exactly this
    assert second.get_run(ws.id, "r").names == {"S1": "Fans"}
    assert second.get_dataset(ws.id, "ds1").source_name == "events.csv"
    second.dispose()


def test_optimistic_locking_refuses_a_stale_save(store):
    ws = _workspace_with_dataset(store)
    run = store.save_run(ws.id, "ds1", _labels({"a": "S1", "b": "S2"}), run_id="r")
    mine = store.save_personas(ws.id, "r", {"S1": "Mine"}, expected_version=run.version)
    assert mine.version == run.version + 1
    with pytest.raises(ConflictError, match="Someone else changed this run"):
        store.save_personas(ws.id, "r", {"S1": "Theirs"}, expected_version=run.version)
    assert store.get_run(ws.id, "r").names == {"S1": "Mine"}
    # last write wins when the caller opts out of the check
    store.save_personas(ws.id, "r", {"S2": "Quiet"}, expected_version=None)
    assert store.get_run(ws.id, "r").names == {"S1": "Mine", "S2": "Quiet"}


def test_two_concurrent_editors_one_wins_one_gets_a_conflict(store):
    ws = _workspace_with_dataset(store)
    run = store.save_run(ws.id, "ds1", _labels({"a": "S1"}), run_id="r")
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def edit(name: str) -> None:
        barrier.wait()
        try:
            store.save_personas(ws.id, "r", {"S1": name}, expected_version=run.version)
            outcomes.append("saved")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=edit, args=(n,)) for n in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    assert store.get_run(ws.id, "r").version == run.version + 1


def test_a_failed_write_leaves_saved_work_untouched(store, monkeypatch):
    ws = _workspace_with_dataset(store)
    store.save_run(ws.id, "ds1", _labels({"a": "S1"}), run_id="r", names={"S1": "Fans"})

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Store, "_write_personas", staticmethod(boom))
    with pytest.raises(RuntimeError):
        store.save_run(ws.id, "ds1", _labels({"a": "S9", "b": "S9"}), run_id="r", names={"S9": "X"})
    with pytest.raises(RuntimeError):
        store.save_run(ws.id, "ds1", _labels({"z": "S1"}), run_id="new", names={"S1": "Y"})
    monkeypatch.undo()
    got = store.get_run(ws.id, "r")
    pd.testing.assert_series_equal(got.labels, _labels({"a": "S1"}))
    assert (got.version, got.names) == (1, {"S1": "Fans"})
    assert store.get_run(ws.id, "new") is None
    assert [r.run_id for r in store.list_runs(ws.id)] == ["r"]


def test_a_run_needs_its_dataset_and_non_empty_labels(store):
    ws = store.create_workspace("w")
    with pytest.raises(StoreError, match="dataset of this run is not saved"):
        store.save_run(ws.id, "missing", _labels({"a": "S1"}))
    with pytest.raises(DataError, match="no segments"):
        store.save_run(ws.id, "missing", _labels({}))


def test_a_run_of_another_dataset_is_never_replaced(store):
    # The same settings on two datasets of one workspace: two runs, two ids.
    ws = _workspace_with_dataset(store)
    store.save_dataset(ws.id, "ds2", "/data/ds2.duckdb", source_name="other_client_data.csv")
    first_id = store_mod.run_id_for("ds1", "abcd1234")
    assert first_id == store_mod.run_id_for("ds1", "abcd1234")  # same data + settings
    assert first_id != store_mod.run_id_for("ds2", "abcd1234")
    assert len(first_id) <= store_mod.MAX_ID_LENGTH
    store.save_run(ws.id, "ds1", _labels({"a": "S1"}), run_id=first_id, names={"S1": "Fans"})
    token, _ = store.create_share_link(ws.id, first_id)
    # A caller that reuses the id on the other dataset is refused; nothing changes.
    with pytest.raises(StoreError, match="another dataset already has the id"):
        store.save_run(ws.id, "ds2", _labels({"b": "S1"}), run_id=first_id)
    got = store.get_run(ws.id, first_id)
    assert (got.dataset_id, got.names, got.version) == ("ds1", {"S1": "Fans"}, 1)
    pd.testing.assert_series_equal(got.labels, _labels({"a": "S1"}))
    assert store.resolve_share_token(token).run_id == first_id
    other = store.save_run(
        ws.id, "ds2", _labels({"b": "S1"}), run_id=store_mod.run_id_for("ds2", "abcd1234")
    )
    assert other.names == {}  # nothing inherited from the first dataset's run
    assert {r.dataset_id for r in store.list_runs(ws.id)} == {"ds1", "ds2"}


def test_workspaces_are_separate(store):
    alice = _workspace_with_dataset(store, owner="alice@example.com")
    bob = _workspace_with_dataset(store, owner="bob@example.com")
    store.save_run(alice.id, "ds1", _labels({"a": "S1"}), run_id="r", names={"S1": "Alice's"})
    assert [w.id for w in store.list_workspaces("alice@example.com")] == [alice.id]
    assert store.get_run(bob.id, "r") is None
    assert store.list_runs(bob.id) == []
    assert len(alice.id) >= 22 and alice.id != bob.id  # 128 random bits, url-safe
    assert store.get_workspace("nope") is None
    assert store.get_workspace("x" * 500) is None


def test_share_tokens_are_random_hashed_revocable_and_scoped(store):
    ws = _workspace_with_dataset(store)
    store.save_run(ws.id, "ds1", _labels({"a": "S1"}), run_id="r")
    token, link = store.create_share_link(ws.id, "r")
    token2, _ = store.create_share_link(ws.id, "r")
    assert len(token) >= 43 and token != token2  # token_urlsafe(32) = 256 bits
    resolved = store.resolve_share_token(token)
    assert (resolved.workspace_id, resolved.run_id) == (ws.id, "r")
    with store.engine.connect() as conn:
        stored = [r[0] for r in conn.execute(sa.text("SELECT token_hash FROM share_tokens"))]
    assert token not in stored and store_mod.hash_token(token) in stored
    # near misses, garbage and enumeration attempts resolve to nothing
    for guess in (token[:-1] + ("A" if token[-1] != "A" else "B"), token[:20], "", "x" * 1000):
        assert store.resolve_share_token(guess) is None
    assert store.resolve_share_token(None) is None
    store.revoke_share_link(ws.id, link.id)
    assert store.resolve_share_token(token) is None
    assert store.resolve_share_token(token2) is not None
    assert [x.active for x in store.list_share_links(ws.id, "r")].count(False) == 1
    other = store.create_workspace("other")
    store.revoke_share_link(other.id, store.list_share_links(ws.id)[0].id)  # wrong workspace
    assert store.resolve_share_token(token2) is not None
    store.delete_run(ws.id, "r")
    assert store.resolve_share_token(token2) is None


def test_user_ids_that_look_like_personal_data_are_refused(store):
    ws = _workspace_with_dataset(store)
    emails = _labels({f"person{i}@example.com": "S1" for i in range(5)})
    with pytest.raises(DataError, match="email addresses"):
        store.save_run(ws.id, "ds1", emails, run_id="r")
    assert store.list_runs(ws.id) == []


def test_personal_data_in_reports_is_hashed_before_it_is_stored(store):
    ws = store.create_workspace("w")
    report = {"sample": ["alice@example.com", "13812345678", "plain"], "rows": 3}
    store.save_dataset(ws.id, "d", "/x", report=report, mapping={"邮箱": "ignore"})
    saved = store.get_dataset(ws.id, "d").report
    assert saved["rows"] == 3 and saved["sample"][2] == "plain"
    assert all(v.startswith("pii:") for v in saved["sample"][:2])
    with store.engine.connect() as conn:
        blob = " ".join(str(r) for r in conn.execute(sa.text("SELECT report FROM datasets")))
    assert "alice@example.com" not in blob and "13812345678" not in blob


def test_experiments_round_trip(store):
    ws = _workspace_with_dataset(store)
    store.save_run(ws.id, "ds1", _labels({"a": "S1"}), run_id="r")
    exp = store.save_experiment(
        ws.id,
        name="Coupon test",
        run_id="r",
        inputs={"file": "ab.csv", "rows": 1000},
        settings={"engine": "frequentist", "ci": 0.95},
        results={"srm_p_value": 0.52, "results": [{"metric": "converted", "lift": 0.1}]},
    )
    [got] = store.list_experiments(ws.id, run_id="r")
    assert got == exp
    assert got.results["results"][0]["lift"] == 0.1
    store.delete_run(ws.id, "r")
    assert store.list_experiments(ws.id)[0].run_id is None


def test_hostile_names_are_stored_verbatim_and_inert(store):
    ws = _workspace_with_dataset(store)
    evil = '<img src=x onerror=alert(1)>"; DROP TABLE runs; --'
    store.save_run(ws.id, "ds1", _labels({"a": evil}), run_id="r", names={evil: evil})
    got = store.get_run(ws.id, "r")
    assert got.labels.iloc[0] == evil and got.names == {evil: evil}
    assert store.list_runs(ws.id)[0].run_id == "r"  # the runs table is still there


def test_params_serialisation_helpers():
    data, kind = store_mod.params_to_dict(FakeParams(k=5))
    assert kind.endswith("FakeParams") and data["k"] == 5
    assert store_mod.params_from_dict(data, kind) == data  # not ours: stays a dict
    assert store_mod.params_to_dict(None) == ({}, "none")
    assert store_mod.params_digest({"b": 1, "a": 2}) == store_mod.params_digest({"a": 2, "b": 1})
    with pytest.raises(DataError):
        store_mod.params_to_dict(object())


def test_database_url_prefers_explicit_then_env_then_sqlite(monkeypatch, tmp_path):
    monkeypatch.delenv("PERSONALAB_DATABASE_URL", raising=False)
    assert store_mod.database_url(data_dir=tmp_path).endswith("store.sqlite")
    monkeypatch.setenv("PERSONALAB_DATABASE_URL", "postgresql://h/db")
    assert store_mod.database_url() == "postgresql://h/db"
    assert store_mod.database_url("sqlite://") == "sqlite://"


def test_sqlite_uses_wal(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    s.dispose()


def test_bad_store_url_gives_a_plain_message():
    with pytest.raises(StoreError, match="not a valid database URL"):
        Store("not a url")


def test_segment_params_come_back_as_segment_params(store):
    ws = _workspace_with_dataset(store)
    params = SegmentParams(
        k=4, features=("recency_days", "frequency"), weights=(("frequency", 2.0),)
    )
    store.save_run(ws.id, "ds1", _labels({"a": "S1"}), params=params, run_id="r")
    got = store.get_run(ws.id, "r")
    assert got.params == params and isinstance(got.params, SegmentParams)


@pytest.mark.parametrize(
    "saved_type", ["core.segmentation.SegmentParams", "core.segments.segmentation.SegmentParams"]
)
def test_a_run_saved_before_the_move_into_packages_reloads_its_segment_params(store, saved_type):
    # Runs saved before core was split into packages name their parameters' class by its
    # old module; the store finds the class through the core.segments package root.
    ws = _workspace_with_dataset(store)
    params = SegmentParams(k=5, features=("recency_days", "frequency"))
    store.save_run(ws.id, "ds1", _labels({"a": "S1"}), params=params, run_id="old")
    with store.engine.begin() as conn:
        conn.execute(sa.update(RunRow.__table__).values(params_type=saved_type))
    got = store.get_run(ws.id, "old")
    assert isinstance(got.params, SegmentParams) and got.params == params


def test_parameters_of_a_class_outside_segmentation_stay_a_dict():
    data, _ = store_mod.params_to_dict(SegmentParams(k=5))
    assert store_mod.params_from_dict(data, "os.system") == data
    assert store_mod.params_from_dict(data, "core.segmentation.NoSuchClass") == data


def test_new_ids_never_start_with_a_dash_or_underscore(monkeypatch):
    """A run id like '-abc' reads as an option on the command line and is escaped as a formula in CSV."""
    from core.store import values

    draws = iter(["-abc", "_def", "Xyz"])
    monkeypatch.setattr(values.secrets, "token_urlsafe", lambda n: next(draws))
    assert values.new_id(9) == "Xyz"
    monkeypatch.undo()
    assert all(values.new_id(9)[0].isalnum() for _ in range(2000))
