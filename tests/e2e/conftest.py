"""Real-browser fixtures: a Streamlit server on a free port and Debian's Chromium.

Usage in a test::

    def test_something(page, app_url):
        goto(page, app_url, "segment")        # opens /segment and waits for the app
        page.get_by_text("Suggest k").click()
        wait_for_app(page)

In CI (``CI=true``) a missing Chromium or Playwright is a failure, never a skip.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, in_ci

CHROMIUM = os.environ.get("PERSONALAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
SHOTS = ROOT / "tests" / "e2e" / "screenshots"

pytestmark = pytest.mark.e2e


def _missing(what: str) -> None:
    if in_ci():
        pytest.fail(f"{what} is required for browser tests in CI but is missing.")
    pytest.skip(f"{what} not available locally")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir: str, port: int | None = None, extra_env: dict | None = None):
    """Start ``streamlit run app.py`` and wait until it answers; return (process, url)."""
    port = port or _free_port()
    # The UMAP warm-up compiles numba for about a minute of CPU per server process; on a
    # 2-core machine that would slow every other test, so browser tests start without it
    # (the map test pays the compile on demand, as a user would without the warm-up).
    env = dict(os.environ, PERSONALAB_DATA_DIR=data_dir, PERSONALAB_WARM_UP="0")
    env.update(extra_env or {})
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            raise RuntimeError(f"streamlit exited early:\n{out[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("streamlit did not start within 90 s")


def seed_data_dir(script: str, prefix: str) -> tuple[str, dict]:
    """A fresh data folder filled by ``script`` in its own interpreter, and the JSON it printed last.

    The script ends through ``core.common.process.exit_now``, as the command line does, so
    a native thread pool torn down at interpreter exit cannot turn a finished seed into a
    SIGABRT (see that module).
    """
    data_dir = tempfile.mkdtemp(prefix=prefix)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            script + "\nfrom core.common.process import exit_now\nexit_now(0)\n",
        ],
        cwd=ROOT,
        env=dict(os.environ, PERSONALAB_DATA_DIR=data_dir),
        capture_output=True,
        text=True,
        check=True,
    )
    return data_dir, json.loads(out.stdout.strip().splitlines()[-1])


def stop_server(proc) -> None:
    """Stop a server started by ``start_server``."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def app_data_dir():
    path = tempfile.mkdtemp(prefix="personalab-e2e-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def app_url(app_data_dir):
    proc, url = start_server(app_data_dir)
    yield url
    stop_server(proc)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("The playwright Python package")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    SHOTS.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(Exception):
        pg.screenshot(path=str(SHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def wait_for_app(page, timeout: float = 90_000) -> None:
    """Wait until Streamlit has finished running the script and the page has settled."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    # Idle means: the main area has content, no skeleton, spinner or element marked stale
    # by a rerun in progress, and the page did not change for three checks 400 ms apart
    # (the script state alone is not enough: fragments and charts draw after the run).
    busy = """() => {
        // Streamlit marks the app root with the script state ('running', 'rerunRequested',
        // ... 'notRunning'); a widget change flips it before the server answers.
        const app = document.querySelector('[data-testid="stApp"]');
        const state = app && app.getAttribute('data-test-script-state');
        if (state && state !== 'notRunning') return 'script:' + state;
        const main = document.querySelector('[data-testid="stMainBlockContainer"]');
        if (!main || main.querySelectorAll('[data-testid]').length < 2) return 'empty';
        if (document.querySelector('[data-testid="stSkeleton"], [data-testid="stSpinner"]'))
            return 'busy';
        if (document.querySelector('[data-stale="true"]')) return 'stale';
        const n = document.querySelectorAll('[data-testid]').length;
        return 'idle:' + n + ':' + main.innerText.length;
    }"""
    deadline = time.time() + timeout / 1000
    last, same = None, 0
    while time.time() < deadline:
        sig = page.evaluate(busy)
        if sig.startswith("idle") and sig == last:
            same += 1
            if same >= 2:
                return
        else:
            same = 0
        last = sig
        page.wait_for_timeout(400)
    raise TimeoutError(f"the app did not become idle in {timeout / 1000:.0f} s (last: {last})")


def goto(page, app_url: str, path: str = "") -> None:
    """Open a page of the app by its URL path (e.g. ``segment``) and wait for it."""
    page.goto(f"{app_url}/{path}")
    wait_for_app(page)


def assert_no_exception(page) -> None:
    """Fail when the page shows a Streamlit exception box or a traceback."""
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in page.content()
