"""Benchmark: the same queries on DuckDB, PostgreSQL and Spark (local), side by side.

Run: ``python benchmarks/bench_warehouse.py [--quick] [--engines duckdb,postgres,spark]``.
Full size: 1M events / 100k users and 10M events / 1M users (the events of
``benchmarks/bench_features.py``, seeded, cached under ``benchmarks/out/``); ``--quick``:
100k / 10k and 400k / 40k. For every size and engine, each in a fresh process:

- ``features``: ``build_features`` (one aggregate pass in the engine; one row per user
  comes back to Python), its time and the ratio to DuckDB's;
- ``summary``: Explore's headline numbers (``core.explore.engine_summary``: a few hundred
  aggregate rows come back), its time and ratio;
- ``assign``: fit on a seeded sample, then assign every user inside the engine, against
  pulling every user's features into pandas and calling ``predict`` (needs
  ``core.segments.assign_sql``, the assignment engineer's module; without it the row
  says so).

Memory: the peak resident memory of the Python worker (``VmHWM``), and the same after
its imports; for Spark also the JVM's peak (the JVM is a child of the worker, read
before the session stops). The Python peak of ``summary`` and in-engine ``assign`` should stay
flat from 1M to 10M events (only aggregates and the sample come back); ``features``
grows with users by design (it returns one row per user).

Every engine's feature table is compared with DuckDB's, column by column (floats to
1e-9 relative); the run fails if they disagree. PostgreSQL comes from
``PERSONALAB_TEST_PG_URL`` (``scripts/test.sh`` starts one); without it the PostgreSQL
rows say so. Spark needs pyspark and Java 17.

The machine is shared: the figures of one run are comparable with each other (same
load), not with another day's.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out"

FULL_SIZES = ((1_000_000, 100_000), (10_000_000, 1_000_000))
QUICK_SIZES = ((100_000, 10_000), (400_000, 40_000))
ENGINES = ("duckdb", "postgres", "spark")
SAMPLE_USERS = 20_000
PG_ENV = "PERSONALAB_TEST_PG_URL"


# --------------------------------------------------------------------------- engines


def _pg_schema(n_events: int, n_users: int) -> str:
    return f"bench_wh_{n_events}_{n_users}"


def load_postgres(url: str, paths: dict[str, Path], schema: str) -> None:
    """Copy the Parquet events and users into a PostgreSQL schema once (COPY, CSV)."""
    import duckdb
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        done = conn.exec_driver_sql(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %(s)s "
            "AND table_name IN ('events', 'users')",
            {"s": schema},
        ).scalar()
    if done == 2:
        engine.dispose()
        return
    t = time.perf_counter()
    csv_ev = OUT / f"{schema}_events.csv"
    csv_us = OUT / f"{schema}_users.csv"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT user_id, timestamp, event_type, platform, amount, content_id, "
        f"content_format FROM read_parquet('{paths['events']}')) TO '{csv_ev}' (HEADER false)"
    )
    con.execute(
        f"COPY (SELECT * FROM read_parquet('{paths['users']}')) TO '{csv_us}' (HEADER false)"
    )
    con.close()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE; CREATE SCHEMA "{schema}"')
        cur.execute(
            f'CREATE TABLE "{schema}".events (user_id TEXT, "timestamp" TIMESTAMP, '
            "event_type TEXT, platform TEXT, amount DOUBLE PRECISION, content_id TEXT, "
            "content_format TEXT)"
        )
        cur.execute(
            f'CREATE TABLE "{schema}".users (user_id TEXT, age DOUBLE PRECISION, gender TEXT, '
            "region TEXT, followers DOUBLE PRECISION, signup_date DATE)"
        )
        for table, path in (("events", csv_ev), ("users", csv_us)):
            with open(path, encoding="utf-8") as fh:
                cur.copy_expert(f'COPY "{schema}".{table} FROM STDIN (FORMAT csv)', fh)
        cur.execute(f'ANALYZE "{schema}".events')
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
        csv_ev.unlink(missing_ok=True)
        csv_us.unlink(missing_ok=True)
    print(f"  loaded {schema} into PostgreSQL in {time.perf_counter() - t:.1f} s", flush=True)


def open_engine(engine_name: str, paths: dict[str, Path], pg_url: str | None, schema: str):
    """(SQLAlchemy engine, events name, users name) for one engine."""
    from core.data import connect, dataset_engine

    if engine_name == "duckdb":
        return dataset_engine(paths["db"]), "events", "users"
    if engine_name == "postgres":
        import sqlalchemy as sa

        url = sa.make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
        return connect(url), "events", "users"
    cores = os.cpu_count() or 2
    url = (
        f"spark://local?master=local[{cores}]"
        f"&parquet.events={paths['events']}&parquet.users={paths['users']}"
        f"&conf.spark.sql.shuffle.partitions={2 * cores}"
        "&conf.spark.driver.memory=3g"
    )
    return connect(url), "events", "users"


# --------------------------------------------------------------------------- tasks


def task_features(engine, events: str, users: str, out: Path) -> dict:
    from core.segments.features import build_features

    t = time.perf_counter()
    frame = build_features(engine, events=events, users=users)
    seconds = time.perf_counter() - t
    frame.to_parquet(out, index=False)
    return {"seconds": seconds, "rows": len(frame), "columns": frame.shape[1]}


def task_summary(engine, events: str, users: str, out: Path) -> dict:
    from core.explore import engine_summary

    t = time.perf_counter()
    s = engine_summary(engine, events)
    seconds = time.perf_counter() - t
    out.write_text(json.dumps({k: str(v) for k, v in s.totals.items()}), "utf-8")
    return {"seconds": seconds, "rows": int(s.totals["users"]), "columns": len(s.totals)}


def task_assign(engine, events: str, users: str, out: Path) -> dict:
    """Fit on a sample, assign everyone in the engine; then the pandas route to compare.

    ASSIGNMENT HOOK: needs ``core.segments.assign_sql`` and ``core.segments.sample_fit``
    (the assignment part of the same issue). Until they are merged this reports that.
    """
    try:
        from core.segments import assign_sql
        from core.segments.sample_fit import fit_definition, sample_features
    except ImportError:
        return {"skipped": "core.segments.assign_sql is not merged yet"}
    import sqlalchemy as sa

    from core.segments import SegmentParams
    from core.segments.features import build_features

    params = SegmentParams(method="kmeans", k=6, seed=0)
    t = time.perf_counter()
    sample, info = sample_features(engine, events=events, users=users, size=SAMPLE_USERS)
    definition, _result = fit_definition(sample, params, sample=info)
    fit_seconds = time.perf_counter() - t
    t = time.perf_counter()
    source = assign_sql.feature_source(engine, events=events, users=users, as_of=info["as_of"])
    labels = assign_sql.assignment_select(source, definition).subquery("labels")
    counts = sa.select(labels.c.segment, sa.func.count().label("n")).group_by(labels.c.segment)
    with engine.connect() as conn:
        assign_sql.without_jit(conn)
        sizes = {r[0]: int(r[1]) for r in conn.execute(counts)}
    in_engine = time.perf_counter() - t
    peak_in_engine = _peak_rss_mb()
    # The route without the engine: every user's features pulled into pandas, then the
    # definition applied in Python with scikit-learn's predict.
    from benchmarks.bench_assign import predict_frame

    t = time.perf_counter()
    frame = build_features(engine, events=events, users=users, as_of=info["as_of"])
    predict_frame(frame, definition, sklearn=True)
    pandas_seconds = time.perf_counter() - t
    peak_pandas = _peak_rss_mb()
    out.write_text(json.dumps(sizes), "utf-8")
    return {
        "seconds": in_engine,
        "fit_seconds": fit_seconds,
        "sample_users": int(info["users"]),
        "rows": sum(sizes.values()),
        "python_peak_in_engine_mb": peak_in_engine,
        "pandas_seconds": pandas_seconds,
        "python_peak_pandas_mb": peak_pandas,
    }


TASKS = {"features": task_features, "summary": task_summary, "assign": task_assign}


def _vm_hwm_mb(pid: int | str = "self") -> float | None:
    """Peak resident memory of a process (``VmHWM``), in MB; None when unreadable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _peak_rss_mb() -> float:
    """This process's peak RSS. ``VmHWM`` rather than ``getrusage``: on Linux the
    latter's maximum is inherited from the parent across fork + exec, so every worker
    would report the parent's peak (data generation) instead of its own."""
    hwm = _vm_hwm_mb()
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _jvm_peak_mb() -> float | None:
    """Peak RSS of the Spark JVM this process started, read before it stops."""
    try:
        from pyspark import SparkContext

        proc = getattr(SparkContext._gateway, "proc", None)
    except Exception:
        return None
    return None if proc is None else _vm_hwm_mb(proc.pid)


