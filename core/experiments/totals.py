"""Typed-in totals (the way online A/B calculators take them) read into arm statistics.

One row per variant, and optionally per metric and segment: ``n`` and either
``conversions`` (a rate) or ``sum`` and ``sum_squares`` (a mean). With segments, the
all-users cells are the sums over the segments.
"""

from __future__ import annotations

import math

import pandas as pd

from core.errors import DataError
from core.experiments.inputs import numeric_values, require_columns
from core.experiments.result import ArmStats
from core.experiments.stats import Proportion, SampleMean, Statistic
from core.i18n import tr


def summarise_aggregates(
    table: pd.DataFrame, *, segment_col: str | None = None
) -> tuple[list[ArmStats], dict[str, int]]:
    """Read typed-in aggregates: one row per variant (and optionally metric / segment).

    Columns: ``variant``, ``n`` (or ``users``) and either ``conversions`` or ``sum`` and
    ``sum_squares``; optional ``metric`` and ``segment`` (or the column ``segment_col``).
    Two rows for the same (metric, segment, variant) are refused rather than one of them
    silently winning.

    Parameters
    ----------
    table : DataFrame
        The totals (not mutated).
    segment_col : str, optional
        The column naming each row's segment when it is not called ``segment``.

    Returns
    -------
    (list of ArmStats, dict)
        The cells (segment None = all users) and the users per variant.
    """
    if segment_col is not None:
        require_columns(table, [segment_col])
        others = [c for c in table.columns if str(c).strip().lower() == "segment"]
        table = table.drop(columns=[c for c in others if c != segment_col])
        table = table.rename(columns={segment_col: "segment"})
    t = table.rename(columns={c: str(c).strip().lower() for c in table.columns})
    t = t.rename(columns={"users": "n", "visitors": "n", "sum_of_squares": "sum_squares"})
    if "variant" not in t.columns or "n" not in t.columns:
        raise DataError(
            tr(
                "Totals need a 'variant' column and an 'n' (users) column, plus "
                "'conversions' or 'sum' and 'sum_squares'."
            )
        )
    t = t[t["variant"].notna() & (t["variant"].astype("string").str.strip() != "")]
    has_conv = "conversions" in t.columns
    has_sums = "sum" in t.columns and "sum_squares" in t.columns
    if not (has_conv or has_sums):
        raise DataError(tr("Add a 'conversions' column, or 'sum' and 'sum_squares' columns."))
    metric = t["metric"].astype("string") if "metric" in t.columns else None
    segment = t["segment"].astype("string") if "segment" in t.columns else None
    n = numeric_values(t, "n")
    cells: list[ArmStats] = []
    for i in range(len(t)):
        variant = str(t["variant"].iloc[i]).strip()
        name = str(metric.iloc[i]) if metric is not None else "conversion"
        if not (math.isfinite(n[i]) and n[i] >= 0 and n[i] == int(n[i])):
            raise DataError(
                tr(
                    "Row {row} ({variant}): the number of users should be a whole number "
                    "of 0 or more; fill it in.",
                    row=i + 1,
                    variant=variant,
                )
            )
        if has_conv and not pd.isna(t["conversions"].iloc[i]):
            conv = float(pd.to_numeric(t["conversions"].iloc[i], errors="coerce"))
            if not (0 <= conv <= n[i]) or not n[i] >= 0 or not math.isfinite(conv):
                raise DataError(
                    tr(
                        "Row {row} ({variant}): conversions should be between 0 and the "
                        "number of users ({users}); correct the totals.",
                        row=i + 1,
                        variant=variant,
                        users=f"{n[i]:g}",
                    )
                )
            stat: Statistic = Proportion(int(n[i]), conv)
        elif has_sums:
            s = float(pd.to_numeric(t["sum"].iloc[i], errors="coerce"))
            ss = float(pd.to_numeric(t["sum_squares"].iloc[i], errors="coerce"))
            if not (math.isfinite(s) and math.isfinite(ss)) or n[i] < 0 or ss < 0:
                raise DataError(
                    tr(
                        "Row {row} ({variant}): 'n', 'sum' and 'sum_squares' should be numbers "
                        "(users, total of the metric, total of its squares).",
                        row=i + 1,
                        variant=variant,
                    )
                )
            stat = SampleMean(int(n[i]), s, ss)
        else:
            raise DataError(
                tr(
                    "Row {row} ({variant}) has no conversions; fill it in.",
                    row=i + 1,
                    variant=variant,
                )
            )
        seg = None if segment is None or pd.isna(segment.iloc[i]) else str(segment.iloc[i])
        cells.append(ArmStats(name, seg, variant, stat))
    if not cells:
        raise DataError(tr("The totals table is empty: add one row per variant."))
    _refuse_repeated_rows(cells, segment_col)
    # all-users rows for segmented aggregates: sum the segments' statistics
    if any(c.segment is not None for c in cells):
        cells = _add_overall(cells)
    first_metric = cells[0].metric
    users: dict[str, int] = {}
    for c in cells:
        if c.metric == first_metric and c.segment is None:
            users[c.variant] = users.get(c.variant, 0) + int(c.stat.n)
    return cells, users


def _refuse_repeated_rows(cells: list[ArmStats], segment_col: str | None) -> None:
    """Raise when two rows give totals for the same (metric, segment, variant)."""
    first: dict[tuple, int] = {}
    for i, c in enumerate(cells):
        key = (c.metric, c.segment, c.variant)
        if key not in first:
            first[key] = i
            continue
        fix = (
            tr("check the '{column}' column", column=segment_col)
            if segment_col
            else tr(
                "name the column that tells them apart as the segment column "
                "(--segment-col on the command line, or call it 'segment')"
            )
        )
        if c.segment is not None:
            raise DataError(
                tr(
                    "Rows {first} and {second} both give totals for variant {variant} in "
                    "segment {segment}; keep one row per variant, or {fix}.",
                    first=first[key] + 1,
                    second=i + 1,
                    variant=c.variant,
                    segment=c.segment,
                    fix=fix,
                )
            )
        raise DataError(
            tr(
                "Rows {first} and {second} both give totals for variant {variant}; keep one "
                "row per variant, or {fix}.",
                first=first[key] + 1,
                second=i + 1,
                variant=c.variant,
                fix=fix,
            )
        )


def _add_overall(cells: list[ArmStats]) -> list[ArmStats]:
    """Add all-users cells summed over the segments where none were typed in."""
    totals: dict[tuple[str, str], list[Statistic]] = {}
    for c in cells:
        if c.segment is not None:
            totals.setdefault((c.metric, c.variant), []).append(c.stat)
    out = [c for c in cells if c.segment is None]
    have = {(c.metric, c.variant) for c in out}
    for (metric, variant), stats_ in totals.items():
        if (metric, variant) in have:
            continue
        n = sum(s.n for s in stats_)
        if all(isinstance(s, Proportion) for s in stats_):
            out.append(ArmStats(metric, None, variant, Proportion(n, sum(s.sum for s in stats_))))
        else:
            out.append(
                ArmStats(
                    metric,
                    None,
                    variant,
                    SampleMean(n, sum(s.sum for s in stats_), sum(s.sum_squares for s in stats_)),
                )  # fmt: skip
            )
    return out + [c for c in cells if c.segment is not None]
