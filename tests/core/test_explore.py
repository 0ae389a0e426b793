"""Exact tests of every Explore aggregation on a 19-event hand-made dataset.

2024-01-01 is a Monday, so weeks are W1 = Jan 1-7, W2 = Jan 8-14, W3 = Jan 15-21.
Expected values are worked out by hand in the comments next to each assertion.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from core import explore as ex
from core.data import write_activity_tables
from core.errors import DataError
from core.segments.features import LifecycleWindows, build_features

EVENTS = [
    # user, timestamp, type, platform, amount, format, campaign, text
    ("u1", "2024-01-01 10:00", "view", "wechat", None, "video", "A", None),
    ("u1", "2024-01-01 10:05", "like", "wechat", None, "video", "A", None),
    ("u1", "2024-01-01 10:10", "click", "wechat", None, "video", "A", None),
    ("u1", "2024-01-02 20:00", "comment", "wechat", None, "video", "A", "太差了 refund"),
    ("u1", "2024-01-02 20:01", "follow", "wechat", None, "video", "A", None),
    ("u1", "2024-01-03 20:30", "purchase", "wechat", 100.0, "video", "A", None),
    ("u1", "2024-01-10 09:00", "purchase", "wechat", 50.0, "video", "A", None),
    ("u2", "2024-01-01 20:00", "view", "weibo", None, "text_image", "B", None),
    ("u2", "2024-01-01 20:10", "share", "weibo", None, "text_image", "B", None),
    ("u2", "2024-01-08 20:00", "view", "weibo", None, "text_image", "B", None),
    ("u2", "2024-01-08 20:05", "follow", "weibo", None, "text_image", "B", None),
    ("u3", "2024-01-09 12:00", "view", "weibo", None, "video", None, None),
    ("u3", "2024-01-09 12:01", "comment", "weibo", None, "video", None, "love it"),
    ("u3", "2024-01-09 12:02", "save", "weibo", None, "video", None, None),
    ("u3", "2024-01-09 12:03", "register", "weibo", None, "video", None, None),
    ("u3", "2024-01-16 12:00", "purchase", "weibo", 30.0, "video", "B", None),
    ("u4", "2024-01-15 08:00", "view", "douyin", None, "live", None, None),
    ("u4", "2024-01-15 08:01", "click", "douyin", None, "live", None, None),
    ("u5", "2024-01-16 13:00", "view", "weibo", None, "text_image", None, None),
]
USERS = [
    ("u1", "北京", 20.0),
    ("u2", "北京", 30.0),
    ("u3", "广州", 40.0),
    ("u4", "上海", 50.0),
    ("u5", "上海", 60.0),
    ("u6", "深圳", 70.0),
]
LABELS = pd.Series({"u1": "S1", "u2": "S1", "u3": "S2", "u4": "S2"}, name="segment")
COSTS = pd.DataFrame(
    {
        "campaign": ["A", "B"],
        "platform": ["wechat", ""],
        "period_start": ["2024-01-01", "2024-01-01"],
        "period_end": ["2024-01-31", "2024-01-07"],
        "cost": ["100", "10"],
    }
)


def make_dataset(path, events=EVENTS, users=USERS) -> sa.Engine:
    """Write events/users with the canonical column types and open it read-only.

    The derived tables every dataset carries (integer user keys, per-user active days:
    core.data.write_activity_tables) are written as ingest writes them.
    """
    con = duckdb.connect(str(path))
    con.execute(
        """CREATE TABLE events (user_id VARCHAR NOT NULL, timestamp TIMESTAMP NOT NULL,
        event_type VARCHAR NOT NULL, platform VARCHAR, amount DOUBLE, content_id VARCHAR,
        content_format VARCHAR, campaign VARCHAR, text VARCHAR)"""
    )
    con.executemany(
        "INSERT INTO events VALUES (?, CAST(? AS TIMESTAMP), ?, ?, ?, NULL, ?, ?, ?)", events
    )
    con.execute("CREATE TABLE users (user_id VARCHAR, region VARCHAR, age DOUBLE)")
    if users:
        con.executemany("INSERT INTO users VALUES (?, ?, ?)", users)
    write_activity_tables(con)
    con.close()
    return sa.create_engine(f"duckdb:///{path}", connect_args={"read_only": True})


@pytest.fixture
def engine(tmp_path):
    eng = make_dataset(tmp_path / "ds.duckdb")
    yield eng
    eng.dispose()


def test_data_bounds(engine):
    b = ex.data_bounds(engine)
    assert (b.date_min, b.date_max, b.n_events) == (dt.date(2024, 1, 1), dt.date(2024, 1, 16), 19)
    assert b.platforms == ("douyin", "wechat", "weibo")
    assert b.content_formats == ("live", "text_image", "video")
    assert b.campaigns == ("A", "B")
    assert b.user_attributes == ("region", "age")


def test_activity_dau_wau_mau_stickiness(engine):
    act = ex.activity(engine)
    assert len(act) == 16
    assert act["dau"].tolist() == [2, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 2]
    # WAU: u1+u2 until Jan 8; u3 joins Jan 9; Jan 15 drops u2, adds u4; Jan 16 adds u5.
    assert act["wau"].tolist() == [2] * 8 + [3] * 7 + [4]
    assert act["mau"].tolist() == [2] * 8 + [3] * 6 + [4, 5]
    assert act["stickiness"].iloc[0] == 1.0
    assert act["stickiness"].iloc[-1] == pytest.approx(2 / 5)
    # the data starts on Jan 1: 7-day windows are full from Jan 7, 30-day ones never here
    assert act["wau_full"].tolist() == [False] * 6 + [True] * 10
    assert not act["mau_full"].any()


def test_activity_windows_reach_back_before_the_range(engine):
    """A date range shows its days, but WAU/MAU still count the days before its start."""
    act = ex.activity(engine, ex.ExploreFilters(start=dt.date(2024, 1, 9)))
    assert act["date"].iloc[0] == pd.Timestamp("2024-01-09")
    # Jan 9: u3 that day; u1 (Jan 3) and u2 (Jan 8) within 7 days -> WAU 3, as unfiltered
    assert act["dau"].tolist() == [1, 1, 0, 0, 0, 0, 1, 2]
    assert act["wau"].tolist() == [3] * 7 + [4]
    assert act["mau"].tolist() == [3] * 6 + [4, 5]
    segment = ex.activity(engine, ex.ExploreFilters(segments=("S2",)), LABELS)
    # S2 = u3 (Jan 9, 16), u4 (Jan 15)
    assert segment["dau"].tolist() == [1, 0, 0, 0, 0, 0, 1, 1]
    assert segment["wau"].tolist() == [1] * 6 + [2, 2]


def test_activity_with_platform_filter(engine):
    act = ex.activity(engine, ex.ExploreFilters(platforms=("wechat",)))
    assert act["date"].iloc[0] == pd.Timestamp("2024-01-01")
    assert act["dau"].tolist() == [1, 1, 1, 0, 0, 0, 0, 0, 0, 1]
    # u1's days: Jan 1, 2, 3, 10 -> in a 7-day window on Jan 1-9, out on none of them.
    assert act["wau"].tolist() == [1] * 10


def test_active_hours_and_best_windows(engine):
    heat = ex.active_hours(engine)
    assert len(heat) == 168 and heat["events"].sum() == 19
    cell = heat.set_index(["weekday", "hour"])
    assert cell.loc[(0, 10), ["events", "interactions"]].tolist() == [3, 1]
    assert cell.loc[(0, 20), ["events", "interactions"]].tolist() == [4, 1]
    assert cell.loc[(1, 12), ["events", "interactions"]].tolist() == [5, 2]
    assert cell.loc[(1, 20), ["events", "interactions"]].tolist() == [2, 1]
    assert cell.loc[(0, 8), ["events", "interactions"]].tolist() == [2, 0]
    assert cell.loc[(6, 0), "events"] == 0
    best = ex.best_posting_windows(heat, 3)
    assert best["label"].tolist() == ["Tue 12:00-13:00", "Mon 20:00-21:00", "Mon 10:00-11:00"]


def test_new_vs_returning(engine):
    nvr = ex.new_vs_returning(engine, grain="week")
    assert nvr["period"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-01-01",
        "2024-01-08",
        "2024-01-15",
    ]
    assert nvr["new_users"].tolist() == [2, 1, 2]
    assert nvr["returning_users"].tolist() == [0, 2, 1]
    # From Jan 8 on, u1 and u2 still count as returning (first seen before the range).
    later = ex.new_vs_returning(engine, ex.ExploreFilters(start=dt.date(2024, 1, 8)))
    assert later["new_users"].tolist() == [1, 2]
    assert later["returning_users"].tolist() == [2, 1]


WINDOWS = LifecycleWindows(new_days=3, dormant_days=5, churned_days=7, loyal_purchase_days=2)


def _mix(frame):
    return {
        (p.strftime("%m-%d"), s): u
        for p, s, u in zip(frame["period"], frame["stage"], frame["users"], strict=True)
        if u
    }


def test_lifecycle_mix_default_windows(engine):
    mix = ex.lifecycle_mix(engine, grain="week")
    assert len(mix) == 3 * 6
    # default windows: new = first event less than 30 days ago; u4/u5 only viewed/clicked
    assert _mix(mix) == {
        ("01-01", "new"): 2,
        ("01-08", "new"): 3,
        ("01-15", "prospect"): 2,
        ("01-15", "new"): 3,
    }
    assert mix["as_of"].dt.strftime("%m-%d").unique().tolist() == ["01-07", "01-14", "01-16"]
    # the data starts Jan 1: no period ends 30 days after it, so every period is flagged
    assert not mix["history_full"].any()


def test_lifecycle_periods_too_close_to_the_data_start_are_flagged(engine):
    # full once as_of >= Jan 1 + max(new_days, dormant_days), whatever the date filter
    w = LifecycleWindows(new_days=10, dormant_days=5, churned_days=20, loyal_purchase_days=2)
    for f in (ex.ExploreFilters(), ex.ExploreFilters(start=dt.date(2024, 1, 8))):
        mix = ex.lifecycle_mix(engine, f, windows=w)
        flags = mix.groupby("as_of")["history_full"].agg(["min", "max"])
        assert (flags["min"] == flags["max"]).all()  # one flag per period
        expected = {"01-07": False, "01-14": True, "01-16": True}
        got = {d.strftime("%m-%d"): bool(v) for d, v in flags["min"].items()}
        assert got == {k: v for k, v in expected.items() if k in got}, f
    assert ex.lifecycle_mix(engine, windows=WINDOWS)["history_full"].all()  # 5 days suffice


def test_lifecycle_mix_custom_windows(engine):
    mix = ex.lifecycle_mix(engine, grain="week", windows=WINDOWS)
    # W1 (as of Jan 7): u1 active (4 days since last event), u2 dormant (6 >= 5).
    # W2 (Jan 14): u1 loyal (purchases on 2 days), u2 dormant, u3 dormant (5 days).
    # W3 (Jan 16): u1 dormant (6), u2 churned (8 >= 7), u3 active, u4/u5 prospects.
    assert _mix(mix) == {
        ("01-01", "active"): 1,
        ("01-01", "dormant"): 1,
        ("01-08", "loyal"): 1,
        ("01-08", "dormant"): 2,
        ("01-15", "dormant"): 1,
        ("01-15", "churned"): 1,
        ("01-15", "active"): 1,
        ("01-15", "prospect"): 2,
    }
    # Starting the range on Jan 8 keeps u1/u2's history: same stages from W2 on.
    later = ex.lifecycle_mix(engine, ex.ExploreFilters(start=dt.date(2024, 1, 8)), windows=WINDOWS)
    assert _mix(later) == {k: v for k, v in _mix(mix).items() if k[0] != "01-01"}
    with pytest.raises(DataError):
        ex.lifecycle_mix(engine, windows={"new_days": 3})


def test_lifecycle_last_period_matches_feature_table(engine):
    feats = build_features(engine, as_of="2024-01-16", windows=WINDOWS)
    feats = feats[feats["n_events"] > 0]
    expected = feats["lifecycle_stage"].value_counts().to_dict()
    mix = ex.lifecycle_mix(engine, grain="week", windows=WINDOWS)
    last = mix[mix["period"] == mix["period"].max()]
    assert {s: u for s, u in zip(last["stage"], last["users"], strict=True) if u} == expected


def test_kpi_summary_overall_every_kpi(engine):
    k = ex.kpi_summary(engine).iloc[0]
    assert k["group"] == "All"
    counts = {
        "exposures": 6, "reach": 5, "active_users": 5, "likes": 1, "comments": 2, "shares": 1,
        "saves": 1, "clicks": 2, "registrations": 1, "follows": 2, "orders": 3, "buyers": 2,
        "exposed_buyers": 2, "repeat_buyers": 1, "interactions": 5, "target_users": 6,
    }  # fmt: skip
    assert {c: int(k[c]) for c in counts} == counts
    assert k["revenue"] == 180.0
    expected = {
        "interaction_rate": 5 / 6, "like_rate": 1 / 6, "comment_rate": 2 / 6,
        "share_rate": 1 / 6, "ctr": 2 / 6, "registration_rate": 1 / 6, "purchase_rate": 0.5,
        "conversion_rate": 0.4, "arpu": 36.0, "average_order_value": 60.0,
        "repurchase_rate": 0.5, "reach_rate": 5 / 6,
    }  # fmt: skip
    for name, value in expected.items():
        assert k[name] == pytest.approx(value), name
    assert np.isnan(k["roi"])
    # Every KPI of core.personas.kpis (the table in docs/domain.md) is on the page: a summary column, a
    # measure of Activity (stickiness), Retention or Goals (follower growth), or the
    # campaign targeting table (core.explore.targeting, with the target segments the user picks).
    defs = ex.kpi_definitions()
    assert not defs["where"].str.startswith("needs").any()
    assert set(defs["key"]) - set(k.index) == {
        "stickiness",
        "retention",
        "follower_growth",
        "targeting_accuracy",
        "persona_match_rate",
    }
    targeting = set(defs.loc[defs["where"].str.contains("Campaign targeting"), "key"])
    assert targeting == {"targeting_accuracy", "persona_match_rate"}


def test_kpi_summary_by_platform_and_campaign_with_roi(engine):
    costs = ex.read_campaign_costs(COSTS)
    plat = ex.kpi_summary(engine, by="platform", costs=costs).set_index("group")
    assert plat.index.tolist() == ["weibo", "douyin", "wechat"]
    assert plat.loc["weibo", ["exposures", "reach", "shares", "orders"]].tolist() == [4, 3, 1, 1]
    assert plat.loc["weibo", "revenue"] == 30.0
    assert plat.loc["wechat", "conversion_rate"] == 1.0
    assert plat.loc["douyin", "ctr"] == 1.0
    assert plat.loc["wechat", "roi"] == pytest.approx(0.5)  # (150 - 100) / 100
    assert np.isnan(plat.loc["weibo", "roi"])  # campaign B's cost is cross-platform
    camp = ex.kpi_summary(engine, by="campaign", costs=costs).set_index("group")
    assert camp.loc["A", "roi"] == pytest.approx(0.5)
    assert camp.loc["B", "roi"] == pytest.approx(-1.0)  # its purchase is after its period
    assert camp.loc["B", ["exposures", "reach", "active_users", "buyers"]].tolist() == [2, 1, 2, 1]
    assert camp.loc["B", "exposed_buyers"] == 0
    # u3 bought in campaign B but was never exposed to B: not a B conversion
    assert camp.loc["B", "conversion_rate"] == 0.0
    assert camp.loc["(none)", "exposures"] == 3
    overall = ex.kpi_summary(engine, costs=costs).iloc[0]
    assert overall["cost"] == 110.0 and overall["campaign_revenue"] == 150.0
    assert overall["roi"] == pytest.approx(40 / 110)
    jan8 = ex.ExploreFilters(start=dt.date(2024, 1, 8))
    later = ex.kpi_summary(engine, jan8, costs=costs).iloc[0]
    assert (later["cost"], later["campaign_revenue"], later["roi"]) == (100.0, 50.0, -0.5)


def test_kpi_summary_by_format_and_segment_filter(engine):
    fmt = ex.kpi_summary(engine, by="content_format").set_index("group")
    assert fmt.loc["video", ["exposures", "likes", "comments", "saves"]].tolist() == [2, 1, 2, 1]
    assert fmt.loc["text_image", "share_rate"] == pytest.approx(1 / 3)
    seg = ex.kpi_summary(engine, labels=LABELS, by="segment").set_index("group")
    assert seg.index.tolist() == ["S1", "S2", "(no segment)"]
    s1 = ex.kpi_summary(engine, ex.ExploreFilters(segments=("S1",)), labels=LABELS).iloc[0]
    assert (s1["exposures"], s1["reach"], s1["buyers"]) == (3, 2, 1)
    assert s1["reach_rate"] == 1.0  # 2 reached of the 2 S1 users
    with pytest.raises(DataError, match="saved segmentation"):
        ex.kpi_summary(engine, ex.ExploreFilters(segments=("S1",)))
    with pytest.raises(DataError):
        ex.kpi_summary(engine, by="colour")


def test_kpi_trends_week_over_week(engine):
    tr = ex.kpi_trends(engine, grain="week").set_index(tr_key := "period")
    assert tr_key == "period"
    assert tr["interaction_rate"].tolist() == [1.5, 1.0, 0.0]
    assert np.isnan(tr["interaction_rate_change"].iloc[0])
    assert tr["interaction_rate_change"].iloc[1] == pytest.approx(-1 / 3)
    assert tr["exposures"].tolist() == [2, 2, 2]
    assert tr["revenue"].tolist() == [100.0, 50.0, 30.0]
    assert tr["revenue_change"].iloc[1:].tolist() == pytest.approx([-0.5, -0.4])
    month = ex.kpi_trends(engine, grain="month")
    assert len(month) == 1 and month["exposures"].iloc[0] == 6


def test_engagement_ladder(engine):
    lad = ex.engagement_ladder(engine, labels=LABELS)
    table = {s: g["users"].tolist() for s, g in lad.groupby("segment", sort=False)}
    assert list(table) == ["All users", "(no segment)", "S1", "S2"]
    assert table["All users"] == [5, 1, 1, 0, 0]
    assert table["S1"] == [2, 1, 1, 0, 0]
    assert table["S2"] == [2, 0, 0, 0, 0]
    anyone = lad[lad["segment"] == "All users"]["users_any"].tolist()
    assert anyone == [5, 1, 2, 1, 2]
    assert lad[lad["segment"] == "S2"]["users_any"].tolist() == [2, 0, 1, 0, 1]
    assert lad["share_of_first"].iloc[1] == pytest.approx(0.2)
    plain = ex.engagement_ladder(engine)
    assert plain["segment"].unique().tolist() == ["All users"]


def test_retention_matrix_every_cell(engine):
    ret = ex.retention_matrix(engine, grain="week")
    cells = {
        (c.strftime("%m-%d"), p): (n, u, r)
        for c, p, n, u, r in ret[
            ["cohort", "period", "cohort_size", "users", "retention"]
        ].itertuples(index=False)
    }
    assert cells == {
        ("01-01", 0): (2, 2, 1.0),
        ("01-01", 1): (2, 2, 1.0),
        ("01-01", 2): (2, 0, 0.0),
        ("01-08", 0): (1, 1, 1.0),
        ("01-08", 1): (1, 1, 1.0),
        ("01-15", 0): (2, 2, 1.0),
    }
    month = ex.retention_matrix(engine, grain="month")
    assert month[["period", "cohort_size", "users"]].values.tolist() == [[0, 5, 5]]
    wechat = ex.retention_matrix(engine, ex.ExploreFilters(platforms=("wechat",)))
    assert wechat["users"].tolist() == [1, 1]
    with pytest.raises(DataError):
        ex.retention_matrix(engine, grain="day")


def test_by_attribute_region_and_high_potential(engine):
    reg = ex.by_attribute(engine, "region")
    assert reg["value"].tolist() == ["上海", "北京", "广州"]
    assert reg["users"].tolist() == [2, 2, 1]
    assert reg["conversion_rate"].tolist() == [0.0, 0.5, 1.0]
    assert reg["interaction_rate"].tolist() == [0.0, 1.0, 2.0]
    assert reg["arpu"].tolist() == [0.0, 75.0, 30.0]
    # medians: conversion 0.5, reach 2 -> only 广州 (conversion 1.0, reach 1) qualifies
    assert reg["high_potential"].tolist() == [False, False, True]
    ages = ex.by_attribute(engine, "age", bins=2)
    assert ages["value"].tolist() == ["20.0-40.0", "50.0-70.0"]
    assert ages["users"].tolist() == [3, 2]
    with pytest.raises(DataError, match="region, age"):
        ex.by_attribute(engine, 'x"; DROP TABLE events; --')


def test_goal_progress(engine):
    goals = [ex.Goal("followers", 0.30, start_value=10), ex.Goal("interaction_rate", 0.20)]
    prog = ex.goal_progress(engine, goals, grain="week").set_index("kpi")
    # u1 follows in week 1, u2 in week 2: two new followers on top of the 10 given
    assert prog.loc["followers", ["start_value", "end_value", "gained"]].tolist() == [10, 12, 2]
    assert prog.loc["followers", "change"] == pytest.approx(0.2)
    assert prog.loc["followers", "progress"] == pytest.approx(0.2 / 0.3)
    assert bool(prog.loc["followers", "met"]) is False
    assert prog.loc["interaction_rate", "change"] == pytest.approx(-1.0)
    assert prog.loc["interaction_rate", "progress"] == pytest.approx(-5.0)
    assert bool(prog.loc["interaction_rate", "met"]) is False
    with pytest.raises(DataError):
        ex.goal_progress(engine, [ex.Goal("happiness", 0.1)])
    with pytest.raises(DataError, match="followers goal only"):
        ex.goal_progress(engine, [ex.Goal("reach", 0.1, start_value=5)])


def test_follower_growth_is_not_counted_from_the_data_first_day(engine):
    """The week-1 follower is not the base: without the account's count, no % at all."""
    prog = ex.goal_progress(engine, [ex.Goal("followers", 0.30)], grain="week").iloc[0]
    assert prog.gained == 2  # u1 (week 1) and u2 (week 2) both followed inside the range
    assert np.isnan(prog.start_value) and np.isnan(prog.change) and np.isnan(prog.progress)
    assert not prog.met
    # a follower whose first follow is before the range is not new inside it
    later = ex.ExploreFilters(start=dt.date(2024, 1, 8))
    prog = ex.goal_progress(engine, [ex.Goal("followers", 0.3, 4)], later, grain="week").iloc[0]
    assert (prog.gained, prog.end_value, prog.change) == (1, 5, 0.25)


