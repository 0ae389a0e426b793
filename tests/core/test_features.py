"""Feature table: hand-made events, hand-computed features, on DuckDB and PostgreSQL.

Every case runs on both backends (the ``canonical`` fixture) and must give the same frame.
The as-of date defaults to the last event, 2025-06-30 23:00 (a Monday).
Weekdays used below: 2025-02-01 Sat, 04-01 Tue, 04-02 Wed, 05-01 Thu, 05-10 Sat,
05-31 Sat, 06-01 Sun, 06-02 Mon, 06-10 Tue, 06-11 Wed, 06-15 Sun, 06-20 Fri, 06-29 Sun.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from core.common.sql import quote_identifier
from core.data import dataset_engine, events_table, users_table
from core.errors import DataError
from core.segments import (
    FEATURE_COLUMNS,
    LIFECYCLE_RULES,
    LIFECYCLE_STAGES,
    LifecycleWindows,
    build_features,
    lifecycle_rules,
)

NAN = float("nan")


def ev(user, ts, event_type, platform=None, amount=None, fmt=None, **extra):
    """One canonical event row."""
    return {
        "user_id": user,
        "timestamp": dt.datetime.fromisoformat(ts),
        "event_type": event_type,
        "platform": platform,
        "amount": amount,
        "content_format": fmt,
        **extra,
    }


EVENTS = [
    # alice: loyal (2 purchase days, seen yesterday, first seen 60 days ago)
    ev("alice", "2025-05-01 09:00", "view", "wechat", fmt="video"),
    ev("alice", "2025-05-01 09:30", "like", "wechat", fmt="video"),
    ev("alice", "2025-05-10 19:00", "purchase", "wechat", 100.0),
    ev("alice", "2025-06-29 21:00", "purchase", "weibo", 50.0),
    ev("alice", "2025-06-29 22:00", "comment", "weibo", fmt="text_image"),
    # bob: only a view and a click -> prospect, even 149 days later
    ev("bob", "2025-02-01 00:30", "view", "douyin", fmt="video"),
    ev("bob", "2025-02-01 05:59", "click", "douyin", fmt="video"),
    # carol: first event 28 days ago -> new; her share is the last event (the as-of)
    ev("carol", "2025-06-02 13:00", "follow"),
    ev("carol", "2025-06-30 23:00", "share", "xiaohongshu", fmt="live"),
    # dave: last event exactly 30 days ago -> dormant; wechat/weibo tie -> wechat
    ev("dave", "2025-05-31 08:00", "comment", "wechat", fmt="article"),
    ev("dave", "2025-05-31 08:30", "like", "weibo", fmt="article"),
    # erin: last event 29 days ago, first 30 days ago, one purchase without amount -> active
    ev("erin", "2025-05-31 23:59", "message", "weibo"),
    ev("erin", "2025-06-01 18:00", "like", "weibo"),
    ev("erin", "2025-06-01 18:30", "purchase", "weibo", None),
    # frank: last event exactly 90 days ago -> churned
    ev("frank", "2025-04-01 12:00", "register", "wechat"),
    # grace: last event 89 days ago -> dormant
    ev("grace", "2025-04-02 06:00", "save", "douyin", fmt="video"),
    # heidi: two purchases on one day -> 1 purchase day -> active, not loyal
    ev("heidi", "2025-05-01 10:00", "view", "douyin", fmt="video"),
    ev("heidi", "2025-06-20 10:00", "purchase", "douyin", 20.0),
    ev("heidi", "2025-06-20 11:00", "purchase", "douyin", 30.0),
    # ivan: purchases on 2 days but first seen 20 days ago -> new (new is tried first)
    ev("ivan", "2025-06-10 20:00", "purchase", "wechat", 10.0),
    ev("ivan", "2025-06-11 20:00", "purchase", "wechat", 15.5),
    # judy: other event types only (one named like a feature column), no platform
    ev("judy", "2025-06-15 15:00", "add-to-cart"),
    ev("judy", "2025-06-15 16:00", "events"),
]

USER_COLUMNS = (
    sa.Column("age", sa.Double),
    sa.Column("gender", sa.String),
    sa.Column("region", sa.String),
    sa.Column("followers", sa.Double),
    sa.Column("signup_date", sa.Date),
    sa.Column("skin_type", sa.String),
)

USERS = [
    {
        "user_id": "alice",
        "age": 34.0,
        "gender": "f",
        "region": "上海",
        "followers": 1200.0,
        "signup_date": dt.date(2024, 12, 1),
        "skin_type": "oily",
    },
    {"user_id": "bob", "gender": "m", "region": "北京", "followers": 5.0},
    # zed has no events: kept with zero counts, stage prospect
    {
        "user_id": "zed",
        "age": 51.0,
        "gender": "m",
        "region": "广州",
        "followers": 0.0,
        "signup_date": dt.date(2025, 1, 5),
        "skin_type": "dry",
    },
    {"user_id": None, "gender": "x"},  # no id: ignored
]

PLATFORMS = ("douyin", "wechat", "weibo", "xiaohongshu")
FORMATS = ("article", "live", "text_image", "video")
OTHER_TYPES = ("n_add_to_cart", "n_events_2")

EXPECTED_COLUMNS = [
    "user_id",
    "n_events",
    "n_view",
    "n_click",
    "n_like",
    "n_comment",
    "n_share",
    "n_save",
    "n_follow",
    "n_message",
    "n_register",
    "n_purchase",
    *OTHER_TYPES,
    "recency_days",
    "frequency",
    "monetary",
    "avg_order_value",
    "active_days",
    "tenure_days",
    "engagement_rate",
    "click_rate",
    "purchase_rate",
    "hour_share_night",
    "hour_share_morning",
    "hour_share_afternoon",
    "hour_share_evening",
    "weekend_share",
    "n_platforms",
    "top_platform",
    *(f"platform_share_{p}" for p in PLATFORMS),
    *(f"format_share_{f}" for f in FORMATS),
    "lifecycle_stage",
    "age",
    "gender",
    "region",
    "followers",
    "signup_date",
    "skin_type",
]

COUNT_COLUMNS = [c for c in EXPECTED_COLUMNS if c.startswith("n_")]
SHARE_COLUMNS = [c for c in EXPECTED_COLUMNS if "_share_" in c or c == "weekend_share"]


def row(user, **values):
    """An expected feature row for a user with events: zero counts and shares by default."""
    out = {c: 0 for c in COUNT_COLUMNS}
    out.update({c: 0.0 for c in SHARE_COLUMNS})
    out.update(
        user_id=user,
        frequency=0,
        monetary=0.0,
        avg_order_value=NAN,
        engagement_rate=NAN,
        click_rate=NAN,
        purchase_rate=NAN,
        top_platform=NAN,
        age=NAN,
        gender=NAN,
        region=NAN,
        followers=NAN,
        signup_date=pd.NaT,
        skin_type=NAN,
    )
    out.update(values)
    return out


EXPECTED = [
    row(
        "alice",
        n_events=5,
        n_view=1,
        n_like=1,
        n_comment=1,
        n_purchase=2,
        recency_days=1.0,
        frequency=2,
        monetary=150.0,
        avg_order_value=75.0,
        active_days=3,
        tenure_days=60.0,
        engagement_rate=2.0,  # (1 like + 1 comment) / 1 view
        click_rate=0.0,
        purchase_rate=2.0,
        hour_share_morning=0.4,  # 09:00, 09:30
        hour_share_evening=0.6,  # 19:00, 21:00, 22:00
        weekend_share=0.6,  # Sat 05-10, Sun 06-29 x2
        n_platforms=2,
        top_platform="wechat",
        platform_share_wechat=0.6,
        platform_share_weibo=0.4,
        format_share_video=0.4,
        format_share_text_image=0.2,
        lifecycle_stage="loyal",
        age=34.0,
        gender="f",
        region="上海",
        followers=1200.0,
        signup_date=pd.Timestamp("2024-12-01"),
        skin_type="oily",
    ),
    row(
        "bob",
        n_events=2,
        n_view=1,
        n_click=1,
        recency_days=149.0,
        active_days=1,
        tenure_days=149.0,
        engagement_rate=0.0,
        click_rate=1.0,
        purchase_rate=0.0,
        hour_share_night=1.0,  # 00:30 and 05:59
        weekend_share=1.0,
        n_platforms=1,
        top_platform="douyin",
        platform_share_douyin=1.0,
        format_share_video=1.0,
        lifecycle_stage="prospect",
        gender="m",
        region="北京",
        followers=5.0,
    ),
    row(
        "carol",
        n_events=2,
        n_follow=1,
        n_share=1,
        recency_days=0.0,
        active_days=2,
        tenure_days=28.0,
        hour_share_afternoon=0.5,
        hour_share_evening=0.5,
        weekend_share=0.0,
        n_platforms=1,
        top_platform="xiaohongshu",
        platform_share_xiaohongshu=0.5,  # the follow has no platform
        format_share_live=0.5,
        lifecycle_stage="new",
    ),
    row(
        "dave",
        n_events=2,
        n_comment=1,
        n_like=1,
        recency_days=30.0,
        active_days=1,
        tenure_days=30.0,
        hour_share_morning=1.0,
        weekend_share=1.0,
        n_platforms=2,
        top_platform="wechat",
        platform_share_wechat=0.5,
        platform_share_weibo=0.5,
        format_share_article=1.0,
        lifecycle_stage="dormant",
    ),
    row(
        "erin",
        n_events=3,
        n_message=1,
        n_like=1,
        n_purchase=1,
        recency_days=29.0,
        frequency=1,
        monetary=0.0,
        avg_order_value=0.0,
        active_days=2,
        tenure_days=30.0,
        hour_share_evening=1.0,  # 23:59, 18:00, 18:30
        weekend_share=1.0,
        n_platforms=1,
        top_platform="weibo",
        platform_share_weibo=1.0,
        lifecycle_stage="active",
    ),
    row(
        "frank",
        n_events=1,
        n_register=1,
        recency_days=90.0,
        active_days=1,
        tenure_days=90.0,
        hour_share_afternoon=1.0,
        n_platforms=1,
        top_platform="wechat",
        platform_share_wechat=1.0,
        lifecycle_stage="churned",
    ),
    row(
        "grace",
        n_events=1,
        n_save=1,
        recency_days=89.0,
        active_days=1,
        tenure_days=89.0,
        hour_share_morning=1.0,
        n_platforms=1,
        top_platform="douyin",
        platform_share_douyin=1.0,
        format_share_video=1.0,
        lifecycle_stage="dormant",
    ),
    row(
        "heidi",
        n_events=3,
        n_view=1,
        n_purchase=2,
        recency_days=10.0,
        frequency=2,
        monetary=50.0,
        avg_order_value=25.0,
        active_days=2,
        tenure_days=60.0,
        engagement_rate=0.0,
        click_rate=0.0,
        purchase_rate=2.0,
        hour_share_morning=1.0,
        n_platforms=1,
        top_platform="douyin",
        platform_share_douyin=1.0,
        format_share_video=1 / 3,
        lifecycle_stage="active",
    ),
    row(
        "ivan",
        n_events=2,
        n_purchase=2,
        recency_days=19.0,
        frequency=2,
        monetary=25.5,
        avg_order_value=12.75,
        active_days=2,
        tenure_days=20.0,
        hour_share_evening=1.0,
        n_platforms=1,
        top_platform="wechat",
        platform_share_wechat=1.0,
        lifecycle_stage="new",
    ),
    row(
        "judy",
        n_events=2,
        n_add_to_cart=1,
        n_events_2=1,
        recency_days=15.0,
        active_days=1,
        tenure_days=15.0,
        hour_share_afternoon=1.0,
        weekend_share=1.0,
        lifecycle_stage="new",
    ),
    # zed: users-table row without events
    {
        **{c: 0 for c in COUNT_COLUMNS},
        **{c: NAN for c in SHARE_COLUMNS},
        "user_id": "zed",
        "recency_days": NAN,
        "frequency": 0,
        "monetary": 0.0,
        "avg_order_value": NAN,
        "active_days": 0,
        "tenure_days": NAN,
        "engagement_rate": NAN,
        "click_rate": NAN,
        "purchase_rate": NAN,
        "hour_share_night": NAN,
        "hour_share_morning": NAN,
        "hour_share_afternoon": NAN,
        "hour_share_evening": NAN,
        "top_platform": NAN,
        "lifecycle_stage": "prospect",
        "age": 51.0,
        "gender": "m",
        "region": "广州",
        "followers": 0.0,
        "signup_date": pd.Timestamp("2025-01-05"),
        "skin_type": "dry",
    },
]


def expected_frame(rows=EXPECTED, columns=EXPECTED_COLUMNS) -> pd.DataFrame:
    """The hand-computed rows as a frame with the contract's dtypes."""
    frame = pd.DataFrame(rows)[columns]
    for c in columns:
        if c in COUNT_COLUMNS or c in ("frequency", "active_days", "n_platforms"):
            frame[c] = frame[c].astype("int64")
        elif c in ("user_id", "top_platform", "lifecycle_stage", "gender", "region", "skin_type"):
            frame[c] = frame[c].astype("str")
        elif c == "signup_date":
            frame[c] = pd.to_datetime(frame[c]).astype("datetime64[us]")
        else:
            frame[c] = frame[c].astype("float64")
    return frame


