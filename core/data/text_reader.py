"""Reading CSV and TSV files: encoding and delimiter sniffing, then DuckDB's ``read_csv``.

Large text files are never parsed row by row in Python: UTF-8 files go straight to
DuckDB; other encodings (GB18030/GBK, Big5, ...) are transcoded to a temporary UTF-8 file
in byte chunks first. Lines DuckDB cannot turn into a row are skipped and counted by
reason.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import re
import unicodedata
from pathlib import Path

import duckdb

from core.common.sql import quote_identifier, quote_literal
from core.data.landed import LoadedSource
from core.data.limits import CHUNK_BYTES, LIMITS, ReadLimits, _check_columns, _check_header
from core.data.report import Note
from core.errors import DataError
from core.i18n import N_, tr
from core.i18n import fmt as i18n_fmt

SAMPLE_BYTES = 256 * 1024
_DELIMITERS = (",", "\t", ";", "|")
_DELIMITER_NAMES = {
    ",": N_("comma"),
    "\t": N_("tab"),
    ";": N_("semicolon"),
    "|": N_("vertical bar"),
}
# Encodings charset-normalizer may report for Chinese text; GB18030 is their superset.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}


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
    b"PK\x03\x04": N_("an Excel or zip file"),
    b"PAR1": N_("a Parquet file"),
    b"%PDF": N_("a PDF document"),
    b"\x89PNG": N_("a PNG image"),
    b"\xff\xd8\xff": N_("a JPEG image"),
    b"\xd0\xcf\x11\xe0": N_("an old-style Excel (.xls) or Word file"),
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
    from charset_normalizer import from_bytes  # rarely needed: imported on this fallback only

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
            tr(
                "{file}: the text is not consistently in one encoding (read as {encoding}, "
                "failed near byte {byte}). Save it again as UTF-8 CSV and re-upload.",
                file=name,
                encoding=encoding,
                byte=i18n_fmt.number(exc.start),
            )
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


def _read_text(
    path: Path,
    name: str,
    fmt: str,
    con,
    table: str,
    tmpdir: Path,
    limits: ReadLimits = LIMITS,
    stream: bool = False,
) -> LoadedSource:
    """Land a CSV/TSV file in table ``table``, or with ``stream`` define ``table`` as a view
    over DuckDB's reader (nothing is read yet: ``core.data.first_read`` reads it first and
    counts the skipped lines; ``tmpdir`` must then outlive the view)."""
    with open(path, "rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    for magic, what in _MAGIC.items():
        if sample.startswith(magic):
            raise DataError(
                tr(
                    "{file} is {what}, not a text table. Save it as CSV (or use the matching "
                    "file extension) and load it again.",
                    file=name,
                    what=tr(what),
                )
            )
    if _looks_binary(sample):
        raise DataError(
            tr(
                "{file} looks like a binary file, not a text table. Export it as CSV (UTF-8) "
                "and load it again.",
                file=name,
            )
        )
    encoding = detect_encoding(sample)
    text = sample.decode(encoding, errors="ignore")
    if not text.strip().strip("\ufeff"):
        raise DataError(
            tr("{file} is empty. Export the data again and upload the full file.", file=name)
        )
    csv_path = path
    if encoding not in ("utf-8", "utf-8-sig"):
        csv_path = _transcode(path, encoding, tmpdir, name)
    delimiter = sniff_delimiter(text.lstrip("\ufeff"), fmt)
    first_line = text.lstrip("\ufeff").splitlines()[0]
    header = next(csv.reader([first_line], delimiter=delimiter))
    _check_columns(len(header), name, limits)
    _check_header([h.strip() for h in header], name)
    rejects = f"{table}_rejects"

    def read_error(exc: duckdb.Error) -> DataError:
        return _read_error(exc, name, delimiter)

    try:
        if stream:
            pinned = _sniffed_options(con, csv_path, delimiter)
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {quote_identifier(table)} AS SELECT * FROM "
                + _reader_sql(csv_path, delimiter, pinned=pinned)
            )
            columns = tuple(
                r[0] for r in con.execute(f"DESCRIBE {quote_identifier(table)}").fetchall()
            )
        else:
            con.execute(
                f"CREATE OR REPLACE TABLE {quote_identifier(table)} AS SELECT * FROM "
                + _reader_sql(csv_path, delimiter, rejects)
            )
            columns = tuple(con.table(table).columns)
    except duckdb.Error as exc:
        raise read_error(exc) from None
    if len(columns) == 1:
        only = columns[0]
        hint = [d for d in _DELIMITERS if d != delimiter and d in only]
        if hint:
            raise DataError(
                tr(
                    "{file}: all the data landed in one column '{column}'; the file seems to "
                    "use the {separator} as separator. Save it as a comma-separated CSV and "
                    "load it again.",
                    file=name,
                    column=only[:60],
                    separator=tr(_DELIMITER_NAMES[hint[0]]),
                )
            )
    loaded = LoadedSource(con, table, name, fmt, columns, encoding, delimiter)
    if stream:
        return dataclasses.replace(
            loaded,
            streamed=True,
            first_read_from=_reader_sql(csv_path, delimiter, rejects, pinned=pinned),
            rejects=rejects,
            read_error=read_error,
            rows_hint=_rows_estimate(csv_path, sample),
        )
    skipped = _skipped_lines(con, rejects)
    return dataclasses.replace(loaded, warnings=skip_warnings(skipped, name), skipped=skipped)


def _rows_estimate(path: Path, sample: bytes) -> int | None:
    """About how many rows a text file has: its size over the mean line of its first bytes."""
    lines = sample.count(b"\n")
    if lines < 2:
        return None
    return int(path.stat().st_size / (len(sample) / lines))


def _reader_sql(
    path: Path, delimiter: str, rejects: str | None = None, *, pinned: str | None = None
) -> str:
    """DuckDB's CSV reader over ``path`` as every read of the file uses it (the landing,
    the view and the first read parse alike); with ``rejects``, the lines it cannot turn
    into a row are stored in that table (and its ``_scan`` table) as well as skipped.
    ``pinned`` (:func:`_sniffed_options`) replaces the sniffing DuckDB does each time a
    statement names the reader by what one sniff found."""
    options = (
        f"delim={quote_literal(delimiter)}, quote='\"', escape='\"', header=true, "
        f"all_varchar=true, {pinned or 'auto_detect=true'}, ignore_errors=true"
    )
    if rejects:
        options += f", store_rejects=true, rejects_table='{rejects}', rejects_scan='{rejects}_scan'"
    return f"read_csv({quote_literal(str(path))}, {options})"


#: The read_csv options a pinned read is given (the user's own and what the sniffer found).
_CARRIED_OVER = frozenset(
    {
        "auto_detect",
        "new_line",
        "skip",
        "comment",
        "columns",
        "all_varchar",
        "delim",
        "quote",
        "escape",
        "header",
        "ignore_errors",
    }
)


def _sniffed_options(con, path: Path, delimiter: str) -> str | None:
    """What DuckDB's sniffer finds in ``path`` (line ends, rows before the header, comment
    character, the column names), as ``read_csv`` options that turn the sniffer off.

    With ``auto_detect`` on, DuckDB sniffs the file again every time a statement names the
    reader: about 30 ms each, five times per load of a streamed file. ``sniff_csv`` sniffs
    once and says what it found; every later read is given that instead, so all of them
    parse the file exactly as the first did. None when the sniffer settled on something
    more (each read then sniffs, as before).
    """
    sniffed = con.execute(
        "SELECT NewLineDelimiter, SkipRows, Comment, Columns, Prompt FROM sniff_csv(?, "
        "delim=?, quote='\"', escape='\"', header=true, all_varchar=true, ignore_errors=true)",
        [str(path), delimiter],
    ).fetchone()
    new_line, skip, comment, columns, prompt = sniffed
    # The sniffer's own summary (a read_csv call) names every option it settled on: one
    # this function does not carry over (null_padding, strict_mode ...) keeps the sniffing.
    if set(re.findall(r"[(,] ?([a-z_]+)=", prompt)) - _CARRIED_OVER:
        return None
    names = ", ".join(f"{quote_literal(c['name'])}: 'VARCHAR'" for c in columns)
    options = f"auto_detect=false, new_line={quote_literal(new_line)}, skip={int(skip)}"
    if comment and comment != "(empty)":
        options += f", comment={quote_literal(comment)}"
    return options + f", columns={{{names}}}"


def _read_error(exc: duckdb.Error, name: str, delimiter: str) -> DataError:
    """The sentence for a CSV the reader gave up on (a line too long, not a table)."""
    if "maximum line size" in str(exc).lower():
        return DataError(
            tr(
                "{file} has a line longer than 2 MB, far more than one event needs; check "
                "for a cell holding a whole document or a missing closing quote, fix it "
                "and load the file again.",
                file=name,
            )
        )
    return DataError(
        tr(
            "{file} could not be read as a {separator}-separated table ({detail}). Check "
            "that it is a CSV export and try again.",
            file=name,
            separator=tr(_DELIMITER_NAMES[delimiter])
            if delimiter in _DELIMITER_NAMES
            else delimiter,
            detail=str(exc).splitlines()[0][:120],
        )
    )


def skip_warnings(skipped: dict[str, int], name: str) -> tuple[Note, ...]:
    """One warning per reason the reader skipped lines of ``name``."""
    return tuple(
        Note(
            _SKIP_MESSAGES.get(reason, N_("{file}: {n} line(s) skipped: {reason}.")),
            file=name,
            n=n,
            reason=Note(reason),
        )
        for reason, n in skipped.items()
    )


# DuckDB's reject error types -> the reason a person reads (and the report counts).
# The reasons are stored in English (they are data) and translated where they are shown.
_SKIP_REASONS = {
    "INVALID ENCODING": N_("bytes not in the file's text encoding"),
    "TOO MANY COLUMNS": N_("more fields than the header"),
    "MISSING COLUMNS": N_("fewer fields than the header"),
    "UNQUOTED VALUE": N_("a quote in the middle of a value"),
}
_UNREADABLE_LINE = N_("line could not be read")
# The warning for a reason that needs its own advice (default: the count and the reason).
_SKIP_MESSAGES = {
    "bytes not in the file's text encoding": N_(
        "{file}: {n} line(s) skipped: {reason}; the file mixes encodings. Save it again as "
        "UTF-8 CSV and load it again."
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
        reason = _SKIP_REASONS.get(str(error_type), _UNREADABLE_LINE)
        out[reason] = out.get(reason, 0) + int(n)
    return out
