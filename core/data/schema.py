"""Canonical tables, column and event synonyms (en + zh) and column mapping.

Everything that decides "what does this column or value mean" is data in this module
(dicts of synonyms), so adding a synonym never means adding a branch. Lookup keys are
normalised with :func:`normalise_key` (lower case, no spaces, dashes or underscores), so
``User ID``, ``user_id`` and ``userid`` are one key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Literal

from core.errors import DataError

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


def normalise_key(value: object) -> str:
    """Lower-case a name and drop spaces, ``_``, ``-``, ``.`` and full-width spaces."""
    return re.sub(r"[\s_\-.\u3000()（）]+", "", str(value).strip().lower())


def _invert(groups: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """{canonical: [synonyms]} -> {normalised synonym: canonical} (canonical maps to itself)."""
    out: dict[str, str] = {}
    for canonical, synonyms in groups.items():
        for name in (canonical, *synonyms):
            out[normalise_key(name)] = canonical
    return out


# --- column names ----------------------------------------------------------------------

_EVENT_COLUMN_GROUPS: dict[str, tuple[str, ...]] = {
    "user_id": (
        "uid",
        "user",
        "userid",
        "user id",
        "user_name",
        "username",
        "member",
        "member_id",
        "memberid",
        "customer",
        "customer_id",
        "customerid",
        "cust_id",
        "client_id",
        "account",
        "account_id",
        "openid",
        "open_id",
        "unionid",
        "fan_id",
        "follower_id",
        "visitor_id",
        "person_id",
        "id_user",
        "member_no",
        "member_number",
        "membership_id",
        "membership_no",
        "customer_no",
        "customer_number",
        "cust_no",
        "client_no",
        "user_no",
        "用户",
        "用户ID",
        "用户id",
        "用户编号",
        "用户名",
        "会员",
        "会员ID",
        "会员id",
        "会员编号",
        "会员号",
        "会员卡号",
        "客户",
        "客户ID",
        "客户id",
        "客户编号",
        "客户号",
        "顾客编号",
        "顾客ID",
        "账号",
        "账户",
        "粉丝ID",
        "用戶",
        "用戶ID",
        "用戶id",
        "用戶編號",
        "會員",
        "會員ID",
        "會員編號",
        "會員號",
        "客戶ID",
        "客戶編號",
        "帳號",
        "賬號",
    ),
    "timestamp": (
        "time",
        "ts",
        "datetime",
        "date",
        "date_time",
        "event_time",
        "eventtime",
        "event_date",
        "event_ts",
        "created_at",
        "create_time",
        "createtime",
        "created",
        "occurred_at",
        "happened_at",
        "logged_at",
        "when",
        "time_stamp",
        "时间",
        "日期",
        "时间戳",
        "发生时间",
        "行为时间",
        "创建时间",
        "事件时间",
        "日期时间",
        "時間",
        "時間戳",
        "發生時間",
        "行為時間",
        "建立時間",
        "事件時間",
    ),
    "event_type": (
        "event",
        "type",
        "action",
        "behavior",
        "behaviour",
        "activity",
        "interaction",
        "event_name",
        "eventname",
        "action_type",
        "interaction_type",
        "behavior_type",
        "行为",
        "行为类型",
        "事件",
        "事件类型",
        "动作",
        "互动",
        "互动类型",
        "操作",
        "类型",
        "行為",
        "行為類型",
        "事件類型",
        "動作",
        "互動",
        "互動類型",
        "類型",
    ),
    "platform": (
        "channel",
        "source",
        "site",
        "app",
        "network",
        "social_network",
        "media",
        "平台",
        "渠道",
        "来源",
        "媒体",
        "來源",
        "媒體",
    ),
    "amount": (
        "amt",
        "value",
        "revenue",
        "price",
        "spend",
        "order_amount",
        "order_value",
        "payment",
        "paid",
        "money",
        "gmv",
        "sales",
        "total",
        "金额",
        "消费金额",
        "订单金额",
        "支付金额",
        "价格",
        "实付",
        "实付金额",
        "销售额",
        "金額",
        "消費金額",
        "訂單金額",
        "支付金額",
        "價格",
        "實付金額",
        "銷售額",
    ),
    "content_id": (
        "content",
        "post_id",
        "postid",
        "item_id",
        "itemid",
        "article_id",
        "video_id",
        "note_id",
        "media_id",
        "content id",
        "内容ID",
        "内容id",
        "内容编号",
        "帖子ID",
        "文章ID",
        "视频ID",
        "笔记ID",
        "作品ID",
        "內容ID",
        "內容id",
        "貼文ID",
        "文章編號",
        "影片ID",
    ),
    "content_format": (
        "format",
        "content_type",
        "contenttype",
        "media_type",
        "post_type",
        "formats",
        "内容形式",
        "内容类型",
        "内容格式",
        "形式",
        "体裁",
        "內容形式",
        "內容類型",
        "內容格式",
    ),
    "campaign": (
        "campaign_id",
        "campaign_name",
        "promo",
        "promotion",
        "activity_name",
        "utm_campaign",
        "活动",
        "活动名称",
        "营销活动",
        "推广活动",
        "活动ID",
        "活動",
        "活動名稱",
        "行銷活動",
        "推廣活動",
    ),
    "text": (
        "comment",
        "comment_text",
        "message",
        "content_text",
        "body",
        "review",
        "note",
        "评论",
        "评论内容",
        "留言",
        "内容文本",
        "文本",
        "私信内容",
        "評論",
        "評論內容",
        "留言內容",
        "文字",
    ),
}

_USER_COLUMN_GROUPS: dict[str, tuple[str, ...]] = {
    "user_id": _EVENT_COLUMN_GROUPS["user_id"],
    "age": ("年龄", "年齡", "years", "age_years"),
    "gender": ("sex", "性别", "性別"),
    "region": (
        "city",
        "province",
        "location",
        "area",
        "country",
        "geo",
        "state",
        "地区",
        "城市",
        "省份",
        "地域",
        "所在地",
        "地區",
        "省份",
    ),
    "occupation": ("job", "profession", "职业", "職業", "工作", "行业", "行業", "industry"),
    "income": ("salary", "income_level", "收入", "收入水平", "月收入", "薪资", "薪資"),
    "interests": (
        "interest",
        "hobbies",
        "hobby",
        "tags",
        "兴趣",
        "兴趣爱好",
        "興趣",
        "爱好",
        "愛好",
    ),
    "followers": (
        "follower",
        "followers_count",
        "fans",
        "fan_count",
        "粉丝",
        "粉丝数",
        "粉絲",
        "粉絲數",
    ),
    "signup_date": (
        "signup",
        "registered_at",
        "register_date",
        "registration_date",
        "join_date",
        "joined",
        "created_at",
        "注册时间",
        "注册日期",
        "註冊時間",
        "註冊日期",
        "注册",
    ),
}

#: {kind: {normalised source column name: canonical field}}.
COLUMN_SYNONYMS: dict[str, dict[str, str]] = {
    "events": _invert(_EVENT_COLUMN_GROUPS),
    "users": _invert(_USER_COLUMN_GROUPS),
}

# --- event types -----------------------------------------------------------------------

_EVENT_TYPE_GROUPS: dict[str, tuple[str, ...]] = {
    "view": (
        "views",
        "viewed",
        "impression",
        "impressions",
        "exposure",
        "exposures",
        "read",
        "reads",
        "pageview",
        "page_view",
        "pv",
        "visit",
        "watch",
        "play",
        "open",
        "浏览",
        "阅读",
        "曝光",
        "观看",
        "查看",
        "播放",
        "访问",
        "展示",
        "瀏覽",
        "閱讀",
        "觀看",
        "訪問",
        "展現",
    ),
    "click": ("clicks", "clicked", "tap", "点击", "點擊", "单击", "點選"),
    "like": (
        "likes",
        "liked",
        "thumbs_up",
        "thumbsup",
        "upvote",
        "heart",
        "love",
        "reaction",
        "点赞",
        "赞",
        "點贊",
        "點讚",
        "讚",
        "喜欢",
        "喜歡",
    ),
    "comment": (
        "comments",
        "commented",
        "reply",
        "replies",
        "评论",
        "評論",
        "回复",
        "回覆",
        "留言",
    ),
    "share": (
        "shares",
        "shared",
        "repost",
        "reposts",
        "retweet",
        "forward",
        "reshare",
        "转发",
        "轉發",
        "分享",
        "转载",
        "轉載",
    ),
    "save": (
        "saves",
        "saved",
        "favorite",
        "favourite",
        "favorites",
        "favourites",
        "bookmark",
        "collect",
        "收藏",
        "收藏夹",
        "收藏夾",
    ),
    "follow": (
        "follows",
        "followed",
        "subscribe",
        "subscribed",
        "关注",
        "關注",
        "订阅",
        "訂閱",
        "加关注",
    ),
    "message": (
        "messages",
        "dm",
        "direct_message",
        "pm",
        "private_message",
        "chat",
        "inbox",
        "私信",
        "私聊",
        "消息",
        "訊息",
        "私訊",
    ),
    "register": (
        "registration",
        "signup",
        "sign_up",
        "registered",
        "join",
        "注册",
        "註冊",
        "报名",
        "報名",
    ),
    "purchase": (
        "purchases",
        "buy",
        "bought",
        "order",
        "orders",
        "pay",
        "payment",
        "checkout",
        "transaction",
        "conversion",
        "购买",
        "購買",
        "下单",
        "下單",
        "支付",
        "付款",
        "成交",
        "订单",
        "訂單",
    ),
}

#: {normalised value: canonical event type}; unknown values are kept lower-cased.
EVENT_TYPE_SYNONYMS: dict[str, str] = _invert(_EVENT_TYPE_GROUPS)

# --- platforms -------------------------------------------------------------------------

_PLATFORM_GROUPS: dict[str, tuple[str, ...]] = {
    "wechat": (
        "weixin",
        "wx",
        "wechat_official",
        "wechat moments",
        "moments",
        "mini_program",
        "微信",
        "朋友圈",
        "公众号",
        "微信公众号",
        "小程序",
        "視頻號",
        "视频号",
        "公眾號",
    ),
    "weibo": ("sina_weibo", "sina weibo", "微博", "新浪微博"),
    "douyin": ("tiktok_cn", "抖音"),
    "kuaishou": ("kwai", "快手"),
    "xiaohongshu": ("xhs", "red", "rednote", "little_red_book", "小红书", "小紅書"),
    "qq": ("qq群", "qq空间", "qzone", "QQ空間"),
    "facebook": ("fb", "meta", "脸书", "臉書"),
    "twitter": ("x", "x.com", "twitter/x", "推特"),
    "instagram": ("ig", "insta", "ins", "照片墙"),
    "linkedin": ("linked_in", "领英", "領英"),
    "youtube": ("yt", "油管"),
    "bilibili": ("b站", "b 站", "哔哩哔哩", "嗶哩嗶哩", "bili"),
    # TikTok is kept as its own platform: it is not Douyin (different market and audience).
    "tiktok": (),
}

#: {normalised value: canonical platform}; unknown values are kept lower-cased.
PLATFORM_SYNONYMS: dict[str, str] = _invert(_PLATFORM_GROUPS)


def canonical_event_type(value: object) -> str:
    """Return the canonical event type of ``value`` (unknown values lower-cased).

    Parameters
    ----------
    value : object
        A raw event name such as ``"点赞"``, ``"Repost"`` or ``"impression"``.

    Returns
    -------
    str
        ``"like"``, ``"share"``, ``"view"`` ...; an unknown name comes back stripped and
        lower-cased so it is kept as its own type.
    """
    return EVENT_TYPE_SYNONYMS.get(normalise_key(value), str(value).strip().lower())


def canonical_platform(value: object) -> str:
    """Return the canonical platform of ``value`` (unknown values lower-cased).

    Parameters
    ----------
    value : object
        A raw platform name such as ``"微信"``, ``"B站"`` or ``"IG"``.

    Returns
    -------
    str
        ``"wechat"``, ``"bilibili"``, ``"instagram"`` ...; unknown names lower-cased.
    """
    return PLATFORM_SYNONYMS.get(normalise_key(value), str(value).strip().lower())


def guess_mapping(
    columns: Iterable[str],
    kind: Kind = "events",
    overrides: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Guess which source column holds which canonical field.

    Parameters
    ----------
    columns : iterable of str
        The source file's column names, in file order.
    kind : {"events", "users"}
        Which canonical table the columns are for.
    overrides : mapping of str to str, optional
        Explicit ``{source column: field}`` choices (``--map SRC=FIELD`` or the mapping
        form). They win over guesses; a guessed column that would claim the same field is
        dropped. A field value of ``""`` or ``"ignore"`` un-maps that column.

    Returns
    -------
    dict
        ``{source column: canonical field}``, each field used at most once (the first
        matching column in file order wins). Columns not in the result are unmapped
        (for users they are kept as custom attributes).

    Raises
    ------
    DataError
        If an override names a column that does not exist or a field that is unknown.
    """
    if kind not in COLUMN_SYNONYMS:
        raise DataError(f"kind={kind!r} should be 'events' or 'users'.")
    columns = [str(c) for c in columns]
    fields = EVENT_FIELDS if kind == "events" else USER_FIELDS
    overrides = dict(overrides or {})
    for src, field in overrides.items():
        if src not in columns:
            raise DataError(
                f"The mapping names a column '{src}' that is not in the file "
                f"(columns: {', '.join(columns)}). Check the spelling in --map."
            )
        if field not in ("", "ignore") and field not in fields:
            raise DataError(
                f"The mapping sends '{src}' to '{field}', which is not one of the {kind} fields; "
                f"use one of: {', '.join(fields)}."
            )
    chosen: dict[str, str] = {}
    for src, field in overrides.items():
        if field in ("", "ignore"):
            continue
        if field in chosen:
            raise DataError(
                f"Columns '{chosen[field]}' and '{src}' are both mapped to {field}; "
                "map only one of them.",
                kind=kind,
                column=src,
            )
        chosen[field] = src
    mapping: dict[str, str] = {}
    taken = set(chosen)
    synonyms = COLUMN_SYNONYMS[kind]
    for col in columns:
        if col in overrides:
            if overrides[col] not in ("", "ignore"):
                mapping[col] = overrides[col]
            continue
        field = synonyms.get(normalise_key(col))
        if field is not None and field not in taken:
            mapping[col] = field
            taken.add(field)
    return mapping


