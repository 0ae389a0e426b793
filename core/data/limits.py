"""What one input file may hold, and the checks every reader runs before or while reading.

The byte size limit comes from ``PERSONALAB_MAX_UPLOAD_MB`` (``core.config``); the other
limits are :class:`ReadLimits`. A header row that looks like data is refused here too,
for every format.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from core.data.synonyms import COLUMN_SYNONYMS, normalise_key
from core.errors import DataError
from core.i18n import fmt, tr


@dataclasses.dataclass(frozen=True)
class ReadLimits:
    """What one input file may hold; every reader checks these before or while reading.

    A small file can unpack to far more than its size (an ``.xlsx`` is a zip archive:
    2 MB can hold one 2 GB cell), so the byte size alone bounds nothing. The defaults
    are Excel's own limits where Excel has one (a cell holds at most 32,767 characters,
    a sheet at most 1,048,576 rows), so no file Excel can save is refused by them.
    Text files are bounded by their byte size (``core.config.max_upload_bytes``) and DuckDB's 2 MB line
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
#: Bytes read or copied at a time (uploads, transcoding, workbook scans).
CHUNK_BYTES = 4 * 1024 * 1024


def _check_size(path: Path, name: str, limit: int) -> None:
    size = path.stat().st_size
    if size == 0:
        raise DataError(
            tr("{file} is empty. Export the data again and upload the full file.", file=name)
        )
    if size > limit:
        raise DataError(
            tr(
                "{file} is {size} MB, above the {limit} MB limit; split it, save it as "
                "Parquet, or load it from your database with --db.",
                file=name,
                size=fmt.number(size / 1024**2),
                limit=fmt.number(limit / 1024**2),
            )
        )


def _check_columns(n_columns: int, name: str, limits: ReadLimits) -> None:
    """Refuse a table wider than ``limits.max_columns``, naming both numbers."""
    if n_columns > limits.max_columns:
        raise DataError(
            tr(
                "{file} has {n} columns; PersonaLab reads at most {limit}. Keep the columns "
                "you need (user, time, event type and the attributes to analyse), save the "
                "file and load it again.",
                file=name,
                n=fmt.number(n_columns),
                limit=fmt.number(limits.max_columns),
            )
        )


_DATA_LIKE = re.compile(
    r"^\s*([-+]?\d+([.,]\d+)?|\d{4}[-/年.]\d{1,2}[-/月.]\d{1,2}.*|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}.*)\s*$"
)


def _check_header(columns: list[str], name: str) -> None:
    """Raise when the first row looks like data (numbers, dates) rather than column names."""
    if not columns:
        raise DataError(
            tr("{file} has no columns. Export the data again with a header row.", file=name)
        )
    data_like = [c for c in columns if _DATA_LIKE.match(str(c)) or not str(c).strip()]
    known = [c for c in columns if any(normalise_key(c) in syn for syn in COLUMN_SYNONYMS.values())]
    # Half the cells look like numbers or dates, or one does and no cell is a known name.
    if len(data_like) * 2 >= len(columns) or (data_like and not known):
        raise DataError(
            tr(
                "{file}: the first row ({first}) looks like data, not column names. Add a "
                "header row (for example user_id,timestamp,event_type) and load the file "
                "again.",
                file=name,
                first=tr(", ").join(map(str, columns[:5])),
            )
        )
