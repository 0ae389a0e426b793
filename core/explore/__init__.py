"""Explore: how the audience behaves and how campaigns perform, as dashboards and reports.

- ``query``: the filters, the dataset bounds and the DuckDB plumbing every dashboard shares;
- ``activity``: daily / weekly / monthly active users, stickiness, active hours;
- ``lifecycle``: new vs returning users, the lifecycle stage mix per period;
- ``performance``: every KPI overall, by platform / format / campaign / segment, per period;
- ``costs``: campaign cost tables, for ROI;
- ``funnel``: the engagement ladder (view -> like -> comment -> share -> purchase);
- ``retention``: cohort retention;
- ``attributes``: users and KPIs per user attribute (region, age, ...);
- ``goals``: progress toward KPI targets;
- ``alerts``: daily crisis signals and their spikes (early warnings);
- ``targeting``: targeting accuracy and persona match rate per campaign;
- ``charts``: the Altair charts shared by the page and the report;
- ``vega_locale``: how dates, weekdays and numbers read in the charts, per language;
- ``report``: the weekly / monthly report, rendered as HTML or PDF on demand;
- ``report_writers``: the report laid out as HTML (SVG charts) or PDF (PNG charts).
"""

from core.explore.activity import (
    INTERACTION_TYPES,
    WEEKDAY_NAMES,
    active_hours,
    activity,
    best_posting_windows,
)
from core.explore.alerts import (
    EARLY_WARNING_RULE,
    WarningParams,
    daily_signals,
    early_warnings,
    negative_pattern,
    negative_terms,
)
from core.explore.attributes import HIGH_POTENTIAL_RULE, by_attribute
from core.explore.costs import read_campaign_costs
from core.explore.engine_summary import EngineSummary, engine_summary, summary_statements
from core.explore.funnel import ALL_USERS, LADDER_STEPS, engagement_ladder, step_label
from core.explore.goals import GOAL_KPIS, Goal, goal_progress
from core.explore.lifecycle import (
    STAGES,
    lifecycle_mix,
    new_vs_returning,
    stage_label,
    stage_rules,
)
from core.explore.performance import (
    KPI_PLACES,
    RATE_KPIS,
    kpi_definitions,
    kpi_summary,
    kpi_trends,
)
from core.explore.query import (
    NO_VALUE,
    UNLABELLED,
    DataBounds,
    Dimension,
    ExploreFilters,
    Grain,
    data_bounds,
)
from core.explore.report import Report, ReportContent, build_report, period_range
from core.explore.retention import retention_matrix
from core.explore.targeting import campaign_targeting

__all__ = [
    "ALL_USERS",
    "EngineSummary",
    "engine_summary",
    "summary_statements",  # computed in any engine
    "EARLY_WARNING_RULE",
    "GOAL_KPIS",
    "HIGH_POTENTIAL_RULE",
    "INTERACTION_TYPES",
    "KPI_PLACES",
    "LADDER_STEPS",
    "NO_VALUE",
    "RATE_KPIS",
    "STAGES",
    "UNLABELLED",
    "WEEKDAY_NAMES",
    "DataBounds",
    "Dimension",
    "ExploreFilters",
    "Goal",
    "Grain",
    "Report",
    "ReportContent",
    "WarningParams",
    "active_hours",
    "activity",
    "best_posting_windows",
    "build_report",
    "by_attribute",
    "campaign_targeting",
    "daily_signals",
    "data_bounds",
    "early_warnings",
    "engagement_ladder",
    "goal_progress",
    "kpi_definitions",
    "kpi_summary",
    "kpi_trends",
    "lifecycle_mix",
    "negative_pattern",
    "negative_terms",
    "new_vs_returning",
    "period_range",
    "read_campaign_costs",
    "retention_matrix",
    "stage_label",
    "stage_rules",
    "step_label",
]
