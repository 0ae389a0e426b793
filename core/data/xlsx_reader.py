"""Reading Excel ``.xlsx`` workbooks: a streaming scan for zip bombs, then openpyxl.

Only ``.xlsx`` is read through openpyxl (streaming, read-only), because DuckDB has no
reader for it that keeps formulas unevaluated; formula cells are kept as text and counted.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.common.sql import quote_identifier
from core.data.landed import LoadedSource
from core.data.limits import CHUNK_BYTES, LIMITS, ReadLimits, _check_columns, _check_header
from core.data.report import Note
from core.errors import DataError
from core.i18n import N_, fmt, tr


def _cell_text(value: Any) -> str | None:
    """An xlsx cell as text: dates in ISO form, whole floats without '.0', None stays None."""
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_XLSX_UNREADABLE = N_(
    "{file} could not be opened as an Excel .xlsx workbook. Open it in Excel, save it "
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
        raise DataError(tr(_XLSX_UNREADABLE, file=name)) from None
    with archive:
        parts = archive.infolist()
        unpacked = sum(p.file_size for p in parts)
        if unpacked > limits.max_xlsx_unpacked_bytes:
            raise DataError(
                tr(
                    "{file} unpacks to {size} MB, more than the {limit} MB PersonaLab reads "
                    "from one workbook. Save the sheet as CSV (or split it) and load that "
                    "instead.",
                    file=name,
                    size=fmt.number(unpacked / 1024**2),
                    limit=fmt.number(limits.max_xlsx_unpacked_bytes / 1024**2),
                )
            )
        for part in parts:
            ratio = part.file_size / max(part.compress_size, 1)
            if part.file_size > 20 * 1024**2 and ratio > limits.max_compression_ratio:
                raise DataError(
                    tr(
                        "{file} is packed {ratio} times tighter than a normal workbook, which "
                        "is how a damaged or malicious file looks; open it in Excel, save it "
                        "as CSV and load that instead.",
                        file=name,
                        ratio=fmt.number(ratio),
                    )
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
                        tr(
                            "{file} has a cell longer than the {limit} characters Excel "
                            "allows; check the file came from Excel, shorten that cell (or "
                            "save as CSV) and load it again.",
                            file=name,
                            limit=fmt.number(limits.max_cell_chars),
                        )
                    )
                if first >= 0:
                    run = len(chunk) - chunk.rfind(b"<") - 1
                if is_sheet:
                    rows += len(_ROW_TAG.findall(chunk))
                    if rows > limits.max_sheet_rows:
                        raise DataError(_too_many_rows(name, limits))
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError, EOFError):
        raise DataError(tr(_XLSX_UNREADABLE, file=name)) from None


def _too_many_rows(name: str, limits: ReadLimits) -> str:
    """The sentence for a sheet with more rows than Excel allows."""
    return tr(
        "{file} has more than {limit} rows on a sheet, more than Excel itself allows; save "
        "the data as CSV or Parquet and load that instead.",
        file=name,
        limit=fmt.number(limits.max_sheet_rows),
    )


def _xlsx_rows(path: Path, name: str) -> Iterator[tuple]:
    import openpyxl  # heavy: imported only when a workbook is read

    try:
        # data_only=False: formulas come back as their text ("=A1*2") and are never evaluated.
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception:
        raise DataError(tr(_XLSX_UNREADABLE, file=name)) from None
    try:
        ws = wb.worksheets[0]
        yield from ws.iter_rows(values_only=True)
    except DataError:
        raise
    except Exception:  # damaged XML found while streaming (openpyxl raises many types)
        raise DataError(tr(_XLSX_UNREADABLE, file=name)) from None
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
    _check_xlsx_archive(path, name, limits)
    rows = _xlsx_rows(path, name)
    header = None
    for row in rows:
        if any(v is not None and str(v).strip() for v in row):
            header = row
            break
    if header is None:
        raise DataError(
            tr("{file} is empty. Put the data on the first sheet and load it again.", file=name)
        )
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
            import pandas as pd  # heavy: imported when a workbook is read

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
            raise DataError(_too_many_rows(name, limits))
        values = [_cell_text(v) for v in row[:width]]
        if any(v is not None and len(v) > limits.max_cell_chars for v in values):
            raise DataError(
                tr(
                    "{file}: row {row} has a cell longer than the {limit} characters Excel "
                    "allows; shorten it (or save as CSV) and load the file again.",
                    file=name,
                    row=fmt.number(n_rows),
                    limit=fmt.number(limits.max_cell_chars),
                )
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
        Note(
            N_(
                "{file}: column '{column}' has {n} formula cell(s); formulas are not "
                "calculated, they are kept as text. Paste values instead of formulas if you "
                "need the results."
            ),
            file=name,
            column=c,
            n=n,
        )
        for c, n in formulas.items()
    )
    return LoadedSource(
        con, table, name, "xlsx", tuple(columns), warnings=warnings, formula_cells=formulas
    )
