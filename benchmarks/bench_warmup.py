"""Benchmark: numba warm-up and the first map of a fresh process, with and without the disk cache.

Usage: ``python benchmarks/bench_warmup.py [--quick]``

Each figure is measured in a new Python process (a server start), which runs either
``core.segments.projection.warm_up()`` or the first ``project(...)`` map of 2,000 synthetic
users, and reports its time. Three situations, side by side:

- previous behaviour: no cache folder of ours; pynndescent keeps its compiled code in
  its own ``__pycache__`` when the install is writable, umap-learn compiles every time;
- now, first process: an empty ``NUMBA_CACHE_DIR`` (a new machine or data folder);
- now, later process: the same folder, filled by the first process.

A last column times the same map again in the same process, compiled: the floor.
``--quick`` measures the maps only (about a minute and a half on 2 busy cores); the full
run adds warm-up, which takes a minute or more per process without a filled cache.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def child(task: str, features_path: str, previous: bool) -> None:
    """Run one task in this fresh process and print its timings as JSON."""
    t0 = time.perf_counter()
    if previous:  # the code before the disk cache: no folder of ours, umap not cached
        from core.segments import numba_cache as _numba_cache

        _numba_cache.configure = lambda: None
        _numba_cache.cache_umap_kernels = lambda: None
    import pandas as pd

    from core.segments import projection

    features = pd.read_parquet(features_path)
    t1 = time.perf_counter()
    if task == "warm_up":
        projection.warm_up()
    else:
        projection.project(features, projection.MapParams())
    t2 = time.perf_counter()
    again = None
    if task == "map":  # the same map once more, compiled: what a map costs without JIT
        projection.clear_graph_cache()
        projection.project(features, projection.MapParams())
        again = time.perf_counter() - t2
    print(json.dumps({"import": t1 - t0, "task": t2 - t1, "again": again}))


def run_child(task: str, features_path: Path, cache: Path | None) -> dict:
    """Time ``task`` in a new process; ``cache`` None means the previous behaviour."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    argv = [sys.executable, __file__, "--child", task, "--features", str(features_path)]
    if cache is None:
        argv.append("--previous")
    else:
        env["NUMBA_CACHE_DIR"] = str(cache)
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="maps only, no warm-up")
    parser.add_argument("--child", choices=["warm_up", "map"], help=argparse.SUPPRESS)
    parser.add_argument("--features", help=argparse.SUPPRESS)
    parser.add_argument("--previous", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.features, args.previous)
        return

    from benchmarks._common import synthetic_features

    work = Path(tempfile.mkdtemp(prefix="bench-warmup-"))
    features_path = work / "features.parquet"
    synthetic_features(2_000, prefix="bench-warmup-").to_parquet(features_path)
    tasks = ["map"] if args.quick else ["warm_up", "map"]
    print(f"cores: {os.cpu_count()}; each figure is a new process; first map: 2,000 users")

    def measure(cache: Path | None) -> dict[str, float]:
        out = {}
        for t in tasks:
            got = run_child(t, features_path, cache and cache / t)
            out[t] = got["task"]
            if got["again"] is not None:
                out["map again"] = got["again"]
        return out

    rows: dict[str, dict[str, float]] = {}
    rows["previous behaviour"] = measure(None)
    # An empty folder per task: the first process fills it, the later one finds it filled.
    filled = work / "numba-cache"
    rows["now, first process (empty cache)"] = measure(filled)
    rows["now, later process (cache filled)"] = measure(filled)

    columns = [*tasks, "map again"]
    print(f"{'':36}" + "".join(f"{c:>12}" for c in columns) + "   (seconds)")
    for name, figures in rows.items():
        print(f"{name:36}" + "".join(f"{figures[c]:12.1f}" for c in columns))
    print("'map again': the same map in the same process, compiled (the floor).")
    kept = sum(f.stat().st_size for f in (filled / tasks[0]).rglob("*") if f.is_file())
    print(f"cache folder after the first process: {kept / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
