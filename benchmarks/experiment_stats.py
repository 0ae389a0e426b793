"""The statistics half of ``bench_experiments.py``: error rates, power and coverage.

Every figure is a share of seeded simulated runs, printed with its Monte Carlo standard
error sqrt(p (1 - p) / runs) and beside what it should be (alpha, the analytic power)
and what issue #13 measured before the fix.
"""

from __future__ import annotations

import math
import time

import numpy as np

from benchmarks import experiment_sims as sims
from core.experiments import make_plan, power_at_plan, relative_lift

CI = 0.95
ALPHA = 1 - CI
DAYS, PER_DAY, RATE = 14, 2000, 0.05
ENGINES = ("frequentist", "bayesian", "sequential")
#: issue #13's measurements before the fix: (one look, peeking daily)
BEFORE = {"frequentist": (0.056, 0.224), "bayesian": (0.106, 0.385), "sequential": (0.002, 0.0085)}


def _pct(p: float, runs: int) -> str:
    """A share with its Monte Carlo standard error, in percent."""
    se = math.sqrt(max(p * (1 - p), 1e-12) / runs)
    return f"{p * 100:5.1f} % ± {se * 100:3.1f}"


def _looks_rate(engine, n, xc, xt, tuning_n, old=False):
    """Calls per (run, day) of the rate comparison."""
    out = np.zeros(xc.shape, dtype=bool)
    for day in range(xc.shape[1]):
        st = sims.rate_stats(
            engine, xc[:, day], n[day], xt[:, day], n[day], ci=CI, tuning_n=tuning_n
        )
        out[:, day] = sims.old_bayesian_calls(st, CI) if old else sims.calls(engine, st, CI)
    return out


def _looks_mean(engine, n, arm_c, arm_t, tuning_n):
    """Calls per (run, day) of the revenue comparison."""
    (sc, qc), (st_, qt) = arm_c, arm_t
    out = np.zeros(sc.shape, dtype=bool)
    for day in range(sc.shape[1]):
        nn = np.full(sc.shape[0], float(n[day]))
        st = sims.mean_stats(
            engine, nn, sc[:, day], qc[:, day], nn, st_[:, day], qt[:, day], ci=CI,
            tuning_n=tuning_n,
        )  # fmt: skip
        out[:, day] = sims.calls(engine, st, CI)
    return out


def error_rates(runs: int) -> bool:
    """A/A false positives, one look and peeking daily, for a rate and a skewed mean."""
    rng = np.random.default_rng(20261206)
    n, xc, xt = sims.daily_rates(rng, runs, DAYS, PER_DAY, RATE, RATE)
    plan_tuning = 2 * PER_DAY * DAYS  # the planned users of the comparison
    limit = ALPHA + 2 * math.sqrt(ALPHA * (1 - ALPHA) / runs)
    print(
        f"\nA/A tests, {RATE * 100:g} % conversion, {PER_DAY:,} users per arm per day, {DAYS} days, "
        f"{runs:,} runs; alpha {ALPHA:.2f} (a rate within 2 MC s.e. of it, <= {limit * 100:.2f} %, "
        "meets the target)"
    )
    print(f"{'engine':34s} {'one look':>14s} {'before':>8s} {'peeking daily':>15s} {'before':>8s}")
    ok = True
    rows = [(e, e, False, plan_tuning) for e in ENGINES]
    rows.insert(2, ("bayesian, rule before the fix", "bayesian", True, plan_tuning))
    rows.append(("sequential, tuning 5,000 (before)", "sequential", False, 5000.0))
    for label, engine, old, tuning in rows:
        calls = _looks_rate(engine, n, xc, xt, tuning, old=old)
        one, peek = calls[:, -1].mean(), calls.any(axis=1).mean()
        before = BEFORE.get(label)
        b1, b2 = (f"{before[0] * 100:.1f} %", f"{before[1] * 100:g} %") if before else ("", "")
        print(f"{label:34s} {_pct(one, runs):>14s} {b1:>8s} {_pct(peek, runs):>15s} {b2:>8s}")
        if not old and label in ENGINES:
            ok &= one <= limit
    rng = np.random.default_rng(20261207)
    n, arm_c, arm_t = sims.daily_revenue(rng, runs, DAYS, PER_DAY)
    print(
        "A/A on revenue per user (5 % buy, spend lognormal(3, 1.2): skewed, mostly zeros), "
        "same traffic"
    )
    for engine in ENGINES:
        calls = _looks_mean(engine, n, arm_c, arm_t, plan_tuning)
        one, peek = calls[:, -1].mean(), calls.any(axis=1).mean()
        print(f"{engine:34s} {_pct(one, runs):>14s} {'':>8s} {_pct(peek, runs):>15s}")
        ok &= one <= limit
    return ok