def worker(engine_name: str, task: str, n_events: int, n_users: int, seed: int) -> None:
    """One measurement in this fresh process; prints one JSON line."""
    from benchmarks.bench_features import ensure_data

    paths = ensure_data(n_events, n_users, seed)
    schema = _pg_schema(n_events, n_users)
    base = _peak_rss_mb()
    engine, events, users = open_engine(engine_name, paths, os.environ.get(PG_ENV), schema)
    try:
        out = OUT / f"wh_{engine_name}_{task}_{n_events}.out"
        result = TASKS[task](engine, events, users, out)
    finally:
        engine.dispose()
    result["python_peak_mb"] = _peak_rss_mb()
    result["python_base_mb"] = base
    if engine_name == "spark":
        from core.data.spark_dbapi import stop_session

        result["jvm_peak_mb"] = _jvm_peak_mb()
        stop_session()
    print("RESULT " + json.dumps(result), flush=True)


def measure(engine_name: str, task: str, n_events: int, n_users: int, seed: int) -> dict:
    """Run one worker process and parse its result line."""
    cmd = [sys.executable, __file__, "--worker", engine_name, task, str(n_events), str(n_users)]
    cmd += ["--seed", str(seed)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {"error": " | ".join(tail)}


def compare_features(engines: list[str], n_events: int) -> str:
    """Every engine's feature table against DuckDB's; a line saying they agree (or raise)."""
    import pandas as pd

    ref = pd.read_parquet(OUT / f"wh_duckdb_features_{n_events}.out")
    agreed = []
    for name in engines:
        path = OUT / f"wh_{name}_features_{n_events}.out"
        if name == "duckdb" or not path.exists():
            continue
        other = pd.read_parquet(path)
        pd.testing.assert_frame_equal(other, ref, check_exact=False, rtol=1e-9, atol=1e-12)
        agreed.append(name)
    if not agreed:
        return "no other engine to compare"
    cols = ref.shape[1]
    return f"{', '.join(agreed)}: identical to DuckDB in all {cols} columns, {len(ref):,} users"


def _fmt(result: dict, base: dict | None) -> str:
    if "error" in result:
        return f"ERROR {result['error'][:150]}"
    if "skipped" in result:
        return f"skipped: {result['skipped']}"
    ratio = ""
    if base and "seconds" in base and base.get("seconds"):
        ratio = f"  x{result['seconds'] / base['seconds']:5.1f} DuckDB"
    jvm = f"  JVM peak {result['jvm_peak_mb']:6.0f} MB" if result.get("jvm_peak_mb") else ""
    extra = ""
    if result.get("pandas_seconds") is not None:
        extra = (
            f"  (fit on {result['sample_users']:,}-user sample {result['fit_seconds']:.1f} s; "
            f"pull into pandas + predict {result['pandas_seconds']:.1f} s; Python peak "
            f"in-engine {result['python_peak_in_engine_mb']:.0f} MB, after pulling "
            f"{result['python_peak_pandas_mb']:.0f} MB)"
        )
    return (
        f"{result['seconds']:8.1f} s{ratio}  Python peak {result['python_peak_mb']:6.0f} MB "
        f"(after imports {result['python_base_mb']:.0f}){jvm}{extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI, development)")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--worker", nargs=4, metavar=("ENGINE", "TASK", "EVENTS", "USERS"))
    args = parser.parse_args()
    if args.worker:
        name, task, n_ev, n_us = args.worker
        worker(name, task, int(n_ev), int(n_us), args.seed)
        return
    from benchmarks.bench_features import ensure_data

    engines = [e for e in args.engines.split(",") if e]
    tasks = [t for t in args.tasks.split(",") if t]
    pg_url = os.environ.get(PG_ENV)
    if "postgres" in engines and not pg_url:
        print(f"PostgreSQL left out: {PG_ENV} is not set (bash scripts/test.sh starts one)")
        engines.remove("postgres")
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    print(f"bench_warehouse: engines {', '.join(engines)}; {os.cpu_count()} cores (shared)")
    for n_events, n_users in sizes:
        paths = ensure_data(n_events, n_users, args.seed)
        if "postgres" in engines:
            load_postgres(pg_url, paths, _pg_schema(n_events, n_users))
        print(f"\n{n_events:,} events / {n_users:,} users", flush=True)
        for task in tasks:
            base = None
            for name in engines:
                result = measure(name, task, n_events, n_users, args.seed)
                if name == "duckdb":
                    base = result
                print(f"  {task:<9} {name:<9} {_fmt(result, base)}", flush=True)
        if "features" in tasks and "duckdb" in engines:
            print("  values:  " + compare_features(engines, n_events), flush=True)


if __name__ == "__main__":
    main()
