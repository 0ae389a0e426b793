"""Exact tests of core.explore.targeting on hand-made events ingested with core.data.pipeline.

Segments: u1, u2 in S1; u3, u4 in S2; u5 has no segment. Targets: A -> S1, B -> S2,
C -> S1. Expected values are worked out by hand next to each assertion.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from core.data import dataset_engine, ingest
from core.errors import DataError
from core.explore import ExploreFilters, campaign_targeting
from core.explore.targeting import COLUMNS
from core.personas import kpis

EVENTS = [
    # user, timestamp, type, platform, amount, campaign
    ("u1", "2024-01-01 10:00", "view", "wechat", None, "A"),
    ("u1", "2024-01-02 10:00", "view", "wechat", None, "A"),  # a second view: one user
    ("u1", "2024-01-03 10:00", "purchase", "wechat", 20.0, "A"),
    ("u2", "2024-01-05 10:00", "view", "weibo", None, "A"),
    ("u3", "2024-01-10 10:00", "view", "weibo", None, "A"),
    ("u3", "2024-01-10 10:05", "purchase", "weibo", 10.0, "A"),
    ("u5", "2024-01-12 23:00", "view", "douyin", None, "A"),
    ("u5", "2024-01-12 23:10", "purchase", "douyin", 5.0, "A"),
    ("u4", "2024-01-02 09:00", "view", "weibo", None, "B"),
    ("u4", "2024-01-02 09:01", "like", "weibo", None, "B"),  # not a view: not exposure
    ("u1", "2024-01-15 10:00", "view", "wechat", None, "B"),
    ("u2", "2024-01-16 10:00", "purchase", "wechat", 30.0, "B"),  # bought without a view
    ("u3", "2024-01-02 12:00", "view", "weibo", None, None),  # no campaign
    ("u4", "2024-01-20 08:00", "view", "douyin", None, "C"),
]
LABELS = pd.Series({"u1": "S1", "u2": "S1", "u3": "S2", "u4": "S2"}, name="segment")
TARGETS = {"A": "S1", "B": "S2", "C": "S1"}


def _engine(tmp_path, events=EVENTS, campaign=True):
    cols = ["user_id", "timestamp", "event_type", "platform", "amount", "campaign"]
    frame = pd.DataFrame(events, columns=cols)
    if not campaign:
        frame = frame.drop(columns="campaign")
    path = tmp_path / "events.csv"
    frame.to_csv(path, index=False)
    dataset = ingest(path, dest=tmp_path / "events.duckdb")
    return dataset_engine(dataset.path)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return _engine(tmp_path_factory.mktemp("targeting"))


def _rows(table: pd.DataFrame) -> dict:
    return {r.campaign: r for r in table.itertuples(index=False)}


def test_every_campaign_without_filters(engine):
    table = campaign_targeting(engine, ExploreFilters(), LABELS, TARGETS)
    assert tuple(table.columns) == COLUMNS
    assert table["campaign"].tolist() == ["A", "B", "C"]  # the order of the targets
    assert table["target_segment"].tolist() == ["S1", "S2", "S1"]
    r = _rows(table)
    # A: exposed u1, u2, u3, u5 (u1's two views count once); in S1: u1, u2.
    # Buyers u1, u3, u5; in S1: u1.
    assert (r["A"].exposed_users, r["A"].exposed_in_target) == (4, 2)
    assert r["A"].targeting_accuracy == pytest.approx(0.5)
    assert (r["A"].converters, r["A"].converters_in_target) == (3, 1)
    assert r["A"].persona_match_rate == pytest.approx(1 / 3)
    # B: exposed u4, u1 (u4's like is no exposure); in S2: u4. Buyer u2 (S1), no view.
    assert (r["B"].exposed_users, r["B"].exposed_in_target) == (2, 1)
    assert r["B"].targeting_accuracy == pytest.approx(0.5)
    assert (r["B"].converters, r["B"].converters_in_target) == (1, 0)
    assert r["B"].persona_match_rate == 0.0
    # C: exposed u4 (S2, not the target S1); no buyers: the match rate is undefined.
    assert (r["C"].exposed_users, r["C"].exposed_in_target, r["C"].converters) == (1, 0, 0)
    assert r["C"].targeting_accuracy == 0.0
    assert np.isnan(r["C"].persona_match_rate)
    assert "user_id" not in table.columns


def test_platform_filter(engine):
    table = campaign_targeting(engine, ExploreFilters(platforms=("weibo",)), LABELS, TARGETS)
    r = _rows(table)
    # A on weibo: exposed u2 (S1), u3 (S2); buyer u3 (S2).
    assert (r["A"].exposed_users, r["A"].exposed_in_target) == (2, 1)
    assert r["A"].targeting_accuracy == pytest.approx(0.5)
    assert (r["A"].converters, r["A"].converters_in_target) == (1, 0)
    assert r["A"].persona_match_rate == 0.0
    # B on weibo: exposed u4 (S2); u2's purchase was on wechat.
    assert (r["B"].exposed_users, r["B"].exposed_in_target, r["B"].converters) == (1, 1, 0)
    assert r["B"].targeting_accuracy == 1.0
    assert np.isnan(r["B"].persona_match_rate)
    # C's only event is on douyin: nothing exposed, both ratios undefined.
    assert (r["C"].exposed_users, r["C"].converters) == (0, 0)
    assert np.isnan(r["C"].targeting_accuracy) and np.isnan(r["C"].persona_match_rate)


def test_date_filter_includes_the_end_day(engine):
    f = ExploreFilters(start=dt.date(2024, 1, 4), end=dt.date(2024, 1, 12))
    r = _rows(campaign_targeting(engine, f, LABELS, {"A": "S1", "B": "S2"}))
    # A from Jan 4 to Jan 12 (u5 at 23:00 on the 12th included): exposed u2, u3, u5;
    # in S1: u2. Buyers u3, u5: none in S1.
    assert (r["A"].exposed_users, r["A"].exposed_in_target) == (3, 1)
    assert r["A"].targeting_accuracy == pytest.approx(1 / 3)
    assert (r["A"].converters, r["A"].converters_in_target) == (2, 0)
    assert r["A"].persona_match_rate == 0.0
    # B has no event in the range.
    assert (r["B"].exposed_users, r["B"].converters) == (0, 0)
    assert np.isnan(r["B"].targeting_accuracy)


def test_segment_filter_keeps_only_those_users(engine):
    f = ExploreFilters(segments=("S1",))
    r = _rows(campaign_targeting(engine, f, LABELS, {"A": "S1", "B": "S2"}))
    # A among S1 users: exposed u1, u2 (u3 is S2, u5 unlabelled); buyer u1.
    assert (r["A"].exposed_users, r["A"].exposed_in_target) == (2, 2)
    assert r["A"].targeting_accuracy == 1.0
    assert (r["A"].converters, r["A"].converters_in_target) == (1, 1)
    assert r["A"].persona_match_rate == 1.0
    # B among S1 users: exposed u1 (not S2); buyer u2 (not S2).
    assert (r["B"].exposed_users, r["B"].exposed_in_target) == (1, 0)
    assert (r["B"].converters, r["B"].converters_in_target) == (1, 0)


def test_the_ratios_are_core_kpis_formulas(engine):
    table = campaign_targeting(engine, ExploreFilters(), LABELS, TARGETS)
    again = kpis.evaluate_kpis(
        table[["exposed_users", "exposed_in_target", "converters", "converters_in_target"]]
    )
    for key in ("targeting_accuracy", "persona_match_rate"):
        assert kpis.KPI_BY_KEY[key].sql is not None
        np.testing.assert_array_equal(table[key].to_numpy(), again[key].to_numpy())


def test_persona_tables_keep_a_column_for_the_per_campaign_kpis(engine):
    """compute_kpis has no per-segment value for them: NaN columns, never missing ones."""
    table = kpis.compute_kpis(engine, LABELS)
    assert table["targeting_accuracy"].isna().all()
    assert table["persona_match_rate"].isna().all()


@pytest.mark.parametrize(
    ("labels", "targets", "sentence"),
    [
        (None, TARGETS, "need a saved segmentation: save a run on the Segment page first."),
        (LABELS.iloc[:0], TARGETS, "need a saved segmentation"),
        (LABELS, {}, "Pick the target segment of at least one campaign."),
        (
            LABELS,
            {"A": "S9"},
            "Campaign 'A' targets segment 'S9', which is not in the segmentation; "
            "pick one of S1, S2.",
        ),
        (LABELS, {"Z": "S1"}, "Campaign 'Z' is not in the events; pick one of A, B, C."),
    ],
)
def test_bad_input_is_one_plain_sentence(engine, labels, targets, sentence):
    with pytest.raises(DataError) as err:
        campaign_targeting(engine, ExploreFilters(), labels, targets)
    assert sentence in str(err.value)
    assert str(err.value).count(". ") == 0  # one sentence


def test_events_without_campaigns(tmp_path):
    engine = _engine(tmp_path, campaign=False)
    with pytest.raises(DataError, match="The events name no campaigns"):
        campaign_targeting(engine, ExploreFilters(), LABELS, {"A": "S1"})


def test_long_lists_in_errors_are_cut(tmp_path):
    events = [(f"u{i}", "2024-01-01 10:00", "view", "wechat", None, f"K{i:02d}") for i in range(12)]
    engine = _engine(tmp_path, events=events)
    with pytest.raises(DataError, match=r"pick one of K00, K01, .*K07 and 4 more\.$"):
        campaign_targeting(engine, ExploreFilters(), LABELS, {"nope": "S1"})