def parse_mapping_args(items: Iterable[str] | None) -> dict[str, str]:
    """Parse repeated ``SRC=FIELD`` strings into ``{SRC: FIELD}``.

    Parameters
    ----------
    items : iterable of str or None
        Values of ``--map`` such as ``["会员编号=user_id", "动作=event_type"]``.

    Returns
    -------
    dict
        ``{source column: field}``.

    Raises
    ------
    DataError
        If an item has no ``=``.
    """
    out: dict[str, str] = {}
    for item in items or ():
        src, sep, field = str(item).rpartition("=")
        if not sep or not src.strip():
            raise DataError(
                f"--map '{item}' should look like COLUMN=FIELD, for example --map uid=user_id."
            )
        out[src.strip()] = field.strip()
    return out


# --- content formats ---------------------------------------------------------------------

_CONTENT_FORMAT_GROUPS: dict[str, tuple[str, ...]] = {
    "text_image": (
        "image_text",
        "text+image",
        "post",
        "note",
        "image",
        "photo",
        "picture",
        "graphic",
        "图文",
        "圖文",
        "图片",
        "圖片",
        "笔记",
        "筆記",
    ),
    "video": (
        "short_video",
        "shortvideo",
        "reel",
        "reels",
        "clip",
        "视频",
        "視頻",
        "影片",
        "短视频",
        "短視頻",
    ),
    "live": ("livestream", "live_stream", "streaming", "直播"),
    "article": ("blog", "longform", "文章", "长文", "長文"),
    "audio": ("podcast", "voice", "音频", "音頻", "播客"),
    "text": ("status", "tweet", "文字", "纯文字"),
}

#: {normalised value: canonical content format}; unknown values are kept lower-cased.
CONTENT_FORMAT_SYNONYMS: dict[str, str] = _invert(_CONTENT_FORMAT_GROUPS)
