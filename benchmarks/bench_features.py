"""Benchmark: the per-user feature table from 10M events / 1M users.

Run: ``python benchmarks/bench_features.py [--quick]`` (``--quick``: 200k events / 20k
users, for CI). Prints, measured in the same run and each in a fresh process:

- ``build_features`` (SQLAlchemy Core, on the DuckDB dataset; what the app runs), on
  events clustered by user as core.data.pipeline stores them, and again on the same events in
  the file's time order;
- (a) the same aggregates as ONE hand-written DuckDB SQL query on the same dataset, with
  the platform / format / event-type lists typed in (the practical limit);
- (b) a straightforward pandas groupby implementation reading the Parquet file.

Peak memory: the peak RSS of each worker process (``resource.getrusage``), plus the
pandas run's Python-heap peak from ``tracemalloc`` in a separate, untimed run. Targets
(issue 2): build_features within 1.5x of (a), at least 4x faster than (b). All three
outputs are compared column by column; the run fails if they disagree.

Data (seeded, vectorised numpy + pyarrow) is cached under ``benchmarks/out/``: the events
and users Parquet files and the DuckDB dataset loaded from them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out"

from core.data import CANONICAL_PLATFORMS  # noqa: E402  (after the path insert)

EVENT_TYPES = {
    "view": 0.55,
    "click": 0.12,
    "like": 0.12,
    "comment": 0.04,
    "share": 0.03,
    "save": 0.03,
    "follow": 0.02,
    "message": 0.01,
    "register": 0.01,
    "purchase": 0.05,
    "add_to_cart": 0.02,
}
PLATFORMS = list(CANONICAL_PLATFORMS)
FORMATS = ["text_image", "video", "live", "article", "audio"]
REGIONS = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "西安", "南京", "重庆"]
START = np.datetime64("2025-01-01T00:00:00", "s")
DAYS = 180


# --------------------------------------------------------------------------- data


def generate(n_events: int, n_users: int, seed: int, events_path: Path, users_path: Path):
    """Write seeded synthetic canonical events and users as Parquet (vectorised)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    names = pa.array([f"u{i:07d}" for i in range(n_users)])
    # every user has one event; the rest go to users with skewed (lognormal) activity
    weights = rng.lognormal(0.0, 1.2, n_users)
    rest = rng.choice(n_users, size=n_events - n_users, p=weights / weights.sum())
    uid = np.concatenate([rng.permutation(n_users), rest])
    hour_p = np.array([1, 1, 1, 1, 1, 2, 3, 5, 7, 7, 6, 7, 9, 8, 6, 6, 6, 7, 9, 11, 12, 11, 8, 4.0])
    seconds = (
        rng.integers(0, DAYS, n_events) * 86400
        + rng.choice(24, n_events, p=hour_p / hour_p.sum()) * 3600
        + rng.integers(0, 3600, n_events)
    )
    ts = START + seconds.astype("timedelta64[s]")
    order = np.argsort(ts, kind="stable")  # exports are time-ordered
    types = np.array(list(EVENT_TYPES))
    etype = types[rng.choice(len(types), n_events, p=list(EVENT_TYPES.values()))]
    plat = np.array(PLATFORMS + [None], dtype=object)[
        rng.choice(
            len(PLATFORMS) + 1, n_events, p=[0.95 / len(PLATFORMS)] * len(PLATFORMS) + [0.05]
        )
    ]
    fmt = np.array(FORMATS + [None], dtype=object)[
        rng.choice(len(FORMATS) + 1, n_events, p=[0.18] * len(FORMATS) + [0.10])
    ]
    amount = np.where(etype == "purchase", np.round(rng.lognormal(4.0, 0.8, n_events), 2), np.nan)
    amount[(etype == "purchase") & (rng.random(n_events) < 0.02)] = np.nan
    content = pa.array([f"c{i:05d}" for i in range(50_000)]).take(
        pa.array(rng.integers(0, 50_000, n_events)[order])
    )
    events = pa.table(
        {
            "user_id": names.take(pa.array(uid[order])),
            "timestamp": pa.array(ts[order].astype("datetime64[us]")),
            "event_type": pa.array(etype[order]),
            "platform": pa.array(plat[order], type=pa.string()),
            "amount": pa.array(amount[order], from_pandas=True),
            "content_id": content,
            "content_format": pa.array(fmt[order], type=pa.string()),
        }
    )
    pq.write_table(events, events_path, row_group_size=1 << 20)
    age = rng.integers(16, 70, n_users).astype(float)
    age[rng.random(n_users) < 0.05] = np.nan
    users = pa.table(
        {
            "user_id": names,
            "age": pa.array(age, from_pandas=True),
            "gender": pa.array(
                np.array(["f", "m", None], dtype=object)[rng.integers(0, 3, n_users)],
                type=pa.string(),
            ),
            "region": pa.array(np.array(REGIONS)[rng.integers(0, len(REGIONS), n_users)]),
            "followers": pa.array(np.floor(rng.lognormal(4, 2, n_users))),
            "signup_date": pa.array(
                (
                    np.datetime64("2023-01-01")
                    + rng.integers(0, 730, n_users).astype("timedelta64[D]")
                ).astype("datetime64[D]")
            ),
        }
    )
    pq.write_table(users, users_path)


