"""Benchmark: persona cards for 1M users (10M events), beside the feature build time.

Run: ``python benchmarks/bench_personas.py [--quick]`` (``--quick``: 20k users / 200k
events, for CI, < 60 s). Reuses ``benchmarks/bench_features.py``'s seeded data generator
and cached DuckDB dataset (``benchmarks/out/``). Prints, measured in the same process:

- baseline: ``core.segments.features.build_features`` on the dataset (what every page needs first);
- ``core.personas.profiles.build_personas`` with the engine (traits, category over-representation,
  heatmap / platform / format mix in SQL, KPIs in SQL, playbook, names);
- ``core.personas.clv`` (RFM summary in SQL + BG/NBD + Gamma-Gamma fits + scoring), separately;
- peak resident memory of the process after each step.

Target (issue 4): personas for 1M users in under 10 s. Segment labels are six seeded,
rule-based groups (activity tertile x buyer / non-buyer), so every segment has real
differences to find.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def labels_for(features: pd.DataFrame, seed: int = 7) -> pd.Series:
    """Six segments: activity tertile x bought / never bought, plus 1 % random noise."""
    rng = np.random.default_rng(seed)
    tertile = pd.qcut(features["n_events"].rank(method="first"), 3, labels=["low", "mid", "high"])
    buyer = np.where(features["frequency"].to_numpy() > 0, "buyers", "browsers")
    seg = tertile.astype(str).to_numpy() + "_" + buyer
    flip = rng.random(len(seg)) < 0.01
    seg[flip] = rng.choice(np.unique(seg), flip.sum())
    return pd.Series(seg, index=features["user_id"].astype(str), name="segment")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20k users / 200k events (CI)")
    args = parser.parse_args()
    n_events, n_users = (200_000, 20_000) if args.quick else (10_000_000, 1_000_000)

    import bench_features

    paths = bench_features.ensure_data(n_events, n_users, seed=7)

    from core.data.engine import dataset_engine
    from core.personas.clv import fit_clv, rfm_summary
    from core.personas.profiles import build_personas
    from core.segments import build_features

    engine = dataset_engine(paths["db"])
    # Warm imports and lazy initialisation (jieba, scipy) outside the timed region.
    import core.personas.text  # noqa: F401

    t, c = time.perf_counter(), time.process_time()
    features = build_features(engine)
    t_features, c_features = time.perf_counter() - t, time.process_time() - c
    rss_features = peak_rss_mb()
    labels = labels_for(features)

    t, c = time.perf_counter(), time.process_time()
    cards = build_personas(features, labels, engine=engine)
    t_personas, c_personas = time.perf_counter() - t, time.process_time() - c
    rss_personas = peak_rss_mb()

    t, c = time.perf_counter(), time.process_time()
    result = fit_clv(rfm_summary(engine))
    t_clv, c_clv = time.perf_counter() - t, time.process_time() - c
    rss_clv = peak_rss_mb()

    load = os.getloadavg()[0]
    print(
        f"machine: {os.cpu_count()} CPUs, load average {load:.1f} (wall times inflate under load; "
        "CPU = this process's CPU seconds over all its threads)"
    )
    print(f"data: {n_events:,} events, {len(features):,} users, {len(cards)} segments")
    print(
        f"baseline  build_features          {t_features:7.2f} s (CPU {c_features:6.2f} s)   peak RSS {rss_features:8.0f} MB"
    )
    print(
        f"personas  build_personas          {t_personas:7.2f} s (CPU {c_personas:6.2f} s)   peak RSS {rss_personas:8.0f} MB"
        f"   ({t_personas / t_features:.2f}x the feature build)"
    )
    print(
        f"clv       rfm_summary + fit_clv   {t_clv:7.2f} s (CPU {c_clv:6.2f} s)   peak RSS {rss_clv:8.0f} MB"
        f"   ({len(result.table):,} customers)"
    )
    for card in cards:
        print(f"  {card.segment:<16} {card.size:>9,}  {card.name}")
    target = 10.0
    ok = t_personas < target
    print(
        f"target: personas < {target:.0f} s for 1M users -> {'met' if ok else 'NOT met'}"
        + ("  (--quick: fixed per-call costs dominate)" if args.quick else "")
    )
    return 0 if ok or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
