"""The shortcuts ingest takes for speed give exactly what the plain SQL gives.

Each shortcut (trimming only the values that need it, drawing samples by row number)
is compared with the expression it replaces on values chosen to break it: every kind of
Unicode space, tabs and newlines (which DuckDB's ``trim`` keeps), blanks, NULLs, CJK
text and emoji.
"""

from __future__ import annotations

import random

import duckdb

from core.common.sql import trimmed_or_null

SPACES = [" ", "\u00a0", "\u1680", "\u2000", "\u2007", "\u200a", "\u202f", "\u205f", "\u3000"]
OTHER = ["\t", "\n", "\r", "\u200b", "\ufeff", "a", "Z", "0", "中", "文", "é", "😀", ",", "'"]


def _values(n: int, seed: int) -> list[str | None]:
    rng = random.Random(seed)
    alphabet = SPACES + OTHER
    out: list[str | None] = [None, "", " ", "\u3000", "  a  ", "a", "\ta\t", "中 ", " 中"]
    for _ in range(n):
        k = rng.randint(0, 6)
        out.append("".join(rng.choice(alphabet) for _ in range(k)))
    return out


def test_trimmed_or_null_equals_nullif_trim_on_every_kind_of_space():
    values = _values(20_000, seed=3)
    con = duckdb.connect()
    con.execute("CREATE TABLE v (i INTEGER, x VARCHAR)")
    con.executemany("INSERT INTO v VALUES (?, ?)", list(enumerate(values)))
    mismatches = con.execute(
        f"SELECT i, x FROM v WHERE NULLIF(TRIM(x), '') IS DISTINCT FROM {trimmed_or_null('x')}"
    ).fetchall()
    assert mismatches == []
    # The shortcut is taken (no trim) for plain ASCII values, and the values are equal.
    assert con.execute(f"SELECT {trimmed_or_null(chr(39) + 'abc' + chr(39))}").fetchone() == (
        "abc",
    )


ODD = [
    'say "hi"',
    "back\\slash",
    "tab\there",
    "new\nline",
    "中文，标点",
    "emoji 😀",
    "",
    "  ",
    "'q'",
]


def _csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def test_rejected_rows_keep_their_text_exactly_and_the_first_ones_in_file_order(tmp_path):
    """Rejected rows are kept from the parsing pass itself (no landed copy of the file):
    their text must come back byte for byte, and past 1,000 of them the first 1,000 in
    file order are the ones kept."""
    from core.data import ingest
    from core.data.report import REJECTED_SAMPLE_ROWS

    lines = ["user_id,timestamp,event_type,note"]
    for i in range(3000):
        if i % 2:  # every other row has no timestamp: rejected
            note = ODD[i % len(ODD)] + f" #{i}"
            lines.append(f"u{i % 7},,view,{_csv_cell(note)}")
        else:
            lines.append(f"u{i % 7},2025-03-0{1 + i % 9} 10:00,view,ok")
    path = tmp_path / "events.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ds = ingest(path, dest=tmp_path / "d.duckdb")
    con = duckdb.connect(str(ds.path), read_only=True)
    try:
        kept = con.execute("SELECT note, reason FROM rejected").fetchall()
    finally:
        con.close()
    assert len(kept) == REJECTED_SAMPLE_ROWS
    want = [ODD[i % len(ODD)] + f" #{i}" for i in range(1, 3000, 2)][:REJECTED_SAMPLE_ROWS]
    assert sorted(n for n, _ in kept) == sorted(want)
    assert {r for _, r in kept} == {"missing timestamp"}
    assert ds.report.rejected_by_reason == {"missing timestamp": 1500}


def test_samples_are_the_same_from_a_landed_table_and_from_the_file(tmp_path):
    """The first read draws its samples by row hash: a file read in parallel and the same
    rows landed as a table give the same samples."""
    from core.data.first_read import first_read
    from core.data.sources import load_source

    rng = random.Random(5)
    lines = ["user_id,timestamp,event_type,phone"]
    for i in range(40_000):
        lines.append(
            f"u{rng.randint(1, 900)},2025-0{rng.randint(1, 9)}-1{rng.randint(0, 9)} 1{i % 10}:00,"
            f"{rng.choice(['view', 'like'])},13{rng.randint(100000000, 999999999)}"
        )
    path = tmp_path / "events.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = {"user_id": "user_id", "timestamp": "timestamp", "event_type": "event_type"}
    got = []
    for stream in (True, False):
        con = duckdb.connect()
        src = load_source(
            path, "events.csv", con, table="src", stream_dir=tmp_path / "s" if stream else None
        )
        assert src.streamed is stream
        _, first = first_read(con, src, mapping, {"ve": "event_type"})
        got.append(first)
        con.close()
    streamed, landed = got
    assert streamed.rows == landed.rows == 40_000
    assert len(streamed.timestamp_sample) == 2000
    assert sorted(streamed.timestamp_sample) == sorted(landed.timestamp_sample)
    for column in ("user_id", "event_type", "phone"):
        assert len(streamed.pii_sample[column]) == 500
        assert sorted(streamed.pii_sample[column]) == sorted(landed.pii_sample[column])
    assert sorted(streamed.distinct["ve"]) == ["like", "view"]


def test_duplicate_count_is_exact_when_same_time_events_interleave(tmp_path):
    """Duplicates are found among neighbours in the stored order: checked against a plain
    count on 300k rows (several row groups, two threads) where events of one user at one
    time differ in one field, repeat with empty fields, and sit in any order."""
    from core.data import ingest

    rng = random.Random(11)
    rows = []
    for _ in range(150_000):
        user = f"u{rng.randint(1, 20_000)}"
        ts = f"2025-03-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:00:00"
        event = rng.choice(["view", "like", "share"])
        amount = rng.choice(["", "", "9.5", "12"])
        rows.append((user, ts, event, amount))
        if rng.random() < 0.3:  # same user and time, another event: not a duplicate
            rows.append((user, ts, rng.choice(["comment", "save"]), amount))
        if rng.random() < 0.2:  # an exact duplicate, anywhere in the file
            rows.append((user, ts, event, amount))
    rng.shuffle(rows)
    path = tmp_path / "events.csv"
    path.write_text(
        "user_id,timestamp,event_type,amount\n" + "\n".join(",".join(r) for r in rows) + "\n"
    )
    want = len(rows) - len(set(rows))
    assert want > 20_000
    ds = ingest(path, dest=tmp_path / "d.duckdb")
    assert ds.report.duplicate_rows == want
    assert ds.report.rows_loaded == len(rows)
    dropped = ingest(path, dest=tmp_path / "e.duckdb", drop_duplicates=True)
    assert dropped.report.duplicate_rows == want
    assert dropped.report.duplicates_removed == want
    assert dropped.report.rows_loaded == len(set(rows))


def test_no_module_of_core_data_shadows_a_name_it_exports():
    """``core.data`` imports its names on first use; a submodule with the same name as an
    exported function would replace the function once imported (``core.data.users_table``
    was a function before it could be a module)."""
    from pathlib import Path

    import core.data

    modules = {p.stem for p in Path(core.data.__file__).parent.glob("*.py")}
    packages = {p.name for p in Path(core.data.__file__).parent.iterdir() if p.is_dir()}
    clashes = sorted(
        name
        for name, (module, _) in core.data._EXPORTS.items()
        if name in (modules | packages) and module != f"core.data.{name}"
    )
    assert clashes == []
    for name in core.data.__all__:
        assert getattr(core.data, name) is not None
