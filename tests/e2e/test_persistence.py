"""Saved work in a real browser: save, restart the server, reopen, share; workspace isolation.

Runs on SQLite (the default store) and on PostgreSQL (``PERSONALAB_TEST_PG_URL``; fails
in CI when missing). A run is saved from the Segment page when that page exists;
otherwise it is written through ``core.store`` exactly as the page would save it, and
everything after that (permalink, persona rename, share link, restart) goes through the
browser.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import ROOT, sample_truth_labels
from tests.core.conftest import pg_url  # noqa: F401 - the PostgreSQL fixture
from tests.e2e.conftest import (
    assert_no_exception,
    goto,
    start_server,
    stop_server,
    wait_for_app,
)

pytestmark = pytest.mark.e2e
NEW_NAME = "Quiet scrollers"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_env(request):
    """Server environment for the store backend, and the store URL the test can use."""
    data_dir = tempfile.mkdtemp(prefix="personalab-persist-")
    if request.param == "sqlite":
        yield data_dir, {}, f"sqlite:///{Path(data_dir) / 'store.sqlite'}"
    else:
        base = request.getfixturevalue("pg_url")
        schema = f"e2e_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(base)
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = (
            sa.make_url(base)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
        yield data_dir, {"PERSONALAB_DATABASE_URL": url}, url
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()
    shutil.rmtree(data_dir, ignore_errors=True)


def _sample_on_server(data_dir: str):
    from core.data import open_dataset

    [path] = sorted(Path(data_dir, "datasets").glob("*.duckdb"))
    return open_dataset(path)


def _seed_run(store_url: str, data_dir: str, owner: str) -> dict:
    """Save a run on the server's sample dataset the way ui.common.state does; return the link."""
    from core.store import Store

    dataset = _sample_on_server(data_dir)
    labels = sample_truth_labels()
    store = Store(store_url)
    ws = store.create_workspace("E2E workspace", owner=owner)
    store.save_dataset(ws.id, dataset.dataset_id, str(dataset.path), source_name="Bundled sample")
    store.save_run(ws.id, dataset.dataset_id, labels, params={"method": "truth"}, run_id="e2e-run")
    store.dispose()
    return {"ws": ws.id, "ds": dataset.dataset_id, "run": "e2e-run"}


def _save_run(page, url: str, store_url: str, data_dir: str, owner: str) -> dict:
    """Save a run (Segment page if present) and return the permalink parameters."""
    goto(page, url)
    _wait_text(page, re.compile(r"users · .* events"))  # the sample is ready on the server
    if (ROOT / "app_pages" / "segment.py").exists():
        page.locator('[data-testid="stSidebarNav"]').get_by_text("Segment", exact=True).click()
        save = page.get_by_role("button", name=re.compile(r"^Save this segmentation"))
        save.wait_for(state="visible", timeout=180_000)
        wait_for_app(page)
        save.click()
        _wait_text(page, re.compile(r"^Saved\."), timeout=180_000)
        page.locator('[data-testid="stSidebarNav"]').get_by_text("Personas", exact=True).click()
        _wait_text(page, re.compile(r"^Name of segment"), timeout=180_000)
        page.wait_for_function("() => window.location.search.includes('run=')")
        params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))
        assert {"ws", "run"} <= set(params), page.url
        return params
    return _seed_run(store_url, data_dir, owner)


def _wait_text(page, text, timeout: float = 120_000) -> None:
    """Wait until ``text`` is visible (the first run of a server takes a while)."""
    page.get_by_text(text).first.wait_for(state="visible", timeout=timeout)
    wait_for_app(page)


def _link(url: str, path: str, params: dict) -> str:
    return f"{url}/{path}?{urllib.parse.urlencode(params)}"


def _wait_in_store(store_url: str, what: str, check, timeout: float = 90) -> None:
    """Poll the store until ``check(store)`` holds: the server has written what the click did.

    The browser alone cannot tell a rerun that has not started yet from one that is
    finished, so a step that depends on the previous click being saved waits here.
    """
    from core.store import Store

    store = Store(store_url)
    try:
        deadline = time.time() + timeout
        while not check(store):
            if time.time() > deadline:
                raise AssertionError(f"{what} was not saved within {timeout:.0f} s")
            time.sleep(0.3)
    finally:
        store.dispose()


def _create_share_link(page, store_url: str, ws: str, run_id: str, tries: int = 3) -> None:
    """Open the sidebar's share box and create a link, until the store holds one.

    The click follows the rename's rerun. Once in CI (PostgreSQL store) no link was made
    within 90 s of a single click; the likeliest cause is a click landing while that rerun
    still redrew the sidebar. A person would click again, and so does this, a bounded
    number of times; each try waits 30 s for the store.
    """
    button = page.get_by_role("button", name="Create a read-only link")
    for attempt in range(tries):
        wait_for_app(page)
        if not button.is_visible():
            page.get_by_text("Share this segmentation").click()
        button.click()
        try:
            _wait_in_store(
                store_url, "A share link", lambda s: s.list_share_links(ws, run_id), timeout=30
            )
            return
        except AssertionError:
            if attempt == tries - 1:
                raise


