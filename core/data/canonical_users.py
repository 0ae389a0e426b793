"""Writing the canonical ``users`` table from a landed users file.

The users file is small (one row per user) and landed as text like any source; its
columns are trimmed, typed (numbers, sign-up dates through
:func:`core.data.timestamps._choose_timestamp_sql`) and kept as custom attributes when
they are not canonical fields; the first row of a repeated user id wins.
"""

from __future__ import annotations

from core.common.sql import quote_identifier
from core.data.canonical import _treated_select
from core.data.landed import LoadedSource
from core.data.report import Note
from core.data.schema import USER_FIELDS
from core.data.timestamps import _choose_timestamp_sql
from core.errors import DataError
from core.i18n import N_, tr


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
    for n, message in (
        (missing, N_("{file}: {n} row(s) without a user id were skipped.")),
        (dupes, N_("{file}: {n} repeated user id(s); the first row of each was kept.")),
    ):
        if n:
            warnings.append(Note(message, file=src.name, n=int(n)))
    con.execute(
        f"CREATE TABLE out.users AS SELECT {select} FROM (SELECT *, row_number() OVER "
        "(PARTITION BY user_id) AS __n FROM users_staged WHERE user_id IS NOT NULL) "
        "WHERE __n = 1 ORDER BY user_id"
    )
    rows = con.execute("SELECT count(*) FROM out.users").fetchall()[0][0]
    return rows, tuple(custom)
