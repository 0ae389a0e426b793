"""Benchmark: k-means on 1M users x the full feature set, HDBSCAN package vs scikit-learn.

Usage: ``python benchmarks/bench_segmentation.py [--quick]``

Data: the feature table of 20k synthetic users (``core.data.synth`` -> ``core.segments.features``),
resampled with a little noise to 1M rows (100k with ``--quick``), using every numeric
feature column. Each figure is printed beside its baseline measured in the same run:

- ``segment(kmeans)`` end to end (prepare + k-means on a 50k sample + assignment + quality
  with a 10k-sample silhouette) vs scikit-learn's full-batch ``KMeans(n_init=1)`` fit
  alone on the same prepared matrix. Target: < 10 s on 1M users.
- ``segment(hdbscan)`` (the ``hdbscan`` package) vs ``sklearn.cluster.HDBSCAN`` on the
  same 50k x 8 matrix (20k with ``--quick``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import peak_mb, synthetic_features  # noqa: E402
from core.segments import (  # noqa: E402
    SegmentParams,
    numeric_feature_columns,
    prepare_matrix,
    segment,
)


def base_features(n_users: int = 20_000, seed: int = 7) -> pd.DataFrame:
    """Feature table of synthetic users through the real pipeline."""
    return synthetic_features(n_users, seed, prefix="bench-seg-")


def resample(features: pd.DataFrame, n: int, seed: int = 0) -> pd.DataFrame:
    """n rows drawn with replacement, numeric columns jittered by 1% of their spread."""
    rng = np.random.default_rng(seed)
    cols = numeric_feature_columns(features)
    rows = features.iloc[rng.integers(0, len(features), n)].reset_index(drop=True)
    values = rows[cols].astype("float64").to_numpy()
    spread = np.nanstd(values, axis=0)
    values = np.abs(values + rng.normal(0, 1, values.shape) * 0.01 * spread)
    out = pd.DataFrame(values, columns=cols)
    out.insert(0, "user_id", [f"b{i:07d}" for i in range(n)])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k users, < 60 s")
    args = parser.parse_args()
    n_users = 100_000 if args.quick else 1_000_000
    n_hdb = 20_000 if args.quick else 50_000
    print(f"cores: {os.cpu_count()}, users: {n_users:,}")

    t = time.perf_counter()
    base = base_features(5_000 if args.quick else 20_000)
    features = resample(base, n_users)
    cols = tuple(numeric_feature_columns(features))
    print(f"data: {n_users:,} users x {len(cols)} features in {time.perf_counter() - t:.1f} s")

    params = SegmentParams(method="kmeans", features=cols, k=6, seed=0)
    t = time.perf_counter()
    result = segment(features, params)
    ours = time.perf_counter() - t

    from sklearn.cluster import HDBSCAN, KMeans

    X = prepare_matrix(features, params).to_numpy()
    t = time.perf_counter()
    KMeans(n_clusters=6, n_init=1, random_state=0).fit(X)
    baseline = time.perf_counter() - t

    small = SegmentParams(method="hdbscan", min_cluster_size=100)
    sub = features.iloc[:n_hdb]
    t = time.perf_counter()
    hdb = segment(sub, small)
    hdb_ours = time.perf_counter() - t
    Xh = prepare_matrix(sub, small).to_numpy()
    t = time.perf_counter()
    HDBSCAN(min_cluster_size=100).fit(Xh)
    hdb_base = time.perf_counter() - t

    print(f"\n{'figure':<58}{'ours':>10}{'baseline':>10}{'target':>10}")
    print(
        f"{f'k-means, {n_users:,} users x {len(cols)} features (s)':<58}"
        f"{ours:>10.1f}{baseline:>10.1f}{'< 10 s':>10}"
        f"   (ours: end to end incl. quality; baseline: sklearn KMeans fit only)"
    )
    print(
        f"{f'HDBSCAN, {n_hdb:,} users x {Xh.shape[1]} features (s)':<58}"
        f"{hdb_ours:>10.1f}{hdb_base:>10.1f}{'':>10}"
        "   (ours: hdbscan package; baseline: sklearn.cluster.HDBSCAN)"
    )
    print(f"k-means sizes: {result.sizes.to_dict()}")
    print(f"k-means quality: { {k: round(v, 3) for k, v in result.quality.items()} }")
    print(f"HDBSCAN segments: {hdb.quality['n_segments']}, noise {hdb.quality['noise_share']:.1%}")
    print(f"peak memory: {peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()
