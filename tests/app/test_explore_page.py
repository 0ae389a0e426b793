"""Explore page in AppTest on the bundled sample: renders, then a filter change and sections."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGE = str(ROOT / "app_pages" / "explore.py")


def _page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_overview_renders_kpis_and_heatmap_then_platform_filter_changes_them():
    at = _page()
    _ok(at)
    metrics = {m.label: m.value for m in at.metric}
    assert {"Exposures", "Reach (people)", "Interaction rate", "CTR"} <= set(metrics)
    before = int(metrics["Exposures"].replace(",", ""))
    assert before > 0
    assert any("Best posting windows" in s.value for s in at.success)
    platforms = at.multiselect(key="explore_platforms")
    platforms.set_value([platforms.options[0]]).run()
    _ok(at)
    after = int({m.label: m.value for m in at.metric}["Exposures"].replace(",", ""))
    assert 0 < after < before


@pytest.mark.parametrize(
    "section",
    [
        "Lifecycle",
        "KPIs & trends",
        "Funnel & retention",
        "Geography",
        "Goals & report",
        "Early warning",
    ],
)
def test_every_section_renders(section):
    at = _page()
    at.segmented_control(key="explore_section").set_value(section).run()
    _ok(at)
    assert at.get("download_button") or section == "Goals & report"


def test_user_supplied_names_are_escaped_in_markdown():
    from core.common.markdown import escape_markdown

    out = escape_markdown("[x](http://a) *b* <i>河南</i>")
    assert "<" not in out and "\\[x\\]" in out and "\\*b\\*" in out and "河南" in out


def test_lifecycle_says_which_periods_lack_history_and_that_churn_needs_more_days():
    at = _page()
    at.segmented_control(key="explore_section").set_value("Lifecycle").run()
    _ok(at)
    captions = " ".join(c.value for c in at.caption)
    # the sample covers Sep 1 - Nov 29: its first four weeks end < 30 days after the start
    assert "Weeks marked * end less than 30 days after the data starts" in captions
    assert "Churned needs 90 days without events; this data covers 90 days" in captions
    # windows short enough for this data: no faded period, churn possible
    at.number_input(key="explore_new").set_value(7).run()
    at.number_input(key="explore_dormant").set_value(7).run()
    at.number_input(key="explore_churned").set_value(30).run()
    _ok(at)
    captions = " ".join(c.value for c in at.caption)
    assert "Weeks marked * end less than 7 days" in captions  # the first week still is
    assert "Churned needs" not in captions


def test_kpi_tables_name_columns_and_format_rates_money_and_counts():
    import pandas as pd

    from ui.explore.view import kpi_columns

    frame = pd.DataFrame(
        {
            "value": ["广东"],
            "users": [312],
            "revenue": [337597.4],
            "conversion_rate": [0.5128],
            "roi": [-0.2],
            "arpu": [1082.04],
            "high_potential": [False],
        }
    )
    config = kpi_columns(frame, {"value": "Region", "users": "Active users"})
    label = {col: c["label"] for col, c in config.items()}
    fmt = {col: c.get("type_config", {}).get("format") for col, c in config.items()}
    assert label == {
        "value": "Region",
        "users": "Active users",
        "revenue": "Revenue",
        "conversion_rate": "Conversion rate (per user)",
        "roi": "ROI",
        "arpu": "ARPU",
        "high_potential": "High potential",
    }
    assert fmt["conversion_rate"] == fmt["roi"] == "percent"
    assert fmt["revenue"] == fmt["arpu"] == "accounting"
    assert fmt["users"] == "localized"
    assert config["high_potential"]["type_config"]["type"] == "checkbox"


def test_goals_do_not_count_followers_from_the_data_first_day():
    """The sample's first-week followers are not the account's followers: no % without a base."""
    at = _page()
    at.segmented_control(key="explore_section").set_value("Goals & report").run()
    _ok(at)
    said = " ".join(m.value for m in at.markdown)
    assert "**Followers**:" in said and "new since" in said and "Enter the follower count" in said
    assert not any(m.value.startswith("**Followers**: +") for m in at.markdown)
    at.number_input(key="explore_goal_base").set_value(100_000).run()
    _ok(at)
    line = next(m.value for m in at.markdown if m.value.startswith("**Followers**:"))
    change = float(line.split(": ")[1].split("%")[0])
    assert 0 < change < 30, line  # a few thousand new followers on 100,000


def test_early_warning_rule_is_said_in_plain_words():
    at = _page()
    at.segmented_control(key="explore_section").set_value("Early warning").run()
    _ok(at)
    rule = next(c.value for c in at.caption if "flagged when" in c.value)
    assert "MAD" not in rule and "median absolute deviation" not in rule and "1.4826" not in rule
    assert "typical day-to-day spread" in rule


def test_roi_reads_the_same_on_the_page_and_in_the_report():
    """ROI 0.25 is 25 %: the page's figures, the report's table and the persona tables agree.

    It used to read 0.25 through core.personas.kpis and 25.00% through the report.
    """
    from core.explore.report import kpi_rows
    from core.personas.kpis import format_kpi_value
    from ui.explore.view import kpi_text

    [roi] = [row for row in kpi_rows({"roi": 0.25}, {"roi": 0.2}) if row[0] == "ROI"]
    assert roi[1] == kpi_text("roi", 0.25) == "25.00%"
    assert roi[3] == "25.00%"  # the change: (0.25 - 0.2) / 0.2
    assert format_kpi_value("roi", 0.25) == "25%"
    assert format_kpi_value("roi", -0.5, "metric") == "-50.0%"
