"""Saved work in the app: share links, permalinks, concurrent edits, the password gate.

The share view is tested through the real entry point (``app.py`` routes ``?share=``);
state helpers are tested with a tiny script that uses ``ui.common.state`` the way pages do.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.store import open_store
from tests.conftest import ROOT

XSS = "<img src=x onerror=alert(1)>"
APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def tiny_dataset(tmp_path_factory):
    """A 30-user dataset ingested through core.data.pipeline (so features and personas work)."""
    from core.data import ingest

    folder = tmp_path_factory.mktemp("share-data")
    rows = ["user_id,timestamp,event_type,platform,amount"]
    for u in range(30):
        for d in range(1 + u % 4):
            kind = "purchase" if u % 3 == 0 and d == 0 else ("like" if d % 2 else "view")
            amount = "25.5" if kind == "purchase" else ""
            rows.append(f"u{u:02d},2025-03-{d + 1:02d} 10:00:00,{kind},weibo,{amount}")
    path = folder / "events.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return ingest(path)


def _labels(dataset) -> pd.Series:
    ids = [f"u{u:02d}" for u in range(30)]
    return pd.Series(
        ["S1" if u % 3 else "S2" for u in range(30)],
        index=pd.Index(ids, name="user_id"),
        name="segment",
        dtype=str,
    )


def _shared_run(dataset, owner: str = "local"):
    store = open_store()
    ws = store.create_workspace("Share test", owner=owner)
    store.save_dataset(ws.id, dataset.dataset_id, str(dataset.path), source_name="events.csv")
    store.save_run(
        ws.id,
        dataset.dataset_id,
        _labels(dataset),
        params={"method": "kmeans", "k": 2},
        run_id="shared-run",
        names={"S1": XSS, "S2": "Big spenders"},
        notes={"S1": f"note {XSS}"},
    )
    store.save_experiment(
        ws.id,
        name=f"Coupon {XSS}",
        run_id="shared-run",
        inputs={"rows": 100},
        settings={"engine": "frequentist"},
        results={"results": [{"metric": "converted", "variant": "B", "lift": 0.12}]},
    )
    token, link = store.create_share_link(ws.id, "shared-run")
    return store, ws, token, link


def _markdown_text(at) -> str:
    return " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)


def test_share_link_shows_one_run_read_only_with_names_escaped(tiny_dataset):
    _, _, token, _ = _shared_run(tiny_dataset)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["share"] = token
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Shared personas"
    headings = [m.value for m in at.markdown if m.value.startswith("### ")]
    assert len(headings) == 2 and "### Big spenders" in headings
    # nothing to edit, upload or navigate to
    assert len(at.text_input) == len(at.selectbox) == len(at.button) == 0
    assert len(at.sidebar.selectbox) == 0
    text = _markdown_text(at)
    assert "<img" not in text and "&lt;img" in text


@pytest.mark.parametrize("which", ["garbage", "revoked", "near-miss"])
def test_bad_or_revoked_share_link_shows_a_plain_message(tiny_dataset, which):
    store, ws, token, link = _shared_run(tiny_dataset)
    if which == "revoked":
        store.revoke_share_link(ws.id, link.id)
        given = token
    elif which == "near-miss":
        given = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    else:
        given = "not-a-token"
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["share"] = given
    at.run()
    assert not at.exception
    assert "not valid, or it was revoked" in at.error[0].value
    assert len(at.dataframe) == 0


def _state_script():
    import pandas as pd
    import streamlit as st

    from ui.common import auth, state

    if not auth.allowed():
        auth.login_screen()
        st.stop()
    ds = state.current_dataset()
    with st.sidebar:
        state.saved_work_sidebar()
    if st.button("save", key="t_save"):
        ids = pd.Index(["u1", "u2", "u3"], name="user_id")
        labels = pd.Series(["S1", "S2", "S1"], index=ids, name="segment", dtype=str)
        run = state.Run("r1", ds.dataset_id, {"k": 2}, labels, names={"S1": "Fans"})
        state.set_current_run(run)
    if st.button("rename", key="t_rename"):
        run = state.current_run()
        state.set_current_run(run.with_names({**run.names, "S2": st.session_state["t_name"]}))
    st.text_input("name", key="t_name")
    run = state.current_run()
    info = None if run is None else (run.run_id, run.names, run.version)
    st.text(f"ws={state.workspace_id()} ds={ds.dataset_id} run={info}")


def _session(params: dict | None = None) -> AppTest:
    at = AppTest.from_function(_state_script, default_timeout=120)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at.run()


def _permalink(at) -> dict:
    line = at.text[0].value
    return {
        "ws": re.search(r"ws=(\S+)", line).group(1),
        "ds": re.search(r"ds=(\S+)", line).group(1),
        "run": "r1",
    }


def test_permalink_brings_back_the_saved_run_and_edits_are_locked(monkeypatch):
    monkeypatch.setenv("PERSONALAB_PASSWORD", "")  # local mode
    first = _session()
    first.button(key="t_save").click().run()
    assert not first.exception, [e.value for e in first.exception]
    assert "run=('r1', {'S1': 'Fans'}, 1)" in first.text[0].value
    first.run()  # the sidebar lists the run from the next rerun on
    assert first.sidebar.selectbox(key="state_run").value == "r1"
    link = _permalink(first)

    b = _session(link)  # a new browser session opening the pasted link
    c = _session(link)
    assert "run=('r1', {'S1': 'Fans'}, 1)" in b.text[0].value
    b.text_input(key="t_name").input("Quiet").run()
    b.button(key="t_rename").click().run()
    assert "'S2': 'Quiet'}, 2)" in b.text[0].value
    c.text_input(key="t_name").input("Dormant").run()
    c.button(key="t_rename").click().run()
    assert any("Someone else changed this run" in w.value for w in c.warning)
    assert open_store().get_run(link["ws"], "r1").names == {"S1": "Fans", "S2": "Quiet"}


def _log_in(password: str) -> AppTest:
    at = _session()
    at.text_input(key="auth_password").input(password)
    [submit] = [b for b in at.button if b.label == "Enter"]
    submit.click().run()
    return at


def test_workshop_sessions_do_not_see_each_other(monkeypatch):
    monkeypatch.setenv("PERSONALAB_PASSWORD", "let-me-in")
    alice = _log_in("let-me-in")
    assert "ws=None" in alice.text[0].value  # a fresh workshop session has no workspace
    alice.button(key="t_save").click().run()
    alice_link = _permalink(alice)

    bob = _log_in("let-me-in")
    assert "ws=None" in bob.text[0].value and "run=None" in bob.text[0].value
    bob.button(key="t_save").click().run()
    bob.run()
    assert _permalink(bob)["ws"] != alice_link["ws"]
    assert len(bob.sidebar.selectbox(key="state_ws").options) == 1  # only Bob's own workspace


def test_wrong_password_is_refused(monkeypatch):
    monkeypatch.setenv("PERSONALAB_PASSWORD", "let-me-in")
    at = _log_in("guess")
    assert "password is not right" in at.error[0].value
    assert not any("ws=" in t.value for t in at.text)


def _job_script():
    import streamlit as st

    from ui.common import jobs

    with jobs.heavy_job("Counting", key="t_job") as job:
        for i in range(3):
            job.progress((i + 1) / 3, f"step {i + 1}")
    st.text(f"done busy={jobs.busy_slots()}")
    try:
        with jobs.heavy_job("Outer", key="t_outer"), jobs.heavy_job("Inner", key="t_inner"):
            pass
    except jobs.JobLimitError as exc:
        st.warning(str(exc))


def test_heavy_job_runs_releases_its_slot_and_refuses_a_second_one_in_the_tab():
    at = AppTest.from_function(_job_script, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.text[0].value == "done busy=0"
    assert "still running in this tab" in at.warning[0].value


# --- the remembered workshop login (signed, expiring cookie) -------------------------------


def test_login_token_is_signed_expiring_and_tied_to_the_password(monkeypatch, tmp_path):
    from ui.common import auth

    now = 1_800_000_000.0
    token = auth.issue_token("let-me-in", now=now)
    assert auth.token_valid(token, "let-me-in", now=now + 60)
    assert "let-me-in" not in token and token.startswith("v2.")
    assert auth.issue_token("let-me-in", now=now) != token  # every login its own token
    # expired after LOGIN_HOURS
    assert not auth.token_valid(token, "let-me-in", now=now + auth.LOGIN_HOURS * 3600 + 1)
    # a new password voids every token
    assert not auth.token_valid(token, "new-password", now=now + 60)
    version, expiry, nonce, signature = token.split(".")
    # forged: a flipped signature character, a stretched expiry, another random part,
    # the old format, garbage, nothing
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    assert not auth.token_valid(f"{version}.{expiry}.{nonce}.{flipped}", "let-me-in", now=now + 60)
    stretched = f"{version}.{int(expiry) - 30}.{nonce}.{signature}"
    assert not auth.token_valid(stretched, "let-me-in", now=now)
    assert not auth.token_valid(f"{version}.{expiry}.{'0' * 24}.{signature}", "let-me-in", now=now)
    far = int(now + 100 * 24 * 3600)
    assert not auth.token_valid(f"v2.{far}.{nonce}.{signature}", "let-me-in", now=now)
    for junk in ("", "v2", "v2...", "v1.1.abc", f"v1.{expiry}.{signature}", "x" * 200):
        assert not auth.token_valid(junk, "let-me-in", now=now + 60)
    assert not auth.token_valid(None, "let-me-in", now=now)
    # the key needs the data folder's salt: the same token is worthless on another server
    assert auth._salt_path().is_file() and len(auth._salt()) == 32
    monkeypatch.setattr(auth, "_salt_path", lambda: tmp_path / auth.SALT_FILE)
    assert not auth.token_valid(token, "let-me-in", now=now + 60)
    assert auth._salt() == auth._salt()  # made once, then kept
    # a data folder that cannot hold the salt: no remembered login, and no crash
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the data folder should be")
    monkeypatch.setattr(auth, "_salt_path", lambda: blocked / auth.SALT_FILE)
    assert auth.issue_token("let-me-in", now=now) is None
    assert not auth.token_valid(token, "let-me-in", now=now + 60)


@pytest.mark.parametrize("cookie", ["valid", "forged", "expired", "none"])
def test_a_reload_with_the_login_cookie_is_not_asked_again(monkeypatch, cookie):
    import time

    from ui.common import auth

    monkeypatch.setenv("PERSONALAB_PASSWORD", "let-me-in")
    token = {
        "valid": auth.issue_token("let-me-in"),
        "forged": auth.issue_token("guessed-password"),
        "expired": auth.issue_token("let-me-in", now=time.time() - auth.LOGIN_HOURS * 3600 - 5),
        "none": None,
    }[cookie]
    monkeypatch.setattr(auth, "_cookie_token", lambda: token)  # what the browser sent
    at = _session()
    assert not at.exception, [e.value for e in at.exception]
    opened = any("ws=" in t.value for t in at.text)
    asked = any("protected by a password" in m.value for m in at.markdown)
    assert (opened, asked) == ((True, False) if cookie == "valid" else (False, True))


def test_a_revoked_login_token_stops_working_everywhere_and_others_keep_working(monkeypatch):
    from ui.common import auth

    monkeypatch.setenv("PERSONALAB_PASSWORD", "let-me-in")
    left, stayed = auth.issue_token(), auth.issue_token()
    assert auth.login_token_works(left) and auth.login_token_works(stayed)
    auth.revoke_token(left)
    assert not auth.login_token_works(left)
    assert auth.token_valid(left)  # still well signed: refused because it was revoked
    assert auth.login_token_works(stayed)
    auth.revoke_token("garbage")  # nothing to revoke, and no crash
    assert auth.login_token_works(stayed)


def test_a_copied_login_cookie_no_longer_opens_the_app_after_leaving(monkeypatch):
    from ui.common import auth

    monkeypatch.setenv("PERSONALAB_PASSWORD", "let-me-in")
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.text_input(key="auth_password").input("let-me-in")
    [submit] = [b for b in at.button if b.label == "Enter"]
    submit.click().run()
    token = at.session_state[auth._TOKEN_KEY]  # what the app sets as the login cookie
    monkeypatch.setattr(auth, "_cookie_token", lambda: token)  # the cookie, copied
    elsewhere = _session()  # another browser (or tab) holding the copied cookie
    assert any("ws=" in t.value for t in elsewhere.text)
    at.button(key="auth_leave").click().run()
    assert any("protected by a password" in m.value for m in at.markdown)
    # A new browser with the copy is asked for the password ...
    copied = _session()
    assert any("protected by a password" in m.value for m in copied.markdown)
    assert not any("ws=" in t.value for t in copied.text)
    # ... and the tab that was already open with it is asked on its next click.
    elsewhere.run()
    assert any("protected by a password" in m.value for m in elsewhere.markdown)


def _html_bodies(at) -> list[str]:
    return [h.proto.body for h in at.get("html")]


def test_the_app_stores_the_login_in_a_cookie_and_leaving_forgets_it(monkeypatch):
    from ui.common import auth

    monkeypatch.setenv("PERSONALAB_PASSWORD", "let-me-in")
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert "protected by a password" in " ".join(m.value for m in at.markdown)
    at.text_input(key="auth_password").input("let-me-in")
    [submit] = [b for b in at.button if b.label == "Enter"]
    submit.click().run()
    assert not at.exception, [e.value for e in at.exception]
    [script] = [b for b in _html_bodies(at) if auth.LOGIN_COOKIE in b]
    token = re.search(r"personalab_login=([^;]+);", script).group(1)
    assert auth.token_valid(token)
    assert "let-me-in" not in script and "SameSite=Strict" in script
    # "Leave this session": the cookie this session came with no longer opens it, and
    # the browser is told to drop it.
    monkeypatch.setattr(auth, "_cookie_token", lambda: token)
    at.button(key="auth_leave").click().run()
    assert "protected by a password" in " ".join(m.value for m in at.markdown)
    assert any("personalab_login=; Max-Age=0" in b for b in _html_bodies(at))


def _worker_job_script():
    import threading

    import streamlit as st

    from core.errors import DataError
    from ui.common import jobs

    with jobs.heavy_job("Fitting", key="t_fit") as job:
        value = job.run(lambda: sum(range(1000)), "Fitting", poll_seconds=0.01)
    st.text(f"value={value} busy={jobs.busy_slots()}")
    try:
        with jobs.heavy_job("Failing", key="t_fail") as job:
            job.run(lambda: (_ for _ in ()).throw(DataError("plain message")), "Failing")
    except DataError as exc:
        st.text(f"error={exc}")
    # A worker of a cancelled (or left) job that is still computing blocks the tab's
    # next heavy job with a plain message, and stops blocking once it is done.
    release = threading.Event()
    worker = threading.Thread(target=release.wait, daemon=True)
    worker.start()
    st.session_state[jobs._FINISHING_KEY] = [worker]
    try:
        with jobs.heavy_job("Second", key="t_second"):
            pass
    except jobs.JobLimitError as exc:
        st.warning(str(exc))
    release.set()
    worker.join()
    with jobs.heavy_job("Third", key="t_third"):
        st.text("third ran")


def test_job_run_returns_raises_and_a_finishing_worker_blocks_the_next_job():
    at = AppTest.from_function(_worker_job_script, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    texts = [t.value for t in at.text]
    assert texts == ["value=499500 busy=0", "error=plain message", "third ran"]
    [warning] = at.warning
    assert "still finishing its last step" in warning.value
