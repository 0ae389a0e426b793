"""What the feature table's columns are: the fixed columns, time slots and event groups.

Kept apart from the query (``core.segments.feature_sql``) so that the data layer, the
Explore dashboards and the automatic segmentation can read the column names without
loading SQLAlchemy's query code.

The column keys stay English everywhere (they are the table's data contract); what a
person reads is :func:`column_label`, the column's name in the current language, built
from the label tables below (marked for the catalogue with ``N_`` and translated when
shown). Every page that shows a feature by name uses it.
"""

from __future__ import annotations

from core.data.schema import CANONICAL_EVENT_TYPES, PROSPECT_EVENT_TYPES
from core.i18n import N_, tr

__all__ = [
    "HOUR_SLOTS",
    "FEATURE_COLUMNS",
    "PROSPECT_EVENT_TYPES",
    "ENGAGEMENT_EVENT_TYPES",
    "COLUMN_LABELS",
    "PLATFORM_LABELS",
    "FORMAT_LABELS",
    "column_label",
]

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

#: The name a person reads for each fixed column and user attribute (English message
#: ids; translated by :func:`column_label`). Columns built from the data's own platforms,
#: formats and event types are named by the tables below.
COLUMN_LABELS: dict[str, str] = {
    "user_id": N_("user"),
    "n_events": N_("activity"),
    "n_view": N_("views"),
    "n_click": N_("clicks"),
    "n_like": N_("likes"),
    "n_comment": N_("comments"),
    "n_share": N_("shares"),
    "n_save": N_("saves"),
    "n_follow": N_("follows"),
    "n_message": N_("messages"),
    "n_register": N_("registrations"),
    "n_purchase": N_("purchase events"),
    "recency_days": N_("days since last activity"),
    "frequency": N_("purchases"),
    "monetary": N_("spend"),
    "avg_order_value": N_("order value"),
    "active_days": N_("active days"),
    "tenure_days": N_("days since first activity"),
    "engagement_rate": N_("engagement rate"),
    "click_rate": N_("click rate"),
    "purchase_rate": N_("purchase rate"),
    "hour_share_night": N_("share of activity late at night"),
    "hour_share_morning": N_("share of activity in the morning"),
    "hour_share_afternoon": N_("share of activity in the afternoon"),
    "hour_share_evening": N_("share of activity in the evening"),
    "weekend_share": N_("weekend activity"),
    "n_platforms": N_("platforms used"),
    "top_platform": N_("main platform"),
    "lifecycle_stage": N_("lifecycle stage"),
    "shares_received": N_("shares received"),
    "followers": N_("followers"),
    "age": N_("age"),
    "age_band": N_("age band"),
    "gender": N_("gender"),
    "region": N_("region"),
    "occupation": N_("occupation"),
    "income": N_("income"),
    "interests": N_("interests"),
    "signup_date": N_("signup date"),
    "value_tier": N_("value tier"),
}

#: Platform names as people write them (``platform_share_<key>``).
PLATFORM_LABELS: dict[str, str] = {
    "wechat": N_("WeChat"),
    "weibo": N_("Weibo"),
    "douyin": N_("Douyin"),
    "kuaishou": N_("Kuaishou"),
    "xiaohongshu": N_("Xiaohongshu"),
    "qq": "QQ",
    "facebook": "Facebook",
    "twitter": "Twitter/X",
    "instagram": "Instagram",
    "linkedin": "LinkedIn",
    "youtube": "YouTube",
    "bilibili": N_("Bilibili"),
}

#: Content formats in words (``format_share_<key>``).
FORMAT_LABELS: dict[str, str] = {
    "text_image": N_("share of photo-and-text content"),
    "video": N_("share of video content"),
    "short_video": N_("share of short video content"),
    "live": N_("share of live content"),
    "article": N_("share of article content"),
    "audio": N_("share of audio content"),
}


def column_label(name: str) -> str:
    """The name of a feature column a person reads, in the current language.

    Parameters
    ----------
    name : str
        A column of the feature table (``n_like``, ``platform_share_douyin``, a user
        attribute, a custom column of the users table).

    Returns
    -------
    str
        ``"likes"`` / ``"点赞次数"``; a platform's share reads ``"share of activity on
        Douyin"`` / ``"抖音活跃占比"``. Columns PersonaLab does not know (the user's own
        custom columns) are user data: shown with underscores as spaces, untranslated.
    """
    if name in COLUMN_LABELS:
        return tr(COLUMN_LABELS[name])
    if name.startswith("platform_share_"):
        key = name.removeprefix("platform_share_")
        platform = tr(PLATFORM_LABELS[key]) if key in PLATFORM_LABELS else key.title()
        return tr("share of activity on {platform}", platform=platform)
    if name.startswith("format_share_"):
        key = name.removeprefix("format_share_")
        if key in FORMAT_LABELS:
            return tr(FORMAT_LABELS[key])
        return tr("share of {format} content", format=key.replace("_", " "))
    if name.startswith("n_"):
        return tr("{event} events", event=name.removeprefix("n_").replace("_", " "))
    return name.replace("_", " ")
