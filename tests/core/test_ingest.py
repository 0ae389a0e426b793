"""Ingest: every timestamp format, synonyms, privacy, the report, and every fatal input."""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import uuid
from pathlib import Path

import duckdb
import pytest

from core.cli import add_input_arguments, open_events_from_args
from core.data import (
    IngestReport,
    PrivacyOptions,
    data_dir,
    ingest,
    open_dataset,
    preview_source,
    read_rejected,
    sample_dataset,
)
from core.errors import DataError

FIX = Path(__file__).resolve().parents[1] / "fixtures"
SALT = "test-salt-not-secret"  # tests/conftest.py sets PERSONALAB_SALT to this


def _h(value: str) -> str:
    return hashlib.sha256(f"{SALT}{value}".encode()).hexdigest()[:16]


def _csv(tmp_path, text: str, name: str = "events.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _events(ds) -> list[tuple]:
    con = duckdb.connect(str(ds.path), read_only=True)
    try:
        return con.execute(
            "SELECT user_id, timestamp, event_type, platform, amount FROM events "
            "ORDER BY user_id, timestamp, event_type"
        ).fetchall()
    finally:
        con.close()


def _sql(ds, query: str) -> list[tuple]:
    con = duckdb.connect(str(ds.path), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


T = dt.datetime


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-03-01T14:05:06", T(2025, 3, 1, 14, 5, 6)),
        ("2025-03-01 14:05:06", T(2025, 3, 1, 14, 5, 6)),
        ("2025-03-01T14:05:06Z", T(2025, 3, 1, 14, 5, 6)),
        ("2025-03-01", T(2025, 3, 1)),
        ("2025/3/1 14:05", T(2025, 3, 1, 14, 5)),
        ("2025/03/01 14:05:09", T(2025, 3, 1, 14, 5, 9)),
        ("2025年3月1日 14:05", T(2025, 3, 1, 14, 5)),
        ("2025年3月1日", T(2025, 3, 1)),
        ("1740837906", T(2025, 3, 1, 14, 5, 6)),  # epoch seconds (UTC)
        ("1740837906000", T(2025, 3, 1, 14, 5, 6)),  # epoch milliseconds
        ("45717.5", T(2025, 3, 1, 12, 0)),  # Excel serial: 45717 days after 1899-12-30
        ("20250301", T(2025, 3, 1)),
        ("20/3/2025 08:00", T(2025, 3, 20, 8, 0)),  # day-first is the only reading
        ("3/20/2025 08:00", T(2025, 3, 20, 8, 0)),  # month-first is the only reading
        ("20-03-2025", T(2025, 3, 20)),
        ("Mar 1, 2025 14:05", T(2025, 3, 1, 14, 5)),
        ("1 March 2025", T(2025, 3, 1)),
    ],
)
def test_timestamp_formats(tmp_path, raw, expected):
    ds = ingest(_csv(tmp_path, f'uid,time,event\nu1,"{raw}",view\n'))
    assert _events(ds) == [("u1", expected, "view", None, None)]


def test_ambiguous_day_month_is_read_day_first_with_a_warning(tmp_path):
    ds = ingest(_csv(tmp_path, "uid,time,event\nu1,1/3/2025,view\nu2,2/3/2025,view\n"))
    assert [r[1] for r in _events(ds)] == [T(2025, 3, 1), T(2025, 3, 2)]
    assert any("day-first" in w for w in ds.report.warnings)


def test_mixed_formats_in_one_column_all_parse(tmp_path):
    ds = ingest(
        _csv(
            tmp_path,
            "uid,time,event\nu1,2025-03-01 10:00,view\nu2,1740837906,view\nu3,2025/3/2,view\n",
        )
    )
    assert [r[1] for r in _events(ds)] == [
        T(2025, 3, 1, 10),
        T(2025, 3, 1, 14, 5, 6),
        T(2025, 3, 2),
    ]
    assert ds.report.timestamp_formats[0] == "ISO 8601 (2025-03-01 14:05:06)"


