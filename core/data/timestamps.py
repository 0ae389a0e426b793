"""Reading timestamps: which date formats a column holds, as one DuckDB SQL expression.

Formats are data (:data:`TIMESTAMP_FORMATS`). For each column they are tried on a sample
and chained with ``COALESCE``, most successful first, so "1/3/2025" is read day-first or
month-first by what the rest of the column says; mixed UTC offsets are lined up.
"""

from __future__ import annotations

from core.common.sql import quote_identifier, row_hash_sql, trimmed_or_null
from core.data.report import Note
from core.errors import DataError
from core.i18n import N_, tr

TIMESTAMP_SAMPLE_ROWS = 2000

# Timestamp formats as data: (name, SQL template over {x}, a trimmed VARCHAR). For each
# column the formats are tried on a sample and chained with COALESCE, most successful
# first, so "1/3/2025" is read day-first or month-first by what the rest of the column says.
_NUM = "regexp_full_match({x}, '{pattern}')"
TIMESTAMP_FORMATS: tuple[tuple[str, str], ...] = (
    (N_("ISO 8601 (2025-03-01 14:05:06)"), "TRY_CAST({x} AS TIMESTAMP)"),
    (
        N_("year/month/day (2025/3/1 14:05)"),
        "COALESCE(TRY_STRPTIME({x}, '%Y/%m/%d %H:%M:%S'), TRY_STRPTIME({x}, '%Y/%m/%d %H:%M'), "
        "TRY_STRPTIME({x}, '%Y/%m/%d'), TRY_STRPTIME({x}, '%Y.%m.%d %H:%M'), "
        "TRY_STRPTIME({x}, '%Y.%m.%d'))",
    ),
    (
        N_("Chinese date (2025年3月1日 14:05)"),
        "COALESCE(TRY_STRPTIME({x}, '%Y年%m月%d日 %H:%M:%S'), TRY_STRPTIME({x}, '%Y年%m月%d日 %H:%M'), "
        "TRY_STRPTIME({x}, '%Y年%m月%d日%H:%M'), TRY_STRPTIME({x}, '%Y年%m月%d日'), "
        "TRY_STRPTIME({x}, '%Y年%m月%d日 %H时%M分'))",
    ),
    (
        N_("day/month/year (1/3/2025 14:05)"),
        "COALESCE(TRY_STRPTIME({x}, '%d/%m/%Y %H:%M:%S'), TRY_STRPTIME({x}, '%d/%m/%Y %H:%M'), "
        "TRY_STRPTIME({x}, '%d/%m/%Y'), TRY_STRPTIME({x}, '%d.%m.%Y %H:%M'), "
        "TRY_STRPTIME({x}, '%d.%m.%Y'), TRY_STRPTIME({x}, '%d-%m-%Y %H:%M'), "
        "TRY_STRPTIME({x}, '%d-%m-%Y'))",
    ),
    (
        N_("month/day/year (3/1/2025 14:05)"),
        "COALESCE(TRY_STRPTIME({x}, '%m/%d/%Y %H:%M:%S'), TRY_STRPTIME({x}, '%m/%d/%Y %H:%M'), "
        "TRY_STRPTIME({x}, '%m/%d/%Y'), TRY_STRPTIME({x}, '%m/%d/%Y %I:%M %p'), "
        "TRY_STRPTIME({x}, '%m-%d-%Y %H:%M'), TRY_STRPTIME({x}, '%m-%d-%Y'))",
    ),
    (
        N_("English month names (Mar 1, 2025 14:05)"),
        "COALESCE(TRY_STRPTIME({x}, '%b %d, %Y %H:%M'), TRY_STRPTIME({x}, '%b %d, %Y'), "
        "TRY_STRPTIME({x}, '%B %d, %Y %H:%M'), TRY_STRPTIME({x}, '%B %d, %Y'), "
        "TRY_STRPTIME({x}, '%d %b %Y %H:%M'), TRY_STRPTIME({x}, '%d %b %Y'), "
        "TRY_STRPTIME({x}, '%d %B %Y'))",
    ),
    (
        N_("epoch seconds (1740837906)"),
        "CASE WHEN " + _NUM.replace("{pattern}", r"\d{9,10}(\.\d+)?") + " THEN "
        "epoch_ms(CAST(round(CAST({x} AS DOUBLE) * 1000) AS BIGINT)) END",
    ),
    (
        N_("epoch milliseconds (1740837906000)"),
        "CASE WHEN " + _NUM.replace("{pattern}", r"\d{12,13}") + " THEN "
        "epoch_ms(CAST({x} AS BIGINT)) END",
    ),
    (
        N_("Excel serial days (45717.59)"),
        "CASE WHEN " + _NUM.replace("{pattern}", r"\d{5}(\.\d+)?") + " THEN "
        "TIMESTAMP '1899-12-30' + to_microseconds(CAST(round(CAST({x} AS DOUBLE) * 86400000000) "
        "AS BIGINT)) END",
    ),
    (
        N_("compact digits (20250301 or 20250301140506)"),
        "COALESCE(TRY_STRPTIME({x}, '%Y%m%d%H%M%S'), "
        "CASE WHEN " + _NUM.replace("{pattern}", r"(19|20)\d{6}") + " THEN "
        "TRY_STRPTIME({x}, '%Y%m%d') END)",
    ),
)
_AMBIGUOUS_PAIR = ("day/month/year (1/3/2025 14:05)", "month/day/year (3/1/2025 14:05)")

