"""Explore and the report in Chinese: charts, sentences, errors, the report (HTML, PDF, CLI).

English must read as before; Chinese must be Chinese wherever a person reads it, with the
data's own values (platforms, regions, campaign names) left as they are.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pandas as pd
import pytest

from core import explore as ex
from core.errors import DataError
from core.explore import charts as ch
from core.explore.report_writers import chart_png
from core.i18n import language
from tests.core.test_explore import COSTS, LABELS, make_dataset

CJK = re.compile(r"[\u4e00-\u9fff]")


def _without_kpi_names(text: str) -> str:
    """``text`` without KPI names: those are core.personas.kpis' messages, translated (and
    tested) by their owner; what is left is Explore's own wording."""
    from core.personas.kpis import KPI_BY_KEY, kpi_label

    for key in sorted(KPI_BY_KEY, key=lambda k: -len(kpi_label(k))):
        text = text.replace(kpi_label(key), "")
    return text


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    eng = make_dataset(tmp_path_factory.mktemp("i18n") / "ds.duckdb")
    yield eng
    eng.dispose()


def _all_charts(engine) -> dict[str, object]:
    """Every Explore chart, built in the current language."""
    heat = ex.active_hours(engine)
    warnings = ex.early_warnings(ex.daily_signals(engine))
    targeting = ex.campaign_targeting(engine, ex.ExploreFilters(), LABELS, {"A": "S1", "B": "S2"})
    return {
        "activity": ch.activity_chart(ex.activity(engine)),
        "stickiness": ch.stickiness_chart(ex.activity(engine)),
        "heatmap": ch.heatmap_chart(heat, ex.best_posting_windows(heat)),
        "new_returning": ch.new_returning_chart(ex.new_vs_returning(engine)),
        "lifecycle": ch.lifecycle_chart(ex.lifecycle_mix(engine), "month"),
        "kpi_bars": ch.kpi_bar_chart(
            ex.kpi_summary(engine, by="platform"), "interaction_rate", "platform"
        ),
        "trend": ch.trend_chart(ex.kpi_trends(engine), "revenue"),
        "ladder": ch.ladder_chart(ex.engagement_ladder(engine, labels=LABELS)),
        "retention": ch.retention_chart(ex.retention_matrix(engine)),
        "attribute": ch.attribute_chart(ex.by_attribute(engine, "region"), "region"),
        "goals": ch.goals_chart(
            ex.goal_progress(engine, [ex.Goal("followers", 0.3, start_value=10)])
        ),
        "warning": ch.warning_chart(warnings, "negative_comment_share"),
        "targeting": ch.targeting_chart(targeting),
    }


def _texts(spec) -> dict[str, list[str]]:
    """Titles found in a Vega-Lite spec, by kind: chart, axis (x/y), legend (color), tooltip."""
    found: dict[str, list[str]] = {"chart": [], "axis": [], "legend": [], "tooltip": []}

    def walk(node, kind=None):
        if isinstance(node, dict):
            if kind and isinstance(node.get("title"), str) and node["title"]:
                found[kind].append(node["title"])
            for key, value in node.items():
                if key == "title" and isinstance(value, str) and kind is None:
                    found["chart"].append(value)
                elif key in ("x", "y"):
                    walk(value, "axis")
                elif key == "color":
                    walk(value, "legend")
                elif key == "tooltip":
                    walk(value, "tooltip")
                else:
                    walk(value, kind if key not in ("layer", "encoding") else None)
        elif isinstance(node, list):
            for value in node:
                walk(value, kind)

    walk(spec)
    return found


def test_every_chart_is_chinese_in_zh_titles_axes_legends_and_tooltips(engine):
    with language("zh"):
        built = _all_charts(engine)
    for name, chart in built.items():
        spec = chart.to_dict()
        texts = _texts(spec)
        assert texts["chart"] and all(CJK.search(t) for t in texts["chart"]), (name, texts)
        assert texts["axis"], name
        for kind in ("chart", "axis", "legend", "tooltip"):
            for text in texts[kind]:
                # Chinese, a KPI name alone, or a code that stays as it is (KPI, DAU)
                rest = _without_kpi_names(text)
                words = re.findall(r"[A-Za-z]{2,}", rest)
                assert not set(words) - {"KPI", "DAU", "WAU", "MAU"}, (name, kind, text)
        # d3 reads dates and numbers the Chinese way: "3月", "周二"
        locale = spec["config"]["locale"]
        assert (
            locale["time"]["shortMonths"][2] == "3月" and locale["time"]["shortDays"][2] == "周二"
        )


