"""Synonyms and mapping: hand-picked names in English, simplified and traditional Chinese."""

from __future__ import annotations

import pytest

from core.data import (
    COLUMN_SYNONYMS,
    EVENT_FIELDS,
    USER_FIELDS,
    canonical_event_type,
    canonical_platform,
    guess_mapping,
    normalise_key,
    parse_mapping_args,
)
from core.errors import DataError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("impression", "view"),
        ("Exposure", "view"),
        ("read", "view"),
        ("阅读", "view"),
        ("曝光", "view"),
        ("浏览", "view"),
        ("閱讀", "view"),
        ("点击", "click"),
        ("點擊", "click"),
        ("点赞", "like"),
        ("赞", "like"),
        ("點贊", "like"),
        ("评论", "comment"),
        ("評論", "comment"),
        ("转发", "share"),
        ("轉發", "share"),
        ("分享", "share"),
        ("repost", "share"),
        ("Retweet", "share"),
        ("收藏", "save"),
        ("favorite", "save"),
        ("Favourite", "save"),
        ("关注", "follow"),
        ("關注", "follow"),
        ("私信", "message"),
        ("注册", "register"),
        ("购买", "purchase"),
        ("購買", "purchase"),
        ("下单", "purchase"),
        ("支付", "purchase"),
        ("buy", "purchase"),
        ("order", "purchase"),
        ("Page_View", "view"),
        (" LIKE ", "like"),
        ("Live Gift", "live gift"),  # unknown: kept, lower-cased
    ],
)
def test_event_type_synonyms(raw, expected):
    assert canonical_event_type(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("微信", "wechat"),
        ("WeChat", "wechat"),
        ("weixin", "wechat"),
        ("微博", "weibo"),
        ("抖音", "douyin"),
        ("Douyin", "douyin"),
        ("快手", "kuaishou"),
        ("小红书", "xiaohongshu"),
        ("小紅書", "xiaohongshu"),
        ("XHS", "xiaohongshu"),
        ("RED", "xiaohongshu"),
        ("QQ", "qq"),
        ("Facebook", "facebook"),
        ("X", "twitter"),
        ("Twitter", "twitter"),
        ("IG", "instagram"),
        ("LinkedIn", "linkedin"),
        ("YouTube", "youtube"),
        ("B站", "bilibili"),
        ("bilibili", "bilibili"),
        ("TikTok", "tiktok"),
        ("Threads", "threads"),
    ],
)
def test_platform_synonyms(raw, expected):
    assert canonical_platform(raw) == expected


def test_normalise_key():
    assert normalise_key(" User_ID ") == "userid"
    assert normalise_key("user-id") == "userid"
    assert normalise_key("用户 ID") == "用户id"


def test_guess_mapping_english():
    cols = [
        "uid",
        "event_time",
        "action",
        "channel",
        "amt",
        "post_id",
        "format",
        "campaign",
        "comment_text",
        "misc",
    ]
    assert guess_mapping(cols) == {
        "uid": "user_id",
        "event_time": "timestamp",
        "action": "event_type",
        "channel": "platform",
        "amt": "amount",
        "post_id": "content_id",
        "format": "content_format",
        "campaign": "campaign",
        "comment_text": "text",
    }


def test_guess_mapping_simplified_and_traditional_chinese():
    simplified = [
        "用户ID",
        "时间",
        "行为",
        "平台",
        "金额",
        "内容ID",
        "内容形式",
        "活动",
        "评论内容",
    ]
    assert guess_mapping(simplified) == dict(zip(simplified, EVENT_FIELDS, strict=True))
    traditional = ["用戶ID", "時間", "行為", "平台", "金額"]
    assert list(guess_mapping(traditional).values()) == [
        "user_id",
        "timestamp",
        "event_type",
        "platform",
        "amount",
    ]
    assert guess_mapping(["用户id", "事件"]) == {"用户id": "user_id", "事件": "event_type"}


@pytest.mark.parametrize(
    "header",
    [
        "会员编号",
        "会员ID",
        "客户编号",
        "會員編號",
        "member",
        "Customer No.",
        "customer number",
        "Member No",
    ],
)
@pytest.mark.parametrize("kind", ["events", "users"])
def test_common_member_id_headers_are_the_user_id(header, kind):
    assert guess_mapping([header, "时间"], kind).get(header) == "user_id"


def test_guess_mapping_first_column_wins_and_fields_used_once():
    assert guess_mapping(["user", "uid", "time"]) == {"user": "user_id", "time": "timestamp"}


def test_guess_mapping_overrides_win_and_unmap():
    cols = ["会员编号", "uid", "时间", "动作"]
    got = guess_mapping(cols, overrides={"会员编号": "user_id", "动作": "ignore"})
    assert got == {"会员编号": "user_id", "时间": "timestamp"}


def test_guess_mapping_users():
    cols = ["用户ID", "年龄", "性别", "城市", "职业", "收入", "兴趣", "粉丝数", "注册时间", "肤质"]
    assert guess_mapping(cols, "users") == dict(zip(cols[:-1], USER_FIELDS, strict=True))


def test_guess_mapping_errors_name_the_column():
    with pytest.raises(DataError, match="'nope' that is not in the file"):
        guess_mapping(["a"], overrides={"nope": "user_id"})
    with pytest.raises(DataError, match="Columns 'a' and 'b' are both mapped to user_id"):
        guess_mapping(["a", "b"], overrides={"a": "user_id", "b": "user_id"})
    with pytest.raises(DataError, match="not one of the events fields"):
        guess_mapping(["a"], overrides={"a": "colour"})


def test_parse_mapping_args():
    assert parse_mapping_args(["会员编号=user_id", " a=b = text"]) == {
        "会员编号": "user_id",
        "a=b": "text",
    }
    with pytest.raises(DataError, match="COLUMN=FIELD"):
        parse_mapping_args(["uid"])


def test_synonyms_are_data():
    assert COLUMN_SYNONYMS["events"]["uid"] == "user_id"
    assert COLUMN_SYNONYMS["users"]["性别"] == "gender"
