"""Lifecycle stages: prospect, churned, dormant, new, loyal, active, and their windows.

:class:`LifecycleWindows` holds the windows (in days) and checks them;
:func:`lifecycle_rules` gives the rules in words, for display. The stage itself is
computed inside the feature query (``core.segments.feature_sql``) from these windows.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from core.errors import DataError

__all__ = ["LIFECYCLE_STAGES", "LifecycleWindows", "lifecycle_rules", "LIFECYCLE_RULES"]

#: Lifecycle stages in the order their rules are tried (the first rule that holds wins).
LIFECYCLE_STAGES: tuple[str, ...] = ("prospect", "churned", "dormant", "new", "loyal", "active")


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
                    f"The lifecycle window {field.name}={value!r} must be a whole number of "
                    "days (or purchases) of at least 1."
                )
        if self.churned_days <= self.dormant_days:
            raise DataError(
                f"The churned window ({self.churned_days} days) must be longer than the "
                f"dormant window ({self.dormant_days} days)."
            )


_LIFECYCLE_RULE_TEXT: tuple[tuple[str, str], ...] = (
    (
        "prospect",
        "Only viewed or clicked so far: never liked, commented, shared, saved, followed, "
        "messaged, registered or purchased (also users with no events yet).",
    ),
    ("churned", "No activity in the last {churned_days} days."),
    (
        "dormant",
        "No activity in the last {dormant_days} days (but some in the last {churned_days}).",
    ),
    ("new", "First activity less than {new_days} days ago."),
    (
        "loyal",
        "Purchased on at least {loyal_purchase_days} different days and active in the last "
        "{dormant_days} days.",
    ),
    (
        "active",
        "Everyone else: active in the last {dormant_days} days, engaged beyond views and "
        "clicks, with us for {new_days} days or more, fewer than {loyal_purchase_days} "
        "purchase days.",
    ),
)


def lifecycle_rules(windows: LifecycleWindows = LifecycleWindows()) -> tuple[dict[str, Any], ...]:
    """The lifecycle rules as data for display, with the given windows filled in.

    Returns
    -------
    tuple of dict
        One ``{"order", "stage", "rule"}`` per stage, in the order the rules are tried.
    """
    values = dataclasses.asdict(windows)
    return tuple(
        {"order": i + 1, "stage": stage, "rule": text.format(**values)}
        for i, (stage, text) in enumerate(_LIFECYCLE_RULE_TEXT)
    )


#: The lifecycle rules with the default windows, for the UI (``pd.DataFrame(LIFECYCLE_RULES)``).
LIFECYCLE_RULES: tuple[dict[str, Any], ...] = lifecycle_rules()
