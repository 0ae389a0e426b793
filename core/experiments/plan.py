"""The experiment plan: which metric, what effect to detect, and how many users it takes.

A plan is fixed before the data comes in. It sets the sample size (from the power
calculator in ``core.experiments.power``), so an analysis can say how far along the test
is and whether a fixed-horizon verdict is final yet, and it tunes the sequential engine:
the confidence sequence is made tightest at the planned number of users, as GrowthBook
and Eppo tune theirs.

:func:`power_at_plan` gives each engine's chance to call a true effect of the planned
size with one look at the planned sample. The frequentist and Bayesian engines use the
normal approximation of the two-sided test (with a flat prior the Bayesian rule "chance
to win beyond 1 - alpha/2" is the same cut-off); the sequential engine uses the
confidence sequence's half-width at that sample. ``benchmarks/bench_experiments.py``
checks all three against simulation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

from scipy import stats

from core.errors import DataError
from core.experiments.options import ENGINES
from core.experiments.power import sample_size, sample_size_means, target_rate
from core.experiments.stats import _cs_factor, _cs_rho

KINDS = ("rate", "mean")
_REQUIRED = ("metric", "kind", "baseline", "mde", "n_per_arm")


@dataclasses.dataclass(frozen=True)
class ExperimentPlan:
    """What an experiment sets out to detect and the users it needs.

    Attributes
    ----------
    metric : str
        The metric the plan is for (a column of the experiment data).
    kind : {"rate", "mean"}
        A 0/1 conversion metric or an average per user.
    baseline : float
        The control's expected rate (strictly between 0 and 1) or average.
    mde : float
        Minimum detectable effect: relative (0.10 = +10 %) unless ``absolute``.
    absolute : bool
        Read ``mde`` in the metric's unit (rate points for a rate).
    alpha, power : float
        Two-sided significance level and the chance to detect ``mde``.
    std : float or None
        Standard deviation per user, for a mean metric.
    n_per_arm : int
        Planned users per arm.
    arms : int
        Variants, control included, with an equal split.
    start_date, end_date : datetime.date or None
        When the test starts and when, at ``daily_users``, it reaches ``n_per_arm``.
    daily_users : float or None
        Users entering the test per day, all arms together.
    """

    metric: str
    kind: str
    baseline: float
    mde: float
    n_per_arm: int
    absolute: bool = False
    alpha: float = 0.05
    power: float = 0.8
    std: float | None = None
    arms: int = 2
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    daily_users: float | None = None

    @property
    def planned_users(self) -> int:
        """Planned users in all arms together."""
        return int(self.n_per_arm * self.arms)

    @property
    def target(self) -> float:
        """The control's value plus the minimum detectable effect."""
        return target_rate(self.baseline, self.mde, absolute=self.absolute)

    @property
    def comparison_users(self) -> int:
        """Planned users in one treatment-versus-control comparison (two arms)."""
        return int(2 * self.n_per_arm)

    def to_dict(self) -> dict:
        """JSON-safe dict (dates as ISO text); :meth:`from_dict` reads it back.

        Returns
        -------
        dict
            Every field, plus ``planned_users`` and ``target`` for readers of the JSON.
        """
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.isoformat() if isinstance(value, dt.date) else value
        out["planned_users"] = self.planned_users
        out["target"] = self.target
        return out

    @classmethod
    def from_dict(cls, data: dict) -> ExperimentPlan:
        """A plan from :meth:`to_dict`'s output, checked as :func:`make_plan` checks it.

        Parameters
        ----------
        data : dict
            The plan's fields; ``planned_users`` and ``target`` are accepted and ignored.

        Returns
        -------
        ExperimentPlan

        Raises
        ------
        DataError
            Not a dict, an unknown or missing field, a date that is not ``YYYY-MM-DD``,
            or values that make an impossible plan.
        """
        if not isinstance(data, dict):
            raise DataError("A saved plan should be a JSON object with metric, kind, baseline…")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names - {"planned_users", "target"})
        if unknown:
            raise DataError(
                f"The saved plan has unknown fields ({', '.join(map(str, unknown))}); "
                "it may come from a newer version: make the plan again."
            )
        missing = [k for k in _REQUIRED if data.get(k) is None]
        if missing:
            raise DataError(
                f"The saved plan lacks {', '.join(missing)}; make the plan again "
                "with the power calculator."
            )
        values = {k: v for k, v in data.items() if k in names}
        for key in ("start_date", "end_date"):
            if isinstance(values.get(key), str):
                try:
                    values[key] = dt.date.fromisoformat(values[key])
                except ValueError:
                    raise DataError(
                        f"The plan's {key} '{values[key]}' is not a date like 2026-03-01."
                    ) from None
        try:
            plan = cls(**values)
        except TypeError as exc:  # pragma: no cover - guarded by the name checks above
            raise DataError(f"The saved plan could not be read ({exc}).") from None
        _validate(plan)
        return plan


