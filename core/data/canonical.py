"""Writing the canonical ``events`` and ``rejected`` tables from a source.

Every transformation is DuckDB SQL over the (pseudonymised) source, a landed table or a
view over the file's reader: event types, platforms and formats mapped value by value
through the synonym tables, timestamps through
:func:`core.data.timestamps._choose_timestamp_sql`, amounts cleaned, cast and checked
(not finite, negative or implausibly large amounts and dates in the future or before
1980 are rejected, first matching reason wins), exact duplicates counted (and removed on
request). Rejected rows are kept (the first 1000 in file order, with a reason). The
tables are written to the attached database ``out``. The rows are parsed once: one pass
stages them as typed fields with their reason, and every later step (counts, keys, the
sorted write) reads that narrow table. What the pass needs to know about the whole file
comes from ``core.data.first_read``: read before it, or, for a CSV or Parquet file,
guessed from the first rows and checked after it (``core.data.guess``; docs/
architecture.md, "How ingest streams"). The value maps are in ``core.data.value_maps``.
The users table is written by ``core.data.canonical_users``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb

from core.common.sql import quote_identifier, trimmed_or_null
from core.data.derived import write_activity_tables
from core.data.first_read import CANDIDATE_COLUMN, OFFSET_COLUMN, FirstRead, candidate_sql
from core.data.landed import LoadedSource
from core.data.privacy import hash_sql
from core.data.report import REJECTED_SAMPLE_ROWS
from core.data.schema import EVENT_FIELDS, REQUIRED_EVENT_FIELDS
from core.data.synonyms import CONTENT_FORMAT_SYNONYMS, EVENT_TYPE_SYNONYMS, PLATFORM_SYNONYMS
from core.data.timestamps import _choose_timestamp_sql
from core.data.value_maps import _value_maps
from core.errors import DataError
from core.i18n import N_, tr

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

# Reasons a row is rejected, in the order they are checked (first match wins). They are
# stored in English (the ``reason`` column is data) and translated where they are shown.
REJECT_REASONS: tuple[tuple[str, str], ...] = (
    (N_("missing user id"), "__user_id IS NULL"),
    (N_("missing timestamp"), "__ts_raw IS NULL"),
    (N_("timestamp not understood"), "__timestamp IS NULL"),
    (N_("date in the future"), "__timestamp > $future"),
    (N_("date before 1980"), "__timestamp < $earliest"),
    (N_("missing event type"), "__event_type IS NULL AND __event_type__code IS NULL"),
    (
        N_("amount is not a number"),
        "__amount_raw IS NOT NULL AND (__amount IS NULL OR isnan(__amount) OR isinf(__amount))",
    ),
    (N_("negative amount"), "__amount < 0"),
    (N_("amount too large"), "__amount > $max_amount"),
)


def _no_rows(name: str) -> str:
    """The sentence for a file with a header and no rows."""
    return tr("{file} has column names but no rows. Export the data again.", file=name)


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
    return trimmed_or_null(f"t.{quote_identifier(col)}") if col else "NULL"


#: The fields mapped value by value through synonym tables, by their alias in the SQL.
VALUE_MAP_FIELDS = {"ve": "event_type", "vp": "platform", "vf": "content_format"}


def value_map_columns(mapping: dict) -> dict[str, str | None]:
    """``{alias: source column or None}`` of the fields in :data:`VALUE_MAP_FIELDS`."""
    return {
        alias: next((c for c, f in mapping.items() if f == field), None)
        for alias, field in VALUE_MAP_FIELDS.items()
    }


def _raw_expr(mapping: dict, field: str) -> str:
    """The field's source column as it is in the file (not trimmed), or NULL."""
    col = next((c for c, f in mapping.items() if f == field), None)
    return f"t.{quote_identifier(col)}" if col else "NULL"


def _build_events(
    con,
    src: LoadedSource,
    mapping: dict,
    plan: dict[str, str],
    warnings: list[str],
    drop_duplicates: bool = False,
    first: FirstRead | None = None,
) -> dict:
    """Create out.events and out.rejected from the source; return counts for the report.

    ``first`` is what the first read of the source found (row count, samples, distinct
    values, see ``core.data.first_read``); without it they are read from the landed table.
    """
    staging = stage_events(con, src, mapping, plan, first)
    warnings.extend(staging.ts_warnings)
    return write_events(con, src, staging, drop_duplicates)


#: The event fields a source may lack; ``staged`` stores only those it has.
OPTIONAL_FIELDS = ("platform", "content_id", "content_format", "campaign", "text")


