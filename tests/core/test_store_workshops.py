"""Workshop sessions in the store: create, join, expiry, forged codes, and the sweep.

Runs on SQLite and PostgreSQL, like the other store tests.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from core import config
from core.errors import DataError
from core.store import (
    ENDED,
    MAX_WORKSHOP_DAYS,
    Store,
    check_display_name,
    hash_token,
    workshop_owner,
)
from tests.core.test_store import BACKENDS, _pg_schema_url

TODAY = dt.date(2026, 3, 10)


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    """A fresh store: a SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    else:
        base = request.getfixturevalue("pg_url")
        schema = f"workshop_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(base)
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = _pg_schema_url(base, schema)
    s = Store(url)
    yield s
    s.dispose()
    if request.param != "sqlite":
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def _labels(users: list[str], groups: list[str]) -> pd.Series:
    return pd.Series(groups, index=pd.Index(users, name="user_id"), name="segment", dtype=str)


def _workshop(store, days: int = 0, **kwargs):
    return store.create_workshop(
        "Spring personas", TODAY + dt.timedelta(days=days), owner="local", today=TODAY, **kwargs
    )


def _dataset_file() -> str:
    folder = config.data_dir() / "datasets"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.duckdb"
    path.write_bytes(b"not a real dataset: the store never opens it")
    path.with_name(path.name + ".wal").write_bytes(b"wal")
    return str(path)


def _count(store, table: str, where: str = "", **params) -> int:
    with store.engine.connect() as conn:
        sql = f"SELECT COUNT(*) FROM {table}" + (f" WHERE {where}" if where else "")
        return conn.execute(sa.text(sql), params).scalar()


def test_create_keeps_only_the_hash_of_a_random_join_code(store):
    code, workshop = _workshop(store, days=2)
    code2, _ = _workshop(store, days=2)
    assert len(code) >= 22 and code != code2  # 128 random bits each
    assert workshop.expires_on == TODAY + dt.timedelta(days=2) and workshop.ended_at is None
    with store.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT code_hash FROM workshops")).scalars().all()
    assert hash_token(code) in stored and code not in stored
    assert store.resolve_join_code(code, today=TODAY) == workshop
    assert workshop in store.list_workshops("local") and len(store.list_workshops("local")) == 2
    assert store.list_workshops("someone else") == []


@pytest.mark.parametrize(
    "name, expires, message",
    [
        ("  ", TODAY, "Give the workshop a name"),
        ("Room", TODAY - dt.timedelta(days=1), "is in the past"),
        ("Room", TODAY + dt.timedelta(days=MAX_WORKSHOP_DAYS + 1), "at most 90 days"),
        ("Room", "2026-03-12", "Pick the workshop's last day"),
    ],
)
def test_create_refuses_bad_input_with_one_sentence(store, name, expires, message):
    with pytest.raises(DataError, match=message):
        store.create_workshop(name, expires, owner="local", today=TODAY)
    assert store.list_workshops("local") == []


def test_forged_expired_and_ended_codes_find_nothing(store):
    code, workshop = _workshop(store, days=1)
    near_miss = code[:-2] + ("AA" if not code.endswith("AA") else "BB")
    for forged in (near_miss, "x" * 22, "short", "", None, 12345, code + "x"):
        assert store.resolve_join_code(forged, today=TODAY) is None
    # open through its last day, closed the day after
    assert store.resolve_join_code(code, today=TODAY + dt.timedelta(days=1)) == workshop
    assert store.resolve_join_code(code, today=TODAY + dt.timedelta(days=2)) is None
    store.end_workshop(workshop.id)
    assert store.resolve_join_code(code, today=TODAY) is None
    assert store.get_workshop(workshop.id).ended_at is not None


def test_a_new_join_code_ends_the_old_one(store):
    code, workshop = _workshop(store, days=1)
    new = store.new_join_code(workshop.id, today=TODAY)
    assert new != code
    assert store.resolve_join_code(code, today=TODAY) is None
    assert store.resolve_join_code(new, today=TODAY).id == workshop.id
    with pytest.raises(DataError, match="has ended"):
        store.new_join_code(workshop.id, today=TODAY + dt.timedelta(days=2))