@pytest.fixture
def full(canonical):
    """Engine on the hand-made events and users."""
    return canonical.make(EVENTS, USERS, users_columns=USER_COLUMNS)


def test_every_column_matches_hand_computed_values(full):
    got = build_features(full)
    assert list(got.columns) == EXPECTED_COLUMNS
    pd.testing.assert_frame_equal(got, expected_frame(), check_exact=False, rtol=1e-12)


def test_always_present_columns_follow_the_contract(full):
    got = build_features(full)
    fixed = [c for c in got.columns if c in FEATURE_COLUMNS]
    assert fixed == list(FEATURE_COLUMNS)
    assert got["user_id"].is_monotonic_increasing
    assert isinstance(got.index, pd.RangeIndex)
    assert set(got["lifecycle_stage"]) <= set(LIFECYCLE_STAGES)


def test_without_users_table_only_users_with_events(canonical):
    engine = canonical.make(EVENTS, users=None)
    got = build_features(engine)  # "users" table does not exist
    columns = EXPECTED_COLUMNS[: EXPECTED_COLUMNS.index("lifecycle_stage") + 1]
    expected = expected_frame([r for r in EXPECTED if r["user_id"] != "zed"], columns)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(build_features(engine, users=None), got)


def test_empty_users_table_adds_its_columns_but_no_rows(canonical):
    engine = canonical.make(EVENTS[:2], users=[], users_columns=USER_COLUMNS)
    got = build_features(engine)
    assert got["user_id"].tolist() == ["alice"]
    assert list(got.columns[-6:]) == [
        "age",
        "gender",
        "region",
        "followers",
        "signup_date",
        "skin_type",
    ]
    assert got[["age", "gender", "signup_date"]].isna().all().all()


