"""Campaign cost tables (for ROI): read and validated once, with a sentence per problem."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from core.errors import DataError
from core.i18n import tr


def read_campaign_costs(source) -> pd.DataFrame:
    """Read and validate a campaign-cost table (CSV path, bytes or DataFrame).

    Parameters
    ----------
    source : str, Path, bytes or DataFrame
        Columns ``campaign``, ``cost`` and optionally ``platform``, ``period_start``,
        ``period_end`` (dates). A missing platform means all platforms; missing dates
        mean the whole data range.

    Returns
    -------
    DataFrame
        ``campaign`` (str), ``platform`` (str or None, lower-case), ``period_start``,
        ``period_end`` (datetime64 or NaT), ``cost`` (float).
    """
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
    else:
        data = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
        try:
            frame = pd.read_csv(data, dtype=str, encoding="utf-8-sig")
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise DataError(
                tr(
                    "The campaign cost file could not be read: save it as a UTF-8 CSV with "
                    "columns campaign, platform, period_start, period_end, cost."
                )
            ) from exc
    return validate_costs(frame)


def validate_costs(frame: pd.DataFrame) -> pd.DataFrame:
    """Normalise a cost table; raise DataError naming the bad column or row.

    Parameters
    ----------
    frame : DataFrame
        A cost table with at least ``campaign`` and ``cost`` (any case); not mutated.

    Returns
    -------
    DataFrame
        As :func:`read_campaign_costs` returns it.
    """
    cols = {str(c).strip().lower(): c for c in frame.columns}
    for need in ("campaign", "cost"):
        if need not in cols:
            raise DataError(
                tr(
                    "The campaign cost table has no '{column}' column: add it (columns: "
                    "campaign, platform, period_start, period_end, cost).",
                    column=need,
                )
            )
    out = pd.DataFrame({"campaign": frame[cols["campaign"]].astype(str).str.strip()})
    out["platform"] = (
        frame[cols["platform"]].astype("string").str.strip().str.lower()
        if "platform" in cols
        else pd.Series(pd.NA, index=frame.index, dtype="string")
    )
    out["platform"] = (
        out["platform"].replace("", pd.NA).astype(object).where(out["platform"].notna(), None)
    )
    for col in ("period_start", "period_end"):
        if col in cols:
            values = pd.to_datetime(frame[cols[col]], errors="coerce")
            bad = (
                values.isna()
                & frame[cols[col]].notna()
                & (frame[cols[col]].astype(str).str.strip() != "")
            )
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
                raise DataError(
                    tr(
                        "Campaign cost row {row}: '{column}' is not a date; write it as "
                        "YYYY-MM-DD.",
                        row=row,
                        column=col,
                    )
                )
            out[col] = values.dt.normalize()
        else:
            out[col] = pd.NaT
    cost = pd.to_numeric(frame[cols["cost"]], errors="coerce")
    bad = cost.isna() | (cost < 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise DataError(
            tr("Campaign cost row {row}: 'cost' must be a number of 0 or more.", row=row)
        )
    out["cost"] = cost.astype("float64")
    return out.reset_index(drop=True)