# Ranking tries every format on every sampled value, and a failed TRY_STRPTIME is slow
# (about 1 us). A group whose formats all need something the value lacks is skipped
# there by a test of it, which gives the same NULL the failed parses would: '/' or '.',
# '年', a month name's letters; day- or month-first dates begin with one or two digits
# (after any white space, which strptime skips), so a value beginning with three digits,
# as every ISO time does, cannot be one. Ranking 2,000 ISO times took 0.05 s, now 0.01 s
# (tests/core/test_timestamp_guards.py holds the results equal). The parsing pass does
# not use them: there most values are read by the first format, and a test on each of
# them cost more than it saved (0.15-0.25 s against 0.12-0.17 s for 2M day-first times).
_DAY_OR_MONTH_FIRST = "NOT regexp_matches({x}, '^\\s*[0-9]{3}')"
RANKING_GUARDS: dict[str, str] = {
    "year/month/day (2025/3/1 14:05)": "contains({x}, '/') OR contains({x}, '.')",
    "Chinese date (2025年3月1日 14:05)": "contains({x}, '年')",
    "day/month/year (1/3/2025 14:05)": _DAY_OR_MONTH_FIRST,
    "month/day/year (3/1/2025 14:05)": _DAY_OR_MONTH_FIRST,
    "English month names (Mar 1, 2025 14:05)": "regexp_matches({x}, '[A-Za-z]')",
}


def ranking_sql(name: str, tmpl: str) -> str:
    """The format's template as ranking evaluates it: behind its guard, if it has one."""
    guard = RANKING_GUARDS.get(name)
    return f"CASE WHEN {guard} THEN {tmpl} END" if guard else tmpl


def timestamp_sample_sql(x: str, key: str, where: str | None = None) -> str:
    """Aggregate SQL: ``TIMESTAMP_SAMPLE_ROWS`` non-blank values of ``x``, from the rows with
    the smallest ``key`` (the sampling of ``core.data.privacy.pii_sample_sql``)."""
    cond = f"{x} IS NOT NULL" + (f" AND {where}" if where else "")
    return f"arg_min({x}, {key}, {TIMESTAMP_SAMPLE_ROWS}) FILTER (WHERE {cond})"


def _choose_timestamp_sql(
    con,
    table: str,
    column: str,
    file_name: str,
    kind: str = "events",
    sample: list[str] | None = None,
    offsets: list[tuple[int, int]] | None = None,
) -> tuple[str, list[str], list[str]]:
    """Rank the timestamp formats on a sample of ``column``: (COALESCE SQL, names, warnings).

    ``sample`` (trimmed non-blank values) and ``offsets`` (see :func:`_offset_shift`) are
    what the first read of an events file found; without them they are read from
    ``table``.
    """
    x = trimmed_or_null(quote_identifier(column))
    counts = ", ".join(
        f"count({ranking_sql(name, tmpl).replace('{x}', 'v')}) AS f{i}"
        for i, (name, tmpl) in enumerate(TIMESTAMP_FORMATS)
    )
    if sample is None:
        every = [r[0] for r in con.execute(f"DESCRIBE {quote_identifier(table)}").fetchall()]
        sample = (
            con.execute(
                f"SELECT {timestamp_sample_sql(x, row_hash_sql(every))} FROM {quote_identifier(table)}"
            ).fetchall()[0][0]
            or []
        )
    row = con.execute(
        f"SELECT count(v), {counts} FROM (SELECT unnest($sample::VARCHAR[]) AS v)",
        {"sample": list(sample)},
    ).fetchall()[0]
    n, hits = row[0], row[1:]
    if n == 0:
        raise DataError(
            tr(
                "{file}: the time column '{column}' is empty. Map the column that holds "
                "the date and time of each event.",
                file=file_name,
                column=column,
            ),
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
            tr(
                "{file}: no value in the time column '{column}' could be read as a date "
                "(for example: {examples}). Use a format like 2025-03-01 14:05 or map "
                "another column as timestamp.",
                file=file_name,
                column=column,
                examples=tr(", ").join(map(repr, examples)),
            ),
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
            Note(
                N_(
                    "{file}: dates in '{column}' such as 1/3/2025 could be day-first or "
                    "month-first; they were read day-first. Use 2025-03-01 style dates to be "
                    "sure."
                ),
                file=file_name,
                column=column,
            )
        )
    templates = [TIMESTAMP_FORMATS[i][1] for i in ranked]
    iso = TIMESTAMP_FORMATS[0][1]
    if iso in templates:
        shift = _offset_shift(con, table, x, column, file_name, warnings, offsets)
        if shift is not None:
            templates[templates.index(iso)] = shift
    chain = ", ".join(t.replace("{x}", x) for t in templates)
    return f"COALESCE({chain})", names, warnings


