"""SQL quoting: the one implementation for names and values that came from user data."""

from __future__ import annotations

from typing import Any

from core.errors import DataError
from core.i18n import tr


def quote_identifier(name: Any, dialect: Any = None) -> str:
    """Quote a table or column name that came from user data.

    Always quotes (so reserved words, spaces, capitals and Chinese names are safe) and
    doubles any embedded quote character. SQLAlchemy Core quotes the names it builds
    itself; use this whenever a user-supplied name reaches hand-written SQL.

    Parameters
    ----------
    name : str
        The identifier (non-string names such as integers are quoted as their text).
    dialect : sqlalchemy.Engine or sqlalchemy.Dialect, optional
        Quote with this dialect's rules; by default the standard SQL double quote that
        DuckDB, PostgreSQL, SQLite and Spark (ANSI mode) all accept.

    Returns
    -------
    str
        The quoted identifier.

    Raises
    ------
    DataError
        When the name is empty or contains a NUL character.
    """
    if name is None or (isinstance(name, str) and not name) or "\x00" in str(name):
        raise DataError(
            tr("The name {name} cannot be used as a table or column name.", name=repr(name))
        )
    text = str(name)
    if dialect is None:
        return '"' + text.replace('"', '""') + '"'
    dialect = getattr(dialect, "dialect", dialect)  # an Engine carries its Dialect
    return dialect.identifier_preparer.quote_identifier(text)


def quote_literal(value: Any) -> str:
    """A SQL string literal of ``value``'s text, single quotes doubled.

    For the places that cannot take a bound parameter: DuckDB views, ``SET`` and
    ``ATTACH`` statements, and value maps written into a query as ``CASE`` branches.
    """
    return "'" + str(value).replace("'", "''") + "'"


def trimmed_or_null(expr: str) -> str:
    """DuckDB SQL for ``NULLIF(TRIM(expr), '')``, trimming only the values that need it.

    DuckDB's ``trim`` walks every character through utf8proc and copies the result, and
    ingest trims every field of every row: on 10M events that was 1.7 s of the 5.5 s
    parsing pass. It removes spaces (Unicode category Zs, all but U+0020 outside ASCII),
    so a value that does not start or end with a space and is pure ASCII (its character
    count equals its byte count) is returned as it is, with the same result.
    """
    # prefix(), not starts_with (DuckDB's ^@ operator): the same test, 0.06 s less per
    # field on 10M values (0.16 s against 0.22 s for the whole expression, same run).
    return (
        f"NULLIF(CASE WHEN prefix({expr}, ' ') OR suffix({expr}, ' ') "
        f"OR length({expr}) <> strlen({expr}) THEN TRIM({expr}) ELSE {expr} END, '')"
    )


def row_hash_sql(columns) -> str:
    """DuckDB SQL for the 64-bit hash of a row's ``columns`` (quoted here)."""
    return "hash(" + ", ".join(quote_identifier(c) for c in columns) + ")"