def test_join_gives_each_participant_a_workspace_nobody_lists(store):
    _, workshop = _workshop(store)
    anna = store.join_workshop(workshop.id, "  Anna   K. ", today=TODAY)
    bo = store.join_workshop(workshop.id, "Bo", today=TODAY)
    assert anna.display_name == "Anna K." and anna.workspace_id != bo.workspace_id
    ws = store.get_workspace(anna.workspace_id)
    assert ws.owner == workshop_owner(workshop.id) and "Anna K." in ws.name
    assert store.list_workspaces("local") == []  # not the facilitator's, not anybody's
    assert [p.display_name for p in store.list_participants(workshop.id)] == ["Anna K.", "Bo"]
    assert store.participant(bo.workspace_id) == bo
    assert store.participant("unknown") is None


@pytest.mark.parametrize("again", ["Anna K.", "anna k.", " ANNA  K. ", "Ａnna K."])
def test_a_name_already_in_the_session_gets_a_clear_sentence(store, again):
    _, workshop = _workshop(store)
    store.join_workshop(workshop.id, "Anna K.", today=TODAY)
    with pytest.raises(DataError, match=r"already called .*add an initial"):
        store.join_workshop(workshop.id, again, today=TODAY)
    assert len(store.list_participants(workshop.id)) == 1
    # the same name in another workshop is fine
    _, other = _workshop(store)
    store.join_workshop(other.id, "Anna K.", today=TODAY)


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "Type the name"),
        ("x" * 41, "at most 40 characters; yours has 41"),
        ("<b>Eve</b>", "remove '<'"),
        ("[Eve](http://x.y)", "remove '\\['"),
        ("Eve\u200b", "invisible character"),
        ("Eve\x00", "invisible character"),
    ],
)
def test_display_names_are_checked(name, message):
    with pytest.raises(DataError, match=message):
        check_display_name(name)


def test_display_names_keep_plain_punctuation_and_other_scripts():
    assert (
        check_display_name("Anne-Marie O'Neil (Sales) & co!") == "Anne-Marie O'Neil (Sales) & co!"
    )
    assert check_display_name("王小明") == "王小明"


def test_joining_an_ended_workshop_is_refused(store):
    _, workshop = _workshop(store)
    with pytest.raises(DataError, match="has ended"):
        store.join_workshop(workshop.id, "Late", today=TODAY + dt.timedelta(days=1))
    with pytest.raises(DataError, match="has ended"):
        store.join_workshop("no-such-workshop", "Late", today=TODAY)
    assert ENDED.startswith("This workshop has ended")


def _participant_with_work(store, workshop, name: str, dataset_path: str, today=TODAY) -> str:
    p = store.join_workshop(workshop.id, name, today=today)
    store.save_dataset(p.workspace_id, f"ds-{name}", dataset_path, source_name="events.csv")
    labels = _labels(["u1", "u2", "u3", "u4"], ["S1", "S1", "S2", "S2"])
    store.save_run(p.workspace_id, f"ds-{name}", labels, run_id=f"run-{name}", names={"S1": name})
    store.save_experiment(
        p.workspace_id, name="Coupon", run_id=f"run-{name}", inputs={}, settings={}, results={}
    )
    store.create_share_link(p.workspace_id, f"run-{name}")
    return p.workspace_id