@dataclasses.dataclass(frozen=True)
class Staging:
    """What the parsing pass decided, for the steps after it and for the check of a guess."""

    mapping: dict
    kept: list
    ts_col: str
    ts_sql: str
    ts_names: list
    ts_warnings: list
    amount_raw: str
    #: The optional text fields the source has (the others are not stored in ``staged``).
    stored: tuple = ()
    #: The value-mapped fields ``staged`` holds as a code (``__<field>__code``) beside the
    #: text of the values their map did not list (``__<field>``): their
    #: ``core.data.value_maps.CodedMap``, by field.
    coded: dict = dataclasses.field(default_factory=dict)


def stage_events(
    con,
    src: LoadedSource,
    mapping: dict,
    plan: dict[str, str],
    first: FirstRead | None = None,
    speculative: bool = False,
) -> Staging | None:
    """Parse, map and check every row of the source into the temporary table ``staged``.

    With ``speculative``, ``first`` is a guess from the file's first rows
    (``core.data.first_read.prefix_read``): the pass reads the file itself, with its
    reader's rejects stored, and adds the columns that :func:`core.data.first_read.
    read_candidates` turns into the exact first read. It returns None, having staged
    nothing, when the guess cannot choose the time formats (the first rows' times are
    blank or unreadable): the file must be read first.
    """
    source_mapping = mapping
    rows = (
        first.rows
        if first is not None
        else con.execute(f"SELECT count(*) FROM {quote_identifier(src.table)}").fetchall()[0][0]
    )
    if not rows:
        raise DataError(_no_rows(src.name))
    kept = [c for c in src.columns if plan.get(c) != "drop"]
    mapping = {c: f for c, f in mapping.items() if plan.get(c) != "drop" or f == "user_id"}
    treated = _treated_select(src.columns, plan)
    source = quote_identifier(src.table)
    checks = ""
    if speculative:
        source, candidate, offset = candidate_sql(src, source_mapping)
        treated += f", {candidate} AS {CANDIDATE_COLUMN}, {offset} AS {OFFSET_COLUMN}"
        checks = f", {CANDIDATE_COLUMN}, {OFFSET_COLUMN}"
    con.execute(f"CREATE OR REPLACE TEMP VIEW treated AS SELECT {treated} FROM {source}")
    ts_col = next(c for c, f in mapping.items() if f == "timestamp")
    try:
        ts_sql, ts_names, ts_warnings = _choose_timestamp_sql(
            con,
            "treated",
            ts_col,
            src.name,
            sample=first.timestamp_sample if first else None,
            offsets=first.offsets if first else None,
        )
    except DataError:
        if speculative:
            con.execute("DROP VIEW treated")
            return None
        raise
    e, p, f = (_raw_expr(mapping, k) for k in ("event_type", "platform", "content_format"))
    columns = value_map_columns(mapping)
    joins, mapped, coded = _value_maps(
        con,
        (
            ("ve", e, EVENT_TYPE_SYNONYMS),
            ("vp", p, PLATFORM_SYNONYMS),
            ("vf", f, CONTENT_FORMAT_SYNONYMS),
        ),
        # Listed by the first read (or the guess) from the file's own values: right
        # unless the column is pseudonymised (then its hashed values are listed from
        # the rows). A value the guess did not list takes the maps' general branch.
        {
            alias: values
            for alias, values in (first.distinct if first else {}).items()
            if columns[alias] is not None and plan.get(columns[alias]) is None
        },
    )
    # A short value map is stored as its code (see CodedMap): the codes are computed in
    # a layer below the one that reads them, which keeps the text only where the code
    # is NULL, so the map's CASE runs once per row.
    codes_sql = "".join(f", {m.code_sql} AS __personalab_code_{a}" for a, m in coded.items())
    code_of, coded_fields = {}, {}  # by field: the code's column, the CodedMap
    for alias, m in coded.items():
        code = f"t.__personalab_code_{alias}"
        mapped[alias] = m.text_sql(code)
        code_of[VALUE_MAP_FIELDS[alias]] = code
        coded_fields[VALUE_MAP_FIELDS[alias]] = m
    amount_raw = amount_num = _field_expr(mapping, "amount")
    if amount_raw != "NULL":
        v = amount_raw
        cleaned = (
            f"NULLIF(CASE WHEN regexp_full_match({v}, '{_DECIMAL_COMMA}') "
            f"THEN replace({v}, ',', '.') "
            f"ELSE regexp_replace({v}, '{_AMOUNT_CLEAN}', '', 'g') END, '')"
        )
        # Most amounts are plain numbers already: those skip the two regexes (five times
        # faster on 1M rows). A value without a comma that casts to a number has nothing
        # the cleaning removes but spaces, so it yields the same number either way.
        plain = f"(NOT contains({v}, ',') AND TRY_CAST({v} AS DOUBLE) IS NOT NULL)"
        amount_raw = f"CASE WHEN {v} IS NULL THEN NULL WHEN {plain} THEN {v} ELSE {cleaned} END"
        amount_num = (
            f"CASE WHEN {v} IS NULL THEN NULL WHEN {plain} THEN TRY_CAST({v} AS DOUBLE) "
            f"ELSE TRY_CAST({cleaned} AS DOUBLE) END"
        )
    # The time is parsed from the trimmed text the layer below computes once (__ts_raw):
    # the formats' SQL trims its column in every branch, and DuckDB does not share the
    # trimming between two columns of one SELECT (0.09-0.14 s on 10M times).
    ts_sql_t = ts_sql.replace(trimmed_or_null(quote_identifier(ts_col)), "__ts_raw")
    reason = " ".join(f"WHEN {cond} THEN '{label}'" for label, cond in REJECT_REASONS)
    future = dt.datetime.now() + dt.timedelta(days=1)
    params = {"future": future, "earliest": EARLIEST_EVENT_DATE, "max_amount": MAX_AMOUNT}
    # One pass over the rows parses, maps and checks every row into a narrow typed table
    # (the fields and the reason, and the source's text only for rejected rows); for a
    # CSV or Parquet file it is the file's one full read, and every count below reads
    # this table. Its rows are in file order (rowid), which the rejected sample keeps.
    # The text of a rejected row is kept as one JSON list (one narrow column, NULL for
    # every loaded row): a column per source field cost 4 bytes per row each, all rows,
    # and pushed the sort below into spilling.
    raws_in = "".join(f", t.{quote_identifier(c)} AS __raw{i}" for i, c in enumerate(kept))
    listed = ", ".join(f"CAST(__raw{i} AS VARCHAR)" for i in range(len(kept)))
    raws_out = (
        f", CASE WHEN __reason IS NOT NULL THEN to_json(list_value({listed})) END AS __raw"
        if kept
        else ""
    )
    # An optional field the source does not have is not stored: a column of NULLs still
    # costs 4-5 bytes a row in memory (46 MB on 10M events) through the sort below.
    expr_of = {
        "platform": mapped.get("vp", "NULL"),
        "content_id": _field_expr(mapping, "content_id"),
        "content_format": mapped.get("vf", "NULL"),
        "campaign": _field_expr(mapping, "campaign"),
        "text": _field_expr(mapping, "text"),
    }
    stored = tuple(k for k in OPTIONAL_FIELDS if expr_of[k] != "NULL")
    stored_sql = "".join(f", __{k}" + (f", __{k}__code" if k in code_of else "") for k in stored)
    event_sql = "__event_type" + (", __event_type__code" if "event_type" in code_of else "")
    codes_out = "".join(f", {code} AS __{field}__code" for field, code in code_of.items())
    if "event_type" not in code_of:  # the reason's test reads it
        codes_out += ", NULL::UTINYINT AS __event_type__code"
    sql = f"""
        CREATE TEMP TABLE staged AS
        SELECT __reason{raws_out},
               __user_id, __timestamp, {event_sql}, __amount{stored_sql},
               __amount_raw IS NOT NULL AS __has_amount{checks}
        FROM (SELECT *, CASE {reason} END AS __reason FROM (
         SELECT *, {ts_sql_t} AS __timestamp FROM (
          SELECT {_field_expr(mapping, "user_id")} AS __user_id,
            {_field_expr(mapping, "timestamp")} AS __ts_raw,
            {mapped.get("ve", "NULL")} AS __event_type,
            {mapped.get("vp", "NULL")} AS __platform,
            {amount_raw} AS __amount_raw,
            {amount_num if amount_num != "NULL" else "CAST(NULL AS DOUBLE)"} AS __amount,
            {_field_expr(mapping, "content_id")} AS __content_id,
            {mapped.get("vf", "NULL")} AS __content_format,
            {_field_expr(mapping, "campaign")} AS __campaign,
            {_field_expr(mapping, "text")} AS __text{raws_in}{checks}{codes_out}
          FROM (SELECT *{codes_sql} FROM treated t) t
          {joins}
        )))
        """
    try:
        con.execute(sql, params)
    except duckdb.Error as exc:
        # This pass is the file's only full read: a reader's error gets the reader's
        # sentence, as the first read gave it. Running out of memory or being stopped
        # is not the file's fault and keeps ingest's own sentence.
        not_the_file = (duckdb.OutOfMemoryException, duckdb.InterruptException)
        if not speculative or src.read_error is None or isinstance(exc, not_the_file):
            raise
        raise src.read_error(exc) from None
    return Staging(
        mapping, kept, ts_col, ts_sql, ts_names, ts_warnings, amount_raw, stored, coded_fields
    )


