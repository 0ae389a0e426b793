"""What the feature table's columns are: the fixed columns, time slots and event groups.

Kept apart from the query (``core.segments.feature_sql``) so that the data layer, the
Explore dashboards and the automatic segmentation can read the column names without
loading SQLAlchemy's query code.
"""

from __future__ import annotations

from core.data.schema import CANONICAL_EVENT_TYPES, PROSPECT_EVENT_TYPES

__all__ = ["HOUR_SLOTS", "FEATURE_COLUMNS", "PROSPECT_EVENT_TYPES", "ENGAGEMENT_EVENT_TYPES"]

#: Hour-of-day slots: column suffix -> (first hour, last hour), inclusive.
HOUR_SLOTS: dict[str, tuple[int, int]] = {
    "night": (0, 5),
    "morning": (6, 11),
    "afternoon": (12, 17),
    "evening": (18, 23),
}

#: Columns present in every feature table, in order. Between ``n_purchase`` and
#: ``recency_days`` come ``n_<other>`` for other event types; after ``top_platform``
#: come ``platform_share_<p>`` and ``format_share_<f>``; after ``lifecycle_stage`` come
#: ``shares_received`` (when events carry ``author_id``) and the user attributes.
FEATURE_COLUMNS: tuple[str, ...] = (
    "user_id",
    "n_events",
    *(f"n_{t}" for t in CANONICAL_EVENT_TYPES),
    "recency_days",
    "frequency",
    "monetary",
    "avg_order_value",
    "active_days",
    "tenure_days",
    "engagement_rate",
    "click_rate",
    "purchase_rate",
    *(f"hour_share_{s}" for s in HOUR_SLOTS),
    "weekend_share",
    "n_platforms",
    "top_platform",
    "lifecycle_stage",
)

#: PROSPECT_EVENT_TYPES (views and clicks: no lift out of the ``prospect`` stage) is the
#: data package's; it is re-exported here beside the other event groups.
#: Event types counted as interactions in ``engagement_rate``.
ENGAGEMENT_EVENT_TYPES: tuple[str, ...] = ("like", "comment", "share", "save")