def test_the_sweep_deletes_every_row_and_unused_file_of_ended_workshops(store):
    own_file, shared_file, sample_file = _dataset_file(), _dataset_file(), _dataset_file()
    _, workshop = _workshop(store, days=1)
    _, still_open = _workshop(store, days=5)
    anna = _participant_with_work(store, workshop, "Anna", own_file)
    bo = _participant_with_work(store, workshop, "Bo", shared_file)
    chen = _participant_with_work(store, workshop, "Chen", sample_file)
    dana = _participant_with_work(store, still_open, "Dana", own_file)
    # the facilitator's own workspace uses the shared file: it must stay
    mine = store.create_workspace("Facilitator", owner="local")
    store.save_dataset(mine.id, "ds-mine", shared_file, source_name="events.csv")

    # nothing ends before the day after the last day
    assert not store.has_work_to_sweep(TODAY + dt.timedelta(days=1))
    result = store.sweep_workshops(TODAY + dt.timedelta(days=1), keep_files=[sample_file])
    assert (result.workshops, result.workspaces, result.files) == (0, 0, ())

    later = TODAY + dt.timedelta(days=2)
    assert store.has_work_to_sweep(later)
    result = store.sweep_workshops(later, keep_files=[sample_file])
    assert (result.workshops, result.workspaces) == (1, 3)
    gone = (anna, bo, chen)
    for table in ("runs", "datasets", "personas", "experiments", "share_tokens"):
        for ws in gone:
            assert _count(store, table, "workspace_id = :ws", ws=ws) == 0, table
        assert _count(store, table, "workspace_id = :ws", ws=dana) > 0, table
    assert all(store.get_workspace(ws) is None for ws in gone)
    assert store.get_workspace(dana) is not None
    # own_file is still used by Dana (open workshop), shared_file by the facilitator,
    # sample_file is kept on purpose: no file is deleted yet.
    assert result.files == ()
    assert all(Path(p).exists() for p in (own_file, shared_file, sample_file))
    # names are gone, but an old participant link still knows its workshop ended
    assert store.list_participants(workshop.id) == []
    assert store.participant(anna).display_name == ""
    assert store.participant(anna).workshop_id == workshop.id
    assert _count(store, "workshop_participants", "display_name = 'Anna'") == 0
    assert not store.has_work_to_sweep(later)

    # Once Dana's workshop is ended by its facilitator, own_file is nobody's: deleted,
    # with DuckDB's write-ahead log next to it.
    store.end_workshop(still_open.id)
    result = store.sweep_workshops(later, keep_files=[sample_file])
    own = Path(own_file).resolve()
    assert result.workspaces == 1 and result.files == (str(own),)
    assert not own.exists() and not own.with_name(own.name + ".wal").exists()
    assert store.get_workspace(dana) is None
    assert store.get_workspace(mine.id) is not None


def test_the_sweep_never_deletes_files_outside_the_data_folder(store, tmp_path):
    outside = tmp_path / "elsewhere.duckdb"
    outside.write_bytes(b"keep me")
    _, workshop = _workshop(store)
    _participant_with_work(store, workshop, "Eve", str(outside))
    result = store.sweep_workshops(TODAY + dt.timedelta(days=1))
    assert result.workspaces == 1 and result.files == ()
    assert outside.exists()


def test_a_store_saved_before_workshops_existed_gains_them_and_keeps_its_work(tmp_path):
    import core.store.migrations as migrations

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    first = migrations.MIGRATIONS[:1]
    original = migrations.MIGRATIONS
    migrations.MIGRATIONS = first  # the store as the version before workshops left it
    try:
        old = Store(url)
        ws = old.create_workspace("Before", owner="local")
        assert old.schema_version() == 1
        old.dispose()
    finally:
        migrations.MIGRATIONS = original
    store = Store(url)
    try:
        assert store.schema_version() == migrations.SCHEMA_VERSION
        assert store.get_workspace(ws.id).name == "Before"
        code, workshop = store.create_workshop("After", dt.date.today(), owner="local")
        assert store.resolve_join_code(code).id == workshop.id
    finally:
        store.dispose()


def test_the_cli_sweeps_the_apps_store_for_a_cron_job(capsys):
    import json

    from core.__main__ import main
    from core.store import open_store

    store = open_store()  # the store the app and the CLI share (in the data folder)
    past = TODAY - dt.timedelta(days=30)
    _, workshop = store.create_workshop("Old", past, owner="local", today=past)
    path = _dataset_file()
    ws = _participant_with_work(store, workshop, "Finn", path, today=past)

    assert main(["workshops", "--sweep", "--today", str(past)]) == 0  # its last day: kept
    assert json.loads(capsys.readouterr().out)["workspaces"] == 0
    assert store.get_workspace(ws) is not None

    assert main(["workshops", "--sweep", "--today", str(TODAY)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["workspaces"] == 1 and report["files"] == [str(Path(path).resolve())]
    assert store.get_workspace(ws) is None and not Path(path).exists()

    assert main(["workshops", "--sweep", "--today", "31/03/2026"]) == 2
    assert "should be a date as YYYY-MM-DD" in capsys.readouterr().err
    assert main(["workshops"]) == 2  # nothing happens without --sweep
