"""Every command: bad input is exit code 2 and one sentence on stderr (issue #14, item 14).

No traceback, no "internal problem", no library warning: each invocation below runs the
real dispatcher (``core.__main__.main``) with every warning switched on, and a warning
that escapes it fails the test as surely as one printed on stderr.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import pandas as pd
import pytest

from core.__main__ import main
from core.experiments import demo_experiment
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A small events file, a segments file, an experiment file, a folder and a file."""
    root = tmp_path_factory.mktemp("cli-errors")
    rows = [
        (f"u{u}", f"2025-03-{day:02d} 1{u % 10}:00:00", kind, "wechat", amount)
        for u in range(12)
        for day in range(1, 15, 1 + u % 3)
        for kind, amount in (("view", None), ("purchase", 10.0 + u))
    ]
    events = root / "events.csv"
    pd.DataFrame(rows, columns=["user_id", "timestamp", "event_type", "platform", "amount"]).to_csv(
        events, index=False
    )
    segments = root / "segments.csv"
    segments.write_text("user_id,segment\n" + "".join(f"u{u},S{u % 2}\n" for u in range(12)))
    experiment = root / "experiment.csv"
    demo_experiment(400, seed=1).to_csv(experiment, index=False)
    (root / "folder").mkdir()
    (root / "folder.html").mkdir()
    (root / "a_file").write_text("x")
    return {
        "E": str(events), "S": str(segments), "X": str(experiment), "D": str(root / "folder"),
        "DH": str(root / "folder.html"), "F": str(root / "a_file"), "N": str(root / "new"),
    }  # fmt: skip


BAD = [
    # power: numbers that are not numbers, out of range, or a folder as --out
    "power --baseline 0.2 --mde nan",
    "power --baseline 0.2 --mde inf",
    "power --baseline abc --mde 0.1",
    "power --baseline 0.2 --mde 0.1 --alpha 2",
    "power --baseline 0.2 --mde 0.1 --alpha nan",
    "power --baseline 0.2 --mde 0.1 --power 0",
    "power --baseline 0.2 --mde 0.1 --arms 1 --daily-users 100",
    "power --baseline 0.2 --mde 0.1 --daily-users nan",
    "power --baseline 0.2 --mde 0.1 --daily-users -5",
    "power --baseline 0.2 --mde 0.1 --daily-users 100 --users-so-far -5",
    "power --baseline 50 --std -1 --mde 0.1",
    "power --baseline 50 --std nan --mde 0.1",
    "power --baseline 0.2 --mde 0.1 --out {D}",
    "power --baseline 0.2 --mde 0.1 --out {F}/power.json",
    "power --baseline 0.2",
    "power --baseline 0.2 --mde 0.1 --bogus 3",
    # sample
    "sample --users 10 --seed -1 --out {N}/s1",
    "sample --users 10 --seed 99999999999999999999 --out {N}/s2",
    "sample --users abc --out {N}/s3",
    "sample --users 0 --out {N}/s4",
    "sample --users 10 --out {F}",
    "sample --users 10 --out {F}/sub",
    # features
    "features {E} --out {D}",
    "features {E} --out {F}/features.csv",
    "features {E} --privacy nope --out {N}/f.csv",
    "features {N}/missing.csv --out {N}/f.csv",
    # segment
    "segment {E} --method kmeans --seed -1 --out {N}/seg.csv",
    "segment {E} --method kmeans --weights n_view=nan --out {N}/seg.csv",
    "segment {E} --method kmeans --weights n_view=inf --out {N}/seg.csv",
    "segment {E} --method kmeans --weights n_view=-1 --out {N}/seg.csv",
    "segment {E} --method hdbscan --min-cluster-size 0 --out {N}/seg.csv",
    "segment {E} --method kmeans --k abc --out {N}/seg.csv",
    "segment {E} --method nope --out {N}/seg.csv",
    "segment {E} --method kmeans --out {D}",
    # personas
    "personas {E} --segments {S} --out {D}",
    "personas {E} --segments {S} --min-group-size 0 --out {N}/p.json",
    "personas {E} --segments {N}/missing.csv --out {N}/p.json",
    # clv
    "clv {E} --horizon-months nan --out {N}/clv.csv",
    "clv {E} --horizon-months -1 --out {N}/clv.csv",
    "clv {E} --discount-rate -0.5 --out {N}/clv.csv",
    "clv {E} --discount-rate inf --out {N}/clv.csv",
    "clv {E} --out {N}/clv.csv --params-out {D}",
    # report
    "report {E} --out {DH}",
    "report {E} --period year --out {N}/r.html",
    "report {E} --costs {D} --out {N}/r.html",
    "report {E} --platform nowhere --out {N}/r.html",
    # abtest
    "abtest {X} --metric converted --ci nan --out {N}/a.json",
    "abtest {X} --metric converted --ci 1 --out {N}/a.json",
    "abtest {X} --metric revenue --cap 2 --out {N}/a.json",
    "abtest {X} --metric converted --min-n -5 --out {N}/a.json",
    "abtest {X} --metric converted --split A=nan,B=50 --out {N}/a.json",
    "abtest {X} --metric converted --split A=inf,B=50 --out {N}/a.json",
    "abtest {X} --metric converted --out {D}",
    "abtest {X} --metric converted --out {F}/a.json",
    "abtest {N}/missing.csv --metric converted --out {N}/a.json",
    "abtest --metric converted --control Z --out {N}/a.json",
]


