"""Readers: CSV/TSV (encoding and delimiter sniffing), xlsx, Parquet, JSON lines, DB tables.

Every reader lands the source in a DuckDB table whose columns are all ``VARCHAR``
(parsing and typing happen afterwards, in SQL, in :mod:`core.data.ingest`). Large text files
are never parsed row by row in Python: UTF-8 files go straight to DuckDB's ``read_csv``;
other encodings (GB18030/GBK, Big5, ...) are transcoded to a temporary UTF-8 file in
byte chunks first. Only ``.xlsx`` is read through openpyxl (streaming, read-only), because
DuckDB has no reader for it that keeps formulas unevaluated.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import re
import shutil
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from core import config
from core.common.sql import quote_identifier
from core.errors import DataError

#: Default upper limit of one input file; override with PERSONALAB_MAX_UPLOAD_MB.
DEFAULT_MAX_BYTES = 500 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class ReadLimits:
    """What one input file may hold; every reader checks these before or while reading.

    A small file can unpack to far more than its size (an ``.xlsx`` is a zip archive:
    2 MB can hold one 2 GB cell), so the byte size alone bounds nothing. The defaults
    are Excel's own limits where Excel has one (a cell holds at most 32,767 characters,
    a sheet at most 1,048,576 rows), so no file Excel can save is refused by them.
    Text files are bounded by their byte size (``max_bytes``) and DuckDB's 2 MB line
    limit; Parquet by its declared uncompressed size; every format by ``max_columns``.

    Attributes
    ----------
    max_columns : int
        Columns of one table (the column mapping form shows one row per column).
    max_cell_chars : int
        Characters in one spreadsheet cell.
    max_sheet_rows : int
        Rows of one worksheet.
    max_xlsx_unpacked_bytes : int
        Total unpacked size of the parts of one workbook.
    max_compression_ratio : float
        Unpacked / packed size of one part of a workbook above 20 MB unpacked; office
        files pack 5 to 20 times, zip bombs thousands of times.
    max_parquet_unpacked_bytes : int
        Uncompressed data size of one Parquet file.
    """

    max_columns: int = 500
    max_cell_chars: int = 32_767
    max_sheet_rows: int = 1_048_576
    max_xlsx_unpacked_bytes: int = 1024**3
    max_compression_ratio: float = 100.0
    max_parquet_unpacked_bytes: int = 4 * 1024**3


LIMITS = ReadLimits()
SAMPLE_BYTES = 256 * 1024
CHUNK_BYTES = 4 * 1024 * 1024
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
_DELIMITERS = (",", "\t", ";", "|")
_DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "vertical bar"}
# Encodings charset-normalizer may report for Chinese text; GB18030 is their superset.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}


@dataclasses.dataclass(frozen=True)
class DbTable:
    """A table in a user's database: a SQLAlchemy URL plus a table name."""

    url: str
    table: str

    @property
    def name(self) -> str:
        """The name shown in messages: the table name (never the URL, which may hold a password)."""
        return self.table


@dataclasses.dataclass(frozen=True)
class LoadedSource:
    """A source landed in DuckDB: table ``table`` in ``con``, every column VARCHAR.

    ``skipped`` counts the lines the reader could not turn into a row, by reason.
    """

    con: duckdb.DuckDBPyConnection
    table: str
    name: str
    fmt: str
    columns: tuple[str, ...]
    encoding: str | None = None
    delimiter: str | None = None
    warnings: tuple[str, ...] = ()
    formula_cells: dict = dataclasses.field(default_factory=dict)
    skipped: dict = dataclasses.field(default_factory=dict)

    @property
    def relation(self) -> duckdb.DuckDBPyRelation:
        """The landed table as a DuckDB relation."""
        return self.con.table(self.table)


def max_bytes() -> int:
    """The size limit for one input file in bytes (PERSONALAB_MAX_UPLOAD_MB, default 500)."""
    return config.max_upload_bytes()


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
            f"{name}: PersonaLab reads .csv, .tsv, .xlsx, .parquet and .jsonl files; "
            "save the data in one of these formats and load it again."
        )
    return fmt


