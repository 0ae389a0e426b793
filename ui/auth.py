"""Who may use this PersonaLab server, and who owns a workspace.

Three access modes, chosen from the host's configuration (docs/deploy.md):

- ``oidc``: the host configured Streamlit's OpenID Connect login (an ``[auth]`` section
  with ``redirect_uri`` and ``cookie_secret`` in ``secrets.toml``). Visitors log in with
  ``st.login``; workspaces belong to the logged-in account.
- ``password``: ``PERSONALAB_PASSWORD`` (environment) or ``[auth] password`` (secret) is
  set: a simple shared password for a hosted workshop. Every browser session gets its
  own workspace, reachable again only through its link (the workspace id is a 128-bit
  random capability), so participants do not see each other's work.
- ``local``: nothing configured: one person on their own machine; every workspace is
  theirs and the last one used opens by default.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
from typing import Literal

import streamlit as st

Mode = Literal["local", "password", "oidc"]

PASSWORD_ENV = "PERSONALAB_PASSWORD"
MAX_FAILURES = 5  # failed attempts before each further attempt is slowed down
_AUTHED_KEY = "_pl_auth_ok"
_FAILURES_KEY = "_pl_auth_failures"

_failures_by_client: dict[str, tuple[int, float]] = {}
_failures_lock = threading.Lock()


def _secret(section: str, key: str):
    """``st.secrets[section][key]`` or None (no secrets file is not an error)."""
    try:
        return st.secrets[section][key]
    except Exception:
        return None


def oidc_configured() -> bool:
    """True when the host configured Streamlit's built-in OIDC login."""
    if not (hasattr(st, "login") and hasattr(st, "user")):
        return False
    return bool(_secret("auth", "redirect_uri")) and bool(_secret("auth", "cookie_secret"))


def configured_password() -> str | None:
    """The workshop password from the environment or the ``[auth] password`` secret."""
    value = os.environ.get(PASSWORD_ENV) or _secret("auth", "password")
    return str(value) if value else None


def mode() -> Mode:
    """The access mode this server runs in (see module docstring)."""
    if oidc_configured():
        return "oidc"
    if configured_password():
        return "password"
    return "local"


def isolated_sessions() -> bool:
    """True when browser sessions must not see each other's workspaces (workshop mode)."""
    return mode() == "password"


def owner() -> str:
    """The owner recorded on new workspaces: the account, ``guest`` or ``local``."""
    current = mode()
    if current == "oidc":
        user = st.user
        ident = user.get("email") or user.get("sub") or "unknown"
        return f"user:{ident}"
    return "guest" if current == "password" else "local"


def may_open(workspace_owner: str) -> bool:
    """May the current visitor open a workspace with this owner (given its link)?"""
    current = mode()
    if current == "oidc":
        return workspace_owner == owner()
    if current == "password":
        return workspace_owner == "guest"
    return workspace_owner == "local"


def password_matches(given: str, expected: str) -> bool:
    """Constant-time comparison of two passwords (hmac.compare_digest on their SHA-256)."""
    a = hashlib.sha256(str(given).encode()).digest()
    b = hashlib.sha256(str(expected).encode()).digest()
    return hmac.compare_digest(a, b)


def client_key() -> str:
    """Who is knocking: the client IP when Streamlit knows it, else 'unknown'."""
    try:
        return str(st.context.ip_address or "unknown")
    except Exception:
        return "unknown"


def note_failure(key: str) -> int:
    """Count a failed attempt (password or share link) for a client; return the count."""
    now = time.monotonic()
    with _failures_lock:
        count, first = _failures_by_client.get(key, (0, now))
        if now - first > 900:  # the count decays after 15 minutes
            count, first = 0, now
        _failures_by_client[key] = (count + 1, first)
        return count + 1


def failure_delay(key: str) -> float:
    """Seconds to wait before answering this client (0 until MAX_FAILURES failures)."""
    with _failures_lock:
        count, first = _failures_by_client.get(key, (0, 0.0))
    if time.monotonic() - first > 900 or count < MAX_FAILURES:
        return 0.0
    return min(8.0, 0.5 * 2 ** (count - MAX_FAILURES))


def allowed() -> bool:
    """True when the visitor may use the app now (logged in, password given, or local)."""
    current = mode()
    if current == "local":
        return True
    if current == "oidc":
        return bool(st.user.is_logged_in)
    return bool(st.session_state.get(_AUTHED_KEY))


def login_screen() -> None:
    """The only page a visitor sees before :func:`allowed` (a hidden st.navigation page)."""
    gate()


def gate() -> bool:
    """Show the login or password screen when needed; True when the visitor may continue.

    Call it at the top of ``app.py``; when it returns False the caller stops the script.
    """
    current = mode()
    if current == "local":
        return True
    if current == "oidc":
        if st.user.is_logged_in:
            return True
        st.title("PersonaLab")
        st.write("Log in to see your workspaces and saved personas.")
        st.button("Log in", on_click=st.login, type="primary", key="auth_login")
        return False
    if st.session_state.get(_AUTHED_KEY):
        return True
    st.title("PersonaLab")
    st.write("This PersonaLab is protected by a password. Ask the workshop leader for it.")
    with st.form("auth_password_form"):
        given = st.text_input("Password", type="password", key="auth_password")
        submitted = st.form_submit_button("Enter", type="primary")
    if submitted:
        key = client_key()
        delay = failure_delay(key)
        if delay:
            time.sleep(delay)
        if password_matches(given or "", configured_password() or ""):
            st.session_state[_AUTHED_KEY] = True
            st.session_state.pop("auth_password", None)
            st.rerun()
        note_failure(key)
        failures = st.session_state.get(_FAILURES_KEY, 0) + 1
        st.session_state[_FAILURES_KEY] = failures
        if failures >= MAX_FAILURES:
            st.error(
                "That password is not right. After several wrong tries each new try is "
                "slowed down; check the password with the workshop leader."
            )
        else:
            st.error("That password is not right; check it with the workshop leader.")
    return False


def account_controls() -> None:
    """Sidebar: who is logged in, and a log-out button (OIDC and password modes)."""
    current = mode()
    if current == "oidc" and st.user.is_logged_in:
        who = st.user.get("name") or st.user.get("email") or "you"
        from ui.state import escape_markdown

        st.caption(f"Logged in as {escape_markdown(who)}")
        st.button("Log out", on_click=st.logout, key="auth_logout")
    elif (
        current == "password"
        and st.session_state.get(_AUTHED_KEY)
        and st.button("Leave this session", key="auth_leave")
    ):
        st.session_state.pop(_AUTHED_KEY, None)
        st.rerun()
