"""Readers: encodings, delimiters, formats, and a plain sentence for every bad file."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.data import detect_encoding, load_source, read_db_table, read_source, sniff_delimiter
from core.errors import DataError

FIX = Path(__file__).resolve().parents[1] / "fixtures"


def _load(src, name=None, **kw):
    con = duckdb.connect()
    return load_source(src, name, con, **kw)


def _rows(loaded):
    return loaded.relation.fetchall()


def test_gbk_file_is_detected_and_transcoded():
    got = _load(FIX / "gbk_events.csv")
    assert got.encoding == "gb18030"
    assert got.columns == ("会员编号", "时间", "行为", "平台", "金额", "手机号")
    assert _rows(got)[0] == ("m001", "2025年3月1日 14:05", "浏览", "微信", None, "13812345678")
    assert len(_rows(got)) == 9


def test_utf8_bom_header_is_clean():
    got = _load(FIX / "users_zh.csv")
    assert got.encoding == "utf-8-sig"
    assert got.columns[0] == "用户ID"


def test_semicolon_and_tab_are_sniffed(tmp_path):
    got = _load(FIX / "semicolon.csv")
    assert got.delimiter == ";"
    assert got.columns == ("user_id", "timestamp", "event_type", "amount")
    assert _rows(got)[1] == ("u1", "2025-03-01 11:00:00", "purchase", "12,5")
    tsv = tmp_path / "e.tsv"
    tsv.write_text("uid\ttime\tevent\nu1\t2025-03-01\tview\n", encoding="utf-8")
    got = _load(tsv)
    assert got.delimiter == "\t" and _rows(got) == [("u1", "2025-03-01", "view")]


def test_sniff_delimiter_counts():
    assert sniff_delimiter("a|b|c\n1|2|3\n", "csv") == "|"
    assert sniff_delimiter("a\tb\n1\t2\n", "tsv") == "\t"


def test_detect_encoding():
    assert detect_encoding("用户,时间\n".encode("gbk")) == "gb18030"
    assert detect_encoding("用户,时间\n".encode()) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbfa,b\n") == "utf-8-sig"
    assert detect_encoding("用戶,時間,點擊\n".encode("big5")) == "big5"
    assert detect_encoding("café,naïve\n".encode("cp1252")) == "cp1252"
    assert detect_encoding("a,b\n".encode("utf-16")) == "utf-16"


def test_big5_and_utf16_files_are_transcoded(tmp_path):
    (tmp_path / "tw.csv").write_bytes("用戶ID,時間,行為\nu1,2025-03-01,點擊\n".encode("big5"))
    got = _load(tmp_path / "tw.csv")
    assert (got.encoding, got.columns) == ("big5", ("用戶ID", "時間", "行為"))
    assert _rows(got) == [("u1", "2025-03-01", "點擊")]
    # Excel's "Unicode text" export: UTF-16 with BOM, tab-separated.
    (tmp_path / "x.txt").write_bytes("uid\ttime\nu1\t2025-03-01\n".encode("utf-16"))
    got = _load(tmp_path / "x.txt")
    assert (got.encoding, got.delimiter, _rows(got)) == ("utf-16", "\t", [("u1", "2025-03-01")])


def test_bytes_upload_and_file_like():
    data = (FIX / "semicolon.csv").read_bytes()
    assert len(_rows(_load(data, "upload.csv"))) == 3

    class Upload:
        name = "events.csv"

        def getvalue(self):
            return data

    assert len(_rows(_load(Upload()))) == 3


def test_ragged_lines_are_skipped_with_a_warning(tmp_path):
    p = tmp_path / "ragged.csv"
    p.write_text("uid,time,event\nu1,2025-03-01,view\nu2,2025-03-01,view,extra\n")
    got = _load(p)
    assert _rows(got) == [("u1", "2025-03-01", "view")]
    assert got.warnings == ("ragged.csv: 1 line(s) skipped: more fields than the header.",)
    assert got.skipped == {"more fields than the header": 1}


def test_xlsx_formula_kept_as_text_and_reported():
    got = _load(FIX / "formula.xlsx")
    assert got.columns == ("uid", "time", "action", "amount")
    assert _rows(got)[1] == ("u1", "2025-03-01 11:00:00", "purchase", "=2*10")
    assert got.formula_cells == {"amount": 1}
    assert "formulas are not calculated" in got.warnings[0]


def test_parquet_and_jsonl(tmp_path):
    frame = pd.DataFrame(
        {
            "uid": ["u1", "u2"],
            "ts": [pd.Timestamp("2025-03-01 10:00"), pd.Timestamp("2025-03-02")],
            "n": [1.5, 2],
        }
    )
    frame.to_parquet(tmp_path / "e.parquet")
    got = _load(tmp_path / "e.parquet")
    assert _rows(got) == [
        ("u1", "2025-03-01 10:00:00", "1.5"),
        ("u2", "2025-03-02 00:00:00", "2.0"),
    ]
    (tmp_path / "e.jsonl").write_text(
        '{"uid": "u1", "event": "like"}\n{"uid": "u2", "event": "view"}\n'
    )
    rel = read_source(tmp_path / "e.jsonl", None, duckdb.connect())
    assert rel.fetchall() == [("u1", "like"), ("u2", "view")]


def test_db_table_is_copied_in_chunks(tmp_path):
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = sa.create_engine(url)
    pd.DataFrame({"uid": ["a", "b", "c"], "amount": [1.0, None, 3.5]}).to_sql(
        "ev", engine, index=False
    )
    engine.dispose()
    got = read_db_table(url, "ev", chunksize=2)
    assert got.name == "ev" and got.columns == ("uid", "amount")
    assert _rows(got) == [("a", "1.0"), ("b", None), ("c", "3.5")]
    with pytest.raises(DataError, match="Table 'nope' was not found"):
        read_db_table(url, "nope")


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("empty.csv", r"^empty\.csv is empty\. Export the data again"),
        ("binary.csv", r"^binary\.csv looks like a binary file, not a text table"),
        (
            "no_header.csv",
            r"^no_header\.csv: the first row \(u1, 2025-03-01 10:00:00, view\) looks like data",
        ),
    ],
)
def test_bad_files_get_one_sentence(fixture, message):
    with pytest.raises(DataError, match=message):
        _load(FIX / fixture)


def test_size_limit_extension_and_disguised_files(tmp_path):
    with pytest.raises(DataError, match=r"above the 0 MB limit"):
        _load(FIX / "semicolon.csv", limit_bytes=10)
    with pytest.raises(DataError, match=r"reads \.csv, \.tsv, \.xlsx"):
        _load(b"x", "data.docx")
    with pytest.raises(DataError, match=r"is an Excel or zip file, not a text table"):
        _load((FIX / "formula.xlsx").read_bytes(), "renamed.csv")
    with pytest.raises(DataError, match="could not be read as Parquet"):
        _load(b"not parquet at all", "x.parquet")
    with pytest.raises(DataError, match="file not found"):
        _load(tmp_path / "missing.csv")


def test_preview_reads_only_the_first_rows_of_a_workbook(tmp_path, monkeypatch):
    import openpyxl
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    from core.data import preview_source

    wb = openpyxl.Workbook()
    wb.active.append(["user_id", "timestamp", "event_type"])
    for i in range(3000):
        wb.active.append([f"u{i}", "2025-03-01", "view"])
    wb.save(tmp_path / "e.xlsx")
    read = []
    real = ReadOnlyWorksheet._cells_by_row

    def counting(self, *args, **kwargs):
        for row in real(self, *args, **kwargs):
            read.append(1)
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counting)
    frame = preview_source(tmp_path / "e.xlsx", n=5)
    assert frame["user_id"].tolist() == ["u0", "u1", "u2", "u3", "u4"]
    assert len(read) < 10  # the header and five rows, not 3,001


def test_a_database_table_wider_than_the_limit_is_refused(tmp_path):
    import sqlite3

    db = tmp_path / "wide.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE events (" + ", ".join(f"c{i} TEXT" for i in range(600)) + ")")
    with pytest.raises(DataError) as err:
        read_db_table(f"sqlite:///{db}", "events")
    assert str(err.value).startswith("events has 600 columns; PersonaLab reads at most 500.")


def test_a_utf8_mark_before_gbk_text_loses_no_row(tmp_path):
    from tests.hostile.corpus import _bom_gbk

    p = tmp_path / "mixed.csv"
    p.write_bytes(_bom_gbk())
    got = _load(p)
    assert got.encoding == "gb18030"
    assert got.skipped == {} and got.warnings == ()
    assert got.columns == ("user_id", "timestamp", "event_type", "campaign")
    campaigns = dict(got.con.execute("SELECT campaign, count(*) FROM src GROUP BY 1").fetchall())
    assert campaigns == {"春季新品": 451, "spring": 1049}


def test_lines_in_another_encoding_are_counted_with_that_reason(tmp_path):
    from tests.hostile.corpus import _late_bad_bytes

    p = tmp_path / "late.csv"
    p.write_bytes(_late_bad_bytes())  # valid UTF-8 for 256 KB, then one bad line
    got = _load(p)
    assert got.skipped == {"bytes not in the file's text encoding": 1}
    assert got.warnings == (
        "late.csv: 1 line(s) skipped: bytes not in the file's text encoding; the file mixes "
        "encodings. Save it again as UTF-8 CSV and load it again.",
    )


def _workbook(path, rows):
    import openpyxl

    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


HEADER = ["user_id", "timestamp", "event_type"]


@pytest.mark.parametrize(
    ("limits", "rows", "message"),
    [
        (
            {"max_sheet_rows": 5},
            [HEADER] + [[f"u{i}", "2025-03-01", "view"] for i in range(10)],
            "e.xlsx has more than 5 rows on a sheet",
        ),
        (  # under the scan's bound (6 bytes a character), caught while reading the rows
            {"max_cell_chars": 1000},
            [HEADER, ["u1", "2025-03-01", "x" * 2000]],
            "e.xlsx: row 2 has a cell longer than the 1,000 characters Excel allows",
        ),
        (  # over it: refused by the scan, before openpyxl reads anything
            {"max_cell_chars": 1000},
            [HEADER, ["u1", "2025-03-01", "x" * 7000]],
            "e.xlsx has a cell longer than the 1,000 characters Excel allows",
        ),
        ({"max_xlsx_unpacked_bytes": 1000}, [HEADER], "e.xlsx unpacks to 0 MB, more than"),
        ({"max_columns": 2}, [HEADER], "e.xlsx has 3 columns; PersonaLab reads at most 2."),
    ],
)
def test_workbook_limits(tmp_path, limits, rows, message):
    from core.data import ReadLimits

    path = _workbook(tmp_path / "e.xlsx", rows)
    with pytest.raises(DataError) as err:
        _load(path, limits=ReadLimits(**limits))
    assert str(err.value).startswith(message), str(err.value)


def test_parquet_limits_read_from_the_footer_as_pyarrow_reads_it(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from core.data import ReadLimits

    n = 20_000
    table = pa.table(
        {"uid": [f"u{i % 97}" for i in range(n)], "ts": ["2025-03-01"] * n, "x": list(range(n))}
    )
    path = tmp_path / "e.parquet"
    pq.write_table(table, path, row_group_size=3_000)  # seven row groups
    meta = pq.read_metadata(path)
    unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    assert meta.num_row_groups == 7
    assert len(_rows(_load(path, limits=ReadLimits(max_parquet_unpacked_bytes=unpacked)))) == n
    with pytest.raises(DataError) as err:
        _load(path, limits=ReadLimits(max_parquet_unpacked_bytes=unpacked - 1))
    assert str(err.value).startswith("e.parquet unpacks to 0.0 GB, more than the 0 GB")
    with pytest.raises(DataError) as err:
        _load(path, limits=ReadLimits(max_columns=2))
    assert str(err.value).startswith("e.parquet has 3 columns; PersonaLab reads at most 2.")
    # Nested columns count by their leaves, as pyarrow's num_columns does.
    nested = tmp_path / "nested.parquet"
    pq.write_table(pa.table({"uid": ["u1"], "s": [{"a": 1, "b": "x"}]}), nested)
    assert pq.read_metadata(nested).num_columns == 3
    with pytest.raises(DataError, match="has 3 columns"):
        _load(nested, limits=ReadLimits(max_columns=2))


def test_csv_column_limit(tmp_path):
    from core.data import ReadLimits

    p = tmp_path / "e.csv"
    p.write_text("user_id,timestamp,event_type,platform\nu1,2025-03-01,view,qq\n")
    with pytest.raises(DataError) as err:
        _load(p, limits=ReadLimits(max_columns=3))
    assert str(err.value).startswith("e.csv has 4 columns; PersonaLab reads at most 3.")


_SHAPES = {
    "crlf": "user_id,timestamp,event_type\r\nu1,2025-03-01,view\r\nu2,2025-03-02,like\r\n",
    "cr only": "user_id,timestamp,event_type\ru1,2025-03-01,view\ru2,2025-03-02,like\r",
    "utf-8 mark": "\ufeffuser_id,timestamp,event_type\nu1,2025-03-01,view\n",
    "repeated and empty names": "user_id,event_type,event_type,,\nu1,view,like,a,b\nu2,like,view,,\n",
    "ragged": "user_id,timestamp,event_type\nu1,2025-03-01,view,extra\nu2,2025-03-02\nu3,x,y\n",
    "quoted newline": 'user_id,text,event_type\nu1,"one\ntwo",comment\nu2,"a ""quote""",view\n',
    "blank lines": "user_id,timestamp,event_type\n\nu1,2025-03-01,view\n\n\nu2,2025-03-02,like\n",
    "hash first": "#user_id,timestamp,event_type\n#u1,2025-03-01,view\nu2,2025-03-02,like\n",
    "no final newline": "user_id,timestamp,event_type\nu1,2025-03-01,view",
    "title lines first": "Export,,\nfrom the shop\nuser_id,timestamp,event_type\nu1,2025-03-01,view\n",
}