def test_as_of_date_ignores_later_events_and_counts_whole_days(full):
    got = build_features(full, as_of="2025-06-01").set_index("user_id")
    # carol, ivan and judy start after 2025-06-01; zed stays (users table)
    assert list(got.index) == ["alice", "bob", "dave", "erin", "frank", "grace", "heidi", "zed"]
    alice = got.loc["alice"]
    assert (alice["n_events"], alice["n_purchase"], alice["monetary"]) == (3, 1, 100.0)
    assert (alice["recency_days"], alice["tenure_days"]) == (22.0, 31.0)  # 05-10, 05-01
    assert alice["lifecycle_stage"] == "active"  # one purchase day by then
    assert got.loc["erin", "n_events"] == 3  # the whole of 06-01 counts
    assert got.loc["erin", "recency_days"] == 0.0
    assert got.loc["dave", "recency_days"] == 1.0
    assert got.loc["dave", "lifecycle_stage"] == "new"  # first seen the day before
    assert got.loc["frank", "lifecycle_stage"] == "dormant"  # 61 days
    assert got.loc["bob", "recency_days"] == 120.0
    assert "platform_share_xiaohongshu" not in got.columns  # only carol's later share
    assert "n_add_to_cart" not in got.columns
    assert got.loc["zed", "lifecycle_stage"] == "prospect"


