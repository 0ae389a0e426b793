"""A warehouse's Parquet export, whose time and amount columns are typed (a TIMESTAMP of
any precision, with or without a time zone, a DECIMAL, DOUBLE or FLOAT amount), loads to
the same events, keys, user days and counts as the same rows exported as text.

Ingest reads every source column as text; these files check that a typed column's text
is read back to the value the warehouse held: no time shifted by a zone, no amount
changed by its binary form (a FLOAT 0.1 is 0.100000001 in binary, and a manager typed
0.1), the same rows rejected for the same reasons.
"""

from __future__ import annotations

import duckdb
import pytest

from core.data import ingest
from tests.golden.ingest_capture import capture

#: 3,000 events: millisecond times over three months, five in 2031 (rejected: in the
#: future), amounts on purchases with two decimals, 0.1 among them, three negative ones
#: (rejected; one of them is also in 2031).
_ROWS = """
CREATE TABLE ev AS SELECT
  'u' || (i % 211) AS user_id,
  CASE WHEN i % 600 = 7 THEN TIMESTAMP '2031-05-01 09:00:00'
       ELSE TIMESTAMP '2025-01-01' + to_milliseconds(CAST(hash(i) % (90 * 86400000::BIGINT) AS BIGINT))
  END AS ts,
  (['view', 'like', 'purchase', 'comment', 'share'])[1 + i % 5] AS event_type,
  (['wechat', 'weibo', 'douyin'])[1 + i % 3] AS platform,
  CASE WHEN i % 5 = 2 THEN
    CASE WHEN i % 1000 = 7 THEN -5.25 WHEN i % 50 = 12 THEN 0.1
         ELSE round(1 + (hash(i * 7) % 40000) / 100.0, 2) END
  END AS amount,
  'c' || (i % 40) AS content_id
FROM range(3000) t(i)
"""

#: The report's entries that say what the file held (its name and the time format's
#: label say how it was written).
_SAME = (
    "rows_read",
    "rows_loaded",
    "users",
    "date_min",
    "date_max",
    "event_type_counts",
    "platform_counts",
    "rejected_by_reason",
    "duplicate_rows",
    "mapping",
    "privacy_actions",
)


def _export(tmp_path, name: str, time_sql: str, amount_sql: str):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(_ROWS)
    folder = tmp_path / name
    folder.mkdir()
    path = folder / "events.parquet"
    con.execute(
        f"COPY (SELECT user_id, {time_sql} AS timestamp, event_type, platform, "
        f"{amount_sql} AS amount, content_id FROM ev) TO '{path}' (FORMAT parquet)"
    )
    con.close()
    return path


def _load(path, dest):
    ds = ingest(path, dest=dest)
    return capture(ds.path)


@pytest.mark.parametrize(
    ("time_sql", "amount_sql"),
    [
        ("ts", "CAST(amount AS DOUBLE)"),
        ("CAST(ts AS TIMESTAMP_MS)", "CAST(amount AS DECIMAL(12, 2))"),
        ("CAST(ts AS TIMESTAMP_NS)", "CAST(amount AS FLOAT)"),
        ("CAST(ts AS TIMESTAMPTZ)", "CAST(amount AS DECIMAL(18, 4))"),
    ],
    ids=["timestamp-double", "ms-decimal", "ns-float", "tz-decimal4"],
)
def test_typed_parquet_loads_like_its_text_export(tmp_path, monkeypatch, time_sql, amount_sql):
    monkeypatch.setenv("PERSONALAB_SALT", "typed-parquet-test")
    text = _export(
        tmp_path,
        "text",
        "strftime(ts, '%Y-%m-%d %H:%M:%S.%g')",
        "CAST(CAST(amount AS DOUBLE) AS VARCHAR)",
    )
    typed = _export(tmp_path, "typed", time_sql, amount_sql)
    want = _load(text, tmp_path / "text.duckdb")
    got = _load(typed, tmp_path / "typed.duckdb")
    for table in ("events", "user_keys", "user_days"):
        assert got[table] == want[table], table
    assert {k: got["report"][k] for k in _SAME} == {k: want["report"][k] for k in _SAME}
    assert got["rejected"]["rows"] == want["rejected"]["rows"]
    report = got["report"]
    # Row 7 is both in 2031 and negative: the first reason that applies is counted.
    assert report["rejected_by_reason"] == {"date in the future": 5, "negative amount": 2}
    assert report["rows_loaded"] == 3000 - 7
    con = duckdb.connect(str(tmp_path / "typed.duckdb"), read_only=True)
    amounts = {a for (a,) in con.execute("SELECT amount FROM events WHERE amount < 1").fetchall()}
    first = con.execute("SELECT min(timestamp) FROM events").fetchall()[0][0]
    con.close()
    assert amounts == {0.1}
    assert first.year == 2025 and first.month == 1  # not moved by a time zone