def test_daily_signals_and_negative_share(engine):
    sig = ex.daily_signals(engine)
    assert len(sig) == 16
    by_day = sig.set_index(sig["date"].dt.strftime("%m-%d"))
    assert by_day.loc["01-02", ["comments", "negative_comments"]].tolist() == [1, 1]
    assert by_day.loc["01-09", ["comments", "negative_comments"]].tolist() == [1, 0]
    assert by_day.loc["01-01", "shares"] == 1
    assert by_day.loc["01-02", "negative_comment_share"] == 1.0
    assert np.isnan(by_day.loc["01-03", "negative_comment_share"])


def test_early_warnings_rolling_median_mad():
    dates = pd.date_range("2024-01-01", periods=8)
    flat = pd.DataFrame(
        {
            "date": dates,
            "comments": [5, 5, 5, 5, 5, 5, 5, 20],
            "shares": [10, 12, 8, 11, 9, 10, 30, 10],
            "negative_comment_share": [0.1] * 7 + [0.5],
        }
    )
    out = ex.early_warnings(flat, ex.WarningParams(window=7, k=3, min_periods=3))
    com = out[out["signal"] == "comments"]
    assert com["spike"].tolist() == [False] * 7 + [True]
    assert com["threshold"].iloc[-1] == 8.0  # median 5 + 3 x floor 1 (MAD is 0)
    # the baseline needs 3 earlier days: none on days 1-3, 5 from day 4 on
    assert com["baseline"].iloc[:3].isna().all() and com["baseline"].iloc[3] == 5.0
    sh = out[out["signal"] == "shares"]
    # day 7: past six days 10,12,8,11,9,10 -> median 10, MAD 1 -> 10 + 3 x 1.4826
    assert sh["threshold"].iloc[6] == pytest.approx(10 + 3 * 1.4826)
    assert sh["spike"].tolist() == [False] * 6 + [True, False]
    neg = out[out["signal"] == "negative_comment_share"]
    assert neg["threshold"].iloc[-1] == pytest.approx(0.13)
    assert neg["spike"].iloc[-1]
    with pytest.raises(DataError):
        ex.early_warnings(flat, ex.WarningParams(window=1))