def test_as_of_datetime_is_exact_and_date_objects_mean_the_whole_day(full):
    at_six = build_features(full, as_of="2025-06-01 18:00").set_index("user_id")
    assert at_six.loc["erin", "n_events"] == 2  # the 18:00 like counts, 18:30 does not
    assert at_six.loc["erin", "frequency"] == 0
    whole_day = build_features(full, as_of=dt.date(2025, 6, 1))
    pd.testing.assert_frame_equal(whole_day, build_features(full, as_of="2025/6/1"))
    exact = build_features(full, as_of=dt.datetime(2025, 6, 1, 18, 0))
    pd.testing.assert_frame_equal(exact.set_index("user_id"), at_six)
    default = build_features(full)
    pd.testing.assert_frame_equal(
        default, build_features(full, as_of=pd.Timestamp("2025-06-30 23:00"))
    )


def test_later_as_of_ages_everyone(full):
    got = build_features(full, as_of="2025-07-10").set_index("user_id")
    assert got.loc["carol", "recency_days"] == 10.0
    assert got.loc["carol", "tenure_days"] == 38.0
    assert got.loc["ivan", "tenure_days"] == 30.0
    assert got["lifecycle_stage"].to_dict() == {
        "alice": "loyal",
        "bob": "prospect",
        "carol": "active",  # no longer new
        "dave": "dormant",  # 40 days
        "erin": "dormant",  # 39 days
        "frank": "churned",
        "grace": "churned",  # 99 days
        "heidi": "active",
        "ivan": "loyal",  # 29 days since the last purchase, 30 days of tenure
        "judy": "new",  # 25 days
        "zed": "prospect",
    }


