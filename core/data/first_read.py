"""The first read of an events source: every sample and list ingest needs, in one pass.

Before the rows are parsed, ingest needs to know a few things about the whole file: how
many rows it has, a sample of every column to look for personal data
(``core.data.privacy``), a sample of the time column to rank the date formats and the
UTC offsets it carries (``core.data.timestamps``), and the distinct values of the event
type, platform and format columns to map them (``core.data.canonical``). One aggregate
query reads all of them from the source, so a CSV or Parquet file is read twice in all
(this pass and the parsing pass) and never landed as a table of text
(docs/architecture.md, "How ingest streams").

Samples are the rows with the smallest hash of their content (``arg_min(…, hash, n)``), a
uniform sample that any scan order and any number of threads draws alike, where a
reservoir sample needs one thread reading in file order.
"""

from __future__ import annotations

import dataclasses

import duckdb

from core.common.sql import quote_identifier, row_hash_sql, trimmed_or_null
from core.data.landed import LoadedSource
from core.data.privacy import (
    PII_SAMPLE_ROWS,
    pii_sample_sql,
    pii_scan_columns,
    unpack_pii_sample,
)
from core.data.text_reader import _skipped_lines, skip_warnings
from core.data.timestamps import (
    TIMESTAMP_SAMPLE_ROWS,
    offset_histogram_sql,
    offset_rows,
    timestamp_sample_sql,
)

#: Rows whose key is below the threshold are looked at for a sample of n rows: enough for
#: about this many times n, so that the sample is the n smallest keys of the whole file
#: (the same sample as without the threshold) unless the row count was overestimated
#: this many times.
SAMPLE_MARGIN = 4


@dataclasses.dataclass(frozen=True)
class FirstRead:
    """What the first pass learned about an events source."""

    rows: int
    pii_sample: dict[str, list]
    timestamp_sample: list[str]
    offsets: list[tuple[int, int]]
    distinct: dict[str, list[str | None]]


def first_read(con, src: LoadedSource, mapping: dict, value_columns: dict[str, str | None]):
    """Read ``src`` once; return the updated source (skipped lines counted) and a FirstRead.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    src : LoadedSource
        A landed table or a streamed view.
    mapping : dict
        ``{source column: canonical field}``.
    value_columns : dict
        ``{alias: source column or None}``: the columns whose distinct values are mapped.

    Raises
    ------
    core.errors.DataError
        The reader's error on a streamed file, as the reader's own sentence.
    """
    columns = list(src.columns)
    scan = pii_scan_columns(columns, mapping)
    ts_col = next((c for c, f in mapping.items() if f == "timestamp"), None)
    rows = src.rows_hint
    if rows is None and not src.streamed:  # a landed table counts its rows at once
        rows = con.execute(f"SELECT count(*) FROM {quote_identifier(src.table)}").fetchall()[0][0]
    parts = ["count(*)"]
    key = "__personalab_key"
    parts.append(pii_sample_sql(scan, key, _below(key, rows, PII_SAMPLE_ROWS)) if scan else "NULL")
    if ts_col is not None:
        x = trimmed_or_null(quote_identifier(ts_col))
        parts.append(timestamp_sample_sql(x, key, _below(key, rows, TIMESTAMP_SAMPLE_ROWS)))
        parts.append(offset_histogram_sql(quote_identifier(ts_col), x))
    else:
        parts += ["NULL", "NULL"]
    aliases = [a for a, c in value_columns.items() if c is not None]
    parts += [f"list(DISTINCT {quote_identifier(value_columns[a])})" for a in aliases]
    source = src.first_read_from or quote_identifier(src.table)
    try:
        row = con.execute(
            f"SELECT {', '.join(parts)} FROM (SELECT *, {row_hash_sql(columns)} AS {key} "
            f"FROM {source})"
        ).fetchall()[0]
    except duckdb.Error as exc:
        if src.read_error is None:
            raise
        raise src.read_error(exc) from None
    if src.rejects:
        skipped = _skipped_lines(con, src.rejects)
        src = dataclasses.replace(
            src, skipped=skipped, warnings=(*src.warnings, *skip_warnings(skipped, src.name))
        )
    return src, FirstRead(
        rows=int(row[0]),
        pii_sample=unpack_pii_sample(row[1], scan),
        timestamp_sample=list(row[2] or []),
        offsets=offset_rows(row[3]),
        distinct={a: list(v or []) for a, v in zip(aliases, row[4:], strict=True)},
    )


def _below(key: str, rows: int | None, n: int) -> str | None:
    """A condition keeping about ``SAMPLE_MARGIN * n`` of ``rows`` rows by their hash
    ``key``, or None (keep all) when the file is small or its size unknown.

    Drawing the sample among every row builds each row's candidate value; most rows of a
    large file cannot be among the n smallest keys, and this cheap test drops them first.
    """
    if not rows or rows <= SAMPLE_MARGIN * n:
        return None
    return f"{key} < {int(SAMPLE_MARGIN * n / rows * 2**64)}::UBIGINT"
