"""Two-arm comparisons on aggregate statistics: SRM, frequentist, Bayesian, sequential.

Style follows GrowthBook's gbstats: the inputs are small frozen dataclasses
(``SampleMean(n, sum, sum_squares)``, ``Proportion(n, conversions)``), option sets are
``Literal`` aliases, and degenerate but legal data (an empty arm, zero variance, a control
mean of zero) returns a ``Comparison`` carrying a ``message`` instead of raising.

Relative-lift intervals and the Bayesian posterior's quantiles are computed in
``core.experiments.intervals``; the decision of what counts as a call is
``core.experiments.analysis.decide_calls``.

Why this module is long: the three engines return the same ``Comparison`` and share
its construction (``_base``, ``_with_lift``, ``relative_lift``); split apart, each engine
would import the others' private helpers.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import integrate, special, stats
from statsmodels.stats.meta_analysis import combine_effects
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep

from core.experiments.intervals import (
    _beta_nodes,
    beta_difference_interval,
    beta_ratio_interval,
    fieller_interval,
    log_ratio_interval,
    rate_ratio_interval,
)
from core.experiments.options import ENGINES, Correction, Engine
from core.i18n import tr

SRM_THRESHOLD = 0.001
NAN = float("nan")


@dataclasses.dataclass(frozen=True)
class SampleMean:
    """Sufficient statistics of a numeric metric in one arm: users, sum, sum of squares."""

    n: int
    sum: float
    sum_squares: float

    @property
    def mean(self) -> float:
        """The arm's mean (NaN when empty)."""
        return self.sum / self.n if self.n > 0 else NAN

    @property
    def variance(self) -> float:
        """Unbiased sample variance (n - 1 in the denominator)."""
        if self.n < 2:
            return NAN
        return max(0.0, (self.sum_squares - self.sum**2 / self.n) / (self.n - 1))


@dataclasses.dataclass(frozen=True)
class Proportion:
    """A 0/1 metric in one arm: users and how many of them converted."""

    n: int
    conversions: float

    @property
    def sum(self) -> float:
        """Total of the metric: the conversions."""
        return float(self.conversions)

    @property
    def sum_squares(self) -> float:
        """Total of the squared metric: the conversions again (0/1 values)."""
        return float(self.conversions)

    @property
    def mean(self) -> float:
        """The arm's mean (NaN when empty)."""
        return self.conversions / self.n if self.n > 0 else NAN

    @property
    def variance(self) -> float:
        """Bernoulli variance p (1 - p), as the two-proportion z-test uses it."""
        p = self.mean
        return p * (1.0 - p) if self.n > 0 else NAN


Statistic = SampleMean | Proportion


@dataclasses.dataclass(frozen=True)
class Comparison:
    """One treatment arm against the control on one metric.

    ``lift``, ``ci_low`` and ``ci_high`` are relative (0.12 = +12 %); ``abs_*`` are in the
    metric's unit. ``p_value`` is NaN for the Bayesian engine, ``chance_to_win`` and
    ``expected_loss`` are NaN for the other two. ``message`` explains any NaN.
    """

    engine: str
    n: int
    mean: float
    control_n: int
    control_mean: float
    abs_diff: float = NAN
    abs_ci_low: float = NAN
    abs_ci_high: float = NAN
    lift: float = NAN
    ci_low: float = NAN
    ci_high: float = NAN
    p_value: float = NAN
    chance_to_win: float = NAN
    expected_loss: float = NAN
    message: str = ""


@dataclasses.dataclass(frozen=True)
class SrmResult:
    """Sample-ratio-mismatch check: chi-square goodness of fit of users per variant."""

    p_value: float
    chi2: float
    observed: dict
    expected: dict
    flagged: bool
    message: str = ""


@dataclasses.dataclass(frozen=True)
class Heterogeneity:
    """Cochran's Q test of whether one effect differs between segments."""

    q: float
    df: int
    p_value: float
    i2: float
    message: str = ""


# ---------------------------------------------------------------------------------------
# helpers


def _z(ci: float) -> float:
    """The two-sided normal quantile for coverage ``ci``."""
    return float(special.ndtri(0.5 + ci / 2.0))  # stats.norm.ppf, without its overhead


