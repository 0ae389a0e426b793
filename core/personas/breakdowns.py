"""A segment's breakdowns on its card: mixes, activity heatmap and comments, privacy applied.

Heatmap, platform and format mix and recent comments come from the events in SQL
(:func:`_event_breakdowns`); category mixes from the counts of
:mod:`core.personas.categories`. Any category, heatmap cell or comment word with fewer
than ``min_group_size`` users is hidden, and the card lists what was hidden.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.common.sql import quote_identifier
from core.i18n import fmt, ntr, tr
from core.personas.kpis import labels_on_engine, read_sql
from core.personas.text import sentiment_summary, top_words
from core.personas.wording import _attribute_label, hidden_note

#: Most recent comments per segment read for words and sentiment.
MAX_COMMENTS = 1000


def _event_breakdowns(
    engine, lab: pd.Series, events: str, max_comments: int, feats: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """Heatmap and recent comments in SQL; platform and format mix from the feature table.

    Every aggregate first groups the events per user (and cell), then joins the labels on
    those far fewer rows. Platform and format mix are exact sums over the feature table's
    ``platform_share_<p>`` x ``n_events`` (events on p per user, already aggregated in SQL
    by ``build_features``), which saves two scans of the events; without those columns
    they are aggregated in SQL like the heatmap.
    """
    ev = quote_identifier(events)
    out: dict[str, pd.DataFrame] = {}
    with labels_on_engine(engine, lab) as (conn, table):
        out["heatmap"] = read_sql(
            conn,
            f"""
            SELECT l.segment, c.weekday, c.hour, sum(c.n) AS events, count(*) AS users
            FROM (
                SELECT CAST(user_id AS VARCHAR) AS user_id,
                       CAST(EXTRACT(ISODOW FROM timestamp) AS INTEGER) - 1 AS weekday,
                       CAST(EXTRACT(HOUR FROM timestamp) AS INTEGER) AS hour,
                       count(*) AS n
                FROM {ev}
                GROUP BY 1, 2, 3
            ) AS c
            JOIN {table} AS l ON l.user_id = c.user_id
            GROUP BY l.segment, c.weekday, c.hour
            """,
        )
        for key, column, prefix in (
            ("platform", "platform", "platform_share_"),
            ("format", "content_format", "format_share_"),
        ):
            from_features = _mix_counts_from_features(feats, lab, prefix)
            if from_features is not None:
                out[key] = from_features
                continue
            out[key] = read_sql(
                conn,
                f"""
                SELECT l.segment, c.category, sum(c.n) AS events, count(*) AS users
                FROM (
                    SELECT CAST(user_id AS VARCHAR) AS user_id, {quote_identifier(column)} AS category,
                           count(*) AS n
                    FROM {ev}
                    WHERE {quote_identifier(column)} IS NOT NULL
                    GROUP BY 1, 2
                ) AS c
                JOIN {table} AS l ON l.user_id = c.user_id
                GROUP BY l.segment, c.category
                """,
            )
        out["comments"] = read_sql(
            conn,
            f"""
            SELECT segment, user_id, text FROM (
                SELECT l.segment, c.user_id, c.text,
                       row_number() OVER (
                           PARTITION BY l.segment ORDER BY c.timestamp DESC, c.user_id
                       ) AS rn
                FROM (
                    SELECT CAST(user_id AS VARCHAR) AS user_id, timestamp, text
                    FROM {ev}
                    WHERE text IS NOT NULL AND length(trim(text)) > 0
                ) AS c
                JOIN {table} AS l ON l.user_id = c.user_id
            ) AS recent
            WHERE rn <= {int(max_comments)}
            """,
        )
    out["heatmap"] = out["heatmap"].dropna(subset=["weekday", "hour"])
    return out


def _mix_counts_from_features(
    feats: pd.DataFrame, lab: pd.Series, prefix: str
) -> pd.DataFrame | None:
    """Per segment and category: events (share x n_events) and users (share > 0)."""
    cols = [c for c in feats.columns if c.startswith(prefix)]
    if not cols or "n_events" not in feats.columns:
        return None
    shares = feats[cols].to_numpy(dtype="float64", na_value=0.0)
    n_events = feats["n_events"].to_numpy(dtype="float64", na_value=0.0)[:, None]
    events = pd.DataFrame(np.rint(shares * n_events), index=feats.index, columns=cols)
    users = pd.DataFrame((shares > 0).astype("int64"), index=feats.index, columns=cols)
    ev_sum = events.groupby(lab.to_numpy()).sum()
    us_sum = users.groupby(lab.to_numpy()).sum()
    long = pd.DataFrame({"events": ev_sum.stack(), "users": us_sum.stack()}).reset_index()
    long.columns = ["segment", "category", "events", "users"]
    long["category"] = long["category"].str.removeprefix(prefix)
    return long[long["events"] > 0].reset_index(drop=True)


def _event_mix(frame: pd.DataFrame, segment: str, min_group: int, hidden: list, what: str) -> tuple:
    """Share of a segment's events per category, categories with too few users hidden."""
    rows = frame[frame["segment"] == segment]
    if rows.empty:
        return ()
    total = float(rows["events"].sum())
    shown = rows[rows["users"] >= min_group].sort_values(
        ["events", "category"], ascending=[False, True]
    )
    n_hidden = len(rows) - len(shown)
    if n_hidden:
        hidden.append(_hidden_categories(tr(what), n_hidden, min_group))
    return tuple(
        (str(r.category), float(r.events) / total, int(r.users))
        for r in shown.itertuples(index=False)
    )


