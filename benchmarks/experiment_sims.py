"""The experiment engines' statistics on arrays of simulated runs, for the benchmark.

Calling ``core.experiments.compare`` once per simulated run and look is exact but slow
(the Bayesian engine's intervals invert integrals); these functions compute the same
p-values, chances to win and intervals for thousands of runs at once with NumPy/SciPy,
and the decision itself comes from the engines' own ``decide_calls``.
``tests/core/test_experiment_error_rates.py`` checks on a sample of runs that every
decision here equals the per-call one.

The Bayesian engine's intervals are equal-tailed posterior quantiles, so they exclude
zero exactly when the chance to win is beyond 1 - alpha/2 (shown in
``core.experiments.intervals``); here they are left out (NaN) and the decision rests on
the chance to win alone, which is the same decision.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from core.experiments import decide_calls

_GL_X, _GL_W = np.polynomial.legendre.leggauss(48)


def _z(ci: float) -> float:
    """The two-sided normal quantile for coverage ``ci``."""
    return float(stats.norm.ppf(0.5 + ci / 2))


def _log_ratio(mt, vt, mc, vc, mult):
    """Log-ratio interval of mean_t / mean_c - 1 (NaN where a mean is not above 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (mt > 0) & (mc > 0)
        lr = np.log(np.where(ok, mt, 1.0) / np.where(ok, mc, 1.0))
        se = np.sqrt(vt / mt**2 + vc / mc**2)
        lo, hi = np.expm1(lr - mult * se), np.expm1(lr + mult * se)
    return np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)


def _rate_log_ratio(xc, nc, xt, nt, mult):
    """statsmodels' log method, half a count added to both arms when one has none."""
    adj = np.where((xc == 0) | (xt == 0), 0.5, 0.0)
    pc, pt = (xc + adj) / (nc + adj), (xt + adj) / (nt + adj)
    lo, hi = _log_ratio(pt, pt * (1 - pt) / (nt + adj), pc, pc * (1 - pc) / (nc + adj), mult)
    undefined = xc == 0  # no relative lift against a control rate of 0
    return np.where(undefined, np.nan, lo), np.where(undefined, np.nan, hi)


def _fieller(mt, vt, mc, vc, mult):
    """Fieller's interval of mean_t / mean_c - 1; NaN where unbounded or mean_c <= 0."""
    c2 = mult**2
    a = mc**2 - c2 * vc
    disc = np.maximum(mt**2 * vc + mc**2 * vt - c2 * vt * vc, 0.0)
    root = mult * np.sqrt(disc)
    with np.errstate(divide="ignore", invalid="ignore"):
        r1, r2 = (mt * mc - root) / a, (mt * mc + root) / a
    ok = (a > 0) & (mc > 0)
    return np.where(ok, np.minimum(r1, r2) - 1, np.nan), np.where(
        ok, np.maximum(r1, r2) - 1, np.nan
    )


def _seq_multiplier(n_total, alpha: float, tuning_n: float):
    """The confidence sequence's half-width in standard errors (see core.experiments.stats)."""
    rho2 = (-2 * np.log(alpha) + np.log(-2 * np.log(alpha) + 1)) / tuning_n
    t = n_total * rho2
    factor = np.sqrt(2 * (t + 1) / (n_total * t) * np.log(np.sqrt(t + 1) / alpha))
    return np.sqrt(n_total) * factor, t


def _seq_p(d, var, n_total, alpha: float, tuning_n: float):
    """The always-valid p-value of the sequential engine."""
    _, t = _seq_multiplier(n_total, alpha, tuning_n)
    first = 2 * (t + 1) / (n_total * t)
    return np.minimum(1.0, np.sqrt(t + 1) * np.exp(-(d**2) / (n_total * var * first)))