def test_gbk_file_maps_through_map_and_synonyms(tmp_path):
    parser = argparse.ArgumentParser()
    add_input_arguments(parser)
    args = parser.parse_args(
        [
            str(FIX / "gbk_events.csv"),
            "--map",
            "会员编号=user_id",
            "--users",
            str(FIX / "users_zh.csv"),
        ]
    )
    ds = open_events_from_args(args)
    r = ds.report
    assert r.mapping == {
        "会员编号": "user_id",
        "时间": "timestamp",
        "行为": "event_type",
        "平台": "platform",
        "金额": "amount",
    }
    assert r.unmapped_columns == ("手机号",)
    # One exact duplicate row: counted, and kept (dropping is the user's choice).
    assert (r.rows_read, r.rows_loaded, r.duplicate_rows, r.duplicates_removed) == (9, 7, 1, 0)
    assert r.users == 3
    assert r.rejected_by_reason == {"negative amount": 1, "timestamp not understood": 1}
    assert r.event_type_counts == {
        "comment": 2,
        "like": 1,
        "purchase": 1,
        "save": 1,
        "share": 1,
        "view": 1,
    }
    assert r.platform_counts == {"wechat": 3, "weibo": 2, "douyin": 1, "xiaohongshu": 1}
    assert (r.date_min, r.date_max) == (T(2025, 3, 1, 14, 5), T(2025, 3, 3, 8, 30))
    assert r.encoding == "gb18030"
    assert _events(ds) == [
        ("m001", T(2025, 3, 1, 14, 5), "view", "wechat", None),
        ("m001", T(2025, 3, 1, 14, 6), "like", "wechat", None),
        ("m001", T(2025, 3, 2, 9, 0), "purchase", "wechat", 99.5),
        ("m002", T(2025, 3, 1, 20, 0), "comment", "weibo", None),
        ("m002", T(2025, 3, 1, 20, 0), "comment", "weibo", None),
        ("m002", T(2025, 3, 3, 8, 30), "share", "douyin", None),
        ("m003", T(2025, 3, 2, 12, 0), "save", "xiaohongshu", None),
    ]
    # Phone numbers (found by the column name 手机号) are hashed even in rejected rows.
    rejected = read_rejected(ds)
    assert list(rejected["reason"]) == ["timestamp not understood", "negative amount"] or sorted(
        rejected["reason"]
    ) == ["negative amount", "timestamp not understood"]
    assert set(rejected["手机号"]) == {_h("15000000000")}
    assert any("手机号" in a and "phone numbers" in a for a in r.privacy_actions)
    # Users: BOM-UTF-8 Chinese headers; 姓名 (names) hashed; 肤质 kept as a custom column.
    assert r.users_mapping == {
        "用户ID": "user_id",
        "年龄": "age",
        "性别": "gender",
        "城市": "region",
    }
    assert r.custom_user_columns == ("姓名", "肤质")
    assert _sql(
        ds, 'SELECT user_id, age, gender, region, "姓名", "肤质" FROM users ORDER BY 1'
    ) == [
        ("m001", 28.0, "女", "上海", _h("张三"), "干性"),
        ("m002", 35.0, "男", "北京", _h("李四"), "油性"),
        ("m003", 22.0, "女", "广州", _h("王五"), "混合"),
    ]


@pytest.mark.parametrize(("drop_duplicates", "comments"), [(False, 2), (True, 1)])
def test_gbk_file_gives_correct_features(drop_duplicates, comments):
    from core.data import dataset_engine
    from core.segments.features import build_features

    ds = ingest(
        FIX / "gbk_events.csv", mapping={"会员编号": "user_id"}, drop_duplicates=drop_duplicates
    )
    # The repeated comment row of m002 is counted either way; removed only on request.
    assert ds.report.duplicate_rows == 1
    assert ds.report.duplicates_removed == (1 if drop_duplicates else 0)
    feats = build_features(dataset_engine(ds.path)).set_index("user_id")
    assert feats.loc["m001", ["n_events", "n_view", "n_like", "n_purchase"]].tolist() == [
        3,
        1,
        1,
        1,
    ]
    assert feats.loc["m001", "monetary"] == 99.5
    assert feats.loc["m002", "n_comment"] == comments and feats.loc["m002", "n_share"] == 1
    assert feats.loc["m003", "n_save"] == 1 and feats.loc["m003", "n_purchase"] == 0


