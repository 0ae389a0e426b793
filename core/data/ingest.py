"""From a user's file (or database table) to a validated, canonical DuckDB dataset.

``ingest`` lands the source (``core.data.sources``), maps its columns (``core.data.schema``),
pseudonymises personal data (``core.data.privacy``), then does every transformation in
DuckDB SQL: event types and platforms through synonym-table joins, timestamps through a
``TRY_CAST``/``TRY_STRPTIME`` chain whose order is decided per column on a sample,
amounts cast and checked (not finite, negative or implausibly large amounts and dates
in the future or before 1980 are rejected), exact duplicates counted (and removed on
request). Rejected rows are
kept (up to 1000, with a reason). Work happens in a scratch database; the result is
written to a temporary file that is renamed into place only when everything succeeded,
so a bad file changes nothing already saved, and raw personal data never reaches it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from core import config
from core.common.sql import quote_identifier
from core.data.privacy import PrivacyOptions, describe, detect_pii, hash_sql, resolve_salt
from core.data.schema import (
    CONTENT_FORMAT_SYNONYMS,
    EVENT_FIELDS,
    EVENT_TYPE_SYNONYMS,
    PLATFORM_SYNONYMS,
    REQUIRED_EVENT_FIELDS,
    USER_FIELDS,
    DataError,
    guess_mapping,
)
from core.data.sources import (
    DbTable,
    LoadedSource,
    detect_format,
    load_source,
    source_name,
)
from core.segments import PROSPECT_EVENT_TYPES

REJECTED_SAMPLE_ROWS = 1000
TIMESTAMP_SAMPLE_ROWS = 2000
PII_SAMPLE_ROWS = 500
ROOT = config.ROOT

# Timestamp formats as data: (name, SQL template over {x}, a trimmed VARCHAR). For each
# column the formats are tried on a sample and chained with COALESCE, most successful
# first, so "1/3/2025" is read day-first or month-first by what the rest of the column says.
_NUM = "regexp_full_match({x}, '{pattern}')"
TIMESTAMP_FORMATS: tuple[tuple[str, str], ...] = (
    ("ISO 8601 (2025-03-01 14:05:06)", "TRY_CAST({x} AS TIMESTAMP)"),
    (
        "year/month/day (2025/3/1 14:05)",
        "COALESCE(TRY_STRPTIME({x}, '%Y/%m/%d %H:%M:%S'), TRY_STRPTIME({x}, '%Y/%m/%d %H:%M'), "
        "TRY_STRPTIME({x}, '%Y/%m/%d'), TRY_STRPTIME({x}, '%Y.%m.%d %H:%M'), "
        "TRY_STRPTIME({x}, '%Y.%m.%d'))",
    ),
    (
        "Chinese date (2025年3月1日 14:05)",
        "COALESCE(TRY_STRPTIME({x}, '%Y年%m月%d日 %H:%M:%S'), TRY_STRPTIME({x}, '%Y年%m月%d日 %H:%M'), "
        "TRY_STRPTIME({x}, '%Y年%m月%d日%H:%M'), TRY_STRPTIME({x}, '%Y年%m月%d日'), "
        "TRY_STRPTIME({x}, '%Y年%m月%d日 %H时%M分'))",
    ),
    (
        "day/month/year (1/3/2025 14:05)",
        "COALESCE(TRY_STRPTIME({x}, '%d/%m/%Y %H:%M:%S'), TRY_STRPTIME({x}, '%d/%m/%Y %H:%M'), "
        "TRY_STRPTIME({x}, '%d/%m/%Y'), TRY_STRPTIME({x}, '%d.%m.%Y %H:%M'), "
        "TRY_STRPTIME({x}, '%d.%m.%Y'), TRY_STRPTIME({x}, '%d-%m-%Y %H:%M'), "
        "TRY_STRPTIME({x}, '%d-%m-%Y'))",
    ),
    (
        "month/day/year (3/1/2025 14:05)",
        "COALESCE(TRY_STRPTIME({x}, '%m/%d/%Y %H:%M:%S'), TRY_STRPTIME({x}, '%m/%d/%Y %H:%M'), "
        "TRY_STRPTIME({x}, '%m/%d/%Y'), TRY_STRPTIME({x}, '%m/%d/%Y %I:%M %p'), "
        "TRY_STRPTIME({x}, '%m-%d-%Y %H:%M'), TRY_STRPTIME({x}, '%m-%d-%Y'))",
    ),
    (
        "English month names (Mar 1, 2025 14:05)",
        "COALESCE(TRY_STRPTIME({x}, '%b %d, %Y %H:%M'), TRY_STRPTIME({x}, '%b %d, %Y'), "
        "TRY_STRPTIME({x}, '%B %d, %Y %H:%M'), TRY_STRPTIME({x}, '%B %d, %Y'), "
        "TRY_STRPTIME({x}, '%d %b %Y %H:%M'), TRY_STRPTIME({x}, '%d %b %Y'), "
        "TRY_STRPTIME({x}, '%d %B %Y'))",
    ),
    (
        "epoch seconds (1740837906)",
        "CASE WHEN " + _NUM.replace("{pattern}", r"\d{9,10}(\.\d+)?") + " THEN "
        "epoch_ms(CAST(round(CAST({x} AS DOUBLE) * 1000) AS BIGINT)) END",
    ),
    (
        "epoch milliseconds (1740837906000)",
        "CASE WHEN " + _NUM.replace("{pattern}", r"\d{12,13}") + " THEN "
        "epoch_ms(CAST({x} AS BIGINT)) END",
    ),
    (
        "Excel serial days (45717.59)",
        "CASE WHEN " + _NUM.replace("{pattern}", r"\d{5}(\.\d+)?") + " THEN "
        "TIMESTAMP '1899-12-30' + to_microseconds(CAST(round(CAST({x} AS DOUBLE) * 86400000000) "
        "AS BIGINT)) END",
    ),
    (
        "compact digits (20250301 or 20250301140506)",
        "COALESCE(TRY_STRPTIME({x}, '%Y%m%d%H%M%S'), "
        "CASE WHEN " + _NUM.replace("{pattern}", r"(19|20)\d{6}") + " THEN "
        "TRY_STRPTIME({x}, '%Y%m%d') END)",
    ),
)
_AMBIGUOUS_PAIR = ("day/month/year (1/3/2025 14:05)", "month/day/year (3/1/2025 14:05)")

# Characters stripped from amounts before casting: currency signs, thousands separators.
_AMOUNT_CLEAN = r"[¥￥$€£,\s]|RMB|CNY|USD|元"
# "12,5" or "-3,99" (one comma, one or two digits after it) is a decimal comma, common in
# semicolon-separated exports; "1,234" stays a thousands separator.
_DECIMAL_COMMA = r"[-+]?\d+,\d{1,2}"

#: Events dated before this are placeholders or typing errors (1900-01-01, the Excel
#: zero date, 1970 epoch zeros), not interactions: they would make tenure run to 45,000
#: days. Social-media and e-commerce logs start well after it (the CDNOW log is 1997).
EARLIEST_EVENT_DATE = dt.datetime(1980, 1, 1)
#: Largest amount of one event accepted. Larger values (1e308, 1e18) are export errors;
#: summed they would overflow to infinity and poison monetary value and CLV.
MAX_AMOUNT = 1e12

# Reasons a row is rejected, in the order they are checked (first match wins).
REJECT_REASONS: tuple[tuple[str, str], ...] = (
    ("missing user id", "__user_id IS NULL"),
    ("missing timestamp", "__ts_raw IS NULL"),
    ("timestamp not understood", "__timestamp IS NULL"),
    ("date in the future", "__timestamp > $future"),
    ("date before 1980", "__timestamp < $earliest"),
    ("missing event type", "__event_type IS NULL"),
    (
        "amount is not a number",
        "__amount_raw IS NOT NULL AND (__amount IS NULL OR isnan(__amount) OR isinf(__amount))",
    ),
    ("negative amount", "__amount < 0"),
    ("amount too large", "__amount > $max_amount"),
)


def _count(n: int, word: str) -> str:
    """'1 row', '2,345 rows'."""
    return f"{n:,} {word}" + ("" if n == 1 else "s")


@dataclasses.dataclass(frozen=True)
class IngestReport:
    """What ingest read, kept, rejected and did to personal data.

    ``date_min``/``date_max`` are ``datetime`` objects; every count is an int; dict
    fields map a name to a count (or a source column to its canonical field).
    ``duplicate_rows`` counts exact duplicate events found (beyond the first of each);
    ``duplicates_removed`` how many of them were dropped (0 unless ``drop_duplicates``).
    """

    source_name: str
    rows_read: int
    rows_loaded: int
    users: int
    date_min: dt.datetime
    date_max: dt.datetime
    event_type_counts: dict
    platform_counts: dict
    duplicates_removed: int
    rejected_by_reason: dict
    mapping: dict
    unmapped_columns: tuple = ()
    users_mapping: dict = dataclasses.field(default_factory=dict)
    user_rows: int = 0
    custom_user_columns: tuple = ()
    privacy_actions: tuple = ()
    warnings: tuple = ()
    timestamp_formats: tuple = ()
    encoding: str | None = None
    as_of: str | None = None
    min_group_size: int = 10
    duplicate_rows: int = 0
    users_without_events: int = 0

    def summary(self) -> str:
        """One sentence with the counts: rows read, loaded, rejected by reason, duplicates.

        The command line prints it (with the warnings) to stderr after every load and the
        Data page shows the same sentence, so both report the same numbers.
        """
        text = (
            f"{self.source_name}: {_count(self.rows_read, 'row')} read, "
            f"{_count(self.rows_loaded, 'event')} loaded for {_count(self.users, 'user')}, "
            f"{self.rows_rejected:,} rejected"
        )
        if self.rejected_by_reason:
            text += " (" + "; ".join(f"{k}: {v:,}" for k, v in self.rejected_by_reason.items())
            text += ")"
        if self.duplicate_rows:
            kept = self.duplicate_rows - self.duplicates_removed
            text += f", {_count(self.duplicate_rows, 'exact duplicate row')} " + (
                "removed" if not kept else "kept as real events"
            )
        if self.user_rows:
            text += f"; {_count(self.user_rows, 'row')} of user attributes"
        return text + "."

    @property
    def rows_rejected(self) -> int:
        """Total rows rejected for any reason."""
        return int(sum(self.rejected_by_reason.values()))

    def to_dict(self) -> dict:
        """JSON-ready dict (dates as ISO strings, tuples as lists)."""
        out = dataclasses.asdict(self)
        out["date_min"] = self.date_min.isoformat()
        out["date_max"] = self.date_max.isoformat()
        for key, value in out.items():
            if isinstance(value, tuple):
                out[key] = list(value)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IngestReport:
        """Rebuild a report from :meth:`to_dict` output."""
        names = {f.name: f for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        for key in ("date_min", "date_max"):
            kwargs[key] = dt.datetime.fromisoformat(kwargs[key])
        # Reports written before duplicates were counted separately: all were removed.
        kwargs.setdefault("duplicate_rows", kwargs.get("duplicates_removed", 0))
        for key, f in names.items():
            if key in kwargs and isinstance(kwargs[key], list) and "tuple" in str(f.type):
                kwargs[key] = tuple(kwargs[key])
        return cls(**kwargs)


@dataclasses.dataclass(frozen=True)
class Dataset:
    """A stored dataset: the DuckDB file, its id (content hash) and its ingest report."""

    path: Path
    dataset_id: str
    report: IngestReport


def data_dir() -> Path:
    """The data directory (:func:`core.config.data_dir`)."""
    return config.data_dir()


def datasets_dir() -> Path:
    """``<data dir>/datasets``, created if needed."""
    path = data_dir() / "datasets"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- helpers ---------------------------------------------------------------------------------


def _norm_sql(x: str) -> str:
    """SQL twin of ``core.data.schema.normalise_key``."""
    return "regexp_replace(lower(trim(" + x + r")), '[\s_\-.\x{3000}()（）]+', '', 'g')"


def _sql_str(value: object) -> str:
    """A SQL string literal (single quotes doubled) for DDL that takes no parameters."""
    return "'" + str(value).replace("'", "''") + "'"


def _hash_input(source: Any) -> str:
    """sha256 of a file's bytes (1 MB chunks), an upload's bytes, or a DB table's address."""
    h = hashlib.sha256()
    if source is None:
        return "none"
    if isinstance(source, DbTable):  # tables change under us: never reuse an old copy
        h.update(f"{source.url}|{source.table}|{time.time_ns()}".encode())
    elif isinstance(source, (str, Path)):
        path = Path(source)
        if path.is_dir():
            raise DataError(f"{path.name} is a folder, not a file. Pick the data file inside it.")
        if not path.is_file():
            raise DataError(f"{path.name}: file not found. Check the path and try again.")
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    elif isinstance(source, (bytes, bytearray, memoryview)):
        h.update(bytes(source))
    elif hasattr(source, "getvalue"):
        h.update(source.getvalue())
    else:
        h.update(str(id(source)).encode())
    return h.hexdigest()


