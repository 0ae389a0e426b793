"""Power, sample size, minimum detectable effect and "how many more days".

Three textbook formulas for two proportions disagree by a few percent; each is named, so
a manager comparing with an online calculator can see which one matches:

* ``"baseline_variance"`` (default) - Evan Miller's A/B sample-size calculator
  (evanmiller.org/ab-testing/sample-size.html, ``num_subjects``): the variance under the
  null uses the baseline rate in both arms,
  n = (z_{1-a/2} sqrt(2 p1 q1) + z_{1-b} sqrt(p1 q1 + p2 q2))^2 / d^2.
  20 % -> 25 %, alpha 0.05, power 0.8: 1,030 per arm, as the calculator shows.
* ``"pooled"`` - Fleiss, Levin & Paik (2003), Statistical Methods for Rates and
  Proportions, 3rd ed., eq. (4.14) without continuity correction, null variance at the
  average rate p = (p1 + p2) / 2: 1,094 per arm for the same inputs.
* ``"unpooled"`` - Chow, Shao & Wang (2008), Sample Size Calculations in Clinical
  Research, 2nd ed., §4.2: n = (z_{1-a/2} + z_{1-b})^2 (p1 q1 + p2 q2) / d^2: 1,091.
* ``"cohens_h"`` - statsmodels ``NormalIndPower`` with ``proportion_effectsize`` (Cohen
  1988, arcsine-transformed effect size h): 1,092.

The closed forms are written by hand because statsmodels only offers the Cohen's h route.
"""

from __future__ import annotations

import dataclasses
import math

from scipy import optimize, stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from core.errors import DataError
from core.experiments.options import POWER_METHODS, PowerMethod
from core.i18n import tr


@dataclasses.dataclass(frozen=True)
class SampleSize:
    """Users needed per arm to detect a change from ``baseline`` to ``target``."""

    n_per_arm: int
    baseline: float
    target: float
    alpha: float
    power: float
    method: str
    by_method: dict = dataclasses.field(default_factory=dict)
    message: str = ""

    def to_dict(self) -> dict:
        """JSON-ready dict; ``n_per_arm`` first (the ``power`` command's output contract)."""
        return {
            "n_per_arm": self.n_per_arm,
            "baseline": self.baseline,
            "target": self.target,
            "absolute_mde": self.target - self.baseline,
            "relative_mde": (self.target / self.baseline - 1) if self.baseline else None,
            "alpha": self.alpha,
            "power": self.power,
            "method": self.method,
            "n_per_arm_by_method": dict(self.by_method),
        }


def _check_rate(value: float, name: str) -> None:
    """Refuse a rate outside (0, 1), naming it."""
    if not (0 < value < 1):
        raise DataError(
            tr(
                "{name}={value} should be a rate strictly between 0 and 1 (e.g. 0.2).",
                name=name,
                value=value,
            )
        )


def _n_raw(p1: float, p2: float, alpha: float, power: float, method: str) -> float:
    """Users per arm (not rounded) for a change p1 -> p2 by the named formula."""
    za = stats.norm.ppf(1 - alpha / 2)
    zb = stats.norm.ppf(power)
    d = p2 - p1
    q1, q2 = 1 - p1, 1 - p2
    if method == "baseline_variance":
        return (za * math.sqrt(2 * p1 * q1) + zb * math.sqrt(p1 * q1 + p2 * q2)) ** 2 / d**2
    if method == "pooled":
        pbar = (p1 + p2) / 2
        return (
            za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * q1 + p2 * q2)
        ) ** 2 / d**2
    if method == "unpooled":
        return (za + zb) ** 2 * (p1 * q1 + p2 * q2) / d**2
    if method == "cohens_h":
        h = proportion_effectsize(p2, p1)
        return float(
            NormalIndPower().solve_power(effect_size=abs(h), alpha=alpha, power=power, ratio=1.0)
        )
    raise DataError(
        tr(
            "method={value} should be one of {options}.",
            value=repr(method),
            options=", ".join(POWER_METHODS),
        )
    )


def target_rate(baseline: float, mde: float, *, absolute: bool = False) -> float:
    """The rate to detect: ``baseline + mde`` (absolute) or ``baseline * (1 + mde)``."""
    return baseline + mde if absolute else baseline * (1 + mde)


