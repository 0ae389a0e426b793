"""Explore page speed: first render, filter changes and the lifecycle section on 10M events.

Usage::

    python benchmarks/bench_explore.py            # 10M events (about 1-2 minutes)
    python benchmarks/bench_explore.py --quick    # 500k events, for CI (< 60 s)

Prints, measured in the same run on the same data:
- baseline: building the per-user feature table (``core.segments.features.build_features``);
- first render: the computations the Explore page runs when it opens on its default
  section (filter bounds, KPI summary, DAU / WAU / MAU, active hours);
- filter changes: the same Overview computations with one platform, with the last 30
  days, and with one segment of a saved run selected (the run's labels are converted
  once per page run, as the page does, before the timed call);
- the lifecycle-stage mix over time (weekly), target well under 2 s;
- every other section, for reference;
and the peak memory of the process. Targets: first render < 5 s, each filter change
< 1 s. Each figure is printed with its ratio to the feature-build time of the same run.

Events come from ``benchmarks/bench_features.py``'s generator when it exists, else from a
seeded vectorised generator here; they are written to a DuckDB file laid out as
``core.data.pipeline`` writes a dataset (docs/architecture.md): events ordered by user, with the
integer user keys and per-user active days of ``core.data.write_activity_tables``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import explore as ex  # noqa: E402
from core.data import write_activity_tables  # noqa: E402
from core.data.engine import dataset_engine  # noqa: E402
from core.explore.query import labels_table  # noqa: E402

PLATFORMS = np.array(["wechat", "weibo", "douyin", "xiaohongshu", "kuaishou", "instagram"])
FORMATS = np.array(["video", "text_image", "live", "article"])
CAMPAIGNS = np.array(["spring_sale", "new_launch", "kol_push", None], dtype=object)
TYPES = np.array(["view", "click", "like", "comment", "share", "save", "follow", "purchase"])
TYPE_P = np.array([0.55, 0.12, 0.12, 0.05, 0.04, 0.05, 0.02, 0.05])
REGIONS = np.array(["北京", "上海", "广州", "深圳", "成都", "杭州", "武汉", "西安"])
COMMENTS = np.array(["好看 推荐", "太差了 退款", "love it", "too expensive", "不错", "ok"])


def _u(i: str, salt: int) -> str:
    """A reproducible uniform [0, 1) from a row number (hash-based, thread-independent)."""
    return f"((hash({i} * 7919 + {salt}) % 1000003) / 1000003.0)"


def write_events_sql(con, n_events: int, n_users: int, days: int, seed: int) -> None:
    """Seeded synthetic events generated inside DuckDB (vectorised, seconds for 10M)."""
    s = seed * 1000
    cum = np.cumsum(TYPE_P)
    type_case = (
        "CASE "
        + " ".join(
            f"WHEN {_u('i', s + 3)} < {c:.4f} THEN '{t}'"
            for t, c in zip(TYPES[:-1], cum[:-1], strict=True)
        )
        + f" ELSE '{TYPES[-1]}' END"
    )
    plats = "[" + ",".join(f"'{p}'" for p in PLATFORMS) + "]"
    fmts = "[" + ",".join(f"'{f}'" for f in FORMATS) + "]"
    camps = "['spring_sale','new_launch','kol_push',NULL]"
    comments = "[" + ",".join(f"'{c}'" for c in COMMENTS) + "]"
    con.execute(f"""
    INSERT INTO events
    SELECT 'u' || CAST(floor({n_users} * pow({_u("i", s + 1)}, 2.0)) AS BIGINT) AS user_id,
           TIMESTAMP '2024-01-01' + to_seconds(CAST(floor({_u("i", s + 2)} * {days * 86400}) AS BIGINT)),
           et, {plats}[1 + CAST(floor({_u("i", s + 4)} * {len(PLATFORMS)}) AS INT)],
           CASE WHEN et = 'purchase' THEN round(5 + 200 * {_u("i", s + 5)}, 2) END,
           NULL, {fmts}[1 + CAST(floor({_u("i", s + 6)} * {len(FORMATS)}) AS INT)],
           {camps}[1 + CAST(floor({_u("i", s + 7)} * 4) AS INT)],
           CASE WHEN et = 'comment' THEN {comments}[1 + CAST(floor({_u("i", s + 8)} * {len(COMMENTS)}) AS INT)] END
    FROM (SELECT i, {type_case} AS et FROM range({n_events}) t(i))
    """)


def build_dataset(path: Path, n_events: int, n_users: int, days: int, seed: int) -> str:
    """Write our own benchmark dataset (canonical schema) with campaigns and comment text."""
    con = duckdb.connect(str(path))
    con.execute(
        """CREATE TABLE events (user_id VARCHAR NOT NULL, timestamp TIMESTAMP NOT NULL,
        event_type VARCHAR NOT NULL, platform VARCHAR, amount DOUBLE, content_id VARCHAR,
        content_format VARCHAR, campaign VARCHAR, text VARCHAR)"""
    )
    write_events_sql(con, n_events, n_users, days, seed)
    rng = np.random.default_rng(seed + 1)
    users = pd.DataFrame(
        {
            "user_id": [f"u{i}" for i in range(n_users)],
            "region": REGIONS[rng.integers(0, len(REGIONS), n_users)].astype(object),
            "age": rng.integers(16, 70, n_users).astype("float64"),
        }
    )
    con.register("users_df", users)
    con.execute("CREATE TABLE users AS SELECT * FROM users_df")
    # stored as core.data.pipeline stores it: by user, with the derived Explore tables
    con.execute("CREATE TABLE events_sorted AS SELECT * FROM events ORDER BY user_id, timestamp")
    con.execute("DROP TABLE events")
    con.execute("ALTER TABLE events_sorted RENAME TO events")
    write_activity_tables(con)
    con.close()
    return "benchmarks/bench_explore.write_events_sql (seeded, in DuckDB)"


def bench_features_dataset(quick: bool, seed: int) -> tuple[Path, int, int] | None:
    """The dataset benchmarks/bench_features.py measures (same generator, same file)."""
    try:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        import bench_features  # type: ignore[import-not-found]
    except ImportError:
        return None
    ensure = getattr(bench_features, "ensure_data", None)
    if ensure is None:
        return None
    n_events, n_users = (200_000, 20_000) if quick else (10_000_000, 1_000_000)
    paths = ensure(n_events, n_users, seed)
    return Path(paths["db"]), n_events, n_users


def overview(engine, filters: ex.ExploreFilters, labels=None) -> None:
    """The page's default section: headline KPIs, DAU/WAU/MAU, active-hours heatmap."""
    ex.kpi_summary(engine, filters, labels)
    ex.activity(engine, filters, labels)
    ex.best_posting_windows(ex.active_hours(engine, filters, labels))