@pytest.mark.parametrize(
    ("as_of", "fragment"),
    [("2024-01-01", "data starts on 2025-02-01"), ("not a date", "YYYY-MM-DD"), (42, "YYYY-MM-DD")],
)
def test_bad_as_of_is_a_plain_sentence(full, as_of, fragment):
    with pytest.raises(DataError, match=fragment):
        build_features(full, as_of=as_of)


def test_custom_windows_move_the_boundaries(full):
    windows = LifecycleWindows(
        new_days=10, dormant_days=20, churned_days=100, loyal_purchase_days=1
    )
    got = build_features(full, windows=windows).set_index("user_id")["lifecycle_stage"]
    assert got.to_dict() == {
        "alice": "loyal",
        "bob": "prospect",
        "carol": "active",  # 28 days of tenure is no longer new
        "dave": "dormant",
        "erin": "dormant",  # 29 >= 20
        "frank": "dormant",  # 90 < 100
        "grace": "dormant",
        "heidi": "loyal",  # one purchase day is enough now
        "ivan": "loyal",
        "judy": "active",
        "zed": "prospect",
    }


@pytest.mark.parametrize(
    "kwargs",
    [
        {"new_days": 0},
        {"dormant_days": 90, "churned_days": 90},
        {"churned_days": 2.5},
        {"new_days": True},
    ],
)
def test_invalid_windows_are_rejected(kwargs):
    with pytest.raises(DataError):
        LifecycleWindows(**kwargs)


def test_lifecycle_rules_are_data_in_rule_order():
    assert tuple(r["stage"] for r in LIFECYCLE_RULES) == LIFECYCLE_STAGES
    assert [r["order"] for r in LIFECYCLE_RULES] == [1, 2, 3, 4, 5, 6]
    assert "90 days" in LIFECYCLE_RULES[1]["rule"]
    custom = lifecycle_rules(LifecycleWindows(churned_days=120))
    assert "120 days" in custom[1]["rule"]
    assert pd.DataFrame(LIFECYCLE_RULES).columns.tolist() == ["order", "stage", "rule"]