def test_costs_validation_names_row():
    bad = COSTS.assign(cost=["100", "lots"])
    with pytest.raises(DataError, match="row 3"):
        ex.read_campaign_costs(bad)
    with pytest.raises(DataError, match="'campaign'"):
        ex.read_campaign_costs(b"name,cost\nx,1\n")
    ok = ex.read_campaign_costs(b"campaign,cost\nA,5\n")
    assert ok["platform"].tolist() == [None] and ok["cost"].tolist() == [5.0]


def test_period_range():
    assert ex.period_range(dt.date(2024, 1, 17), "week") == (
        dt.date(2024, 1, 8),
        dt.date(2024, 1, 14),
    )
    assert ex.period_range(dt.date(2024, 1, 14), "week") == (
        dt.date(2024, 1, 8),
        dt.date(2024, 1, 14),
    )
    assert ex.period_range(dt.date(2024, 3, 5), "month") == (
        dt.date(2024, 2, 1),
        dt.date(2024, 2, 29),
    )
    assert ex.period_range(dt.date(2024, 3, 31), "month", 2) == (
        dt.date(2024, 2, 1),
        dt.date(2024, 3, 31),
    )


def test_empty_selection_is_not_an_error(engine):
    none = ex.ExploreFilters(platforms=("linkedin",))
    assert ex.activity(engine, none).empty
    assert ex.kpi_summary(engine, none)["exposures"].tolist() == [0]
    assert ex.retention_matrix(engine, none).empty
    assert ex.engagement_ladder(engine, none)["users"].sum() == 0
    assert ex.active_hours(engine, none)["events"].sum() == 0
    assert ex.lifecycle_mix(engine, none).empty
    assert ex.daily_signals(engine, none).empty


