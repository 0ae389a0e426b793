"""Early warnings: daily comment, share and negative-comment signals and their spikes."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd

from core.errors import DataError
from core.explore.query import (
    ExploreFilters,
    duck,
    filtered_events,
    ratio,
    run_sql,
)
from core.i18n import N_, fmt, tr
from core.personas.text import SENTIMENT_LEXICON

EARLY_WARNING_RULE = N_(
    "A day is flagged when its value is far above the usual level of the previous "
    "{window} days: above their middle value by more than {k} times their typical "
    "day-to-day spread (a spread taken as at least {floor_count} event for counts "
    "and {floor_share} for shares)."
)


def negative_terms() -> tuple[str, ...]:
    """Negative words of ``core.personas.text``'s sentiment lexicon (the persona cards' baseline)."""
    return tuple(sorted(w for w, polarity in SENTIMENT_LEXICON.items() if polarity < 0))


def negative_pattern() -> str:
    """RE2 pattern matching a negative word: whole words for Latin, substrings for CJK.

    Negations ("not bad") are not handled in SQL; ``core.personas.text.sentiment_score`` does that
    per comment but is too slow for millions of comments, so the daily crisis signal
    uses this word test (a documented simplification).
    """
    latin = sorted(t for t in negative_terms() if t.isascii())
    cjk = sorted(t for t in negative_terms() if not t.isascii())
    parts = []
    if latin:
        parts.append(r"\b(" + "|".join(re.escape(t) for t in latin) + r")\b")
    if cjk:
        parts.append("|".join(re.escape(t) for t in cjk))
    return "|".join(parts) or "$^"


@dataclasses.dataclass(frozen=True)
class WarningParams:
    """Rolling-baseline spike rule: median of ``window`` previous days + ``k`` x scaled MAD."""

    window: int = 14
    k: float = 3.0
    min_periods: int = 7
    floor_count: float = 1.0
    floor_share: float = 0.01

    def describe(self) -> str:
        """The rule in one sentence for the page."""
        return tr(
            EARLY_WARNING_RULE,
            window=fmt.number(self.window),
            k=fmt.decimal(self.k, 2),
            floor_count=fmt.decimal(self.floor_count, 2),
            floor_share=fmt.percent(self.floor_share),
        )


def daily_signals(
    engine, filters: ExploreFilters = ExploreFilters(), labels: pd.Series | None = None
) -> pd.DataFrame:
    """Daily comment volume, shares and negative comment share (crisis indicators).

    Returns
    -------
    DataFrame
        ``date``, ``comments``, ``shares``, ``negative_comments``,
        ``negative_comment_share`` (NaN on days without comments); every day of the
        filtered range that has events.
    """
    ev, params = filtered_events(
        filters, labels is not None, columns=("timestamp", "event_type", "text")
    )
    params["neg"] = negative_pattern()
    sql = f"""
    WITH ev AS ({ev}),
    days AS (
        SELECT CAST(unnest(generate_series(min(CAST(timestamp AS DATE)),
                                           max(CAST(timestamp AS DATE)),
                                           INTERVAL 1 DAY)) AS DATE) AS date FROM ev
    ),
    d AS (
        SELECT CAST(timestamp AS DATE) AS date,
               count(*) FILTER (WHERE event_type = 'comment') AS comments,
               count(*) FILTER (WHERE event_type = 'share') AS shares,
               count(*) FILTER (WHERE event_type = 'comment' AND text IS NOT NULL
                                AND regexp_matches(lower(text), $neg)) AS negative_comments
        FROM ev WHERE event_type IN ('comment', 'share') GROUP BY 1
    )
    SELECT days.date, coalesce(comments, 0) AS comments, coalesce(shares, 0) AS shares,
           coalesce(negative_comments, 0) AS negative_comments
    FROM days LEFT JOIN d USING (date) ORDER BY days.date
    """
    with duck(engine, labels) as raw:
        out = run_sql(raw, sql, params)
    out["date"] = pd.to_datetime(out["date"])
    for col in ("comments", "shares", "negative_comments"):
        out[col] = out[col].astype("int64")
    out["negative_comment_share"] = ratio(out["negative_comments"], out["comments"])
    return out


def early_warnings(signals: pd.DataFrame, params: WarningParams = WarningParams()) -> pd.DataFrame:
    """Flag spikes in each daily signal against a rolling median + k x MAD baseline.

    The baseline of day d uses only the ``window`` days before d (never d itself), so a
    spike cannot hide itself. MAD is scaled by 1.4826 (consistent with the standard
    deviation for normal data; Rousseeuw & Croux 1993) and floored so a flat history
    does not flag every small rise.

    Parameters
    ----------
    signals : DataFrame
        Output of :func:`daily_signals`.
    params : WarningParams

    Returns
    -------
    DataFrame
        Long format: ``date``, ``signal`` (comments, shares, negative_comment_share),
        ``value``, ``baseline`` (rolling median), ``threshold``, ``spike`` (bool).
    """
    if params.window < 2 or params.min_periods < 1 or params.min_periods > params.window:
        raise DataError(
            tr("The early-warning window must be at least 2 days and cover min_periods.")
        )
    if params.k <= 0:
        raise DataError(tr("The early-warning sensitivity k must be above 0."))
    frames = []
    for signal, floor in (
        ("comments", params.floor_count),
        ("shares", params.floor_count),
        ("negative_comment_share", params.floor_share),
    ):
        values = signals[signal].astype("float64")
        past = values.shift(1).rolling(params.window, min_periods=params.min_periods)
        median = past.median()
        mad = past.apply(lambda w: np.nanmedian(np.abs(w - np.nanmedian(w))), raw=True)
        scale = np.maximum(1.4826 * mad, floor)
        threshold = median + params.k * scale
        frames.append(
            pd.DataFrame(
                {
                    "date": signals["date"],
                    "signal": signal,
                    "value": values,
                    "baseline": median,
                    "threshold": threshold,
                    "spike": (values > threshold).fillna(False).astype(bool),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
