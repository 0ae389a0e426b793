"""Run ``python -m core`` as child processes and measure each child's peak memory.

Two ways, same child code (``core.__main__.main``), same exit code and stderr:

- :func:`run_subprocess` starts a fresh ``python -m core`` per call (resource cases: the
  peak memory then is the command's own, from a cold interpreter);
- :class:`ForkServer` starts one interpreter that has imported the CLI once and forks a
  child per call, so a hundred cases do not pay a hundred interpreter start-ups (about
  2 s of CPU each on a loaded 2-core machine). A forked child is a real process: its exit
  code, stdout and stderr are its own, and nothing it does reaches the next case.

The forked children read their peak resident memory from ``os.wait4``. A fresh child
reports its own ``VmHWM`` (``/proc/self/status``) when it exits instead: Linux carries
the parent's peak into a child's ``ru_maxrss`` across fork and exec, so a child started
from a pytest process that has grown to 2 GB would report 2 GB whatever it did itself.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclasses.dataclass(frozen=True)
class Result:
    """What one child did: exit code, output, and peak resident memory in MB."""

    code: int
    stdout: str
    stderr: str
    peak_mb: float


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


#: A case taking longer than this is killed (and fails with exit code -9): a hang is a
#: defect, and it must not stall the whole run.
TIMEOUT_SECONDS = 120


def _killer(pid: int) -> threading.Timer:
    """A started timer that kills ``pid`` after TIMEOUT_SECONDS (cancel it when done)."""

    def kill() -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    timer = threading.Timer(TIMEOUT_SECONDS, kill)
    timer.daemon = True
    timer.start()
    return timer


#: ``python -m core`` that writes its own peak memory (kB, VmHWM) to argv[1] at exit.
_SELF_MEASURED = (
    "import atexit, runpy, sys\n"
    "report = sys.argv[1]\n"
    "def _peak():\n"
    "    with open('/proc/self/status') as f:\n"
    "        kb = next(line.split()[1] for line in f if line.startswith('VmHWM:'))\n"
    "    with open(report, 'w') as f:\n"
    "        f.write(kb)\n"
    "atexit.register(_peak)\n"
    "sys.argv = ['core'] + sys.argv[2:]\n"
    "runpy.run_module('core', run_name='__main__', alter_sys=True)\n"
)


def run_subprocess(argv: list[str], env: dict[str, str], logs: Path) -> Result:
    """``python -m core *argv`` in a fresh interpreter; its own peak RSS (VmHWM)."""
    out, err, peak = logs / "stdout.txt", logs / "stderr.txt", logs / "peak_kb.txt"
    with open(out, "wb") as o, open(err, "wb") as e:
        child = subprocess.Popen(
            [sys.executable, "-c", _SELF_MEASURED, str(peak), *argv],
            cwd=ROOT,
            env=env,
            stdout=o,
            stderr=e,
        )
        timer = _killer(child.pid)
        try:
            _pid, status, _usage = os.wait4(child.pid, 0)
        finally:
            timer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped: tell Popen
    # No report (killed before it could write one): unknown, so as large as possible.
    peak_kb = float(_read(peak)) if peak.exists() else float("inf")
    return Result(child.returncode, _read(out), _read(err), peak_kb / 1024)


_SERVER = r"""
import json, os, sys, traceback
import core.__main__ as cli
import core.data.pipeline, core.segments.features, core.personas.clv, core.segments.segmentation, core.personas.cards  # warm up
for line in sys.stdin:
    job = json.loads(line)
    pid = os.fork()
    if pid > 0:
        print(json.dumps({"pid": pid}), flush=True)
    if pid == 0:
        code = 1
        try:
            os.environ.clear()
            os.environ.update(job["env"])
            out = os.open(job["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            err = os.open(job["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(out, 1)
            os.dup2(err, 2)
            sys.stdout = os.fdopen(1, "w", encoding="utf-8", closefd=False)
            sys.stderr = os.fdopen(2, "w", encoding="utf-8", closefd=False)
            try:
                code = cli.main(job["argv"])
            except SystemExit as exc:  # argparse errors
                code = exc.code if isinstance(exc.code, int) else 2
            except BaseException:
                traceback.print_exc()
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    _pid, status, usage = os.wait4(pid, 0)
    print(json.dumps({"code": os.waitstatus_to_exitcode(status),
                      "peak_kb": usage.ru_maxrss}), flush=True)
"""


class ForkServer:
    """One warm interpreter that forks a ``core.__main__.main(argv)`` child per call."""

    def __init__(self, env: dict[str, str]) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _SERVER],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, argv: list[str], env: dict[str, str], logs: Path) -> Result:
        """Run one command in a forked child and wait for it."""
        out, err = logs / "stdout.txt", logs / "stderr.txt"
        job = {"argv": argv, "env": env, "stdout": str(out), "stderr": str(err)}
        self._proc.stdin.write(json.dumps(job) + "\n")
        self._proc.stdin.flush()
        started = self._proc.stdout.readline()
        if not started:
            raise RuntimeError("the fork server stopped")
        timer = _killer(json.loads(started)["pid"])
        try:
            answer = json.loads(self._proc.stdout.readline())
        finally:
            timer.cancel()
        return Result(answer["code"], _read(out), _read(err), answer["peak_kb"] / 1024)

    def close(self) -> None:
        """Stop the server (its stdin closes, its loop ends)."""
        self._proc.stdin.close()
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