def test_inputs_not_mutated(engine):
    labels = LABELS.copy()
    costs = COSTS.copy()
    ex.kpi_summary(engine, labels=labels, by="segment", costs=ex.read_campaign_costs(costs))
    pd.testing.assert_series_equal(labels, LABELS)
    pd.testing.assert_frame_equal(costs, COSTS)


# --- the sweeps against brute force on random data -------------------------------------
def _random_events(seed: int, n: int = 400, users: int = 40, days: int = 120) -> list:
    """Seeded events with gaps long enough for dormant and churned users."""
    rng = np.random.default_rng(seed)
    types = ["view", "click", "like", "comment", "share", "save", "follow", "purchase"]
    p = [0.4, 0.15, 0.1, 0.05, 0.05, 0.05, 0.05, 0.15]
    rows = []
    for _ in range(n):
        u = int(rng.integers(0, users))
        # each user is active around a few random centres, so gaps vary
        day = int(np.clip(rng.normal((u * 37) % days, 20), 0, days - 1))
        ts = dt.datetime(2024, 1, 3) + dt.timedelta(days=day, minutes=int(rng.integers(0, 1440)))
        et = str(rng.choice(types, p=p))
        plat = str(rng.choice(["wechat", "weibo", "douyin"]))
        amount = float(rng.integers(1, 100)) if et == "purchase" else None
        rows.append((f"r{u}", ts.strftime("%Y-%m-%d %H:%M"), et, plat, amount, "video", None, None))
    return rows


