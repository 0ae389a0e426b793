"""Event types, platforms and formats mapped value by value through the synonym tables.

The distinct values of a column (listed by a read of the file, or scanned from the
rows) are normalised and looked up once each, not once per row; the map becomes a
``CASE`` over the raw values, or a join when it is long. A value the listing did not
show (the listing was of the file's first rows only) takes an exact general branch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from core.common.sql import quote_literal


def _norm_sql(x: str) -> str:
    """SQL twin of ``core.data.schema.normalise_key``."""
    return "regexp_replace(lower(trim(" + x + r")), '[\s_\-.\x{3000}()（）]+', '', 'g')"


def _synonym_table(con, name: str, synonyms: Mapping[str, str]) -> None:
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT unnest($k::VARCHAR[]) AS key, "
        "unnest($c::VARCHAR[]) AS canonical",
        {"k": list(synonyms), "c": list(synonyms.values())},
    )


#: A value map with at most this many distinct raw values is applied as a ``CASE``
#: expression instead of a hash join: the three joins moved every row's fields through
#: three probes and took over half of the parsing pass on 1M events.
INLINE_MAP_MAX = 256


@dataclasses.dataclass(frozen=True)
class CodedMap:
    """A short value map as a small integer code plus the text of the values not listed.

    ``code_sql`` is the position (1, 2, ...) in ``labels`` of the canonical value of a
    listed raw value, NULL for any other; ``unlisted_sql`` maps those others. The value
    is ``COALESCE(labels[code], <unlisted_sql when the code is NULL>)``, the same as the
    map's text expression. A parsing pass that stores the code instead of the text keeps
    one byte per row where a text column costs 16 and the statistics DuckDB updates on
    every string it stores (0.3 s per text column of 10M rows on 2 cores).
    """

    labels: tuple[str, ...]
    code_sql: str
    unlisted_sql: str

    @property
    def labels_sql(self) -> str:
        """The labels as a SQL list literal."""
        return "[" + ", ".join(_literal(x) for x in self.labels) + "]::VARCHAR[]"

    def text_sql(self, code: str) -> str:
        """The text to store beside the code column ``code``: NULL where it holds a code."""
        return f"CASE WHEN {code} IS NULL THEN {self.unlisted_sql} END"

    def value_sql(self, code: str, text: str | None) -> str:
        """The canonical value from the code column ``code`` and the text column ``text``
        (None: the text is NULL on every row read)."""
        value = f"({self.labels_sql})[{code}]"
        return f"COALESCE({value}, {text})" if text else value


def _value_maps(
    con,
    specs: tuple[tuple[str, str, Mapping[str, str]], ...],
    distinct: Mapping[str, list] | None = None,
) -> tuple[str, dict[str, str], dict[str, CodedMap]]:
    """Map each distinct value (as written in the file) of each ``(alias, expr, synonyms)``
    through its synonym table; return the JOINs, per alias the canonical value's SQL, and
    per alias whose map is a ``CASE`` the same map as a :class:`CodedMap`.

    The distinct values of a column come from ``distinct`` (a read of the file listed
    them: the whole file, or only its first rows) or else from one scan of the rows
    (grouping sets), and the normalisation regex runs once per distinct value (a few
    dozen), not once per row; unknown values map to themselves lower-cased. A short map
    becomes a ``CASE`` over the raw value (no join); a long one stays a LEFT JOIN. Either
    way a value not listed falls to :func:`_unlisted_value_sql`, which maps it the same.
    """
    specs = tuple(s for s in specs if s[1] != "NULL")
    if not specs:
        return "", {}, {}
    distinct = distinct or {}
    scanned = [(i, spec) for i, spec in enumerate(specs) if spec[0] not in distinct]
    if scanned:
        raws = ", ".join(f"{spec[1]} AS r{i}" for i, spec in scanned)
        sets = ", ".join(f"(r{i})" for i, _ in scanned)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE raw_values AS SELECT * FROM (SELECT {raws} FROM "
            f"treated t) GROUP BY GROUPING SETS ({sets})"
        )
    joins = []
    exprs: dict[str, str] = {}
    coded: dict[str, CodedMap] = {}
    for i, (alias, expr, synonyms) in enumerate(specs):
        syn, table, values = f"syn_{alias}", f"map_{alias}", f"values_{alias}"
        if alias in distinct:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {values} AS SELECT unnest($v::VARCHAR[]) AS raw",
                {"v": list(distinct[alias])},
            )
        else:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {values} AS SELECT r{i} AS raw FROM raw_values"
            )
        _synonym_table(con, syn, synonyms)
        # Keyed by the value as it is in the file (spaces and all), so that no row is
        # trimmed: blank values map to nothing (NULL), like a missing one.
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT d.raw, "
            f"COALESCE(s.canonical, lower(d.v)) AS canonical FROM "
            f"(SELECT raw, NULLIF(TRIM(raw), '') AS v FROM {values} "
            f"WHERE NULLIF(TRIM(raw), '') IS NOT NULL) d "
            f"LEFT JOIN {syn} s ON s.key = {_norm_sql('d.v')}"
        )
        con.execute(f"DROP TABLE {values}")
        pairs = con.execute(
            f"SELECT raw, canonical FROM {table} ORDER BY raw LIMIT {INLINE_MAP_MAX + 1}"
        ).fetchall()
        unlisted = _unlisted_value_sql(expr, synonyms)
        if len(pairs) <= INLINE_MAP_MAX and all(
            "\x00" not in raw and "\x00" not in (canonical or "") for raw, canonical in pairs
        ):
            whens = " ".join(f"WHEN {_literal(raw)} THEN {_literal(c)}" for raw, c in pairs)
            exprs[alias] = f"(CASE {expr} {whens} ELSE {unlisted} END)" if pairs else unlisted
            if pairs:
                labels = tuple(sorted({c for _, c in pairs}))
                position = {c: i for i, c in enumerate(labels, start=1)}
                code_type = "UTINYINT" if len(labels) < 256 else "USMALLINT"
                codes = " ".join(
                    f"WHEN {_literal(raw)} THEN {position[c]}::{code_type}" for raw, c in pairs
                )
                coded[alias] = CodedMap(labels, f"(CASE {expr} {codes} END)", unlisted)
        else:
            joins.append(f"LEFT JOIN {table} {alias} ON {alias}.raw = {expr}")
            exprs[alias] = f"COALESCE({alias}.canonical, {unlisted})"
    if scanned:
        con.execute("DROP TABLE raw_values")
    return "\n".join(joins), exprs, coded


def _unlisted_value_sql(raw: str, synonyms: Mapping[str, str]) -> str:
    """SQL mapping a value of ``raw`` that is not in its value map, exactly as the map
    would have: NULL when blank, else its synonym's canonical value or itself lower-cased.

    The value maps are built from the values a read of the file listed; when that read
    was of the file's first rows only (core.data.first_read, "Reading the file once"), a
    later value takes this branch. It runs the normalisation per row, so it is the slow
    path for the few values the first rows did not show.
    """
    v = f"NULLIF(TRIM({raw}), '')"
    keys = ", ".join(_literal(k) for k in synonyms)
    canonical = ", ".join(_literal(c) for c in synonyms.values())
    return (
        f"CASE WHEN {v} IS NULL THEN NULL ELSE COALESCE(MAP([{keys}]::VARCHAR[], "
        f"[{canonical}]::VARCHAR[])[{_norm_sql(v)}], lower({v})) END"
    )


def _literal(value: str | None) -> str:
    """A SQL string literal (quotes doubled), or NULL."""
    return "NULL" if value is None else quote_literal(value)
