"""The ingest writes exactly what it wrote before: tables, report and rejected-row counts.

The golden values (``tests/fixtures/ingest_golden.json``) were computed by
``python -m tests.golden.ingest_capture`` on the ingest before it was rebuilt to stream
through DuckDB. Every input is ingested again here and compared table by table: the
column types, the row count and a digest of every row, and the stored report (counts,
rejected rows by reason, duplicates, warnings, mapping, privacy notes).
"""

from __future__ import annotations

import json

import pytest

from tests.golden.ingest_capture import GOLDEN, capture, golden_inputs

EXPECTED = json.loads(GOLDEN.read_text())


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    return golden_inputs(tmp_path_factory.mktemp("golden-inputs"))


def test_every_golden_case_is_generated(inputs):
    assert sorted(inputs) == sorted(EXPECTED)


@pytest.mark.parametrize("guess_rows", [None, 2], ids=["default guess", "two-row guess"])
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_ingest_output_is_unchanged(case, guess_rows, inputs, tmp_path, monkeypatch):
    """With the default guess, and with a guess from only the first two rows
    (core.data.first_read, "Reading the file once"): there most decisions and value maps
    differ from the whole file's, so the check, the second parse and the general value
    expression all run; the output must still be the golden one."""
    import core.data.first_read as first_read_module
    from core.data import ingest

    if guess_rows is not None:
        monkeypatch.setattr(first_read_module, "PREFIX_ROWS", guess_rows)
    monkeypatch.setenv("PERSONALAB_SALT", "golden-salt-not-secret")
    ds = ingest(dest=tmp_path / "d.duckdb", as_of="2026-01-01", **inputs[case])
    got = json.loads(json.dumps(capture(ds.path), sort_keys=True, default=str))
    want = EXPECTED[case]
    assert got["report"] == want["report"]
    for table in ("events", "users", "rejected", "user_keys", "user_days"):
        assert got[table] == want[table], table
    assert got == want