def _frame(events) -> pd.DataFrame:
    cols = ["user_id", "timestamp", "event_type", "platform", "amount", "fmt", "camp", "text"]
    out = pd.DataFrame(events, columns=cols)
    out["timestamp"] = pd.to_datetime(out["timestamp"])
    out["day"] = out["timestamp"].dt.normalize()
    return out


def _periods(start: pd.Timestamp, last: pd.Timestamp, grain: str) -> list[pd.Timestamp]:
    freq = "W-MON" if grain == "week" else "MS"
    first = start.to_period("W" if grain == "week" else "M").start_time
    return list(pd.date_range(first, last.to_period("W" if grain == "week" else "M").start_time,
                              freq=freq))  # fmt: skip


def _lifecycle_brute(ev: pd.DataFrame, f: ex.ExploreFilters, grain: str, w) -> dict:
    """Stage of every user at every period end, one user and period at a time."""
    if f.platforms:
        ev = ev[ev["platform"].isin(f.platforms)]
    if f.end is not None:
        ev = ev[ev["day"] <= pd.Timestamp(f.end)]
    last = pd.Timestamp(f.end) if f.end is not None else ev["day"].max()
    periods = _periods(ev["day"].min(), last, grain)
    step = pd.DateOffset(weeks=1) if grain == "week" else pd.DateOffset(months=1)
    p0 = (
        pd.Timestamp(f.start).to_period("W" if grain == "week" else "M").start_time
        if f.start is not None
        else periods[0]
    )
    out = {}
    for p in periods:
        if p < p0:
            continue
        as_of = min(p + step - pd.Timedelta(days=1), last)
        seen = ev[ev["day"] <= as_of].assign(
            engaged=lambda x: ~x["event_type"].isin(["view", "click"]),
            buy_day=lambda x: x["day"].where(x["event_type"] == "purchase"),
        )
        per_user = seen.groupby("user_id").agg(
            first=("day", "min"),
            last=("day", "max"),
            engaged=("engaged", "any"),
            buy_days=("buy_day", "nunique"),
        )
        for u in per_user.itertuples():
            recency, tenure = (as_of - u.last).days, (as_of - u.first).days
            if not u.engaged:
                stage = "prospect"
            elif recency >= w.churned_days:
                stage = "churned"
            elif recency >= w.dormant_days:
                stage = "dormant"
            elif tenure < w.new_days:
                stage = "new"
            elif u.buy_days >= w.loyal_purchase_days:
                stage = "loyal"
            else:
                stage = "active"
            key = (p, as_of, stage)
            out[key] = out.get(key, 0) + 1
    return out


