"""Landing an input: pick the reader by extension and land the source in DuckDB.

Every reader lands the source in a DuckDB table whose columns are all ``VARCHAR``
(parsing and typing happen afterwards, in SQL, in ``core.data.canonical``): CSV/TSV in
``core.data.text_reader``, ``.xlsx`` in ``core.data.xlsx_reader``, Parquet and JSON lines
here through DuckDB's own readers, database tables in ``core.data.database``. For ingest,
CSV, TSV and Parquet files are not landed: the same checks run, and the source becomes a
view over DuckDB's reader that ingest reads twice (``stream_dir``).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from core import config
from core.common.sql import quote_identifier, quote_literal
from core.data.database import DbTable, read_db_table
from core.data.landed import LoadedSource
from core.data.limits import CHUNK_BYTES, LIMITS, ReadLimits, _check_columns, _check_size
from core.data.text_reader import _read_text
from core.data.xlsx_reader import _read_xlsx
from core.errors import DataError
from core.i18n import fmt as i18n_fmt
from core.i18n import tr

FORMATS = ("csv", "tsv", "xlsx", "parquet", "jsonl")
_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


def source_name(source: Any, default: str = "input") -> str:
    """A short display name for a path, an uploaded file, a DbTable or raw bytes."""
    if isinstance(source, (str, Path)):
        return Path(source).name
    name = getattr(source, "name", None)
    return Path(str(name)).name if name else default


def detect_format(name: str) -> str:
    """Return the format for a file name from its extension.

    Raises
    ------
    DataError
        If the extension is not one PersonaLab reads.
    """
    ext = Path(name).suffix.lower()
    if ext == ".gz":
        ext = Path(Path(name).stem).suffix.lower()
    fmt = _EXTENSIONS.get(ext)
    if fmt is None:
        raise DataError(
            tr(
                "{file}: PersonaLab reads .csv, .tsv, .xlsx, .parquet and .jsonl files; save "
                "the data in one of these formats and load it again.",
                file=name,
            )
        )
    return fmt


def _materialise(source: Any, name: str, tmpdir: Path) -> Path:
    """Return a local path for ``source``; bytes and uploaded files are copied to ``tmpdir``."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise DataError(tr("{file}: file not found. Check the path and try again.", file=name))
        if path.is_dir():
            raise DataError(
                tr("{file} is a folder, not a file. Pick the data file inside it.", file=name)
            )
        return path
    target = tmpdir / f"upload{Path(name).suffix.lower() or '.bin'}"
    if isinstance(source, (bytes, bytearray, memoryview)):
        target.write_bytes(bytes(source))
    elif hasattr(source, "getvalue"):
        target.write_bytes(source.getvalue())
    elif hasattr(source, "read"):
        with open(target, "wb") as out:
            shutil.copyfileobj(source, out, CHUNK_BYTES)
    else:
        raise DataError(
            tr("{file}: this input cannot be read; pass a file path or an upload.", file=name)
        )
    return target


def _check_parquet(path: Path, name: str, limits: ReadLimits, con) -> None:
    """Refuse a Parquet file whose footer declares more data than PersonaLab unpacks.

    DuckDB reads the footer (its leaf columns, and each row group's uncompressed size as
    the file declares it, the figure pyarrow's ``total_byte_size`` gives): importing
    pyarrow for it cost 0.11-0.18 s of every Parquet load.
    """
    try:
        columns = con.execute(
            "SELECT count(*) FROM parquet_schema($path) WHERE coalesce(num_children, 0) = 0",
            {"path": str(path)},
        ).fetchall()[0][0]
        _check_columns(columns, name, limits)
        unpacked = con.execute(
            "SELECT coalesce(sum(b), 0) FROM (SELECT any_value(row_group_bytes) AS b "
            "FROM parquet_metadata($path) GROUP BY row_group_id)",
            {"path": str(path)},
        ).fetchall()[0][0]
    except duckdb.Error:
        raise DataError(
            tr(
                "{file} could not be read as Parquet. Check the file is complete and in that "
                "format, then load it again.",
                file=name,
            )
        ) from None
    if unpacked > limits.max_parquet_unpacked_bytes:
        raise DataError(
            tr(
                "{file} unpacks to {size} GB, more than the {limit} GB PersonaLab reads from "
                "one file; split it or load it from your database with --db.",
                file=name,
                size=i18n_fmt.number(unpacked / 1024**3, 1),
                limit=i18n_fmt.number(limits.max_parquet_unpacked_bytes / 1024**3),
            )
        )