def _dataset_id(events, users, mapping, users_mapping, privacy, as_of, names) -> str:
    """Content hash of everything a dataset file holds, its files' display names included.

    The names are part of it because the stored report (and the app) shows them: without
    them, a second upload of the same bytes under another name reopened the first
    upload's file and was shown under the first person's file name.
    """
    parts = {
        "events": _hash_input(events),
        "users": _hash_input(users),
        "names": list(names),
        "mapping": sorted((mapping or {}).items()),
        "users_mapping": sorted((users_mapping or {}).items()),
        "privacy": privacy.fingerprint(),
        "as_of": as_of,
        "version": 2,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def _synonym_table(con, name: str, synonyms: Mapping[str, str]) -> None:
    frame = pd.DataFrame({"key": list(synonyms), "canonical": list(synonyms.values())})
    con.register("_synonyms", frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _synonyms")
    con.unregister("_synonyms")


def _value_map(con, alias: str, expr: str, synonyms: Mapping[str, str]) -> str:
    """Map each distinct raw value of ``expr`` through a synonym table; return the JOIN.

    The normalisation regex runs once per distinct value (a few dozen), not once per row;
    unknown values map to themselves lower-cased.
    """
    if expr == "NULL":
        return ""
    syn, table = f"syn_{alias}", f"map_{alias}"
    _synonym_table(con, syn, synonyms)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT d.raw, "
        f"COALESCE(s.canonical, lower(d.raw)) AS canonical FROM "
        f"(SELECT DISTINCT {expr} AS raw FROM treated t WHERE {expr} IS NOT NULL) d "
        f"LEFT JOIN {syn} s ON s.key = {_norm_sql('d.raw')}"
    )
    return f"LEFT JOIN {table} {alias} ON {alias}.raw = {expr}"


def _choose_timestamp_sql(
    con, table: str, column: str, file_name: str, kind: str = "events"
) -> tuple[str, list[str], list[str]]:
    """Rank the timestamp formats on a sample of ``column``: (COALESCE SQL, names, warnings)."""
    x = f"NULLIF(TRIM({quote_identifier(column)}), '')"
    counts = ", ".join(
        f"count({tmpl.replace('{x}', 'v')}) AS f{i}"
        for i, (_, tmpl) in enumerate(TIMESTAMP_FORMATS)
    )
    row = con.execute(
        f"SELECT count(v), {counts} FROM (SELECT {x} AS v FROM {quote_identifier(table)} "
        f"WHERE {x} IS NOT NULL USING SAMPLE reservoir({TIMESTAMP_SAMPLE_ROWS} ROWS) "
        "REPEATABLE (42))"
    ).fetchall()[0]
    n, hits = row[0], row[1:]
    if n == 0:
        raise DataError(
            f"{file_name}: the time column '{column}' is empty. Map the column that holds "
            "the date and time of each event.",
            kind=kind,
            column=column,
        )
    ranked = sorted((i for i, c in enumerate(hits) if c > 0), key=lambda i: (-hits[i], i))
    if not ranked:
        examples = [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT {x} FROM {quote_identifier(table)} WHERE {x} IS NOT NULL LIMIT 3"
            ).fetchall()
        ]
        raise DataError(
            f"{file_name}: no value in the time column '{column}' could be read as a date "
            f"(for example: {', '.join(map(repr, examples))}). Use a format like "
            "2025-03-01 14:05 or map another column as timestamp.",
            kind=kind,
            column=column,
        )
    names = [TIMESTAMP_FORMATS[i][0] for i in ranked]
    warnings = []
    a, b = (
        next(i for i, (nm, _) in enumerate(TIMESTAMP_FORMATS) if nm == p) for p in _AMBIGUOUS_PAIR
    )
    if hits[a] and hits[a] == hits[b]:
        warnings.append(
            f"{file_name}: dates in '{column}' such as 1/3/2025 could be day-first or "
            "month-first; they were read day-first. Use 2025-03-01 style dates to be sure."
        )
    templates = [TIMESTAMP_FORMATS[i][1] for i in ranked]
    iso = TIMESTAMP_FORMATS[0][1]
    if iso in templates:
        shift = _offset_shift(con, table, x, column, file_name, warnings)
        if shift is not None:
            templates[templates.index(iso)] = shift
    chain = ", ".join(t.replace("{x}", x) for t in templates)
    return f"COALESCE({chain})", names, warnings


