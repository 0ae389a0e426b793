"""Ending a PersonaLab process once its work is saved, without native teardown.

A command that finished its work can still die at the very end with SIGABRT and
"terminate called without an active exception": while CPython finalizes, the thread
pools of Arrow (pandas' Parquet engine) and DuckDB are torn down, and a worker that is
still alive aborts the process (apache/arrow#34314, duckdb/duckdb#13904). On this machine
one process in about sixty did so after saving a run, which turns a successful command
into exit code 134 for whoever called it. No library option avoids it, so the command line
(and any script that must report success reliably) ends through :func:`exit_now`: it runs
the ``atexit`` handlers and flushes the standard streams as a normal exit would, then
leaves without finalizing the interpreter. Everything PersonaLab writes is committed or
closed before that point: DuckDB and SQLite files are durable on commit, and files are
written inside ``with`` blocks.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
from typing import NoReturn

__all__ = ["exit_now"]


def exit_now(code: int = 0) -> NoReturn:
    """Run the ``atexit`` handlers, flush stdout and stderr, and end the process with ``code``.

    Parameters
    ----------
    code : int, default 0
        The exit status the caller sees.
    """
    # atexit._run_exitfuncs is what a normal exit calls first; running it keeps handlers
    # such as logging's flush and callers' own reports (the hostile-file runner's memory
    # peak) working. It is CPython's, documented in the module's own tests, and stable.
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
