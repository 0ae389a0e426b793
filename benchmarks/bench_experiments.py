"""Benchmark: A/B analysis speed, and the engines' error rates, power and coverage.

Run: ``python benchmarks/bench_experiments.py [--quick] [--runs R] [--only speed|stats]``.

Speed: 1M users x 3 metrics x 10 segments (target < 2 s), each figure printed beside a
naive baseline measured in the same run: a per-segment pandas loop that filters the
frame for every segment and arm and calls statsmodels / scipy on raw arrays (the way an
analyst writes it in a notebook). Peak memory comes from ``tracemalloc`` in a separate,
untimed run of the same call.

Statistics (seeded simulation; the engines' statistics on arrays from
``benchmarks/experiment_sims.py``, tested to decide exactly as the per-call engines):

* A/A tests as in issue #13 - 5 % conversion, 2,000 users per arm per day, 14 days - and
  a skewed revenue per user: each engine's false-positive rate with one look at the end
  and when peeking daily (stopping at the first call), with Monte Carlo standard errors,
  beside alpha and the figures the issue measured before the fix.
* Power for a true +10 % lift at the plan (28,000 users per arm), one look and daily
  looks, beside the analytic ``power_at_plan``; the sequential engine tuned to the plan
  and to the old fixed 5,000.
* Coverage of the relative-lift intervals, log-ratio against the delta method, on small
  and large segments and low rates, and how often the delta method passes -100 %.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import test_proportions_2indep

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.experiments import analyze_experiment  # noqa: E402

METRICS = ["converted", "clicked", "revenue"]


def make_data(n_users: int, n_segments: int = 10, seed: int = 0) -> pd.DataFrame:
    """Simulated per-user experiment: variant A/B, 10 segments, 2 rates and 1 revenue."""
    rng = np.random.default_rng(seed)
    segment = np.array([f"segment_{i:02d}" for i in range(n_segments)])[
        rng.integers(0, n_segments, n_users)
    ]
    variant = np.where(rng.random(n_users) < 0.5, "A", "B")
    lift = np.where(variant == "B", 1.05, 1.0)
    pre = rng.lognormal(3, 1, n_users)
    return pd.DataFrame(
        {
            "user_id": np.arange(n_users).astype(str),
            "variant": variant,
            "segment": segment,
            "converted": (rng.random(n_users) < 0.1 * lift).astype(np.int8),
            "clicked": (rng.random(n_users) < 0.3 * lift).astype(np.int8),
            "revenue": np.round(pre * rng.gamma(1.0, 1.0, n_users) * lift, 2),
            "pre_revenue": np.round(pre, 2),
        }
    )


def naive_baseline(df: pd.DataFrame) -> pd.DataFrame:
    """Per-segment pandas loop + statsmodels/scipy calls on raw rows (no CUPED, no capping)."""
    rows = []
    groups = [("all", df)] + [(s, df[df["segment"] == s]) for s in sorted(df["segment"].unique())]
    for seg, sub in groups:
        a, b = sub[sub["variant"] == "A"], sub[sub["variant"] == "B"]
        for m in METRICS:
            ya, yb = a[m].to_numpy(float), b[m].to_numpy(float)
            if set(np.unique(np.concatenate([ya, yb]))) <= {0.0, 1.0}:
                p = test_proportions_2indep(
                    yb.sum(), len(yb), ya.sum(), len(ya), method="wald"
                ).pvalue
            else:
                p = stats.ttest_ind(yb, ya, equal_var=False).pvalue
            rows.append((seg, m, yb.mean() / ya.mean() - 1, p))
    return pd.DataFrame(rows, columns=["segment", "metric", "lift", "p_value"])


def timed(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def peak_mb(fn) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="200k users, one repeat, 400 simulated runs"
    )
    parser.add_argument("--users", type=int, default=None)
    parser.add_argument("--runs", type=int, default=None, help="simulated runs (default 2000)")
    parser.add_argument("--only", choices=("speed", "stats"), default=None)
    args = parser.parse_args()
    ok = True
    if args.only != "stats":
        ok &= speed(args)
    if args.only != "speed":
        from benchmarks.experiment_stats import statistics

        ok &= statistics(args.runs or (400 if args.quick else 2000))
    return 0 if ok else 1


def speed(args) -> bool:
    """The speed benchmark; True when every analysis meets its target."""
    n = args.users or (200_000 if args.quick else 1_000_000)
    repeat = 1 if args.quick else 3
    df = make_data(n)
    print(
        f"{n:,} users x {len(METRICS)} metrics x 10 segments, 2 variants "
        f"(best of {repeat}); data in memory {df.memory_usage(deep=True).sum() / 2**20:.0f} MB"
    )

    base_s, base = timed(lambda: naive_baseline(df), repeat)
    base_mb = peak_mb(lambda: naive_baseline(df))

    def ours(**kw):
        return analyze_experiment(
            df, variant_col="variant", metrics=METRICS, segment_col="segment", **kw
        )

    configs = [
        ("frequentist, holm", dict(engine="frequentist", correction="holm")),
        ("frequentist + CUPED + cap 99 %", dict(covariate="pre_revenue", cap_quantile=0.99)),
        ("bayesian", dict(engine="bayesian", correction="none")),
        ("sequential, bh", dict(engine="sequential", correction="bh")),
    ]
    print(
        f"{'analysis':34s} {'time s':>8s} {'baseline s':>11s} {'speed-up':>9s} "
        f"{'peak MB':>8s} {'baseline MB':>12s}"
    )
    ok = True
    check = None
    for label, kw in configs:
        secs, res = timed(lambda kw=kw: ours(**kw), repeat)
        mb = peak_mb(lambda kw=kw: ours(**kw))
        if label.startswith("frequentist, holm"):
            check = res
        print(
            f"{label:34s} {secs:8.3f} {base_s:11.3f} {base_s / secs:8.1f}x {mb:8.0f} {base_mb:12.0f}"
        )
        ok &= secs < 2.0
    # same answers as the baseline on the plain frequentist run
    r = check.results
    ours_p = r.assign(segment=r["segment"].fillna("all")).set_index(["segment", "metric"])[
        "p_value"
    ]
    ref_p = base.set_index(["segment", "metric"])["p_value"]
    worst = float((ours_p.loc[ref_p.index] - ref_p).abs().max())
    print(f"max |p-value difference| vs baseline: {worst:.2e}")
    print(f"target: every analysis under 2 s at 1M users -> {'met' if ok else 'NOT met'}")
    return ok


if __name__ == "__main__":
    sys.exit(main())
