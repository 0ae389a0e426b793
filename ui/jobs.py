"""One heavy job per browser session, with progress, a cancel button and a server cap.

Usage in a page::

    with jobs.heavy_job("Segmenting your users") as job:
        for i, chunk in enumerate(chunks):
            job.progress(i / len(chunks), f"Chunk {i + 1} of {len(chunks)}")
            ...
    if job.cancelled: ...

How cancel works: Streamlit stops a running script at its next Streamlit call when the
visitor interacts with any widget. The job draws a "Cancel" button before it starts;
clicking it reruns the page, the running job is interrupted at its next
``job.progress(...)`` call, and the rerun shows "Cancelled". Long steps inside a library
(one sklearn fit) finish first, so call ``job.progress`` between steps.

Server cap: at most ``PERSONALAB_MAX_JOBS`` (default: number of CPU cores) heavy jobs
run at once in one server process; a visitor who asks for more waits with a message
instead of slowing everybody down. Within one session a second heavy job is refused
while one runs (e.g. a fragment started it).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator

import streamlit as st

MAX_JOBS = int(os.environ.get("PERSONALAB_MAX_JOBS") or os.cpu_count() or 2)
WAIT_SECONDS = 120
_slots = threading.BoundedSemaphore(MAX_JOBS)
_RUNNING_KEY = "_pl_job_running"
_CANCELLED_KEY = "_pl_job_cancelled"


class JobLimitError(RuntimeError):
    """The server is at its limit of heavy jobs, or this session already runs one."""


class Job:
    """Handle passed to the body of :func:`heavy_job`."""

    def __init__(self, label: str, bar) -> None:
        self.label = label
        self._bar = bar
        self.cancelled = False
        self.started = time.monotonic()

    def progress(self, fraction: float, text: str | None = None) -> None:
        """Show progress (0..1); also the point where a Cancel click interrupts the job."""
        value = min(1.0, max(0.0, float(fraction)))
        self._bar.progress(value, text=text or self.label)


def was_cancelled(key: str = "job") -> bool:
    """True once, right after the visitor cancelled the job drawn with this key."""
    return bool(st.session_state.pop(f"{_CANCELLED_KEY}_{key}", False))


@contextlib.contextmanager
def heavy_job(label: str, *, key: str = "job", wait_seconds: float = WAIT_SECONDS) -> Iterator[Job]:
    """Run the body as this session's one heavy job, with progress and a Cancel button.

    Raises
    ------
    JobLimitError
        With a plain message when the session already runs a job, or the server stayed
        busy for ``wait_seconds``. Pages show it with ``st.warning``.
    """
    if st.session_state.get(_RUNNING_KEY):
        started = st.session_state[_RUNNING_KEY]
        if time.monotonic() - started < 3600:
            raise JobLimitError(
                "Another analysis is still running in this tab; wait for it to finish or "
                "cancel it first."
            )
    holder = st.empty()
    with holder.container():
        bar = st.progress(0.0, text=f"Waiting for a free slot: {label}")

        def _cancel() -> None:
            st.session_state[f"{_CANCELLED_KEY}_{key}"] = True
            st.session_state.pop(_RUNNING_KEY, None)

        st.button("Cancel", key=f"{key}_cancel", on_click=_cancel)
    acquired = _slots.acquire(timeout=wait_seconds)
    if not acquired:
        holder.empty()
        raise JobLimitError(
            f"The server is busy with {MAX_JOBS} other analyses right now; try again in a minute."
        )
    st.session_state[_RUNNING_KEY] = time.monotonic()
    job = Job(label, bar)
    try:
        bar.progress(0.0, text=label)
        yield job
    finally:
        _slots.release()
        st.session_state.pop(_RUNNING_KEY, None)
        holder.empty()


def busy_slots() -> int:
    """How many heavy jobs run in this server process right now (for tests and the sidebar)."""
    return MAX_JOBS - _slots._value  # BoundedSemaphore keeps its free count here