def load_dataset(events_path: Path, users_path: Path, db_path: Path, clustered: bool) -> None:
    """Load the Parquet files into a canonical DuckDB dataset (docs/architecture.md).

    ``clustered``: events stored ordered by (user_id, timestamp) with the derived tables,
    as core.data.pipeline writes them (core.data.write_activity_tables); otherwise in the
    file's (time) order, to show what the clustering is worth.
    """
    import duckdb

    tmp = db_path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    con.execute(
        f"""CREATE TABLE events AS SELECT
            CAST(user_id AS VARCHAR) AS user_id, CAST("timestamp" AS TIMESTAMP) AS "timestamp",
            event_type, platform, CAST(amount AS DOUBLE) AS amount, content_id, content_format,
            CAST(NULL AS VARCHAR) AS campaign, CAST(NULL AS VARCHAR) AS text
        FROM read_parquet('{events_path}')
        {"ORDER BY user_id, timestamp" if clustered else ""}"""
    )
    con.execute(f"CREATE TABLE users AS SELECT * FROM read_parquet('{users_path}')")
    if clustered:
        from core.data import write_activity_tables

        write_activity_tables(con)
    con.close()
    tmp.rename(db_path)


def ensure_data(n_events: int, n_users: int, seed: int) -> dict[str, Path]:
    """Generate and load once; reuse the cached files afterwards."""
    OUT.mkdir(parents=True, exist_ok=True)
    stem = f"features_{n_events}_{n_users}_{seed}"
    paths = {
        "events": OUT / f"{stem}_events.parquet",
        "users": OUT / f"{stem}_users.parquet",
        "db": OUT / f"{stem}_ingested.duckdb",
        "db_file_order": OUT / f"{stem}.duckdb",
    }
    if not (paths["events"].exists() and paths["users"].exists()):
        t = time.perf_counter()
        generate(n_events, n_users, seed, paths["events"], paths["users"])
        print(
            f"generated {n_events:,} events / {n_users:,} users in {time.perf_counter() - t:.1f} s"
        )
        paths["db"].unlink(missing_ok=True)
        paths["db_file_order"].unlink(missing_ok=True)
    for key, clustered in (("db", True), ("db_file_order", False)):
        if not paths[key].exists():
            t = time.perf_counter()
            load_dataset(paths["events"], paths["users"], paths[key], clustered)
            print(f"loaded {paths[key].name} in {time.perf_counter() - t:.1f} s")
    return paths


# --------------------------------------------------------------------------- methods


def run_build_features(paths: dict[str, Path]):
    """What the app runs: SQLAlchemy Core on the dataset engine."""
    from core.data import dataset_engine
    from core.segments.features import build_features

    return build_features(dataset_engine(paths["db"]))