def _random_labels(ev: pd.DataFrame) -> pd.Series:
    """Two segments over most users; a few users left without a segment."""
    ids = sorted(ev["user_id"].unique())
    return pd.Series(
        {u: ("A" if i % 2 else "B") for i, u in enumerate(ids) if i % 7}, name="segment"
    )


def _random_dataset(tmp_path, seed: int, **sizes):
    """A dataset of seeded random events, the events as a frame, and labels for them."""
    events = _random_events(seed, **sizes)
    eng = make_dataset(tmp_path / "r.duckdb", events=events, users=[])
    ev = _frame(events)
    return eng, ev, _random_labels(ev)


def _in_segments(ev: pd.DataFrame, f: ex.ExploreFilters, labels: pd.Series) -> pd.DataFrame:
    if not f.segments:
        return ev
    seg = ev["user_id"].map(labels).fillna(ex.UNLABELLED)
    return ev[seg.isin(f.segments)]


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("grain", ["week", "month"])
def test_lifecycle_sweep_equals_brute_force(tmp_path, seed, grain):
    eng, ev, labels = _random_dataset(tmp_path, seed)
    d0, d1 = ev["day"].min().date(), ev["day"].max().date()
    filters = [
        ex.ExploreFilters(),
        ex.ExploreFilters(platforms=("weibo",)),
        ex.ExploreFilters(start=d0 + dt.timedelta(days=30), end=d1 - dt.timedelta(days=25)),
        ex.ExploreFilters(segments=("A",), end=d1 - dt.timedelta(days=10)),
        ex.ExploreFilters(segments=("B", ex.UNLABELLED), platforms=("wechat",)),
    ]
    windows = [
        LifecycleWindows(),
        WINDOWS,
        LifecycleWindows(new_days=10, dormant_days=12, churned_days=40, loyal_purchase_days=3),
    ]
    try:
        for f in filters:
            for w in windows:
                mix = ex.lifecycle_mix(eng, f, labels, grain=grain, windows=w)
                got = {(r.period, r.as_of, r.stage): r.users for r in mix.itertuples() if r.users}
                sel = _in_segments(ev, f, labels)
                assert got == _lifecycle_brute(sel, f, grain, w), (f, w)
                first = ev["day"].min() + pd.Timedelta(days=max(w.new_days, w.dormant_days))
                assert (mix["history_full"] == (mix["as_of"] >= first)).all(), (f, w)
                assert set(mix.groupby("period").size()) == {len(ex.STAGES)}
    finally:
        eng.dispose()