def test_empty_events_table_is_a_data_error(canonical):
    engine = canonical.make([], users=None)
    with pytest.raises(DataError, match="no rows"):
        build_features(engine)


def test_missing_events_table_is_a_data_error(canonical):
    engine = canonical.make(EVENTS[:1])
    with pytest.raises(DataError, match="no events table named 'clicks'"):
        build_features(engine, events="clicks")


def test_duplicate_users_are_a_data_error(canonical):
    users = [{"user_id": "alice", "age": 30.0}, {"user_id": "alice", "age": 31.0}]
    engine = canonical.make(EVENTS[:1], users, users_columns=(sa.Column("age", sa.Double),))
    with pytest.raises(DataError, match="more than one row for user 'alice'"):
        build_features(engine)


def test_selectables_map_foreign_tables(canonical):
    """A user's own tables, mapped with a select, give the features (integer ids too)."""
    md = sa.MetaData()
    log = sa.Table(
        "clicks_log",
        md,
        sa.Column("uid", sa.Integer),
        sa.Column("at", sa.DateTime),
        sa.Column("kind", sa.String),
        sa.Column("money", sa.Double),
    )
    crm = sa.Table("crm", md, sa.Column("customer", sa.Integer), sa.Column("frequency", sa.Double))

    def foreign(target):
        log.to_metadata(target)
        crm.to_metadata(target)

    engine = canonical.make(
        [],
        users=None,
        tables=foreign,
        rows={
            "clicks_log": [
                {"uid": 7, "at": dt.datetime(2025, 3, 3, 10), "kind": "view", "money": None},
                {"uid": 7, "at": dt.datetime(2025, 3, 4, 10), "kind": "purchase", "money": 9.5},
                {"uid": 8, "at": dt.datetime(2025, 3, 5, 10), "kind": "like", "money": None},
            ],
            "crm": [{"customer": 7, "frequency": 3.0}, {"customer": 9, "frequency": 1.0}],
        },
    )
    events = sa.select(
        log.c.uid.label("user_id"),
        log.c.at.label("timestamp"),
        log.c.kind.label("event_type"),
        log.c.money.label("amount"),
    )
    users = sa.select(crm.c.customer.label("user_id"), crm.c.frequency)
    got = build_features(engine, events=events, users=users)
    assert got["user_id"].tolist() == ["7", "8", "9"]
    assert got["n_purchase"].tolist() == [1, 0, 0]
    assert got["frequency"].tolist() == [1, 0, 0]
    assert got["monetary"].tolist() == [9.5, 0.0, 0.0]
    assert got["recency_days"].tolist()[:2] == [1.0, 0.0]
    assert math.isnan(got["recency_days"].iloc[2])
    assert got["lifecycle_stage"].tolist() == ["new", "new", "prospect"]
    assert got["n_platforms"].tolist() == [0, 0, 0]
    assert got["top_platform"].isna().all()
    assert not any(c.startswith(("platform_share_", "format_share_")) for c in got.columns)
    # the users column named like a feature is kept under another name
    assert got.columns[-1] == "user_frequency"
    assert got["user_frequency"].iloc[[0, 2]].tolist() == [3.0, 1.0]
    assert math.isnan(got["user_frequency"].iloc[1])


def test_shares_received_when_events_name_the_author(canonical):
    author = (sa.Column("author_id", sa.String),)
    events = [
        ev("kol", "2025-03-01 10:00", "view", author_id=None),
        ev("fan1", "2025-03-01 11:00", "share", author_id="kol"),
        ev("fan2", "2025-03-01 12:00", "share", author_id="kol"),
        ev("fan2", "2025-03-01 12:05", "like", author_id="kol"),  # not a share
        ev("kol", "2025-03-01 13:00", "share", author_id="kol"),  # own content: not counted
        ev("fan1", "2025-03-02 09:00", "share", author_id="fan2"),
        ev("fan1", "2025-03-03 09:00", "share", author_id="ghost"),  # author without events
    ]
    engine = canonical.make(events, users=None, event_extra=author)
    got = build_features(engine)
    assert got.columns[-1] == "shares_received"
    assert dict(zip(got["user_id"], got["shares_received"], strict=True)) == {
        "fan1": 0,
        "fan2": 1,
        "kol": 2,
    }
    assert got["shares_received"].dtype == "int64"
    later = build_features(engine, as_of="2025-03-01")
    assert dict(zip(later["user_id"], later["shares_received"], strict=True)) == {
        "fan1": 0,
        "fan2": 0,
        "kol": 2,
    }


