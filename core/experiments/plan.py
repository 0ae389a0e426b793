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
import numbers
from typing import Any

from scipy import stats

from core.errors import DataError
from core.experiments.options import ENGINES
from core.experiments.power import sample_size, sample_size_means, target_rate
from core.experiments.stats import _cs_factor, _cs_rho
from core.i18n import fmt, tr

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
            raise DataError(tr("A saved plan should be a JSON object with metric, kind, baseline…"))
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names - {"planned_users", "target"})
        if unknown:
            raise DataError(
                tr(
                    "The saved plan has unknown fields ({fields}); it may come from a newer "
                    "version: make the plan again.",
                    fields=", ".join(map(str, unknown)),
                )
            )
        missing = [k for k in _REQUIRED if data.get(k) is None]
        if missing:
            raise DataError(
                tr(
                    "The saved plan lacks {fields}; make the plan again with the power calculator.",
                    fields=", ".join(missing),
                )
            )
        values = {k: v for k, v in data.items() if k in names}
        for key in ("start_date", "end_date"):
            if isinstance(values.get(key), str):
                try:
                    values[key] = dt.date.fromisoformat(values[key])
                except ValueError:
                    raise DataError(
                        tr(
                            "The plan's {field} '{value}' is not a date like 2026-03-01.",
                            field=key,
                            value=values[key],
                        )
                    ) from None
        try:
            plan = cls(**values)
        except TypeError as exc:  # pragma: no cover - guarded by the name checks above
            raise DataError(tr("The saved plan could not be read ({error}).", error=exc)) from None
        _validate(plan)
        return _plain(plan)


def _number(value: Any, name: str) -> float:
    """``value`` as a finite float, else a DataError naming it."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise DataError(
            tr("The plan's {field} '{value}' is not a number.", field=name, value=value)
        ) from None
    if not math.isfinite(out):
        raise DataError(
            tr(
                "The plan's {field} should be a finite number, not {value}.",
                field=name,
                value=value,
            )
        )
    return out


def _validate(plan: ExperimentPlan) -> None:
    """Refuse a plan that cannot be run, in one sentence naming the value."""
    if not isinstance(plan.metric, str) or not plan.metric.strip():
        raise DataError(tr("The plan needs the name of the metric it is for (e.g. converted)."))
    if plan.kind not in KINDS:
        raise DataError(
            tr("The plan's kind '{value}' should be 'rate' or 'mean'.", value=plan.kind)
        )
    baseline, mde = _number(plan.baseline, "baseline"), _number(plan.mde, "mde")
    alpha, power = _number(plan.alpha, "alpha"), _number(plan.power, "power")
    if not 0 < alpha < 0.5:
        raise DataError(
            tr(
                "The plan's alpha={value} should be between 0 and 0.5, e.g. 0.05.",
                value=f"{alpha:g}",
            )
        )
    if not alpha < power < 1:
        raise DataError(
            tr(
                "The plan's power={value} should be above alpha ({alpha}) and below 1, e.g. 0.8.",
                value=f"{power:g}",
                alpha=f"{alpha:g}",
            )
        )
    if mde == 0:
        raise DataError(tr("The plan's minimum detectable effect is 0: choose a change to detect."))
    if plan.kind == "rate":
        if not 0 < baseline < 1:
            raise DataError(
                tr(
                    "The plan's baseline rate {value} should be strictly between 0 and 1 "
                    "(e.g. 0.05 for 5 %).",
                    value=f"{baseline:g}",
                )
            )
        target = target_rate(baseline, mde, absolute=plan.absolute)
        if not 0 < target < 1:
            raise DataError(
                tr(
                    "A baseline of {baseline} changed by {change} gives a target rate of "
                    "{target}, outside 0 to 1: choose a smaller change.",
                    baseline=f"{baseline:g}",
                    change=f"{mde:g}",
                    target=f"{target:.4g}",
                )
            )
    else:
        if plan.std is None or not _number(plan.std, "std") > 0:
            raise DataError(
                tr(
                    "A plan for an average needs the metric's standard deviation per user "
                    "(above 0)."
                )
            )
        if not plan.absolute and baseline == 0:
            raise DataError(
                tr(
                    "A relative change of an average of 0 is 0: give the change in the "
                    "metric's unit (absolute) or a non-zero baseline."
                )
            )
    for name in ("n_per_arm", "arms"):
        value = getattr(plan, name)
        whole = isinstance(value, numbers.Integral) or (
            isinstance(value, float) and value.is_integer()
        )
        if isinstance(value, bool) or not whole or value < 2:
            raise DataError(
                tr(
                    "The plan's {field}={value} should be a whole number of 2 or more.",
                    field=name,
                    value=value,
                )
            )
    if plan.daily_users is not None and not _number(plan.daily_users, "daily_users") > 0:
        raise DataError(
            tr("The plan's daily users ({value}) should be above 0.", value=plan.daily_users)
        )
    for name in ("start_date", "end_date"):
        value = getattr(plan, name)
        if value is not None and not isinstance(value, dt.date):
            raise DataError(
                tr(
                    "The plan's {field} '{value}' is not a date like 2026-03-01.",
                    field=name,
                    value=value,
                )
            )
    if plan.start_date and plan.end_date and plan.end_date < plan.start_date:
        raise DataError(
            tr(
                "The plan ends ({end}) before it starts ({start}): check the dates.",
                end=fmt.date(plan.end_date),
                start=fmt.date(plan.start_date),
            )
        )


def _plain(plan: ExperimentPlan) -> ExperimentPlan:
    """The checked plan with Python numbers (NumPy ones are not JSON-safe)."""
    return dataclasses.replace(
        plan, baseline=float(plan.baseline), mde=float(plan.mde), alpha=float(plan.alpha),
        power=float(plan.power), n_per_arm=int(plan.n_per_arm), arms=int(plan.arms),
        absolute=bool(plan.absolute), std=None if plan.std is None else float(plan.std),
        daily_users=None if plan.daily_users is None else float(plan.daily_users),
    )  # fmt: skip


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
    std = None if std is None else float(std)
    daily_users = None if daily_users is None else float(daily_users)
    draft = ExperimentPlan(
        metric=metric, kind=kind, baseline=baseline, mde=mde, absolute=bool(absolute),
        alpha=alpha, power=power, std=std, arms=arms, daily_users=daily_users,
        start_date=start_date, n_per_arm=n_per_arm if n_per_arm is not None else 2,
    )  # fmt: skip
    _validate(draft)
    draft = _plain(draft)
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
        raise DataError(
            tr(
                "engine='{value}' should be one of {options}.",
                value=engine,
                options=", ".join(ENGINES),
            )
        )
    if tuning_n is not None and not (math.isfinite(tuning_n) and tuning_n > 0):
        raise DataError(
            tr("tuning_n={value} should be a number of users above 0, e.g. 10000.", value=tuning_n)
        )
    effect, se = _effect_and_se(plan)
    if engine == "sequential":
        tuning = float(tuning_n) if tuning_n is not None else float(plan.comparison_users)
        c = sequential_multiplier(plan.comparison_users, plan.alpha, tuning)
    else:
        c = float(stats.norm.ppf(1 - plan.alpha / 2))
    shift = abs(effect) / se
    return float(stats.norm.sf(c - shift) + stats.norm.cdf(-c - shift))
