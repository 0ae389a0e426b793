"""``python -m core abtest`` and ``python -m core power``: outputs and exit codes."""

from __future__ import annotations

import json

import pytest

import core.__main__ as cli
from core.experiments import demo_experiment


@pytest.fixture
def main(monkeypatch):
    """The real dispatcher (error handling, exit codes), limited to the two commands here."""
    monkeypatch.setattr(cli, "COMMANDS", ("abtest", "power"))
    return cli.main


@pytest.fixture
def experiment_csv(tmp_path):
    path = tmp_path / "experiment.csv"
    demo_experiment(4000, seed=1).to_csv(path, index=False)
    return path


def test_power_prints_n_per_arm(main, capsys, tmp_path):
    out = tmp_path / "power.json"
    code = main(["power", "--baseline", "0.2", "--mde", "0.05", "--absolute", "--out", str(out)])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["n_per_arm"] == 1031
    assert printed["n_per_arm_by_method"]["cohens_h"] == 1092
    assert json.loads(out.read_text()) == printed


def test_power_days_from_traffic(main, capsys):
    code = main(
        ["power", "--baseline", "0.1", "--mde", "0.1", "--daily-users", "1000",
         "--users-so-far", "2000"]
    )  # fmt: skip
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["days_needed"] == -(-(printed["n_per_arm"] * 2 - 2000) // 1000)


def test_power_bad_input_exits_2(main, capsys):
    assert main(["power", "--baseline", "20", "--mde", "0.05"]) == 2
    err = capsys.readouterr().err
    assert "baseline" in err and "Traceback" not in err


def test_abtest_writes_contract_json(main, capsys, tmp_path, experiment_csv):
    out = tmp_path / "result.json"
    code = main(
        ["abtest", str(experiment_csv), "--variant-col", "variant", "--metric", "converted",
         "--metric", "revenue", "--segment-col", "persona", "--covariate", "pre_revenue",
         "--engine", "sequential", "--correction", "bh", "--ci", "0.9", "--out", str(out)]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    result = json.loads(out.read_text())
    assert 0 <= result["srm_p_value"] <= 1
    assert result["engine"] == "sequential" and result["correction"] == "bh"
    top = [r for r in result["results"] if r["segment"] is None]
    assert {r["metric"] for r in top} == {"converted", "revenue"}
    assert all(r["variant"] == "B" and r["control"] == "A" for r in top)
    assert len(result["results"]) == 2 * 7  # all users + six personas, two metrics
    assert "converted" in capsys.readouterr().out


def test_abtest_reads_typed_totals(main, tmp_path):
    data = tmp_path / "totals.csv"
    data.write_text("variant,n,conversions\nA,1000,100\nB,900,100\n")
    out = tmp_path / "r.json"
    assert main(["abtest", str(data), "--engine", "bayesian", "--out", str(out)]) == 0
    row = json.loads(out.read_text())["results"][0]
    assert round(row["chance_to_win"], 4) == 0.7851


@pytest.mark.parametrize(
    "extra, needle",
    [
        (["--metric", "nope"], "nope"),
        (["--metric", "converted", "--control", "Z"], "Control"),
        (["--metric", "persona"], "numbers"),
        ([], "--metric"),
    ],
)
def test_abtest_bad_input_exits_2(main, capsys, tmp_path, experiment_csv, extra, needle):
    code = main(["abtest", str(experiment_csv), *extra, "--out", str(tmp_path / "r.json")])
    assert code == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_abtest_planned_split_option(main, tmp_path):
    data = tmp_path / "totals.csv"
    data.write_text("variant,n,conversions\nA,600,60\nB,400,40\n")
    out = tmp_path / "r.json"
    assert main(["abtest", str(data), "--out", str(out)]) == 0
    assert json.loads(out.read_text())["srm"]["flagged"] is True
    assert main(["abtest", str(data), "--split", "60/40", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["srm_p_value"] == pytest.approx(1.0)


def test_power_for_an_average(main, capsys):
    assert main(["power", "--baseline", "50", "--std", "20", "--mde", "0.1"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["n_per_arm"] == 252 and printed["metric_type"] == "mean"


def test_abtest_totals_use_the_segment_col(main, tmp_path):
    """Issue #14, item 11: --segment-col on totals, whatever the column is called."""
    data = tmp_path / "cells.csv"
    lines = ["cell,variant,n,conversions"]
    lines += [f"c{i},{v},2000,{200 + (i if v == 'B' else 0)}" for i in range(20) for v in "AB"]
    data.write_text("\n".join(lines) + "\n")
    out = tmp_path / "r.json"
    assert main(["abtest", str(data), "--segment-col", "cell", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    overall = [r for r in result["results"] if r["segment"] is None]
    assert [(r["n"], r["control_n"]) for r in overall] == [(40_000, 40_000)]
    assert len(result["segments"]) == 20


def test_abtest_one_id_on_500_rows_is_not_500_users(main, capsys, tmp_path):
    """Issue #14, item 10: one id repeated 500 times over both arms is one user in both
    arms (left out), so there is nobody to compare, rather than 250 vs 250."""
    data = tmp_path / "rows.csv"
    data.write_text("user_id,variant,converted\n" + "u1,A,0\nu1,B,1\n" * 250)
    assert (
        main(["abtest", str(data), "--metric", "converted", "--out", str(tmp_path / "r.json")]) == 2
    )
    err = capsys.readouterr().err
    assert "appears in more than one variant" in err and err.count("\n") == 1


def test_abtest_reads_a_database_table(main, tmp_path, experiment_csv):
    """``abtest --db URL --table NAME`` like every other command (README; issue #13)."""
    import pandas as pd
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    engine = sa.create_engine(url)
    pd.read_csv(experiment_csv).to_sql("experiment", engine, index=False)
    engine.dispose()
    from_db, from_file = tmp_path / "db.json", tmp_path / "file.json"
    args = ["--metric", "converted", "--segment-col", "persona"]
    assert main(["abtest", "--db", url, "--table", "experiment", *args, "--out", str(from_db)]) == 0
    assert main(["abtest", str(experiment_csv), *args, "--out", str(from_file)]) == 0
    assert (
        json.loads(from_db.read_text())["results"] == json.loads(from_file.read_text())["results"]
    )


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["--table", "experiment"], "--table needs --db URL"),
        (["--db", "sqlite://"], "--db needs --table NAME"),
        ([], "No experiment data given"),
    ],
)
def test_abtest_db_options_are_checked(main, capsys, tmp_path, argv, needle):
    assert main(["abtest", *argv, "--metric", "converted", "--out", str(tmp_path / "r.json")]) == 2
    assert needle in capsys.readouterr().err


def test_abtest_reports_a_user_in_both_arms(main, capsys, tmp_path, experiment_csv):
    """Issue #14, item 10: the user seen in both arms is left out, counted in the JSON and
    named in a note on stderr (stdout keeps the verdict alone)."""
    import pandas as pd

    frame = pd.read_csv(experiment_csv)
    first = frame.iloc[[0]].assign(variant="B" if frame.loc[0, "variant"] == "A" else "A")
    data = tmp_path / "mixed.csv"
    pd.concat([frame, first]).to_csv(data, index=False)
    out = tmp_path / "r.json"
    assert main(["abtest", str(data), "--metric", "converted", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["users_in_several_variants"] == 1
    assert sum(result["srm"]["observed"].values()) == len(frame) - 1
    captured = capsys.readouterr()
    assert (
        f"note: 1 user was found in more than one variant (e.g. '{frame.loc[0, 'user_id']}')"
        in captured.err
    )
    assert "note:" not in captured.out


def test_abtest_plan_options_give_progress_and_the_not_final_sentence(main, capsys, tmp_path):
    data = tmp_path / "totals.csv"
    data.write_text("variant,n,conversions\nA,2000,100\nB,2000,140\n")
    out = tmp_path / "r.json"
    argv = ["abtest", str(data), "--plan-baseline", "0.05", "--plan-mde", "0.1",
            "--plan-n", "5263", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "not final: 38 % of the planned 10,526 users" in captured.out
    assert "sequential" in captured.err  # the power note
    result = json.loads(out.read_text())
    assert result["final"] is False and result["progress"] == pytest.approx(4000 / 10526)
    assert result["plan"]["n_per_arm"] == 5263 and result["plan"]["metric"] == "conversion"
    assert result["tuning_n"] == 10526
    assert result["power_at_plan"]["sequential"] < result["power_at_plan"]["frequentist"]


def test_abtest_tuning_n_sets_the_sequential_interval(main, tmp_path):
    data = tmp_path / "totals.csv"
    data.write_text("variant,n,conversions\nA,20000,1000\nB,20000,1100\n")
    widths = {}
    for tuning in ("5000", "40000"):
        out = tmp_path / f"r{tuning}.json"
        argv = ["abtest", str(data), "--engine", "sequential", "--tuning-n", tuning,
                "--out", str(out)]  # fmt: skip
        assert main(argv) == 0
        result = json.loads(out.read_text())
        row = result["results"][0]
        assert result["tuning_n"] == float(tuning)
        widths[tuning] = row["abs_ci_high"] - row["abs_ci_low"]
    assert widths["40000"] < widths["5000"]  # tuned where the data is: tighter


def test_power_prints_the_plan_and_each_engines_power(main, capsys):
    assert main(["power", "--baseline", "0.05", "--mde", "0.1", "--tuning-n", "5000"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["plan"]["n_per_arm"] == printed["n_per_arm"]
    assert printed["sequential_tuning_n"] == 5000
    chance = printed["power_at_plan"]
    assert 0.7 < chance["frequentist"] < 0.81 and chance["sequential"] < chance["frequentist"]