def test_english_charts_are_unchanged(engine):
    with language("en"):
        built = _all_charts(engine)
    spec = built["activity"].to_dict()
    assert "locale" not in spec["config"]
    assert spec["title"] == (
        "Active users per day: daily (DAU), last 7 days (WAU), last 30 days (MAU)"
    )
    ladder = _texts(built["ladder"].to_dict())
    assert "Users reaching the step (% of viewers)" in ladder["legend"]
    assert "Step (each includes every earlier one)" in ladder["axis"]
    assert _texts(built["kpi_bars"].to_dict())["chart"] == ["Interaction rate by platform"]


def test_period_bands_weekday_labels_and_date_formats_follow_the_language(engine):
    nvr = ex.new_vs_returning(engine)
    with language("zh"):
        zh = ch.new_returning_chart(nvr).to_dict()
        heat = ch.heatmap_chart(ex.active_hours(engine)).to_dict()
        act = ch.activity_chart(ex.activity(engine)).to_dict()
    with language("en"):
        en = ch.new_returning_chart(nvr).to_dict()
    zh_labels = {r["period_label"] for r in zh["datasets"][zh["data"]["name"]]}
    en_labels = {r["period_label"] for r in en["datasets"][en["data"]["name"]]}
    assert zh_labels == {"1月1日", "1月8日", "1月15日"}  # weeks of Jan 2024
    assert en_labels == {"Jan 1", "Jan 8", "Jan 15"}
    assert {r["kind"] for r in zh["datasets"][zh["data"]["name"]]} == {"新用户", "回访用户"}
    days = {r["weekday_label"] for r in heat["datasets"][heat["data"]["name"]]}
    assert days == {"周一", "周二", "周三", "周四", "周五", "周六", "周日"}
    axis = act["layer"][1]["encoding"]["x"] if "layer" in act else act["encoding"]["x"]
    assert axis["axis"]["format"] == "%-m月%-d日"


def test_best_posting_windows_the_warning_rule_and_the_kpi_table_in_chinese(engine):
    heat = ex.active_hours(engine)
    with language("zh"):
        best = ex.best_posting_windows(heat)
        rule = ex.WarningParams().describe()
        where = ex.kpi_definitions().set_index("key")["where"]
        summary = ch.stickiness_summary(ex.activity(engine))
    assert best["label"].tolist() == ["周二 12:00-13:00", "周一 20:00-21:00", "周一 10:00-11:00"]
    assert "前 14 天" in rule and "3 倍" in rule and "1%" in rule
    assert where["roi"] == "KPI（需活动成本表）"
    assert CJK.search(summary) and "。" in summary
    with language("en"):
        assert ex.best_posting_windows(heat)["label"][0] == "Tue 12:00-13:00"
        assert "previous 14 days" in ex.WarningParams().describe()


@pytest.mark.parametrize(
    ("call", "zh", "en"),
    [
        (
            lambda eng: ex.read_campaign_costs(pd.DataFrame({"campaign": ["A"]})),
            "活动成本表缺少“cost”列",
            "The campaign cost table has no 'cost' column",
        ),
        (
            lambda eng: ex.read_campaign_costs(pd.DataFrame({"campaign": ["A"], "cost": ["x"]})),
            "活动成本表第 2 行",
            "Campaign cost row 2: 'cost' must be a number",
        ),
        (
            lambda eng: ex.by_attribute(eng, "income"),
            "用户表中没有属性“income”",
            "The users table has no attribute 'income'",
        ),
        (
            lambda eng: ex.campaign_targeting(eng, ex.ExploreFilters(), LABELS, {"Z": "S1"}),
            "行为数据中没有活动“Z”",
            "Campaign 'Z' is not in the events",
        ),
        (
            lambda eng: ex.kpi_trends(eng, grain="day"),
            "周期只能是 week（周）或 month（月）",
            "Period must be 'week' or 'month', not 'day'.",
        ),
        (
            lambda eng: ex.build_report(eng, filters=ex.ExploreFilters(platforms=("tiktok",))),
            "数据中没有平台“tiktok”",
            "Platform 'tiktok' is not in the data",
        ),
    ],
)
def test_data_errors_are_one_chinese_sentence_in_zh_and_unchanged_in_en(engine, call, zh, en):
    with language("zh"), pytest.raises(DataError) as caught:
        call(engine)
    assert zh in str(caught.value) and str(caught.value).endswith("。")
    with language("en"), pytest.raises(DataError) as caught:
        call(engine)
    assert en in str(caught.value)