def _both_proportions(control: Statistic, treatment: Statistic) -> bool:
    """True when both arms are 0/1 metrics."""
    return isinstance(control, Proportion) and isinstance(treatment, Proportion)


def _degenerate(control: Statistic, treatment: Statistic) -> str:
    """A plain reason why the two arms cannot be compared, or ''."""
    if control.n < 2 or treatment.n < 2:
        return tr("One of the groups has fewer than 2 users, so there is nothing to compare yet.")
    if control.variance == 0 and treatment.variance == 0:
        return tr(
            "Every user in both groups has the same value of this metric, "
            "so the test cannot tell the groups apart."
        )
    return ""


def _base(engine: str, control: Statistic, treatment: Statistic, message: str = "") -> Comparison:
    """A Comparison holding the arms' sizes and means and no test yet."""
    return Comparison(
        engine=engine,
        n=int(treatment.n),
        mean=float(treatment.mean),
        control_n=int(control.n),
        control_mean=float(control.mean),
        abs_diff=float(treatment.mean - control.mean) if control.n and treatment.n else NAN,
        message=message,
    )


def relative_lift(
    mean: float, var_of_mean: float, control_mean: float, control_var_of_mean: float
) -> tuple[float, float]:
    """Relative lift ``mean / control_mean - 1`` and its delta-method standard error.

    var(lift) = var(m_t) / m_c^2 + m_t^2 var(m_c) / m_c^4, which with var(m) = s^2/n is
    s_t^2/(m_c^2 n_t) + s_c^2 m_t^2/(m_c^4 n_c)
    (first-order Taylor expansion of the ratio; Casella & Berger 2002, §5.5.4).
    """
    if control_mean == 0 or not math.isfinite(control_mean):
        return NAN, NAN
    lift = mean / control_mean - 1.0
    var = var_of_mean / control_mean**2 + mean**2 * control_var_of_mean / control_mean**4
    return lift, math.sqrt(max(var, 0.0))


def _with_lift(c: Comparison, lift: float, interval: tuple[float, float]) -> Comparison:
    """``c`` with the relative lift and its interval (NaN when not stated) filled in."""
    if not math.isfinite(lift):  # a control average of 0 or below: only the difference
        return c
    return dataclasses.replace(c, lift=lift, ci_low=interval[0], ci_high=interval[1])


def _lift_interval(control: Statistic, treatment: Statistic, multiplier: float) -> tuple:
    """Relative lift and its interval: log-ratio for positive means, else Fieller."""
    mt, mc = treatment.mean, control.mean
    if not mc > 0:  # a change relative to 0 or to a loss has no plain meaning
        return NAN, (NAN, NAN)
    lift = mt / mc - 1.0
    if _both_proportions(control, treatment):
        interval = rate_ratio_interval(
            treatment.conversions, treatment.n, control.conversions, control.n, multiplier
        )
    elif mt > 0 and mc > 0:
        vt, vc = treatment.variance / treatment.n, control.variance / control.n
        interval = log_ratio_interval(mt, vt, mc, vc, multiplier)
    else:
        vt, vc = treatment.variance / treatment.n, control.variance / control.n
        interval = fieller_interval(mt, vt, mc, vc, multiplier)
    return lift, interval


# ---------------------------------------------------------------------------------------
# SRM


def srm_test(counts: Mapping[str, int], planned: Mapping[str, float] | None = None) -> SrmResult:
    """Sample-ratio-mismatch check of users per variant against the planned split.

    Parameters
    ----------
    counts : mapping
        Users per variant.
    planned : mapping, optional
        Planned share (any positive weights) per variant; equal split when omitted.

    Returns
    -------
    SrmResult
        ``flagged`` is True when p < 0.001 (scipy.stats.chisquare).
    """
    names = list(counts)
    observed = np.array([float(counts[k]) for k in names])
    if len(names) < 2 or observed.sum() <= 0:
        return SrmResult(
            NAN, NAN, dict(counts), {}, False, tr("Need users in at least two groups.")
        )
    weights = np.array([float((planned or {}).get(k, 1.0)) for k in names])
    if planned is None:
        weights = np.ones(len(names))
    expected = observed.sum() * weights / weights.sum()
    chi2, p = stats.chisquare(observed, expected)
    flagged = bool(p < SRM_THRESHOLD)
    msg = (
        tr(
            "The groups' sizes do not match the planned split (p < 0.001): check how users "
            "were assigned before trusting any result."
        )
        if flagged
        else ""
    )
    return SrmResult(
        float(p),
        float(chi2),
        {k: int(v) for k, v in zip(names, observed, strict=True)},
        {k: float(v) for k, v in zip(names, expected, strict=True)},
        flagged,
        msg,
    )


