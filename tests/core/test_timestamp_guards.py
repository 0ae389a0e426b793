"""The tests ranking puts in front of the timestamp formats change no result, only the speed."""

from __future__ import annotations

import random

import duckdb
import pytest

from core.data.timestamps import RANKING_GUARDS, TIMESTAMP_FORMATS, ranking_sql

GUARDED = [(name, tmpl) for name, tmpl in TIMESTAMP_FORMATS if name in RANKING_GUARDS]

TRICKY = [
    "1/3/2025", "01/03/2025", "001/03/2025", " 1/3/2025", "\t\t1/3/2025", "\n 12/3/2025",
    "\t\t123/3/2025", "1-3-2025", "1.3.2025", "31.12.2025 23:59", "2025-03-01",
    "2025-03-01 14:05:06", "2025-03-01T14:05:06.123", "2025/3/1", "2025.3.1", "2025/03/01 14:05",
    "2025年3月1日", "2025年3月1日 14:05", "2025年3月1日 14时05分", "Mar 1, 2025", "March 1, 2025 14:05",
    "1 Mar 2025", "01 march 2025", "3/1/2025 2:05 PM", "12/31/2025 23:59", "", "٣/3/2025",
    "１２/3/2025", "12/3/2025年", "x1/3/2025", "1/3/2025x", "20250301", "1740837906",
]  # fmt: skip


def _corpus(n: int = 4000) -> list[str]:
    """Random strings over the characters the formats care about, plus the tricky cases."""
    rng = random.Random(20261207)
    alphabet = "0123456789/.-: 年月日时分 \tAPMarchMay,T"
    made = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 22))) for _ in range(n)]
    # Near misses of real dates: a valid date with one character changed.
    for base in ("1/3/2025 14:05", "2025/3/1", "2025年3月1日", "Mar 1, 2025", "31-12-2025"):
        for _ in range(200):
            i = rng.randrange(len(base))
            made.append(base[:i] + rng.choice(alphabet) + base[i + 1 :])
    return TRICKY + made


@pytest.mark.parametrize(("name", "tmpl"), GUARDED, ids=[n for n, _ in GUARDED])
def test_a_guarded_format_reads_exactly_what_its_parses_read(name, tmpl):
    guarded = ranking_sql(name, tmpl).replace("{x}", "x")
    plain = tmpl.replace("{x}", "x")
    assert guarded != plain
    con = duckdb.connect()
    con.execute("CREATE TABLE v AS SELECT unnest($v::VARCHAR[]) AS x", {"v": _corpus()})
    differ, parsed = con.execute(
        f"SELECT count(*) FILTER ({guarded} IS DISTINCT FROM {plain}), count({plain}) FROM v"
    ).fetchall()[0]
    assert differ == 0
    assert parsed > 0  # the corpus holds values the format reads, so the test can fail


def test_the_guards_cover_the_slow_formats():
    assert {n for n, _ in GUARDED} >= {
        "year/month/day (2025/3/1 14:05)",
        "Chinese date (2025年3月1日 14:05)",
        "day/month/year (1/3/2025 14:05)",
        "month/day/year (3/1/2025 14:05)",
        "English month names (Mar 1, 2025 14:05)",
    }