# An ISO time followed by a UTC offset: 10:00Z, 10:00:00+08:00, 10:00:00.5-0500, 10:00+08.
_OFFSET_RE = r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?)$"
_OFFSET_SQL = (
    "CASE WHEN upper(o) = 'Z' THEN 0 ELSE (CASE WHEN o[1] = '-' THEN -1 ELSE 1 END) * "
    "(CAST(o[2:3] AS INTEGER) * 60 + COALESCE(TRY_CAST(NULLIF(replace(o[4:], ':', ''), '') "
    "AS INTEGER), 0)) END"
)


def _offset_shift(con, table: str, x: str, column: str, file_name: str, warnings: list[str]):
    """ISO-time SQL that lines up mixed UTC offsets, or None when the column has at most one.

    DuckDB's TIMESTAMP cast keeps the wall-clock time and ignores an offset, which is
    right when every value has the same offset (times stay local, as given) and wrong
    when they differ: 10:00+08:00 and 10:00Z are eight hours apart. Then every value with
    an offset is moved to the most common offset, and a warning says so.
    """
    rows = con.execute(
        f"SELECT minutes, count(*) AS n FROM (SELECT {_OFFSET_SQL} AS minutes FROM "
        f"(SELECT regexp_extract(v, '(Z|z|[+-]\\d{{2}}(:?\\d{{2}})?)$') AS o FROM "
        f"(SELECT {x} AS v FROM {quote_identifier(table)}) WHERE regexp_matches(v, '{_OFFSET_RE}'))) "
        "GROUP BY 1 ORDER BY 2 DESC, 1"
    ).fetchall()
    if len(rows) < 2:
        return None
    target = rows[0][0]
    label = _offset_label(target)
    others = ", ".join(f"{_offset_label(m)} on {_count(n, 'row')}" for m, n in rows[1:4])
    warnings.append(
        f"{file_name}: times in '{column}' carry different UTC offsets ({label} on "
        f"{_count(rows[0][1], 'row')}, {others}{', ...' if len(rows) > 4 else ''}); they were all "
        f"converted to {label}, the most common one, so that they line up."
    )
    return (
        f"CASE WHEN regexp_matches({{x}}, '{_OFFSET_RE}') THEN "
        f"CAST(TRY_CAST({{x}} AS TIMESTAMPTZ) AS TIMESTAMP) + INTERVAL ({int(target)}) MINUTE "
        "ELSE TRY_CAST({x} AS TIMESTAMP) END"
    )


