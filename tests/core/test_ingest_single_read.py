"""A CSV or Parquet file is parsed once, with what its first rows suggest, and the result
is exactly what reading the whole file first gives.

Each file here is built so that its first rows mislead one decision (the date order,
the UTC offsets, personal data in a column, the time column, event types and platforms
never seen at the start, unreadable lines later on). Every file is loaded twice: with a
short guess (``PREFIX_ROWS``) and with the guess turned off (the whole file read first,
as before), and every table and the report must be equal. The number of parsing passes
says which way the load went: one when the guess held, two when a decision differed.
"""

from __future__ import annotations

import random

import duckdb
import pytest

import core.data.first_read as first_read_module
import core.data.guess as guess
import core.data.pipeline as pipeline
from core.data import ingest
from core.data.synonyms import EVENT_TYPE_SYNONYMS
from core.data.value_maps import _unlisted_value_sql, _value_maps
from tests.golden.ingest_capture import capture


def _rows(n: int, start: int = 0, ts=lambda i: f"2025-03-{1 + i % 28:02d} 10:{i % 60:02d}:00"):
    return [f"u{i % 37},{ts(i)},view,wechat,c{i % 11}" for i in range(start, start + n)]


def _file(tmp_path, lines: list[str], header="user_id,timestamp,event_type,platform,content_id"):
    path = tmp_path / "events.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def load(tmp_path, monkeypatch):
    """Load a file both ways; return the number of parsing passes of the guessed load."""
    monkeypatch.setenv("PERSONALAB_SALT", "single-read-test")
    passes = []
    stage = guess.stage_events

    def counted(*args, **kwargs):
        out = stage(*args, **kwargs)
        passes.append("guess" if kwargs.get("speculative") else "exact")
        return out

    monkeypatch.setattr(guess, "stage_events", counted)

    def run(path, prefix_rows=20, **kwargs):
        monkeypatch.setattr(first_read_module, "PREFIX_ROWS", prefix_rows)
        passes.clear()
        guessed = ingest(path, dest=tmp_path / "guessed.duckdb", **kwargs)
        guessed_passes = list(passes)
        with monkeypatch.context() as m:
            m.setattr(pipeline, "prefix_read", lambda *a, **k: None)
            whole = ingest(path, dest=tmp_path / "whole.duckdb", **kwargs)
        got, want = capture(guessed.path), capture(whole.path)
        assert got["report"] == want["report"]
        for table in ("events", "users", "rejected", "user_keys", "user_days"):
            assert got[table] == want[table], table
        return guessed_passes, guessed.report

    return run


def test_a_file_like_its_first_rows_is_parsed_once(tmp_path, load):
    passes, report = load(_file(tmp_path, _rows(500)))
    assert passes == ["guess"]
    assert report.rows_loaded == 500


def test_date_order_decided_by_later_rows_parses_the_file_again(tmp_path, load):
    # The first rows can only be month-first; most of the file can only be day-first.
    early = _rows(30, ts=lambda i: f"03/{13 + i % 15}/2025 10:00")
    late = _rows(200, start=30, ts=lambda i: f"{13 + i % 15}/04/2025 11:00")
    passes, report = load(_file(tmp_path, early + late))
    assert passes == ["guess", "exact"]
    assert report.rows_loaded == 230 and not report.rejected_by_reason


def test_an_ambiguous_start_keeps_one_pass_and_the_whole_file_s_warning(tmp_path, load):
    # Days of 12 or less tie day-first and month-first in the first rows (a warning
    # there); later days decide. The formats rank alike, so the parse stands.
    early = _rows(30, ts=lambda i: f"{1 + i % 12:02d}/03/2025 10:00")
    late = _rows(200, start=30, ts=lambda i: f"{13 + i % 15}/04/2025 11:00")
    passes, report = load(_file(tmp_path, early + late))
    assert passes == ["guess"]
    assert report.warnings == ()


def test_mixed_utc_offsets_after_the_first_rows_are_lined_up(tmp_path, load):
    early = _rows(30, ts=lambda i: f"2025-03-01T10:{i:02d}:00+08:00")
    late = _rows(60, start=30, ts=lambda i: f"2025-03-02T02:{i % 60:02d}:00Z")
    passes, report = load(_file(tmp_path, early + late))
    assert passes == ["guess", "exact"]
    assert any("UTC offsets" in w for w in report.warnings)


def test_one_offset_throughout_keeps_the_single_pass_and_exact_counts(tmp_path, load):
    lines = _rows(90, ts=lambda i: f"2025-03-01T10:{i % 60:02d}:00+08:00")
    passes, report = load(_file(tmp_path, lines))
    assert passes == ["guess"]
    assert report.warnings == ()


def test_personal_data_appearing_after_the_first_rows_is_still_hashed(tmp_path, load):
    rng = random.Random(3)
    early = [f"{line},ok" for line in _rows(20)]
    late = [f"{line},13{rng.randint(100000000, 999999999)}" for line in _rows(600, start=20)]
    path = _file(tmp_path, early + late, header="user_id,timestamp,event_type,platform,c,note")
    passes, report = load(path)
    assert passes == ["guess", "exact"]
    assert any("note" in n for n in report.privacy_actions)


