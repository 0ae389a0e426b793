"""What an analysis returns: the statistics of one arm, and the whole experiment's result.

``AbTestResult.to_dict`` is the abtest JSON contract; it is written by
``core.experiments.report`` (which only reads the result's attributes, so it does not
import this module at run time).
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from core.experiments.plan import ExperimentPlan
from core.experiments.report import result_to_dict
from core.experiments.stats import SrmResult, Statistic
from core.i18n import N_

ALL_USERS = None  # the ``segment`` value of rows about every user
NO_SEGMENT = N_("(no segment)")  # the segment of users without one, named in the language
RESULT_COLUMNS = [
    "metric", "segment", "variant", "control", "n", "mean", "control_n", "control_mean",
    "lift", "ci_low", "ci_high", "abs_diff", "abs_ci_low", "abs_ci_high", "p_value",
    "p_adjusted", "chance_to_win", "expected_loss", "significant", "metric_type",
    "variance_reduction", "message",
]  # fmt: skip
HETEROGENEITY_COLUMNS = ["metric", "variant", "q", "df", "p_value", "i2", "message"]


@dataclasses.dataclass(frozen=True)
class ArmStats:
    """Statistics of one metric in one (segment, variant) cell, after capping/CUPED."""

    metric: str
    segment: str | None
    variant: str
    stat: Statistic
    variance_reduction: float = float("nan")


@dataclasses.dataclass(frozen=True)
class AbTestResult:
    """Everything the page, the CLI and the JSON contract need about one experiment.

    ``results`` has one row per (metric, segment, variant != control) with the columns in
    ``RESULT_COLUMNS``; ``segment`` is None for the all-users rows. ``mixed_users``
    are the ids found in more than one variant, left out of every comparison.

    ``plan`` is the experiment's plan, if any; ``tuning_n`` the total users at which the
    sequential engine's confidence sequence is tightest (the plan's users in one
    comparison, else 5,000); ``progress`` the users so far in the plan's metric, all
    arms, over the planned users (None without a plan). ``is_final`` says whether the
    verdict can be acted on as it stands: always for the sequential engine (its intervals
    hold at every look); for the other two only once the plan's sample is reached.
    Without a plan nothing tells how far along the test is, so ``is_final`` is True and
    the verdict says it assumes the planned sample was reached.
    """

    srm: SrmResult
    results: pd.DataFrame
    heterogeneity: pd.DataFrame
    engine: str
    correction: str
    ci: float
    control: str
    variants: tuple[str, ...]
    metrics: tuple[str, ...]
    segments: tuple[str, ...] = ()
    min_n_per_arm: int = 100
    messages: tuple[str, ...] = ()
    mixed_users: tuple[str, ...] = ()
    plan: ExperimentPlan | None = None
    tuning_n: float = 5000.0
    progress: float | None = None
    is_final: bool = True
    min_segment_users: int = 100

    def to_dict(self) -> dict:
        """The abtest JSON object (see :func:`core.experiments.report.result_to_dict`).

        Returns
        -------
        dict
            ``srm_p_value`` and ``results`` first, then the other keys; NaN becomes None.
        """
        return result_to_dict(self)