def _materialise(source: Any, name: str, tmpdir: Path) -> Path:
    """Return a local path for ``source``; bytes and uploaded files are copied to ``tmpdir``."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise DataError(f"{name}: file not found. Check the path and try again.")
        if path.is_dir():
            raise DataError(f"{name} is a folder, not a file. Pick the data file inside it.")
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
        raise DataError(f"{name}: this input cannot be read; pass a file path or an upload.")
    return target


def _check_size(path: Path, name: str, limit: int) -> None:
    size = path.stat().st_size
    if size == 0:
        raise DataError(f"{name} is empty. Export the data again and upload the full file.")
    if size > limit:
        raise DataError(
            f"{name} is {size / 1024**2:,.0f} MB, above the {limit / 1024**2:,.0f} MB limit; "
            "split it, save it as Parquet, or load it from your database with --db."
        )


def _check_columns(n_columns: int, name: str, limits: ReadLimits) -> None:
    """Refuse a table wider than ``limits.max_columns``, naming both numbers."""
    if n_columns > limits.max_columns:
        raise DataError(
            f"{name} has {n_columns:,} columns; PersonaLab reads at most "
            f"{limits.max_columns:,}. Keep the columns you need (user, time, event type and "
            "the attributes to analyse), save the file and load it again."
        )


def _looks_binary(sample: bytes) -> bool:
    """True when a byte sample is not text: NUL bytes or many control characters."""
    if not sample:
        return False
    if sample[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 BOM: text, handled by transcoding
        return False
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 13, 12, 27))
    return control / len(sample) > 0.05


_MAGIC = {
    b"PK\x03\x04": "an Excel or zip file",
    b"PAR1": "a Parquet file",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\xd0\xcf\x11\xe0": "an old-style Excel (.xls) or Word file",
}


def detect_encoding(sample: bytes) -> str:
    """Return the Python codec name for a text sample: utf-8, utf-8-sig, gb18030, ...

    UTF-8 is tried first (strictly, allowing a character cut at the sample's end);
    otherwise charset-normalizer decides, and any Chinese GB encoding is widened to
    GB18030, the superset of GB2312 and GBK.
    """
    if sample.startswith(codecs.BOM_UTF8):
        rest = sample[len(codecs.BOM_UTF8) :]
        if _decode(rest, "utf-8") is not None:
            return "utf-8-sig"
        # A UTF-8 mark followed by other bytes (a GBK file saved by a tool that adds the
        # mark): the bytes decide, and the transcoder skips the mark.
        other = detect_encoding(rest)
        return other if other != "utf-8" else "utf-8-sig"
    if sample[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # Chinese exports first: GB18030 (simplified, mainland) or Big5 (traditional). A
    # strict decode plus "is the text in the common GB2312 set" tells them apart far more
    # reliably than statistical detection on a short sample, which confuses GBK, Big5
    # and Korean.
    gb = _decode(sample, "gb18030")
    if gb is not None and _share_in(gb, "gb2312") >= 0.9:
        return "gb18030"
    big5 = _decode(sample, "big5")
    if big5 is not None and _share_in(big5, "big5") >= 0.9:
        return "big5"
    if gb is not None:
        return "gb18030"
    latin = _decode(sample, "cp1252")  # Western Excel exports: accented Latin letters only
    if latin is not None and all(
        "LATIN" in unicodedata.name(ch, "") or not ch.isalpha() for ch in latin if ord(ch) > 127
    ):
        return "cp1252"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        return "latin-1"
    enc = best.encoding.lower().replace("-", "").replace("_", "")
    return "gb18030" if enc in _GB_FAMILY else best.encoding


def _decode(sample: bytes, encoding: str) -> str | None:
    """Strict incremental decode (a character cut at the sample's end is fine), or None."""
    try:
        return codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        return None


def _share_in(text: str, charset: str) -> float:
    """Share of the non-ASCII characters of ``text`` that exist in ``charset``."""
    wide = [ch for ch in text if ord(ch) > 127]
    if not wide:
        return 0.0
    ok = 0
    for ch in wide:
        try:
            ch.encode(charset)
            ok += 1
        except UnicodeEncodeError:
            pass
    return ok / len(wide)


def _transcode(path: Path, encoding: str, tmpdir: Path, name: str) -> Path:
    """Copy ``path`` to a UTF-8 temp file in byte chunks (an incremental decoder, no row parsing)."""
    target = tmpdir / "transcoded.csv"
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with open(path, "rb") as src, open(target, "w", encoding="utf-8", newline="") as out:
            if encoding not in ("utf-16", "utf-8-sig") and src.read(3) != codecs.BOM_UTF8:
                src.seek(0)  # a UTF-8 mark before non-UTF-8 text is not part of the text
            while chunk := src.read(CHUNK_BYTES):
                out.write(decoder.decode(chunk))
            out.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{name}: the text is not consistently in one encoding (read as {encoding}, "
            f"failed near byte {exc.start:,}). Save it again as UTF-8 CSV and re-upload."
        ) from None
    return target


def sniff_delimiter(text: str, fmt: str) -> str:
    """Pick the delimiter from the first lines: tab for .tsv, else csv.Sniffer, else counting."""
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if not lines:
        return "\t" if fmt == "tsv" else ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters="".join(_DELIMITERS)).delimiter
    except csv.Error:
        pass
    counts = {d: lines[0].count(d) for d in _DELIMITERS}
    best = max(counts, key=counts.get)
    if counts[best] == 0:
        return "\t" if fmt == "tsv" else ","
    return best


_DATA_LIKE = re.compile(
    r"^\s*([-+]?\d+([.,]\d+)?|\d{4}[-/年.]\d{1,2}[-/月.]\d{1,2}.*|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}.*)\s*$"
)


def _check_header(columns: list[str], name: str) -> None:
    """Raise when the first row looks like data (numbers, dates) rather than column names."""
    if not columns:
        raise DataError(f"{name} has no columns. Export the data again with a header row.")
    from core.data.schema import COLUMN_SYNONYMS, normalise_key

    data_like = [c for c in columns if _DATA_LIKE.match(str(c)) or not str(c).strip()]
    known = [c for c in columns if any(normalise_key(c) in syn for syn in COLUMN_SYNONYMS.values())]
    # Half the cells look like numbers or dates, or one does and no cell is a known name.
    if len(data_like) * 2 >= len(columns) or (data_like and not known):
        raise DataError(
            f"{name}: the first row ({', '.join(map(str, columns[:5]))}) looks like data, "
            "not column names. Add a header row (for example user_id,timestamp,event_type) "
            "and load the file again."
        )


def _read_text(
    path: Path, name: str, fmt: str, con, table: str, tmpdir: Path, limits: ReadLimits = LIMITS
) -> LoadedSource:
    with open(path, "rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    for magic, what in _MAGIC.items():
        if sample.startswith(magic):
            raise DataError(
                f"{name} is {what}, not a text table. Save it as CSV (or use the matching "
                "file extension) and load it again."
            )
    if _looks_binary(sample):
        raise DataError(
            f"{name} looks like a binary file, not a text table. Export it as CSV (UTF-8) "
            "and load it again."
        )
    encoding = detect_encoding(sample)
    text = sample.decode(encoding, errors="ignore")
    if not text.strip().strip("\ufeff"):
        raise DataError(f"{name} is empty. Export the data again and upload the full file.")
    csv_path = path
    if encoding not in ("utf-8", "utf-8-sig"):
        csv_path = _transcode(path, encoding, tmpdir, name)
    delimiter = sniff_delimiter(text.lstrip("\ufeff"), fmt)
    first_line = text.lstrip("\ufeff").splitlines()[0]
    header = next(csv.reader([first_line], delimiter=delimiter))
    _check_columns(len(header), name, limits)
    _check_header([h.strip() for h in header], name)
    rejects = f"{table}_rejects"
    try:
        con.execute(
            f"CREATE OR REPLACE TABLE {quote_identifier(table)} AS SELECT * FROM read_csv($path, "
            "delim=$delim, quote='\"', escape='\"', header=true, all_varchar=true, "
            "auto_detect=true, store_rejects=true, ignore_errors=true, "
            f"rejects_table='{rejects}', rejects_scan='{rejects}_scan')",
            {"path": str(csv_path), "delim": delimiter},
        )
    except duckdb.Error as exc:
        if "maximum line size" in str(exc).lower():
            raise DataError(
                f"{name} has a line longer than 2 MB, far more than one event needs; check "
                "for a cell holding a whole document or a missing closing quote, fix it and "
                "load the file again."
            ) from None
        raise DataError(
            f"{name} could not be read as a {_DELIMITER_NAMES.get(delimiter, delimiter)}-"
            f"separated table ({str(exc).splitlines()[0][:120]}). Check that it is a CSV "
            "export and try again."
        ) from None
    skipped = _skipped_lines(con, rejects)
    warnings = [
        f"{name}: {n:,} line(s) skipped: {reason}" + _SKIP_ADVICE.get(reason, ".")
        for reason, n in skipped.items()
    ]
    columns = tuple(c for c in con.table(table).columns)
    if len(columns) == 1:
        only = columns[0]
        hint = [d for d in _DELIMITERS if d != delimiter and d in only]
        if hint:
            raise DataError(
                f"{name}: all the data landed in one column '{only[:60]}'; the file seems "
                f"to use the {_DELIMITER_NAMES[hint[0]]} as separator. Save it as a "
                "comma-separated CSV and load it again."
            )
    return LoadedSource(
        con, table, name, fmt, columns, encoding, delimiter, tuple(warnings), skipped=skipped
    )


# DuckDB's reject error types -> the reason a person reads (and the report counts).
_SKIP_REASONS = {
    "INVALID ENCODING": "bytes not in the file's text encoding",
    "TOO MANY COLUMNS": "more fields than the header",
    "MISSING COLUMNS": "fewer fields than the header",
    "UNQUOTED VALUE": "a quote in the middle of a value",
}
_SKIP_ADVICE = {
    "bytes not in the file's text encoding": (
        "; the file mixes encodings. Save it again as UTF-8 CSV and load it again."
    ),
}


def _skipped_lines(con, rejects: str) -> dict[str, int]:
    """Lines the CSV reader skipped, counted by reason (one reason per line)."""
    rows = con.execute(
        f"SELECT error_type, count(*) FROM (SELECT line, min(error_type) AS error_type "
        f"FROM {rejects} GROUP BY line) GROUP BY 1 ORDER BY 2 DESC, 1"
    ).fetchall()
    out: dict[str, int] = {}
    for error_type, n in rows:
        reason = _SKIP_REASONS.get(str(error_type), "line could not be read")
        out[reason] = out.get(reason, 0) + int(n)
    return out


def _cell_text(value: Any) -> str | None:
    """An xlsx cell as text: dates in ISO form, whole floats without '.0', None stays None."""
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_XLSX_UNREADABLE = (
    "{name} could not be opened as an Excel .xlsx workbook. Open it in Excel, save it "
    "again as .xlsx (or CSV) and load it again."
)
# A worksheet row element (<row ...> or a prefixed <x:row ...>).
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")


def _check_xlsx_archive(path: Path, name: str, limits: ReadLimits) -> None:
    """Refuse a workbook that unpacks too big, packs like a zip bomb, or holds too many rows
    or a cell longer than Excel allows — from the zip directory and one streaming pass
    over the XML (1 MB at a time), before openpyxl builds anything in memory.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise DataError(_XLSX_UNREADABLE.format(name=name)) from None
    with archive:
        parts = archive.infolist()
        unpacked = sum(p.file_size for p in parts)
        if unpacked > limits.max_xlsx_unpacked_bytes:
            raise DataError(
                f"{name} unpacks to {unpacked / 1024**2:,.0f} MB, more than the "
                f"{limits.max_xlsx_unpacked_bytes / 1024**2:,.0f} MB PersonaLab reads from "
                "one workbook. Save the sheet as CSV (or split it) and load that instead."
            )
        for part in parts:
            ratio = part.file_size / max(part.compress_size, 1)
            if part.file_size > 20 * 1024**2 and ratio > limits.max_compression_ratio:
                raise DataError(
                    f"{name} is packed {ratio:,.0f} times tighter than a normal workbook, "
                    "which is how a damaged or malicious file looks; open it in Excel, save "
                    "it as CSV and load that instead."
                )
        for part in parts:
            lower = part.filename.lower()
            if lower.endswith(".xml") and (
                lower.startswith("xl/worksheets/") or lower == "xl/sharedstrings.xml"
            ):
                _scan_xlsx_part(archive, part, name, limits)


def _scan_xlsx_part(archive, part, name: str, limits: ReadLimits) -> None:
    """Stream one XML part: count rows, and find text runs longer than a cell may be."""
    # Between two '<' there is one tag or one text node; a cell of max_cell_chars
    # characters takes at most 6 bytes per character in XML (&quot;), and tags are a few
    # hundred bytes, so a longer run is a longer cell. Counting up to '<' (not from '>')
    # means a '>' inside the text cannot split a huge cell into short runs.
    longest_bytes = limits.max_cell_chars * 6
    long_run = re.compile(rb"[^<]{%d,}" % (longest_bytes + 1))
    is_sheet = part.filename.lower().startswith("xl/worksheets/")
    rows = 0
    run = 0  # length of the text run continuing from the previous chunk
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(CHUNK_BYTES // 4):
                first = chunk.find(b"<")
                if first < 0:
                    run += len(chunk)
                else:
                    run += first
                if run > longest_bytes or long_run.search(chunk):
                    raise DataError(
                        f"{name} has a cell longer than the {limits.max_cell_chars:,} "
                        "characters Excel allows; check the file came from Excel, shorten "
                        "that cell (or save as CSV) and load it again."
                    )
                if first >= 0:
                    run = len(chunk) - chunk.rfind(b"<") - 1
                if is_sheet:
                    rows += len(_ROW_TAG.findall(chunk))
                    if rows > limits.max_sheet_rows:
                        raise DataError(
                            f"{name} has more than {limits.max_sheet_rows:,} rows on a sheet, "
                            "more than Excel itself allows; save the data as CSV or Parquet "
                            "and load that instead."
                        )
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError, EOFError):
        raise DataError(_XLSX_UNREADABLE.format(name=name)) from None


def _xlsx_rows(path: Path, name: str) -> Iterator[tuple]:
    import openpyxl

    try:
        # data_only=False: formulas come back as their text ("=A1*2") and are never evaluated.
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception:
        raise DataError(_XLSX_UNREADABLE.format(name=name)) from None
    try:
        ws = wb.worksheets[0]
        yield from ws.iter_rows(values_only=True)
    except DataError:
        raise
    except Exception:  # damaged XML found while streaming (openpyxl raises many types)
        raise DataError(_XLSX_UNREADABLE.format(name=name)) from None
    finally:
        wb.close()


def _read_xlsx(
    path: Path,
    name: str,
    con,
    table: str,
    limits: ReadLimits = LIMITS,
    max_rows: int | None = None,
) -> LoadedSource:
    import pandas as pd

    _check_xlsx_archive(path, name, limits)
    rows = _xlsx_rows(path, name)
    header = None
    for row in rows:
        if any(v is not None and str(v).strip() for v in row):
            header = row
            break
    if header is None:
        raise DataError(f"{name} is empty. Put the data on the first sheet and load it again.")
    width = max(i + 1 for i, v in enumerate(header) if v is not None and str(v).strip())
    _check_columns(width, name, limits)
    columns = [_cell_text(v) or f"column{i}" for i, v in enumerate(header[:width])]
    _check_header(columns, name)
    seen: dict[str, int] = {}
    for i, c in enumerate(columns):  # duplicate headers get a suffix, like DuckDB does
        if c in seen:
            seen[c] += 1
            columns[i] = f"{c}_{seen[c]}"
        else:
            seen[c] = 0
    cols_sql = ", ".join(f"{quote_identifier(c)} VARCHAR" for c in columns)
    con.execute(f"CREATE OR REPLACE TABLE {quote_identifier(table)} ({cols_sql})")
    formulas = dict.fromkeys(columns, 0)
    chunk: list[list] = []

    def flush() -> None:
        if chunk:
            frame = pd.DataFrame(chunk, columns=columns, dtype=object)
            con.register("_xlsx_chunk", frame)
            con.execute(f"INSERT INTO {quote_identifier(table)} SELECT * FROM _xlsx_chunk")
            con.unregister("_xlsx_chunk")
            chunk.clear()

    # openpyxl yields rows one at a time; there is no bulk reader that keeps formulas as text.
    n_rows = 1
    kept = 0
    for row in rows:
        n_rows += 1
        if n_rows > limits.max_sheet_rows:  # the archive scan counts too; this is exact
            raise DataError(
                f"{name} has more than {limits.max_sheet_rows:,} rows on a sheet, more than "
                "Excel itself allows; save the data as CSV or Parquet and load that instead."
            )
        values = [_cell_text(v) for v in row[:width]]
        if any(v is not None and len(v) > limits.max_cell_chars for v in values):
            raise DataError(
                f"{name}: row {n_rows:,} has a cell longer than the "
                f"{limits.max_cell_chars:,} characters Excel allows; shorten it (or save as "
                "CSV) and load the file again."
            )
        if all(v is None or not v.strip() for v in values):
            continue
        values += [None] * (width - len(values))
        for c, v in zip(columns, values, strict=True):
            if v is not None and v.startswith("="):
                formulas[c] += 1
        chunk.append(values)
        kept += 1
        if len(chunk) >= 50_000:
            flush()
        if max_rows is not None and kept >= max_rows:
            break
    flush()
    formulas = {c: n for c, n in formulas.items() if n}
    warnings = tuple(
        f"{name}: column '{c}' has {n:,} formula cell(s); formulas are not calculated, "
        "they are kept as text. Paste values instead of formulas if you need the results."
        for c, n in formulas.items()
    )
    return LoadedSource(
        con, table, name, "xlsx", tuple(columns), warnings=warnings, formula_cells=formulas
    )


def _check_parquet(path: Path, name: str, limits: ReadLimits) -> None:
    """Refuse a Parquet file whose footer declares more data than PersonaLab unpacks."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path)
    except (OSError, ValueError):
        raise DataError(
            f"{name} could not be read as Parquet. Check the file is complete and in that "
            "format, then load it again."
        ) from None
    _check_columns(meta.num_columns, name, limits)
    unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if unpacked > limits.max_parquet_unpacked_bytes:
        raise DataError(
            f"{name} unpacks to {unpacked / 1024**3:,.1f} GB, more than the "
            f"{limits.max_parquet_unpacked_bytes / 1024**3:,.0f} GB PersonaLab reads from one "
            "file; split it or load it from your database with --db."
        )


def _read_duckdb_native(
    path: Path,
    name: str,
    fmt: str,
    con,
    table: str,
    limits: ReadLimits = LIMITS,
    max_rows: int | None = None,
) -> LoadedSource:
    reader = (
        "read_parquet($path)"
        if fmt == "parquet"
        else "read_json($path, format='auto', sample_size=-1)"
    )
    what = "Parquet" if fmt == "parquet" else "JSON lines (one object per line)"
    if fmt == "parquet":
        _check_parquet(path, name, limits)
    try:
        rel = con.sql(f"SELECT * FROM {reader} LIMIT 0", params={"path": str(path)})
        columns = rel.columns
        _check_columns(len(columns), name, limits)
        casts = ", ".join(
            f"CAST({quote_identifier(c)} AS VARCHAR) AS {quote_identifier(c)}" for c in columns
        )
        con.execute(
            f"CREATE OR REPLACE TABLE {quote_identifier(table)} AS SELECT {casts} FROM {reader}"
            + (f" LIMIT {int(max_rows)}" if max_rows is not None else ""),
            {"path": str(path)},
        )
    except duckdb.Error:
        raise DataError(
            f"{name} could not be read as {what}. Check the file is complete and in that "
            "format, then load it again."
        ) from None
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
        Size limit; default :func:`max_bytes`.
    limits : ReadLimits
        Columns, rows, cell length and unpacked size a file may have (checked before or
        while reading, never after loading everything).
    max_rows : int, optional
        Read only the first rows of a workbook, Parquet or JSON file (a preview); the
        whole-file checks (size, columns, the workbook scan) still run.

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
    limit = limit_bytes or max_bytes()
    tmpdir = Path(tempfile.mkdtemp(prefix="personalab-src-"))
    try:
        path = _materialise(source, name, tmpdir)
        _check_size(path, name, limit)
        if fmt in ("csv", "tsv"):
            return _read_text(path, name, fmt, con, table, tmpdir, limits)
        if fmt == "xlsx":
            return _read_xlsx(path, name, con, table, limits, max_rows)
        return _read_duckdb_native(path, name, fmt, con, table, limits, max_rows)
    finally:
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


def read_db_table(
    url: str,
    table: str,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    dest_table: str = "src",
    chunksize: int = 200_000,
) -> LoadedSource:
    """Copy a table of a user's database into DuckDB (all columns VARCHAR).

    The copy goes through SQLAlchemy + pandas in chunks of ``chunksize`` rows (each chunk
    is cast to VARCHAR by DuckDB, not in Python), so any dialect with a SQLAlchemy driver
    works and memory stays bounded. For very large warehouse tables the feature query can
    instead run in the warehouse itself through ``core.data.engine.connect(url)``; this copy is
    what ingest validation needs.

    Parameters
    ----------
    url : str
        SQLAlchemy URL, e.g. ``postgresql+psycopg2://user@host/db`` or ``duckdb:///file``.
    table : str
        Table name, optionally ``schema.table``.
    con : duckdb.DuckDBPyConnection, optional
        Destination; an in-memory DuckDB when omitted.
    dest_table : str
        Name of the DuckDB table to create.
    chunksize : int
        Rows per chunk.

    Returns
    -------
    LoadedSource

    Raises
    ------
    DataError
        When the database cannot be reached, or the table does not exist or is empty.
    """
    import pandas as pd
    import sqlalchemy as sa

    con = con or duckdb.connect()
    schema, _sep, bare = table.rpartition(".")
    try:
        engine = sa.create_engine(url)
    except Exception:
        raise DataError(
            "The database address (--db) is not a valid SQLAlchemy URL, for example "
            "postgresql+psycopg2://user:password@host/database."
        ) from None
    rows = 0
    try:
        with engine.connect() as conn:
            t = sa.Table(bare, sa.MetaData(), schema=schema or None, autoload_with=conn)
            columns = [c.name for c in t.columns]
            _check_columns(len(columns), table, LIMITS)
            cols_sql = ", ".join(f"{quote_identifier(c)} VARCHAR" for c in columns)
            casts = ", ".join(f"CAST({quote_identifier(c)} AS VARCHAR)" for c in columns)
            con.execute(f"CREATE OR REPLACE TABLE {quote_identifier(dest_table)} ({cols_sql})")
            for frame in pd.read_sql(sa.select(t), conn, chunksize=chunksize):
                rows += len(frame)
                con.register("_db_chunk", frame)
                con.execute(
                    f"INSERT INTO {quote_identifier(dest_table)} SELECT {casts} FROM _db_chunk"
                )
                con.unregister("_db_chunk")
    except sa.exc.NoSuchTableError:
        raise DataError(
            f"Table '{table}' was not found in the database. Check the name given with --table."
        ) from None
    except sa.exc.SQLAlchemyError as exc:
        raise DataError(
            f"Could not read table '{table}' from the database ({type(exc).__name__}). "
            "Check the --db address, the table name and your access rights."
        ) from None
    finally:
        engine.dispose()
    if rows == 0:
        raise DataError(f"Table '{table}' is empty. Pick a table that has event rows.")
    return LoadedSource(con, dest_table, table, "db", tuple(columns))
