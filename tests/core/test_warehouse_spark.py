"""Apache Spark as one more SQLAlchemy engine: the feature query gives DuckDB's values.

Needs pyspark and Java (``bash scripts/test.sh`` installs them); fails in CI without
them and skips with a reason on a developer machine (``spark_engine`` fixture). One
local Spark session serves the whole test run.
"""

from __future__ import annotations

import uuid

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from core.data import casegen, connect, duckdb_engine, events_table, table_exists
from core.data.spark import is_spark, load_frame
from core.data.synth import generate
from core.errors import DataError
from core.i18n import language
from core.segments import build_features

pytestmark = pytest.mark.spark


def canonical_frames(name: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Events and users from two differently built generators, in plain dtypes."""
    if name == "synth":
        data = generate(n_users=2500, days=60, seed=seed)
        events, users = data.events, data.users
    else:
        case = casegen.make_case(name, seed=seed, n_users=2500)
        events, users = case.events, case.users
    events = events.copy()
    for col in events.columns:
        if isinstance(events[col].dtype, pd.CategoricalDtype):
            events[col] = events[col].astype(str).where(events[col].notna(), None)
    events["timestamp"] = pd.to_datetime(events["timestamp"]).astype("datetime64[us]")
    users = users.copy()
    for col in users.columns:
        if pd.api.types.is_datetime64_any_dtype(users[col]):
            users[col] = users[col].astype("datetime64[us]")
    return events, users


def duckdb_with(tmp_path, events: pd.DataFrame, users: pd.DataFrame | None) -> sa.Engine:
    """A DuckDB file holding ``events`` (and ``users``)."""
    path = tmp_path / f"ds-{uuid.uuid4().hex[:8]}.duckdb"
    engine = duckdb_engine(path, read_only=False)
    with engine.connect() as conn:
        duck = conn.connection.driver_connection
        duck.register("ev_frame", events)
        duck.execute("CREATE TABLE events AS SELECT * FROM ev_frame")
        if users is not None:
            duck.register("us_frame", users)
            duck.execute("CREATE TABLE users AS SELECT * FROM us_frame")
    return engine


def spark_with(engine: sa.Engine, events: pd.DataFrame, users: pd.DataFrame | None):
    """Load the frames as fresh Spark tables; returns their names."""
    tag = uuid.uuid4().hex[:8]
    ev_name, us_name = f"events_{tag}", f"users_{tag}"
    load_frame(engine, ev_name, events)
    if users is not None:
        load_frame(engine, us_name, users)
    return ev_name, (us_name if users is not None else None)


@pytest.mark.parametrize(
    ("generator", "seed", "as_of"),
    [("synth", 3, None), ("attributes", 5, None), ("lifecycle", 2, "2025-04-20")],
)
def test_spark_features_equal_duckdb(spark_engine, tmp_path, generator, seed, as_of):
    events, users = canonical_frames(generator, seed)
    duck_engine = duckdb_with(tmp_path, events, users)
    try:
        duck = build_features(duck_engine, as_of=as_of)
    finally:
        duck_engine.dispose()
    ev_name, us_name = spark_with(spark_engine, events, users)
    spark = build_features(spark_engine, events=ev_name, users=us_name, as_of=as_of)
    assert len(duck) >= 2000
    assert duck.shape[1] >= 40
    assert list(spark.columns) == list(duck.columns)
    pd.testing.assert_frame_equal(spark, duck, check_exact=False, rtol=1e-9, atol=1e-12)


def test_spark_matches_duckdb_without_users_and_with_odd_values(spark_engine, tmp_path):
    """Integer ids, missing platforms, an unknown event type, Sunday and midnight events."""
    rng = np.random.default_rng(11)
    n = 4000
    start = np.datetime64("2025-03-01T00:00:00")
    events = pd.DataFrame(
        {
            "user_id": rng.integers(0, 300, n).astype(str),
            "timestamp": (start + rng.integers(0, 60 * 24 * 60, n).astype("timedelta64[m]")).astype(
                "datetime64[us]"
            ),
            "event_type": rng.choice(["view", "click", "purchase", "share", "quiz"], n),
            "platform": rng.choice(["wechat", "weibo", "douyin", None], n),
            "amount": np.where(rng.random(n) < 0.2, rng.gamma(2.0, 30.0, n), np.nan),
        }
    )
    duck_engine = duckdb_with(tmp_path, events, None)
    try:
        duck = build_features(duck_engine, users=None)
    finally:
        duck_engine.dispose()
    ev_name, _ = spark_with(spark_engine, events, None)
    spark = build_features(spark_engine, events=ev_name, users=None)
    assert "n_quiz" in spark.columns
    pd.testing.assert_frame_equal(spark, duck, check_exact=False, rtol=1e-9, atol=1e-12)


def test_spark_engine_reflects_and_names_missing_tables(spark_engine):
    events, _ = canonical_frames("mix", 1)
    ev_name, _ = spark_with(spark_engine, events.head(50), None)
    assert is_spark(spark_engine)
    assert table_exists(spark_engine, ev_name)
    assert not table_exists(spark_engine, "no_such_table_here")
    table = events_table(spark_engine, ev_name)
    assert isinstance(table.c["timestamp"].type, sa.DateTime)
    with pytest.raises(DataError, match="no events table named 'no_such_table_here'"):
        events_table(spark_engine, "no_such_table_here")
    with language("zh"), pytest.raises(DataError) as info:
        events_table(spark_engine, "no_such_table_here")
    assert "no_such_table_here" in str(info.value)


def test_a_parquet_folder_in_a_lake_is_a_table_through_the_url(spark_engine, tmp_path):
    events, _ = canonical_frames("mix", 2)
    lake = tmp_path / "lake" / "events"
    lake.mkdir(parents=True)
    events.to_parquet(lake / "part-0.parquet", index=False)
    url = f"spark://local?parquet.lake_events={lake}"
    engine = connect(url)  # the test session is running: only the view is added
    try:
        got = build_features(engine, events="lake_events", users=None)
    finally:
        engine.dispose()
    assert got["n_events"].sum() == len(events)


def test_create_insert_select_and_delete_on_a_spark_table(spark_engine):
    """What a write-back does: DDL from SQLAlchemy, INSERT ... SELECT, then DELETE.

    Spark's Parquet tables refuse DELETE; the driver rewrites the table without the
    matching rows (rows where the condition is NULL are kept, as a DELETE keeps them).
    """
    import datetime as dt

    name = f"wb_{uuid.uuid4().hex[:8]}"
    md = sa.MetaData()
    table = sa.Table(
        name,
        md,
        sa.Column("user_id", sa.String),
        sa.Column("segment", sa.String),
        sa.Column("assigned_at", sa.DateTime),
    )
    day1, day2 = dt.datetime(2025, 1, 1, 8), dt.datetime(2025, 2, 1, 8)
    with spark_engine.begin() as conn:
        md.create_all(conn)
        source = sa.select(
            sa.literal("u1").label("user_id"),
            sa.literal("S1").label("segment"),
            sa.literal(day1, sa.DateTime).label("assigned_at"),
        )
        conn.execute(table.insert().from_select(["user_id", "segment", "assigned_at"], source))
        conn.execute(
            table.insert(),
            [
                {"user_id": "u2", "segment": "S2", "assigned_at": day1},
                {"user_id": "u3", "segment": None, "assigned_at": day2},
                {"user_id": "u4", "segment": "S2", "assigned_at": day2},
            ],
        )
        conn.execute(sa.delete(table).where(table.c.segment == "S2", table.c.assigned_at < day2))
        rows = sorted(conn.execute(sa.select(table)).all())
    assert rows == [("u1", "S1", day1), ("u3", None, day2), ("u4", "S2", day2)]
    with pytest.raises(sa.exc.DBAPIError), spark_engine.connect() as conn:
        conn.execute(sa.text("SELECT no_such_column FROM " + name))


def test_without_java_the_cli_says_so_in_one_sentence(tmp_path):
    """A fresh process whose JAVA_HOME points nowhere: exit 2, one sentence, no traceback."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    pytest.importorskip("pyspark")
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "JAVA_HOME": str(tmp_path / "no-java")}
    env.pop("PYSPARK_SUBMIT_ARGS", None)
    argv = [sys.executable, "-m", "core", "summary", "--db", "spark://local", "--table", "e"]
    proc = subprocess.run(
        argv + ["--lang", "zh"], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert "Spark 需要 Java 17 或更高版本" in lines[0] and "no-java" in lines[0]
    english = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert english.returncode == 2
    assert english.stderr.startswith("error: Spark needs Java 17 or newer and none was found")