def test_times_blank_in_the_first_rows_are_read_from_the_whole_file(tmp_path, load):
    early = _rows(25, ts=lambda i: "")
    late = _rows(100, start=25)
    passes, report = load(_file(tmp_path, early + late))
    assert passes == ["guess", "exact"]  # the guess could not choose: no staged table
    assert report.rejected_by_reason == {"missing timestamp": 25}


def test_values_the_first_rows_did_not_show_are_mapped_as_the_whole_file_maps_them(tmp_path, load):
    early = _rows(30)
    odd = ["Purchase ", "LIKES", " ", "点赞", "收藏", "Share", "new_kind", "\u3000view\u3000", ""]
    platforms = ["WeChat", "小红书", "Douyin ", "", "tiktok", "INS"]
    late = [
        f"u{i % 9},2025-04-0{1 + i % 9} 09:00,{odd[i % len(odd)]},{platforms[i % 6]},c{i}"
        for i in range(300)
    ]
    passes, report = load(_file(tmp_path, early + late))
    assert passes == ["guess"]
    assert report.event_type_counts.get("new_kind")


def test_duplicates_written_differently_after_the_first_rows_are_removed_alike(tmp_path, load):
    """A value the first rows did not show is stored as text beside the listed ones' codes;
    removing duplicates compares the mapped values, so "VIEW" later equals "view" early."""
    early = _rows(30)
    late = [line.replace(",view,", ",VIEW,") for line in early[:5]]
    late += [line.replace(",view,", ", view ,") for line in early[5:8]]
    passes, report = load(_file(tmp_path, early + late), drop_duplicates=True)
    assert passes == ["guess"]
    assert (report.duplicate_rows, report.duplicates_removed, report.rows_loaded) == (8, 8, 30)


def test_unreadable_lines_after_the_first_rows_are_counted_once(tmp_path, load):
    lines = _rows(200)
    lines[120] = "u1,2025-03-01 10:00,view"  # too few fields
    lines[150] = "u1,2025-03-01 10:00,view,wechat,c1,extra"  # too many
    passes, report = load(_file(tmp_path, lines))
    assert passes == ["guess"]
    assert report.rows_read == 200 and report.rows_loaded == 198


def test_parquet_is_guessed_and_checked_too(tmp_path, load):
    csv = _file(tmp_path, _rows(40, ts=lambda i: f"0{1 + i % 9}/03/2025") + _rows(80, start=40))
    path = tmp_path / "events.parquet"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM read_csv('{csv}', all_varchar=true)) TO '{path}'")
    con.close()
    passes, _ = load(path)
    assert passes[0] == "guess"


def test_the_general_value_expression_maps_like_the_value_table():
    """Every value mapped by the expression for values not listed equals the value
    table's mapping (the synonym keys, their case and space variants, blanks)."""
    con = duckdb.connect()
    values = [None, "", "  ", "\u3000", "new", " Mixed Case "]
    for key in list(EVENT_TYPE_SYNONYMS)[:60]:
        values += [key, key.upper(), f" {key} ", f"\u3000{key}"]
    con.execute("CREATE TEMP TABLE treated AS SELECT unnest($v::VARCHAR[]) AS x", {"v": values})
    _, listed, _ = _value_maps(con, (("ve", "t.x", EVENT_TYPE_SYNONYMS),))
    got = con.execute(
        f"SELECT t.x, {listed['ve']}, {_unlisted_value_sql('t.x', EVENT_TYPE_SYNONYMS)} "
        "FROM treated t"
    ).fetchall()
    assert len(got) == len(values)
    assert [g[1] for g in got] == [g[2] for g in got]
    assert sum(g[2] is None for g in got) == 4


@pytest.mark.parametrize("listed_values", [40, 256])
def test_a_short_map_stored_as_codes_decodes_to_the_map_s_values(listed_values):
    """The parsing pass stores a short map as a code plus the text of values the listing
    did not show; decoded, every value (listed, unlisted, blank, missing) is the map's."""
    con = duckdb.connect()
    # 40 synonyms (a few canonical values), or 256 values of the file's own (256 labels)
    keys = list(EVENT_TYPE_SYNONYMS)
    listed = keys[:listed_values] if listed_values < 256 else [f"own {i}" for i in range(256)]
    values = listed + [None, "", "  ", "\u3000", "never listed", "LIKE", " Share "]
    con.execute("CREATE TEMP TABLE treated AS SELECT unnest($v::VARCHAR[]) AS x", {"v": values})
    _, text, coded = _value_maps(con, (("ve", "t.x", EVENT_TYPE_SYNONYMS),), {"ve": listed})
    m = coded["ve"]
    assert len(m.labels) == 256 if listed_values == 256 else len(m.labels) < listed_values
    got = con.execute(
        f"SELECT t.x, {text['ve']}, {m.value_sql('t.c', m.text_sql('t.c'))}, t.c "
        f"FROM (SELECT *, {m.code_sql} AS c FROM treated t) t"
    ).fetchall()
    assert len(got) == len(values)
    assert [g[1] for g in got] == [g[2] for g in got]
    assert [g for g in got[:listed_values] if g[3] is None] == []  # listed: a code
    assert all(g[3] is None for g in got[listed_values:])  # the rest: the text
    assert sum(g[2] is None for g in got) == 4
