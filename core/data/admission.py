"""A memory budget for file loads: each load's need, a queue, and a place in line.

A server loads the files of many visitors in one process. Each load reserves, before it
starts, the memory it is expected to need (:func:`estimate_need`, from the file's size
and format) out of the process's budget (:func:`core.config.ingest_memory_mb`), and
DuckDB is told to stay within that reservation (spilling to disk beyond it). Loads that
do not fit wait in line, first come first served, and can be told their place and about
how long until they start; a file that could not load even with the whole budget to
itself is refused with one sentence. :func:`run_admitted` is what the Data page and the
benchmark call, so they share this one mechanism.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from core import config
from core.errors import DataError
from core.i18n import current, fmt, tr

T = TypeVar("T")

#: Memory a load needs besides DuckDB's own: the reader, Python objects, DuckDB's
#: allocations outside its buffer pool (measured: peak RSS = memory_limit + ~200 MB).
BASE_MB = 200
#: DuckDB's working memory for a load without spilling, per MB of file, by format
#: (measured with benchmarks/bench_ingest.py: a 480 MB CSV peaks near 2 GB unbounded).
#: Parquet and Excel pack their data about 4-5 times tighter than CSV.
MB_PER_FILE_MB = {"csv": 3.5, "tsv": 3.5, "jsonl": 3.5, "parquet": 10.0, "xlsx": 10.0}
#: The least DuckDB can work with while spilling: this share of the ideal, and a floor.
MIN_SHARE = 0.25
MIN_DUCKDB_MB = 256
#: The ideal for a small file, however small: a load holds its parsed rows while it sorts
#: them, so a 1M-event file (62 MB of CSV, 18 MB of Parquet) spilled 18-22 MB of its sort
#: at 256 MB and nothing at 320 MB, and took 7% longer (median of six alternating loads).
SMALL_LOAD_MB = 384
#: Seconds per MB of file before this process has timed a load of that format (measured
#: with benchmarks/bench_ingest.py on a busy 2-core machine: 62 MB of CSV in 8-10 s).
SECONDS_PER_MB = {"csv": 0.12, "tsv": 0.12, "jsonl": 0.15, "parquet": 0.5, "xlsx": 4.0}


@dataclasses.dataclass(frozen=True)
class IngestNeed:
    """What one load is expected to need.

    Attributes
    ----------
    ideal_mb : int
        Memory for the load to run without spilling (DuckDB's share plus ``BASE_MB``).
    minimum_mb : int
        The least it can run with, spilling the rest to disk.
    seconds : float
        Expected duration, for the time shown to people waiting.
    fmt : str
        The file format.
    size_mb : float
        The file's size.
    """

    ideal_mb: int
    minimum_mb: int
    seconds: float
    fmt: str
    size_mb: float


def estimate_need(size_bytes: int, fmt: str) -> IngestNeed:
    """The memory and time a load of a ``size_bytes`` file in format ``fmt`` needs.

    Parameters
    ----------
    size_bytes : int
        The file's size on disk.
    fmt : str
        One of ``core.data.sources.FORMATS``.

    Returns
    -------
    IngestNeed
    """
    size_mb = max(size_bytes, 0) / 1024**2
    duck = max(SMALL_LOAD_MB, MB_PER_FILE_MB.get(fmt, 4.0) * size_mb)
    minimum = max(MIN_DUCKDB_MB, MIN_SHARE * duck)
    return IngestNeed(
        ideal_mb=int(BASE_MB + duck),
        minimum_mb=int(BASE_MB + minimum),
        seconds=max(1.0, _seconds_per_mb(fmt) * size_mb),
        fmt=fmt,
        size_mb=size_mb,
    )


def need_for_file(path: str | Path, name: str | None = None) -> IngestNeed:
    """:func:`estimate_need` for a file on disk (its extension, or ``name``'s, the format)."""
    from core.data.sources import detect_format  # the readers: imported when a load is planned

    path = Path(path)
    return estimate_need(path.stat().st_size, detect_format(name or path.name))


_timings: dict[str, tuple[float, float]] = {}  # format -> (seconds, MB) of past loads
_timings_lock = threading.Lock()


def _seconds_per_mb(fmt: str) -> float:
    """Seconds per MB: from this process's finished loads of ``fmt``, else the default."""
    with _timings_lock:
        seconds, mb = _timings.get(fmt, (0.0, 0.0))
    return seconds / mb if mb >= 5 else SECONDS_PER_MB.get(fmt, 0.1)


def _record_timing(fmt: str, seconds: float, size_mb: float) -> None:
    """Add a finished load's duration to the per-format average."""
    with _timings_lock:
        s, mb = _timings.get(fmt, (0.0, 0.0))
        _timings[fmt] = (s + seconds, mb + size_mb)


@dataclasses.dataclass(eq=False)
class Ticket:
    """One load's place with a :class:`MemoryBudget`: waiting, then running, then done."""

    need: IngestNeed
    label: str
    reserved_mb: int
    number: int
    started: float | None = None

    @property
    def duckdb_mb(self) -> int:
        """The memory limit DuckDB gets for this load (the reservation less ``BASE_MB``)."""
        return max(MIN_DUCKDB_MB, self.reserved_mb - BASE_MB)


class MemoryBudget:
    """A process's memory for file loads, handed out first come first served.

    Parameters
    ----------
    total_mb : int
        The budget (``core.config.ingest_memory_mb``).
    """

    def __init__(self, total_mb: int) -> None:
        """Start with the whole budget free and nobody in line."""
        self.total_mb = int(total_mb)
        self._cond = threading.Condition()
        self._waiting: list[Ticket] = []
        self._running: list[Ticket] = []
        self._numbers = itertools.count(1)
        self.peak_reserved_mb = 0

    @property
    def reserved_mb(self) -> int:
        """Memory reserved by the loads running now."""
        with self._cond:
            return sum(t.reserved_mb for t in self._running)

    @property
    def waiting(self) -> int:
        """How many loads wait in line."""
        with self._cond:
            return len(self._waiting)

    @property
    def idle(self) -> bool:
        """True when no load runs or waits."""
        with self._cond:
            return not (self._running or self._waiting)

    def join(self, need: IngestNeed, label: str = "file") -> Ticket:
        """Queue a load; it starts (see :meth:`wait`) when its reservation fits.

        Raises
        ------
        DataError
            When the file could not load even with the whole budget to itself.
        """
        if need.minimum_mb > self.total_mb:
            raise DataError(
                tr(
                    "{file} is {size} MB and needs at least about {need} MB of memory to "
                    "load, more than the {limit} MB this server allows for loading files; "
                    "save it as Parquet, split it by date, or ask the person who runs "
                    "PersonaLab to raise PERSONALAB_INGEST_MEMORY_MB.",
                    file=label,
                    size=fmt.number(need.size_mb),
                    need=fmt.number(need.minimum_mb),
                    limit=fmt.number(self.total_mb),
                )
            )
        ticket = Ticket(
            need=need,
            label=label,
            reserved_mb=min(need.ideal_mb, self.total_mb),
            number=next(self._numbers),
        )
        with self._cond:
            self._waiting.append(ticket)
            self._admit()
        return ticket

    def _admit(self) -> None:
        """Start waiting loads from the head of the line while they fit (lock held)."""
        while self._waiting:
            head = self._waiting[0]
            free = self.total_mb - sum(t.reserved_mb for t in self._running)
            if head.reserved_mb > free:  # reservations never exceed the total: it will fit
                return
            self._waiting.pop(0)
            head.started = time.monotonic()
            self._running.append(head)
            self.peak_reserved_mb = max(
                self.peak_reserved_mb, sum(t.reserved_mb for t in self._running)
            )
            self._cond.notify_all()

    def wait(self, ticket: Ticket, timeout: float | None = None) -> bool:
        """Block until ``ticket`` runs (True) or ``timeout`` seconds pass (False)."""
        with self._cond:
            return self._cond.wait_for(lambda: ticket.started is not None, timeout)

    def position(self, ticket: Ticket) -> int:
        """1 for the next load to start, 2 for the one after it ...; 0 once running."""
        with self._cond:
            return self._waiting.index(ticket) + 1 if ticket in self._waiting else 0

    def seconds_until_start(self, ticket: Ticket) -> float:
        """About how long until ``ticket`` starts, from the expected ends of the loads
        running and the expected durations of those ahead of it."""
        with self._cond:
            if ticket.started is not None:
                return 0.0
            now = time.monotonic()
            ends = [
                (max(now + 1.0, (t.started or now) + t.need.seconds), t.reserved_mb)
                for t in self._running
            ]
            clock = now
            for t in self._waiting:
                free = self.total_mb - sum(mb for _, mb in ends)
                while t.reserved_mb > free and ends:  # wait for the earliest end
                    ends.sort()
                    clock = max(clock, ends[0][0])
                    free += ends.pop(0)[1]
                if t is ticket:
                    return max(0.0, clock - now)
                ends.append((clock + t.need.seconds, t.reserved_mb))
            return 0.0

    def release(self, ticket: Ticket) -> None:
        """End ``ticket`` (running or still waiting) and start whoever fits next."""
        with self._cond:
            if ticket in self._waiting:
                self._waiting.remove(ticket)
            if ticket in self._running:
                self._running.remove(ticket)
                if ticket.started is not None:
                    _record_timing(
                        ticket.need.fmt, time.monotonic() - ticket.started, ticket.need.size_mb
                    )
            self._admit()
            self._cond.notify_all()


_BUDGET: MemoryBudget | None = None
_BUDGET_LOCK = threading.Lock()


def ingest_budget() -> MemoryBudget:
    """This process's budget, created on first use from :func:`core.config.ingest_memory_mb`."""
    global _BUDGET
    with _BUDGET_LOCK:
        total = config.ingest_memory_mb()
        # A changed setting takes effect once nothing holds a place in the old budget.
        if _BUDGET is None or (_BUDGET.total_mb != total and _BUDGET.idle):
            _BUDGET = MemoryBudget(total)
        return _BUDGET


@contextlib.contextmanager
def admitted(
    need: IngestNeed,
    label: str = "file",
    *,
    on_wait: Callable[[int, float], None] | None = None,
    poll_seconds: float = 0.5,
    budget: MemoryBudget | None = None,
) -> Iterator[Ticket]:
    """Hold a place in the budget for the body; wait in line first when it is full.

    Parameters
    ----------
    need : IngestNeed
        From :func:`estimate_need` or :func:`need_for_file`.
    label : str
        The file's name, for the refusal sentence.
    on_wait : callable, optional
        Called as ``on_wait(position, seconds_until_start)`` every ``poll_seconds``
        while waiting (the Data page shows it; raising from it leaves the line).
    budget : MemoryBudget, optional
        Default :func:`ingest_budget`.

    Yields
    ------
    Ticket
        Pass ``ticket.duckdb_mb`` as the load's ``memory_mb``.

    Raises
    ------
    DataError
        When the file cannot load even with the whole budget.
    """
    budget = budget or ingest_budget()
    ticket = budget.join(need, label)
    try:
        while not budget.wait(ticket, poll_seconds):
            if on_wait is not None:
                on_wait(budget.position(ticket), budget.seconds_until_start(ticket))
        yield ticket
    finally:
        budget.release(ticket)


def run_admitted(
    path: str | Path,
    load: Callable[[int], T],
    *,
    name: str | None = None,
    on_wait: Callable[[int, float], None] | None = None,
    budget: MemoryBudget | None = None,
) -> T:
    """Run ``load(memory_mb)`` for the file at ``path`` once the budget has room for it.

    Parameters
    ----------
    path : str or Path
        The events file (its size and format decide the reservation).
    load : callable
        Called with the DuckDB memory limit in MB, e.g. ``lambda mb: ingest(path,
        memory_mb=mb)``.
    name : str, optional
        Display name (its extension decides the format); default the file's name.
    on_wait, budget
        As for :func:`admitted`.

    Returns
    -------
    Whatever ``load`` returns.
    """
    need = need_for_file(path, name)
    with admitted(need, name or Path(path).name, on_wait=on_wait, budget=budget) as ticket:
        return load(ticket.duckdb_mb)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st ... (第1, 第2 ... in Chinese)."""
    if current() == "zh":
        return f"第{n}"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
