"""What an analysis returns: the statistics of one arm, and the whole experiment's result.

``AbTestResult.to_dict`` is the abtest JSON contract; it is written by
``core.experiments.report`` (which only reads the result's attributes, so it does not
import this module at run time).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from core.errors import DataError
from core.experiments.plan import ExperimentPlan
from core.experiments.report import result_to_dict, small_group_message
from core.experiments.stats import SrmResult, Statistic
from core.i18n import N_, tr

ALL_USERS = None  # the ``segment`` value of rows about every user
NO_SEGMENT = N_("(no segment)")  # the segment of users without one, named in the language
RESULT_COLUMNS = [
    "metric", "segment", "variant", "control", "n", "mean", "control_n", "control_mean",
    "lift", "ci_low", "ci_high", "abs_diff", "abs_ci_low", "abs_ci_high", "p_value",
    "p_adjusted", "chance_to_win", "expected_loss", "significant", "metric_type",
    "variance_reduction", "message",
]  # fmt: skip
HETEROGENEITY_COLUMNS = ["metric", "variant", "q", "df", "p_value", "i2", "message"]
_TEXT_COLUMNS = ("metric", "segment", "variant", "control", "significant", "metric_type", "message")


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

    @classmethod
    def from_dict(cls, data: Mapping) -> AbTestResult:
        """A result read back from :meth:`to_dict`'s output (a saved experiment).

        The numbers are the saved ones; the notes of comparisons left without a verdict
        for too few users are written again in the current language, so a saved
        experiment reads in the language of whoever opens it (``verdict`` of the returned
        result then gives its sentences in that language too).

        Parameters
        ----------
        data : mapping
            The abtest JSON object.

        Returns
        -------
        AbTestResult

        Raises
        ------
        DataError
            The object lacks the keys a verdict needs (it is not an abtest result).
        """
        needed = ("results", "engine", "ci", "control", "variants", "metrics")
        missing = [k for k in needed if k not in data]
        if missing:
            raise DataError(
                tr("The saved result lacks {fields}; analyse the experiment again.",
                   fields=", ".join(missing))
            )  # fmt: skip
        frame = pd.DataFrame(list(data["results"]), columns=RESULT_COLUMNS)
        for column in RESULT_COLUMNS:
            if column not in _TEXT_COLUMNS:
                frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
        frame["segment"] = frame["segment"].astype(object).where(frame["segment"].notna(), None)
        frame["message"] = frame["message"].fillna("").astype(str)
        frame["significant"] = frame["significant"].fillna(False).astype(bool)
        min_n = int(data.get("min_n_per_arm") or 100)
        min_seg = int(data.get("min_segment_users") or min_n)
        frame["message"] = [
            _local_note(note, seg, n, control_n, min_n, min_seg)
            for note, seg, n, control_n in zip(
                frame["message"], frame["segment"], frame["n"], frame["control_n"], strict=True
            )
        ]
        het = pd.DataFrame(list(data.get("heterogeneity") or []), columns=HETEROGENEITY_COLUMNS)
        for column in ("q", "df", "p_value", "i2"):
            het[column] = pd.to_numeric(het[column], errors="coerce").astype(float)
        srm = data.get("srm") or {}
        plan = data.get("plan")
        progress = data.get("progress")
        return cls(
            srm=SrmResult(
                _number(srm.get("p_value", data.get("srm_p_value"))), _number(srm.get("chi2")),
                dict(srm.get("observed") or {}), dict(srm.get("expected") or {}),
                bool(srm.get("flagged")), str(srm.get("message") or ""),
            ),
            results=frame, heterogeneity=het, engine=str(data["engine"]),
            correction=str(data.get("correction") or "none"), ci=float(data["ci"]),
            control=str(data["control"]), variants=tuple(map(str, data["variants"])),
            metrics=tuple(map(str, data["metrics"])),
            segments=tuple(map(str, data.get("segments") or ())), min_n_per_arm=min_n,
            messages=tuple(map(str, data.get("messages") or ())),
            plan=ExperimentPlan.from_dict(dict(plan)) if plan else None,
            tuning_n=_number(data.get("tuning_n"), 5000.0),
            progress=None if progress is None else _number(progress),
            is_final=bool(data.get("final", True)), min_segment_users=min_seg,
        )  # fmt: skip


def _number(value: object, default: float = float("nan")) -> float:
    """A saved number as a float (None and text: ``default``)."""
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return out if math.isfinite(out) else default


def _local_note(note: str, segment, n: float, control_n: float, min_n: int, min_seg: int) -> str:
    """A saved row's note, written again in the current language when it is a small group's."""
    smaller = min(n, control_n)
    if not note or not np.isfinite(smaller) or smaller < 2:
        return note  # no note, or one about an empty group: kept as saved
    needed = min_n if segment is None else min_seg
    if smaller >= needed:
        return note
    return small_group_message(int(smaller), needed, segment=segment is not None)
