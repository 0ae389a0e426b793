"""Lifecycle stages: prospect, churned, dormant, new, loyal, active, and their windows.

:class:`LifecycleWindows` holds the windows (in days) and checks them;
:func:`lifecycle_rules` gives the rules in words, for display, and :func:`stage_label`
a stage's name, both in the current language (the stage keys in the data stay English).
The stage itself is computed inside the feature query (``core.segments.feature_sql``)
from these windows.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from core.errors import DataError
from core.i18n import N_, fmt, language, tr

__all__ = [
    "LIFECYCLE_STAGES",
    "LIFECYCLE_LABELS",
    "LifecycleWindows",
    "lifecycle_rules",
    "stage_label",
    "LIFECYCLE_RULES",
]

#: Lifecycle stages in the order their rules are tried (the first rule that holds wins).
LIFECYCLE_STAGES: tuple[str, ...] = ("prospect", "churned", "dormant", "new", "loyal", "active")
#: Each stage's name as a person reads it (translated by :func:`stage_label`).
LIFECYCLE_LABELS: dict[str, str] = {
    "prospect": N_("Prospects"),
    "churned": N_("Churned"),
    "dormant": N_("Dormant"),
    "new": N_("New users"),
    "loyal": N_("Loyal buyers"),
    "active": N_("Active"),
}


def stage_label(stage: str) -> str:
    """A lifecycle stage's name in the current language (unknown values as they are).

    Parameters
    ----------
    stage : str
        A stage key of the feature table (``dormant``).

    Returns
    -------
    str
        ``"Dormant"`` / ``"沉默用户"``.
    """
    label = LIFECYCLE_LABELS.get(stage)
    return tr(label) if label else str(stage)


@dataclasses.dataclass(frozen=True)
class LifecycleWindows:
    """Windows (in whole calendar days before the as-of date) for lifecycle stages.

    Rules are tried in this order and the first that holds gives the stage
    (``recency_days`` and ``tenure_days`` as in the feature table):

    ========  ==============================================================
    prospect  only views and clicks so far (never liked, commented, shared,
              saved, followed, messaged, registered or purchased), or no
              events at all (a users-table row without events)
    churned   ``recency_days >= churned_days``: no event in the last 90 days
    dormant   ``recency_days >= dormant_days``: no event in the last 30 days
    new       ``tenure_days < new_days``: first event less than 30 days ago
    loyal     purchases on at least ``loyal_purchase_days`` (2) different
              days (and, by the rules above, active in the last 30 days)
    active    everyone else: active in the last 30 days, engaged beyond views
              and clicks, not new, fewer than 2 purchase days
    ========  ==============================================================

    "The last 30 days" means the as-of day and the 29 days before it; a day count is the
    difference of calendar dates, so an event at 23:59 yesterday is 1 day ago.

    Parameters
    ----------
    new_days : int, default 30
    dormant_days : int, default 30
    churned_days : int, default 90
        Must be larger than ``dormant_days``.
    loyal_purchase_days : int, default 2
    """

    new_days: int = 30
    dormant_days: int = 30
    churned_days: int = 90
    loyal_purchase_days: int = 2

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise DataError(
                    tr(
                        "The lifecycle window {name}={value} must be a whole number of "
                        "days (or purchases) of at least 1.",
                        name=field.name,
                        value=repr(value),
                    )
                )
        if self.churned_days <= self.dormant_days:
            raise DataError(
                tr(
                    "The churned window ({churned} days) must be longer than the "
                    "dormant window ({dormant} days).",
                    churned=fmt.number(self.churned_days),
                    dormant=fmt.number(self.dormant_days),
                )
            )


_LIFECYCLE_RULE_TEXT: tuple[tuple[str, str], ...] = (
    (
        "prospect",
        N_(
            "Only viewed or clicked so far: never liked, commented, shared, saved, followed, "
            "messaged, registered or purchased (also users with no events yet)."
        ),
    ),
    ("churned", N_("No activity in the last {churned_days} days.")),
    (
        "dormant",
        N_("No activity in the last {dormant_days} days (but some in the last {churned_days})."),
    ),
    ("new", N_("First activity less than {new_days} days ago.")),
    (
        "loyal",
        N_(
            "Purchased on at least {loyal_purchase_days} different days and active in the last "
            "{dormant_days} days."
        ),
    ),
    (
        "active",
        N_(
            "Everyone else: active in the last {dormant_days} days, engaged beyond views and "
            "clicks, with us for {new_days} days or more, fewer than {loyal_purchase_days} "
            "purchase days."
        ),
    ),
)


def lifecycle_rules(windows: LifecycleWindows = LifecycleWindows()) -> tuple[dict[str, Any], ...]:
    """The lifecycle rules as data for display, with the given windows filled in.

    The rule sentences are in the current language (call it where they are shown); the
    ``stage`` values stay the data's keys (:func:`stage_label` names them).

    Returns
    -------
    tuple of dict
        One ``{"order", "stage", "rule"}`` per stage, in the order the rules are tried.
    """
    values = {k: fmt.number(v) for k, v in dataclasses.asdict(windows).items()}
    return tuple(
        {"order": i + 1, "stage": stage, "rule": tr(text, **values)}
        for i, (stage, text) in enumerate(_LIFECYCLE_RULE_TEXT)
    )


#: The lifecycle rules with the default windows, in English (documentation and tests;
#: a page calls :func:`lifecycle_rules` so the sentences follow its language).
with language("en"):
    LIFECYCLE_RULES: tuple[dict[str, Any], ...] = lifecycle_rules()