def _open(browser, link: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(link)
    wait_for_app(page)
    return context, page


def test_saved_run_survives_a_restart_and_its_share_link_shows_the_personas(browser, store_env):
    data_dir, env, store_url = store_env
    proc, url = start_server(data_dir, extra_env=env)
    port = int(url.rsplit(":", 1)[1])
    owner_ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = owner_ctx.new_page()
        page.set_default_timeout(90_000)
        params = _save_run(page, url, store_url, data_dir, owner="local")

        # Rename a persona through the permalink (a pasted link in a new tab).
        page.goto(_link(url, "personas", params))
        _wait_text(page, re.compile(r"^Name of segment"))
        assert_no_exception(page)
        box = page.get_by_label(re.compile(r"^Name of segment")).first
        box.fill(NEW_NAME)
        box.press("Enter")
        ws, run_id = params["ws"], params["run"]
        _wait_in_store(
            store_url,
            "The new persona name",
            lambda s: NEW_NAME in (s.get_run(ws, run_id).names or {}).values(),
        )
        wait_for_app(page)

        _create_share_link(page, store_url, ws, run_id)
        # the sidebar also shows this workspace's own link ("Your work lives at this link")
        code = (
            page.locator('[data-testid="stSidebar"] [data-testid="stCode"]')
            .filter(has_text="?share=")
            .first
        )
        code.wait_for(state="visible")
        share_link = code.inner_text().strip()
        assert "?share=" in share_link
        owner_ctx.close()

        # Restart the server on the same data folder (and the same store).
        stop_server(proc)
        proc, url = start_server(data_dir, port=port, extra_env=env)

        ctx, fresh = _open(browser, _link(url, "personas", params))
        _wait_text(fresh, re.compile(r"^Name of segment"))
        assert_no_exception(fresh)
        names = [
            fresh.get_by_label(re.compile(r"^Name of segment")).nth(i).input_value()
            for i in range(fresh.get_by_label(re.compile(r"^Name of segment")).count())
        ]
        assert NEW_NAME in names
        ctx.close()

        ctx, viewer = _open(browser, share_link)
        _wait_text(viewer, NEW_NAME)
        assert_no_exception(viewer)
        assert viewer.get_by_role("heading", name="Shared personas").is_visible()
        assert viewer.get_by_text(NEW_NAME).first.is_visible()
        # read-only: no inputs, no uploads, no page navigation
        assert viewer.locator('[data-testid="stTextInput"]').count() == 0
        assert viewer.locator('[data-testid="stFileUploader"]').count() == 0
        assert viewer.locator('[data-testid="stSidebarNav"]').count() == 0
        ctx.close()

        # A guessed token shows the plain refusal.
        ctx, guess = _open(browser, f"{url}/?share=" + "A" * 43)
        _wait_text(guess, "not valid, or it was revoked")
        ctx.close()
    finally:
        stop_server(proc)


def test_two_workshop_participants_do_not_see_each_other(browser, store_env):
    data_dir, env, store_url = store_env
    env = {**env, "PERSONALAB_PASSWORD": "workshop"}
    proc, url = start_server(data_dir, extra_env=env)
    try:
        alice_ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        alice = alice_ctx.new_page()
        alice.set_default_timeout(90_000)
        goto(alice, url)
        _log_in(alice)
        _wait_text(alice, re.compile(r"users · .* events"))
        params = _seed_run(store_url, data_dir, owner="guest")
        # A new page load is a new session: the login cookie lets Alice in without the
        # password again, and the workspace in the link (a 128-bit capability) opens.
        alice.goto(_link(url, "personas", params))
        _wait_text(alice, re.compile(r"^Name of segment"))
        assert alice.get_by_text("protected by a password").count() == 0

        bob_ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        bob = bob_ctx.new_page()
        bob.set_default_timeout(90_000)
        goto(bob, url, "personas")
        _log_in(bob)
        _wait_text(bob, "No saved segmentation yet")
        assert_no_exception(bob)
        sidebar = bob.locator('[data-testid="stSidebar"]').inner_text()
        assert "E2E workspace" not in sidebar
        assert "No saved segmentation yet" in sidebar
        assert bob.get_by_label(re.compile(r"^Name of segment")).count() == 0
        alice_ctx.close()
        bob_ctx.close()
    finally:
        stop_server(proc)


def _log_in(page) -> None:
    _wait_text(page, "protected by a password")
    page.get_by_label("Password", exact=True).fill("workshop")
    page.get_by_role("button", name="Enter").click()
    wait_for_app(page)