# ---------------------------------------------------------------------------------------
# frequentist


def frequentist_test(control: Statistic, treatment: Statistic, *, ci: float = 0.95) -> Comparison:
    """Two-proportion z-test (Wald, unpooled) or Welch's t-test, with a delta-method lift.

    Parameters
    ----------
    control, treatment : Proportion or SampleMean
        Two ``Proportion`` use statsmodels' ``test_proportions_2indep`` and
        ``confint_proportions_2indep`` (method "wald", so the interval and the p-value
        agree); anything else uses ``scipy.stats.ttest_ind_from_stats(equal_var=False)``
        with a Welch-Satterthwaite t interval for the absolute difference.
    ci : float
        Interval coverage, e.g. 0.95.

    Returns
    -------
    Comparison
    """
    msg = _degenerate(control, treatment)
    out = _base("frequentist", control, treatment, msg)
    if msg:
        return out
    alpha = 1.0 - ci
    mt, mc = treatment.mean, control.mean
    vt, vc = treatment.variance / treatment.n, control.variance / control.n
    if _both_proportions(control, treatment):
        with np.errstate(divide="ignore", invalid="ignore"):  # odds ratio at p = 0 or 1
            res = test_proportions_2indep(
                treatment.conversions, treatment.n, control.conversions, control.n,
                method="wald", compare="diff",
            )  # fmt: skip
        p = float(res.pvalue)
        lo, hi = confint_proportions_2indep(
            treatment.conversions, treatment.n, control.conversions, control.n,
            method="wald", compare="diff", alpha=alpha,
        )  # fmt: skip
    else:
        res = stats.ttest_ind_from_stats(
            mt, math.sqrt(treatment.variance), treatment.n,
            mc, math.sqrt(control.variance), control.n, equal_var=False,
        )  # fmt: skip
        p = float(res.pvalue)
        se = math.sqrt(vt + vc)
        # Welch-Satterthwaite degrees of freedom (Welch 1947), as scipy uses for the test.
        df = (vt + vc) ** 2 / (vt**2 / (treatment.n - 1) + vc**2 / (control.n - 1))
        half = float(stats.t.ppf(1 - alpha / 2, df)) * se
        lo, hi = mt - mc - half, mt - mc + half
    out = dataclasses.replace(out, abs_ci_low=float(lo), abs_ci_high=float(hi), p_value=p)
    return _with_lift(out, *_lift_interval(control, treatment, _z(ci)))


# ---------------------------------------------------------------------------------------
# Bayesian


def prob_beta_greater(a1: float, b1: float, a2: float, b2: float) -> float:
    """P(X1 > X2) for independent X1 ~ Beta(a1, b1), X2 ~ Beta(a2, b2).

    Numerical integration of f1(x) F2(x): composite 48-point Gauss-Legendre on 16 panels
    over the region holding all but 2e-13 of X1's mass (smooth integrand, error ~1e-10,
    well under a millisecond); ``scipy.integrate.quad`` on [0, 1] when a shape parameter
    is below 1 (integrable endpoint singularity). Valid for non-integer priors, unlike
    Evan Miller's (2015) closed-form sum, which the tests use as a cross-check.
    """
    if a1 < 1 or b1 < 1:
        val, _ = integrate.quad(
            lambda x: stats.beta.pdf(x, a1, b1) * special.betainc(a2, b2, x), 0, 1, limit=200
        )
        return float(min(max(val, 0.0), 1.0))
    x, w = _beta_nodes(a1, b1)
    val = float(np.sum(w * special.betainc(a2, b2, x)))
    return float(min(max(val, 0.0), 1.0))


