"""Every hostile input through ``python -m core`` as a child process.

Per case: the exit code; on exit 2 exactly one stderr line, a sentence naming the file;
on exit 0 the validation summary on stderr saying what was dropped; never a traceback;
the dataset saved before the corpus ran is byte-for-byte unchanged, results written by an
earlier run are not overwritten by a refused run, and no scratch file is left behind.
Resource cases run in a fresh interpreter with a bound on the child's peak memory.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

from tests.hostile.corpus import CASES, GOOD, Case, write_case
from tests.hostile.runner import ForkServer, run_subprocess

PREVIOUS = "results of an earlier run\n"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile-data")


@pytest.fixture(scope="module")
def base_env(data_dir) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PERSONALAB_DEBUG"}
    env["PERSONALAB_DATA_DIR"] = str(data_dir)
    return env


@pytest.fixture(scope="module")
def saved(data_dir, base_env, tmp_path_factory):
    """A dataset loaded before the corpus runs: (path, sha256 of its bytes)."""
    from core.data import ingest

    source = tmp_path_factory.mktemp("saved") / "earlier.csv"
    source.write_text(GOOD + "u9,2025-03-20 10:00,view,weibo,\n", encoding="utf-8")
    old = os.environ.get("PERSONALAB_DATA_DIR")
    os.environ["PERSONALAB_DATA_DIR"] = str(data_dir)
    try:
        ds = ingest(source)
    finally:
        os.environ["PERSONALAB_DATA_DIR"] = old or ""
    return ds.path, hashlib.sha256(ds.path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def server(base_env):
    srv = ForkServer(base_env)
    yield srv
    srv.close()


def _params():
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
        yield pytest.param(case, id=case.id, marks=marks)


def _argv(case: Case, folder: Path, out: Path) -> list[str]:
    return [a.replace("{dir}", str(folder)).replace("{out}", str(out)) for a in case.argv]


@pytest.mark.parametrize("case", _params())
def test_cli_case(case: Case, tmp_path, server, base_env, saved, data_dir):
    folder = write_case(case, tmp_path / "in")
    out = tmp_path / "out"
    out.mkdir()
    argv = _argv(case, folder, out)
    earlier = [Path(a) for a in argv if a.startswith(str(out))]
    for path in earlier:  # outputs of an earlier run that a refused run must not touch
        path.write_text(PREVIOUS, encoding="utf-8")
    logs = tmp_path / "logs"
    logs.mkdir()
    env = {**base_env, **case.env}
    result = (run_subprocess if case.resource else server.run)(argv, env, logs)

    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-2000:]
    assert result.code == case.code, result.stderr[-2000:]
    stderr = result.stderr.lower()
    if case.code == 2:
        lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1, lines
        assert lines[0].startswith("error: ") and lines[0].rstrip().endswith("."), lines[0]
        if case.shown_name:
            assert case.shown_name.lower() in stderr, lines[0]
        for path in earlier:
            assert path.read_text(encoding="utf-8") == PREVIOUS
    for phrase in case.says:
        assert phrase.lower() in stderr, result.stderr[-2000:]
    if case.resource:
        assert result.peak_mb < case.max_mb, f"peak {result.peak_mb:,.0f} MB"

    path, digest = saved
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    leftovers = [
        p.name for p in (data_dir / "datasets").iterdir() if re.match(r"\.tmp-|ingest-", p.name)
    ]
    assert leftovers == []


def test_corpus_is_large_enough():
    assert len(CASES) >= 80
    assert len({c.id for c in CASES}) == len(CASES)