def hand_written_sql(platforms, formats, types) -> str:
    """The same aggregates as one DuckDB query, typed in by an analyst who knows the values."""
    type_counts = ",\n".join(f"count(*) FILTER (WHERE event_type = '{t}') AS n_{t}" for t in types)
    plat_counts = ",\n".join(
        f"count(*) FILTER (WHERE platform = '{p}') AS p_{p}" for p in platforms
    )
    fmt_counts = ",\n".join(
        f"count(*) FILTER (WHERE content_format = '{f}') AS f_{f}" for f in formats
    )
    plat_cols = ", ".join(f"coalesce(p_{p}, 0)" for p in platforms)
    top = " ".join(
        f"WHEN p_{p} > 0 AND p_{p} = greatest({plat_cols}) THEN '{p}'" for p in platforms
    )
    plat_shares = ",\n".join(f"p_{p} / n_events AS platform_share_{p}" for p in platforms)
    fmt_shares = ",\n".join(f"f_{f} / n_events AS format_share_{f}" for f in formats)
    type_out = ",\n".join(f"coalesce(n_{t}, 0) AS n_{t}" for t in types)
    n_platforms = " + ".join(f"(coalesce(p_{p}, 0) > 0)::INT" for p in platforms)
    return f"""
WITH mx AS (SELECT max("timestamp")::DATE AS as_of FROM events),
agg AS (
  SELECT user_id, count(*) AS n_events,
    {type_counts},
    sum(amount) FILTER (WHERE event_type = 'purchase') AS monetary,
    count(DISTINCT "timestamp"::DATE) AS active_days,
    count(DISTINCT "timestamp"::DATE) FILTER (WHERE event_type = 'purchase') AS purchase_days,
    min("timestamp")::DATE AS first_day, max("timestamp")::DATE AS last_day,
    count(*) FILTER (WHERE hour("timestamp") < 6) AS h_night,
    count(*) FILTER (WHERE hour("timestamp") BETWEEN 6 AND 11) AS h_morning,
    count(*) FILTER (WHERE hour("timestamp") BETWEEN 12 AND 17) AS h_afternoon,
    count(*) FILTER (WHERE hour("timestamp") >= 18) AS h_evening,
    count(*) FILTER (WHERE dayofweek("timestamp") IN (0, 6)) AS weekend,
    {plat_counts},
    {fmt_counts}
  FROM events GROUP BY user_id
)
SELECT coalesce(agg.user_id, u.user_id) AS user_id, coalesce(n_events, 0) AS n_events,
  {type_out},
  (mx.as_of - last_day)::DOUBLE AS recency_days,
  coalesce(n_purchase, 0) AS frequency,
  coalesce(monetary, 0)::DOUBLE AS monetary,
  CASE WHEN n_purchase > 0 THEN coalesce(monetary, 0) / n_purchase END AS avg_order_value,
  coalesce(active_days, 0) AS active_days,
  (mx.as_of - first_day)::DOUBLE AS tenure_days,
  CASE WHEN n_view > 0 THEN (n_like + n_comment + n_share + n_save) / n_view END AS engagement_rate,
  CASE WHEN n_view > 0 THEN n_click / n_view END AS click_rate,
  CASE WHEN n_view > 0 THEN n_purchase / n_view END AS purchase_rate,
  h_night / n_events AS hour_share_night, h_morning / n_events AS hour_share_morning,
  h_afternoon / n_events AS hour_share_afternoon, h_evening / n_events AS hour_share_evening,
  weekend / n_events AS weekend_share,
  {n_platforms} AS n_platforms,
  CASE {top} END AS top_platform,
  {plat_shares},
  {fmt_shares},
  CASE
    WHEN coalesce(n_events, 0) = coalesce(n_view, 0) + coalesce(n_click, 0) THEN 'prospect'
    WHEN mx.as_of - last_day >= 90 THEN 'churned'
    WHEN mx.as_of - last_day >= 30 THEN 'dormant'
    WHEN mx.as_of - first_day < 30 THEN 'new'
    WHEN purchase_days >= 2 THEN 'loyal'
    ELSE 'active' END AS lifecycle_stage,
  u.age, u.gender, u.region, u.followers, u.signup_date
FROM agg FULL OUTER JOIN users u ON agg.user_id = u.user_id CROSS JOIN mx
ORDER BY 1
"""


