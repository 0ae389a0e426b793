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
(one sklearn fit) finish first, so call ``job.progress`` between steps, or hand one long
call to ``job.run(fn, text)``: it runs in a worker thread while the bar keeps moving, so
Cancel frees the page at once (the call finishes in the background, keeping its slot).

Server cap: at most ``PERSONALAB_MAX_JOBS`` (default: number of CPU cores) heavy jobs
run at once in one server process; a visitor who asks for more waits with a message
instead of slowing everybody down. Within one session a second heavy job is refused
while one runs (e.g. a fragment started it).
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import streamlit as st

from core import config

MAX_JOBS = config.max_jobs()
WAIT_SECONDS = 120
_slots = threading.BoundedSemaphore(MAX_JOBS)
_RUNNING_KEY = "_pl_job_running"
_CANCELLED_KEY = "_pl_job_cancelled"
_FINISHING_KEY = "_pl_job_finishing"  # workers of a cancelled job still computing
T = TypeVar("T")


class JobLimitError(RuntimeError):
    """The server is at its limit of heavy jobs, or this session already runs one."""


class Job:
    """Handle passed to the body of :func:`heavy_job`."""

    def __init__(self, label: str, bar) -> None:
        """Start the job's clock; ``bar`` is its progress bar."""
        self.label = label
        self._bar = bar
        self.cancelled = False
        self.started = time.monotonic()
        self._workers: list[threading.Thread] = []

    def progress(self, fraction: float, text: str | None = None) -> None:
        """Show progress (0..1); also the point where a Cancel click interrupts the job."""
        value = min(1.0, max(0.0, float(fraction)))
        self._bar.progress(value, text=text or self.label)

    def run(
        self,
        fn: Callable[[], T],
        text: str,
        *,
        expected_seconds: float = 30.0,
        poll_seconds: float = 0.25,
    ) -> T:
        """Run one long library call (a UMAP fit) in a worker thread and return its result.

        A single library call has no step at which Streamlit could stop it, so it runs
        in a worker thread while this (the script) thread redraws the progress bar every
        ``poll_seconds``: a Cancel click then frees the page at once. The call itself
        cannot be interrupted; it finishes in the background (its result still lands in
        any cache it writes to) and keeps its server slot until then, so the server cap
        stays true. The bar moves towards 95 % over about ``expected_seconds`` and shows
        the time spent; it never claims to be done before the call is.
        """
        box: dict = {}
        done = threading.Event()

        def _work() -> None:
            """Run the call, keeping its value or its error for the script thread."""
            try:
                box["value"] = fn()
            except BaseException as exc:  # re-raised in the script thread below
                box["error"] = exc
            finally:
                done.set()

        worker = threading.Thread(target=_work, name=f"heavy-job: {self.label}", daemon=True)
        self._workers.append(worker)
        worker.start()
        begun = time.monotonic()
        while not done.wait(poll_seconds):
            spent = time.monotonic() - begun
            # 1 - exp(-t/T): quick at first, then slower; capped below 100 %.
            fraction = 0.95 * (1.0 - math.exp(-spent / max(expected_seconds, 1.0)))
            self.progress(fraction, f"{text} ({spent:,.0f} s)")
        if "error" in box:
            raise box["error"]
        return box["value"]

    def _busy_workers(self) -> list[threading.Thread]:
        """Worker threads of this job still computing."""
        return [w for w in self._workers if w.is_alive()]


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
    if any(w.is_alive() for w in st.session_state.get(_FINISHING_KEY, [])):
        raise JobLimitError(
            "An analysis you cancelled or left in this tab is still finishing its last "
            "step; try again in a moment."
        )
    st.session_state.pop(_FINISHING_KEY, None)
    holder = st.empty()
    with holder.container():
        bar = st.progress(0.0, text=f"Waiting for a free slot: {label}")

        def _cancel() -> None:
            """Callback of the Cancel button: mark the job cancelled."""
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
        busy = job._busy_workers()  # cancelled while a worker still computes
        if busy:
            st.session_state[_FINISHING_KEY] = busy

            def _release_when_done() -> None:
                """Free the job's slot once its workers finish."""
                for worker in busy:
                    worker.join()
                _slots.release()

            threading.Thread(target=_release_when_done, daemon=True).start()
        else:
            _slots.release()
        st.session_state.pop(_RUNNING_KEY, None)
        holder.empty()


def busy_slots() -> int:
    """How many heavy jobs run in this server process right now (for tests and the sidebar)."""
    return MAX_JOBS - _slots._value  # BoundedSemaphore keeps its free count here
