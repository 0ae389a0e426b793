"""Event types, platforms and content formats: the short-map CASE and the long-map join agree.

Ingest maps the few distinct values of these columns with a ``CASE`` expression and falls
back to a join when a column holds many; both must give the same canonical values for
padded, blank, quoted and unknown values.
"""

from __future__ import annotations

import duckdb
import pytest

import core.data.value_maps as value_maps
from core.data import ingest

ROWS = [
    ("u1", "2025-03-01 10:00", " Like ", "wechat", "video"),
    ("u1", "2025-03-01 11:00", "LIKE", " WeChat ", " Video"),
    ("u2", "2025-03-02 09:00", "it's new", "B站", "图文"),
    ("u2", "2025-03-02 09:30", "曝光", "小紅書", ""),
    ("u3", "2025-03-03 12:00", "   ", "weibo", "live"),  # blank type: rejected
    ("u3", "2025-03-03 12:05", "Purchase", "", "image"),
    ("u4", "2025-03-04 08:00", 'say "hi"', "douyin", "text"),
]


def _write(tmp_path, rows) -> str:
    path = tmp_path / "events.csv"
    lines = ["user,time,event,platform,format"]
    for row in rows:
        lines.append(",".join('"' + v.replace('"', '""') + '"' for v in row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _tables(ds) -> tuple[list[tuple], dict]:
    con = duckdb.connect(str(ds.path), read_only=True)
    try:
        events = con.execute(
            "SELECT user_id, timestamp, event_type, platform, content_format FROM events "
            "ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()
    return events, ds.report.rejected_by_reason


def test_padded_quoted_blank_and_unknown_values_map_as_before(tmp_path):
    events, rejected = _tables(ingest(_write(tmp_path, ROWS), dest=tmp_path / "d.duckdb"))
    assert rejected == {"missing event type": 1}
    by_time = {str(r[1])[:16]: r[2:] for r in events}
    assert by_time["2025-03-01 10:00"] == ("like", "wechat", "video")
    assert by_time["2025-03-01 11:00"] == ("like", "wechat", "video")
    assert by_time["2025-03-02 09:00"][0] == "it's new"
    assert by_time["2025-03-02 09:30"][:2] == ("view", "xiaohongshu")
    assert by_time["2025-03-02 09:30"][2] is None  # a blank format is no format
    assert by_time["2025-03-03 12:05"] == ("purchase", None, "text_image")
    assert by_time["2025-03-04 08:00"][0] == 'say "hi"'


def test_the_join_for_many_values_gives_what_the_case_gives(tmp_path, monkeypatch):
    path = _write(tmp_path, ROWS)
    inline = _tables(ingest(path, dest=tmp_path / "inline.duckdb"))
    monkeypatch.setattr(value_maps, "INLINE_MAP_MAX", 0)
    joined = _tables(ingest(path, dest=tmp_path / "joined.duckdb"))
    assert joined == inline


@pytest.mark.parametrize("limit", [value_maps.INLINE_MAP_MAX, 0])
def test_a_column_with_hundreds_of_values_keeps_each_lower_cased(tmp_path, monkeypatch, limit):
    monkeypatch.setattr(value_maps, "INLINE_MAP_MAX", limit)
    n = value_maps.INLINE_MAP_MAX + 44
    rows = [
        (f"u{i % 7}", f"2025-03-01 10:{i % 60:02d}", f"Custom Event {i}", "weibo", "text")
        for i in range(n)
    ]
    events, rejected = _tables(ingest(_write(tmp_path, rows), dest=tmp_path / f"d{limit}.duckdb"))
    assert rejected == {}
    assert sorted({r[2] for r in events}) == sorted(f"custom event {i}" for i in range(n))