def write_events(con, src: LoadedSource, staging: Staging, drop_duplicates: bool = False) -> dict:
    """From ``staged``: out.rejected, out.events (sorted), the derived tables; the counts."""
    mapping, kept, ts_col = staging.mapping, staging.kept, staging.ts_col
    amount_raw = staging.amount_raw
    # Counts by reason, with what the report and the refusals need, in one pass; and per
    # coded field, the rows holding text (values its map did not list).
    coded = list(staging.coded)
    texts = "".join(f", count(__{k})" for k in coded)
    groups = con.execute(
        f"""SELECT __reason, count(*), count(__timestamp), count(*) FILTER (__has_amount),
                  count(*) FILTER (__amount BETWEEN 0 AND $max_amount){texts}
           FROM staged GROUP BY 1""",
        {"max_amount": MAX_AMOUNT},
    ).fetchall()
    with_text = {k for i, k in enumerate(coded) if any(g[5 + i] for g in groups if g[0] is None)}
    rows_read = sum(g[1] for g in groups)
    ts_ok = sum(g[2] for g in groups)
    amount_present = sum(g[3] for g in groups)
    amount_ok = sum(g[4] for g in groups)
    valid = sum(g[1] for g in groups if g[0] is None)
    if rows_read == 0:
        raise DataError(_no_rows(src.name))
    amount_col = next((c for c, fld in mapping.items() if fld == "amount"), None)
    if amount_col and amount_present and amount_ok == 0:
        example = con.execute(
            f"SELECT min({amount_raw}) FROM treated t WHERE {amount_raw} IS NOT NULL"
        ).fetchall()[0][0]
        raise DataError(
            tr(
                "{file}: no value in the amount column '{column}' is a number of zero or more "
                "(for example '{example}'). Map the right column as amount or fix the values, "
                "then load the file again.",
                file=src.name,
                column=amount_col,
                example=example,
            ),
            kind="events",
            column=amount_col,
        )
    by_reason = dict(
        sorted(((g[0], g[1]) for g in groups if g[0] is not None), key=lambda kv: (-kv[1], kv[0]))
    )
    if valid == 0:
        top = next(iter(by_reason))
        col = {
            "missing user id": next(c for c, fld in mapping.items() if fld == "user_id"),
            "missing event type": next(c for c, fld in mapping.items() if fld == "event_type"),
        }.get(top, ts_col if "timestamp" in top or "date" in top else amount_col)
        raise DataError(
            tr(
                "{file}: no row could be loaded; every row was rejected, mostly for '{reason}' "
                "(column '{column}'). Fix that column or map another one, then load again.",
                file=src.name,
                reason=tr(top),
                column=col,
            ),
            kind="events",
            column=col,
        )
    # Rejected rows: source columns (already pseudonymised) + reason, the first 1000 in
    # file order.
    rej_select = "".join(
        f"json_extract_string(__raw, '$[{i}]') AS "
        f"{quote_identifier(c if c != 'reason' else 'reason_in_file')}, "
        for i, c in enumerate(kept)
    )
    con.execute(
        f"CREATE TABLE out.rejected AS SELECT {rej_select}__reason AS reason FROM staged "
        f"WHERE __reason IS NOT NULL ORDER BY rowid LIMIT {REJECTED_SAMPLE_ROWS}"
    )
    # The text is no longer needed: free it before the sort.
    con.execute("DROP VIEW treated")
    con.execute(f"DROP {'VIEW' if src.streamed else 'TABLE'} {quote_identifier(src.table)}")
    cols_sql = ", ".join(
        f"{quote_identifier(k)} {t}{' NOT NULL' if k in REQUIRED_EVENT_FIELDS else ''}"
        for k, t in EVENT_FIELDS.items()
    )
    con.execute(f"CREATE TABLE out.events ({cols_sql}, uid INTEGER NOT NULL)")
    # The coded fields are turned back into text after the sort, by the SELECT over the
    # sorted subquery (a SELECT keeps its input's order: DuckDB's order-preservation
    # rules), so the sort carries one byte a row for each instead of 16; a text column
    # empty for every loaded row is not read at all. 10M events: the write 8.1-9.8 s
    # against 7.4-8.1 s. Removing duplicates compares the text, so then the text is made
    # before the DISTINCT.
    inner, outer = [], []  # what the sort carries, what is written from it
    for k, t in EVENT_FIELDS.items():
        m = staging.coded.get(k)
        if k in OPTIONAL_FIELDS and k not in staging.stored:
            outer.append(f"CAST(NULL AS {t}) AS __{k}")
        elif m is None:
            inner.append(f"__{k}")
            outer.append(f"__{k}")
        else:
            text = f"__{k}" if k in with_text else None
            value = f"{m.value_sql(f'__{k}__code', text)} AS __{k}"
            if drop_duplicates:
                inner.append(value)
                outer.append(f"__{k}")
            else:
                inner.append(f"__{k}__code" + (f", {text}" if text else ""))
                outer.append(value)
    stored = ("DISTINCT " if drop_duplicates else "") + ", ".join(inner)
    select = ", ".join(outer)
    # The integer user key: users numbered 1, 2, ... in user_id order, from the distinct
    # ids (a small table) rather than a window over every event; sorting by it then
    # sorts by user_id, on integers.
    con.execute(
        "CREATE TEMP TABLE user_keys AS SELECT user_id, "
        "CAST(row_number() OVER (ORDER BY user_id) AS INTEGER) AS uid "
        "FROM (SELECT DISTINCT __user_id AS user_id FROM staged WHERE __reason IS NULL)"
    )
    # Stored clustered by user, then time: every per-user aggregation (features,
    # personas, CLV, lifecycle) then finds each user's rows together, which takes about
    # a third off the feature build on 10M events (benchmarks/bench_features.py).
    # Exact duplicates (every loaded field equal) are counted always and removed only on
    # request: logs legitimately repeat a row (two identical orders on one day in the
    # CDNOW log), so dropping them by default loses real purchases.
    con.execute(
        f"INSERT INTO out.events SELECT {select}, uid FROM (SELECT v.*, k.uid FROM "
        f"(SELECT {stored} FROM staged WHERE __reason IS NULL) v "
        "JOIN user_keys k ON k.user_id = v.__user_id ORDER BY k.uid, v.__timestamp)"
    )
    loaded = con.execute("SELECT count(*) FROM out.events").fetchall()[0][0]
    # With drop_duplicates the events are the distinct rows already.
    distinct = loaded if drop_duplicates else valid - _duplicate_rows(con)
    con.execute("DROP TABLE staged")
    write_activity_tables(con, "out", keys="user_keys")
    con.execute("DROP TABLE user_keys")
    return {
        "rows_read": rows_read,
        "rows_loaded": loaded,
        "duplicate_rows": valid - distinct,
        "duplicates_removed": valid - loaded,
        "rejected_by_reason": by_reason,
        "timestamp_formats": tuple(staging.ts_names),
        "ts_parsed": ts_ok,
    }


