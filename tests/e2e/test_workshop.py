"""A workshop in a real browser: a facilitator, three participants, the board, leaving.

The server has a password, as a hosted workshop would: the facilitator logs in with it,
participants never need it (the join link lets them in, their own link brings them
back). Each participant is a separate browser context, like separate laptops.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from core.store import ENDED, Store
from tests.e2e.conftest import SHOTS, assert_no_exception, start_server, stop_server, wait_for_app
from ui.workshop import INVALID_JOIN

pytestmark = pytest.mark.e2e
PASSWORD = "facilitator-pass"
NAMES = ("Anna K.", "Bo", "Chen Li")


@pytest.fixture(scope="module")
def server():
    data_dir = tempfile.mkdtemp(prefix="personalab-workshop-")
    proc, url = start_server(data_dir, extra_env={"PERSONALAB_PASSWORD": PASSWORD})
    try:
        yield url, f"sqlite:///{Path(data_dir) / 'store.sqlite'}"
    finally:
        stop_server(proc)
        shutil.rmtree(data_dir, ignore_errors=True)


def _page(browser, width=1400, height=1000):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(240_000)
    return context, page


def _open(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page)
    assert_no_exception(page)


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"workshop_{name}.png"), full_page=True)


def _join(browser, link: str, name: str):
    context, page = _page(browser)
    _open(page, link)
    assert page.get_by_text("protected by a password").count() == 0  # no password asked
    page.get_by_label("Your display name").fill(name)
    page.get_by_role("button", name="Join the workshop").click()
    page.get_by_role("button", name="Leave this session").wait_for(state="visible")
    wait_for_app(page)
    assert "ws=" in page.url and "join=" not in page.url
    return context, page


def _save_segmentation(page) -> None:
    page.get_by_role("link", name="Segment").first.click()
    wait_for_app(page)
    save = page.get_by_role("button", name=re.compile(r"^Save this segmentation"))
    save.wait_for(state="visible")
    save.click()
    page.get_by_text(re.compile(r"^Saved\.")).first.wait_for(state="visible")
    wait_for_app(page)
    assert_no_exception(page)


def test_a_room_joins_saves_and_the_board_compares_them(browser, server):
    url, _ = server
    fac_ctx, fac = _page(browser)
    contexts = [fac_ctx]
    try:
        _open(fac, f"{url}/workshop")
        fac.get_by_label("Password", exact=True).fill(PASSWORD)
        fac.get_by_role("button", name="Enter").click()
        fac.get_by_label("Workshop name").wait_for(state="visible")
        wait_for_app(fac)
        fac.get_by_label("Workshop name").fill("Spring personas")
        fac.get_by_role("button", name="Start the workshop").click()
        wait_for_app(fac)
        link = fac.locator("code").filter(has_text="?join=").first.inner_text().strip()
        assert link.startswith(url) and fac.get_by_text("Scan to join").count() == 1
        qr = fac.locator('[data-testid="stImage"] img').first.bounding_box()
        assert qr["width"] >= 400  # big enough to scan from the back of a room
        _shot(fac, "invite")

        pages = []
        for name in NAMES:
            ctx, page = _join(browser, link, name)
            contexts.append(ctx)
            pages.append(page)
            # every page says where the work lives, with the link to copy
            # (twice on the first page: in the page itself and in the sidebar)
            assert page.get_by_text("Your work lives at this link").count() == 2
            ws = re.search(r"ws=([\w-]+)", page.url).group(1)
            assert page.locator("code").filter(has_text=f"?ws={ws}").count() == 2
            # a participant has no way to the facilitator's board
            assert page.get_by_role("link", name="Workshop").count() == 0
        _shot(pages[0], "participant")
        for page in pages:
            _save_segmentation(page)
            assert page.get_by_text("Your work lives at this link").count() == 1

        # A new tab at the plain address offers the way back to this laptop's work.
        tab = pages[0].context.new_page()
        _open(tab, url)
        assert tab.get_by_text("last used by").count() == 1
        assert tab.get_by_text(NAMES[0]).count() >= 1
        tab.get_by_role("button", name="Return to my work").click()
        tab.get_by_role("button", name="Leave this session").wait_for(state="visible")
        tab.close()

        fac.get_by_role("button", name="Refresh the board").click()
        wait_for_app(fac)
        for name in NAMES:
            fac.get_by_role("heading", name=name).wait_for(state="visible")
        assert fac.get_by_text(re.compile(r"personas · 2,000 users")).count() == 3
        heatmap = fac.locator('[data-testid="stVegaLiteChart"] svg').last
        heatmap.wait_for(state="visible")
        values = [
            t for t in heatmap.locator("text").all_text_contents() if re.fullmatch(r"-?\d\.\d\d", t)
        ]
        assert len(values) == 9, values
        assert all(v == "1.00" for v in values[::4])  # the diagonal
        _shot(fac, "board")

        # The present view, on a projector-sized window: only the deck, and a way back.
        fac.set_viewport_size({"width": 1920, "height": 1080})
        fac.get_by_role("button", name="Present").nth(1).click()
        fac.get_by_role("heading", name=f"{NAMES[1]}’s personas").wait_for(state="visible")
        wait_for_app(fac)
        assert fac.locator('[data-testid="stSidebar"]').is_hidden()
        # the deck's present view: one persona at a time, stepped with Previous / Next
        assert fac.get_by_text(re.compile(r"^Persona 1 of \d+: ")).count() == 1
        _shot(fac, "present")
        fac.get_by_role("button", name="Back to the board").click()
        fac.get_by_role("button", name="Refresh the board").wait_for(state="visible")

        # Leaving clears this tab: no work, no link, no name, and the address is plain.
        page = pages[2]
        page.get_by_role("button", name="Leave this session").click()
        page.get_by_text("ready for the next person").wait_for(state="visible")
        wait_for_app(page)
        assert "ws=" not in page.url and "?" not in page.url.rstrip("/").rsplit("/", 1)[-1]
        assert page.get_by_text(NAMES[2]).count() == 0
        assert page.locator("code").count() == 0
        page.wait_for_function("() => !document.cookie.includes('personalab_workspace=')")
        page.reload()
        wait_for_app(page)
        assert page.get_by_text(NAMES[2]).count() == 0
        assert page.get_by_text("last used by").count() == 0
        _shot(page, "left")
    finally:
        for ctx in contexts:
            ctx.close()


def test_an_ended_workshop_and_a_forged_code_show_one_sentence(browser, server):
    url, store_url = server
    store = Store(store_url)
    try:
        past = dt.date.today() - dt.timedelta(days=3)
        code, old = store.create_workshop("Last week", past, owner="guest", today=past)
        gone = store.join_workshop(old.id, "Dana", today=past)
        live, _ = store.create_workshop("Today", dt.date.today(), owner="guest")
    finally:
        store.dispose()
    forged = live[:-2] + ("AA" if not live.endswith("AA") else "BB")
    cases = [
        (f"{url}/?join={code}", INVALID_JOIN),
        (f"{url}/?join={forged}", INVALID_JOIN),
        (f"{url}/?ws={gone.workspace_id}", ENDED),
    ]
    for address, sentence in cases:
        context, page = _page(browser)
        try:
            _open(page, address)
            page.get_by_text(sentence).wait_for(state="visible")
            assert page.get_by_text("Dana").count() == 0
            assert page.locator('[data-testid="stSidebar"]').count() == 0
            assert page.locator("input").count() == 0
            assert page.get_by_role("button").count() == 0
        finally:
            context.close()