@pytest.mark.parametrize("line", BAD)
def test_bad_input_is_exit_2_and_one_sentence(line, files, capsys):
    argv = line.format(**files).split()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and "Warning" not in err and "internal problem" not in err
    assert not caught, [str(w.message) for w in caught]


def test_power_for_a_large_change_needs_the_smallest_group(capsys):
    """``power --baseline 50 --std 20 --mde 2`` (a change of 5 standard deviations) was an
    internal error with NumPy warnings: the solver finds no n below 2. It needs 2 users
    per arm, the fewest whose spread can be measured, said on stdout without warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = main(["power", "--baseline", "50", "--std", "20", "--mde", "2"])
    assert code == 0 and not caught
    assert json.loads(capsys.readouterr().out)["n_per_arm"] == 2


def test_real_process_stderr_is_one_line():
    """The same checks in a fresh ``python -m core`` process, as a user runs it."""
    for argv in (
        ["power", "--baseline", "0.2", "--mde", "0.1", "--daily-users", "nan"],
        ["power", "--baseline", "50", "--std", "20", "--mde", "2"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "core", *argv], cwd=ROOT, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        if done.returncode == 0:
            # stdout is the JSON; stderr at most the one-sentence plan summary
            assert json.loads(done.stdout)["n_per_arm"] == 2
            assert done.stderr.startswith("note: ") and done.stderr.count("\n") == 1
        else:
            assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
            assert "--daily-users: 'nan' should be a number above 0" in done.stderr


def test_help_still_exits_0(capsys):
    assert main(["power", "--help"]) == 0
    assert "--baseline" in capsys.readouterr().out


HEAVY_LIBRARIES = ("sklearn", "pandas", "duckdb", "streamlit", "scipy", "sqlalchemy")
# Reported from an atexit handler: the command line ends through core.common.process.exit_now,
# which runs those handlers and then leaves without returning here.
_LOADED_AFTER_HELP = """
import atexit, runpy, sys
atexit.register(lambda: print("loaded:", *(m for m in {heavy!r} if m in sys.modules)))
sys.argv = ["python -m core", *sys.argv[1:]]
try:
    runpy.run_module("core", run_name="__main__")
except SystemExit:
    pass
"""


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        *[
            [c, "--help"]
            for c in (
                "sample",
                "features",
                "personas",
                "clv",
                "abtest",
                "power",
                "report",
                "segment",
            )
        ],
    ],
    ids=lambda argv: " ".join(argv),
)
def test_help_loads_no_heavy_library(argv):
    """``python -m core --help`` imported every command and scikit-learn (about 2 s of
    CPU). Help is argparse only: a command loads pandas, DuckDB or scikit-learn when it
    runs."""
    done = subprocess.run(
        [sys.executable, "-c", _LOADED_AFTER_HELP.format(heavy=HEAVY_LIBRARIES), *argv],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "usage: python -m core" in done.stdout
    loaded = done.stdout.rsplit("loaded:", 1)[1].split()
    assert loaded == [], f"{' '.join(argv)} loaded {loaded}"


@pytest.mark.parametrize(
    "line",
    ["power --baseline 0.2 --mde 0.1 --out {N}/deeper/power.json", "sample --users 10 --out {N}/s"],
)
def test_a_folder_without_write_permission_is_named(line, files, capsys, monkeypatch):
    """Root may write anywhere, so a read-only folder is simulated: the check asks the
    operating system (``os.access``) before any work, and says which folder to change."""
    import core.cli._options as options

    monkeypatch.setattr(options.os, "access", lambda path, mode: False)
    assert main(line.format(**files).split()) == 2
    err = capsys.readouterr().err
    assert "is not writable" in err and err.count("\n") == 1, err
