"""Who may use this PersonaLab server, and who owns a workspace.

Three access modes, chosen from the host's configuration (docs/deploy.md):

- ``oidc``: the host configured Streamlit's OpenID Connect login (an ``[auth]`` section
  with ``redirect_uri`` and ``cookie_secret`` in ``secrets.toml``). Visitors log in with
  ``st.login``; workspaces belong to the logged-in account.
- ``password``: ``PERSONALAB_PASSWORD`` (environment) or ``[auth] password`` (secret) is
  set: a simple shared password for a hosted workshop. Every browser session gets its
  own workspace, reachable again only through its link (the workspace id is a 128-bit
  random capability), so participants do not see each other's work. After the right
  password the browser keeps a signed, expiring login cookie (:func:`issue_token`), so
  a reload or a new tab does not ask again.
- ``local``: nothing configured: one person on their own machine; every workspace is
  theirs and the last one used opens by default.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal, TypeVar

import streamlit as st

from core import config
from core.common.markdown import escape_markdown
from core.i18n import tr
from ui.common.cookies import cookie_script, draw_hidden_script

T = TypeVar("T")

Mode = Literal["local", "password", "oidc"]

PASSWORD_ENV = config.PASSWORD_ENV
MAX_FAILURES = 5  # failed attempts before each further attempt is slowed down
_AUTHED_KEY = "_pl_auth_ok"
_FAILURES_KEY = "_pl_auth_failures"
_TOKEN_KEY = "_pl_auth_token"  # the login token issued in this session (to store in a cookie)
_LEFT_KEY = "_pl_auth_left"  # the visitor pressed "Leave this session"
LOGIN_COOKIE = "personalab_login"
LOGIN_HOURS = 12  # a workshop day; after that the password is asked again
SALT_FILE = "auth_salt"
REVOKED_FILE = "auth_revoked"  # logins ended with "Leave this session" (token hashes)

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
    value = config.password_env() or _secret("auth", "password")
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


def checked_slowly(check: Callable[[], T]) -> T:
    """Run a secret check (password, share link, join code) at this client's pace.

    After :data:`MAX_FAILURES` failed checks from one client each answer waits longer
    (:func:`failure_delay`), so guessing is hopeless; a falsy result counts as a failure.

    Parameters
    ----------
    check : callable
        The look-up or comparison; its result is returned.

    Returns
    -------
    Any
        What ``check`` returned.
    """
    key = client_key()
    delay = failure_delay(key)
    if delay:
        time.sleep(delay)
    result = check()
    if not result:
        note_failure(key)
    return result


# --- remembered workshop login ----------------------------------------------------------
#
# Why a cookie and not a token in the address bar: the address bar is what attendees copy
# and paste (permalinks ?ws=...&run=... are meant to be shared), so a login token there
# would travel with every pasted link, sit in browser history and in proxy logs, and
# Streamlit drops query parameters on every page switch anyway. A cookie is sent only by
# this browser to this server, survives reloads and new tabs, and never appears in a
# link, so share links and permalinks stay free of it by construction.
# Streamlit reads cookies (st.context.cookies) but has no API to write one, so a tiny
# script drawn with st.html sets it; a script-set cookie cannot be HttpOnly, so the
# token is made harmless to leak: it names only an expiry, is signed with HMAC-SHA256
# under a key derived from the password and a random salt kept in the data folder
# (never sent anywhere), so it cannot be forged or extended, reveals nothing about the
# password, dies after LOGIN_HOURS, and changing the password voids every token.
# Each login gets its own token (a random part), and "Leave this session" revokes it on
# the server (:func:`revoke_token`, a list next to the salt): a copy of the cookie kept
# elsewhere, or another tab holding the same login, no longer opens the app.


def _salt_path() -> Path:
    """The salt file in the data folder."""
    return config.data_dir() / SALT_FILE


def _salt() -> bytes:
    """32 random bytes kept in the data folder: one per server data folder, made once."""
    path = _salt_path()
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written to a private temporary file, then linked into place: os.link fails when the
    # salt exists, so two servers starting on one data folder agree on the first salt.
    tmp = path.with_name(f"{SALT_FILE}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32))
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    except OSError:  # a file system without hard links: last writer wins, once
        if not path.exists():
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def _signing_key(password: str) -> bytes:
    """The HMAC key of login tokens: the server's salt and the password."""
    return hmac.new(_salt(), b"personalab-login\0" + password.encode(), hashlib.sha256).digest()