def sample_size(
    baseline: float,
    mde: float,
    *,
    absolute: bool = False,
    alpha: float = 0.05,
    power: float = 0.8,
    method: PowerMethod = "baseline_variance",
) -> SampleSize:
    """Users per arm for a two-sided two-proportion test (equal arms).

    Parameters
    ----------
    baseline : float
        Control conversion rate, e.g. 0.2.
    mde : float
        Minimum detectable effect: relative (0.1 = +10 %) unless ``absolute``
        (0.05 = +5 percentage points).
    absolute : bool
        Read ``mde`` as a difference in rate.
    alpha, power : float
        Two-sided significance level and power.
    method : {"baseline_variance", "pooled", "unpooled", "cohens_h"}
        Which formula gives ``n_per_arm`` (see the module docstring); all four are
        returned in ``by_method``.

    Returns
    -------
    SampleSize
    """
    _check_rate(baseline, "baseline")
    _check_rate(alpha, "alpha")
    _check_rate(power, "power")
    target = target_rate(baseline, mde, absolute=absolute)
    if not (0 < target < 1) or target == baseline:
        raise DataError(
            tr(
                "baseline {baseline} with a change of {change} gives a target rate of {target}; "
                "choose a non-zero change that keeps the rate between 0 and 1.",
                baseline=baseline,
                change=mde,
                target=f"{target:.4g}",
            )
        )
    if method not in POWER_METHODS:
        raise DataError(
            tr(
                "method={value} should be one of {options}.",
                value=repr(method),
                options=", ".join(POWER_METHODS),
            )
        )
    by = {
        m: int(math.ceil(_n_raw(baseline, target, alpha, power, m) - 1e-9)) for m in POWER_METHODS
    }
    return SampleSize(by[method], baseline, target, alpha, power, method, by)


MIN_USERS_PER_ARM = 2  # the fewest users whose spread can be estimated


def sample_size_means(std: float, mde: float, *, alpha: float = 0.05, power: float = 0.8) -> int:
    """Users per arm to detect an absolute change ``mde`` in a mean with std ``std``.

    statsmodels ``NormalIndPower`` with Cohen's d = mde / std (two-sided, equal arms).

    Parameters
    ----------
    std : float
        Standard deviation of the metric per user (above 0).
    mde : float
        Absolute change to detect (not 0).
    alpha, power : float
        Two-sided significance level and power, each strictly between 0 and 1.

    Returns
    -------
    int
        Users per arm; at least :data:`MIN_USERS_PER_ARM`. A change so large that that
        many users already detect it needs that many (the solver finds no root below it
        and would return NaN).

    Raises
    ------
    DataError
        A non-positive or non-finite ``std``, a zero or non-finite ``mde``, or ``alpha``
        / ``power`` outside (0, 1).
    """
    if not (math.isfinite(std) and std > 0) or not math.isfinite(mde) or mde == 0:
        raise DataError(tr("The standard deviation must be positive and the change non-zero."))
    _check_rate(alpha, "alpha")
    _check_rate(power, "power")
    solver = NormalIndPower()
    effect = abs(mde) / std
    if solver.power(effect_size=effect, nobs1=MIN_USERS_PER_ARM, alpha=alpha) >= power:
        return MIN_USERS_PER_ARM
    n = solver.solve_power(effect_size=effect, alpha=alpha, power=power)
    return max(MIN_USERS_PER_ARM, int(math.ceil(float(n) - 1e-9)))


def minimum_detectable_effect(
    baseline: float,
    n_per_arm: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    method: PowerMethod = "baseline_variance",
) -> float:
    """Smallest absolute increase in rate detectable with ``n_per_arm`` users per arm.

    Solves the sample-size formula for the difference (scipy ``brentq``). Returns NaN
    when even a jump to a rate near 1 is not detectable.
    """
    _check_rate(baseline, "baseline")
    if not n_per_arm >= 2:
        raise DataError(tr("Users per group should be at least 2 to estimate a detectable effect."))
    upper = 1 - baseline - 1e-9

    def gap(d: float) -> float:
        """Users needed for an effect of ``d`` minus the users available."""
        return _n_raw(baseline, baseline + d, alpha, power, method) - n_per_arm

    if gap(upper) > 0:
        return float("nan")
    return float(optimize.brentq(gap, 1e-9, upper, xtol=1e-12))


def days_needed(n_per_arm: int, *, daily_users: float, users_so_far: int = 0, arms: int = 2) -> int:
    """Whole days of traffic still needed to reach ``n_per_arm`` in every arm.

    Parameters
    ----------
    n_per_arm : int
        Target users per arm.
    daily_users : float
        Users entering the experiment per day, all arms together.
    users_so_far : int
        Users already in the experiment, all arms together.
    arms : int
        Number of variants including the control (equal split).
    """
    if not (math.isfinite(daily_users) and daily_users > 0):
        raise DataError(tr("Daily users should be a positive number (users entering per day)."))
    if not (arms >= 2 and arms == int(arms)):
        raise DataError(
            tr(
                "arms={value} should be a whole number of 2 or more (control included).",
                value=arms,
            )
        )
    if not users_so_far >= 0:
        raise DataError(tr("users_so_far={value} should be 0 or more.", value=users_so_far))
    remaining = max(0, n_per_arm * arms - users_so_far)
    return int(math.ceil(remaining / daily_users))
