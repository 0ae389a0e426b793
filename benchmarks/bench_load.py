"""Load test: N concurrent browser sessions work through the main journey on the sample.

Journey (one browser context each, through the real sidebar so the session is kept):
open the app -> Data page -> Segment page -> save the run -> Personas page (cards visible).
When the Segment page is not installed the save step is skipped and reported.

Prints, beside the baseline of ONE session measured in the same run on the same
server: time per journey (median / p95 / max), per-step medians, errors, and the peak
memory (VmHWM) of the Streamlit server process.

    python benchmarks/bench_load.py            # 20 sessions
    python benchmarks/bench_load.py --quick    # 3 sessions (< 60 s)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server  # noqa: E402

STEP_TIMEOUT_MS = 300_000


async def _wait_for_app(page) -> None:
    await page.wait_for_selector('[data-testid="stApp"]', timeout=STEP_TIMEOUT_MS)
    await page.wait_for_timeout(300)
    await page.wait_for_function(
        """() => {
            const w = document.querySelector('[data-testid="stStatusWidget"]');
            return !w || !/Running|Connecting/i.test(w.innerText);
        }""",
        timeout=STEP_TIMEOUT_MS,
    )
    await page.wait_for_timeout(200)


async def _nav(page, title: str) -> None:
    await page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    await _wait_for_app(page)


async def _check(page, where: str) -> None:
    if await page.locator('[data-testid="stException"]').count():
        raise RuntimeError(f"exception box on {where}")


async def journey(browser, url: str, has_segment: bool) -> dict:
    """One session's journey; returns step timings (s) or the error."""
    context = await browser.new_context(viewport={"width": 1300, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    steps: dict[str, float] = {}
    t0 = time.perf_counter()
    try:
        t = time.perf_counter()
        await page.goto(url)
        await page.get_by_text(re.compile(r"users · .* events")).first.wait_for(
            timeout=STEP_TIMEOUT_MS
        )
        await _wait_for_app(page)
        await _check(page, "Start")
        steps["start"] = time.perf_counter() - t
        t = time.perf_counter()
        await _nav(page, "Data")
        await _check(page, "Data")
        steps["data"] = time.perf_counter() - t
        if has_segment:
            t = time.perf_counter()
            await _nav(page, "Segment")
            save = page.get_by_role("button", name=re.compile(r"^Save this segmentation"))
            await save.wait_for(state="visible", timeout=STEP_TIMEOUT_MS)
            await _wait_for_app(page)
            await _check(page, "Segment")
            steps["segment"] = time.perf_counter() - t
            t = time.perf_counter()
            await save.click()
            await page.get_by_text(re.compile(r"^Saved\.")).first.wait_for(timeout=STEP_TIMEOUT_MS)
            await _wait_for_app(page)
            await _check(page, "Segment (save)")
            steps["save"] = time.perf_counter() - t
        t = time.perf_counter()
        await _nav(page, "Personas")
        if has_segment:
            await page.get_by_label(re.compile(r"^Name of segment")).first.wait_for(
                timeout=STEP_TIMEOUT_MS
            )
        await _check(page, "Personas")
        steps["personas"] = time.perf_counter() - t
        return {"total": time.perf_counter() - t0, "steps": steps, "error": None}
    except Exception as exc:  # a benchmark reports failures, it does not stop at them
        return {"total": time.perf_counter() - t0, "steps": steps, "error": repr(exc)[:300]}
    finally:
        await context.close()


async def run_load(url: str, sessions: int, has_segment: bool) -> list[dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            return await asyncio.gather(
                *(journey(browser, url, has_segment) for _ in range(sessions))
            )
        finally:
            await browser.close()


def _peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process, MB (Linux)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    match = re.search(r"VmHWM:\s+(\d+) kB", text)
    return int(match.group(1)) / 1024 if match else float("nan")


def _p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def _summary(label: str, results: list[dict]) -> None:
    ok = [r for r in results if r["error"] is None]
    totals = [r["total"] for r in ok]
    print(f"\n{label}: {len(results)} sessions, {len(results) - len(ok)} errors")
    if totals:
        print(
            f"  journey time  median {statistics.median(totals):6.1f} s   "
            f"p95 {_p95(totals):6.1f} s   max {max(totals):6.1f} s"
        )
        names = sorted({k for r in ok for k in r["steps"]})
        for name in names:
            vals = [r["steps"][name] for r in ok if name in r["steps"]]
            print(f"  step {name:<9} median {statistics.median(vals):6.1f} s")
    for r in results:
        if r["error"]:
            print(f"  error: {r['error']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 sessions instead of 20")
    parser.add_argument("--sessions", type=int, default=None)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows while it runs
    sessions = args.sessions or (3 if args.quick else 20)
    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM}", file=sys.stderr)
        return 2
    has_segment = (ROOT / "app_pages" / "segment.py").exists()
    data_dir = tempfile.mkdtemp(prefix="personalab-load-")
    proc, url = start_server(data_dir, extra_env={"PERSONALAB_DATABASE_URL": ""})
    try:
        print(f"server {url}, data dir {data_dir}, {os.cpu_count()} CPU cores")
        if not has_segment:
            print("NOTE: app_pages/segment.py is not installed: the journey skips Segment + save.")
        t = time.perf_counter()
        warm = asyncio.run(run_load(url, 1, has_segment))  # sample ingest + caches
        print(
            f"warm-up session (first visit: sample ingest, caches): {time.perf_counter() - t:.1f} s"
        )
        if warm[0]["error"]:
            print(f"  warm-up error: {warm[0]['error']}")
        baseline = asyncio.run(run_load(url, 1, has_segment))
        _summary("baseline, 1 session alone", baseline)
        t = time.perf_counter()
        loaded = asyncio.run(run_load(url, sessions, has_segment))
        wall = time.perf_counter() - t
        _summary(f"load, {sessions} concurrent sessions", loaded)
        base = baseline[0]["total"] if baseline[0]["error"] is None else float("nan")
        ok = [r["total"] for r in loaded if r["error"] is None]
        if ok:
            print(
                f"\nslow-down under load: median {statistics.median(ok) / base:.1f}x the "
                f"baseline journey ({base:.1f} s); wall time for all {sessions}: {wall:.1f} s"
            )
        print(f"peak server memory (VmHWM): {_peak_rss_mb(proc.pid):,.0f} MB")
        errors = sum(r["error"] is not None for r in loaded + baseline)
        return 1 if errors else 0
    finally:
        stop_server(proc)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
