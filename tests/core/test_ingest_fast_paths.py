"""The shortcuts ingest takes for speed give exactly what the plain SQL gives.

Each shortcut (trimming only the values that need it, drawing samples by row number)
is compared with the expression it replaces on values chosen to break it: every kind of
Unicode space, tabs and newlines (which DuckDB's ``trim`` keeps), blanks, NULLs, CJK
text and emoji.
"""

from __future__ import annotations

import random

import duckdb

from core.common.sql import trimmed_or_null

SPACES = [" ", "\u00a0", "\u1680", "\u2000", "\u2007", "\u200a", "\u202f", "\u205f", "\u3000"]
OTHER = ["\t", "\n", "\r", "\u200b", "\ufeff", "a", "Z", "0", "中", "文", "é", "😀", ",", "'"]


def _values(n: int, seed: int) -> list[str | None]:
    rng = random.Random(seed)
    alphabet = SPACES + OTHER
    out: list[str | None] = [None, "", " ", "\u3000", "  a  ", "a", "\ta\t", "中 ", " 中"]
    for _ in range(n):
        k = rng.randint(0, 6)
        out.append("".join(rng.choice(alphabet) for _ in range(k)))
    return out


def test_trimmed_or_null_equals_nullif_trim_on_every_kind_of_space():
    values = _values(20_000, seed=3)
    con = duckdb.connect()
    con.execute("CREATE TABLE v (i INTEGER, x VARCHAR)")
    con.executemany("INSERT INTO v VALUES (?, ?)", list(enumerate(values)))
    mismatches = con.execute(
        f"SELECT i, x FROM v WHERE NULLIF(TRIM(x), '') IS DISTINCT FROM {trimmed_or_null('x')}"
    ).fetchall()
    assert mismatches == []
    # The shortcut is taken (no trim) for plain ASCII values, and the values are equal.
    assert con.execute(f"SELECT {trimmed_or_null(chr(39) + 'abc' + chr(39))}").fetchone() == (
        "abc",
    )
