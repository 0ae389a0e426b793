"""Helpers shared by the benchmarks: peak memory and a synthetic feature table."""

from __future__ import annotations

import resource
import tempfile
from pathlib import Path


def peak_mb() -> float:
    """Peak resident memory of this process in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_features(n_users: int, seed: int = 7, prefix: str = "bench-"):
    """Feature table of ``n_users`` synthetic users (90 days), through the real pipeline."""
    import duckdb

    from core.data.engine import dataset_engine
    from core.data.synth import generate
    from core.segments import build_features

    data = generate(n_users=n_users, days=90, seed=seed)
    path = Path(tempfile.mkdtemp(prefix=prefix)) / "data.duckdb"
    con = duckdb.connect(str(path))
    con.register("ev", data.events)
    con.register("us", data.users)
    con.execute("create table events as select * from ev")
    con.execute("create table users as select * from us")
    con.close()
    return build_features(dataset_engine(path))