@pytest.mark.parametrize("seed", [3, 4])
def test_activity_sweep_equals_brute_force(tmp_path, seed):
    eng, ev, labels = _random_dataset(tmp_path, seed, n=300, users=25, days=70)
    d0 = ev["day"].min().date()
    try:
        for f in (
            ex.ExploreFilters(),
            ex.ExploreFilters(platforms=("wechat", "douyin")),
            ex.ExploreFilters(start=d0 + dt.timedelta(days=20)),
            ex.ExploreFilters(start=d0 + dt.timedelta(days=35), end=d0 + dt.timedelta(days=50)),
            ex.ExploreFilters(segments=("A",), start=d0 + dt.timedelta(days=10)),
            ex.ExploreFilters(segments=(ex.UNLABELLED,)),
        ):
            got = ex.activity(eng, f, labels)
            # windows count every (platform- and segment-filtered) day before each shown day
            sel = ev[ev["platform"].isin(f.platforms)] if f.platforms else ev
            sel = _in_segments(sel, f, labels)
            if f.end is not None:
                sel = sel[sel["day"] <= pd.Timestamp(f.end)]
            shown = sel if f.start is None else sel[sel["day"] >= pd.Timestamp(f.start)]
            days = pd.date_range(shown["day"].min(), shown["day"].max())
            assert got["date"].tolist() == list(days)
            first = ev["day"].min()
            assert got["wau_full"].tolist() == [d >= first + pd.Timedelta(days=6) for d in days]
            assert got["mau_full"].tolist() == [d >= first + pd.Timedelta(days=29) for d in days]
            for col, width in (("dau", 1), ("wau", 7), ("mau", 30)):
                expected = [
                    sel.loc[(sel["day"] > d - pd.Timedelta(days=width)) & (sel["day"] <= d),
                            "user_id"].nunique()
                    for d in days
                ]  # fmt: skip
                assert got[col].tolist() == expected, (f, col)
    finally:
        eng.dispose()