def _signature(password: str, expiry: int, nonce: str) -> str:
    """The hex HMAC of a token's expiry and random part."""
    payload = f"v2.{expiry}.{nonce}".encode()
    return hmac.new(_signing_key(password), payload, hashlib.sha256).hexdigest()


def issue_token(password: str | None = None, now: float | None = None) -> str | None:
    """A login token for the workshop password: ``v2.<expiry>.<random>.<HMAC>``.

    Valid for :data:`LOGIN_HOURS` unless revoked (:func:`revoke_token`); it holds no
    secret (its expiry, 96 random bits that make every login's token its own, and a
    signature). None when the data folder cannot hold the salt (read-only): the login
    then lasts for this tab only, as before, instead of failing.
    """
    password = configured_password() if password is None else password
    expiry = int((time.time() if now is None else now) + LOGIN_HOURS * 3600)
    nonce = secrets.token_hex(12)
    try:
        return f"v2.{expiry}.{nonce}.{_signature(password or '', expiry, nonce)}"
    except OSError:
        return None


def _revoked_path() -> Path:
    """The list of revoked logins, next to the salt."""
    return config.data_dir() / REVOKED_FILE


def _token_digest(token: str) -> str:
    """SHA-256 hex of a login token (the revoked list holds only these)."""
    return hashlib.sha256(str(token).encode()).hexdigest()


def revoke_token(token: str | None, now: float | None = None) -> None:
    """Make a login token invalid on this server (every copy of it) until it expires.

    The token's SHA-256 and expiry are appended to ``<data dir>/auth_revoked`` under a
    file lock; expired lines are dropped when the file grows past 256 KB. Tokens that
    are not valid anyway are ignored.
    """
    if not token_valid(token, now=now):
        return
    expiry = int(str(token).split(".")[1])
    path = _revoked_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="ascii") as fh:
        _lock(fh)
        fh.write(f"{_token_digest(token)} {expiry}\n")
        if fh.tell() > 256 * 1024:
            cutoff = time.time() if now is None else now
            fh.seek(0)
            keep = [line for line in fh if _line_expiry(line) > cutoff]
            fh.seek(0)
            fh.truncate()
            fh.writelines(keep)


