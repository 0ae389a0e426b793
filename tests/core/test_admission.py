"""The memory budget for file loads: reservations, the line, the refusal, and the wiring."""

from __future__ import annotations

import threading
import time

import pytest

from core.data import IngestNeed, MemoryBudget, admitted, estimate_need, ordinal, run_admitted
from core.data.admission import BASE_MB, MIN_DUCKDB_MB, SMALL_LOAD_MB
from core.errors import DataError


def _need(ideal: int, minimum: int | None = None, seconds: float = 10.0) -> IngestNeed:
    return IngestNeed(ideal, minimum or ideal // 4, seconds, "csv", ideal / 4)


def test_need_grows_with_the_file_and_depends_on_the_format():
    small, big = estimate_need(10 * 1024**2, "csv"), estimate_need(400 * 1024**2, "csv")
    assert small.ideal_mb == BASE_MB + SMALL_LOAD_MB
    assert small.minimum_mb == BASE_MB + MIN_DUCKDB_MB  # it can still run with less
    assert big.ideal_mb == BASE_MB + int(3.5 * 400)
    assert big.minimum_mb < big.ideal_mb
    assert estimate_need(400 * 1024**2, "parquet").ideal_mb > big.ideal_mb  # packed tighter


def test_loads_that_fit_run_together_and_the_rest_wait_in_line():
    budget = MemoryBudget(1000)
    a = budget.join(_need(600), "a.csv")
    b = budget.join(_need(300), "b.csv")
    c = budget.join(_need(500), "c.csv")
    d = budget.join(_need(100), "d.csv")  # would fit, but waits its turn behind c
    assert budget.wait(a, 0) and budget.wait(b, 0)
    assert (budget.position(c), budget.position(d)) == (1, 2)
    assert budget.reserved_mb == 900
    assert budget.seconds_until_start(c) > 0
    assert budget.seconds_until_start(d) >= budget.seconds_until_start(c)
    budget.release(a)
    assert budget.wait(c, 0) and budget.wait(d, 0)
    assert budget.position(c) == 0
    assert budget.reserved_mb == 900
    for t in (b, c, d):
        budget.release(t)
    assert budget.reserved_mb == 0 and budget.idle
    assert budget.peak_reserved_mb <= 1000


def test_a_file_bigger_than_the_budget_gets_all_of_it_when_it_can_spill():
    budget = MemoryBudget(1000)
    t = budget.join(_need(3000, minimum=900), "big.csv")
    assert budget.wait(t, 0)
    assert t.reserved_mb == 1000
    assert t.duckdb_mb == 1000 - BASE_MB
    budget.release(t)


def test_a_file_that_cannot_fit_is_refused_in_one_sentence():
    budget = MemoryBudget(1000)
    with pytest.raises(DataError) as err:
        budget.join(IngestNeed(9000, 2500, 60.0, "csv", 2000.0), "huge.csv")
    message = str(err.value)
    assert "huge.csv" in message and "2,500 MB" in message and "1,000 MB" in message
    assert "PERSONALAB_INGEST_MEMORY_MB" in message and message.count(". ") == 0
    assert budget.idle


def test_waiting_callers_see_their_place_until_they_start():
    budget = MemoryBudget(1000)
    first = budget.join(_need(900), "first.csv")
    seen: list[int] = []

    def release_soon() -> None:
        time.sleep(0.3)
        budget.release(first)

    threading.Thread(target=release_soon).start()
    with admitted(
        _need(900),
        "second.csv",
        on_wait=lambda pos, s: seen.append(pos),
        poll_seconds=0.05,
        budget=budget,
    ) as ticket:
        assert ticket.started is not None
        assert budget.position(ticket) == 0
    assert seen and set(seen) == {1}
    assert budget.idle


def test_concurrent_loads_never_reserve_more_than_the_budget():
    budget = MemoryBudget(1000)
    running = []
    peak = []
    lock = threading.Lock()

    def job(i: int) -> None:
        with admitted(_need(400), f"f{i}.csv", budget=budget, poll_seconds=0.01) as t:
            with lock:
                running.append(t.reserved_mb)
                peak.append(sum(running))
            time.sleep(0.05)
            with lock:
                running.remove(t.reserved_mb)

    threads = [threading.Thread(target=job, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(peak) <= 800  # two 400 MB loads at a time in a 1000 MB budget
    assert budget.peak_reserved_mb == 800 and budget.idle


def test_run_admitted_passes_the_memory_limit_to_a_real_ingest(tmp_path):
    from core.data import ingest

    path = tmp_path / "events.csv"
    path.write_text("user_id,timestamp,event_type\nu1,2025-03-01 10:00,view\nu2,2025-03-02,like\n")
    budget = MemoryBudget(2000)
    limits = []

    def load(memory_mb: int):
        limits.append(memory_mb)
        return ingest(path, dest=tmp_path / "d.duckdb", memory_mb=memory_mb)

    ds = run_admitted(path, load, budget=budget)
    assert ds.report.rows_loaded == 2
    assert limits == [estimate_need(path.stat().st_size, "csv").ideal_mb - BASE_MB]
    assert budget.idle


def test_ordinals():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "101st",
    ]