def test_report_roundtrip_and_dataset_id_reuse(tmp_path):
    p = _csv(tmp_path, 'uid,time,event,amount\nu1,2025-03-01,buy,"1,234.5"\nu2,2025-03-02,点赞,\n')
    ds = ingest(p)
    again = ingest(p)
    assert again.dataset_id == ds.dataset_id and again.path == ds.path
    assert open_dataset(ds.path).report == ds.report
    assert (
        isinstance(ds.report, IngestReport)
        and ds.report.to_dict()["date_min"] == "2025-03-01T00:00:00"
    )
    assert _events(ds)[0][4] == 1234.5
    assert ingest(p, privacy=PrivacyOptions(action="drop")).dataset_id != ds.dataset_id
    assert ingest(p, mapping={"event": "event_type"}).dataset_id != ds.dataset_id
    assert ds.path.parent == data_dir() / "datasets"


def test_the_same_bytes_under_another_name_are_shown_under_that_name():
    # Two workshop participants upload identical bytes under their own file names.
    data = b"uid,time,event\nu1,2025-03-01,view\nu2,2025-03-02,like\n"
    mine = ingest(data, source_name="my_campaign.csv")
    theirs = ingest(data, source_name="other_client_data.csv")
    assert theirs.dataset_id != mine.dataset_id and theirs.path != mine.path
    assert theirs.report.source_name == "other_client_data.csv"
    assert open_dataset(theirs.path).report.source_name == "other_client_data.csv"
    assert open_dataset(mine.path).report.source_name == "my_campaign.csv"
    again = ingest(data, source_name="my_campaign.csv")  # the same upload is reused
    assert (again.dataset_id, again.path) == (mine.dataset_id, mine.path)


def test_events_are_stored_clustered_by_user_then_time(tmp_path):
    rows = [
        f"u{(i * 7) % 5},2025-03-{1 + (i * 3) % 28:02d} {i % 24:02d}:00,view" for i in range(60)
    ]
    ds = ingest(_csv(tmp_path, "uid,time,event\n" + "\n".join(rows) + "\n"))
    # a plain scan returns rows in storage order (DuckDB keeps insertion order)
    stored = _sql(ds, "SELECT user_id, timestamp FROM events")
    assert len(stored) == 60 and stored == sorted(stored)


def test_decimal_comma_and_currency(tmp_path):
    ds = ingest(FIX / "semicolon.csv")
    assert [r[4] for r in _events(ds)] == [None, 12.5, None]
    ds = ingest(
        _csv(tmp_path, "uid,time,event,金额\nu1,2025-03-01,购买,¥99\nu2,2025-03-01,购买,120元\n")
    )
    assert [r[4] for r in _events(ds)] == [99.0, 120.0]


def test_user_id_that_is_a_phone_is_hashed_and_email_column_dropped(tmp_path):
    p = _csv(
        tmp_path,
        "phone_user,time,event,email\n13812345678,2025-03-01,view,a@x.com\n"
        "13912345678,2025-03-02,view,b@x.com\n",
    )
    ds = ingest(p, mapping={"phone_user": "user_id"}, privacy=PrivacyOptions(action="drop"))
    assert [r[0] for r in _events(ds)] == sorted([_h("13812345678"), _h("13912345678")])
    assert any("user id column 'phone_user'" in a for a in ds.report.privacy_actions)
    assert any("'email'" in a and "removed" in a for a in ds.report.privacy_actions)
    raw = ds.path.read_bytes()
    assert b"13812345678" not in raw and b"a@x.com" not in raw


def test_unknown_types_kept_lowercase_and_platforms_normalised(tmp_path):
    ds = ingest(
        _csv(
            tmp_path,
            "uid,time,event,平台\nu1,2025-03-01,Live Gift,B站\nu1,2025-03-02,曝光,小紅書\n",
        )
    )
    assert [(r[2], r[3]) for r in _events(ds)] == [
        ("live gift", "bilibili"),
        ("view", "xiaohongshu"),
    ]