def first_render(engine, filters: ex.ExploreFilters) -> None:
    """What the page computes when it opens: filter bounds + the Overview section."""
    ex.data_bounds(engine)
    overview(engine, filters)


def timed(fn, *args, repeat: int = 1) -> float:
    """Best wall time of ``repeat`` calls."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500k events (CI)")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--own-data", action="store_true", help="generate events here (with campaigns, text)"
    )
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    shared = (
        None if (args.own_data or args.events) else bench_features_dataset(args.quick, args.seed)
    )
    if shared is not None:
        path, n_events, n_users = shared
        print(f"data: {n_events:,} events, {n_users:,} users from benchmarks/bench_features.py "
              f"({path.name}; no campaigns or comment text in that generator)")  # fmt: skip
    else:
        n_events = args.events or (500_000 if args.quick else 10_000_000)
        n_users = max(1000, n_events // 50)
        days = 90
        tmp = Path(tempfile.mkdtemp(prefix="personalab-bench-explore-"))
        path = tmp / "bench.duckdb"
        t0 = time.perf_counter()
        gen_name = build_dataset(path, n_events, n_users, days, args.seed)
        print(f"data: {n_events:,} events, {n_users:,} users, {days} days ({gen_name}), "
              f"written in {time.perf_counter() - t0:.1f} s")  # fmt: skip
    engine = dataset_engine(path)

    from core.segments import build_features

    t_features = timed(build_features, engine)
    print(f"baseline  feature table (build_features)      {t_features:7.2f} s")

    def line(kind: str, name: str, seconds: float, target: str = "") -> None:
        ratio = seconds / t_features if t_features > 0 else float("nan")
        print(f"{kind:<9} {name:<36} {seconds:7.2f} s   {ratio:5.2f}x features   {target}")

    everything = ex.ExploreFilters()
    line("explore", "first render (default section)", timed(first_render, engine, everything),
         "target < 5 s")  # fmt: skip
    bounds = ex.data_bounds(engine)
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        ids = raw.execute("SELECT DISTINCT user_id FROM events ORDER BY 1").df()["user_id"]
    labels = pd.Series(np.where(np.arange(len(ids)) % 3 == 0, "S1", "S2"), index=ids)
    labels_table(labels)  # converted once per page run, like the page's run labels
    changes = {
        "filter change (one platform)": (ex.ExploreFilters(platforms=bounds.platforms[:1]), None),
        "filter change (last 30 days)": (
            ex.ExploreFilters(start=bounds.date_max - dt.timedelta(days=29), end=bounds.date_max),
            None,
        ),
        "filter change (one segment)": (ex.ExploreFilters(segments=("S1",)), labels),
    }
    for name, (filters, labs) in changes.items():
        line("explore", name, timed(overview, engine, filters, labs, repeat=2), "target < 1 s")
    line("explore", "lifecycle mix (week)", timed(ex.lifecycle_mix, engine, everything),
         "target < 2 s")  # fmt: skip

    sections = {
        "KPIs by platform": lambda: ex.kpi_summary(engine, everything, by="platform"),
        "KPI trends (week)": lambda: ex.kpi_trends(engine, everything, grain="week"),
        "ladder by segment": lambda: ex.engagement_ladder(engine, everything, labels),
        "retention (week)": lambda: ex.retention_matrix(engine, everything, grain="week"),
        "region": lambda: ex.by_attribute(engine, "region", everything),
        "early warning": lambda: ex.early_warnings(ex.daily_signals(engine, everything)),
        "lifecycle (month)": lambda: ex.lifecycle_mix(engine, everything, grain="month"),
        "new vs returning (week)": lambda: ex.new_vs_returning(engine, everything),
    }
    for name, fn in sections.items():
        line("section", name, timed(fn))
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS)                              {peak:7.0f} MB")
    engine.dispose()


if __name__ == "__main__":
    main()