def power(runs: int) -> None:
    """Power for a true +10 % lift at the plan, simulated beside the analytic figure."""
    rng = np.random.default_rng(20261208)
    n, xc, xt = sims.daily_rates(rng, runs, DAYS, PER_DAY, RATE, RATE * 1.10)
    plan = make_plan("conversion", kind="rate", baseline=RATE, mde=0.10, n_per_arm=PER_DAY * DAYS)
    print(
        f"\nPower for a true +10 % lift ({RATE * 100:g} % -> {RATE * 110:g} %) at the plan, "
        f"{plan.n_per_arm:,} users per arm, {runs:,} runs (issue before: sequential 27 %, "
        "fixed-horizon 76 %)"
    )
    print(f"{'engine':34s} {'one look':>14s} {'analytic':>9s} {'daily looks':>15s}")
    for label, engine, tuning in (
        ("frequentist", "frequentist", None),
        ("bayesian", "bayesian", None),
        ("sequential, tuned to the plan", "sequential", float(plan.comparison_users)),
        ("sequential, tuning 5,000 (before)", "sequential", 5000.0),
    ):
        calls = _looks_rate(engine, n, xc, xt, tuning or 5000.0)
        one, any_ = calls[:, -1].mean(), calls.any(axis=1).mean()
        analytic = power_at_plan(plan, engine, tuning_n=tuning)
        print(f"{label:34s} {_pct(one, runs):>14s} {analytic * 100:7.1f} % {_pct(any_, runs):>15s}")
    rng = np.random.default_rng(20261209)
    n, arm_c, arm_t = sims.daily_revenue(rng, runs, DAYS, PER_DAY, lift=0.10)
    print("revenue per user, true +10 % (same traffic)")
    for engine in ENGINES:
        calls = _looks_mean(engine, n, arm_c, arm_t, float(plan.comparison_users))
        one, any_ = calls[:, -1].mean(), calls.any(axis=1).mean()
        print(f"{engine:34s} {_pct(one, runs):>14s} {'':>9s} {_pct(any_, runs):>15s}")


def _delta_interval(mt, vt, mc, vc, z):
    """The delta-method interval lift +- z se, as the engines had it before the fix."""
    lift, se = np.vectorize(relative_lift)(mt, vt, mc, vc)
    return lift - z * se, lift + z * se


def coverage(runs: int) -> None:
    """Coverage of the log-ratio and delta-method intervals of a relative lift."""
    z = 1.959963984540054
    reps = max(runs * 5, 2000)
    print(
        f"\nCoverage of 95 % relative-lift intervals, true lift +20 %, {reps:,} runs per row "
        "(runs with a control of 0 have no relative lift and are left out)"
    )
    print(
        f"{'metric':22s} {'users/arm':>9s} {'log-ratio':>14s} {'delta method':>14s} "
        f"{'delta < -100 %':>15s}"
    )
    rng = np.random.default_rng(20261210)
    for rate in (0.02, 0.05, 0.20):
        for n in (50, 200, 1000):
            xc = rng.binomial(n, rate, reps).astype(float)
            xt = rng.binomial(n, rate * 1.2, reps).astype(float)
            keep = xc > 0
            xc, xt = xc[keep], xt[keep]
            lo, hi = sims._rate_log_ratio(xc, n, xt, n, z)
            pc, pt = xc / n, xt / n
            dlo, dhi = _delta_interval(pt, pt * (1 - pt) / n, pc, pc * (1 - pc) / n, z)
            cov_log = np.mean((lo <= 0.2) & (hi >= 0.2))
            cov_delta = np.mean((dlo <= 0.2) & (dhi >= 0.2))
            below = np.mean(dlo < -1)
            k = int(keep.sum())
            print(
                f"{f'rate {rate * 100:g} %':22s} {n:9,d} {_pct(cov_log, k):>14s} "
                f"{_pct(cov_delta, k):>14s} {below * 100:13.1f} %"
            )
    for n in (50, 200, 1000):
        inside_log, inside_delta, below, k = 0, 0, 0, 0
        for start in range(0, reps, 1000):  # chunks keep memory small at 1,000 users
            size = min(1000, reps - start)
            spend_c = rng.lognormal(3, 1.2, (size, n)) * (rng.random((size, n)) < 0.2)
            spend_t = 1.2 * rng.lognormal(3, 1.2, (size, n)) * (rng.random((size, n)) < 0.2)
            mc, mt = spend_c.mean(1), spend_t.mean(1)
            vc, vt = spend_c.var(1, ddof=1) / n, spend_t.var(1, ddof=1) / n
            keep = mc > 0
            lo, hi = sims._log_ratio(mt[keep], vt[keep], mc[keep], vc[keep], z)
            dlo, dhi = _delta_interval(mt[keep], vt[keep], mc[keep], vc[keep], z)
            inside_log += int(np.sum((lo <= 0.2) & (hi >= 0.2)))
            inside_delta += int(np.sum((dlo <= 0.2) & (dhi >= 0.2)))
            below += int(np.sum(dlo < -1))
            k += int(keep.sum())
        print(
            f"{'revenue (20 % buy)':22s} {n:9,d} {_pct(inside_log / k, k):>14s} "
            f"{_pct(inside_delta / k, k):>14s} {below / k * 100:13.1f} %"
        )


def statistics(runs: int) -> bool:
    """All three tables; True when every engine's one-look A/A rate meets alpha."""
    t0 = time.perf_counter()
    ok = error_rates(runs)
    power(runs)
    coverage(runs)
    print(
        f"\ntarget: one-look false positives at or under alpha for every engine -> "
        f"{'met' if ok else 'NOT met'} ({time.perf_counter() - t0:.0f} s of simulation)"
    )
    return ok
