"""Read an experiment table (file path or uploaded bytes) into a DataFrame."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from core.data import DbTable
from core.errors import DataError

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

    Uses ``core.data.sources.read_source`` (encoding sniffing, GB18030, BOM, ...) when it is
    available; falls back to pandas readers otherwise.
    """
    if isinstance(source, DbTable):
        label = name or f"table '{source.name}'"
    else:
        label = name or (str(source) if not isinstance(source, bytes) else "the uploaded file")
    if isinstance(source, (str, Path)) and not Path(source).exists():
        raise DataError(f"File {label} was not found; check the path and try again.")
    try:
        from core.data import load_source
    except ImportError:  # pragma: no cover - core.data.sources ships with the app
        load_source = None
    if load_source is not None:
        import duckdb

        con = duckdb.connect()
        try:
            loaded = load_source(source, label, con, table="experiment")
            frame = _typed_frame(con, "experiment", loaded.columns)
        finally:
            con.close()
    else:
        frame = _read_with_pandas(source, label)
    if len(frame) == 0:
        raise DataError(f"{label} has no rows: it should hold one row per user or per variant.")
    if len(frame) > _MAX_ROWS:
        raise DataError(
            f"{label} has more than {_MAX_ROWS:,} rows; aggregate it per variant first."
        )
    return frame


def _typed_frame(con, table: str, columns) -> pd.DataFrame:
    """All-VARCHAR landed table -> DataFrame with numeric columns as DOUBLE (typed in SQL)."""
    from core.common.sql import quote_identifier

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


def _read_with_pandas(source: str | Path | bytes, label: str) -> pd.DataFrame:
    suffix = Path(label).suffix.lower()
    buf = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        if suffix in (".xlsx", ".xls"):
            return pd.read_excel(buf)
        if suffix == ".parquet":
            return pd.read_parquet(buf)
        if suffix in (".jsonl", ".ndjson"):
            return pd.read_json(buf, lines=True)
        sep = "\t" if suffix == ".tsv" else ","
        raw = source if isinstance(source, bytes) else Path(source).read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                return pd.read_csv(io.BytesIO(raw), sep=sep, encoding=enc)
            except UnicodeDecodeError:
                continue
    except (ValueError, OSError) as exc:
        raise DataError(
            f"{label} could not be read as a table ({exc}); save it as CSV and retry."
        ) from exc
    raise DataError(f"{label} is not UTF-8 or GB18030 text; save it as UTF-8 CSV and retry.")
