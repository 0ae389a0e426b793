"""What the user hands in: column checks and guesses, a saved run's segments, the split.

Shared by the per-user and the typed-in-totals paths: :func:`require_columns` and
:func:`numeric_values` turn a wrong column into a sentence, :func:`suggest_columns`
guesses each column's role for the page, :func:`join_segments` attaches a saved
segmentation, and :func:`parse_planned_split` reads "60/40" for the SRM check.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from core.errors import DataError
from core.i18n import fmt, tr

VARIANT_NAMES = ("variant", "group", "arm", "bucket", "treatment", "version", "组别", "版本")
SEGMENT_NAMES = ("segment", "persona", "cluster", "cohort", "分群", "人群")
ID_NAMES = ("user_id", "uid", "id", "user", "用户id")


def guess_user_column(frame: pd.DataFrame) -> str | None:
    """The column named like a user id (``user_id``, ``uid``, ``id``, ``user``, ``用户id``).

    Parameters
    ----------
    frame : DataFrame
        Experiment data.

    Returns
    -------
    str or None
        The first such column, or None when there is none.
    """
    return next((c for c in frame.columns if str(c).strip().lower() in ID_NAMES), None)


def require_columns(frame: pd.DataFrame, columns: Sequence[str | None]) -> None:
    """Raise ``DataError`` naming the first of ``columns`` (None skipped) not in ``frame``."""
    cols = [c for c in columns if c is not None]
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, list(frame.columns)[:20]))
        raise DataError(
            tr(
                "Column '{column}' is not in the data (columns found: {found}); "
                "pick one of those or rename the column.",
                column=missing[0],
                found=have,
            )
        )


def numeric_values(frame: pd.DataFrame, column: str) -> np.ndarray:
    """The column as floats (NaN where empty); ``DataError`` naming a row with text."""
    col = frame[column]
    if pd.api.types.is_bool_dtype(col):
        return col.to_numpy(dtype=float)
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = np.isnan(values) & col.notna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            tr(
                "Column '{column}' should hold numbers but row {row} has '{value}'; "
                "fix or remove the non-numeric values.",
                column=column,
                row=fmt.number(row + 2),
                value=str(col.iloc[row])[:40],
            )
        )
    return values


def is_binary(values: np.ndarray) -> bool:
    """True when every non-missing value is 0 or 1 (the metric is a rate)."""
    v = values[~np.isnan(values)]
    return v.size > 0 and bool(np.all((v == 0) | (v == 1)))


def is_aggregate_table(frame: pd.DataFrame) -> bool:
    """True when a table looks like typed-in totals rather than one row per user."""
    cols = {str(c).strip().lower() for c in frame.columns}
    return bool(
        "variant" in cols
        and ({"n", "users"} & cols)
        and ("conversions" in cols or {"sum", "sum_squares"} <= cols)
    )


def join_segments(
    data: pd.DataFrame,
    labels: pd.Series,
    *,
    user_col: str = "user_id",
    name: str = "segment",
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Return ``data`` with a ``name`` column holding each user's saved-run segment.

    Users missing from the run get "(not in run)"; ``names`` maps labels to persona names.
    """
    require_columns(data, [user_col])
    mapping = labels.copy()
    mapping.index = mapping.index.astype(str)
    if names:
        mapping = mapping.map(lambda s: names.get(s, s))
    out = data.copy()
    seg = out[user_col].astype(str).map(mapping)
    out[name] = seg.fillna(tr("(not in run)")).astype(str)
    return out


def suggest_columns(frame: pd.DataFrame) -> dict:
    """Guess the variant, metric, covariate and segment columns of an experiment table.

    Returns a dict with ``variant`` (str or None), ``metrics`` (list of numeric columns,
    0/1 first), ``numeric`` (every numeric column), ``covariate`` (a ``pre``-period column
    or None), ``segment`` (or None) and ``categorical`` (text columns with few values).
    """
    lower = {c: str(c).strip().lower() for c in frame.columns}
    head = frame.head(5000)
    numeric, categorical = [], []
    for c in frame.columns:
        if lower[c] in ID_NAMES:
            continue
        col = head[c]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            numeric.append(c)
        elif col.nunique(dropna=True) <= 50:
            categorical.append(c)
    variant = next((c for c in frame.columns if lower[c] in VARIANT_NAMES), None)
    if variant is None:
        variant = next((c for c in categorical if 2 <= head[c].nunique() <= 6), None)
    covariate = next((c for c in numeric if lower[c].startswith(("pre", "before"))), None)
    segment = next((c for c in frame.columns if lower[c] in SEGMENT_NAMES and c != variant), None)
    metrics = [c for c in numeric if c not in (covariate, variant)]
    binary = [c for c in metrics if is_binary(head[c].to_numpy(dtype=float, na_value=np.nan))]
    binary.sort(key=lambda c: not any(k in lower[c] for k in ("conver", "purchase", "order")))
    metrics = binary + [c for c in metrics if c not in binary]
    return {
        "variant": variant,
        "metrics": metrics,
        "numeric": numeric,
        "covariate": covariate,
        "segment": segment,
        "categorical": [c for c in categorical if c != variant],
    }


def parse_planned_split(text: str | None, variants: Sequence[str]) -> dict[str, float] | None:
    """Read a planned split such as "50/50", "60/40", "34/33/33" or "A=60, B=40".

    Shares in the slash form follow the order of ``variants`` (control first). Returns
    None for an empty text (equal split).
    """
    text = (text or "").strip()
    if not text:
        return None
    try:
        if "=" in text:
            pairs = [p.split("=", 1) for p in text.replace(";", ",").split(",") if p.strip()]
            split = {k.strip(): float(v) for k, v in pairs}
        else:
            shares = [float(p) for p in text.replace(":", "/").split("/") if p.strip()]
            if len(shares) != len(variants):
                raise ValueError
            split = dict(zip(variants, shares, strict=True))
    except ValueError:
        raise DataError(
            tr(
                "Planned split '{split}' should list one share per variant, e.g. 50/50 or "
                "{example} for {variants}.",
                split=text,
                example="=50, ".join(variants[:2]) + "=50",
                variants=", ".join(variants),
            )
        ) from None
    unknown = [k for k in split if k not in variants]
    positive = all(math.isfinite(v) and v > 0 for v in split.values())
    if unknown or not positive or set(split) != set(variants):
        raise DataError(
            tr(
                "Planned split '{split}' should give a positive share to each of "
                "{variants} and name no other group.",
                split=text,
                variants=", ".join(variants),
            )
        )
    return split
