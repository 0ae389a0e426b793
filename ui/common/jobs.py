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

File loads: :func:`run_ingest` runs one load inside the server's memory budget for
loads (``core.data.admission``): while the budget is full it shows the file's place in
line and about how long until it starts, then a progress bar while it loads.

Server cap: at most ``PERSONALAB_MAX_JOBS`` (default: number of CPU cores) heavy jobs
run at once in one server process; a visitor who asks for more waits with a message
instead of slowing everybody down. Within one session a second heavy job is refused
while one runs (e.g. a fragment started it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import streamlit as st

from core import config, i18n
from core.data import ADMISSION_BASE_MB, ingest_budget, need_for_file, ordinal
from core.i18n import fmt, ntr, tr

MAX_JOBS = config.max_jobs()
WAIT_SECONDS = 120
_slots = threading.BoundedSemaphore(MAX_JOBS)
_RUNNING_KEY = "_pl_job_running"
_CANCELLED_KEY = "_pl_job_cancelled"
_FINISHING_KEY = "_pl_job_finishing"  # workers of a cancelled job still computing
T = TypeVar("T")


def _call_in_worker(
    fn: Callable[[], T],
    name: str,
    tick: Callable[[float], None],
    poll_seconds: float,
    workers: list[threading.Thread],
) -> T:
    """Run ``fn`` in a daemon thread (added to ``workers``), in the page's language, calling
    ``tick(seconds spent)`` every ``poll_seconds`` until it ends; return its value or raise
    its error here."""
    box: dict = {}
    done = threading.Event()
    # A thread has no page: its messages and results speak the starting page's language.
    lang = i18n.current()

    def _work() -> None:
        """Run the call, keeping its value or its error for the script thread."""
        try:
            with i18n.language(lang):
                box["value"] = fn()
        except BaseException as exc:  # re-raised in the script thread below
            box["error"] = exc
        finally:
            done.set()

    worker = threading.Thread(target=_work, name=name, daemon=True)
    workers.append(worker)
    worker.start()
    begun = time.monotonic()
    while not done.wait(poll_seconds):
        tick(time.monotonic() - begun)
    if "error" in box:
        raise box["error"]
    return box["value"]


def _release_after(workers: list[threading.Thread], release: Callable[[], None]) -> None:
    """Call ``release`` now, or in the background once the still-running ``workers`` end
    (a page left mid-call keeps its slot or memory until the call really finishes)."""
    busy = [w for w in workers if w.is_alive()]
    if not busy:
        release()
        return

    def _release_when_done() -> None:
        """Free the resource once the workers finish."""
        for worker in busy:
            worker.join()
        release()

    threading.Thread(target=_release_when_done, daemon=True).start()


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

        def _tick(spent: float) -> None:
            """Move the bar: 1 - exp(-t/T), quick at first, then slower; capped below 100 %."""
            fraction = 0.95 * (1.0 - math.exp(-spent / max(expected_seconds, 1.0)))
            self.progress(
                fraction, tr("{step} ({seconds} s)", step=text, seconds=fmt.number(spent))
            )

        return _call_in_worker(fn, f"heavy-job: {self.label}", _tick, poll_seconds, self._workers)

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
                tr(
                    "Another analysis is still running in this tab; wait for it to finish or "
                    "cancel it first."
                )
            )
    if any(w.is_alive() for w in st.session_state.get(_FINISHING_KEY, [])):
        raise JobLimitError(
            tr(
                "An analysis you cancelled or left in this tab is still finishing its last "
                "step; try again in a moment."
            )
        )
    st.session_state.pop(_FINISHING_KEY, None)
    holder = st.empty()
    with holder.container():
        bar = st.progress(0.0, text=tr("Waiting for a free slot: {job}", job=label))

        def _cancel() -> None:
            """Callback of the Cancel button: mark the job cancelled."""
            st.session_state[f"{_CANCELLED_KEY}_{key}"] = True
            st.session_state.pop(_RUNNING_KEY, None)

        st.button(tr("Cancel"), key=f"{key}_cancel", on_click=_cancel)
    acquired = _slots.acquire(timeout=wait_seconds)
    if not acquired:
        holder.empty()
        raise JobLimitError(
            ntr(
                "The server is busy with {n} other analysis right now; try again in a minute.",
                "The server is busy with {n} other analyses right now; try again in a minute.",
                MAX_JOBS,
                n=fmt.number(MAX_JOBS),
            )
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
        _release_after(busy, _slots.release)
        st.session_state.pop(_RUNNING_KEY, None)
        holder.empty()


def busy_slots() -> int:
    """How many heavy jobs run in this server process right now (for tests and the sidebar)."""
    return MAX_JOBS - _slots._value  # BoundedSemaphore keeps its free count here


def run_ingest(path, name: str, load: Callable[[int], T], *, users_path=None) -> T:
    """Load a file within the server's memory budget for loads, showing the wait and progress.

    While other loads fill the budget a box says "Your file is 3rd in line; about 40 s
    until it starts."; once admitted, ``load(memory_mb)`` runs in a worker thread (one
    long DuckDB call has no step to report from) while a bar moves towards the expected
    duration and shows the seconds spent.

    Parameters
    ----------
    path : str or Path
        The events file on disk (its size and format decide the memory it reserves).
    name : str
        Its display name (the extension decides the format).
    load : callable
        Called with the DuckDB memory limit in MB; returns the dataset.
    users_path : str or Path, optional
        The users file, whose size is added to the reservation.

    Raises
    ------
    core.errors.DataError
        When the file cannot load even with the whole budget (one sentence), or from
        ``load``.
    """
    need = need_for_file(path, name)
    if users_path is not None:
        extra = need_for_file(users_path)
        need = dataclasses.replace(
            need,
            ideal_mb=need.ideal_mb + extra.ideal_mb - ADMISSION_BASE_MB,
            minimum_mb=need.minimum_mb + extra.minimum_mb - ADMISSION_BASE_MB,
            seconds=need.seconds + extra.seconds,
        )
    box = st.empty()

    def _show_place(position: int, seconds: float) -> None:
        """Tell the visitor their place in line while the budget is full."""
        if seconds >= 3:
            when = tr("about {seconds} s until it starts", seconds=fmt.number(seconds))
        else:
            when = tr("it starts soon")
        box.info(
            tr(
                "Your file is {place} in line; {when}. Other people's files are loading on "
                "this server; yours starts as soon as there is memory for it.",
                # "3rd" in English; Chinese says 第3位 around a plain number
                place=ordinal(position) if i18n.current() == "en" else fmt.number(position),
                when=when,
            )
        )

    budget = ingest_budget()
    ticket = budget.join(need, name)
    workers: list[threading.Thread] = []
    bar = None

    def _tick(spent: float) -> None:
        """Move the bar towards the load's expected duration and show the seconds spent."""
        fraction = min(0.95, spent / max(need.seconds, 1.0) * 0.95)
        if spent <= need.seconds:
            text = tr(
                "Loading {file} ({size} MB): {seconds} s of about {expected} s",
                file=name,
                size=fmt.number(need.size_mb),
                seconds=fmt.number(spent),
                expected=fmt.number(need.seconds),
            )
        else:
            text = tr(
                "Loading {file} ({size} MB): {seconds} s (longer than the usual {expected} s: "
                "the server is busy)",
                file=name,
                size=fmt.number(need.size_mb),
                seconds=fmt.number(spent),
                expected=fmt.number(need.seconds),
            )
        bar.progress(fraction, text=text)

    try:
        while not budget.wait(ticket, 0.5):
            _show_place(budget.position(ticket), budget.seconds_until_start(ticket))
        bar = box.progress(0.0, text=tr("Loading {file}", file=name))
        value = _call_in_worker(
            lambda: load(ticket.duckdb_mb), f"ingest: {name}", _tick, 0.5, workers
        )
        box.empty()
    finally:
        # A page left mid-load: the load finishes in the background and keeps its
        # memory until then, so the budget stays true.
        _release_after(workers, lambda: budget.release(ticket))
    return value