def _lock(fh) -> None:
    """An exclusive lock on an open file until it is closed (POSIX; no-op elsewhere)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: appends of one line stay whole
        return
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX)


def _line_expiry(line: str) -> int:
    """The expiry of a line of the revoked list (0 when malformed)."""
    parts = line.split()
    return int(parts[1]) if len(parts) == 2 and parts[1].isdigit() else 0


def _is_revoked(token: str) -> bool:
    """True when the token was revoked, or the revocation list cannot be read."""
    try:
        text = _revoked_path().read_text(encoding="ascii")
    except FileNotFoundError:
        return False
    except (OSError, ValueError):  # cannot tell: ask for the password rather than guess
        return True
    digest = _token_digest(token)
    return any(line.split(" ", 1)[0] == digest for line in text.splitlines())


def token_valid(token: str | None, password: str | None = None, now: float | None = None) -> bool:
    """True for an unexpired token signed for the current password (constant-time check).

    Revocation is checked separately (:func:`login_token_works`).
    """
    password = configured_password() if password is None else password
    if not token or not password:
        return False
    parts = str(token).split(".")
    if len(parts) != 4 or parts[0] != "v2" or not parts[1].isdigit() or not parts[2]:
        return False
    expiry = int(parts[1])
    now = time.time() if now is None else now
    # expired, or claiming more than one login period ahead (never issued by us)
    if expiry <= now or expiry > now + LOGIN_HOURS * 3600 + 60:
        return False
    try:
        expected = _signature(password, expiry, parts[2])
    except OSError:  # no salt (read-only data folder): no remembered logins
        return False
    return hmac.compare_digest(parts[3], expected)


def login_token_works(token: str | None) -> bool:
    """True for a valid token (:func:`token_valid`) that nobody revoked by leaving."""
    return token_valid(token) and not _is_revoked(str(token))


def _cookie_token() -> str | None:
    """The login cookie sent by this browser when the session opened, if any."""
    try:
        value = st.context.cookies.get(LOGIN_COOKIE)
    except Exception:
        return None
    return str(value) if value else None


def _cookie_script(value: str, max_age: int) -> str:
    """A script that sets (or, with max_age 0, deletes) the login cookie of this app."""
    return cookie_script(LOGIN_COOKIE, value, max_age)


def _draw_script(body: str) -> None:
    """Draw a script in a hidden element (it takes no line on the page)."""
    draw_hidden_script(body, "pl_auth_cookie")


def remember_login() -> None:
    """After the password was given in this session, keep the login in a browser cookie.

    Drawn on every run of the app (the script runs once; redrawing the same element
    does nothing), so a quick rerun cannot remove it before the browser ran it.
    """
    token = st.session_state.get(_TOKEN_KEY)
    if mode() == "password" and token and st.session_state.get(_AUTHED_KEY):
        remaining = int(token.split(".")[1]) - int(time.time())
        if remaining > 0:
            _draw_script(_cookie_script(token, remaining))


def allowed() -> bool:
    """True when the visitor may use the app now (logged in, password given, or local)."""
    current = mode()
    if current == "local":
        return True
    if current == "oidc":
        return bool(st.user.is_logged_in)
    if st.session_state.get(_AUTHED_KEY):
        token = st.session_state.get(_TOKEN_KEY)
        if token and _is_revoked(token):  # left in another tab with the same login
            st.session_state.pop(_AUTHED_KEY, None)
            st.session_state.pop(_TOKEN_KEY, None)
            return False
        return True
    cookie = _cookie_token()
    if not st.session_state.get(_LEFT_KEY) and login_token_works(cookie):
        st.session_state[_AUTHED_KEY] = True  # a reload or a new tab of a logged-in browser
        st.session_state[_TOKEN_KEY] = cookie
        return True
    return False


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
        st.write(tr("Log in to see your workspaces and saved personas."))
        st.button(tr("Log in"), on_click=st.login, type="primary", key="auth_login")
        return False
    if allowed():
        return True
    if st.session_state.get(_LEFT_KEY):
        _draw_script(_cookie_script("", 0))  # forget the login in this browser too
    st.title("PersonaLab")
    st.write(tr("This PersonaLab is protected by a password. Ask the workshop leader for it."))
    with st.form("auth_password_form"):
        given = st.text_input(tr("Password"), type="password", key="auth_password")
        submitted = st.form_submit_button(tr("Enter"), type="primary")
    if submitted:
        if checked_slowly(lambda: password_matches(given or "", configured_password() or "")):
            st.session_state[_AUTHED_KEY] = True
            st.session_state[_TOKEN_KEY] = issue_token()
            st.session_state.pop(_LEFT_KEY, None)
            st.session_state.pop("auth_password", None)
            st.rerun()
        failures = st.session_state.get(_FAILURES_KEY, 0) + 1
        st.session_state[_FAILURES_KEY] = failures
        if failures >= MAX_FAILURES:
            st.error(
                tr(
                    "That password is not right. After several wrong tries each new try is "
                    "slowed down; check the password with the workshop leader."
                )
            )
        else:
            st.error(tr("That password is not right; check it with the workshop leader."))
    return False


def account_controls() -> None:
    """Sidebar: who is logged in, and a log-out button (OIDC and password modes)."""
    current = mode()
    if current == "oidc" and st.user.is_logged_in:
        who = st.user.get("name") or st.user.get("email") or tr("you")
        st.caption(tr("Logged in as {who}", who=escape_markdown(who)))
        st.button(tr("Log out"), on_click=st.logout, key="auth_logout")
    elif (
        current == "password"
        and st.session_state.get(_AUTHED_KEY)
        and st.button(tr("Leave this session"), key="auth_leave")
    ):
        # The login ends for every copy of its cookie, not only in this tab.
        for token in {st.session_state.get(_TOKEN_KEY), _cookie_token()}:
            with contextlib.suppress(OSError):  # read-only data folder: ends in this tab
                revoke_token(token)
        st.session_state.pop(_AUTHED_KEY, None)
        st.session_state.pop(_TOKEN_KEY, None)
        st.session_state[_LEFT_KEY] = True  # the cookie this session came with no longer counts
        st.rerun()
