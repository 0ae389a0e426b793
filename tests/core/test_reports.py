"""Charts and the weekly / monthly report on the hand-made Explore dataset."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from core import explore as ex
from core.explore import charts as rp
from core.explore.report_writers import chart_svg
from tests.core.test_explore import COSTS, LABELS, make_dataset


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    eng = make_dataset(tmp_path_factory.mktemp("rep") / "ds.duckdb")
    yield eng
    eng.dispose()


def _titles(spec: dict) -> list[str]:
    """Every axis title found anywhere in a Vega-Lite spec."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("x", "y") and isinstance(v, dict) and "title" in v:
                    found.append(v["title"])
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(spec)
    return found


def test_every_chart_has_title_axis_units_and_cjk_font(engine):
    heat = ex.active_hours(engine)
    trends = ex.kpi_trends(engine)
    warnings = ex.early_warnings(ex.daily_signals(engine))
    charts = [
        rp.activity_chart(ex.activity(engine)),
        rp.stickiness_chart(ex.activity(engine)),
        rp.heatmap_chart(heat, ex.best_posting_windows(heat)),
        rp.new_returning_chart(ex.new_vs_returning(engine)),
        rp.lifecycle_chart(ex.lifecycle_mix(engine)),
        rp.kpi_bar_chart(ex.kpi_summary(engine, by="platform"), "interaction_rate", "platform"),
        rp.trend_chart(trends, "revenue"),
        rp.ladder_chart(ex.engagement_ladder(engine, labels=LABELS)),
        rp.retention_chart(ex.retention_matrix(engine)),
        rp.attribute_chart(ex.by_attribute(engine, "region"), "region"),
        rp.goals_chart(ex.goal_progress(engine, [ex.Goal("followers", 0.3, start_value=10)])),
        rp.warning_chart(warnings, "negative_comment_share"),
    ]
    for chart in charts:
        spec = chart.to_dict()
        title = spec.get("title") or spec.get("layer", [{}])[0].get("title")
        assert title and len(str(title)) > 10, spec.get("title")
        axes = _titles(spec)
        assert len(axes) >= 2, title
        assert any("(" in a and ")" in a for a in axes), axes  # a measure axis carries a unit
        assert "Noto Sans CJK SC" in spec["config"]["font"]


def test_empty_selection_charts_say_so():
    chart = rp.activity_chart(pd.DataFrame(columns=["date", "dau", "wau", "mau", "stickiness"]))
    assert "No data" in str(chart.to_dict())


def test_chinese_labels_render_in_svg(engine):
    svg = chart_svg(rp.attribute_chart(ex.by_attribute(engine, "region"), "region"))
    assert "<svg" in svg
    # vl-convert writes text as glyph paths or <text>; either way the chart must not drop it
    assert "广州" in svg or "<path" in svg


def test_weekly_report_html_and_pdf(engine):
    rep = ex.build_report(
        engine,
        grain="week",
        labels=LABELS,
        costs=ex.read_campaign_costs(COSTS),
        goals=(ex.Goal("followers", 0.3),),
        title="<script>alert(1)</script> 品牌",
    )
    # data ends Tue Jan 16 -> last full week Jan 8-14, compared with Jan 1-7
    assert "2024-01-08 to 2024-01-14" in rep.title
    assert "<script>alert(1)</script>" not in rep.html
    assert "&lt;script&gt;" in rep.html and "品牌" in rep.html
    assert rep.html.count("<svg") >= 5
    assert "Interaction rate" in rep.html and "Goals" in rep.html
    # followers are people: without the account's count at the start, the new ones
    prog = ex.goal_progress(
        engine,
        [ex.Goal("followers", 0.3)],
        ex.ExploreFilters(start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 14)),
        LABELS,
    ).iloc[0]
    gained = int(prog.gained)
    assert gained > 0
    assert (
        f"<tr><td>Followers</td><td>not given</td><td>+{gained:,} new</td><td>n/a</td>" in rep.html
    )
    assert rep.pdf.startswith(b"%PDF") and len(rep.pdf) > 10_000


def test_monthly_report_period():
    assert ex.period_range(dt.date(2024, 1, 16), "month") == (
        dt.date(2023, 12, 1),
        dt.date(2023, 12, 31),
    )


def test_report_names_segments_by_their_persona_names(engine):
    """Targeting rows and the segment filter note say the persona name, not the label."""
    from core.explore.targeting import campaign_targeting

    names = {"S1": "Night <owls>", "S2": "早鸟"}
    filters = ex.ExploreFilters(segments=("S1",))
    rep = ex.build_report(
        engine, filters=filters, labels=LABELS, targets={"A": "S1", "B": "S2"}, names=names
    )
    assert "Segments: Night &lt;owls&gt;." in rep.html
    assert "Night &lt;owls&gt;" in rep.html and "早鸟" in rep.html
    # the numbers are core.explore.targeting's for the report week (Jan 8-14), only the name changes
    week = ex.ExploreFilters(start=dt.date(2024, 1, 8), end=dt.date(2024, 1, 14), segments=("S1",))
    table = campaign_targeting(engine, week, LABELS, {"A": "S1", "B": "S2"})
    assert table["exposed_users"].sum() > 0
    for row in table.itertuples():
        assert (
            f"<td>{row.campaign}</td><td>{names[row.target_segment]}".replace(
                "<owls>", "&lt;owls&gt;"
            )
            in rep.html
        )
    unnamed = ex.build_report(engine, labels=LABELS, targets={"A": "S1"})
    assert "<td>A</td><td>S1</td>" in unnamed.html


def test_campaigns_without_activity_in_the_report_period_get_one_line(engine):
    # week Jan 15-21: B has a buyer (u3, Jan 16); A has no exposure and no buyer
    rep = ex.build_report(
        engine, labels=LABELS, targets={"A": "S1", "B": "S2"}, as_of=dt.date(2024, 1, 22)
    )
    assert "2024-01-15 to 2024-01-21" in rep.title
    assert "<td>B</td><td>S2</td>" in rep.html
    assert "<td>A</td>" not in rep.html
    assert "<p>No exposures or buyers this week: A.</p>" in rep.html
    # nothing ran: the section says so, without an empty table or chart
    quiet = ex.build_report(engine, labels=LABELS, targets={"A": "S1"}, as_of=dt.date(2024, 1, 22))
    assert "<p>No exposures or buyers this week: A.</p>" in quiet.html
    assert "Targeting accuracy = " not in quiet.html
    assert "Campaign precision" not in quiet.html


def test_a_report_renders_only_the_format_asked_for(engine, monkeypatch):
    """Reading ``html`` never writes the PDF, and the other way round."""
    from core.explore import report as writer

    def refuse(*args, **kwargs):
        raise AssertionError("rendered a format nobody asked for")

    rep = ex.build_report(engine, grain="week")
    monkeypatch.setattr(writer, "_report_pdf", refuse)
    assert rep.html.startswith("<!doctype html>")
    assert rep.html is rep.html  # rendered once
    monkeypatch.undo()
    monkeypatch.setattr(writer, "_report_html", refuse)
    assert ex.build_report(engine, grain="week").pdf[:5] == b"%PDF-"