def test_kpi_rates_come_from_core_kpis(engine):
    """Explore's rates are core.personas.kpis' formulas: evaluating them on its counts agrees."""
    from core.personas import kpis

    k = ex.kpi_summary(engine, by="platform")
    named = k.assign(users=k["active_users"], purchases=k["orders"])
    again = kpis.evaluate_kpis(named[[c for c in named if c in {
        "users", "purchases", "target_users", "exposures", "likes", "comments", "shares",
        "saves", "clicks", "registrations", "revenue", "reach", "buyers", "exposed_buyers",
        "repeat_buyers"}]])  # fmt: skip
    computed = [key for key in kpis.KPI_BY_KEY if key in again and key in k]
    assert {"interaction_rate", "ctr", "conversion_rate", "arpu", "reach_rate"} <= set(computed)
    for key in computed:
        np.testing.assert_allclose(k[key].astype(float), again[key].astype(float), err_msg=key)


def test_labels_are_not_reused_across_series(engine):
    """The Arrow copy of labels is cached per Series object, never for a different one."""
    f = ex.ExploreFilters(segments=("S1",))
    assert int(ex.kpi_summary(engine).iloc[0]["target_users"]) == 6  # cached per engine
    first = ex.kpi_summary(engine, f, LABELS).iloc[0]
    assert int(first["active_users"]) == 2  # u1, u2
    assert int(first["target_users"]) == 2  # the segment's users, not the cached 6
    for _ in range(3):  # new Series objects (ids may be reused after garbage collection)
        moved = pd.Series({"u1": "S2", "u2": "S1", "u3": "S1", "u4": "S2"}, name="segment")
        again = ex.kpi_summary(engine, f, moved).iloc[0]
        assert int(again["active_users"]) == 2  # u2, u3
        assert int(again["exposures"]) == 3  # u2: 2 views, u3: 1 view
        del moved
    assert int(ex.kpi_summary(engine, f, LABELS).iloc[0]["exposures"]) == 3  # u1: 1, u2: 2


def _period_start(days: pd.Series, grain: str) -> pd.Series:
    return days.dt.to_period("W" if grain == "week" else "M").dt.start_time


@pytest.mark.parametrize("grain", ["week", "month"])
def test_new_returning_and_retention_equal_brute_force(tmp_path, grain):
    """Per-user active days give the same cells as the events themselves, any filter."""
    eng, ev, labels = _random_dataset(tmp_path, 5, n=500, users=40, days=100)
    d0 = ev["day"].min().date()
    try:
        for f in (
            ex.ExploreFilters(),
            ex.ExploreFilters(start=d0 + dt.timedelta(days=17), end=d0 + dt.timedelta(days=80)),
            ex.ExploreFilters(segments=("A", ex.UNLABELLED), start=d0 + dt.timedelta(days=3)),
            ex.ExploreFilters(platforms=("weibo",), end=d0 + dt.timedelta(days=60)),
        ):
            every = _in_segments(ev, f, labels)
            if f.platforms:
                every = every[every["platform"].isin(f.platforms)]
            sel = every
            if f.start is not None:
                sel = sel[sel["day"] >= pd.Timestamp(f.start)]
            if f.end is not None:
                sel = sel[sel["day"] <= pd.Timestamp(f.end)]
            act = sel.assign(p=_period_start(sel["day"], grain))[["user_id", "p"]].drop_duplicates()
            first = _period_start(every.groupby("user_id")["day"].min(), grain)
            act = act.assign(fp=act["user_id"].map(first))
            nvr = ex.new_vs_returning(eng, f, labels, grain=grain)
            want = act.groupby("p").apply(
                lambda g: ((g["fp"] == g.name).sum(), (g["fp"] < g.name).sum()),
                include_groups=False,
            )
            got = {r.period: (r.new_users, r.returning_users) for r in nvr.itertuples()}
            assert got == {p: (int(n), int(r)) for p, (n, r) in want.items()}, f
            ret = ex.retention_matrix(eng, f, labels, grain=grain)
            cohort = act.groupby("user_id")["p"].min()
            act = act.assign(c=act["user_id"].map(cohort))
            cells = {
                (c, p): n for (c, p), n in act.groupby(["c", "p"])["user_id"].nunique().items()
            }
            offset = (lambda a, b: (b - a).days // 7) if grain == "week" else (
                lambda a, b: (b.year - a.year) * 12 + b.month - a.month)  # fmt: skip
            got_cells = {(r.cohort, r.period): r.users for r in ret.itertuples() if r.users}
            assert got_cells == {(c, offset(c, p)): n for (c, p), n in cells.items()}, f
    finally:
        eng.dispose()
