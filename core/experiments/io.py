"""Read an experiment table (file path or uploaded bytes) into a DataFrame."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from core.common.sql import quote_identifier
from core.data import DbTable, load_source
from core.errors import DataError
from core.i18n import fmt, tr

_MAX_ROWS = 20_000_000


def read_experiment_table(
    source: str | Path | bytes | DbTable, name: str | None = None
) -> pd.DataFrame:
    """Load an experiment file (csv, tsv, xlsx, parquet, jsonl) or table into a DataFrame.

    Parameters
    ----------
    source : path, bytes or core.data.sources.DbTable
        A file path, the bytes of an uploaded file, or a table of a database.
    name : str, optional
        The file's name (for its extension and for messages) when ``source`` is bytes.

    Returns
    -------
    DataFrame
        Every column whose values are all numbers as float, the others as text.

    Raises
    ------
    DataError
        A missing file, an unreadable table, no rows, or more than 20 million rows.

    Notes
    -----
    Read by the same loader as the events (``core.data.sources.load_source``: encoding
    sniffing, GB18030, byte-order marks, spreadsheets), into a throwaway DuckDB table.
    """
    if isinstance(source, DbTable):
        label = name or tr("table '{name}'", name=source.name)
    else:
        label = name or (str(source) if not isinstance(source, bytes) else tr("the uploaded file"))
    if isinstance(source, (str, Path)) and not Path(source).exists():
        raise DataError(tr("File {file} was not found; check the path and try again.", file=label))
    con = duckdb.connect()
    try:
        loaded = load_source(source, label, con, table="experiment")
        frame = _typed_frame(con, "experiment", loaded.columns)
    finally:
        con.close()
    if len(frame) == 0:
        raise DataError(
            tr("{file} has no rows: it should hold one row per user or per variant.", file=label)
        )
    if len(frame) > _MAX_ROWS:
        raise DataError(
            tr(
                "{file} has more than {rows} rows; aggregate it per variant first.",
                file=label,
                rows=fmt.number(_MAX_ROWS),
            )
        )
    return frame


def _typed_frame(con, table: str, columns) -> pd.DataFrame:
    """All-VARCHAR landed table -> DataFrame with numeric columns as DOUBLE (typed in SQL)."""
    checks = ", ".join(
        f"count({quote_identifier(c)}) = count(TRY_CAST({quote_identifier(c)} AS DOUBLE))"
        for c in columns
    )
    numeric = con.execute(f"SELECT {checks} FROM {quote_identifier(table)}").fetchone()
    select = ", ".join(
        f"TRY_CAST({quote_identifier(c)} AS DOUBLE) AS {quote_identifier(c)}"
        if is_num
        else quote_identifier(c)
        for c, is_num in zip(columns, numeric, strict=True)
    )
    return con.execute(f"SELECT {select} FROM {quote_identifier(table)}").df()
