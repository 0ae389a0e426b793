"""The engagement ladder: view -> like -> comment -> share -> purchase, per segment."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.explore.query import (
    ExploreFilters,
    duck,
    filtered_events,
    run_sql,
)
from core.i18n import N_, tr

LADDER_STEPS = ("view", "like", "comment", "share", "purchase")
#: Each step as a person reads it (the keys are the event types in the data).
STEP_LABELS = {
    "view": N_("View"),
    "like": N_("Like"),
    "comment": N_("Comment"),
    "share": N_("Share"),
    "purchase": N_("Purchase"),
}
#: The ``segment`` value of the row for everyone (kept in English in the data; shown with tr).
ALL_USERS = N_("All users")


def step_label(step: str) -> str:
    """A ladder step in the current language ("Like" / "点赞")."""
    return tr(STEP_LABELS[step]) if step in STEP_LABELS else step


def engagement_ladder(
    engine, filters: ExploreFilters = ExploreFilters(), labels: pd.Series | None = None
) -> pd.DataFrame:
    """Users reaching each step of view -> like -> comment -> share -> purchase, per segment.

    Returns
    -------
    DataFrame
        ``segment`` (``"All users"`` first, then each segment when labels are given),
        ``step``, ``step_order`` (1-5), ``users`` (did this step and every earlier one),
        ``users_any`` (did this step at all), ``share_of_first`` (users / users at step 1).
    """
    ev, params = filtered_events(
        filters, labels is not None, segment_column=True, columns=("user_id", "event_type")
    )
    flags = ", ".join(f"bool_or(event_type = '{s}') AS s{i}" for i, s in enumerate(LADDER_STEPS))
    ladder = ", ".join(
        f"count(*) FILTER (WHERE {' AND '.join(f's{j}' for j in range(i + 1))}) AS l{i}, "
        f"count(*) FILTER (WHERE s{i}) AS a{i}"
        for i in range(len(LADDER_STEPS))
    )
    sql = f"""
    WITH ev AS ({ev}),
    u AS (SELECT user_id, any_value(segment) AS segment, {flags} FROM ev GROUP BY user_id)
    SELECT CASE WHEN grouping(segment) = 1 THEN 'All users' ELSE segment END AS segment,
           grouping(segment) AS lvl, {ladder}
    FROM u GROUP BY GROUPING SETS ((), (segment))
    ORDER BY lvl DESC, segment
    """
    with duck(engine, labels) as raw:
        wide = run_sql(raw, sql, params)
    if labels is None:
        wide = wide[wide["lvl"] == 1]
    if wide.empty:
        wide = pd.DataFrame(
            [
                {
                    "segment": ALL_USERS,
                    "lvl": 1,
                    **{f"l{i}": 0 for i in range(5)},
                    **{f"a{i}": 0 for i in range(5)},
                }
            ]
        )
    rows = []
    for _, r in wide.iterrows():
        first = r["l0"]
        for i, step in enumerate(LADDER_STEPS):
            rows.append(
                {
                    "segment": str(r["segment"]),
                    "step": step,
                    "step_order": i + 1,
                    "users": int(r[f"l{i}"]),
                    "users_any": int(r[f"a{i}"]),
                    "share_of_first": (r[f"l{i}"] / first) if first else np.nan,
                }
            )
    return pd.DataFrame(rows)