def prob_beta_greater(a1, b1, a2, b2, chunk: int = 500) -> np.ndarray:
    """P(X1 > X2) for arrays of Beta parameters: the engine's quadrature, vectorised."""
    a1, b1, a2, b2 = (
        np.broadcast_to(np.asarray(v, dtype=float), np.shape(a1)) for v in (a1, b1, a2, b2)
    )
    out = np.empty(a1.shape)
    flat = [v.ravel() for v in (a1, b1, a2, b2)]
    res = out.ravel()
    for s in range(0, flat[0].size, chunk):
        A1, B1, A2, B2 = (v[s : s + chunk, None] for v in flat)
        lo = special.betaincinv(A1, B1, 1e-13)
        hi = special.betaincinv(A1, B1, 1 - 1e-13)
        edges = lo + (hi - lo) * np.linspace(0, 1, 17)[None, :]
        mid, half = (edges[:, :-1] + edges[:, 1:]) / 2, (edges[:, 1:] - edges[:, :-1]) / 2
        x = (mid[:, :, None] + half[:, :, None] * _GL_X[None, None, :]).reshape(len(A1), -1)
        w = (half[:, :, None] * _GL_W[None, None, :]).reshape(len(A1), -1)
        log_pdf = (A1 - 1) * np.log(x) + (B1 - 1) * np.log1p(-x) - special.betaln(A1, B1)
        res[s : s + chunk] = np.sum(w * np.exp(log_pdf) * special.betainc(A2, B2, x), axis=1)
    return np.clip(res.reshape(a1.shape), 0.0, 1.0)


def rate_stats(engine, xc, nc, xt, nt, *, ci=0.95, tuning_n=5000.0, prior=(1.0, 1.0)) -> dict:
    """p-value, chance to win and intervals of each run's rate comparison (arrays)."""
    xc, nc, xt, nt = (np.asarray(v, dtype=float) for v in (xc, nc, xt, nt))
    nan = np.full(np.broadcast(xc, xt).shape, np.nan)
    alpha, z = 1 - ci, _z(ci)
    pc, pt = xc / nc, xt / nt
    d, var = pt - pc, pt * (1 - pt) / nt + pc * (1 - pc) / nc
    if engine == "frequentist":
        with np.errstate(divide="ignore", invalid="ignore"):
            p = 2 * stats.norm.sf(np.abs(d) / np.sqrt(var))
        half = z * np.sqrt(var)
        rel = _rate_log_ratio(xc, nc, xt, nt, z)
        return dict(p=p, ctw=nan, abs_ci=(d - half, d + half), rel_ci=rel)
    if engine == "sequential":
        n_total = nc + nt
        mult, _ = _seq_multiplier(n_total, alpha, tuning_n)
        half = np.sqrt(var) * mult
        rel = _rate_log_ratio(xc, nc, xt, nt, mult)
        p = _seq_p(d, var, n_total, alpha, tuning_n)
        return dict(p=p, ctw=nan, abs_ci=(d - half, d + half), rel_ci=rel)
    a0, b0 = prior
    ctw = prob_beta_greater(a0 + xt, b0 + nt - xt, a0 + xc, b0 + nc - xc)
    return dict(p=nan, ctw=ctw, abs_ci=(nan, nan), rel_ci=(nan, nan))