def test_xlsx_excel_serial_and_formula(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["uid", "time", "action", "amount"])
    ws.append(["u1", 45717.5, "购买", "=2*10"])
    ws.append(["u2", 45718, "浏览", None])
    ws.append(["u3", "2025-03-03", "下单", 5])
    wb.save(tmp_path / "e.xlsx")
    ds = ingest(tmp_path / "e.xlsx")
    assert _events(ds) == [
        ("u2", T(2025, 3, 2), "view", None, None),
        ("u3", T(2025, 3, 3), "purchase", None, 5.0),
    ]
    assert ds.report.rejected_by_reason == {"amount is not a number": 1}
    assert any("formula" in w for w in ds.report.warnings)


def test_sample_dataset_from_a_folder(tmp_path, monkeypatch):
    (tmp_path / "events.csv").write_text("user_id,timestamp,event_type\nu1,2025-03-01,view\n")
    (tmp_path / "users.csv").write_text("user_id,age\nu1,30\n")
    monkeypatch.setenv("PERSONALAB_SAMPLE_DIR", str(tmp_path))
    ds = sample_dataset()
    assert sample_dataset().path == ds.path
    assert ds.report.user_rows == 1
    monkeypatch.setenv("PERSONALAB_SAMPLE_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match="bundled sample data is missing"):
        sample_dataset()


def test_preview_source():
    frame = preview_source(FIX / "gbk_events.csv", n=2)
    assert list(frame.columns)[:3] == ["会员编号", "时间", "行为"] and len(frame) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "a,b,c\n1,2025-03-01,view\n",
            r"^events\.csv: no column looks like a user id \(columns: a, b, c\)\.$",
        ),
        ("uid,b,event\nu1,x,view\n", r"^events\.csv: no column looks like the event time"),
        ("uid,time,b\nu1,2025-03-01,x\n", r"^events\.csv: no column looks like the event type"),
        (
            "uid,time,event\nu1,yesterday,view\nu2,soon,like\n",
            r"^events\.csv: no value in the time column 'time' could be read as a date "
            r"\(for example: .*\)\. Use a format like 2025-03-01 14:05",
        ),
        (
            "uid,time,event,amount\nu1,2025-03-01,buy,-5\nu2,2025-03-01,buy,-1\n",
            r"^events\.csv: no value in the amount column 'amount' is a number of zero or more "
            r"\(for example '-1'\)",
        ),
        (
            "uid,time,event,amount\nu1,2025-03-01,buy,lots\n",
            r"no value in the amount column 'amount' is a number",
        ),
        (
            "uid,time,event\nu1,2099-01-01,view\n",
            r"^events\.csv: no row could be loaded; every row was rejected, mostly for 'date in the "
            r"future' \(column 'time'\)",
        ),
        ("uid,time,event\n", r"^events\.csv has column names but no rows"),
    ],
)
def test_fatal_inputs_get_one_sentence(tmp_path, text, message):
    with pytest.raises(DataError, match=message):
        ingest(_csv(tmp_path, text))


@pytest.mark.parametrize("fixture", ["empty.csv", "binary.csv", "no_header.csv"])
def test_bad_files_change_nothing_saved(tmp_path, fixture):
    good = ingest(
        _csv(tmp_path, "uid,time,event\nu1,2025-03-01,view\n"), dest=tmp_path / "d.duckdb"
    )
    before = good.path.read_bytes()
    with pytest.raises(DataError, match=fixture.replace(".", r"\.")):
        ingest(FIX / fixture, dest=tmp_path / "d.duckdb")
    assert good.path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp")] == []
    leftovers = [
        p for p in (data_dir() / "datasets").iterdir() if p.name.startswith((".tmp", "ingest-"))
    ]
    assert leftovers == []


