"""The hostile corpus through ``python -m core ... --lang zh``: every refusal is one Chinese
sentence, and every load summary reads in Chinese.

Behaviour (exit codes, files left untouched, memory) is covered by the English run
(``test_cli.py``); this run checks the words, on the cases whose messages come from
loading and checking input. Resource cases are left out: their sentences are the same
ones the small cases of the same kind produce.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.hostile.chinese import assert_chinese, english_left, input_words
from tests.hostile.corpus import CASES, Case, write_case
from tests.hostile.runner import ForkServer

# Refusals written by other parts of the app (segmenting, A/B tests, the report).
OTHER_AREAS = {"segment-weight-nan", "abtest-one-user-in-both-arms", "report-unknown-platform"}
# Loads that succeed with something to say (skipped lines, warnings, rejected rows).
SUMMARIES = {
    "late-invalid-utf8",
    "ragged-rows",
    "dates-mixed-offsets",
    "dates-1900-some",
    "amount-text-some",
    "duplicates-kept",
    "duplicates-dropped",
    "users-match-some",
    "users-duplicate-ids",
    "xlsx-formulas-kept-as-text",
    "gbk-plain",
}
ZH_CASES = [
    c
    for c in CASES
    if not c.resource
    and not c.xfail
    and c.id not in OTHER_AREAS
    and (c.code == 2 or c.id in SUMMARIES)
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = {k: v for k, v in os.environ.items() if k not in ("PERSONALAB_DEBUG", "PERSONALAB_LANG")}
    env["PERSONALAB_DATA_DIR"] = str(tmp_path_factory.mktemp("hostile-zh-data"))
    srv = ForkServer(env)
    yield srv, env
    srv.close()


def _argv(case: Case, folder: Path, out: Path) -> list[str]:
    return [a.replace("{dir}", str(folder)).replace("{out}", str(out)) for a in case.argv]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in ZH_CASES])
def test_cli_case_in_chinese(case: Case, tmp_path, server):
    srv, env = server
    folder = write_case(case, tmp_path / "in")
    out = tmp_path / "out"
    out.mkdir()
    logs = tmp_path / "logs"
    logs.mkdir()
    result = srv.run([*_argv(case, folder, out), "--lang", "zh"], {**env, **case.env}, logs)

    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-2000:]
    assert result.code == case.code, result.stderr[-2000:]
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    data = input_words(folder)
    if case.code == 2:
        assert len(lines) == 1, lines
        assert lines[0].startswith("错误："), lines[0]
        assert lines[0].rstrip().endswith("。"), lines[0]
        if case.shown_name:
            assert case.shown_name in lines[0], lines[0]
    assert lines
    for line in lines:
        assert_chinese(line, data)


def test_the_chinese_subset_covers_refusals_and_summaries():
    assert sum(c.code == 2 for c in ZH_CASES) >= 40
    assert sum(c.code == 0 for c in ZH_CASES) >= 8


def test_the_check_finds_an_english_sentence():
    assert english_left("错误：events.csv could not be read as a table。")
    assert not english_left("错误：events.csv 是空文件（列“user id here”）。")
    assert not english_left("错误：列 foo bar baz 为空。", {"foo", "bar", "baz"})
