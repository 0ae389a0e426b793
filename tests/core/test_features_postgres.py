"""The same feature query on PostgreSQL and DuckDB gives the same frame; PostgreSQL edges.

Needs ``PERSONALAB_TEST_PG_URL`` (fails in CI without it, skips locally with a reason).
"""

from __future__ import annotations

import datetime as dt
import uuid

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from core.data import connect, events_table, table_exists, users_table
from core.errors import DataError
from core.segments import LifecycleWindows, build_features
from tests.core.conftest import Canonical

pytestmark = pytest.mark.postgres


def random_events(seed: int, n: int = 3000, users: int = 150) -> tuple[list[dict], list[dict]]:
    """Seeded random canonical rows with NULLs, odd types and users without events."""
    rng = np.random.default_rng(seed)
    start = dt.datetime(2025, 1, 1)
    types = ["view"] * 6 + [
        "click",
        "like",
        "comment",
        "share",
        "save",
        "follow",
        "purchase",
        "quiz",
    ]
    platforms = ["wechat", "weibo", "douyin", "xiaohongshu", None]
    formats = ["video", "live", "text_image", None, None]
    uid = rng.integers(0, users, n)
    minutes = rng.integers(0, 180 * 24 * 60, n)
    rows = []
    for i in range(n):
        kind = types[rng.integers(0, len(types))]
        rows.append(
            {
                "user_id": f"u{uid[i]:04d}",
                "timestamp": start + dt.timedelta(minutes=int(minutes[i])),
                "event_type": kind,
                "platform": platforms[rng.integers(0, len(platforms))],
                "amount": round(float(rng.gamma(2.0, 30.0)), 2) if kind == "purchase" else None,
                "content_format": formats[rng.integers(0, len(formats))],
            }
        )
    people = [
        {
            "user_id": f"u{k:04d}",
            "age": float(rng.integers(18, 70)) if k % 7 else None,
            "gender": ["f", "m", None][k % 3],
            "followers": float(rng.integers(0, 10_000)),
            "signup_date": dt.date(2024, 1, 1) + dt.timedelta(days=int(k)),
        }
        for k in range(0, users + 20, 2)  # every other user, plus 10 without events
    ]
    return rows, people


USER_COLUMNS = (
    sa.Column("age", sa.Double),
    sa.Column("gender", sa.String),
    sa.Column("followers", sa.Double),
    sa.Column("signup_date", sa.Date),
)


@pytest.fixture
def both(tmp_path, pg_url):
    """A Canonical maker per backend."""
    makers = {b: Canonical(b, tmp_path, pg_url) for b in ("duckdb", "postgres")}
    yield makers
    for m in makers.values():
        m.close()


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("as_of", [None, "2025-04-15", "2025-05-01 12:30"])
def test_postgres_and_duckdb_give_identical_frames(both, seed, as_of):
    events, users = random_events(seed)
    duck = build_features(
        both["duckdb"].make(events, users, users_columns=USER_COLUMNS), as_of=as_of
    )
    pg = build_features(
        both["postgres"].make(events, users, users_columns=USER_COLUMNS), as_of=as_of
    )
    assert len(duck) > 100
    assert set(duck["lifecycle_stage"]) >= {"prospect", "active", "dormant"}
    pd.testing.assert_frame_equal(duck, pg, check_exact=False, rtol=1e-12)


def test_windows_apply_the_same_on_both(both):
    events, users = random_events(3)
    windows = LifecycleWindows(new_days=45, dormant_days=14, churned_days=60)
    duck = build_features(
        both["duckdb"].make(events, users, users_columns=USER_COLUMNS), windows=windows
    )
    pg = build_features(
        both["postgres"].make(events, users, users_columns=USER_COLUMNS), windows=windows
    )
    pd.testing.assert_frame_equal(duck, pg, check_exact=False, rtol=1e-12)


def test_connect_opens_and_reflects_postgres(pg_url, both):
    both["postgres"].make(
        [{"user_id": "a", "timestamp": dt.datetime(2025, 1, 1, 8), "event_type": "view"}],
        [{"user_id": "a", "age": 30.0}],
        users_columns=(sa.Column("age", sa.Double),),
    )
    schema = both["postgres"]._schemas[-1]
    engine = connect(pg_url)
    try:
        table = events_table(engine, schema=schema)
        assert table.c["timestamp"].type.__class__.__name__ in ("TIMESTAMP", "DateTime")
        assert users_table(engine, schema=schema) is not None
        assert table_exists(engine, "events", schema=schema)
        assert not table_exists(engine, "nothing_here", schema=schema)
        with pytest.raises(DataError, match="no events table named 'nothing_here'"):
            events_table(engine, "nothing_here", schema=schema)
        got = build_features(engine, events=table, users=users_table(engine, schema=schema))
        assert got[["user_id", "n_view", "age"]].to_dict("records") == [
            {"user_id": "a", "n_view": 1, "age": 30.0}
        ]
    finally:
        engine.dispose()


def test_connect_errors_are_plain_and_hide_the_password():
    with pytest.raises(DataError, match="not a valid connection URL"):
        connect("not a url")
    with pytest.raises(DataError, match="driver is not installed"):
        connect("nosuchdb://user:pw@host/db")
    with pytest.raises(DataError, match="Could not connect") as info:
        connect(f"postgresql+psycopg2://someone:s3cret@127.0.0.1:1/db_{uuid.uuid4().hex[:6]}")
    assert "s3cret" not in str(info.value)


def test_cli_in_database_pushes_the_query_down(pg_url, both, tmp_path):
    """A foreign PostgreSQL table, renamed with --map, never leaves the database."""
    md_rows = [
        {"uid": 1, "at": dt.datetime(2025, 3, 1, 10), "kind": "view", "site": "wechat"},
        {"uid": 1, "at": dt.datetime(2025, 3, 2, 10), "kind": "purchase", "site": "wechat"},
        {"uid": 2, "at": dt.datetime(2025, 3, 3, 12), "kind": "like", "site": None},
    ]

    def raw(md):
        sa.Table(
            "raw_events",
            md,
            sa.Column("uid", sa.Integer),
            sa.Column("at", sa.DateTime),
            sa.Column("kind", sa.String),
            sa.Column("site", sa.String),
        )

    both["postgres"].make([], users=None, tables=raw, rows={"raw_events": md_rows})
    schema = both["postgres"]._schemas[-1]
    url = sa.make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
    out = tmp_path / "f.csv"
    from tests.core.test_features import run_features_cli

    argv = ["--db", url.render_as_string(hide_password=False), "--table", "raw_events"]
    argv += ["--map", "uid=user_id", "--map", "at=timestamp", "--map", "kind=event_type"]
    run_features_cli([*argv, "--map", "site=platform", "--in-database", "--out", str(out)])
    got = pd.read_csv(out, encoding="utf-8-sig", dtype={"user_id": str})
    assert got["user_id"].tolist() == ["1", "2"]
    assert got["n_purchase"].tolist() == [1, 0]
    assert got["top_platform"].tolist()[0] == "wechat"
    assert got["lifecycle_stage"].tolist() == ["new", "new"]
    with pytest.raises(DataError, match="no table named 'nope'"):
        run_features_cli([*argv[:2], "--table", "nope", "--in-database", "--out", str(out)])