@pytest.mark.parametrize(
    ("text", "kind", "column", "field"),
    [
        ("a,b,c\n1,2025-03-01,view\n", "events", None, "user_id"),
        ("uid,time,event\nu1,yesterday,view\n", "events", "time", None),
        ("uid,time,event,amount\nu1,2025-03-01,buy,-5\n", "events", "amount", None),
        ("uid,time,event\nu1,2099-01-01,view\n", "events", "time", None),
    ],
)
def test_mapping_errors_say_where_to_fix(tmp_path, text, kind, column, field):
    """The Data page opens the mapping at the column (or names the field) to fix."""
    with pytest.raises(DataError) as info:
        ingest(_csv(tmp_path, text))
    assert (info.value.kind, info.value.column, info.value.field) == (kind, column, field)
    assert "--map" not in str(info.value)  # command-line notation is the CLI's to add


def test_users_file_without_user_id_names_the_users_mapping(tmp_path):
    events = _csv(tmp_path, "uid,time,event\nu1,2025-03-01,view\n")
    users = tmp_path / "users.csv"
    users.write_text("nick,age\nx,30\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        ingest(events, users_source=users)
    assert (info.value.kind, info.value.field) == ("users", "user_id")


def test_cli_adds_the_map_option_to_a_missing_column(tmp_path, capsys):
    from core.__main__ import main

    src = _csv(tmp_path, "a,b,c\n1,2025-03-01,view\n")
    assert main(["features", str(src), "--out", str(tmp_path / "f.csv")]) == 2
    err = capsys.readouterr().err
    assert err == (
        "error: events.csv: no column looks like a user id (columns: a, b, c). "
        "Map one with --map COLUMN=user_id.\n"
    )


def test_cli_input_errors():
    parser = argparse.ArgumentParser()
    add_input_arguments(parser)
    with pytest.raises(DataError, match="No events given"):
        open_events_from_args(parser.parse_args([]))
    with pytest.raises(DataError, match="--db needs --table"):
        open_events_from_args(parser.parse_args(["--db", "sqlite://"]))
    with pytest.raises(DataError, match="--table needs --db"):
        open_events_from_args(parser.parse_args(["--table", "ev"]))


def test_db_source_through_cli(tmp_path):
    import pandas as pd
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = sa.create_engine(url)
    pd.DataFrame(
        {
            "member": ["a", "a", "b"],
            "ts": ["2025-03-01 10:00", "2025-03-02 11:00", "2025-03-01 09:00"],
            "act": ["浏览", "购买", "点赞"],
            "amt": [None, 10.0, None],
        }
    ).to_sql("ev", engine, index=False)
    engine.dispose()
    parser = argparse.ArgumentParser()
    add_input_arguments(parser)
    args = parser.parse_args(
        [
            "--db",
            url,
            "--table",
            "ev",
            "--map",
            "member=user_id",
            "--map",
            "ts=timestamp",
            "--map",
            "act=event_type",
        ]
    )
    ds = open_events_from_args(args)
    assert _events(ds) == [
        ("a", T(2025, 3, 1, 10), "view", None, None),
        ("a", T(2025, 3, 2, 11), "purchase", None, 10.0),
        ("b", T(2025, 3, 1, 9), "like", None, None),
    ]


@pytest.mark.postgres
def test_postgres_table_through_cli(pg_url):
    import pandas as pd
    import sqlalchemy as sa

    table = f"ingest_src_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(pg_url)
    frame = pd.DataFrame(
        {
            "用户ID": ["a", "a", "b"],
            "时间": pd.to_datetime(["2025-03-01 10:00", "2025-03-02 11:00", "2025-03-01 09:00"]),
            "行为": ["浏览", "购买", "点赞"],
            "金额": [None, 10.0, None],
        }
    )
    frame.to_sql(table, engine, index=False)
    try:
        parser = argparse.ArgumentParser()
        add_input_arguments(parser)
        ds = open_events_from_args(parser.parse_args(["--db", pg_url, "--table", table]))
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP TABLE "{table}"')
        engine.dispose()
    assert _events(ds) == [
        ("a", T(2025, 3, 1, 10), "view", None, None),
        ("a", T(2025, 3, 2, 11), "purchase", None, 10.0),
        ("b", T(2025, 3, 1, 9), "like", None, None),
    ]
    assert ds.report.source_name == table and pg_url not in json.dumps(ds.report.to_dict())


def test_users_file_types_and_warnings(tmp_path):
    events = _csv(tmp_path, "uid,time,event\nu1,2025-03-01,view\nu2,2025-03-01,view\n")
    users = _csv(
        tmp_path,
        'uid,age,粉丝数,注册日期,income,vip_level\nu1,28,"1,200",2024/5/1,5000,3\n'
        "u2,unknown,10,soon,8000,1\nu2,40,1,2024-01-01,1,1\n",
        name="users.csv",
    )
    ds = ingest(events, users_source=users)
    rows = _sql(ds, "SELECT user_id, age, followers, signup_date, income, vip_level FROM users")
    assert rows[0] == ("u1", 28.0, 1200.0, dt.date(2024, 5, 1), 5000.0, 3.0)
    assert rows[1][0] == "u2" and len(rows) == 2
    assert any("1 value(s) in 'age' (age) are not numbers" in w for w in ds.report.warnings)
    assert any("1 repeated user id(s)" in w for w in ds.report.warnings)


def test_preview_of_a_big_file_reads_only_its_head(tmp_path):
    line = "u1,2025-03-01 10:00:00,view\n"
    big = _csv(tmp_path, "uid,time,event\n" + line * 60_000)  # about 1.7 MB
    frame = preview_source(big, n=3)
    assert frame.values.tolist() == [["u1", "2025-03-01 10:00:00", "view"]] * 3


def test_non_finite_huge_and_negative_amounts_and_1900_dates_are_rejected(tmp_path):
    p = _csv(
        tmp_path,
        "user_id,timestamp,event_type,amount\n"
        "u1,2025-03-01,purchase,10\n"
        "u1,2025-03-02,purchase,inf\n"
        "u2,2025-03-02,purchase,NaN\n"
        "u2,2025-03-03,purchase,1e308\n"
        "u3,2025-03-03,purchase,-Infinity\n"
        "u3,2025-03-04,purchase,-4\n"
        "u4,1900-01-01,view,\n"
        "u4,1970-01-01 00:00:00,view,\n"
        "u5,2025-03-04,purchase,12.5\n",
    )
    r = ingest(p).report
    assert r.rejected_by_reason == {
        "amount is not a number": 3,
        "date before 1980": 2,
        "amount too large": 1,
        "negative amount": 1,
    }
    assert (r.rows_read, r.rows_loaded, r.users) == (9, 2, 2)
    assert r.date_min == T(2025, 3, 1)
    from core.data import dataset_engine
    from core.personas.clv import rfm_summary

    summary = rfm_summary(dataset_engine(ingest(p).path))
    assert summary["monetary_value"].tolist() == [0.0, 0.0]  # finite, no inf


def test_mixed_utc_offsets_are_lined_up_with_a_warning(tmp_path):
    p = _csv(
        tmp_path,
        "user_id,timestamp,event_type\n"
        "u1,2025-03-01 10:00:00+08:00,view\n"
        "u1,2025-03-01T03:00:00Z,like\n"  # 11:00 at +08:00
        "u2,2025-03-01 10:00:00+08:00,view\n"
        "u2,2025-03-01 10:00:00-05:00,view\n",  # 23:00 at +08:00
    )
    ds = ingest(p)
    assert [row[:3] for row in _events(ds)] == [
        ("u1", T(2025, 3, 1, 10), "view"),
        ("u1", T(2025, 3, 1, 11), "like"),
        ("u2", T(2025, 3, 1, 10), "view"),
        ("u2", T(2025, 3, 1, 23), "view"),
    ]
    assert ds.report.warnings == (
        "events.csv: times in 'timestamp' carry different UTC offsets (+08:00 on 2 rows, "
        "-05:00 on 1 row, UTC on 1 row); they were all converted to +08:00, the most common "
        "one, so that they line up.",
    )


def test_one_utc_offset_keeps_local_times_without_a_warning(tmp_path):
    p = _csv(
        tmp_path,
        "user_id,timestamp,event_type\nu1,2025-03-01 10:00:00+08:00,view\n"
        "u1,2025-03-01 12:00:00+08:00,like\n",
    )
    ds = ingest(p)
    assert [row[1] for row in _events(ds)] == [T(2025, 3, 1, 10), T(2025, 3, 1, 12)]
    assert ds.report.warnings == ()


_SLOW_INGEST = """
import sys, time
import core.data.pipeline as ingest_module
real = ingest_module.write_events
def slow(*args, **kwargs):
    out = real(*args, **kwargs)
    print("building", flush=True)
    time.sleep(60)
    return out
ingest_module.write_events = slow
ingest_module.ingest(sys.argv[1])
"""


def test_scratch_left_by_a_killed_ingest_is_removed_by_the_next_one(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    from core.config import ROOT
    from core.data import datasets_dir

    events = _csv(tmp_path, "user_id,timestamp,event_type\nu1,2025-03-01,view\n")
    child = subprocess.Popen(
        [sys.executable, "-c", _SLOW_INGEST, str(events)],
        cwd=ROOT,
        env={**os.environ, "PERSONALAB_DATA_DIR": str(data_dir())},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "building"  # mid-ingest, files written
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    folder = datasets_dir()
    left = sorted(p.name for p in folder.iterdir() if p.name.startswith((".tmp-", "ingest-")))
    assert any(n.startswith(".tmp-") for n in left) and any(n.startswith("ingest-") for n in left)
    ingest(_csv(tmp_path, "user_id,timestamp,event_type\nu2,2025-03-01,view\n", "other.csv"))
    assert not any(p.name in left for p in folder.iterdir())


def test_cleanup_leaves_the_scratch_of_a_running_ingest_alone(tmp_path):
    from core.data import datasets_dir, remove_stale_work
    from core.data.catalogue import _claim

    folder = datasets_dir()
    live = folder / "ingest-live-test"
    live.mkdir()
    lock = _claim(live)  # as a running ingest holds it
    (folder / f".tmp-{live.name}.duckdb").write_bytes(b"")
    dead = folder / "ingest-dead-test"
    dead.mkdir()
    (dead / ".lock").write_text("")
    (folder / f".tmp-{dead.name}.duckdb").write_bytes(b"")
    (folder / f".tmp-{dead.name}.duckdb.wal").write_bytes(b"")
    try:
        removed = {p.name for p in remove_stale_work(folder)}
        assert removed == {dead.name, f".tmp-{dead.name}.duckdb", f".tmp-{dead.name}.duckdb.wal"}
        assert live.is_dir() and (folder / f".tmp-{live.name}.duckdb").exists()
    finally:
        lock.close()
    assert {p.name for p in remove_stale_work(folder)} == {live.name, f".tmp-{live.name}.duckdb"}


def test_cli_prints_what_it_read_kept_and_rejected(tmp_path, capsys):
    from core.__main__ import main

    p = _csv(
        tmp_path,
        "user_id,timestamp,event_type,amount\n"
        "u1,2025-03-01,purchase,5\n"
        "u1,2025-03-01,purchase,5\n"
        "u2,2999-01-01,view,\n"
        "u3,2025-03-02,purchase,-3\n"
        "u4,2025-03-02,view,\n",
    )
    users = _csv(tmp_path, "user_id,age\nu1,30\nu4,41\nu9,50\n", "users.csv")
    argv = ["features", str(p), "--users", str(users), "--out", str(tmp_path / "f.csv")]
    assert main(argv) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "events.csv: 5 rows read, 3 events loaded for 2 users, 2 rejected (date in the "
        "future: 1; negative amount: 1), 1 exact duplicate row kept as real events; 3 rows "
        "of user attributes.",
        "1 user(s) in users.csv have no events in events.csv; they are kept as prospects "
        "with zero counts.",
    ]


def test_a_users_file_that_matches_no_event_is_refused(tmp_path):
    p = _csv(tmp_path, "user_id,timestamp,event_type\nu1,2025-03-01,view\n")
    users = _csv(tmp_path, "user_id,age\n" + "".join(f"x{i},30\n" for i in range(100)), "u.csv")
    with pytest.raises(DataError) as err:
        ingest(p, users_source=users)
    assert str(err.value) == (
        "u.csv: none of its 100 user ids appear in events.csv; check that both files use the "
        "same kind of id (for example both member numbers), or load the events without the "
        "users file."
    )
