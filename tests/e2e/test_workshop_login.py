"""Workshop password in a real browser: a reload or a new tab is not asked again.

The login is kept in a signed, expiring cookie (ui/auth.py); a forged or garbage cookie
still gets the password form, and "Leave this session" forgets the login for good.
"""

from __future__ import annotations

import re
import shutil
import tempfile

import pytest

from tests.e2e.conftest import assert_no_exception, start_server, stop_server, wait_for_app

pytestmark = pytest.mark.e2e
PASSWORD = "workshop-pass"
ASKED = "protected by a password"
OPENED = re.compile(r"users · .* events")  # the sidebar summary of the app


@pytest.fixture(scope="module")
def workshop_url():
    data_dir = tempfile.mkdtemp(prefix="personalab-login-")
    proc, url = start_server(data_dir, extra_env={"PERSONALAB_PASSWORD": PASSWORD})
    try:
        yield url
    finally:
        stop_server(proc)
        shutil.rmtree(data_dir, ignore_errors=True)


def _new_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(90_000)
    return context, page


def _open(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page)
    assert_no_exception(page)


def _asked(page) -> bool:
    return page.get_by_text(ASKED).count() > 0


def _opened(page) -> None:
    page.get_by_text(OPENED).first.wait_for(state="visible", timeout=120_000)
    wait_for_app(page)
    assert not _asked(page)


def _login_cookie(context):
    return next((c for c in context.cookies() if c["name"] == "personalab_login"), None)


def test_a_reload_and_a_new_tab_do_not_ask_for_the_password_again(browser, workshop_url):
    context, page = _new_page(browser)
    try:
        _open(page, workshop_url)
        assert _asked(page)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Enter").click()
        _opened(page)
        page.wait_for_function("() => document.cookie.includes('personalab_login=v2.')")
        cookie = _login_cookie(context)
        assert cookie is not None and cookie["value"].startswith("v2.")
        assert PASSWORD not in cookie["value"]
        assert cookie["sameSite"] == "Strict" and cookie["expires"] > 0
        assert "personalab_login" not in page.url and cookie["value"] not in page.url

        page.reload()
        wait_for_app(page)
        _opened(page)

        tab = context.new_page()
        tab.set_default_timeout(90_000)
        _open(tab, f"{workshop_url}/segment")
        _opened(tab)
        tab.close()

        # Leaving forgets the login: the form shows, and a reload asks again.
        page.get_by_role("button", name="Leave this session").click()
        page.get_by_text(ASKED).wait_for(state="visible")
        page.wait_for_function("() => !document.cookie.includes('personalab_login=')")
        page.reload()
        wait_for_app(page)
        assert _asked(page)
    finally:
        context.close()
    # A copy of the cookie taken before leaving no longer opens the app elsewhere.
    context, page = _new_page(browser)
    try:
        copied = {"name": "personalab_login", "value": cookie["value"], "url": workshop_url}
        context.add_cookies([copied])
        _open(page, workshop_url)
        assert _asked(page)
        assert page.get_by_text(OPENED).count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("kind", ["forged", "garbage"])
def test_a_forged_login_cookie_gets_the_password_form(browser, workshop_url, kind):
    # A real token from a logged-in browser, then tampered with in a fresh one.
    context, page = _new_page(browser)
    try:
        _open(page, workshop_url)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Enter").click()
        _opened(page)
        page.wait_for_function("() => document.cookie.includes('personalab_login=v2.')")
        real = _login_cookie(context)["value"]
    finally:
        context.close()
    signed, signature = real.rsplit(".", 1)
    value = {
        "forged": f"{signed}.{signature[:-1]}{'0' if signature[-1] != '0' else '1'}",
        "garbage": "v2.99999999999.0.deadbeef",
    }[kind]
    context, page = _new_page(browser)
    try:
        context.add_cookies([{"name": "personalab_login", "value": value, "url": workshop_url}])
        _open(page, workshop_url)
        assert _asked(page)
        assert page.get_by_text(OPENED).count() == 0
        # and a wrong password is still refused
        page.get_by_label("Password", exact=True).fill("not-the-password")
        page.get_by_role("button", name="Enter").click()
        page.get_by_text("password is not right").first.wait_for(state="visible")
        assert _asked(page)
    finally:
        context.close()
