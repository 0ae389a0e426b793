"""Benchmark: the activation file and audience lists for many users, beside their floors.

Run: ``python benchmarks/bench_activation.py [--users N] [--quick]`` (default 1,000,000
users; ``--quick``: 50,000, under a minute). Prints, measured in the same process:

- baseline: ``core.export.safe_csv`` of ``user_id,segment`` (the Members CSV the
  Personas page already wrote) beside the activation file as CSV, Parquet and Excel
  (Excel only up to 200,000 users unless ``--excel``: XlsxWriter needs about 0.16 ms a row
  here);
- baseline: ``hashlib.sha256`` of already-normalised e-mails and phones (the least any
  audience export must do) beside :func:`core.export.audience_tables`, which also
  normalises (phones through libphonenumber) and groups by persona;
- peak resident memory after each step.

Users, segments and contacts are drawn with a seeded generator: e-mails in mixed case
with spaces, phones in four spellings (national, +86, 0086, with dashes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._common import peak_mb  # noqa: E402


def _data(n: int, seed: int = 7):
    """Labels for n users in six segments, and their contacts as people type them."""
    rng = np.random.default_rng(seed)
    ids = np.char.add("u", np.arange(n).astype(str))
    segs = np.char.add("S", (rng.integers(1, 7, n)).astype(str))
    labels = pd.Series(segs, index=pd.Index(ids, name="user_id"), name="segment")
    numbers = rng.integers(0, 10**8, n)
    spell = rng.integers(0, 4, n)
    phones = [
        (
            f"139{x:08d}",
            f"+86 139 {x:08d}",
            f"0086139{x:08d}",
            f"139-{x // 10**4:04d}-{x % 10**4:04d}",
        )[k]
        for x, k in zip(numbers, spell, strict=True)
    ]
    emails = [f"  User.{i}@Example.COM " for i in range(n)]
    users = pd.DataFrame({"user_id": ids, "email": emails, "phone": phones})
    return labels, users


def _timed(fn):
    """(result, wall seconds, peak MB) of one call."""
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t, peak_mb()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="50,000 users")
    parser.add_argument("--excel", action="store_true", help="write Excel at any size")
    args = parser.parse_args()
    n = 50_000 if args.quick else args.users

    from core import export

    labels, users = _data(n)
    names = {f"S{i}": f"Persona {i}" for i in range(1, 7)}
    print(f"activation export, {n:,} users (6 personas)")
    members = pd.DataFrame({"user_id": labels.index, "segment": labels.to_numpy()})
    _, t, mb = _timed(lambda: export.safe_csv(members))
    print(f"  baseline: safe_csv(user_id,segment)       {t:7.2f} s   peak {mb:,.0f} MB")
    table, t, mb = _timed(
        lambda: export.activation_table(labels, names, "run-1", dt.datetime(2026, 1, 1))
    )
    print(f"  activation_table                          {t:7.2f} s   peak {mb:,.0f} MB")
    for fmt in ("csv", "parquet", "xlsx"):
        if fmt == "xlsx" and n > 200_000 and not args.excel:
            print("  activation file as xlsx                   skipped (--excel to run)")
            continue
        data, t, mb = _timed(lambda fmt=fmt: export.activation_bytes(table, fmt))
        print(
            f"  activation file as {fmt:<8}               {t:7.2f} s   peak {mb:,.0f} MB"
            f"   {len(data) / 1e6:,.1f} MB"
        )
    clean_email = [e.strip().lower() for e in users["email"]]
    clean_phone = ["86" + p[-11:] for p in users["phone"].str.replace(r"\D", "", regex=True)]
    _, t, mb = _timed(
        lambda: [hashlib.sha256(v.encode()).hexdigest() for v in clean_email + clean_phone]
    )
    print(f"  baseline: sha256 of normalised values     {t:7.2f} s   peak {mb:,.0f} MB")
    lists, t, mb = _timed(lambda: export.audience_tables(table, users))
    rows = sum(len(x) for x in lists.values())
    print(
        f"  audience_tables (normalise, hash, group)  {t:7.2f} s   peak {mb:,.0f} MB"
        f"   {rows:,} members in {len(lists)} lists"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
