"""Segment migration: the movement table by hand, the Sankey's spec, the report's parts."""

from __future__ import annotations

import pandas as pd
import pytest

from core.i18n import language
from core.personas.migration import (
    GONE,
    MOVEMENT_COLUMNS,
    NEW,
    migration_chart,
    movement_from_counts,
    movement_summary,
    movement_table,
    report_migration_parts,
    shown_table,
)


@pytest.fixture
def two_runs():
    before = pd.Series({"a": "S1", "b": "S1", "c": "S1", "d": "S2", "e": "S2", "f": "S3"})
    after = pd.Series({"a": "S1", "b": "S2", "c": "S1", "d": "S2", "e": "S1", "g": "S2"})
    return before, after


def test_movement_table_by_hand(two_runs):
    before, after = two_runs
    table = movement_table(before, after, before_names={"S1": "Night owls"})
    assert list(table.columns) == list(MOVEMENT_COLUMNS)
    flows = {(r.from_segment, r.to_segment): (r.users, r.share_of_from) for r in table.itertuples()}
    # S1 had a, b, c: a and c stayed, b moved to S2.
    assert flows[("S1", "S1")] == (2, pytest.approx(2 / 3))
    assert flows[("S1", "S2")] == (1, pytest.approx(1 / 3))
    assert flows[("S2", "S2")] == (1, 0.5) and flows[("S2", "S1")] == (1, 0.5)
    assert flows[("S3", GONE)] == (1, 1.0)  # f left
    assert flows[(NEW, "S2")] == (1, 1.0)  # g is new
    assert table["users"].sum() == 7
    assert table.loc[table["from_segment"] == "S1", "from_persona"].unique().tolist() == [
        "Night owls"
    ]
    summary = movement_summary(table)
    assert summary == {"kept": 5, "moved": 2, "moved_share": 0.4, "new": 1, "gone": 1}


def test_counts_from_a_database_give_the_same_table(two_runs):
    before, after = two_runs
    counts = pd.DataFrame(
        {
            "from_segment": ["S1", "S1", "S2", "S2", "S3", None],
            "to_segment": ["S1", "S2", "S2", "S1", None, "S2"],
            "users": [2, 1, 1, 1, 1, 1],
        }
    )
    pd.testing.assert_frame_equal(movement_from_counts(counts), movement_table(before, after))


def test_sankey_has_a_band_per_flow_and_tooltips_with_counts_and_shares(two_runs):
    table = movement_table(*two_runs)
    spec = migration_chart(table, before="March", after="April").to_dict()
    bands, nodes = spec["layer"][0], spec["layer"][1]
    assert bands["mark"]["type"] == "area" and nodes["mark"]["type"] == "rect"
    tooltips = [t["field"] for t in bands["encoding"]["tooltip"]]
    assert tooltips == ["From", "To", "Users", "Share of the from persona"]
    data = spec["datasets"][bands["data"]["name"]]
    assert len({row["band"] for row in data}) == len(table)
    assert {row["Share of the from persona"] for row in data} >= {"66.7%", "33.3%", "100.0%"}
    assert spec["title"]["subtitle"] == "Left: March. Right: April."


def test_chinese_chart_and_report_lines(two_runs):
    before, after = two_runs
    with language("zh"):
        spec = migration_chart(movement_table(before, after)).to_dict()
        notes, charts = report_migration_parts(
            before, after, before_label="三月", after_label="四月"
        )
        shown = shown_table(movement_table(before, after))
    assert spec["title"]["text"] == "用户在画像之间的流转"
    assert notes[0].startswith("分群流转：从 三月 到 四月") and "40.0%" in notes[0]
    assert any("→" in n and "名用户" in n for n in notes[1:])
    assert "（新增用户）" in set(shown["from_persona"])
    assert len(charts) == 1
    notes_en, _ = report_migration_parts(before, after, before_label="March", after_label="April")
    assert notes_en[0] == (
        "Segment migration: From March to April: 2 of 5 users who were in both moved to "
        "another persona (40.0%); 1 new users, 1 no longer present."
    )


def test_the_chart_renders_without_a_browser_for_the_pdf(two_runs):
    from core.explore.report_writers import chart_png

    png = chart_png(migration_chart(movement_table(*two_runs)))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
