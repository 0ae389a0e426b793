"""``python -m core report``: the Explore report from the command line."""

from __future__ import annotations

import pandas as pd
import pytest

from core.__main__ import main


def _events(tmp_path):
    rows = []
    for day in range(1, 29):
        for uid in ("u1", "u2", "u3"):
            rows.append((uid, f"2025-03-{day:02d} 12:00:00", "view", "douyin", None))
        rows.append(("u1", f"2025-03-{day:02d} 20:00:00", "like", "wechat", None))
    rows.append(("u2", "2025-03-27 10:00:00", "purchase", "wechat", 99.0))
    path = tmp_path / "events.csv"
    pd.DataFrame(rows, columns=["user_id", "timestamp", "event_type", "platform", "amount"]).to_csv(
        path, index=False
    )
    return path


def test_report_writes_html_with_the_kpis(tmp_path):
    out = tmp_path / "weekly.html"
    assert main(["report", str(_events(tmp_path)), "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "<svg" in html or "<img" in html
    assert "Exposures" in html


def test_report_writes_a_pdf_filtered_by_segment(tmp_path):
    seg = tmp_path / "segments.csv"
    seg.write_text("user_id,segment\nu1,Fans\nu2,Buyers\nu3,Buyers\n", encoding="utf-8")
    out = tmp_path / "monthly.pdf"
    args = ["report", str(_events(tmp_path)), "--period", "month", "--segments", str(seg),
            "--segment", "Fans", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    assert out.read_bytes()[:5] == b"%PDF-"


def _cli(*args):
    """Run the real command line in a fresh process, as a user would."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def test_report_bad_extension_and_missing_segments_file_exit_2(tmp_path):
    events = str(_events(tmp_path))
    done = _cli("report", events, "--out", str(tmp_path / "r.txt"))
    assert done.returncode == 2
    assert ".html or .pdf" in done.stderr and "Traceback" not in done.stderr
    done = _cli("report", events, "--segment", "Fans", "--out", str(tmp_path / "r.html"))
    assert done.returncode == 2
    assert "--segments" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "extra, needle",
    [
        (["--platform", "tiktokk"], "Platform 'tiktokk' is not in the data"),
        (["--platform", "wechat", "--platform", "instagram"], "'instagram'"),
        (["--segment", "S99"], "Segment 'S99' is not in"),
    ],
)
def test_report_unknown_platform_or_segment_exits_2(tmp_path, capsys, extra, needle):
    """An unknown --platform or --segment value is bad input, not an all-zero report
    (issue #14, item 13): exit 2, one sentence naming the value and the valid ones."""
    seg = tmp_path / "segments.csv"
    seg.write_text("user_id,segment\nu1,Fans\nu2,Buyers\nu3,Buyers\n", encoding="utf-8")
    out = tmp_path / "r.html"
    args = ["report", str(_events(tmp_path)), "--segments", str(seg), *extra, "--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1, err
    assert not out.exists()


def test_report_platform_names_are_read_like_the_data(tmp_path):
    """--platform takes the names the data uses (Douyin, 抖音) as the canonical platform."""
    events = str(_events(tmp_path))
    for name in ("Douyin", "抖音"):
        out = tmp_path / f"{name}.html"
        assert main(["report", events, "--platform", name, "--out", str(out)]) == 0
        assert "Platforms: douyin." in out.read_text(encoding="utf-8")


def test_report_as_of_picks_the_period(tmp_path, capsys):
    """--as-of was accepted and ignored: the report always covered the last week of data."""
    events = str(_events(tmp_path))
    out = tmp_path / "r.html"
    assert main(["report", events, "--as-of", "2025-03-16", "--out", str(out)]) == 0
    assert "Week 2025-03-10 to 2025-03-16" in out.read_text(encoding="utf-8")
    assert main(["report", events, "--as-of", "1999-01-01", "--out", str(out)]) == 2
    assert "before the data starts (2025-03-01)" in capsys.readouterr().err


@pytest.mark.parametrize(("lang", "heading"), [("en", "Segment migration"), ("zh", "分群流转")])
def test_report_shows_who_moved_since_an_earlier_segmentation(tmp_path, lang, heading):
    """--previous-segments adds the migration section: the heading, the move and its Sankey."""
    seg = tmp_path / "segments.csv"
    seg.write_text("user_id,segment\nu1,Fans\nu2,Buyers\nu3,Buyers\n", encoding="utf-8")
    earlier = tmp_path / "earlier.csv"
    earlier.write_text("user_id,segment\nu1,Fans\nu2,Fans\nu3,Buyers\n", encoding="utf-8")
    out = tmp_path / "weekly.html"
    args = ["report", str(_events(tmp_path)), "--segments", str(seg), "--previous-segments",
            str(earlier), "--out", str(out), "--lang", lang]  # fmt: skip
    assert main(args) == 0
    html = out.read_text(encoding="utf-8")
    assert heading in html and "earlier.csv" in html
    without = tmp_path / "plain.html"
    assert (
        main(["report", str(_events(tmp_path)), "--segments", str(seg), "--out", str(without)]) == 0
    )
    assert "Segment migration" not in without.read_text(encoding="utf-8")


def test_report_previous_segments_needs_segments(tmp_path, capsys):
    earlier = tmp_path / "earlier.csv"
    earlier.write_text("user_id,segment\nu1,Fans\n", encoding="utf-8")
    args = ["report", str(_events(tmp_path)), "--previous-segments", str(earlier),
            "--out", str(tmp_path / "r.html")]  # fmt: skip
    assert main(args) == 2
    assert "--previous-segments needs --segments" in capsys.readouterr().err
