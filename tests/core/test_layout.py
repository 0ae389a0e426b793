"""The dataset layout version: written by ingest, read on open, older files upgraded once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from core.config import ROOT
from core.data import SCHEMA_VERSION, dataset_engine, ingest, open_dataset
from core.errors import DataError

EVENTS = (
    "user_id,timestamp,event_type,amount\n"
    "u2,2025-03-02 09:00,purchase,12.5\n"
    "u1,2025-03-01 10:00,view,\n"
    "u1,2025-03-03 11:00,like,\n"
    "u2,2025-03-02 10:00,view,\n"
)


def _sql(path: Path, query: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def _tables(path: Path) -> set[str]:
    return {r[0] for r in _sql(path, "SELECT table_name FROM information_schema.tables")}


def _version_1_file(tmp_path: Path, name: str = "old.duckdb") -> Path:
    """A dataset as version 1 wrote it: no uid, no user_keys/user_days, version '1'."""
    events = tmp_path / f"{name}.csv"
    events.write_text(EVENTS, encoding="utf-8")
    path = tmp_path / name
    ingest(events, dest=path)
    con = duckdb.connect(str(path))
    try:
        con.execute("DROP TABLE user_days")
        con.execute("DROP TABLE user_keys")
        con.execute("ALTER TABLE events DROP COLUMN uid")
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    finally:
        con.close()
    assert _tables(path) == {"events", "users", "rejected", "meta"}
    return path


def _version(path: Path) -> str:
    return _sql(path, "SELECT value FROM meta WHERE key = 'schema_version'")[0][0]


def test_ingest_writes_the_current_layout(tmp_path):
    events = tmp_path / "events.csv"
    events.write_text(EVENTS, encoding="utf-8")
    ds = ingest(events, dest=tmp_path / "new.duckdb")
    assert SCHEMA_VERSION == 2
    assert _version(ds.path) == "2"
    assert {"user_keys", "user_days"} <= _tables(ds.path)


def test_a_version_1_dataset_is_upgraded_when_opened(tmp_path):
    path = _version_1_file(tmp_path)
    before = _sql(path, "SELECT * FROM events ORDER BY user_id, timestamp")
    ds = open_dataset(path)
    assert ds.report.rows_loaded == 4
    assert _version(path) == "2"
    assert {"user_keys", "user_days"} <= _tables(path)
    assert _sql(path, "SELECT user_id, uid FROM user_keys ORDER BY uid") == [("u1", 1), ("u2", 2)]
    days = _sql(path, "SELECT uid, day, prev_day, engaged, purchased FROM user_days ORDER BY 1, 2")
    assert [(u, str(d), str(p) if p else None, e, b) for u, d, p, e, b in days] == [
        (1, "2025-03-01", None, False, False),
        (1, "2025-03-03", "2025-03-01", True, False),
        (2, "2025-03-02", None, True, True),
    ]
    cols = "user_id, timestamp, event_type, platform, amount, content_id, content_format, campaign, text"
    after = _sql(path, f"SELECT {cols} FROM events ORDER BY user_id, timestamp")
    assert after == before  # the events are unchanged, only keyed
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
    mtime = path.stat().st_mtime_ns
    open_dataset(path)  # once: a current file is left alone
    assert path.stat().st_mtime_ns == mtime


def test_dataset_engine_upgrades_a_version_1_dataset(tmp_path):
    path = _version_1_file(tmp_path)
    engine = dataset_engine(path)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM user_days").scalar() == 3
    assert _version(path) == "2"


def test_a_reader_of_the_old_file_is_not_disturbed_by_the_upgrade(tmp_path):
    path = _version_1_file(tmp_path)
    reader = duckdb.connect(str(path), read_only=True)
    try:
        open_dataset(path)
        assert reader.execute("SELECT count(*) FROM events").fetchall() == [(4,)]
    finally:
        reader.close()
    assert _version(path) == "2"


_READER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("SELECT count(*) FROM events").fetchall()[0][0], flush=True)
sys.stdin.readline()  # the parent upgrades the file meanwhile
print(con.execute("SELECT count(*) FROM events").fetchall()[0][0], flush=True)
"""


def test_a_reader_in_another_process_is_not_disturbed_by_the_upgrade(tmp_path):
    path = _version_1_file(tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-c", _READER, str(path)],
        cwd=ROOT,
        env=dict(os.environ),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "4"
        open_dataset(path)
        assert _version(path) == "2"
        child.stdin.write("\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "4"
    finally:
        child.kill()
        child.wait()


def test_a_dataset_from_a_newer_version_gets_one_sentence(tmp_path):
    path = _version_1_file(tmp_path)
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    for opener in (open_dataset, dataset_engine):
        with pytest.raises(DataError, match="newer version of PersonaLab") as info:
            opener(path)
        assert "\n" not in str(info.value)
    assert _version(path) == "99"  # left as it was