def test_odd_names_from_data_become_safe_columns(canonical):
    events = [
        ev("u1", "2025-03-01 10:00", "加购", "Red Note", fmt="short video"),
        ev("u1", "2025-03-01 11:00", "view", "red-note", fmt="'; drop table events; --"),
        ev("u2", "2025-03-01 12:00", "view", 'we"chat'),
    ]
    engine = canonical.make(events, users=None)
    got = build_features(engine)
    assert "n_加购" in got.columns
    assert [c for c in got.columns if c.startswith("platform_share_")] == [
        "platform_share_red_note",
        "platform_share_red_note_2",
        "platform_share_we_chat",
    ]
    assert [c for c in got.columns if c.startswith("format_share_")] == [
        "format_share_drop_table_events",
        "format_share_short_video",
    ]
    assert got.loc[got.user_id == "u2", "top_platform"].item() == 'we"chat'
    assert got.loc[got.user_id == "u1", "top_platform"].item() == "Red Note"
    assert got["n_events"].sum() == 3


def test_inputs_are_not_changed(full):
    before = build_features(full)
    build_features(full, as_of="2025-05-01", users=None)
    pd.testing.assert_frame_equal(build_features(full), before)


# --------------------------------------------------------------------------- engine


def test_dataset_engine_is_shared_and_read_only(tmp_path):
    path = tmp_path / "ds.duckdb"
    setup = sa.create_engine(sa.URL.create("duckdb", database=str(path)))
    with setup.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE events (user_id VARCHAR, timestamp TIMESTAMP, event_type VARCHAR)"
        )
    setup.dispose()
    engine = dataset_engine(path)
    assert dataset_engine(str(path)) is engine
    with pytest.raises(sa.exc.DBAPIError), engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE x (a INT)")
    table = events_table(engine)
    assert [c.name for c in table.columns] == ["user_id", "timestamp", "event_type"]
    assert isinstance(table.c.timestamp.type, sa.DateTime)
    assert users_table(engine) is None


def test_dataset_engine_missing_file(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        dataset_engine(tmp_path / "nope.duckdb")


def test_events_table_without_required_columns(tmp_path):
    path = tmp_path / "ds.duckdb"
    setup = sa.create_engine(sa.URL.create("duckdb", database=str(path)))
    with setup.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE events (user_id VARCHAR, ts TIMESTAMP)")
        conn.exec_driver_sql("CREATE TABLE users (name VARCHAR)")
    setup.dispose()
    engine = dataset_engine(path)
    with pytest.raises(DataError, match="'timestamp', 'event_type'"):
        events_table(engine)
    with pytest.raises(DataError, match="no 'user_id' column"):
        users_table(engine)


def test_text_timestamps_are_refused(tmp_path):
    path = tmp_path / "ds.duckdb"
    setup = sa.create_engine(sa.URL.create("duckdb", database=str(path)))
    with setup.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE events (user_id VARCHAR, timestamp VARCHAR, event_type VARCHAR)"
        )
        conn.exec_driver_sql("INSERT INTO events VALUES ('a', '2025-01-01', 'view')")
    setup.dispose()
    with pytest.raises(DataError, match="not dates and times"):
        build_features(dataset_engine(path))


def test_quote_identifier_handles_user_names():
    dialect = sa.create_engine("duckdb:///:memory:").dialect
    assert quote_identifier('we"ird', dialect) == '"we""ird"'
    assert quote_identifier("用户ID", dialect) == '"用户ID"'
    with pytest.raises(DataError):
        quote_identifier("", dialect)
    assert np.isnan(NAN)


# --------------------------------------------------------------------------- CLI


