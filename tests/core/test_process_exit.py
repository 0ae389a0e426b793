"""``core.common.process.exit_now``: a finished command ends with its own status and output."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

_CHILD = """
import atexit, sys
from core.common.process import exit_now
atexit.register(lambda: print("atexit ran", flush=False))
print("work done", end="")          # no newline, no flush: exit_now must flush it
sys.stderr.write("a warning")       # likewise for stderr
exit_now(int(sys.argv[1]))
print("never reached")
"""


def _run(code: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _CHILD, str(code)], cwd=ROOT, capture_output=True, text=True
    )


def test_exit_now_keeps_the_status_the_output_and_the_atexit_handlers():
    for code in (0, 3):
        done = _run(code)
        assert done.returncode == code
        assert done.stdout == "work doneatexit ran\n"
        assert done.stderr == "a warning"


def test_the_command_line_ends_through_exit_now_with_its_status():
    done = subprocess.run(
        [sys.executable, "-m", "core", "segment", "--no-such-option"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    source = (ROOT / "core" / "__main__.py").read_text(encoding="utf-8")
    assert "exit_now(main())" in source