@pytest.mark.parametrize("shape", sorted(_SHAPES))
def test_reads_after_the_first_sniff_parse_the_file_as_sniffing_does(tmp_path, shape):
    """A streamed CSV is sniffed once and every later read is given what the sniffer found
    (``auto_detect`` off): each read must return the rows, columns and skipped lines that
    DuckDB's own sniffing reader returns for the same file."""
    from core.data.text_reader import _reader_sql, _sniffed_options

    path = tmp_path / "events.csv"
    path.write_bytes(_SHAPES[shape].encode("utf-8"))
    con = duckdb.connect()
    pinned = _sniffed_options(con, path, ",")
    assert "auto_detect=false" in pinned
    got = {}
    for label, options in (("sniffing", None), ("pinned", pinned)):
        rejects = f"rejects_{label}"
        reader = _reader_sql(path, ",", rejects, pinned=options)
        rel = con.execute(f"SELECT * FROM {reader}")
        columns = [d[0] for d in rel.description]
        rows = rel.fetchall()
        skipped = con.execute(f"SELECT line, error_type FROM {rejects} ORDER BY ALL").fetchall()
        got[label] = (columns, rows, skipped)
    assert got["pinned"] == got["sniffing"]


def test_a_sniff_that_settles_on_more_keeps_sniffing(tmp_path, monkeypatch):
    """When the sniffer settles on an option the pinned read does not carry over, every
    read sniffs as before, and the load is the same."""
    from core.data import ingest, text_reader

    path = tmp_path / "events.csv"
    path.write_text(
        "user_id,timestamp,event_type\r\nu1,2025-03-01 10:00,view\r\nu2,2025-03-02,like\r\n"
    )
    con = duckdb.connect()
    assert text_reader._sniffed_options(con, path, ",") is not None
    pinned = ingest(path, dest=tmp_path / "pinned.duckdb").report
    monkeypatch.setattr(text_reader, "_CARRIED_OVER", text_reader._CARRIED_OVER - {"new_line"})
    assert text_reader._sniffed_options(con, path, ",") is None
    sniffing = ingest(path, dest=tmp_path / "sniffing.duckdb").report
    assert (sniffing.rows_read, sniffing.rows_loaded, sniffing.users) == (2, 2, 2)
    assert sniffing.to_dict() == pinned.to_dict()
