"""KPIs per segment and overall, on hand-made events with hand-computed values."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import sqlalchemy as sa

from core.errors import DataError
from core.personas import kpis


def _events() -> pd.DataFrame:
    rows = []

    def add(user, day, kind, n=1, amount=None):
        rows.extend(
            {
                "user_id": user,
                "timestamp": pd.Timestamp(day) + pd.Timedelta(hours=10),
                "event_type": kind,
                "amount": amount,
            }
            for _ in range(n)
        )

    add("a1", "2025-03-10", "view", 4)
    add("a1", "2025-02-10", "view")
    add("a1", "2025-03-10", "like")
    add("a1", "2025-03-10", "comment")
    add("a1", "2025-03-10", "click")
    add("a1", "2025-02-10", "purchase", amount=100.0)
    add("a1", "2025-03-10", "purchase", amount=50.0)
    add("a2", "2025-02-15", "view", 2)
    add("a2", "2025-02-15", "share")
    add("a2", "2025-02-15", "save")
    add("a2", "2025-02-15", "register")
    add("b1", "2025-03-31", "view", 4)
    add("b1", "2025-03-30", "like", 2)
    add("b1", "2025-03-31", "purchase", amount=30.0)
    frame = pd.DataFrame(rows)
    for col in ("platform", "content_id", "content_format", "campaign", "text"):
        frame[col] = None
    return frame


@pytest.fixture
def engine(tmp_path):
    eng = sa.create_engine(f"duckdb:///{tmp_path / 'kpi.duckdb'}")
    with eng.begin() as conn:
        _events().to_sql("events", conn, index=False)
    return eng


LABELS = pd.Series({"a1": "A", "a2": "A", "b1": "B", "b2": "B"}, name="segment")


def test_kpis_per_segment_and_overall(engine):
    out = kpis.compute_kpis(engine, LABELS, as_of="2025-03-31", period_days=30)
    assert out.index.tolist() == ["A", "B", kpis.ALL_USERS]
    a, b, total = out.loc["A"], out.loc["B"], out.loc[kpis.ALL_USERS]
    expected_a = {
        "users": 2,
        "exposures": 7,
        "reach": 2,
        "reach_rate": 1.0,
        "interaction_rate": 4 / 7,
        "like_rate": 1 / 7,
        "comment_rate": 1 / 7,
        "share_rate": 1 / 7,
        "ctr": 1 / 7,
        "registration_rate": 1 / 7,
        "purchase_rate": 2 / 7,
        "conversion_rate": 0.5,
        "arpu": 75.0,
        "average_order_value": 75.0,
        "retention": 0.5,
        "repurchase_rate": 1.0,
        "stickiness": 1 / 30,
    }
    for key, value in expected_a.items():
        assert a[key] == pytest.approx(value), key
    expected_b = {
        "users": 2,
        "exposures": 4,
        "reach": 1,
        "reach_rate": 0.5,
        "interaction_rate": 0.5,
        "ctr": 0.0,
        "purchase_rate": 0.25,
        "conversion_rate": 1.0,
        "arpu": 15.0,
        "average_order_value": 30.0,
        "repurchase_rate": 0.0,
        "stickiness": 1 / 15,
    }
    for key, value in expected_b.items():
        assert b[key] == pytest.approx(value), key
    assert math.isnan(b["retention"])  # nobody was active in the previous period
    expected_all = {
        "users": 4,
        "exposures": 11,
        "interaction_rate": 6 / 11,
        "arpu": 45.0,
        "average_order_value": 60.0,
        "reach_rate": 0.75,
        "conversion_rate": 2 / 3,
        "retention": 0.5,
        "repurchase_rate": 0.5,
        "stickiness": 0.05,
    }
    for key, value in expected_all.items():
        assert total[key] == pytest.approx(value), key


def test_kpis_without_labels_is_all_users(engine):
    out = kpis.compute_kpis(engine, as_of="2025-03-31")
    assert out.index.tolist() == [kpis.ALL_USERS]
    assert out.loc[kpis.ALL_USERS, "users"] == 3
    assert out.loc[kpis.ALL_USERS, "arpu"] == pytest.approx(60.0)


def test_default_as_of_is_the_last_event_day(engine):
    a = kpis.compute_kpis(engine, LABELS)
    b = kpis.compute_kpis(engine, LABELS, as_of="2025-03-31")
    pd.testing.assert_frame_equal(a, b)


def test_definitions_are_data_with_formulas():
    table = kpis.kpi_definitions()
    assert {"reach", "ctr", "arpu", "stickiness", "roi"} <= set(table["key"])
    assert table.set_index("key").loc["interaction_rate", "formula"] == (
        "(likes + comments + shares + saves) / exposures"
    )
    assert table.set_index("key").loc["roi", "needs"] == "campaign cost"
    assert kpis.format_kpi_value("reach_rate", 0.05) == "5.0%"
    # events per view can exceed one per view: never shown as a percentage
    assert kpis.format_kpi_value("ctr", 0.05) == "5.0 per 100 views"
    assert kpis.format_kpi_value("interaction_rate", 1.588) == "159 per 100 views"
    assert kpis.format_kpi_value("reach", 1234) == "1,234"
    assert kpis.format_kpi_value("arpu", None) == "n/a"


def test_bad_inputs(engine):
    with pytest.raises(DataError, match="as-of"):
        kpis.compute_kpis(engine, LABELS, as_of="not a date")
    with pytest.raises(DataError, match="period"):
        kpis.compute_kpis(engine, LABELS, period_days=0)
    with pytest.raises(DataError, match="no users"):
        kpis.compute_kpis(engine, LABELS.iloc[0:0])


def test_evaluate_kpis_takes_what_the_counts_support():
    agg = pd.DataFrame(
        {
            "users": [4, 0],
            "target_users": [8, 0],
            "exposures": [10, 0],
            "likes": [2, 0],
            "comments": [1, 0],
            "shares": [1, 0],
            "saves": [0, 0],
            "clicks": [3, 0],
            "revenue": [50.0, 0.0],
            "reach": [4, 0],
        }
    )
    out = kpis.evaluate_kpis(agg)
    assert out.loc[0, "interaction_rate"] == pytest.approx(0.4)
    assert out.loc[0, "ctr"] == pytest.approx(0.3)
    assert out.loc[0, "reach_rate"] == pytest.approx(0.5)  # reach / target users
    assert out.loc[0, "arpu"] == pytest.approx(12.5)  # revenue / users
    assert math.isnan(out.loc[1, "ctr"]) and math.isnan(out.loc[1, "arpu"])
    # no purchases, buyers or period counts: those KPIs are left out, not made up
    assert not {"purchase_rate", "conversion_rate", "retention", "stickiness"} & set(out)
    assert list(agg.columns) == list(out.columns[: len(agg.columns)])
    assert "interaction_rate" not in agg  # input not modified
