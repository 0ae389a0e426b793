"""Relative-lift intervals: log-ratio, Fieller and Bayesian posterior quantiles."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

from core.experiments import (
    Proportion,
    SampleMean,
    analyze_aggregates,
    bayesian_test,
    frequentist_test,
    sequential_test,
    verdict,
)
from core.experiments.intervals import (
    beta_difference_interval,
    beta_ratio_interval,
    fieller_interval,
)


def _mean(values) -> SampleMean:
    v = np.asarray(values, dtype=float)
    return SampleMean(len(v), float(v.sum()), float((v**2).sum()))


@pytest.mark.parametrize(("xt", "nt", "xc", "nc"), [(100, 900, 100, 1000), (7, 60, 3, 55)])
def test_rate_interval_is_statsmodels_log_ratio(xt, nt, xc, nc):
    res = frequentist_test(Proportion(nc, xc), Proportion(nt, xt), ci=0.9)
    lo, hi = confint_proportions_2indep(xt, nt, xc, nc, compare="ratio", method="log", alpha=0.1)
    assert res.ci_low == pytest.approx(lo - 1, rel=1e-10)
    assert res.ci_high == pytest.approx(hi - 1, rel=1e-10)


def test_zero_conversions_use_the_adjusted_log_interval():
    res = frequentist_test(Proportion(1000, 10), Proportion(1000, 0))
    lo, hi = confint_proportions_2indep(0, 1000, 10, 1000, compare="ratio", method="log-adjusted")
    assert res.lift == -1.0
    assert (res.ci_low, res.ci_high) == pytest.approx((lo - 1, hi - 1), rel=1e-10)
    assert -1 < res.ci_low < res.ci_high < 0
    seq = sequential_test(Proportion(1000, 10), Proportion(1000, 0))
    assert -1 < seq.ci_low < seq.ci_high


def test_a_small_segment_never_goes_below_minus_100_percent():
    rng = np.random.default_rng(3)
    lows = []
    for _ in range(300):
        n = int(rng.integers(20, 80))
        c = rng.binomial(n, 0.05)
        t = rng.binomial(n, 0.05)
        if c == 0:
            continue
        for test in (frequentist_test, sequential_test, bayesian_test):
            res = test(Proportion(n, c), Proportion(n, t))
            if not res.message:
                lows.append(res.ci_low)
        revenue_c = rng.lognormal(2, 1.5, n) * (rng.random(n) < 0.3)
        revenue_t = rng.lognormal(2, 1.5, n) * (rng.random(n) < 0.3)
        res = frequentist_test(_mean(revenue_c), _mean(revenue_t))
        if not res.message and math.isfinite(res.ci_low):
            lows.append(res.ci_low)
    assert len(lows) > 500 and min(lows) >= -1  # -1 only by rounding exp(-40) to 0


def test_positive_means_use_the_log_ratio():
    c, t = SampleMean(400, 4000.0, 4000 * 10 + 399 * 25), SampleMean(400, 4400.0, 0.0)
    t = SampleMean(400, 4400.0, 400 * 11**2 + 399 * 36)
    res = frequentist_test(c, t)
    vt, vc = t.variance / 400, c.variance / 400
    se = math.sqrt(vt / 11**2 + vc / 10**2)
    z = stats.norm.ppf(0.975)
    assert res.ci_low == pytest.approx(1.1 * math.exp(-z * se) - 1, rel=1e-12)
    assert res.ci_high == pytest.approx(1.1 * math.exp(z * se) - 1, rel=1e-12)


def test_fieller_for_means_that_can_be_negative_and_unbounded_case():
    # a profit metric: control mean -5, treatment -4
    lo, hi = fieller_interval(-4.0, 0.25, -5.0, 0.25, 1.96)
    # the roots solve (m_t - r m_c)^2 = z^2 (v_t + r^2 v_c)
    for r in (lo + 1, hi + 1):
        assert (-4 - r * -5) ** 2 == pytest.approx(1.96**2 * (0.25 + r**2 * 0.25))
    assert lo < -4 / -5 - 1 < hi
    assert all(map(math.isnan, fieller_interval(1.0, 0.1, 0.5, 1.0, 1.96)))


def test_unbounded_relative_interval_falls_back_to_the_absolute_difference():
    table = __import__("pandas").DataFrame(
        {
            "variant": ["A", "B"],
            "n": [200, 200],
            "sum": [-10.0, 60.0],  # a profit metric, its control average near zero
            "sum_squares": [20000.0, 20000.0],
        }
    )
    res = analyze_aggregates(table, min_n_per_arm=2)
    row = res.results.iloc[0]
    assert math.isnan(row["ci_low"]) and math.isnan(row["ci_high"])
    sentence = verdict(res)
    assert "nan" not in sentence.lower() and "changes" in sentence


@pytest.mark.parametrize(("xc", "nc", "xt", "nt"), [(125, 2000, 100, 2000), (3, 40, 9, 45)])
def test_beta_posterior_intervals_match_simulation(xc, nc, xt, nt):
    rng = np.random.default_rng(11)
    at, bt, ac, bc = 1 + xt, 1 + nt - xt, 1 + xc, 1 + nc - xc
    draws_t, draws_c = rng.beta(at, bt, 1_000_000), rng.beta(ac, bc, 1_000_000)
    ratio = np.quantile(draws_t / draws_c - 1, [0.025, 0.975])  # good to ~3e-4 near 0
    diff = np.quantile(draws_t - draws_c, [0.025, 0.975])
    # the simulated 97.5 % quantile of a heavy-tailed ratio is good to a few parts in 1,000
    assert beta_ratio_interval(at, bt, ac, bc, 0.95) == pytest.approx(
        tuple(ratio), rel=5e-3, abs=6e-4
    )
    assert beta_difference_interval(at, bt, ac, bc, 0.95) == pytest.approx(tuple(diff), abs=5e-4)


def test_bayesian_mean_relative_interval_is_the_posterior_ratio():
    rng = np.random.default_rng(5)
    c, t = _mean(rng.gamma(2, 5, 300)), _mean(rng.gamma(2, 6, 300))
    res = bayesian_test(c, t)
    mt, st = t.mean, math.sqrt(t.variance / t.n)
    mc, sc = c.mean, math.sqrt(c.variance / c.n)
    ratio = rng.normal(mt, st, 1_000_000) / rng.normal(mc, sc, 1_000_000) - 1
    assert (res.ci_low, res.ci_high) == pytest.approx(
        tuple(np.quantile(ratio, [0.025, 0.975])), abs=3e-3
    )


def test_the_issue_example_is_not_a_clear_call_and_agrees_with_its_interval():
    table = __import__("pandas").DataFrame(
        {"variant": ["A", "B"], "n": [2000, 2000], "conversions": [125, 100]}
    )
    res = analyze_aggregates(table, engine="bayesian")
    row = res.results.iloc[0]
    assert row["ci_low"] < 0 < row["ci_high"] and not row["significant"]
    assert "clear call" not in verdict(res)
    # the interval's ends agree with the chance to win, to the numerical precision
    for ci in (0.8, 0.9, 0.95):
        b = bayesian_test(Proportion(2000, 125), Proportion(2000, 100), ci=ci)
        assert (b.ci_high < 0) == (b.chance_to_win < (1 - ci) / 2)
        assert (b.abs_ci_high < 0) == (b.ci_high < 0)


@pytest.mark.parametrize(
    "shapes",
    [(1.5, 40, 2.5, 41), (2.5, 40, 1.5, 41), (0.5, 40, 0.5, 41), (1, 40, 1, 41), (3, 200, 5, 210),
     (101, 1901, 126, 1876)],
)  # fmt: skip
def test_beta_interval_ends_hold_their_tail_mass_by_adaptive_quadrature(shapes):
    from scipy import integrate, special

    at, bt, ac, bc = shapes

    def below(cut, shift):
        """P(X_t <= cut(X_c)) by scipy's adaptive quadrature, split at the kink."""
        stop = min(1.0, shift)
        val = integrate.quad(
            lambda x: stats.beta.pdf(x, ac, bc) * special.betainc(at, bt, cut(x)),
            0, stop, limit=400, epsabs=1e-14, epsrel=1e-12,
        )[0]  # fmt: skip
        return val + stats.beta.sf(stop, ac, bc)

    lo, hi = beta_difference_interval(at, bt, ac, bc, 0.95)
    for end, mass in ((lo, 0.025), (hi, 0.975)):
        if end < 0:  # X_t <= X_c + end needs X_c above -end
            val = integrate.quad(
                lambda x, e=end: stats.beta.pdf(x, ac, bc) * special.betainc(at, bt, x + e),
                -end, 1, limit=400, epsabs=1e-14, epsrel=1e-12,
            )[0]  # fmt: skip
        else:
            val = below(lambda x, e=end: x + e, 1 - end)
        assert val == pytest.approx(mass, abs=1e-8)
    rlo, rhi = beta_ratio_interval(at, bt, ac, bc, 0.95)
    for end, mass in ((rlo, 0.025), (rhi, 0.975)):
        r = end + 1
        assert below(lambda x, r=r: r * x, 1 / r) == pytest.approx(mass, abs=1e-8)