def bayesian_test(
    control: Statistic,
    treatment: Statistic,
    *,
    ci: float = 0.95,
    prior: tuple[float, float] = (1.0, 1.0),
) -> Comparison:
    """Beta-binomial (rates) or normal (means) posterior comparison.

    Parameters
    ----------
    control, treatment : Proportion or SampleMean
    ci : float
        Credible-interval mass.
    prior : (alpha, beta)
        Beta prior for rates (default uniform Beta(1, 1)); means use a flat prior, so
        each arm's posterior mean is N(mean, s^2 / n).

    Returns
    -------
    Comparison
        ``chance_to_win`` = P(treatment > control) (exact Beta integral for rates);
        ``expected_loss`` = E[max(control - treatment, 0)], the expected shortfall when
        shipping the treatment (Stucchio 2015, "Bayesian A/B testing at VWO", closed form
        for Beta via E[X 1{X>Y}] = E[X] P(X' > Y), X' ~ Beta(a+1, b)). Intervals are
        equal-tailed quantiles of the posterior: numerical for Beta posteriors
        (``core.experiments.intervals``), exact normal for the difference of means and
        Fieller's form for their ratio. So the interval at ``ci`` excludes zero exactly
        when the chance to win is beyond (1 + ci) / 2 on either side.
    """
    msg = _degenerate(control, treatment)
    out = _base("bayesian", control, treatment, msg)
    if msg:
        return out
    z = _z(ci)
    if _both_proportions(control, treatment):
        a0, b0 = prior
        at, bt = a0 + treatment.conversions, b0 + treatment.n - treatment.conversions
        ac, bc = a0 + control.conversions, b0 + control.n - control.conversions
        mt, mc = at / (at + bt), ac / (ac + bc)
        ctw = prob_beta_greater(at, bt, ac, bc)
        loss = mc * prob_beta_greater(ac + 1, bc, at, bt) - mt * prob_beta_greater(
            ac, bc, at + 1, bt
        )
        abs_lo, abs_hi = beta_difference_interval(at, bt, ac, bc, ci)
        rel = beta_ratio_interval(at, bt, ac, bc, ci)
    else:
        mt, mc = treatment.mean, control.mean
        vt, vc = treatment.variance / treatment.n, control.variance / control.n
        d, s = mt - mc, math.sqrt(vt + vc)
        ctw = float(stats.norm.cdf(d / s))
        # E[max(-D, 0)] for D ~ N(d, s^2): s phi(d/s) - d Phi(-d/s) (normal partial expectation)
        loss = float(s * stats.norm.pdf(d / s) - d * stats.norm.cdf(-d / s))
        abs_lo, abs_hi = d - z * s, d + z * s
        rel = fieller_interval(mt, vt, mc, vc, z)
    out = dataclasses.replace(
        out,
        abs_diff=float(mt - mc),
        abs_ci_low=float(abs_lo),
        abs_ci_high=float(abs_hi),
        chance_to_win=float(ctw),
        expected_loss=float(max(loss, 0.0)),
    )
    lift = mt / mc - 1.0 if mc > 0 else NAN
    return _with_lift(out, lift, rel)


# ---------------------------------------------------------------------------------------
# sequential


