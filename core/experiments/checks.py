"""The checks an analysis makes before it compares anything: options, plan, groups.

Each refuses bad input with one :class:`core.errors.DataError` sentence naming the value
(in the current language); :func:`resolve_tuning_n` also picks the sequential engine's
tuning. Used by ``core.experiments.analysis``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from core.errors import DataError
from core.experiments.options import CORRECTIONS, ENGINES
from core.experiments.plan import ExperimentPlan
from core.i18n import fmt, ntr, tr

__all__ = [
    "DEFAULT_TUNING_N",
    "check_min_users",
    "check_options",
    "check_plan",
    "order_variants",
    "pick_control",
    "refuse_degenerate_headline",
    "resolve_tuning_n",
]

DEFAULT_TUNING_N = 5000.0  # GrowthBook's default when there is no plan


def check_options(engine: str, correction: str, ci: float) -> None:
    """Refuse an unknown engine or correction, or a coverage outside [0.5, 1).

    Parameters
    ----------
    engine, correction : str
        One of ``ENGINES`` and one of ``CORRECTIONS``.
    ci : float
        Interval coverage.

    Raises
    ------
    DataError
        Naming the value and what it should be.
    """
    if engine not in ENGINES:
        raise DataError(
            tr(
                "engine='{value}' should be one of {options}.",
                value=engine,
                options=", ".join(ENGINES),
            )
        )
    if correction not in CORRECTIONS:
        raise DataError(
            tr(
                "correction='{value}' should be one of {options}.",
                value=correction,
                options=", ".join(CORRECTIONS),
            )
        )
    if not (isinstance(ci, (int, float)) and 0.5 <= ci < 1):
        raise DataError(
            tr("ci={value} should be a coverage between 0.5 and 1, e.g. 0.95.", value=ci)
        )


def resolve_tuning_n(tuning_n: float | None, plan: ExperimentPlan | None) -> float:
    """The sequential engine's tuning: the one given, else the plan's, else 5,000.

    Parameters
    ----------
    tuning_n : float or None
        Total users (both arms of a comparison) where the confidence sequence is tightest.
    plan : ExperimentPlan or None
        Gives ``2 * n_per_arm`` when ``tuning_n`` is None.

    Returns
    -------
    float

    Raises
    ------
    DataError
        ``tuning_n`` zero, negative or not a finite number.
    """
    if tuning_n is None:
        return float(plan.comparison_users) if plan is not None else DEFAULT_TUNING_N
    try:
        value = float(tuning_n)
    except (TypeError, ValueError):
        value = float("nan")
    if not (math.isfinite(value) and value > 0):
        raise DataError(
            tr(
                "The sequential tuning ({value}) should be a number of users above 0, "
                "e.g. the planned users in both groups.",
                value=tuning_n,
            )
        )
    return value


def check_plan(plan: object) -> None:
    """Refuse anything but an ExperimentPlan or None.

    Parameters
    ----------
    plan : object
        The plan handed to an analysis.

    Raises
    ------
    DataError
        ``plan`` is neither None nor an :class:`ExperimentPlan`.
    """
    if plan is not None and not isinstance(plan, ExperimentPlan):
        raise DataError(tr("The plan should be made with make_plan (an ExperimentPlan)."))


def check_min_users(value: object, name: str) -> int:
    """A minimum group size as a whole number of 1 or more.

    Parameters
    ----------
    value : object
        The minimum given.
    name : str
        The parameter's name, for the message.

    Returns
    -------
    int

    Raises
    ------
    DataError
        Not a whole number of 1 or more.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise DataError(
            tr(
                "{name}={value} should be a whole number of users, 1 or more.",
                name=name,
                value=value,
            )
        )
    return int(value)


def pick_control(variants: Sequence[str], control: str | None) -> str:
    """The control: the one asked for (checked), else the first variant.

    Parameters
    ----------
    variants : sequence of str
        The variants found in the data.
    control : str or None
        The control asked for.

    Returns
    -------
    str

    Raises
    ------
    DataError
        Fewer than two variants, or a control that is not one of them.
    """
    if len(variants) < 2:
        raise DataError(
            tr(
                "The experiment needs at least two variants but only found {found}; "
                "check the variant column.",
                found=", ".join(map(str, variants)) or "–",
            )
        )
    if control is None:
        return variants[0]
    if control not in variants:
        raise DataError(
            tr(
                "Control '{control}' is not one of the variants ({variants}); pick one of those.",
                control=control,
                variants=", ".join(variants),
            )
        )
    return control


def order_variants(variants: list[str], control: str) -> list[str]:
    """The control first, then the other variants in their order.

    Parameters
    ----------
    variants : list of str
    control : str

    Returns
    -------
    list of str
    """
    return [control] + [v for v in variants if v != control]


def refuse_degenerate_headline(index, metrics, variants) -> None:
    """Refuse data whose all-users comparison cannot be made: too few users, no spread.

    A segment with that problem only gets a message on its row; the whole experiment
    having it is a data problem the user must fix, so it raises.

    Parameters
    ----------
    index : mapping
        ``(metric, segment, variant)`` to its ``ArmStats``.
    metrics, variants : sequence of str

    Raises
    ------
    DataError
        A variant with fewer than 2 users, or no spread at all in any variant.
    """
    for metric in metrics:
        arms = [index.get((metric, None, v)) for v in variants]
        present = [a for a in arms if a is not None]
        for arm in present:
            if arm.stat.n < 2:
                raise DataError(
                    ntr(
                        "Variant '{variant}' has {n} user with a value of '{metric}'; "
                        "each variant needs at least 2 users to be compared.",
                        "Variant '{variant}' has {n} users with a value of '{metric}'; "
                        "each variant needs at least 2 users to be compared.",
                        int(arm.stat.n),
                        variant=arm.variant,
                        n=fmt.number(arm.stat.n),
                        metric=metric,
                    )
                )
        if present and all(a.stat.variance == 0 for a in present):
            values = ", ".join(f"{a.variant}: {fmt.decimal(a.stat.mean, 4)}" for a in present)
            raise DataError(
                tr(
                    "Every user within each variant has the same value of '{metric}' "
                    "({values}), so the test cannot measure the noise; check that the column "
                    "holds the metric.",
                    metric=metric,
                    values=values,
                )
            )