def _number(value: Any, name: str) -> float:
    """``value`` as a finite float, else a DataError naming it."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise DataError(f"The plan's {name} '{value}' is not a number.") from None
    if not math.isfinite(out):
        raise DataError(f"The plan's {name} should be a finite number, not {value}.")
    return out


def _validate(plan: ExperimentPlan) -> None:
    """Refuse a plan that cannot be run, in one sentence naming the value."""
    if not isinstance(plan.metric, str) or not plan.metric.strip():
        raise DataError("The plan needs the name of the metric it is for (e.g. converted).")
    if plan.kind not in KINDS:
        raise DataError(f"The plan's kind '{plan.kind}' should be 'rate' or 'mean'.")
    baseline, mde = _number(plan.baseline, "baseline"), _number(plan.mde, "mde")
    alpha, power = _number(plan.alpha, "alpha"), _number(plan.power, "power")
    if not 0 < alpha < 0.5:
        raise DataError(f"The plan's alpha={alpha:g} should be between 0 and 0.5, e.g. 0.05.")
    if not alpha < power < 1:
        raise DataError(
            f"The plan's power={power:g} should be above alpha ({alpha:g}) and below 1, e.g. 0.8."
        )
    if mde == 0:
        raise DataError("The plan's minimum detectable effect is 0: choose a change to detect.")
    if plan.kind == "rate":
        if not 0 < baseline < 1:
            raise DataError(
                f"The plan's baseline rate {baseline:g} should be strictly between 0 and 1 "
                "(e.g. 0.05 for 5 %)."
            )
        target = target_rate(baseline, mde, absolute=plan.absolute)
        if not 0 < target < 1:
            raise DataError(
                f"A baseline of {baseline:g} changed by {mde:g} gives a target rate of "
                f"{target:.4g}, outside 0 to 1: choose a smaller change."
            )
    else:
        if plan.std is None or not _number(plan.std, "std") > 0:
            raise DataError(
                "A plan for an average needs the metric's standard deviation per user (above 0)."
            )
        if not plan.absolute and baseline == 0:
            raise DataError(
                "A relative change of an average of 0 is 0: give the change in the metric's "
                "unit (absolute) or a non-zero baseline."
            )
    for name in ("n_per_arm", "arms"):
        value = getattr(plan, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 2:
            raise DataError(f"The plan's {name}={value} should be a whole number of 2 or more.")
    if plan.daily_users is not None and not _number(plan.daily_users, "daily_users") > 0:
        raise DataError(f"The plan's daily users ({plan.daily_users}) should be above 0.")
    for name in ("start_date", "end_date"):
        value = getattr(plan, name)
        if value is not None and not isinstance(value, dt.date):
            raise DataError(f"The plan's {name} '{value}' is not a date like 2026-03-01.")
    if plan.start_date and plan.end_date and plan.end_date < plan.start_date:
        raise DataError(
            f"The plan ends ({plan.end_date}) before it starts ({plan.start_date}): "
            "check the dates."
        )


def make_plan(
    metric: str,
    *,
    kind: str,
    baseline: float,
    mde: float,
    absolute: bool = False,
    alpha: float = 0.05,
    power: float = 0.8,
    std: float | None = None,
    arms: int = 2,
    daily_users: float | None = None,
    start_date: dt.date | None = None,
    n_per_arm: int | None = None,
) -> ExperimentPlan:
    """A checked experiment plan, its sample size from the power calculator.

    Parameters
    ----------
    metric : str
        The metric the plan is for.
    kind : {"rate", "mean"}
        A 0/1 conversion metric or an average per user.
    baseline : float
        Control rate (0 to 1) or average.
    mde : float
        Minimum detectable effect, relative (0.10 = +10 %) unless ``absolute``.
    absolute : bool
        Read ``mde`` in the metric's unit.
    alpha, power : float
        Two-sided significance level and power (alpha < power < 1).
    std : float, optional
        Standard deviation per user; required for a mean.
    arms : int
        Variants including the control.
    daily_users : float, optional
        Users per day, all arms; gives ``end_date``.
    start_date : datetime.date, optional
        First day of the test; today when ``daily_users`` is given without it.
    n_per_arm : int, optional
        Planned users per arm; computed when omitted: :func:`sample_size` (Evan Miller's
        formula) for a rate, :func:`sample_size_means` for a mean.

    Returns
    -------
    ExperimentPlan

    Raises
    ------
    DataError
        An impossible plan: a rate baseline outside (0, 1), a target rate outside (0, 1),
        an effect of 0, power not above alpha, a mean without a standard deviation, or
        fewer than 2 arms or users per arm.
    """
    draft = ExperimentPlan(
        metric=metric, kind=kind, baseline=baseline, mde=mde, absolute=bool(absolute),
        alpha=alpha, power=power, std=std, arms=arms, daily_users=daily_users,
        start_date=start_date, n_per_arm=n_per_arm if n_per_arm is not None else 2,
    )  # fmt: skip
    _validate(draft)
    if n_per_arm is None:
        if kind == "rate":
            n = sample_size(baseline, mde, absolute=absolute, alpha=alpha, power=power).n_per_arm
        else:
            change = mde if absolute else baseline * mde
            n = sample_size_means(float(std), change, alpha=alpha, power=power)
        draft = dataclasses.replace(draft, n_per_arm=int(n))
    if daily_users is not None:
        start = start_date or dt.date.today()
        days = math.ceil(draft.planned_users / float(daily_users))
        draft = dataclasses.replace(
            draft, start_date=start, end_date=start + dt.timedelta(days=days)
        )
    return draft


def _effect_and_se(plan: ExperimentPlan) -> tuple[float, float]:
    """The planned absolute effect and its standard error at the planned sample."""
    n = plan.n_per_arm
    if plan.kind == "rate":
        p1, p2 = plan.baseline, plan.target
        return p2 - p1, math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / n)
    change = plan.target - plan.baseline
    return change, float(plan.std) * math.sqrt(2.0 / n)


def sequential_multiplier(n_total: float, alpha: float, tuning_n: float) -> float:
    """How many standard errors wide the confidence sequence is after ``n_total`` users.

    Parameters
    ----------
    n_total : float
        Users in both arms of the comparison.
    alpha : float
        1 - coverage.
    tuning_n : float
        Total users at which the sequence is tightest.

    Returns
    -------
    float
        The half-width divided by the estimate's standard error (1.96 would be the
        fixed-horizon 95 % interval's; the sequence's is always larger).
    """
    rho = _cs_rho(alpha, tuning_n)
    return math.sqrt(n_total) * _cs_factor(n_total, alpha, rho)


def power_at_plan(plan: ExperimentPlan, engine: str, *, tuning_n: float | None = None) -> float:
    """The chance the engine calls a true effect of ``plan.mde`` at the planned sample.

    Parameters
    ----------
    plan : ExperimentPlan
    engine : {"frequentist", "bayesian", "sequential"}
    tuning_n : float, optional
        The sequential engine's tuning (total users where it is tightest); the plan's
        users in one comparison (2 x ``n_per_arm``) when omitted.

    Returns
    -------
    float
        Two-sided power with one look at ``n_per_arm`` users per arm: normal
        approximation P(|Z| > c) with Z ~ N(effect / se, 1), where c is the normal
        quantile 1 - alpha/2 (frequentist; Bayesian with a flat prior, whose call needs
        a chance to win beyond 1 - alpha/2) or the confidence sequence's multiplier
        (sequential).
    """
    if engine not in ENGINES:
        raise DataError(f"engine='{engine}' should be one of {', '.join(ENGINES)}.")
    if tuning_n is not None and not (math.isfinite(tuning_n) and tuning_n > 0):
        raise DataError(f"tuning_n={tuning_n} should be a number of users above 0, e.g. 10000.")
    effect, se = _effect_and_se(plan)
    if engine == "sequential":
        tuning = float(tuning_n) if tuning_n is not None else float(plan.comparison_users)
        c = sequential_multiplier(plan.comparison_users, plan.alpha, tuning)
    else:
        c = float(stats.norm.ppf(1 - plan.alpha / 2))
    shift = abs(effect) / se
    return float(stats.norm.sf(c - shift) + stats.norm.cdf(-c - shift))
