"""The canonical dataset: its event and user fields, and the canonical vocabularies.

Every source is mapped onto these fields (``core.data.mapping``) and its values onto
these event types and platforms (``core.data.synonyms``).
"""

from __future__ import annotations

from typing import Literal

# --- canonical fields ------------------------------------------------------------------

#: Canonical events columns -> DuckDB type, in table order (docs/architecture.md).
EVENT_FIELDS: dict[str, str] = {
    "user_id": "VARCHAR",
    "timestamp": "TIMESTAMP",
    "event_type": "VARCHAR",
    "platform": "VARCHAR",
    "amount": "DOUBLE",
    "content_id": "VARCHAR",
    "content_format": "VARCHAR",
    "campaign": "VARCHAR",
    "text": "VARCHAR",
}
REQUIRED_EVENT_FIELDS: tuple[str, ...] = ("user_id", "timestamp", "event_type")

#: Canonical users columns -> DuckDB type; other source columns are kept as custom columns.
USER_FIELDS: dict[str, str] = {
    "user_id": "VARCHAR",
    "age": "DOUBLE",
    "gender": "VARCHAR",
    "region": "VARCHAR",
    "occupation": "VARCHAR",
    "income": "VARCHAR",
    "interests": "VARCHAR",
    "followers": "DOUBLE",
    "signup_date": "DATE",
}

#: Canonical event types in the order pages list them.
CANONICAL_EVENT_TYPES: tuple[str, ...] = (
    "view",
    "click",
    "like",
    "comment",
    "share",
    "save",
    "follow",
    "message",
    "register",
    "purchase",
)

#: Event types that show interest but not engagement: they do not lift a user out of the
#: ``prospect`` lifecycle stage, and a day with only these is not an engaged day.
PROSPECT_EVENT_TYPES: tuple[str, ...] = ("view", "click")

#: Canonical platforms (lower case, as stored in ``events.platform``).
CANONICAL_PLATFORMS: tuple[str, ...] = (
    "wechat",
    "weibo",
    "douyin",
    "kuaishou",
    "xiaohongshu",
    "qq",
    "facebook",
    "twitter",
    "instagram",
    "linkedin",
    "youtube",
    "bilibili",
)

Kind = Literal["events", "users"]
