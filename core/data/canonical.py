"""Writing the canonical ``events``, ``rejected`` and ``users`` tables from a landed source.

Every transformation is DuckDB SQL over the landed (and pseudonymised) source: event
types and platforms through synonym-table joins, timestamps through
:func:`core.data.timestamps.timestamp_sql`, amounts cleaned, cast and checked (not
finite, negative or implausibly large amounts and dates in the future or before 1980 are
rejected, first matching reason wins), exact duplicates counted (and removed on request).
Rejected rows are kept (the first 1000 in file order, with a reason). The tables are
written to the attached database ``out``. The rows are read as text once: one pass
stages them as typed fields with their reason, and every later step (counts, keys,
duplicates, the sorted write) reads that narrow table (docs/architecture.md, "How ingest
streams").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from core.common.sql import quote_identifier, trimmed_or_null
from core.data.derived import write_activity_tables
from core.data.landed import LoadedSource
from core.data.privacy import hash_sql
from core.data.report import REJECTED_SAMPLE_ROWS, Note
from core.data.schema import EVENT_FIELDS, REQUIRED_EVENT_FIELDS, USER_FIELDS
from core.data.synonyms import CONTENT_FORMAT_SYNONYMS, EVENT_TYPE_SYNONYMS, PLATFORM_SYNONYMS
from core.data.timestamps import _choose_timestamp_sql
from core.errors import DataError
from core.i18n import N_, tr

#: The landed row's number in the view of the treated source (for the rejected sample).
_ROW = "__personalab_row"

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
    (N_("missing event type"), "__event_type IS NULL"),
    (
        N_("amount is not a number"),
        "__amount_raw IS NOT NULL AND (__amount IS NULL OR isnan(__amount) OR isinf(__amount))",
    ),
    (N_("negative amount"), "__amount < 0"),
    (N_("amount too large"), "__amount > $max_amount"),
)


def _norm_sql(x: str) -> str:
    """SQL twin of ``core.data.schema.normalise_key``."""
    return "regexp_replace(lower(trim(" + x + r")), '[\s_\-.\x{3000}()（）]+', '', 'g')"


def _synonym_table(con, name: str, synonyms: Mapping[str, str]) -> None:
    frame = pd.DataFrame({"key": list(synonyms), "canonical": list(synonyms.values())})
    con.register("_synonyms", frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _synonyms")
    con.unregister("_synonyms")


#: A value map with at most this many distinct raw values is applied as a ``CASE``
#: expression instead of a hash join: the three joins moved every row's fields through
#: three probes and took over half of the parsing pass on 1M events.
INLINE_MAP_MAX = 256


def _value_maps(
    con, specs: tuple[tuple[str, str, Mapping[str, str]], ...]
) -> tuple[str, dict[str, str]]:
    """Map each distinct value (as written in the file) of each ``(alias, expr, synonyms)``
    through its synonym table; return the JOINs and, per alias, the canonical value's SQL.

    The distinct values of every mapped column come from one scan of the rows (grouping
    sets), and the normalisation regex runs once per distinct value (a few dozen), not
    once per row; unknown values map to themselves lower-cased. A short map becomes a
    ``CASE`` over the raw value (no join); a long one stays a LEFT JOIN.
    """
    specs = tuple(s for s in specs if s[1] != "NULL")
    if not specs:
        return "", {}
    raws = ", ".join(f"{expr} AS r{i}" for i, (_, expr, _) in enumerate(specs))
    sets = ", ".join(f"(r{i})" for i in range(len(specs)))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE raw_values AS SELECT * FROM (SELECT {raws} FROM treated t) "
        f"GROUP BY GROUPING SETS ({sets})"
    )
    joins = []
    exprs: dict[str, str] = {}
    for i, (alias, expr, synonyms) in enumerate(specs):
        syn, table = f"syn_{alias}", f"map_{alias}"
        _synonym_table(con, syn, synonyms)
        # Keyed by the value as it is in the file (spaces and all), so that no row is
        # trimmed: blank values map to nothing (NULL), like a missing one.
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT d.raw, "
            f"COALESCE(s.canonical, lower(d.v)) AS canonical FROM "
            f"(SELECT r{i} AS raw, NULLIF(TRIM(r{i}), '') AS v FROM raw_values "
            f"WHERE NULLIF(TRIM(r{i}), '') IS NOT NULL) d "
            f"LEFT JOIN {syn} s ON s.key = {_norm_sql('d.v')}"
        )
        pairs = con.execute(
            f"SELECT raw, canonical FROM {table} ORDER BY raw LIMIT {INLINE_MAP_MAX + 1}"
        ).fetchall()
        if len(pairs) <= INLINE_MAP_MAX and all(
            "\x00" not in raw and "\x00" not in (canonical or "") for raw, canonical in pairs
        ):
            whens = " ".join(f"WHEN {_literal(raw)} THEN {_literal(c)}" for raw, c in pairs)
            exprs[alias] = f"(CASE {expr} {whens} END)" if pairs else "NULL"
        else:
            joins.append(f"LEFT JOIN {table} {alias} ON {alias}.raw = {expr}")
            exprs[alias] = f"{alias}.canonical"
    con.execute("DROP TABLE raw_values")
    return "\n".join(joins), exprs


def _literal(value: str | None) -> str:
    """A SQL string literal (quotes doubled), or NULL."""
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


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
) -> dict:
    """Create out.events and out.rejected from the landed source; return counts for the report."""
    if not con.execute(f"SELECT count(*) FROM {quote_identifier(src.table)}").fetchall()[0][0]:
        raise DataError(_no_rows(src.name))
    kept = [c for c in src.columns if plan.get(c) != "drop"]
    mapping = {c: f for c, f in mapping.items() if plan.get(c) != "drop" or f == "user_id"}
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW treated AS SELECT {_treated_select(src.columns, plan)}, "
        f"rowid AS {_ROW} FROM {quote_identifier(src.table)}"
    )
    ts_col = next(c for c, f in mapping.items() if f == "timestamp")
    ts_sql, ts_names, ts_warnings = _choose_timestamp_sql(con, "treated", ts_col, src.name)
    warnings.extend(ts_warnings)
    e, p, f = (_raw_expr(mapping, k) for k in ("event_type", "platform", "content_format"))
    joins, mapped = _value_maps(
        con,
        (
            ("ve", e, EVENT_TYPE_SYNONYMS),
            ("vp", p, PLATFORM_SYNONYMS),
            ("vf", f, CONTENT_FORMAT_SYNONYMS),
        ),
    )
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
    ts_sql_t = ts_sql.replace(
        trimmed_or_null(quote_identifier(ts_col)), trimmed_or_null(f"t.{quote_identifier(ts_col)}")
    )
    reason = " ".join(f"WHEN {cond} THEN '{label}'" for label, cond in REJECT_REASONS)
    future = dt.datetime.now() + dt.timedelta(days=1)
    params = {"future": future, "earliest": EARLIEST_EVENT_DATE, "max_amount": MAX_AMOUNT}
    # One pass over the landed rows parses, maps and checks every row into a narrow typed
    # table (the fields and the reason only, no raw text): the source's text columns are
    # read once, and every count below reads this table instead of the text.
    con.execute(
        f"""
        CREATE TEMP TABLE staged AS
        SELECT CASE WHEN __reason IS NOT NULL THEN __row END AS __row, __reason,
               __user_id, __timestamp, __event_type, __platform, __amount, __content_id,
               __content_format, __campaign, __text, __amount_raw IS NOT NULL AS __has_amount,
               CASE WHEN __reason IS NULL THEN hash({", ".join(f"__{k}" for k in EVENT_FIELDS)}) END
                 AS __hash
        FROM (SELECT *, CASE {reason} END AS __reason FROM (
          SELECT t.{_ROW} AS __row,
            {_field_expr(mapping, "user_id")} AS __user_id,
            {_field_expr(mapping, "timestamp")} AS __ts_raw,
            {ts_sql_t} AS __timestamp,
            {mapped.get("ve", "NULL")} AS __event_type,
            {mapped.get("vp", "NULL")} AS __platform,
            {amount_raw} AS __amount_raw,
            {amount_num if amount_num != "NULL" else "CAST(NULL AS DOUBLE)"} AS __amount,
            {_field_expr(mapping, "content_id")} AS __content_id,
            {mapped.get("vf", "NULL")} AS __content_format,
            {_field_expr(mapping, "campaign")} AS __campaign,
            {_field_expr(mapping, "text")} AS __text
          FROM treated t
          {joins}
        ))
        """,
        params,
    )
    # Counts by reason, with what the report and the refusals need, in one pass.
    groups = con.execute(
        """SELECT __reason, count(*), count(__timestamp), count(*) FILTER (__has_amount),
                  count(*) FILTER (__amount BETWEEN 0 AND $max_amount)
           FROM staged GROUP BY 1""",
        {"max_amount": MAX_AMOUNT},
    ).fetchall()
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
    rej_select = ", ".join(
        f"CAST(t.{quote_identifier(c)} AS VARCHAR) AS {quote_identifier(c if c != 'reason' else 'reason_in_file')}"
        for c in kept
    )
    con.execute(
        f"CREATE TABLE out.rejected AS SELECT {rej_select + ', ' if rej_select else ''}"
        f"r.__reason AS reason FROM (SELECT __row, __reason FROM staged WHERE __reason IS NOT "
        f"NULL ORDER BY __row LIMIT {REJECTED_SAMPLE_ROWS}) r JOIN treated t ON t.{_ROW} = r.__row "
        "ORDER BY r.__row"
    )
    # The text is no longer needed: free it before the sort.
    con.execute("DROP VIEW treated")
    con.execute(f"DROP TABLE {quote_identifier(src.table)}")
    cols_sql = ", ".join(
        f"{quote_identifier(k)} {t}{' NOT NULL' if k in REQUIRED_EVENT_FIELDS else ''}"
        for k, t in EVENT_FIELDS.items()
    )
    con.execute(f"CREATE TABLE out.events ({cols_sql}, uid INTEGER NOT NULL)")
    select = ", ".join(f"__{k}" for k in EVENT_FIELDS)
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
        f"INSERT INTO out.events SELECT v.*, k.uid FROM "
        f"(SELECT {'DISTINCT ' if drop_duplicates else ''}{select} FROM staged "
        "WHERE __reason IS NULL) v JOIN user_keys k ON k.user_id = v.__user_id "
        "ORDER BY k.uid, v.__timestamp"
    )
    loaded = con.execute("SELECT count(*) FROM out.events").fetchall()[0][0]
    distinct = valid - _duplicate_rows(con)
    con.execute("DROP TABLE staged")
    write_activity_tables(con, "out", keys="user_keys")
    con.execute("DROP TABLE user_keys")
    return {
        "rows_read": rows_read,
        "rows_loaded": loaded,
        "duplicate_rows": valid - distinct,
        "duplicates_removed": valid - loaded,
        "rejected_by_reason": by_reason,
        "timestamp_formats": tuple(ts_names),
        "ts_parsed": ts_ok,
    }


def _duplicate_rows(con) -> int:
    """Valid staged rows equal in every event field to another one, beyond the first (exact).

    A ``SELECT DISTINCT`` over every field of every event holds all of them in a hash
    table; instead the rows are grouped by the 64-bit hash of their fields (``__hash``,
    computed while staging), and only rows whose hash repeats (the duplicates, and rare
    collisions) are compared field by field.
    """
    fields = ", ".join(f"__{k}" for k in EVENT_FIELDS)
    return con.execute(
        f"""WITH repeated AS (SELECT __hash FROM staged WHERE __hash IS NOT NULL
                              GROUP BY 1 HAVING count(*) > 1),
        candidates AS (SELECT {fields} FROM staged WHERE __hash IN (SELECT __hash FROM repeated))
        SELECT (SELECT count(*) FROM candidates)
             - (SELECT count(*) FROM (SELECT DISTINCT {fields} FROM candidates))"""
    ).fetchall()[0][0]


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
            tr(
                "{file}: no column looks like a user id (columns: {columns}).",
                file=src.name,
                columns=tr(", ").join(src.columns),
            ),
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
                    Note(
                        N_(
                            "{file}: no value in '{column}' could be read as a date; sign-up "
                            "dates were left empty."
                        ),
                        file=src.name,
                        column=col,
                    )
                )
                expr = "CAST(NULL AS DATE)"
        elif kind == "DOUBLE":
            expr = f"TRY_CAST(regexp_replace({x}, '[,\\s]', '', 'g') AS DOUBLE)"
            bad = con.execute(f"SELECT count({x}) - count({expr}) FROM users_treated").fetchall()[
                0
            ][0]
            if bad:
                warnings.append(
                    Note(
                        N_(
                            "{file}: {n} value(s) in '{column}' ({field}) are not numbers and "
                            "were left empty."
                        ),
                        file=src.name,
                        n=int(bad),
                        column=col,
                        field=field,
                    )
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
        warnings.append(
            Note(
                N_("{file}: {n} row(s) without a user id were skipped."),
                file=src.name,
                n=int(missing),
            )
        )
    if dupes:
        warnings.append(
            Note(
                N_("{file}: {n} repeated user id(s); the first row of each was kept."),
                file=src.name,
                n=int(dupes),
            )
        )
    con.execute(
        f"CREATE TABLE out.users AS SELECT {select} FROM (SELECT *, row_number() OVER "
        "(PARTITION BY user_id) AS __n FROM users_staged WHERE user_id IS NOT NULL) "
        "WHERE __n = 1 ORDER BY user_id"
    )
    rows = con.execute("SELECT count(*) FROM out.users").fetchall()[0][0]
    return rows, tuple(custom)
