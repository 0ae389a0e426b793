"""Campaign precision KPIs: targeting accuracy and persona match rate, per campaign.

The "precision" KPI family, for campaigns whose target segment the user names:

- targeting accuracy = users exposed to the campaign (a ``view`` event of it) who are in
  its target segment / users exposed to the campaign;
- persona match rate = users who bought through the campaign (a ``purchase`` event of
  it) who are in its target segment (the intended persona) / those buyers.

Counts run in DuckDB on the dataset engine over the Explore-filtered events (dates,
platforms, segments), with the user's segment from the saved segmentation (users outside
it count as exposed or buying, never as in the target). The two ratios are evaluated by
``core.personas.kpis.evaluate_kpis`` from the formulas of ``core.personas.kpis.KPIS``: one definition.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from core.errors import DataError
from core.explore.query import ExploreFilters, data_bounds, duck, filtered_events, run_sql
from core.i18n import tr
from core.personas import kpis

#: Columns of :func:`campaign_targeting`, in order.
COLUMNS = (
    "campaign",
    "target_segment",
    "exposed_users",
    "exposed_in_target",
    "targeting_accuracy",
    "converters",
    "converters_in_target",
    "persona_match_rate",
)
_COUNTS = ("exposed_users", "exposed_in_target", "converters", "converters_in_target")
_LISTED = 8  # names listed in an error sentence before "..."


def _some(names) -> str:
    names = sorted(str(n) for n in names)
    shown = ", ".join(names[:_LISTED])
    if len(names) <= _LISTED:
        return shown
    return tr("{names} and {n} more", names=shown, n=len(names) - _LISTED)


def _check_targets(
    targets: Mapping[str, str], labels: pd.Series | None
) -> tuple[list[str], list[str]]:
    if labels is None or len(labels) == 0:
        raise DataError(
            tr(
                "Targeting accuracy and persona match rate need a saved segmentation: "
                "save a run on the Segment page first."
            )
        )
    if not targets:
        raise DataError(tr("Pick the target segment of at least one campaign."))
    segments = set(labels.astype(str).unique())
    campaigns, chosen = [], []
    for campaign, segment in targets.items():
        if segment is None or str(segment) not in segments:
            raise DataError(
                tr(
                    "Campaign '{campaign}' targets segment '{segment}', which is not in the "
                    "segmentation; pick one of {segments}.",
                    campaign=campaign,
                    segment=segment,
                    segments=_some(segments),
                )
            )
        campaigns.append(str(campaign))
        chosen.append(str(segment))
    return campaigns, chosen


def campaign_targeting(
    engine,
    filters: ExploreFilters,
    labels: pd.Series | None,
    targets: Mapping[str, str],
) -> pd.DataFrame:
    """Targeting accuracy and persona match rate of each campaign, given its target segment.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The dataset engine (DuckDB) with the canonical ``events`` table.
    filters : ExploreFilters
        Dates, platforms and segments of the Explore page; only events inside them count.
    labels : Series
        Segment per ``user_id`` of the saved segmentation run.
    targets : Mapping[str, str]
        Campaign name -> the segment (a label of ``labels``) it is meant to reach.

    Returns
    -------
    DataFrame
        One row per campaign of ``targets``, in their order, with :data:`COLUMNS`:
        ``exposed_users`` (distinct users with a view of the campaign),
        ``exposed_in_target`` (of those, users in the target segment),
        ``targeting_accuracy`` (their ratio), ``converters`` (distinct users with a
        purchase of the campaign), ``converters_in_target`` and ``persona_match_rate``
        (their ratio). Ratios are NaN when their denominator is 0.

    Raises
    ------
    DataError
        Without a segmentation or targets, when the data has no campaigns, or when a
        campaign or segment is unknown; one sentence saying what to change.
    """
    campaigns, segments = _check_targets(targets, labels)
    known = data_bounds(engine).campaigns  # every campaign, whatever the filters
    if not known:
        raise DataError(
            tr(
                "The events name no campaigns, so targeting cannot be measured: load events "
                "with a campaign column (campaign, campaign_id or utm_campaign) on the Data "
                "page."
            )
        )
    unknown = [c for c in campaigns if c not in known]
    if unknown:
        raise DataError(
            tr(
                "Campaign '{campaign}' is not in the events; pick one of {campaigns}.",
                campaign=unknown[0],
                campaigns=_some(known),
            )
        )
    with duck(engine, labels) as raw:
        ev, params = filtered_events(
            filters,
            True,
            segment_column=True,
            columns=("user_id", "event_type", "campaign"),
        )
        # user_id only groups a campaign's events per person; it never leaves the query.
        sql = f"""
        WITH ev AS ({ev}),
        t AS (
            SELECT unnest($target_campaigns) AS campaign,
                   unnest($target_segments) AS target_segment,
                   generate_subscripts($target_campaigns, 1) AS pos
        ),
        per_user AS (
            SELECT campaign,
                   any_value(segment) AS segment,
                   bool_or(event_type = 'view') AS exposed,
                   bool_or(event_type = 'purchase') AS converted
            FROM ev
            WHERE event_type IN ('view', 'purchase')
              AND list_contains($target_campaigns, campaign)
            GROUP BY campaign, user_id
        )
        SELECT t.campaign, t.target_segment,
               count(*) FILTER (WHERE p.exposed) AS exposed_users,
               count(*) FILTER (WHERE p.exposed AND p.segment = t.target_segment)
                   AS exposed_in_target,
               count(*) FILTER (WHERE p.converted) AS converters,
               count(*) FILTER (WHERE p.converted AND p.segment = t.target_segment)
                   AS converters_in_target
        FROM t LEFT JOIN per_user AS p ON p.campaign = t.campaign
        GROUP BY t.pos, t.campaign, t.target_segment
        ORDER BY t.pos
        """
        params = {**params, "target_campaigns": campaigns, "target_segments": segments}
        counts = run_sql(raw, sql, params)
    counts = counts.astype({c: "int64" for c in _COUNTS})
    rated = kpis.evaluate_kpis(counts)
    return rated[list(COLUMNS)].reset_index(drop=True)
