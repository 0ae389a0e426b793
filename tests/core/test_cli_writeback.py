"""``python -m core segment --write-back``: exit codes, refresh with --from-run, languages."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from core.__main__ import main
from core.data.synth.generator import generate
from core.store import open_store


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> str:
    """A DuckDB file with events and users tables, as a warehouse would hold them."""
    path = tmp_path_factory.mktemp("warehouse") / "lake.duckdb"
    data = generate(n_users=400, days=30, seed=21)
    events = data.events.astype({c: "str" for c in ("user_id", "event_type", "platform")})
    events = events[["user_id", "timestamp", "event_type", "platform", "amount"]]
    con = duckdb.connect(str(path))
    con.register("e", events)
    con.register("u", data.users[["user_id", "age", "followers"]])
    con.execute("CREATE TABLE events AS SELECT * FROM e")
    con.execute("CREATE TABLE users AS SELECT * FROM u")
    con.close()
    return f"duckdb:///{path}"


def _table(url: str, sql: str) -> pd.DataFrame:
    con = duckdb.connect(url.removeprefix("duckdb:///"))
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def _run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


def test_write_back_then_refresh_keeps_definitions_and_names(warehouse, capsys):
    base = ["segment", "--db", warehouse, "--table", "events", "--users-table", "users"]
    code, err = _run(
        capsys, *base, "--write-back", "personas_daily", "--k", "3", "--sample-size", "150"
    )
    assert code == 0, err
    assert "Fitted on a seeded sample of" in err and "first write-back" in err
    rows = _table(warehouse, "SELECT * FROM personas_daily")
    assert len(rows) == 400 and rows["run_id"].nunique() == 1
    run_id = rows["run_id"].iloc[0]

    store = open_store()
    (ws,) = store.find_run_workspaces(run_id)
    definition = store.get_definition(ws, run_id)
    assert definition["method"] == "kmeans" and len(definition["centres"]) == 3
    store.save_personas(
        ws, run_id, {"S1": "Night owls", "S2": "Weekend shoppers"}, expected_version=None
    )

    code, err = _run(
        capsys,
        *base,
        "--write-back",
        "personas_daily",
        "--from-run",
        run_id,
        "--as-of",
        "2025-09-20",
    )
    assert code == 0, err
    assert "moved since the last write-back" in err
    code, err = _run(capsys, *base, "--write-back", "personas_daily", "--from-run", run_id)
    assert code == 0, err
    after = _table(warehouse, "SELECT * FROM personas_daily")
    assert len(after) == 400 and after["assigned_at"].nunique() == 1
    # Same data and definitions as the first write-back: the same segments.
    merged = rows.merge(after, on="user_id", suffixes=("_first", "_now"))
    assert (merged["segment_first"] == merged["segment_now"]).all()
    assert set(after.loc[after["segment"] == "S1", "persona_name"]) == {"Night owls"}
    assert set(after.loc[after["segment"] == "S3", "persona_name"]) == {"S3"}
    assert store.get_definition(ws, run_id) == definition


def test_refresh_summary_in_chinese(warehouse, capsys):
    base = ["segment", "--db", warehouse, "--table", "events", "--write-back", "zh_daily"]
    code, err = _run(capsys, *base, "--k", "3", "--sample-size", "150", "--lang", "zh")
    assert code == 0, err
    assert "已在" in err and "该分群运行首次写回" in err
    code, err = _run(capsys, *base, "--k", "3", "--sample-size", "150")
    assert code == 0 and "first write-back of this run" in err


def test_a_table_of_another_shape_exits_2_before_anything_is_saved(warehouse, capsys):
    store = open_store()
    before = sum(len(store.list_runs(w.id)) for w in store.list_workspaces("local"))
    code, err = _run(
        capsys,
        "segment",
        "--db",
        warehouse,
        "--table",
        "events",
        "--write-back",
        "users",
        "--k",
        "3",
    )
    assert code == 2
    assert err.startswith("error: The table users already exists with the columns user_id, age")
    after = sum(len(store.list_runs(w.id)) for w in store.list_workspaces("local"))
    assert after == before
    assert "segment" not in _table(warehouse, "SELECT * FROM users LIMIT 1").columns


def test_a_missing_events_table_exits_2(warehouse, capsys):
    code, err = _run(capsys, "segment", "--db", warehouse, "--table", "nosuch", "--write-back", "t")
    assert code == 2 and "nosuch" in err and err.count("\n") == 1


def test_an_unknown_run_exits_2(warehouse, capsys):
    code, err = _run(
        capsys,
        "segment",
        "--db",
        warehouse,
        "--table",
        "events",
        "--write-back",
        "t",
        "--from-run",
        "nope",
    )
    assert code == 2 and "There is no saved run nope" in err


def test_an_unreachable_database_exits_75_for_the_scheduler(capsys):
    url = "postgresql+psycopg2://nobody@127.0.0.1:9/nowhere"
    code, err = _run(capsys, "segment", "--db", url, "--table", "events", "--write-back", "t")
    assert code == 75
    assert "temporary failure (exit code 75)" in err and err.count("\n") == 1


def test_write_back_needs_a_database(capsys, tmp_path):
    code, err = _run(capsys, "segment", "--write-back", "t", "--k", "3")
    assert code == 2 and "--write-back needs --db URL and --table NAME" in err


def test_help_documents_the_exit_codes(capsys):
    assert main(["segment", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--write-back" in out and "--from-run" in out and "75" in out