def _offset_label(minutes: int) -> str:
    """+08:00 style label of an offset in minutes (UTC for zero)."""
    if not minutes:
        return "UTC"
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _sample_columns(con, table: str, columns: list[str]) -> dict[str, list]:
    if not columns:
        return {}
    sel = ", ".join(quote_identifier(c) for c in columns)
    rows = con.execute(
        f"SELECT {sel} FROM {quote_identifier(table)} USING SAMPLE reservoir({PII_SAMPLE_ROWS} ROWS) "
        "REPEATABLE (7)"
    ).fetchall()
    return {c: [r[i] for r in rows] for i, c in enumerate(columns)}


def _privacy_plan(
    con, src: LoadedSource, mapping: dict, privacy: PrivacyOptions, id_field: str = "user_id"
) -> tuple[dict[str, str], list[str], bool]:
    """Return ({column: 'hash'|'drop'}, report sentences, user id hashed?)."""
    uid_col = next((c for c, f in mapping.items() if f == id_field), None)
    skip_content = {c for c, f in mapping.items() if f in ("timestamp", "amount", "signup_date")}
    scan = [c for c in src.columns if c not in skip_content]
    found = detect_pii(
        _sample_columns(con, src.table, scan), skip_names=[uid_col] if uid_col else []
    )
    plan: dict[str, str] = {}
    notes: list[str] = []
    uid_hashed = False
    for pii in found:
        if pii.column == uid_col:
            plan[pii.column] = "hash"  # the key must survive: always pseudonymise, never drop
            uid_hashed = True
            notes.append(
                f"{src.name}: the user id column '{uid_col}' holds {pii.kind.replace('_', ' ')}s; "
                "ids were replaced by a salted hash."
            )
        else:
            plan[pii.column] = privacy.action
            notes.append(describe(pii, privacy.action, src.name))
    return plan, notes, uid_hashed


def _treated_select(columns, plan: dict[str, str]) -> str:
    """SELECT list of source columns after privacy: hashed, dropped, or as they are."""
    items = []
    for c in columns:
        action = plan.get(c)
        if action == "drop":
            continue
        expr = hash_sql(quote_identifier(c)) if action == "hash" else quote_identifier(c)
        items.append(f"{expr} AS {quote_identifier(c)}")
    return ", ".join(items) or "NULL AS __empty"


def _field_expr(mapping: dict, field: str) -> str:
    col = next((c for c, f in mapping.items() if f == field), None)
    return f"NULLIF(TRIM(t.{quote_identifier(col)}), '')" if col else "NULL"


def _require_fields(src: LoadedSource, mapping: dict) -> None:
    cols = ", ".join(src.columns)
    what = {
        "user_id": "looks like a user id",
        "timestamp": "looks like the event time",
        "event_type": "looks like the event type (view, like, purchase ...)",
    }
    for field in REQUIRED_EVENT_FIELDS:
        if field not in mapping.values():
            raise DataError(
                f"{src.name}: no column {what[field]} (columns: {cols}).",
                kind="events",
                field=field,
            )


def _parse_as_of(as_of) -> str | None:
    if as_of is None or as_of == "":
        return None
    try:
        return pd.Timestamp(as_of).isoformat()
    except (ValueError, TypeError):
        raise DataError(
            f"The as-of date '{as_of}' is not a date; write it like 2025-03-31."
        ) from None


# --- the canonical tables ---------------------------------------------------------------------


