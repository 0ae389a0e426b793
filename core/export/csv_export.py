"""Spreadsheet-safe CSV: the one CSV writer of the app and the CLI.

``safe_csv`` is the one CSV writer for anything a user downloads (segment members,
tables): it neutralises spreadsheet formula injection (OWASP "CSV Injection"): a text
cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed
with a single quote so Excel, LibreOffice and Google Sheets show it as text instead of
running it. Numbers are left alone (a negative amount stays a number).
"""

from __future__ import annotations

import pandas as pd

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """Return ``value`` with a leading quote when it is text that a spreadsheet would run.

    Examples
    --------
    >>> neutralise_cell("=HYPERLINK(1)")
    "'=HYPERLINK(1)"
    >>> neutralise_cell(-3.5)
    -3.5
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` with every text cell and column name neutralised (see module doc)."""
    out = df.copy()
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out[col] = s.map(neutralise_cell, na_action="ignore")
        elif isinstance(s.dtype, pd.CategoricalDtype):
            out[col] = s.astype(object).map(neutralise_cell, na_action="ignore")
    if out.index.name is not None or not isinstance(out.index, pd.RangeIndex):
        out.index = out.index.map(neutralise_cell)
    return out


def safe_csv(df: pd.DataFrame, *, index: bool = False, bom: bool = True) -> bytes:
    """CSV bytes of ``df`` that are safe to open in a spreadsheet.

    Parameters
    ----------
    df : DataFrame
        Any table; it is not modified.
    index : bool
        Write the index as the first column (its name as header).
    bom : bool
        Start with a UTF-8 byte-order mark (so Excel shows Chinese correctly); off for
        files an upload form reads by their header (ad platforms' customer lists).

    Returns
    -------
    bytes
        UTF-8 (with a byte-order mark unless ``bom=False``), comma-separated,
        every text cell and header starting with ``= + - @``, tab or CR prefixed with ``'``.
    """
    # RFC 4180 line ends: the csv writer then quotes any cell holding a CR or LF, so a
    # stray carriage return inside a comment cannot split a row in a spreadsheet.
    text = safe_frame(df).to_csv(index=index, lineterminator="\r\n")
    return text.encode("utf-8-sig" if bom else "utf-8")