def _cs_rho(alpha: float, tuning_n: float) -> float:
    """The mixture parameter that makes the confidence sequence tightest at ``tuning_n``."""
    # Mixture parameter that makes the boundary tightest at ``tuning_n`` total users:
    # Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas (2023), "Time-uniform central limit
    # theory and asymptotic confidence sequences", arXiv:2103.06476v7, eq. (161), after
    # Howard, Ramdas, McAuliffe & Sekhon (2021), Ann. Statist. 49(2), normal mixture.
    return math.sqrt((-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / tuning_n)


def _cs_factor(n_total: float, alpha: float, rho: float) -> float:
    """Half-width multiplier of the confidence sequence after ``n_total`` users."""
    # Same paper, Thm 2.2 (two-sided normal-mixture asymptotic confidence sequence):
    # half-width = sigma * sqrt(2 (N rho^2 + 1) / (N^2 rho^2) * log(sqrt(N rho^2 + 1) / alpha)).
    # Not in scipy/statsmodels, hence by hand; the same construction GrowthBook's gbstats
    # uses for its sequential mode (N = users in both arms, sigma^2 = N * var(estimate)).
    t = n_total * rho**2
    return math.sqrt(2 * (t + 1) / (n_total * t) * math.log(math.sqrt(t + 1) / alpha))


def sequential_test(
    control: Statistic, treatment: Statistic, *, ci: float = 0.95, tuning_n: float = 5000
) -> Comparison:
    """Always-valid (safe to look every day) asymptotic confidence sequence.

    Parameters
    ----------
    control, treatment : Proportion or SampleMean
    ci : float
        Coverage that holds simultaneously over every look at the data.
    tuning_n : float
        Total users at which the sequence is tightest (GrowthBook's default, 5000).

    Returns
    -------
    Comparison
        Intervals are wider than the fixed-horizon ones; ``p_value`` is the always-valid
        p-value, the smallest alpha at which the sequence excludes zero.
    """
    msg = _degenerate(control, treatment)
    out = _base("sequential", control, treatment, msg)
    if msg:
        return out
    alpha = 1.0 - ci
    n_total = control.n + treatment.n
    rho = _cs_rho(alpha, tuning_n)
    factor = _cs_factor(n_total, alpha, rho)
    mt, mc = treatment.mean, control.mean
    vt, vc = treatment.variance / treatment.n, control.variance / control.n
    var = vt + vc
    d = mt - mc
    half = math.sqrt(n_total * var) * factor
    t = n_total * rho**2
    first = 2 * (t + 1) / (n_total * t)
    # always-valid p-value: invert half-width(alpha') = |d| with rho held fixed; equals
    # 1 / e-value of eq. (155) in Waudby-Smith et al. (2023)
    p = min(1.0, math.sqrt(t + 1) * math.exp(-(d**2) / (n_total * var * first)))
    out = dataclasses.replace(out, abs_ci_low=d - half, abs_ci_high=d + half, p_value=float(p))
    return _with_lift(out, *_lift_interval(control, treatment, math.sqrt(n_total) * factor))


def compare(
    control: Statistic,
    treatment: Statistic,
    *,
    engine: Engine = "frequentist",
    ci: float = 0.95,
    prior: tuple[float, float] = (1.0, 1.0),
    tuning_n: float = 5000,
) -> Comparison:
    """Dispatch to ``frequentist_test``, ``bayesian_test`` or ``sequential_test``."""
    if engine == "frequentist":
        return frequentist_test(control, treatment, ci=ci)
    if engine == "bayesian":
        return bayesian_test(control, treatment, ci=ci, prior=prior)
    if engine == "sequential":
        return sequential_test(control, treatment, ci=ci, tuning_n=tuning_n)
    raise ValueError(f"engine={engine!r} should be one of {ENGINES}.")


# ---------------------------------------------------------------------------------------
# multiple comparisons and heterogeneity


def adjust_p_values(p_values: Sequence[float], correction: Correction = "holm") -> np.ndarray:
    """Holm or Benjamini-Hochberg adjusted p-values (as statsmodels ``multipletests``).

    NaN p-values stay NaN and are not counted in the family.
    """
    p = np.asarray(p_values, dtype=float)
    out = p.copy()
    ok = np.isfinite(p)
    if correction == "none" or ok.sum() == 0:
        return out
    if correction == "holm":
        out[ok] = _holm(p[ok])
    else:
        out[ok] = multipletests(p[ok], method="fdr_bh")[1]
    return out


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values."""
    # Holm (1979) step-down adjusted p-values: sort, multiply the i-th smallest by
    # (m - i), running maximum, cap at 1. Written out because statsmodels' Holm branch
    # calls gc.collect(), which costs ~0.1 s per call when a million-row frame is in
    # memory; the tests check it equals multipletests(method="holm").
    order = np.argsort(p, kind="stable")
    m = p.size
    adjusted = np.maximum.accumulate(p[order] * np.arange(m, 0, -1))
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def heterogeneity_test(effects: Sequence[float], variances: Sequence[float]) -> Heterogeneity:
    """Cochran's Q test that per-segment effects are equal (statsmodels ``combine_effects``).

    Parameters
    ----------
    effects, variances : sequences
        One effect estimate and its sampling variance per segment.
    """
    e = np.asarray(effects, dtype=float)
    v = np.asarray(variances, dtype=float)
    ok = np.isfinite(e) & np.isfinite(v) & (v > 0)
    if ok.sum() < 2:
        return Heterogeneity(NAN, 0, NAN, NAN, tr("Need at least two segments with data."))
    res = combine_effects(e[ok], v[ok], use_t=False)
    h = res.test_homogeneity()
    return Heterogeneity(float(h.statistic), int(h.df), float(h.pvalue), float(max(res.i2, 0.0)))