def _build_events(
    con,
    src: LoadedSource,
    mapping: dict,
    plan: dict[str, str],
    warnings: list[str],
    drop_duplicates: bool = False,
) -> dict:
    """Create out.events and out.rejected from the landed source; return counts for the report."""
    if not con.execute(f"SELECT count(*) FROM {quote_identifier(src.table)}").fetchall()[0][0]:
        raise DataError(f"{src.name} has column names but no rows. Export the data again.")
    kept = [c for c in src.columns if plan.get(c) != "drop"]
    mapping = {c: f for c, f in mapping.items() if plan.get(c) != "drop" or f == "user_id"}
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW treated AS SELECT {_treated_select(src.columns, plan)} "
        f"FROM {quote_identifier(src.table)}"
    )
    ts_col = next(c for c, f in mapping.items() if f == "timestamp")
    ts_sql, ts_names, ts_warnings = _choose_timestamp_sql(con, "treated", ts_col, src.name)
    warnings.extend(ts_warnings)
    e, p, f = (_field_expr(mapping, k) for k in ("event_type", "platform", "content_format"))
    joins = "\n".join(
        _value_map(con, alias, expr, synonyms)
        for alias, expr, synonyms in (
            ("ve", e, EVENT_TYPE_SYNONYMS),
            ("vp", p, PLATFORM_SYNONYMS),
            ("vf", f, CONTENT_FORMAT_SYNONYMS),
        )
    )
    amount_raw = _field_expr(mapping, "amount")
    if amount_raw != "NULL":
        amount_raw = (
            f"NULLIF(CASE WHEN regexp_full_match({amount_raw}, '{_DECIMAL_COMMA}') "
            f"THEN replace({amount_raw}, ',', '.') "
            f"ELSE regexp_replace({amount_raw}, '{_AMOUNT_CLEAN}', '', 'g') END, '')"
        )
    ts_sql_t = ts_sql.replace(
        f"TRIM({quote_identifier(ts_col)})", f"TRIM(t.{quote_identifier(ts_col)})"
    )
    reason = " ".join(f"WHEN {cond} THEN '{label}'" for label, cond in REJECT_REASONS)
    future = dt.datetime.now() + dt.timedelta(days=1)
    con.execute(
        f"""
        CREATE TEMP TABLE staged AS
        SELECT *, CASE {reason} END AS __reason FROM (
          SELECT t.*,
            {_field_expr(mapping, "user_id")} AS __user_id,
            {_field_expr(mapping, "timestamp")} AS __ts_raw,
            {ts_sql_t} AS __timestamp,
            {"ve.canonical" if e != "NULL" else "NULL"} AS __event_type,
            {"vp.canonical" if p != "NULL" else "NULL"} AS __platform,
            {amount_raw} AS __amount_raw,
            TRY_CAST({amount_raw} AS DOUBLE) AS __amount,
            {_field_expr(mapping, "content_id")} AS __content_id,
            {"vf.canonical" if f != "NULL" else "NULL"} AS __content_format,
            {_field_expr(mapping, "campaign")} AS __campaign,
            {_field_expr(mapping, "text")} AS __text
          FROM treated t
          {joins}
        )
        """,
        {"future": future, "earliest": EARLIEST_EVENT_DATE, "max_amount": MAX_AMOUNT},
    )
    stats = con.execute(
        """SELECT count(*), count(__timestamp), count(__amount_raw),
                  count(*) FILTER (__amount BETWEEN 0 AND $max_amount),
                  count(*) FILTER (__reason IS NULL)
           FROM staged""",
        {"max_amount": MAX_AMOUNT},
    ).fetchall()[0]
    rows_read, ts_ok, amount_present, amount_ok, valid = stats
    if rows_read == 0:
        raise DataError(f"{src.name} has column names but no rows. Export the data again.")
    amount_col = next((c for c, fld in mapping.items() if fld == "amount"), None)
    if amount_col and amount_present and amount_ok == 0:
        example = con.execute(
            "SELECT min(__amount_raw) FROM staged WHERE __amount_raw IS NOT NULL"
        ).fetchall()[0][0]
        raise DataError(
            f"{src.name}: no value in the amount column '{amount_col}' is a number of zero "
            f"or more (for example '{example}'). Map the right column as amount or fix the "
            "values, then load the file again.",
            kind="events",
            column=amount_col,
        )
    by_reason = dict(
        con.execute(
            "SELECT __reason, count(*) FROM staged WHERE __reason IS NOT NULL "
            "GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
    )
    if valid == 0:
        top = next(iter(by_reason))
        col = {
            "missing user id": next(c for c, fld in mapping.items() if fld == "user_id"),
            "missing event type": next(c for c, fld in mapping.items() if fld == "event_type"),
        }.get(top, ts_col if "timestamp" in top or "date" in top else amount_col)
        raise DataError(
            f"{src.name}: no row could be loaded; every row was rejected, mostly for "
            f"'{top}' (column '{col}'). Fix that column or map another one, then load again.",
            kind="events",
            column=col,
        )
    # Rejected rows: source columns (already pseudonymised) + reason, up to 1000.
    rej_select = ", ".join(
        f"CAST({quote_identifier(c)} AS VARCHAR) AS {quote_identifier(c if c != 'reason' else 'reason_in_file')}"
        for c in kept
    )
    con.execute(
        f"CREATE TABLE out.rejected AS SELECT {rej_select + ', ' if rej_select else ''}"
        f"__reason AS reason FROM staged WHERE __reason IS NOT NULL "
        f"LIMIT {REJECTED_SAMPLE_ROWS}"
    )
    cols_sql = ", ".join(
        f"{quote_identifier(k)} {t}{' NOT NULL' if k in REQUIRED_EVENT_FIELDS else ''}"
        for k, t in EVENT_FIELDS.items()
    )
    con.execute(f"CREATE TABLE out.events ({cols_sql}, uid INTEGER NOT NULL)")
    select = ", ".join(f"__{k}" for k in EVENT_FIELDS)
    # Stored clustered by user, then time: every per-user aggregation (features,
    # personas, CLV, lifecycle) then finds each user's rows together, which takes about
    # a third off the feature build on 10M events (benchmarks/bench_features.py).
    # Exact duplicates (every loaded field equal) are counted always and removed only on
    # request: logs legitimately repeat a row (two identical orders on one day in the
    # CDNOW log), so dropping them by default loses real purchases.
    distinct = con.execute(
        f"SELECT count(*) FROM (SELECT DISTINCT {select} FROM staged WHERE __reason IS NULL)"
    ).fetchall()[0][0]
    con.execute(
        f"INSERT INTO out.events SELECT *, {_UID_SQL.format(user_id='__user_id')} FROM "
        f"(SELECT {'DISTINCT ' if drop_duplicates else ''}{select} FROM staged "
        "WHERE __reason IS NULL) ORDER BY __user_id, __timestamp"
    )
    write_activity_tables(con, "out")
    loaded = con.execute("SELECT count(*) FROM out.events").fetchall()[0][0]
    return {
        "rows_read": rows_read,
        "rows_loaded": loaded,
        "duplicate_rows": valid - distinct,
        "duplicates_removed": valid - loaded,
        "rejected_by_reason": by_reason,
        "timestamp_formats": tuple(ts_names),
        "ts_parsed": ts_ok,
    }


#: The integer user key: users numbered 1, 2, ... in user_id order (the storage order).
_UID_SQL = "CAST(dense_rank() OVER (ORDER BY {user_id}) AS INTEGER)"

#: What counts as engaging (core.segments.features' lifecycle rule): any event but a view or click.
ENGAGED_SQL = "event_type NOT IN ({})".format(", ".join(f"'{t}'" for t in PROSPECT_EVENT_TYPES))


def write_activity_tables(con: duckdb.DuckDBPyConnection, schema: str = "main") -> None:
    """Write the derived tables Explore reads instead of re-deriving them from every event.

    - ``events.uid`` (added here when missing): an INTEGER key per user, so per-user
      group-bys, windows and segment semi-joins hash integers instead of strings (about
      twice as fast on 10M events);
    - ``user_keys(user_id, uid)``: the key of each user, to translate segment labels;
    - ``user_days(uid, day, prev_day, next_day, first_day, engaged, purchased)``: one row
      per user and active day with the user's previous, next and first active day (any
      platform), and whether the day had an engaging event or a purchase. DAU/WAU/MAU, new vs returning
      users and the lifecycle mix need exactly these links; taking them from a window over
      every event cost 1.3 s of each Overview render on 10M events.

    The dataset is never changed after ingest, so these stay true. Datasets written
    before these tables existed work without them (core.explore.dashboards falls back to the
    events), just more slowly.
    """
    s = schema
    has_uid = bool(
        con.execute(
            f"SELECT count(*) FROM (DESCRIBE {s}.events) WHERE column_name = 'uid'"
        ).fetchall()[0][0]
    )
    if not has_uid:
        con.execute(
            f"CREATE TABLE {s}.events__keyed AS SELECT *, {_UID_SQL.format(user_id='user_id')} "
            f"AS uid FROM {s}.events ORDER BY user_id, timestamp"
        )
        con.execute(f"DROP TABLE {s}.events")
        con.execute(f"ALTER TABLE {s}.events__keyed RENAME TO events")
    con.execute(
        f"CREATE OR REPLACE TABLE {s}.user_keys AS "
        f"SELECT DISTINCT uid, user_id FROM {s}.events ORDER BY uid"
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE {s}.user_days AS
        SELECT uid, day, lag(day) OVER w AS prev_day, lead(day) OVER w AS next_day,
               min(day) OVER w AS first_day, engaged, purchased
        FROM (SELECT uid, CAST(timestamp AS DATE) AS day,
                     bool_or({ENGAGED_SQL}) AS engaged,
                     bool_or(event_type = 'purchase') AS purchased
              FROM {s}.events GROUP BY ALL)
        WINDOW w AS (PARTITION BY uid ORDER BY day)
        ORDER BY uid, day"""
    )


def _build_users(
    con,
    src: LoadedSource | None,
    mapping: dict,
    plan: dict[str, str],
    uid_hashed: bool,
    warnings: list[str],
) -> tuple[int, tuple[str, ...]]:
    """Create out.users; return (rows, custom column names)."""
    if src is None:
        con.execute("CREATE TABLE out.users (user_id VARCHAR)")
        return 0, ()
    if "user_id" not in mapping.values():
        raise DataError(
            f"{src.name}: no column looks like a user id (columns: {', '.join(src.columns)}).",
            kind="users",
            field="user_id",
        )
    uid_col = next(c for c, f in mapping.items() if f == "user_id")
    if uid_hashed:
        plan = {**plan, uid_col: "hash"}
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW users_treated AS SELECT {_treated_select(src.columns, plan)} "
        f"FROM {quote_identifier(src.table)}"
    )
    items = [f"NULLIF(TRIM({quote_identifier(uid_col)}), '') AS user_id"]
    used = {"user_id"}
    for col, field in mapping.items():
        if field == "user_id" or plan.get(col) == "drop":
            continue
        x = f"NULLIF(TRIM({quote_identifier(col)}), '')"
        kind = USER_FIELDS[field]
        if field == "signup_date":
            try:
                ts_sql, _, _ = _choose_timestamp_sql(con, "users_treated", col, src.name, "users")
                expr = f"CAST({ts_sql} AS DATE)"
            except DataError:  # an optional attribute: warn and leave it empty
                warnings.append(
                    f"{src.name}: no value in '{col}' could be read as a date; sign-up "
                    "dates were left empty."
                )
                expr = "CAST(NULL AS DATE)"
        elif kind == "DOUBLE":
            expr = f"TRY_CAST(regexp_replace({x}, '[,\\s]', '', 'g') AS DOUBLE)"
            bad = con.execute(f"SELECT count({x}) - count({expr}) FROM users_treated").fetchall()[
                0
            ][0]
            if bad:
                warnings.append(
                    f"{src.name}: {bad:,} value(s) in '{col}' ({field}) are not numbers "
                    "and were left empty."
                )
        else:
            expr = x
        items.append(f"{expr} AS {quote_identifier(field)}")
        used.add(field)
    custom = []
    for col in src.columns:
        if col in mapping or plan.get(col) == "drop":
            continue
        out_name = col if col not in used else f"{col}_custom"
        used.add(out_name)
        custom.append(out_name)
        items.append(f"NULLIF(TRIM({quote_identifier(col)}), '') AS {quote_identifier(out_name)}")
    con.execute(f"CREATE TEMP TABLE users_staged AS SELECT {', '.join(items)} FROM users_treated")
    # Numeric-looking columns (income, custom) become DOUBLE when every value is a number.
    numeric_candidates = [*custom, *(["income"] if "income" in used else [])]
    casts = {}
    for c in numeric_candidates:
        n, n_num = con.execute(
            f"SELECT count({quote_identifier(c)}), count(TRY_CAST({quote_identifier(c)} AS DOUBLE)) FROM users_staged"
        ).fetchall()[0]
        if n and n == n_num:
            casts[c] = f"CAST({quote_identifier(c)} AS DOUBLE) AS {quote_identifier(c)}"
    cols = [r[0] for r in con.execute("DESCRIBE users_staged").fetchall()]
    select = ", ".join(casts.get(c, quote_identifier(c)) for c in cols)
    missing, dupes = con.execute(
        "SELECT count(*) FILTER (user_id IS NULL), count(user_id) - count(DISTINCT user_id) "
        "FROM users_staged"
    ).fetchall()[0]
    if missing:
        warnings.append(f"{src.name}: {missing:,} row(s) without a user id were skipped.")
    if dupes:
        warnings.append(
            f"{src.name}: {dupes:,} repeated user id(s); the first row of each was kept."
        )
    con.execute(
        f"CREATE TABLE out.users AS SELECT {select} FROM (SELECT *, row_number() OVER "
        "(PARTITION BY user_id) AS __n FROM users_staged WHERE user_id IS NOT NULL) "
        "WHERE __n = 1 ORDER BY user_id"
    )
    rows = con.execute("SELECT count(*) FROM out.users").fetchall()[0][0]
    return rows, tuple(custom)


def _counts(con, column: str) -> dict:
    return {
        k: int(v)
        for k, v in con.execute(
            f"SELECT {column}, count(*) FROM out.events WHERE {column} IS NOT NULL "
            "GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
    }


def ingest(
    events_source: Any,
    *,
    users_source: Any = None,
    mapping: Mapping[str, str] | None = None,
    users_mapping: Mapping[str, str] | None = None,
    privacy: PrivacyOptions | None = None,
    dest: str | Path | None = None,
    as_of: Any = None,
    source_name: str | None = None,
    users_name: str | None = None,
    drop_duplicates: bool = False,
) -> Dataset:
    """Read, map, validate and pseudonymise events (and users) into a DuckDB dataset.

    Parameters
    ----------
    events_source : str, Path, bytes, file-like or DbTable
        The events file (csv, tsv, xlsx, parquet, jsonl) or database table.
    users_source : same types, optional
        One row per user with attributes.
    mapping, users_mapping : dict, optional
        Explicit ``{source column: canonical field}`` overrides; other columns are
        recognised from their names (``core.data.schema.guess_mapping``).
    privacy : PrivacyOptions, optional
        Hash (default) or drop detected personal-data columns.
    dest : path, optional
        Where to write the DuckDB file; default ``<data dir>/datasets/<id>.duckdb``, which
        is reused when the same inputs, file names, mapping and options were loaded before.
    as_of : date-like, optional
        Reference date stored with the dataset (features measure recency to it).
    source_name, users_name : str, optional
        Display names for uploads (their extension decides the format).
    drop_duplicates : bool
        Remove exact duplicate event rows (every loaded field equal). Off by default:
        they are counted in the report (``duplicate_rows``) and kept, because a log can
        hold two identical real events.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        One sentence naming the file and column and what to do; nothing is written.
    """
    privacy = privacy or PrivacyOptions()
    mapping = dict(mapping or {})
    users_mapping = dict(users_mapping or {})
    as_of_iso = _parse_as_of(as_of)
    from core.data.sources import source_name as _display

    ev_name = source_name or _display(events_source, "events")
    us_name = users_name or (_display(users_source, "users") if users_source is not None else None)
    # Names are checked before a stored copy is reused: the same bytes under a name
    # PersonaLab does not read are still refused.
    for name, source in ((ev_name, events_source), (us_name, users_source)):
        if source is not None and not isinstance(source, DbTable):
            detect_format(name)
    dataset_id = _dataset_id(
        events_source, users_source, mapping, users_mapping, privacy, as_of_iso, (ev_name, us_name)
    )
    if drop_duplicates:  # the same inputs without their duplicates: another dataset
        dataset_id = hashlib.sha256(f"{dataset_id}|drop_duplicates".encode()).hexdigest()[:16]
    final = Path(dest) if dest else datasets_dir() / f"{dataset_id}.duckdb"
    remove_stale_work(datasets_dir(), final.parent)
    if dest is None and final.exists():
        try:
            return open_dataset(final)
        except DataError:
            final.unlink(missing_ok=True)
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="ingest-", dir=datasets_dir()))
    lock = _claim(work)
    tmp_out = final.parent / f".tmp-{work.name}.duckdb"
    # Scratch work in memory (spilling to ``work/spill`` when large): raw, not yet
    # pseudonymised values are never written to a database file.
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET temp_directory = " + _sql_str(work / "spill"))
        con.execute("SET TimeZone = 'UTC'")
        # DuckDB draws a progress bar on stderr for queries over 2 s: on the command line
        # that is noise around the one-sentence summary or error.
        con.execute("SET enable_progress_bar = false")
        con.execute("ATTACH " + _sql_str(tmp_out) + " AS out")
        warnings: list[str] = []
        ev = load_source(events_source, ev_name, con, table="src_events")
        warnings.extend(ev.warnings)
        ev_map = guess_mapping(ev.columns, "events", overrides=mapping)
        _require_fields(ev, ev_map)
        plan, notes, uid_hashed = _privacy_plan(con, ev, ev_map, privacy)
        us = None
        us_map: dict[str, str] = {}
        us_plan: dict[str, str] = {}
        if users_source is not None:
            us = load_source(users_source, us_name, con, table="src_users")
            warnings.extend(us.warnings)
            us_map = guess_mapping(us.columns, "users", overrides=users_mapping)
            if "user_id" in us_map.values():
                us_plan, us_notes, us_uid_hashed = _privacy_plan(con, us, us_map, privacy)
                notes.extend(us_notes)
                if us_uid_hashed and not uid_hashed:  # keep ids joinable: hash both sides
                    uid_col = next(c for c, f in ev_map.items() if f == "user_id")
                    plan[uid_col] = "hash"
                    uid_hashed = True
                    notes.append(f"{ev.name}: user ids hashed too, to match {us.name}.")
        salt = resolve_salt(privacy)
        counts = _with_salt(
            con, salt, lambda: _build_events(con, ev, ev_map, plan, warnings, drop_duplicates)
        )
        user_rows, custom = _with_salt(
            con, salt, lambda: _build_users(con, us, us_map, us_plan, uid_hashed, warnings)
        )
        users_without_events = 0
        if us is not None and user_rows:
            users_without_events = con.execute(
                "SELECT count(*) FROM out.users u WHERE NOT EXISTS "
                "(SELECT 1 FROM out.events e WHERE e.user_id = u.user_id)"
            ).fetchall()[0][0]
            if users_without_events == user_rows:
                # Every users row would become a user with no events (a "prospect"):
                # two files keyed by different ids, not a real audience.
                raise DataError(
                    f"{us.name}: none of its {user_rows:,} user ids appear in {ev.name}; "
                    "check that both files use the same kind of id (for example both "
                    "member numbers), or load the events without the users file."
                )
            if users_without_events:
                warnings.append(
                    f"{users_without_events:,} user(s) in {us.name} have no events in "
                    f"{ev.name}; they are kept as prospects with zero counts."
                )
            unmatched = con.execute(
                "SELECT count(DISTINCT user_id) FROM out.events e WHERE NOT EXISTS "
                "(SELECT 1 FROM out.users u WHERE u.user_id = e.user_id)"
            ).fetchall()[0][0]
            if unmatched:
                warnings.append(
                    f"{unmatched:,} user(s) in {ev.name} have no row in {us.name}; their "
                    "attributes will be empty."
                )
        users, dmin, dmax = con.execute(
            "SELECT count(DISTINCT user_id), min(timestamp), max(timestamp) FROM out.events"
        ).fetchall()[0]
        report = IngestReport(
            source_name=ev.name,
            rows_read=int(counts["rows_read"]) + sum(ev.skipped.values()),
            rows_loaded=int(counts["rows_loaded"]),
            users=int(users),
            date_min=dmin,
            date_max=dmax,
            event_type_counts=_counts(con, "event_type"),
            platform_counts=_counts(con, "platform"),
            duplicates_removed=int(counts["duplicates_removed"]),
            duplicate_rows=int(counts["duplicate_rows"]),
            rejected_by_reason=_merge_counts(ev.skipped, counts["rejected_by_reason"]),
            mapping=ev_map,
            unmapped_columns=tuple(c for c in ev.columns if c not in ev_map),
            users_mapping=us_map,
            user_rows=int(user_rows),
            users_without_events=int(users_without_events),
            custom_user_columns=custom,
            privacy_actions=tuple(notes),
            warnings=tuple(warnings),
            timestamp_formats=counts["timestamp_formats"],
            encoding=ev.encoding,
            as_of=as_of_iso,
            min_group_size=privacy.min_group_size,
        )
        con.execute("CREATE TABLE out.meta (key VARCHAR, value VARCHAR)")
        con.executemany(
            "INSERT INTO out.meta VALUES (?, ?)",
            [
                ("report", json.dumps(report.to_dict(), ensure_ascii=False)),
                ("dataset_id", dataset_id),
                ("schema_version", "1"),
            ],
        )
        con.execute("DETACH out")
        con.close()
        os.replace(tmp_out, final)
    except duckdb.Error as exc:
        raise DataError(
            f"{ev_name}: the data could not be processed ({str(exc).splitlines()[0][:160]}). "
            "Check the column mapping and the file, then try again."
        ) from None
    finally:
        with contextlib.suppress(duckdb.Error):
            con.close()
        for leftover in (tmp_out, Path(f"{tmp_out}.wal")):
            leftover.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
        lock.close()
    return Dataset(final, dataset_id, report)


#: Scratch files whose owner cannot be told (written before work folders were locked)
#: are removed once they are this old.
STALE_AFTER_SECONDS = 3600


def _claim(work: Path):
    """Lock ``work/.lock`` for this ingest; the open file holds the lock until closed."""
    handle = open(work / ".lock", "w")  # noqa: SIM115 - closed in ingest's finally
    with contextlib.suppress(ImportError, OSError):
        import fcntl

        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return handle


def _in_use(work: Path) -> bool:
    """True while an ingest (in any process) holds ``work/.lock``."""
    lock = work / ".lock"
    if not lock.exists():  # just created, or left by an older version: judge by age
        return time.time() - work.stat().st_mtime < STALE_AFTER_SECONDS
    try:
        import fcntl
    except ImportError:  # no advisory locks (Windows): judge by age
        return time.time() - lock.stat().st_mtime < STALE_AFTER_SECONDS
    with open(lock) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def remove_stale_work(*folders: Path) -> list[Path]:
    """Delete scratch left by ingests that died (``kill -9``, power loss, out of memory).

    An ingest works in ``<datasets>/ingest-*/`` and writes ``.tmp-ingest-*.duckdb`` next to
    its destination, holding a lock on ``ingest-*/.lock`` until it ends; its ``finally``
    removes both, but a killed process runs no ``finally``. Every ingest calls this first:
    a work folder whose lock nobody holds, and a temporary database whose work folder is
    gone or unlocked, are removed. Live ingests of other processes are left alone.

    Parameters
    ----------
    *folders : Path
        Folders to clean (the datasets folder and the destination's folder).

    Returns
    -------
    list of Path
        What was removed.
    """
    removed: list[Path] = []
    for folder in dict.fromkeys(Path(f) for f in folders):
        if not folder.is_dir():
            continue
        for work in folder.glob("ingest-*"):
            with contextlib.suppress(OSError):
                if work.is_dir() and not _in_use(work):
                    shutil.rmtree(work, ignore_errors=True)
                    removed.append(work)
        for tmp in folder.glob(".tmp-*.duckdb*"):
            owner = tmp.name.removeprefix(".tmp-").split(".duckdb")[0]
            with contextlib.suppress(OSError):
                if owner.startswith("ingest-"):
                    live = any(
                        (f / owner).is_dir() and _in_use(f / owner)
                        for f in (folder, datasets_dir())
                    )
                else:
                    live = time.time() - tmp.stat().st_mtime < STALE_AFTER_SECONDS
                if not live:
                    tmp.unlink()
                    removed.append(tmp)
    return removed


def _merge_counts(*parts: Mapping[str, int]) -> dict[str, int]:
    """Add up reason -> count mappings, largest first (ties by name)."""
    total: dict[str, int] = {}
    for part in parts:
        for key, n in part.items():
            total[key] = total.get(key, 0) + int(n)
    return dict(sorted(total.items(), key=lambda kv: (-kv[1], kv[0])))


def _with_salt(con, salt: str, fn):
    """Run ``fn`` with the salt bound as DuckDB variable ``salt`` (never inlined in SQL text)."""
    con.execute("SET VARIABLE personalab_salt = ?", [salt])
    try:
        return fn()
    finally:
        con.execute("RESET VARIABLE personalab_salt")


def open_dataset(path: str | Path) -> Dataset:
    """Open a dataset written by :func:`ingest`.

    Parameters
    ----------
    path : str or Path
        The ``.duckdb`` file.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        If the file is missing or is not a PersonaLab dataset.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"Dataset file {path.name} was not found; load the data again.")
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        finally:
            con.close()
        report = IngestReport.from_dict(json.loads(meta["report"]))
    except (duckdb.Error, KeyError, ValueError, TypeError):
        raise DataError(
            f"{path.name} is not a PersonaLab dataset (or is damaged); load the data again."
        ) from None
    return Dataset(path, meta.get("dataset_id", path.stem), report)


def read_rejected(dataset: Dataset, limit: int = REJECTED_SAMPLE_ROWS) -> pd.DataFrame:
    """The stored sample of rejected rows (all text, plus ``reason``), at most ``limit``.

    Parameters
    ----------
    dataset : Dataset
    limit : int

    Returns
    -------
    pandas.DataFrame
    """
    con = duckdb.connect(str(dataset.path), read_only=True)
    try:
        return con.execute(f"SELECT * FROM rejected LIMIT {int(limit)}").df()
    finally:
        con.close()


def preview_source(source: Any, name: str | None = None, n: int = 5) -> pd.DataFrame:
    """The first ``n`` rows of a source as text, for the mapping form.

    Parameters
    ----------
    source : str, Path, bytes, file-like or DbTable
    name : str, optional
        Display name (its extension decides the format).
    n : int
        Rows to return.

    Returns
    -------
    pandas.DataFrame
        All columns as str; raises DataError on unreadable input like :func:`ingest`.
    """
    name = name or source_name(source)
    head = _text_head(source, name) if detect_format(name) in ("csv", "tsv") else None
    con = duckdb.connect()
    try:
        # Only the first rows of a workbook are read: a 1M-row sheet previews at once.
        load_source(source if head is None else head, name, con, table="preview", max_rows=n)
        return con.execute(f"SELECT * FROM preview LIMIT {int(n)}").df()
    finally:
        con.close()


def _text_head(source: Any, name: str, nbytes: int = 1 << 20) -> bytes | None:
    """The first ~1 MB of a big text file, cut after its last complete line (None if small)."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file() or path.stat().st_size <= nbytes:
            return None
        with open(path, "rb") as fh:
            data = fh.read(nbytes)
    elif isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) <= nbytes:
            return None
        data = bytes(source[:nbytes])
    else:
        return None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: a newline byte is not a line end
        return None
    cut = data.rfind(b"\n")
    return data[: cut + 1] if cut > 0 else None


def sample_dataset() -> Dataset:
    """The bundled sample (``sample_data/events.csv`` + ``users.csv``) as a dataset.

    Ingested once into the data directory and reused afterwards (same content, same id).

    Raises
    ------
    DataError
        If the sample files are missing from the installation.
    """
    folder = config.sample_dir()
    events = folder / "events.csv"
    users = folder / "users.csv"
    if not events.is_file():
        raise DataError(
            "The bundled sample data is missing (sample_data/events.csv); run "
            "python -m core sample --users 2000 --out sample_data, or load your own file."
        )
    return ingest(events, users_source=users if users.is_file() else None)