def test_chinese_report_html_has_chinese_headings_tables_and_charts(engine):
    rep = ex.build_report(
        engine,
        labels=LABELS,
        costs=ex.read_campaign_costs(COSTS),
        goals=(ex.Goal("followers", 0.3),),
        targets={"A": "S1", "B": "S2"},
        names={"S1": "夜猫子", "S2": "Early birds"},
        lang="zh",
    )
    assert rep.lang == "zh"
    assert rep.title == "PersonaLab 报告 — 周报 2024-01-08 至 2024-01-14"
    html = rep.html
    assert "<html lang='zh-Hans'>" in html
    for heading in ("<h2>KPI</h2>", "<h2>舆情预警</h2>", "<h2>目标</h2>", "<h2>活动定向</h2>"):
        assert heading in html
    assert "<th>本期</th><th>上期</th><th>变化</th>" in html
    assert "<td>粉丝</td><td>未填写</td>" in html
    assert "对比上一周：2024-01-01 至 2024-01-07。" in html
    assert "<td>B</td><td>Early birds</td>" in html  # a persona name stays as the user wrote it
    # no English sentence of the report's own text is left
    for english in ("Compared with", "Best posting windows", "No spikes", "This period", "Goals"):
        assert english not in html
    assert html.count("<svg") >= 5


def test_report_keeps_its_language_when_rendered_later_in_another(engine):
    """A download renders the report outside the page run that built it."""
    with language("zh"):
        rep = ex.build_report(engine)
    with language("en"):
        assert "<h2>舆情预警</h2>" in rep.html
    with language("zh"):
        english = ex.build_report(engine, lang="en")
    assert "<h2>Early warnings</h2>" in english.html and english.title.startswith(
        "PersonaLab report — Week"
    )


def test_chinese_report_pdf_contains_the_chinese_text(engine):
    from pypdf import PdfReader

    rep = ex.build_report(engine, goals=(ex.Goal("interaction_rate", 0.2),), lang="zh")
    reader = PdfReader(io.BytesIO(rep.pdf))
    # pypdf puts spaces (and NULs) between the glyphs of the embedded CJK font: drop them
    text = re.sub(r"[\s\x00]+", "", "".join(page.extract_text() for page in reader.pages))
    for expected in ("PersonaLab报告—周报2024-01-08至2024-01-14", "舆情预警", "本期", "目标"):
        assert expected in text
    assert sum(len(page.images) for page in reader.pages) >= 5  # the charts, as PNG


def _pixels(png: bytes):
    from PIL import Image

    return Image.open(io.BytesIO(png)).convert("L").tobytes()


def test_chart_images_draw_chinese_glyphs_not_tofu():
    """Two different Chinese texts of the same length draw differently only when the font has
    the glyphs: missing glyphs are all the same box (or nothing)."""
    with language("zh"):
        one = chart_png(ch._empty("活跃用户"), scale=1)
        other = chart_png(ch._empty("沉睡用户"), scale=1)
    assert _pixels(one) != _pixels(other)


def test_cli_report_lang_zh_writes_a_chinese_report(tmp_path, capsys):
    from core.__main__ import main
    from tests.core.test_cli_report import _events

    out = tmp_path / "weekly.html"
    assert main(["report", str(_events(tmp_path)), "--lang", "zh", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "PersonaLab 报告 — 周报 2025-03-17 至 2025-03-23" in html
    assert "<h2>舆情预警</h2>" in html
    assert "周报已写入" in capsys.readouterr().out
    bad = tmp_path / "weekly.txt"
    assert main(["report", str(_events(tmp_path)), "--lang", "zh", "--out", str(bad)]) == 2
    assert "报告只能保存为 .html 或 .pdf" in capsys.readouterr().err


def test_monthly_report_title_and_captions_in_chinese(engine):
    rep = ex.build_report(engine, grain="month", as_of=dt.date(2024, 2, 1), lang="zh")
    assert rep.title == "PersonaLab 报告 — 月报 2024-01-01 至 2024-01-31"
    assert "对比上个月" in rep.html