def _duplicate_rows(con) -> int:
    """Events equal in every field to another one, beyond the first (exact).

    Two equal events have the same user and time, and ``out.events`` is stored sorted by
    user key and time, so every set of events sharing a user and a time is a run of
    neighbouring rows. One streaming pass in storage order (``lag``/``lead`` over ``()``,
    no sort, no hash table) finds the rows whose neighbour has their user and time; only
    those few are compared field by field. Grouping every row by a hash of its fields
    took 1.4 s on 10M events, this 0.25 s.
    """
    fields = ", ".join(quote_identifier(k) for k in EVENT_FIELDS)
    con.execute(
        """CREATE OR REPLACE TEMP TABLE same_user_and_time AS
        SELECT DISTINCT uid, "timestamp" FROM (
          SELECT uid, "timestamp",
                 (uid = lag(uid) OVER () AND "timestamp" = lag("timestamp") OVER ())
              OR (uid = lead(uid) OVER () AND "timestamp" = lead("timestamp") OVER ()) AS near
          FROM out.events)
        WHERE near"""
    )
    n = con.execute(
        f"""WITH candidates AS (
          SELECT {fields} FROM out.events e
          SEMI JOIN same_user_and_time s ON s.uid = e.uid AND s."timestamp" = e."timestamp")
        SELECT (SELECT count(*) FROM candidates)
             - (SELECT count(*) FROM (SELECT DISTINCT {fields} FROM candidates))"""
    ).fetchall()[0][0]
    con.execute("DROP TABLE same_user_and_time")
    return int(n)