def run_hand_sql(paths: dict[str, Path]):
    """(a) one hand-written DuckDB query, fetched column-wise into pandas."""
    import duckdb

    types = [t for t in EVENT_TYPES if t != "add_to_cart"] + ["add_to_cart"]
    con = duckdb.connect(str(paths["db"]), read_only=True)
    try:
        return con.execute(hand_written_sql(sorted(PLATFORMS), sorted(FORMATS), types)).df()
    finally:
        con.close()


def run_pandas(paths: dict[str, Path], timings: dict):
    """(b) straightforward pandas: read Parquet, groupby/unstack, merge users."""
    import pandas as pd

    t = time.perf_counter()
    cols = ["user_id", "timestamp", "event_type", "platform", "amount", "content_format"]
    ev = pd.read_parquet(paths["events"], columns=cols)
    users = pd.read_parquet(paths["users"])
    timings["read"] = time.perf_counter() - t

    as_of = ev["timestamp"].max().normalize()
    ev["day"] = ev["timestamp"].dt.normalize()
    hour = ev["timestamp"].dt.hour
    ev["slot"] = pd.cut(
        hour, [-1, 5, 11, 17, 23], labels=["night", "morning", "afternoon", "evening"]
    )
    ev["weekend"] = ev["timestamp"].dt.day_of_week >= 5
    g = ev.groupby("user_id")
    out = pd.DataFrame({"n_events": g.size()})
    types = ev.groupby(["user_id", "event_type"]).size().unstack(fill_value=0)
    for t in [t for t in EVENT_TYPES if t != "add_to_cart"] + ["add_to_cart"]:
        out[f"n_{t}"] = types.get(t, 0)
    first, last = g["day"].min(), g["day"].max()
    out["recency_days"] = (as_of - last).dt.days.astype(float)
    buys = ev[ev["event_type"] == "purchase"]
    out["frequency"] = out["n_purchase"]
    out["monetary"] = buys.groupby("user_id")["amount"].sum().reindex(out.index, fill_value=0.0)
    out["avg_order_value"] = (out["monetary"] / out["frequency"]).where(out["frequency"] > 0)
    out["active_days"] = g["day"].nunique()
    out["tenure_days"] = (as_of - first).dt.days.astype(float)
    views = out["n_view"].where(out["n_view"] > 0)
    out["engagement_rate"] = (
        out["n_like"] + out["n_comment"] + out["n_share"] + out["n_save"]
    ) / views
    out["click_rate"] = out["n_click"] / views
    out["purchase_rate"] = out["n_purchase"] / views
    slots = ev.groupby(["user_id", "slot"], observed=False).size().unstack(fill_value=0)
    for s in ["night", "morning", "afternoon", "evening"]:
        out[f"hour_share_{s}"] = slots[s] / out["n_events"]
    out["weekend_share"] = g["weekend"].mean()
    plats = (
        ev.groupby(["user_id", "platform"])
        .size()
        .unstack(fill_value=0)
        .reindex(out.index, fill_value=0)
    )
    out["n_platforms"] = (plats > 0).sum(axis=1)
    top = plats[sorted(plats.columns)].idxmax(axis=1)
    out["top_platform"] = top.where(plats.max(axis=1) > 0)
    for p in sorted(plats.columns):
        out[f"platform_share_{p}"] = plats[p] / out["n_events"]
    fmts = (
        ev.groupby(["user_id", "content_format"])
        .size()
        .unstack(fill_value=0)
        .reindex(out.index, fill_value=0)
    )
    for f in sorted(fmts.columns):
        out[f"format_share_{f}"] = fmts[f] / out["n_events"]
    purchase_days = buys.groupby("user_id")["day"].nunique().reindex(out.index, fill_value=0)
    rec, ten = out["recency_days"], out["tenure_days"]
    out["lifecycle_stage"] = np.select(
        [
            out["n_events"] == out["n_view"] + out["n_click"],
            rec >= 90,
            rec >= 30,
            ten < 30,
            purchase_days >= 2,
        ],
        ["prospect", "churned", "dormant", "new", "loyal"],
        "active",
    )
    out = out.reset_index().merge(users, on="user_id", how="outer")
    counts = [c for c in out.columns if c.startswith("n_") or c in ("frequency", "active_days")]
    out[counts] = out[counts].fillna(0).astype("int64")
    out["monetary"] = out["monetary"].fillna(0.0)
    out["lifecycle_stage"] = out["lifecycle_stage"].fillna("prospect")
    return out.sort_values("user_id", ignore_index=True)


