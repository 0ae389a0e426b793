"""In-database assignment vs pulling users into pandas, and the stable sample size.

Two measurements, printed side by side:

``--users N`` (default 1,000,000)
    A feature table of N users in a DuckDB file (random behaviour drawn by DuckDB with a
    seed), a k-means definition fitted on a 20,000-user hash sample, then every user
    assigned (a) inside DuckDB with ``CREATE TABLE ... AS`` the assignment statement and
    (b) by fetching the features into pandas, preparing them with the same numbers and
    calling scikit-learn's ``predict``. Each side runs in its own process so its peak
    memory is its own; the in-database side stays flat as N grows (only the sample
    comes to Python).

``--stability``
    Adjusted Rand index between k-means fits on samples drawn with different seeds, all
    labelling the same users, for sample sizes 1,000 to 20,000, on three generators of
    different structure (the synthetic personas, ``casegen.volume_value``,
    ``casegen.mix``). The smallest size whose worst pair reaches 0.95 everywhere is the
    default sample (``core.segments.sample_fit.DEFAULT_SAMPLE_USERS``).

``assignment_benchmark(engine, table, n_users)`` is the entry point other benchmarks
(the warehouse comparison) call with their own engine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._common import peak_mb  # noqa: E402

COLUMNS = ("frequency", "monetary", "recency_days", "active_days", "engagement_rate", "followers")


def make_features(path: Path, n_users: int, seed: int = 7) -> None:
    """A feature table of ``n_users`` with skewed counts and money, written by DuckDB."""
    import duckdb

    con = duckdb.connect(str(path))
    con.execute(f"SELECT setseed({(seed % 100) / 100})")
    con.execute(
        f"""
        CREATE OR REPLACE TABLE features AS
        SELECT 'u' || lpad(CAST(i AS VARCHAR), 9, '0') AS user_id,
               CAST(floor(-ln(random()) * (1 + (i % 4) * 2)) AS DOUBLE) AS frequency,
               CASE WHEN random() < 0.6 THEN exp(3 + 1.2 * random() + (i % 3)) ELSE 0 END
                   AS monetary,
               floor(random() * 90) AS recency_days,
               floor(1 + random() * 30 * (1 + (i % 2))) AS active_days,
               CASE WHEN random() < 0.05 THEN NULL ELSE random() * (0.2 + (i % 5) * 0.1) END
                   AS engagement_rate,
               floor(exp(2 + 4 * random())) AS followers
        FROM range({int(n_users)}) t(i)
        """
    )
    con.close()


def assignment_benchmark(engine, table: str, n_users: int, *, mode: str, sample: int = 20_000):
    """Fit on a hash sample of ``table`` and assign every user one way; return figures.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        Where the feature table is.
    table : str
        The feature table (``user_id`` and :data:`COLUMNS`).
    n_users : int
        Its rows (for the sample fraction).
    mode : {"engine", "pandas"}
        Assign inside the database, or fetch into pandas and call ``predict``.
    sample : int
        Users in the fitting sample.

    Returns
    -------
    dict
        ``fit_s``, ``assign_s``, ``peak_mb``, ``users``.
    """
    import pandas as pd
    import sqlalchemy as sa

    from core.segments import SegmentParams
    from core.segments.assign_sql import assignment_select
    from core.segments.sample_fit import fit_definition, sample_condition

    t0 = time.perf_counter()
    src = sa.table(table, sa.column("user_id"), *(sa.column(c) for c in COLUMNS))
    stmt = sa.select(src).where(sample_condition(src.c.user_id, sample / n_users, 0))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    sample_frame = pd.DataFrame(rows, columns=["user_id", *COLUMNS])
    params = SegmentParams(method="kmeans", k=6, seed=0, features=COLUMNS)
    definition, _ = fit_definition(sample_frame, params)
    fit_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    if mode == "engine":
        select = assignment_select(src, definition)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS assigned"))
            compiled = select.compile(
                dialect=engine.dialect, compile_kwargs={"literal_binds": True}
            )
            conn.exec_driver_sql(f"CREATE TABLE assigned AS {compiled}")
            users = conn.execute(sa.text("SELECT COUNT(*) FROM assigned")).all()[0][0]
    else:
        with engine.connect() as conn:
            frame = pd.read_sql(sa.select(src), conn)
        users = len(predict_frame(frame, definition, sklearn=True))
    return {
        "fit_s": round(fit_s, 2),
        "assign_s": round(time.perf_counter() - t1, 2),
        "peak_mb": round(peak_mb(), 0),
        "users": int(users),
    }


def _one(path: str, n_users: int, mode: str) -> None:
    """Run one side in this process and print its figures as JSON."""
    from core.data.engine import duckdb_engine

    engine = duckdb_engine(path, read_only=False)
    print(json.dumps(assignment_benchmark(engine, "features", n_users, mode=mode)))


def compare(n_users: int) -> None:
    """Both sides in their own processes, printed side by side."""
    path = Path(tempfile.mkdtemp(prefix="bench-assign-")) / "features.duckdb"
    t = time.perf_counter()
    make_features(path, n_users)
    print(f"feature table of {n_users:,} users written in {time.perf_counter() - t:.1f} s")
    out = {}
    for mode in ("engine", "pandas"):
        res = subprocess.run(
            [sys.executable, __file__, "--one", str(path), "--users", str(n_users), "--mode", mode],
            capture_output=True,
            text=True,
            check=True,
        )
        out[mode] = json.loads(res.stdout.strip().splitlines()[-1])
    e, p = out["engine"], out["pandas"]
    print(f"{'':28}{'in DuckDB':>14}{'pandas + predict':>20}")
    print(f"{'fit on 20k sample (s)':28}{e['fit_s']:>14}{p['fit_s']:>20}")
    print(f"{'assign every user (s)':28}{e['assign_s']:>14}{p['assign_s']:>20}")
    print(f"{'peak Python memory (MB)':28}{e['peak_mb']:>14}{p['peak_mb']:>20}")
    print(f"{'users assigned':28}{e['users']:>14,}{p['users']:>20,}")


def stability(sizes=(1_000, 2_000, 5_000, 10_000, 20_000), n_users: int = 40_000) -> None:
    """ARI between fits on differently seeded samples, per generator and sample size."""
    import itertools

    from sklearn.metrics import adjusted_rand_score

    from core.data import casegen, generate
    from core.segments import SegmentParams
    from core.segments.sample_fit import fit_definition, in_sample

    cases = {
        "synth personas": lambda: (generate(n_users=n_users, days=30, seed=5), 6),
        "volume_value": lambda: (casegen.volume_value(seed=2, n_users=n_users, days=30), None),
        "mix": lambda: (casegen.mix(seed=4, n_users=n_users, days=30), None),
    }
    print(f"{'generator':18}" + "".join(f"{s:>10,}" for s in sizes) + "   (worst ARI of 3 seeds)")
    for name, make in cases.items():
        data, k = make()
        k = k or int(data.truth.nunique())
        features = _features_of(data.events, data.users)
        params = SegmentParams(method="kmeans", k=k, seed=0)
        row = []
        for size in sizes:
            labels = []
            for seed in (1, 2, 3):
                keep = in_sample(features["user_id"], size / len(features), seed)
                definition, _ = fit_definition(features[keep], params)
                labels.append(predict_frame(features, definition))
            row.append(min(adjusted_rand_score(a, b) for a, b in itertools.combinations(labels, 2)))
        print(f"{name:18}" + "".join(f"{v:>10.3f}" for v in row))


def _features_of(events, users):
    """The feature table of generated events and users, through the real pipeline."""
    import duckdb
    import pandas as pd

    from core.data import dataset_engine
    from core.segments import build_features

    path = Path(tempfile.mkdtemp(prefix="bench-assign-")) / "data.duckdb"
    events = events.assign(timestamp=pd.to_datetime(events["timestamp"]))
    con = duckdb.connect(str(path))
    con.register("ev", events)
    con.register("us", users)
    con.execute("create table events as select * from ev")
    con.execute("create table users as select * from us")
    con.close()
    return build_features(dataset_engine(path))


def predict_frame(features, definition, *, sklearn: bool = False):
    """Labels of every user under a k-means ``definition``, computed in Python.

    The baseline of the in-engine assignment: the same fill, log1p, scaling and weights
    as the SQL, then the nearest centre (scikit-learn's ``KMeans.predict`` with the
    fitted centres when ``sklearn``, else NumPy's argmin over squared distances).
    """
    import numpy as np

    d = definition
    X = features[list(d.columns)].to_numpy(dtype="float64", copy=True)
    for j in range(X.shape[1]):
        col = X[:, j]
        col[np.isnan(col)] = d.fill[j]
        if d.log1p[j]:
            X[:, j] = np.log1p(np.clip(col, 0, None))
    X = (X - np.array(d.center)) / np.array(d.scale) * np.array(d.weights)
    C = np.array(d.centres)
    if sklearn:
        from sklearn.cluster import KMeans

        model = KMeans(n_clusters=len(C))
        model.cluster_centers_ = C
        model._n_threads = 1
        model.n_features_in_ = X.shape[1]
        return model.predict(X)
    return ((X[:, None, :] - C[None, :, :]) ** 2).sum(-1).argmin(1)


def main() -> None:
    """Command line: --users N, --stability, or --one PATH --mode MODE (internal)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--stability", action="store_true")
    parser.add_argument("--stability-users", type=int, default=40_000)
    parser.add_argument("--one")
    parser.add_argument("--mode", choices=("engine", "pandas"))
    args = parser.parse_args()
    if args.one:
        _one(args.one, args.users, args.mode)
    elif args.stability:
        stability(n_users=args.stability_users)
    else:
        compare(args.users)


if __name__ == "__main__":
    main()