def mean_stats(engine, nc, sc, qc, nt, st, qt, *, ci=0.95, tuning_n=5000.0) -> dict:
    """The same for a numeric metric from users, sums and sums of squares per arm."""
    nc, sc, qc, nt, st, qt = (np.asarray(v, dtype=float) for v in (nc, sc, qc, nt, st, qt))
    alpha, z = 1 - ci, _z(ci)
    mc, mt = sc / nc, st / nt
    vc = np.maximum((qc - sc**2 / nc) / (nc - 1), 0) / nc
    vt = np.maximum((qt - st**2 / nt) / (nt - 1), 0) / nt
    d, var = mt - mc, vt + vc
    nan = np.full(d.shape, np.nan)
    positive = (mt > 0) & (mc > 0)

    def rel(mult):
        lo, hi = _log_ratio(mt, vt, mc, vc, mult)
        flo, fhi = _fieller(mt, vt, mc, vc, mult)
        undefined = ~(mc > 0)
        lo, hi = np.where(positive, lo, flo), np.where(positive, hi, fhi)
        return np.where(undefined, np.nan, lo), np.where(undefined, np.nan, hi)

    if engine == "frequentist":
        df = var**2 / (vt**2 / (nt - 1) + vc**2 / (nc - 1))
        tstat = d / np.sqrt(var)
        p = 2 * stats.t.sf(np.abs(tstat), df)
        half = stats.t.ppf(1 - alpha / 2, df) * np.sqrt(var)
        return dict(p=p, ctw=nan, abs_ci=(d - half, d + half), rel_ci=rel(z))
    if engine == "sequential":
        n_total = nc + nt
        mult, _ = _seq_multiplier(n_total, alpha, tuning_n)
        half = np.sqrt(var) * mult
        p = _seq_p(d, var, n_total, alpha, tuning_n)
        return dict(p=p, ctw=nan, abs_ci=(d - half, d + half), rel_ci=rel(mult))
    ctw = stats.norm.cdf(d / np.sqrt(var))
    half = z * np.sqrt(var)
    return dict(p=nan, ctw=ctw, abs_ci=(d - half, d + half), rel_ci=_fieller(mt, vt, mc, vc, z))


def calls(engine: str, stats_: dict, ci: float = 0.95) -> np.ndarray:
    """Which runs the engine calls: the engines' own ``decide_calls`` on the arrays."""
    return decide_calls(
        engine, ci, p_adjusted=stats_["p"], chance_to_win=stats_["ctw"],
        abs_ci=stats_["abs_ci"], rel_ci=stats_["rel_ci"],
    )  # fmt: skip


def old_bayesian_calls(stats_: dict, ci: float = 0.95) -> np.ndarray:
    """The rule before issue #13: chance to win >= ci or <= 1 - ci (twice alpha)."""
    return (stats_["ctw"] >= ci) | (stats_["ctw"] <= 1 - ci)


def daily_rates(rng, runs, days, per_day, rate_c, rate_t):
    """Cumulative (users, conversions) per arm after each day: arrays (runs, days)."""
    xc = rng.binomial(per_day, rate_c, (runs, days)).cumsum(axis=1)
    xt = rng.binomial(per_day, rate_t, (runs, days)).cumsum(axis=1)
    n = per_day * np.arange(1, days + 1)
    return n, xc, xt


def _cell_sums(rng, k, sigma, scale):
    """Sum and sum of squares of k zero-free lognormal spends per cell (any shape)."""
    flat = k.ravel()
    values = scale * rng.lognormal(3.0, sigma, int(flat.sum()))
    starts = np.concatenate([[0], np.cumsum(flat)[:-1]])
    sums = np.add.reduceat(np.append(values, 0.0), starts) * (flat > 0)
    squares = np.add.reduceat(np.append(values**2, 0.0), starts) * (flat > 0)
    return sums.reshape(k.shape), squares.reshape(k.shape)


def daily_revenue(rng, runs, days, per_day, *, buy_rate=0.05, sigma=1.2, lift=0.0):
    """Cumulative (users, sum, sum of squares) per arm of a skewed revenue per user.

    Revenue per user is 0 unless the user buys (``buy_rate``), then lognormal(3, sigma):
    most users spend nothing and a few spend a lot. ``lift`` scales the treatment's spend.
    """
    out = []
    for scale in (1.0, 1.0 + lift):
        k = rng.binomial(per_day, buy_rate, (runs, days))
        s, q = _cell_sums(rng, k, sigma, scale)
        out.append((s.cumsum(axis=1), q.cumsum(axis=1)))
    n = per_day * np.arange(1, days + 1)
    return n, out[0], out[1]