def _hidden_categories(what: str, n_hidden: int, min_group: int) -> str:
    """'Gender: 2 categories hidden: fewer than 10 users'."""
    return ntr(
        "{what}: {n} category {note}",
        "{what}: {n} categories {note}",
        n_hidden,
        what=what,
        n=fmt.number(n_hidden),
        note=hidden_note(min_group),
    )


def _mix_from_features(feats: pd.DataFrame, mask: pd.Series, prefix: str) -> tuple:
    """A mix from the feature table's share columns (no engine): mean share per category."""
    cols = [c for c in feats.columns if c.startswith(prefix)]
    if not cols:
        return ()
    means = feats.loc[mask, cols].astype("float64").mean()
    users = (feats.loc[mask, cols].astype("float64") > 0).sum()
    total = float(means.sum()) or 1.0
    rows = sorted(
        ((c.removeprefix(prefix), float(means[c]) / total, int(users[c])) for c in cols),
        key=lambda r: -r[1],
    )
    return tuple(r for r in rows if r[1] > 0)


def _mix(
    counts: pd.DataFrame, segment: str, attribute: str, size: int, min_group: int, hidden: list
) -> tuple:
    """Share of a segment's users per category of one attribute, small categories hidden."""
    rows = counts[(counts["segment"] == segment) & (counts["attribute"] == attribute)]
    if rows.empty:
        return ()
    shown = rows[rows["users"] >= min_group].sort_values(
        ["users", "category"], ascending=[False, True]
    )
    n_hidden = len(rows) - len(shown)
    if n_hidden:
        hidden.append(_hidden_categories(_attribute_label(attribute), n_hidden, min_group))
    return tuple(
        (str(r.category), float(r.users) / size, int(r.users))
        for r in shown.itertuples(index=False)
    )


def _comments(rows: pd.DataFrame, min_group: int, hidden: list) -> tuple[tuple, dict | None]:
    """Top words and sentiment of a segment's recent comments (hidden under ``min_group``)."""
    if rows.empty:
        return (), None
    if rows["user_id"].nunique() < min_group:
        hidden.append(tr("Comments: {note}", note=hidden_note(min_group)))
        return (), None
    words = top_words(rows["text"], n=12, users=rows["user_id"], min_users=min_group)
    return tuple(
        (str(w), int(c)) for w, c in zip(words["word"], words["count"], strict=True)
    ), sentiment_summary(rows["text"])
