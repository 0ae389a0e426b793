"""The first read of an events source: every sample and list ingest needs, exact or guessed.

Before the rows are parsed, ingest needs to know a few things about the whole file: how
many rows it has, a sample of every column to look for personal data
(``core.data.privacy``), a sample of the time column to rank the date formats and the
UTC offsets it carries (``core.data.timestamps``), and the distinct values of the event
type, platform and format columns to map them (``core.data.canonical``). For a landed
table one aggregate query reads all of them (:func:`first_read`). A CSV or Parquet file
is read only once: a guess from its first rows (:func:`prefix_read`), and the parsing
pass carries what makes the exact read afterwards (:func:`candidate_sql`,
:func:`read_candidates`; docs/architecture.md, "How ingest streams").

Samples are the rows with the smallest hash of their content (``arg_min(…, hash, n)``), a
uniform sample that any scan order and any number of threads draws alike, where a
reservoir sample needs one thread reading in file order.
"""

from __future__ import annotations

import dataclasses
import json

import duckdb

from core.common.sql import quote_identifier, quote_literal, row_hash_sql, trimmed_or_null
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
    offset_minutes_sql,
    offset_rows,
    timestamp_sample_sql,
)

#: Rows whose key is below the threshold are looked at for a sample of n rows: enough for
#: about this many times n, so that the sample is the n smallest keys of the whole file
#: (the same sample as without the threshold) unless the row count was overestimated
#: this many times.
SAMPLE_MARGIN = 4
#: The row hash the samples are drawn by.
_KEY = "__personalab_key"


@dataclasses.dataclass(frozen=True)
class FirstRead:
    """What the first pass learned about an events source."""

    rows: int
    pii_sample: dict[str, list]
    timestamp_sample: list[str]
    offsets: list[tuple[int, int]]
    distinct: dict[str, list[str | None]]


def _aggregates(
    columns: list[str],
    mapping: dict,
    value_columns: dict[str, str | None],
    key: str,
    rows: int | None,
) -> tuple[list[str], list[str], list[str]]:
    """The first read's aggregates over rows with ``columns`` and a row hash ``key``:
    (SQL parts, the columns sampled for personal data, the aliases of the value lists)."""
    scan = pii_scan_columns(columns, mapping)
    ts_col = next((c for c, f in mapping.items() if f == "timestamp"), None)
    parts = ["count(*)"]
    parts.append(pii_sample_sql(scan, key, _below(key, rows, PII_SAMPLE_ROWS)) if scan else "NULL")
    if ts_col is not None:
        x = trimmed_or_null(quote_identifier(ts_col))
        parts.append(timestamp_sample_sql(x, key, _below(key, rows, TIMESTAMP_SAMPLE_ROWS)))
        parts.append(offset_histogram_sql(quote_identifier(ts_col), x))
    else:
        parts += ["NULL", "NULL"]
    aliases = [a for a, c in value_columns.items() if c is not None]
    parts += [f"list(DISTINCT {quote_identifier(value_columns[a])})" for a in aliases]
    return parts, scan, aliases


def _keyed(columns: list[str], source: str) -> str:
    """``source``'s rows with their content hash as column ``__personalab_key``."""
    return f"(SELECT *, {row_hash_sql(columns)} AS {_KEY} FROM {source})"


def _unpack(row, scan: list[str], aliases: list[str]) -> FirstRead:
    return FirstRead(
        rows=int(row[0]),
        pii_sample=unpack_pii_sample(row[1], scan),
        timestamp_sample=list(row[2] or []),
        offsets=offset_rows(row[3]),
        distinct={a: list(v or []) for a, v in zip(aliases, row[4:], strict=True)},
    )


def _execute(con, src: LoadedSource, sql: str):
    """``sql``'s one row; the reader's error on a streamed file as the reader's sentence."""
    try:
        return con.execute(sql).fetchall()[0]
    except duckdb.Error as exc:
        if src.read_error is None:
            raise
        raise src.read_error(exc) from None


def _with_skipped_lines(con, src: LoadedSource) -> LoadedSource:
    """``src`` with the lines its reader could not read counted (after a full read)."""
    if not src.rejects:
        return src
    skipped = _skipped_lines(con, src.rejects)
    return dataclasses.replace(
        src, skipped=skipped, warnings=(*src.warnings, *skip_warnings(skipped, src.name))
    )


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
    rows = src.rows_hint
    if rows is None and not src.streamed:  # a landed table counts its rows at once
        rows = con.execute(f"SELECT count(*) FROM {quote_identifier(src.table)}").fetchall()[0][0]
    parts, scan, aliases = _aggregates(columns, mapping, value_columns, _KEY, rows)
    source = src.first_read_from or quote_identifier(src.table)
    row = _execute(con, src, f"SELECT {', '.join(parts)} FROM {_keyed(columns, source)}")
    return _with_skipped_lines(con, src), _unpack(row, scan, aliases)