def run_features_cli(argv: list[str]) -> None:
    """Parse ``argv`` with the features command's own options and run it."""
    import argparse

    from core.cli import features as command

    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    command.run(parser.parse_args(argv))


GBK_EVENTS = (
    "会员编号,时间,行为,平台,金额\n"
    "A1,2025/3/1 14:05,浏览,微信,\n"
    "A1,2025/3/2 10:00,购买,微信,12.5\n"
    "B2,2025/3/3 09:00,点赞,抖音,\n"
)


def test_cli_maps_a_gbk_file_with_chinese_names_to_features(tmp_path, capsys):
    src = tmp_path / "导出.csv"
    src.write_bytes(GBK_EVENTS.encode("gbk"))
    out = tmp_path / "out" / "features.csv"
    run_features_cli([str(src), "--map", "会员编号=user_id", "--out", str(out)])
    assert "wrote 2 users" in capsys.readouterr().out
    got = pd.read_csv(out, encoding="utf-8-sig", dtype={"user_id": str})
    assert got["user_id"].tolist() == ["A1", "B2"]
    a1 = got.iloc[0]
    assert (a1["n_view"], a1["n_purchase"], a1["monetary"], a1["recency_days"]) == (1, 1, 12.5, 1.0)
    assert (a1["weekend_share"], a1["top_platform"], a1["platform_share_wechat"]) == (
        1.0,
        "wechat",
        1.0,
    )
    assert got.iloc[1]["n_like"] == 1 and got.iloc[1]["top_platform"] == "douyin"
    assert list(got.columns[:2]) == ["user_id", "n_events"]


def test_cli_writes_parquet_and_applies_as_of(tmp_path):
    src = tmp_path / "events.csv"
    src.write_bytes(GBK_EVENTS.encode("gbk"))
    out = tmp_path / "features.parquet"
    run_features_cli(
        [str(src), "--map", "会员编号=user_id", "--as-of", "2025-03-02", "--out", str(out)]
    )
    got = pd.read_parquet(out)
    assert got["user_id"].tolist() == ["A1"]
    assert got.loc[0, "recency_days"] == 0.0 and got.loc[0, "tenure_days"] == 1.0


def test_cli_refuses_other_output_formats(tmp_path):
    with pytest.raises(DataError, match=r"must end in \.csv or \.parquet"):
        run_features_cli(["events.csv", "--out", str(tmp_path / "f.xlsx")])
    with pytest.raises(DataError, match="--in-database needs --db"):
        run_features_cli(["--in-database", "--out", str(tmp_path / "f.csv")])


def test_dataset_engine_shares_the_file_with_plain_read_only_duckdb(tmp_path):
    """core.data.pipeline opens datasets with duckdb.connect(read_only=True) in the same process."""
    import duckdb

    path = tmp_path / "ds.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE events AS SELECT 'a' AS user_id, TIMESTAMP '2025-01-01' AS timestamp, 'view' AS event_type"
    )
    con.close()
    engine = dataset_engine(path)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM events").scalar() == 1
        other = duckdb.connect(str(path), read_only=True)
        assert other.execute("SELECT count(*) FROM events").fetchone() == (1,)
        other.close()


def test_date_only_timestamps_count_at_midnight(canonical):
    md = sa.MetaData()
    daily = sa.Table(
        "daily", md, sa.Column("uid", sa.String), sa.Column("d", sa.Date), sa.Column("k", sa.String)
    )
    engine = canonical.make(
        [],
        users=None,
        tables=lambda target: daily.to_metadata(target),
        rows={
            "daily": [
                {"uid": "a", "d": dt.date(2025, 3, 1), "k": "view"},
                {"uid": "a", "d": dt.date(2025, 3, 3), "k": "like"},
            ]
        },
    )
    events = sa.select(
        daily.c.uid.label("user_id"), daily.c.d.label("timestamp"), daily.c.k.label("event_type")
    )
    got = build_features(engine, events=events, users=None)
    assert got[
        ["n_events", "active_days", "tenure_days", "hour_share_night", "weekend_share"]
    ].iloc[0].tolist() == [2, 2, 2.0, 1.0, 0.5]
