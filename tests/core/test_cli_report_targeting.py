"""``python -m core report --target CAMPAIGN=SEGMENT``: the campaign targeting table.

2025-03-30 is a Sunday: the weekly report covers Mar 24-30 (the previous week Mar 17-23
is only compared). Segments: u1 Fans; u2, u3 Buyers.
"""

from __future__ import annotations

import pandas as pd
import pytest

from core.__main__ import main

ROWS = [
    ("u1", "2025-03-25 10:00:00", "view", "wechat", None, "spring"),
    ("u2", "2025-03-26 10:00:00", "view", "weibo", None, "spring"),
    ("u2", "2025-03-26 10:05:00", "purchase", "weibo", 40.0, "spring"),
    ("u1", "2025-03-27 10:00:00", "view", "wechat", None, "summer"),
    ("u3", "2025-03-18 10:00:00", "view", "weibo", None, "spring"),  # the previous week
    ("u3", "2025-03-30 10:00:00", "view", "weibo", None, None),
]


@pytest.fixture
def inputs(tmp_path):
    events = tmp_path / "events.csv"
    cols = ["user_id", "timestamp", "event_type", "platform", "amount", "campaign"]
    pd.DataFrame(ROWS, columns=cols).to_csv(events, index=False)
    seg = tmp_path / "segments.csv"
    seg.write_text("user_id,segment\nu1,Fans\nu2,Buyers\nu3,Buyers\n", encoding="utf-8")
    return str(events), str(seg)


def _row(*cells: str) -> str:
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def test_report_has_the_targeting_table_of_the_period(tmp_path, inputs):
    events, seg = inputs
    out = tmp_path / "weekly.html"
    args = ["report", events, "--segments", seg, "--target", "spring=Fans",
            "--target", "summer=Buyers", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    html = out.read_text(encoding="utf-8")
    assert "<h2>Campaign targeting</h2>" in html
    # spring this week: exposed u1 (Fans), u2 (Buyers) -> 50 %; buyer u2 -> 0 % Fans.
    # u3's view of Mar 18 is in the previous week, so not counted.
    assert _row("spring", "Fans", "2", "50.00%", "1", "0.00%") in html
    # summer: exposed u1 (Fans, not Buyers) -> 0 %; no buyers -> n/a.
    assert _row("summer", "Buyers", "1", "0.00%", "0", "n/a") in html
    assert "Targeting accuracy = users exposed to a campaign" in html


def test_report_without_targets_has_no_targeting_table(tmp_path, inputs):
    events, seg = inputs
    out = tmp_path / "weekly.html"
    assert main(["report", events, "--segments", seg, "--out", str(out)]) == 0
    assert "Campaign targeting" not in out.read_text(encoding="utf-8")


def test_report_pdf_with_targets(tmp_path, inputs):
    events, seg = inputs
    out = tmp_path / "weekly.pdf"
    args = ["report", events, "--segments", seg, "--target", "spring=Fans", "--out", str(out)]
    assert main(args) == 0
    assert out.read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize(
    ("extra", "sentence"),
    [
        (["--target", "spring"], "--target 'spring': write it as CAMPAIGN=SEGMENT"),
        (["--target", "=Fans"], "write it as CAMPAIGN=SEGMENT"),
        (["--target", "spring=Fans", "--target", "spring=Buyers"], "two segments"),
        (["--target", "spring=Nobody"], "targets segment 'Nobody', which is not in the"),
        (["--target", "autumn=Fans"], "Campaign 'autumn' is not in the events; pick one of"),
    ],
)
def test_bad_targets_are_one_sentence_exit_2(tmp_path, inputs, capsys, extra, sentence):
    events, seg = inputs
    out = tmp_path / "r.html"
    assert main(["report", events, "--segments", seg, *extra, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert sentence in err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert not out.exists()


def test_target_without_segments_exits_2_without_traceback(tmp_path, inputs):
    import subprocess
    import sys

    from tests.conftest import ROOT

    events, _ = inputs
    done = subprocess.run(
        [sys.executable, "-m", "core", "report", events, "--target", "spring=Fans",
         "--out", str(tmp_path / "r.html")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "--target needs --segments" in done.stderr and "Traceback" not in done.stderr
