"""``user_days`` from one ordered pass over the sorted events equals the SQL's table.

Ingest stores events sorted by user key and time and ``core.data.derived`` then finds
each user's days as runs of neighbouring rows, in batches. These tests build events of
different shapes (many events a day, one event a day, users who span batches, days that
span batches, no purchases, a single user), run the pass with small batches so runs
cross batch ends, and compare every row with the hash-aggregate-and-window SQL, which
needs no order. Unsorted or incomplete events must fall back to that SQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from core.data import derived

_EVENTS = """CREATE TABLE events (user_id VARCHAR NOT NULL, timestamp TIMESTAMP, event_type
    VARCHAR, platform VARCHAR, amount DOUBLE, content_id VARCHAR, content_format VARCHAR,
    campaign VARCHAR, text VARCHAR, uid INTEGER)"""
_TYPES = ["view", "click", "like", "comment", "share", "follow", "save", "purchase"]


def _events(con, seed: int, users: int, per_user: tuple[int, int], days: int, types) -> None:
    rng = np.random.default_rng(seed)
    counts = rng.integers(per_user[0], per_user[1] + 1, users)
    uid = np.repeat(np.arange(1, users + 1, dtype=np.int32), counts)
    rows = pa.table(
        {
            "uid": uid,
            "seconds": rng.integers(0, days * 86_400, len(uid)),
            "event_type": pa.array(types).take(rng.integers(0, len(types), len(uid))),
        }
    )
    con.execute(_EVENTS)
    con.register("generated", rows)
    con.execute(
        "INSERT INTO events (user_id, timestamp, event_type, uid) SELECT printf('u%06d', uid), "
        "TIMESTAMP '2024-02-27 00:00:00' + to_seconds(seconds), event_type, uid FROM generated"
    )
    con.unregister("generated")
    # Stored as ingest stores them: by user key, then time.
    con.execute("CREATE TABLE sorted AS SELECT * FROM events ORDER BY uid, timestamp")
    con.execute("DROP TABLE events")
    con.execute("ALTER TABLE sorted RENAME TO events")


@pytest.fixture(autouse=True)
def _ordered_pass_at_any_size(monkeypatch):
    """The pass runs from 2M events on; these small tables must take it too."""
    monkeypatch.setattr(derived, "ORDERED_PASS_MIN_EVENTS", 0)


def _both(con):
    by_sql = con.execute(
        f"SELECT * FROM ({derived._USER_DAYS_SQL.format(s='main')}) ORDER BY uid, day"
    ).fetchall()
    derived.write_activity_tables(con)
    written = con.execute("SELECT * FROM user_days ORDER BY uid, day").fetchall()
    return written, by_sql


SHAPES = {
    "many events a day": dict(users=40, per_user=(1, 300), days=20, types=_TYPES),
    "about one a day": dict(users=300, per_user=(1, 30), days=400, types=_TYPES),
    "one user": dict(users=1, per_user=(2000, 2000), days=50, types=_TYPES),
    "no purchases or engagement": dict(users=80, per_user=(1, 60), days=10, types=["view"]),
    "one event each": dict(users=500, per_user=(1, 1), days=3, types=["purchase", "view"]),
}


@pytest.mark.parametrize("batch", [7, 64, 1 << 20])
@pytest.mark.parametrize("shape", SHAPES)
def test_the_ordered_pass_equals_the_sql(shape, batch, monkeypatch):
    monkeypatch.setattr(derived, "_BATCH_ROWS", batch)
    con = duckdb.connect()
    _events(con, seed=len(shape) * 7 + batch, **SHAPES[shape])
    calls = []
    real = derived._user_days_in_one_ordered_pass
    monkeypatch.setattr(
        derived, "_user_days_in_one_ordered_pass", lambda *a: calls.append(real(*a)) or calls[-1]
    )
    written, by_sql = _both(con)
    assert calls == [True]  # the ordered pass wrote it, not the fallback
    assert written == by_sql
    assert len(written) > 0
    # Every column kept its type.
    types = dict(
        con.execute("SELECT column_name, column_type FROM (DESCRIBE user_days)").fetchall()
    )
    assert types == {
        "uid": "INTEGER",
        "day": "DATE",
        "prev_day": "DATE",
        "next_day": "DATE",
        "first_day": "DATE",
        "engaged": "BOOLEAN",
        "purchased": "BOOLEAN",
    }


def test_no_events_gives_an_empty_table():
    con = duckdb.connect()
    _events(con, seed=1, users=0, per_user=(0, 0), days=1, types=_TYPES)
    derived.write_activity_tables(con)
    assert con.execute("SELECT count(*) FROM user_days").fetchall() == [(0,)]


@pytest.mark.parametrize("damage", ["shuffled", "time goes back", "missing time"])
def test_events_not_stored_sorted_fall_back_to_the_sql(damage, monkeypatch):
    monkeypatch.setattr(derived, "_BATCH_ROWS", 50)
    con = duckdb.connect()
    _events(con, seed=3, **SHAPES["about one a day"])
    if damage == "shuffled":
        con.execute("CREATE TABLE s AS SELECT * FROM events ORDER BY hash(rowid)")
        con.execute("DROP TABLE events")
        con.execute("ALTER TABLE s RENAME TO events")
    elif damage == "time goes back":  # late in the table, after batches were written
        con.execute(
            "UPDATE events SET timestamp = timestamp - INTERVAL 900 DAY WHERE rowid = "
            "(SELECT max(rowid) FROM events WHERE uid IN "
            "(SELECT uid FROM events GROUP BY uid HAVING count(DISTINCT timestamp) > 1))"
        )
    else:
        con.execute("UPDATE events SET timestamp = NULL WHERE rowid = 4000")
    calls = []
    real = derived._user_days_in_one_ordered_pass
    monkeypatch.setattr(
        derived, "_user_days_in_one_ordered_pass", lambda *a: calls.append(real(*a)) or calls[-1]
    )
    written, by_sql = _both(con)
    assert calls == [False]
    assert written == by_sql


def test_key_ranges_without_users_are_skipped(monkeypatch):
    """Batches are ranges of user keys; a range holding no user gives no rows."""
    monkeypatch.setattr(derived, "_BATCH_ROWS", 5)
    con = duckdb.connect()
    _events(con, seed=5, users=30, per_user=(1, 9), days=30, types=_TYPES)
    con.execute("UPDATE events SET uid = uid + 500 WHERE uid > 10")  # keys 1-10, 511-530
    written, by_sql = _both(con)
    assert written == by_sql
    assert {r[0] for r in written} == set(range(1, 11)) | set(range(511, 531))


def test_loading_a_csv_file_does_not_import_pandas(tmp_path):
    """pandas costs 0.5 s to import; a plain load never needs it (pyarrow's pa.array()
    imports it, which is why the ordered pass builds its arrays from buffers)."""
    rows = ["user_id,timestamp,event_type,amount"] + [
        f"u{i % 40},2024-03-{1 + i % 28:02d} 10:{i % 60:02d}:00,{'purchase' if i % 7 else 'view'},"
        f"{i % 13}"
        for i in range(3000)
    ]
    (tmp_path / "events.csv").write_text("\n".join(rows) + "\n")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from core.data import derived, ingest\n"
        "derived.ORDERED_PASS_MIN_EVENTS = 0\n"
        "ingest(Path('events.csv'), dest=Path('out.duckdb'))\n"
        "print(sorted(m for m in ('pandas', 'sqlalchemy') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **os.environ,
            "PERSONALAB_DATA_DIR": str(tmp_path / "data"),
            "PYTHONPATH": str(Path(derived.__file__).resolve().parents[2]),
        },
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_small_tables_take_the_sql(monkeypatch):
    """Below ORDERED_PASS_MIN_EVENTS the SQL is as fast as the pass and needs no pyarrow."""
    monkeypatch.setattr(derived, "ORDERED_PASS_MIN_EVENTS", 10_000)
    called = []
    monkeypatch.setattr(derived, "_user_days_in_one_ordered_pass", lambda *a: called.append(a))
    con = duckdb.connect()
    _events(con, seed=9, **SHAPES["about one a day"])  # about 4,650 events
    written, by_sql = _both(con)
    assert called == []
    assert written == by_sql


@pytest.mark.parametrize("batch", [7, 1 << 20])
def test_an_error_while_reading_ahead_is_raised_and_leaves_no_thread(batch, monkeypatch):
    """The batches are read and grouped in a thread while DuckDB inserts: an error there
    reaches the caller (it does not hang the insert or vanish) and the thread ends."""
    import threading

    monkeypatch.setattr(derived, "_BATCH_ROWS", batch)
    con = duckdb.connect()
    _events(con, seed=5, **SHAPES["about one a day"])
    real = derived._day_runs
    seen = []

    def failing(*args):
        seen.append(1)
        if len(seen) == 3:
            raise RuntimeError("disk gone")
        return real(*args)

    monkeypatch.setattr(derived, "_day_runs", failing)
    before = threading.active_count()
    n, top = con.execute("SELECT count(*), max(uid) FROM events").fetchall()[0]
    if batch > n:  # one batch holds every user: fail on the first
        seen.extend([1, 1])
    with pytest.raises(RuntimeError, match="disk gone"):
        derived._user_days_in_one_ordered_pass(con, "main", n, top)
    assert threading.active_count() == before