def _read_duckdb_native(
    path: Path,
    name: str,
    fmt: str,
    con,
    table: str,
    limits: ReadLimits = LIMITS,
    max_rows: int | None = None,
    stream: bool = False,
) -> LoadedSource:
    """Land a Parquet or JSON-lines file as text columns; with ``stream`` (Parquet), define
    ``table`` as a view over the reader instead, read later (``core.data.first_read``)."""
    reader = (
        "read_parquet($path)"
        if fmt == "parquet"
        else "read_json($path, format='auto', sample_size=-1)"
    )
    what = "Parquet" if fmt == "parquet" else tr("JSON lines (one object per line)")

    def read_error(exc: duckdb.Error | None = None) -> DataError:
        return DataError(
            tr(
                "{file} could not be read as {what}. Check the file is complete and in that "
                "format, then load it again.",
                file=name,
                what=what,
            )
        )

    if fmt == "parquet":
        _check_parquet(path, name, limits, con)
    stream = stream and fmt == "parquet"
    try:
        rel = con.sql(f"SELECT * FROM {reader} LIMIT 0", params={"path": str(path)})
        columns = rel.columns
        _check_columns(len(columns), name, limits)
        casts = ", ".join(
            f"CAST({quote_identifier(c)} AS VARCHAR) AS {quote_identifier(c)}" for c in columns
        )
        if stream:  # views take no parameters: the path is a literal
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {quote_identifier(table)} AS SELECT {casts} "
                f"FROM read_parquet({quote_literal(path)})"
            )
        else:
            con.execute(
                f"CREATE OR REPLACE TABLE {quote_identifier(table)} AS SELECT {casts} FROM {reader}"
                + (f" LIMIT {int(max_rows)}" if max_rows is not None else ""),
                {"path": str(path)},
            )
    except duckdb.Error:
        raise read_error() from None
    if stream:
        rows = con.execute("SELECT count(*) FROM " + quote_identifier(table)).fetchall()[0][0]
        return LoadedSource(
            con,
            table,
            name,
            fmt,
            tuple(columns),
            streamed=True,
            read_error=read_error,
            rows_hint=int(rows),  # from the footer: nothing is read
        )
    return LoadedSource(con, table, name, fmt, tuple(columns))


def load_source(
    source: Any,
    name: str | None,
    con: duckdb.DuckDBPyConnection,
    *,
    table: str = "src",
    limit_bytes: int | None = None,
    limits: ReadLimits = LIMITS,
    max_rows: int | None = None,
    stream_dir: Path | None = None,
) -> LoadedSource:
    """Land a file in DuckDB table ``table`` with every column as VARCHAR.

    Parameters
    ----------
    source : str, Path, bytes, file-like (e.g. a Streamlit upload) or DbTable
        The input. Bytes and file-likes need ``name`` (or a ``.name``) for the format.
    name : str or None
        Display name used in messages and to detect the format from its extension.
    con : duckdb.DuckDBPyConnection
        Where the table is created.
    table : str
        Name of the table to create (replaced if it exists).
    limit_bytes : int, optional
        Size limit; default :func:`core.config.max_upload_bytes`.
    limits : ReadLimits
        Columns, rows, cell length and unpacked size a file may have (checked before or
        while reading, never after loading everything).
    max_rows : int, optional
        Read only the first rows of a workbook, Parquet or JSON file (a preview); the
        whole-file checks (size, columns, the workbook scan) still run.
    stream_dir : Path, optional
        For ingest: a CSV, TSV or Parquet file is not landed but defined as a view over
        DuckDB's reader (a ``streamed`` source, read by ``core.data.first_read``); an upload
        or a transcoded copy is written into this folder, which the caller removes when
        done. Other formats are landed as usual.

    Returns
    -------
    LoadedSource
        Table name, columns, detected encoding and delimiter, and warnings (skipped lines,
        formula cells kept as text).

    Raises
    ------
    DataError
        Empty, too large, too wide, binary, headerless, unreadable or unsupported files,
        and workbooks that unpack too big or hold too many rows or too long a cell.
    """
    if isinstance(source, DbTable):
        return read_db_table(source.url, source.table, con=con, dest_table=table)
    name = name or source_name(source)
    fmt = detect_format(name)
    limit = limit_bytes or config.max_upload_bytes()
    stream = stream_dir is not None and fmt in ("csv", "tsv", "parquet")
    if stream:
        stream_dir.mkdir(parents=True, exist_ok=True)
    tmpdir = stream_dir if stream else Path(tempfile.mkdtemp(prefix="personalab-src-"))
    try:
        path = _materialise(source, name, tmpdir)
        _check_size(path, name, limit)
        if fmt in ("csv", "tsv"):
            return _read_text(path, name, fmt, con, table, tmpdir, limits, stream=stream)
        if fmt == "xlsx":
            return _read_xlsx(path, name, con, table, limits, max_rows)
        return _read_duckdb_native(path, name, fmt, con, table, limits, max_rows, stream=stream)
    finally:
        if not stream:
            shutil.rmtree(tmpdir, ignore_errors=True)


def read_source(
    source: Any, name: str | None, con: duckdb.DuckDBPyConnection, *, table: str = "src"
) -> duckdb.DuckDBPyRelation:
    """Load a file into DuckDB and return it as a relation (all columns VARCHAR).

    Parameters
    ----------
    source : str, Path, bytes or file-like
        The input file.
    name : str or None
        Display name (its extension decides the format).
    con : duckdb.DuckDBPyConnection
        Connection that receives table ``table``.
    table : str
        Table name to create.

    Returns
    -------
    duckdb.DuckDBPyRelation
        The landed table. Use :func:`load_source` for its warnings and encoding.
    """
    return load_source(source, name, con, table=table).relation
