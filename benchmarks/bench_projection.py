"""Benchmark: the 100k-user map vs plain UMAP on all points, and a min_dist relayout.

Usage: ``python benchmarks/bench_projection.py [--quick]``

Data: ``core.data.synth.generate`` users -> ``core.segments.features.build_features`` -> the default
segmentation's prepared matrix (the space the map is drawn in). The numba JIT is warmed
first (the app does that at server start), so both sides are measured compiled.

Targets (issue 3): our map >= 3x faster than ``umap.UMAP().fit_transform`` on all points,
trustworthiness within 0.05 on a common subset of users; relayout with a changed
``min_dist`` <= 1/3 of the first map's time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import peak_mb, synthetic_features  # noqa: E402
from core.segments import (  # noqa: E402  # noqa: E402
    MapParams,
    SegmentParams,
    clear_graph_cache,
    prepare_matrix,
    project,
    segment,
    warm_up,
)


def feature_table(n_users: int, seed: int = 7):
    """Feature table of synthetic users through the real pipeline."""
    return synthetic_features(n_users, seed, prefix="bench-map-")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k users, < 60 s")
    args = parser.parse_args()
    n_users = 10_000 if args.quick else 100_000
    max_points = 2_000 if args.quick else 10_000
    print(f"cores: {os.cpu_count()}, users: {n_users:,}, points drawn: {max_points:,}")

    t = time.perf_counter()
    warm_up()
    print(f"numba warm-up (once per server process): {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    features = feature_table(n_users)
    print(f"data: {len(features):,} users in {time.perf_counter() - t:.1f} s")
    params = SegmentParams()
    labels = segment(features, params).labels
    X = prepare_matrix(features, params)

    clear_graph_cache()
    mp = MapParams(max_points=max_points)
    t = time.perf_counter()
    ours = project(X, mp, labels=labels)
    first = time.perf_counter() - t
    t = time.perf_counter()
    moved = project(X, MapParams(max_points=max_points, min_dist=0.5), labels=labels)
    relayout = time.perf_counter() - t
    assert moved.relayout

    import umap

    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = umap.UMAP().fit_transform(X.to_numpy())
    baseline = time.perf_counter() - t

    from sklearn.manifold import trustworthiness

    shown = ours.points["user_id"].to_numpy()
    rng = np.random.default_rng(0)
    common = rng.choice(shown, min(2_000, len(shown)), replace=False)
    pos_all = X.index.get_indexer(common)
    pos_ours = ours.points.set_index("user_id").index.get_indexer(common)
    Xc = X.to_numpy()[pos_all]
    t_ours = trustworthiness(Xc, ours.points[["x", "y"]].to_numpy()[pos_ours], n_neighbors=5)
    t_plain = trustworthiness(Xc, plain[pos_all], n_neighbors=5)

    print(f"\n{'figure':<48}{'ours':>12}{'baseline':>12}{'target':>16}")
    print(
        f"{'map time (s) vs plain UMAP on all points':<48}{first:>12.1f}{baseline:>12.1f}"
        f"{'>= 3x faster':>16}   speed-up {baseline / first:.1f}x"
    )
    print(
        f"{'trustworthiness, common 2,000 users (k=5)':<48}{t_ours:>12.3f}{t_plain:>12.3f}"
        f"{'within 0.05':>16}   diff {t_plain - t_ours:+.3f}"
    )
    print(
        f"{'relayout min_dist 0.1->0.5 (s) vs first map':<48}{relayout:>12.1f}{first:>12.1f}"
        f"{'<= 1/3':>16}   ratio {relayout / first:.2f}"
    )
    print(f"note: {ours.note}")
    print(f"peak memory: {peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()
