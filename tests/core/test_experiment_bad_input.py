"""Bad experiment input: one sentence, exit code 2 on the CLI, and no --out file written."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

import core.__main__ as cli
from core.errors import DataError
from core.experiments import analyze_aggregates, analyze_experiment

ONE_VARIANT = "variant,n,conversions\nA,2000,100\n"
ZERO_VARIANCE = "user_id,variant,converted\n" + "".join(
    f"u{i},{'AB'[i % 2]},0\n" for i in range(200)
)
SINGLE_USER_ARM = "user_id,variant,converted\nu0,A,1\n" + "".join(
    f"u{i},B,{i % 2}\n" for i in range(1, 200)
)
GOOD_TOTALS = "variant,n,conversions\nA,2000,100\nB,2000,120\n"


@pytest.fixture
def main(monkeypatch):
    monkeypatch.setattr(cli, "COMMANDS", ("abtest", "power"))
    return cli.main


def _one_sentence(text: str) -> bool:
    return not re.search(r"[.!?] [A-Z]", text.strip())


CASES = [
    (ONE_VARIANT, [], "at least two variants"),
    (ZERO_VARIANCE, ["--metric", "converted"], "same value of 'converted'"),
    (SINGLE_USER_ARM, ["--metric", "converted"], "Variant 'A' has 1 user"),
    (GOOD_TOTALS, ["--plan-baseline", "1.5", "--plan-mde", "0.1"], "baseline rate 1.5"),
    (GOOD_TOTALS, ["--plan-baseline", "0.6", "--plan-mde", "1"], "target rate"),
    (GOOD_TOTALS, ["--plan-baseline", "0.05", "--plan-mde", "0"], "effect is 0"),
    (GOOD_TOTALS, ["--plan-baseline", "0.05"], "--plan-mde"),
    (GOOD_TOTALS, ["--plan-baseline", "0.05", "--plan-mde", "0.1", "--plan-power", "0.01"],
     "power"),
    (GOOD_TOTALS, ["--tuning-n", "0"], "--tuning-n"),
    (GOOD_TOTALS, ["--tuning-n", "-5"], "--tuning-n"),
    (GOOD_TOTALS, ["--ci", "1.2"], "--ci"),
    (GOOD_TOTALS, ["--ci", "0.3"], "--ci"),
    (GOOD_TOTALS, ["--min-segment-users", "0"], "--min-segment-users"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "extra", "needle"), CASES)
def test_cli_bad_input_exits_2_and_writes_nothing(main, capsys, tmp_path, data, extra, needle):
    path = tmp_path / "experiment.csv"
    path.write_text(data)
    out = tmp_path / "result.json"
    out_before = tmp_path / "kept.json"
    out_before.write_text('{"kept": true}')
    assert main(["abtest", str(path), *extra, "--out", str(out)]) == 2
    assert main(["abtest", str(path), *extra, "--out", str(out_before)]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert not out.exists()
    assert json.loads(out_before.read_text()) == {"kept": True}  # an earlier result survives
    line = err.strip().splitlines()[0]
    assert _one_sentence(line), line


def _frame(text: str) -> pd.DataFrame:
    from io import StringIO

    return pd.read_csv(StringIO(text))


def test_core_refuses_the_same_cases():
    with pytest.raises(DataError, match="at least two variants"):
        analyze_aggregates(_frame(ONE_VARIANT))
    for text, needle in ((ZERO_VARIANCE, "same value"), (SINGLE_USER_ARM, "has 1 user")):
        with pytest.raises(DataError, match=needle) as err:
            analyze_experiment(_frame(text), variant_col="variant", metrics=["converted"])
        assert _one_sentence(str(err.value))
    good = _frame(GOOD_TOTALS)
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(DataError, match="tuning"):
            analyze_aggregates(good, tuning_n=bad)
    for ci in (0.3, 1.0, 1.5):
        with pytest.raises(DataError, match="ci="):
            analyze_aggregates(good, ci=ci)
    with pytest.raises(DataError, match="make_plan"):
        analyze_aggregates(good, plan={"metric": "conversion"})
    with pytest.raises(DataError, match="min_segment_users"):
        analyze_aggregates(good, min_segment_users=0)


def test_a_constant_segment_only_gets_a_message():
    rows = [
        {"variant": v, "segment": s, "n": 500, "conversions": c}
        for s, c in (("steady", 0), ("busy", 50))
        for v in "AB"
    ]
    res = analyze_aggregates(pd.DataFrame(rows))
    steady = res.results[res.results["segment"] == "steady"].iloc[0]
    assert steady["message"] and not steady["significant"]