# --- Reading the file once: a guess from its first rows, checked after the parse ---------
#
# The first read costs a full read of a file (3 s of an 18 s load of 10M events). A
# streamed file is instead parsed with what its first PREFIX_ROWS rows suggest, and the
# parsing pass carries what the first read would have learned: the UTC offset of every
# row and, for the few rows whose hash is below the sampling thresholds, their text (the
# samples are the rows with the smallest hashes, so they are among those). Ingest then
# decides again from the exact samples and parses the file a second time only when a
# decision differs (core.data.pipeline). The value maps need no check: a value the first
# rows did not show is mapped by the general expression (core.data.canonical).

#: Rows read to guess the decisions before the single parsing pass.
PREFIX_ROWS = 50_000
#: Columns the parsing pass adds for the check.
CANDIDATE_COLUMN = "__personalab_candidate"
OFFSET_COLUMN = "__personalab_offset"


def prefix_read(
    con, src: LoadedSource, mapping: dict, value_columns: dict[str, str | None]
) -> FirstRead:
    """What the first :data:`PREFIX_ROWS` rows of ``src`` suggest (a guess: see above).

    Raises
    ------
    core.errors.DataError
        The reader's error, if the first rows cannot be read.
    """
    columns = list(src.columns)
    parts, scan, aliases = _aggregates(columns, mapping, value_columns, _KEY, None)
    first_rows = f"(SELECT * FROM {quote_identifier(src.table)} LIMIT {int(PREFIX_ROWS)})"
    row = _execute(con, src, f"SELECT {', '.join(parts)} FROM {_keyed(columns, first_rows)}")
    return _unpack(row, scan, aliases)


def candidate_sql(src: LoadedSource, mapping: dict) -> tuple[str, str, str]:
    """(source SQL with the row hash, candidate SQL, offset SQL) for the parsing pass.

    The candidate is the row's text as JSON for the rows that may be in a sample (their
    hash is below a sampling threshold), NULL for the others; the offset is the row's
    UTC offset in minutes or NULL.
    """
    columns = list(src.columns)
    source = _keyed(columns, src.first_read_from or quote_identifier(src.table))
    ts_col = next((c for c, f in mapping.items() if f == "timestamp"), None)
    wanted = []
    if pii_scan_columns(columns, mapping):
        wanted.append(_below(_KEY, src.rows_hint, PII_SAMPLE_ROWS))
    if ts_col is not None:
        wanted.append(_below(_KEY, src.rows_hint, TIMESTAMP_SAMPLE_ROWS))
    if not wanted:
        cond = "false"
    elif any(w is None for w in wanted):  # a small file: every row may be sampled
        cond = "true"
    else:
        cond = " OR ".join(wanted)
    fields = ", ".join(f"c{i} := {quote_identifier(c)}" for i, c in enumerate(columns))
    candidate = f"CASE WHEN {cond} THEN to_json(struct_pack(k := {_KEY}, {fields})) END"
    offset = "NULL"
    if ts_col is not None:
        offset = offset_minutes_sql(
            quote_identifier(ts_col), trimmed_or_null(quote_identifier(ts_col))
        )
    return source, candidate, offset


def read_candidates(
    con, src: LoadedSource, mapping: dict, staged: str, guess: FirstRead
) -> tuple[LoadedSource, FirstRead]:
    """The exact first read, from the parsing pass's table ``staged`` (see above): the
    same samples from the candidate rows, the offsets and row count from every row, and
    the skipped lines counted. The value lists are ``guess``'s (the guess's lists are
    only a speed-up for the value maps)."""
    columns = list(src.columns)
    struct = json.dumps({"k": "UBIGINT", **{f"c{i}": "VARCHAR" for i in range(len(columns))}})
    unpacked = ", ".join(f"c.c{i} AS {quote_identifier(c)}" for i, c in enumerate(columns))
    parts, scan, _ = _aggregates(columns, mapping, {}, _KEY, src.rows_hint)
    samples = con.execute(
        f"SELECT {', '.join(parts[1:3])} FROM (SELECT c.k AS {_KEY}, {unpacked} FROM "
        f"(SELECT from_json({CANDIDATE_COLUMN}, {quote_literal(struct)}) AS c FROM {staged} "
        f"WHERE {CANDIDATE_COLUMN} IS NOT NULL))"
    ).fetchall()[0]
    rows, offsets = con.execute(
        f"SELECT count(*), histogram({OFFSET_COLUMN}) FROM {staged}"
    ).fetchall()[0]
    exact = FirstRead(
        rows=int(rows),
        pii_sample=unpack_pii_sample(samples[0], scan),
        timestamp_sample=list(samples[1] or []),
        offsets=offset_rows(offsets),
        distinct=guess.distinct,
    )
    return _with_skipped_lines(con, src), exact


def _below(key: str, rows: int | None, n: int) -> str | None:
    """A condition keeping about ``SAMPLE_MARGIN * n`` of ``rows`` rows by their hash
    ``key``, or None (keep all) when the file is small or its size unknown.

    Drawing the sample among every row builds each row's candidate value; most rows of a
    large file cannot be among the n smallest keys, and this cheap test drops them first.
    """
    if not rows or rows <= SAMPLE_MARGIN * n:
        return None
    return f"{key} < {int(SAMPLE_MARGIN * n / rows * 2**64)}::UBIGINT"