# An ISO time followed by a UTC offset: 10:00Z, 10:00:00+08:00, 10:00:00.5-0500, 10:00+08.
_OFFSET_RE = r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?)$"
# What every value with an offset has (a ':' and then Z, '+' or '-'), checked on the raw
# text with plain substring tests first, so that trimming and the regex run only on the
# few values that may carry an offset, not on every row.
_MAY_HAVE_OFFSET = (
    "contains(raw, ':') AND (contains(raw, 'Z') OR contains(raw, 'z') OR contains(raw, '+') "
    "OR raw LIKE '%:%-%')"
)
# Minutes east of UTC of an offset's text {o} (Z, +08, +08:00, -0500).
_OFFSET_SQL = (
    "CASE WHEN upper({o}) = 'Z' THEN 0 ELSE (CASE WHEN {o}[1] = '-' THEN -1 ELSE 1 END) * "
    "(CAST({o}[2:3] AS INTEGER) * 60 + COALESCE(TRY_CAST(NULLIF(replace({o}[4:], ':', ''), '') "
    "AS INTEGER), 0)) END"
)


def offset_minutes_sql(raw: str, x: str) -> str:
    """SQL: the UTC offset in minutes of a value of ``x`` (the trimmed ``raw`` column) that
    ends in one, else NULL."""
    offset = "regexp_extract(" + x + r", '(Z|z|[+-]\d{2}(:?\d{2})?)$')"
    # CASE: the minutes are computed only where the value has an offset.
    return (
        f"CASE WHEN {_MAY_HAVE_OFFSET.replace('raw', raw)} AND "
        f"regexp_matches({x}, '{_OFFSET_RE}') THEN {_OFFSET_SQL.replace('{o}', offset)} END"
    )


def offset_histogram_sql(raw: str, x: str) -> str:
    """Aggregate SQL: ``{offset in minutes: rows}`` over the values of ``x`` (the trimmed
    ``raw`` column) that end in a UTC offset."""
    return f"histogram({offset_minutes_sql(raw, x)})"


def offset_rows(histogram: dict | None) -> list[tuple[int, int]]:
    """``(minutes, rows)`` pairs from :func:`offset_histogram_sql`, most common first."""
    pairs = ((int(m), int(n)) for m, n in (histogram or {}).items())
    return sorted(pairs, key=lambda mn: (-mn[1], mn[0]))


def _offset_shift(
    con,
    table: str,
    x: str,
    column: str,
    file_name: str,
    warnings: list[str],
    rows: list[tuple[int, int]] | None = None,
):
    """ISO-time SQL that lines up mixed UTC offsets, or None when the column has at most one.

    DuckDB's TIMESTAMP cast keeps the wall-clock time and ignores an offset, which is
    right when every value has the same offset (times stay local, as given) and wrong
    when they differ: 10:00+08:00 and 10:00Z are eight hours apart. Then every value with
    an offset is moved to the most common offset, and a warning says so. ``rows`` are
    the ``(minutes, rows)`` pairs already counted, most common first; without them they
    are counted in ``table``.
    """
    if rows is None:
        rows = offset_rows(
            con.execute(
                f"SELECT {offset_histogram_sql(quote_identifier(column), x)} "
                f"FROM {quote_identifier(table)}"
            ).fetchall()[0][0]
        )
    if len(rows) < 2:
        return None
    target = rows[0][0]
    label = _offset_label(target)
    offsets: list = [
        Note(
            N_("{offset} on {n} row") if n == 1 else N_("{offset} on {n} rows"),
            offset=_offset_label(m),
            n=int(n),
        )
        for m, n in rows[:4]
    ]
    if len(rows) > 4:
        offsets.append("...")
    warnings.append(
        Note(
            N_(
                "{file}: times in '{column}' carry different UTC offsets ({offsets}); they "
                "were all converted to {label}, the most common one, so that they line up."
            ),
            file=file_name,
            column=column,
            offsets=offsets,
            label=label,
        )
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
