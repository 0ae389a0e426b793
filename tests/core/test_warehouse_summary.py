"""Explore's headline numbers computed in the engine: exact, equal on every engine, and
equal to what the Explore page computes with its own DuckDB SQL.

The hand-made events are ``tests/core/test_explore.py``'s (2024-01-01 is a Monday);
the expected values are worked out in the comments. DuckDB always runs; PostgreSQL and
Spark run with their fixtures (fail in CI when missing, skip locally with a reason).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pandas as pd
import pytest

from core import explore as ex
from core.__main__ import main
from core.data import connect
from core.data.spark import load_frame
from core.errors import DataError
from core.explore import engine_summary
from core.i18n import language
from tests.core.test_explore import EVENTS, make_dataset
from tests.core.test_warehouse_spark import canonical_frames, duckdb_with

HAND = pd.DataFrame(
    EVENTS,
    columns=[
        "user_id",
        "timestamp",
        "event_type",
        "platform",
        "amount",
        "content_format",
        "campaign",
        "text",
    ],
).assign(timestamp=lambda f: pd.to_datetime(f["timestamp"]).astype("datetime64[us]"))


def check_hand_values(s) -> None:
    """The worked-out numbers of the hand-made events."""
    t = s.totals
    # u1..u5; 19 events; buyers u1 and u3; 100 + 50 + 30
    assert (t["users"], t["events"], t["buyers"], t["revenue"]) == (5, 19, 2, 180.0)
    assert (t["first_day"], t["last_day"]) == (dt.date(2024, 1, 1), dt.date(2024, 1, 16))
    assert t["purchase_rate"] == pytest.approx(2 / 5)
    # all five viewed; u1 and u4 clicked; u1 and u3 bought
    assert t["view_to_click"] == pytest.approx(2 / 5)
    assert t["view_to_purchase"] == pytest.approx(2 / 5)
    # Jan 1: u1 (3 events) and u2 (2)
    first = s.daily.iloc[0]
    assert (first["date"], first["active_users"], first["events"]) == (
        pd.Timestamp("2024-01-01"),
        2,
        5,
    )
    # W1 u1+u2, 6+2 events; W2 u1 (1), u2 (2), u3 (4); W3 u3 (1), u4 (2), u5 (1)
    assert s.weekly["week"].dt.strftime("%m-%d").tolist() == ["01-01", "01-08", "01-15"]
    assert s.weekly["active_users"].tolist() == [2, 3, 3]
    assert s.weekly["events"].tolist() == [8, 7, 4]
    assert s.by_platform.set_index("platform")["events"].to_dict() == {
        "weibo": 10,
        "wechat": 7,
        "douyin": 2,
    }
    assert s.by_type.iloc[0].to_dict() == {"event_type": "view", "events": 6, "users": 5}
    assert s.ladder["users"].tolist() == [5, 1, 1, 0, 0]
    assert s.ladder["users_any"].tolist() == [5, 1, 2, 1, 2]


def test_hand_values_on_duckdb_match_the_explore_page(tmp_path):
    engine = make_dataset(tmp_path / "ds.duckdb")
    try:
        s = engine_summary(engine)
        check_hand_values(s)
        page_ladder = ex.engagement_ladder(engine)
        assert s.ladder["users"].tolist() == page_ladder["users"].tolist()
        assert s.ladder["users_any"].tolist() == page_ladder["users_any"].tolist()
        page_dau = ex.activity(engine).set_index("date")["dau"]
        mine = s.daily.set_index("date")["active_users"]
        assert mine.to_dict() == page_dau[page_dau > 0].to_dict()
        jan = engine_summary(
            engine, start=dt.date(2024, 1, 8), end=dt.date(2024, 1, 14), platforms=("weibo",)
        )
        # weibo, Jan 8-14: u2 (2 events) and u3 (4)
        assert (jan.totals["users"], jan.totals["events"]) == (2, 6)
        with pytest.raises(DataError, match="no events in the chosen dates"):
            engine_summary(engine, start=dt.date(2030, 1, 1))
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_hand_values_on_postgres(pg_url):
    import sqlalchemy as sa

    engine = sa.create_engine(pg_url)
    name = f"hand_{uuid.uuid4().hex[:8]}"
    try:
        HAND.to_sql(name, engine, index=False)
        check_hand_values(engine_summary(engine, name))
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
        engine.dispose()


def assert_same_summary(a, b) -> None:
    """Every number and frame of two summaries agree."""
    assert a.totals.keys() == b.totals.keys()
    for key, value in a.totals.items():
        assert b.totals[key] == pytest.approx(value, rel=1e-12, nan_ok=True), key
    for name in ("daily", "weekly", "by_type", "by_platform", "ladder"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=False)


@pytest.mark.spark
def test_spark_summary_equals_duckdb_on_generated_data(spark_engine, tmp_path):
    events, _ = canonical_frames("synth", 4)
    duck_engine = duckdb_with(tmp_path, events, None)
    name = f"synth_{uuid.uuid4().hex[:8]}"
    load_frame(spark_engine, name, events)
    try:
        for kwargs in ({}, {"start": dt.date(2025, 9, 10), "platforms": ("wechat", "douyin")}):
            duck = engine_summary(duck_engine, **kwargs)
            spark = engine_summary(spark_engine, name, **kwargs)
            assert duck.totals["users"] > 1000
            assert_same_summary(duck, spark)
    finally:
        duck_engine.dispose()


@pytest.mark.spark
def test_cli_summary_on_spark_in_english_and_chinese(spark_engine, tmp_path, capsys):
    """On Spark every number of the hand-made events, as the CLI prints and writes them."""
    from core.cli.summary import payload

    name = f"hand_{uuid.uuid4().hex[:8]}"
    load_frame(spark_engine, name, HAND)
    check_hand_values(engine_summary(spark_engine, name))
    out = tmp_path / "summary.json"
    url = "spark://local"  # the session of the test run is running: it is used
    assert main(["summary", "--db", url, "--table", name, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "5 users made 19 events from Jan 1, 2024 to Jan 16, 2024." in text
    assert "Of the users who viewed, 40.0% clicked and 40.0% bought." in text
    doc = json.loads(out.read_text("utf-8"))
    duck_engine = make_dataset(tmp_path / "hand.duckdb")
    try:
        assert doc == json.loads(json.dumps(payload(engine_summary(duck_engine))))
    finally:
        duck_engine.dispose()
    assert doc["totals"]["users"] == 5 and doc["totals"]["first_day"] == "2024-01-01"
    assert doc["ladder"][0] == {
        "step": "view",
        "step_order": 1,
        "users": 5,
        "users_any": 5,
        "share_of_first": 1.0,
    }
    assert main(["summary", "--db", url, "--table", name, "--lang", "zh"]) == 0
    zh = capsys.readouterr().out
    assert "5 位用户" in zh and "19 条行为" in zh
    assert "浏览过的用户中" in zh
    assert main(["summary", "--db", url, "--table", "no_such_events", "--lang", "zh"]) == 2
    err = capsys.readouterr().err
    assert "no_such_events" in err and "事件表" in err


def test_summary_errors_name_the_problem(tmp_path, capsys):
    path = tmp_path / "ds.duckdb"
    make_dataset(path).dispose()
    url = f"duckdb:///{path}"
    assert main(["summary", "--db", url, "--start", "2024-13-01"]) == 2
    assert "--start '2024-13-01' is not a date" in capsys.readouterr().err
    assert main(["summary", "--db", url, "--table", "nope"]) == 2
    assert "no events table named 'nope'" in capsys.readouterr().err
    engine = connect(url)
    try:
        with language("zh"), pytest.raises(DataError) as info:
            engine_summary(engine, start=dt.date(2030, 1, 1))
    finally:
        engine.dispose()
    assert "没有" in str(info.value)
