"""What an ingest produced, as small comparable values: a digest per table and the report.

The ingest must keep writing exactly the same canonical tables, validation report and
rejected-row counts while its insides change for speed. :func:`capture` reduces a
dataset file to a JSON-able dict (per table: columns with types, row count and a sha256
of the rows in a fixed order; the report as stored); :func:`golden_inputs` writes the
inputs the committed golden values were computed from (the bundled sample, generated
validation cases in UTF-8 and in GBK with Chinese headers, and every loadable file of the
hostile corpus); :func:`capture_all` ingests each one.

``python -m tests.golden.ingest_capture OUT.json`` recomputes the golden values (run it
on the code whose output is the reference, never to make a failing comparison pass).
``python -m tests.golden.ingest_capture --events FILE OUT.json`` captures one big file.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = FIXTURES / "ingest_golden.json"
TABLES = ("events", "users", "rejected", "user_keys", "user_days")


def table_digest(con: duckdb.DuckDBPyConnection, table: str) -> dict:
    """Columns with types, row count and a sha256 of every row (ORDER BY ALL, repr per row)."""
    cols = con.execute(f"DESCRIBE {table}").fetchall()
    h = hashlib.sha256()
    n = 0
    cur = con.execute(f"SELECT * FROM {table} ORDER BY ALL")
    while batch := cur.fetchmany(50_000):
        for row in batch:
            h.update(repr(row).encode())
            h.update(b"\n")
            n += 1
    return {
        "columns": [f"{c[0]} {c[1]}" for c in cols],
        "rows": n,
        "sha256": h.hexdigest(),
    }


def capture(path: str | Path) -> dict:
    """The digest of every table and the stored report of one dataset file."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {t: table_digest(con, t) for t in TABLES}
        report = con.execute("SELECT value FROM meta WHERE key = 'report'").fetchall()[0][0]
        out["report"] = json.loads(report)
        out["schema_version"] = con.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'"
        ).fetchall()[0][0]
        return out
    finally:
        con.close()


def golden_inputs(folder: Path) -> dict[str, dict]:
    """Write the golden inputs into ``folder``; return {case: ingest keyword arguments}."""
    from core.data.casegen import make_case, write_case
    from tests.hostile.corpus import CASES
    from tests.hostile.corpus import write_case as write_hostile

    cases: dict[str, dict] = {
        "sample": {
            "events_source": ROOT / "sample_data" / "events.csv",
            "users_source": ROOT / "sample_data" / "users.csv",
        },
        "fixture-gbk": {"events_source": FIXTURES / "gbk_events.csv"},
        "fixture-semicolon": {"events_source": FIXTURES / "semicolon.csv"},
    }
    for name in ("mix", "attributes", "lifecycle"):
        case = make_case(name, seed=11, n_users=400)
        for foreign in (False, True):
            paths = write_case(
                case, folder / f"{name}-{'gbk' if foreign else 'utf8'}", foreign=foreign
            )
            key = f"casegen-{name}-{'gbk' if foreign else 'utf8'}"
            cases[key] = {"events_source": paths["events"], "users_source": paths["users"]}
    # Duplicates kept and removed, and bad rows, on a generated file.
    dup = folder / "dups"
    dup.mkdir(exist_ok=True)
    src = (folder / "mix-utf8" / "events.csv").read_text().splitlines()
    bad = [
        ",2025-03-01 10:00,view,wechat,,,,",
        "u_bad,not a date,view,wechat,,,,",
        "u_bad,1899-12-31,view,wechat,,,,",
        "u_bad,2025-03-01,,wechat,,,,",
        "u_bad,2025-03-01,purchase,wechat,-5,,,",
        "u_bad,2025-03-01,purchase,wechat,1e300,,,",
        "u_bad,2025-03-01,purchase,wechat,abc,,,",
        "u_bad,2999-01-01,view,wechat,,,,",
    ]
    width = src[0].count(",")
    bad = [",".join((b.split(",") + [""] * width)[: width + 1]) for b in bad]
    (dup / "events.csv").write_text("\n".join([*src, *src[1:200], *bad]) + "\n")
    cases["casegen-dups-bad-rows"] = {"events_source": dup / "events.csv"}
    cases["casegen-dups-bad-rows-dropped"] = {
        "events_source": dup / "events.csv",
        "drop_duplicates": True,
    }
    for case in CASES:
        if case.code != 0 or case.resource or not case.argv or case.argv[0] != "features":
            continue
        if any(a.startswith("--") and a not in ("--out",) for a in case.argv):
            continue  # cases that need other options are left to the hostile suite
        target = write_hostile(case, folder / f"hostile-{case.id}")
        events = case.argv[1].replace("{dir}", str(target))
        cases[f"hostile-{case.id}"] = {"events_source": Path(events)}
    return cases


def capture_all(folder: Path, data_dir: Path) -> dict[str, dict]:
    """Ingest every golden input (files under ``folder``, datasets under ``data_dir``)."""
    from core.data import ingest

    out: dict[str, dict] = {}
    for key, kwargs in golden_inputs(folder).items():
        dest = data_dir / f"{key}.duckdb"
        ds = ingest(dest=dest, as_of="2026-01-01", **kwargs)
        out[key] = capture(ds.path)
    return out


def _main(argv: list[str]) -> int:
    import os

    os.environ.setdefault("PERSONALAB_SALT", "golden-salt-not-secret")
    work = Path(tempfile.mkdtemp(prefix="golden-"))
    os.environ.setdefault("PERSONALAB_DATA_DIR", str(work / "data"))
    if argv[:1] == ["--events"]:
        from core.data import ingest

        ds = ingest(Path(argv[1]), dest=work / "one.duckdb", as_of="2026-01-01")
        result = capture(ds.path)
        Path(argv[2]).write_text(json.dumps(result, indent=1, sort_keys=True, default=str))
        return 0
    result = capture_all(work / "inputs", work)
    Path(argv[0]).write_text(json.dumps(result, indent=1, sort_keys=True, default=str) + "\n")
    print(f"{len(result)} cases written to {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