# --------------------------------------------------------------------------- workers


def _peak_rss_mb() -> float:
    """This process's peak RSS: VmHWM (reset at exec), else getrusage's ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(
    method: str, paths: dict[str, Path], trace: bool, check: Path | None, repeat: int
) -> dict:
    """Run one method ``repeat`` times in this process; report the best time and peak memory."""
    import tracemalloc

    import duckdb  # noqa: F401  imports are not part of any method's time
    import pandas as pd  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    import core.segments.features  # noqa: F401

    base_rss = _peak_rss_mb()
    if trace:
        tracemalloc.start()
    best = None
    for _ in range(repeat):
        timings: dict = {}
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        t = time.perf_counter()
        if method == "build_features":
            frame = run_build_features(paths)
        elif method == "hand_sql":
            frame = run_hand_sql(paths)
        else:
            frame = run_pandas(paths, timings)
        seconds = time.perf_counter() - t
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
        if best is None or seconds < best[0]:
            best = (seconds, timings.get("read", 0.0), cpu)
    result = {
        "method": method,
        "seconds": best[0],
        "read_seconds": best[1],
        "cpu_seconds": best[2],
        "rows": len(frame),
        "columns": frame.shape[1],
        "peak_rss_mb": _peak_rss_mb(),
        "import_rss_mb": base_rss,
    }
    if trace:
        result["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    if check is not None:
        frame.to_parquet(check)
    return result


def spawn(
    method: str,
    paths: dict[str, Path],
    *,
    repeat: int = 1,
    trace: bool = False,
    check: Path | None = None,
) -> dict:
    """Run ``method`` in a fresh Python process so its peak RSS is its own."""
    cmd = [sys.executable, __file__, "--worker", method, "--db", str(paths["db"])]
    cmd += ["--repeat", str(repeat)]
    cmd += ["--events-file", str(paths["events"]), "--users-file", str(paths["users"])]
    if trace:
        cmd.append("--trace")
    if check is not None:
        cmd += ["--check", str(check)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{method} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _normalised(s):
    """One comparable form per column kind: float, datetime64[us] or object with None."""
    import pandas as pd

    if s.dtype.kind in "fiub":
        return s.astype("float64")
    if s.dtype.kind == "M" or s.name == "signup_date":
        return pd.to_datetime(s).astype("datetime64[us]")
    return s.astype(object).where(s.notna(), None)


def compare(paths: list[Path]) -> str:
    """Check that the three outputs agree on every column."""
    import pandas as pd

    frames = [pd.read_parquet(p) for p in paths]
    ref = frames[0]
    for other, name in zip(frames[1:], ("hand-written SQL", "pandas"), strict=True):
        if list(other.columns) != list(ref.columns) or len(other) != len(ref):
            return f"NO: columns or rows differ from {name}"
        for col in ref.columns:
            try:
                pd.testing.assert_series_equal(
                    _normalised(ref[col]), _normalised(other[col]), check_exact=False, rtol=1e-9
                )
            except AssertionError:
                return f"NO: column {col} differs from {name}"
    return "yes: same rows, columns and values in all three"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200k events / 20k users (CI)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=None, help="runs per method (best kept)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--events-file", help=argparse.SUPPRESS)
    parser.add_argument("--users-file", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--check", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        paths = {
            "db": Path(args.db),
            "events": Path(args.events_file),
            "users": Path(args.users_file),
        }
        check = Path(args.check) if args.check else None
        print(json.dumps(worker(args.worker, paths, args.trace, check, args.repeat or 1)))
        return 0

    n_events, n_users = (200_000, 20_000) if args.quick else (10_000_000, 1_000_000)
    repeat = args.repeat or 2
    paths = ensure_data(n_events, n_users, args.seed)
    load0 = os.getloadavg()[0]
    checks = [OUT / f"check_{m}.parquet" for m in ("build_features", "hand_sql", "pandas")]
    best = {
        method: spawn(method, paths, repeat=repeat, check=check)
        for method, check in zip(("build_features", "hand_sql", "pandas"), checks, strict=True)
    }
    file_order = spawn("build_features", {**paths, "db": paths["db_file_order"]}, repeat=repeat)
    traced = spawn("pandas", paths, trace=True)
    agree = compare(checks)
    for c in checks:
        c.unlink(missing_ok=True)

    bf, sql, pdx = best["build_features"], best["hand_sql"], best["pandas"]
    pandas_compute = pdx["seconds"] - pdx["read_seconds"]
    print()
    print(
        f"Feature table: {n_events:,} events / {n_users:,} users -> {bf['rows']:,} rows x "
        f"{bf['columns']} columns; {os.cpu_count()} CPU cores; best of {repeat} runs, each method in a fresh process"
    )
    print(f"load average during the run: {load0:.1f} -> {os.getloadavg()[0]:.1f}")
    header = f"{'method':<44}{'wall s':>8}{'vs build_features':>19}{'CPU s':>8}{'peak RSS MB':>13}"
    print(header)
    lines = [
        ("build_features (SQLAlchemy Core on DuckDB)", bf["seconds"], bf, bf["cpu_seconds"]),
        (
            "build_features, events in file (time) order",
            file_order["seconds"],
            file_order,
            file_order["cpu_seconds"],
        ),
        ("(a) one hand-written DuckDB SQL query", sql["seconds"], sql, sql["cpu_seconds"]),
        ("(b) pandas groupby, compute only", pandas_compute, pdx, None),
        ("(b) pandas groupby, incl. Parquet read", pdx["seconds"], pdx, pdx["cpu_seconds"]),
    ]
    for name, sec, r, cpu in lines:
        cpu_text = f"{cpu:>8.1f}" if cpu is not None else f"{'':>8}"
        print(
            f"{name:<44}{sec:>8.2f}{sec / bf['seconds']:>18.2f}x{cpu_text}{r['peak_rss_mb']:>13,.0f}"
        )
    print(
        "The datasets store events clustered by (user_id, timestamp), as core.data.pipeline writes "
        "them; the second line runs build_features on the same events in file order."
    )
    print(
        f"peak RSS includes the interpreter and imports (~{bf['import_rss_mb']:.0f} MB); "
        f"pandas Python-heap peak (tracemalloc, separate run): {traced['tracemalloc_peak_mb']:,.0f} MB"
    )
    ratio_sql = bf["seconds"] / sql["seconds"]
    ratio_pd = pandas_compute / bf["seconds"]
    ok_sql, ok_pd = ratio_sql <= 1.5, ratio_pd >= 4.0
    print(
        f"target: build_features <= 1.5x hand-written SQL -> {ratio_sql:.2f}x "
        f"{'PASS' if ok_sql else 'MISS'}; pandas (compute only) >= 4x slower -> "
        f"{ratio_pd:.1f}x {'PASS' if ok_pd else 'MISS'}"
        + (
            "  (--quick: fixed per-call costs dominate; targets apply to the full run)"
            if args.quick
            else ""
        )
    )
    print(f"outputs agree: {agree}")
    return 0 if agree.startswith("yes") else 1


if __name__ == "__main__":
    sys.exit(main())
