"""Workshop mode through the real entry point: the board, joining, leaving, ended sessions.

``app.py`` routes ``?join=`` to the join screen and a participant's ``?ws=`` link to their
own workspace; the Workshop page is the facilitator's board.
"""

from __future__ import annotations

import datetime as dt
import io
import urllib.parse

import pandas as pd
import pyarrow as pa
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from core.store import ENDED, open_store
from tests.conftest import ROOT
from ui.workshop import INVALID_JOIN, qr_png

APP = str(ROOT / "app.py")
PAGE = "app_pages/workshop.py"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def tiny_dataset(tmp_path_factory):
    """A 30-user dataset ingested through core.data (so features and persona names work)."""
    from core.data import ingest

    folder = tmp_path_factory.mktemp("workshop-data")
    rows = ["user_id,timestamp,event_type,platform,amount"]
    for u in range(30):
        for d in range(1 + u % 4):
            kind = "purchase" if u % 3 == 0 and d == 0 else ("like" if d % 2 else "view")
            amount = "25.5" if kind == "purchase" else ""
            rows.append(f"u{u:02d},2025-03-{d + 1:02d} 10:00:00,{kind},weibo,{amount}")
    path = folder / "events.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return ingest(path)


def _labels(groups) -> pd.Series:
    ids = pd.Index([f"u{u:02d}" for u in range(30)], name="user_id")
    return pd.Series([groups(u) for u in range(30)], index=ids, name="segment", dtype=str)


def _workshop(name="Spring personas", days=0, owner="local", today=None):
    store = open_store()
    today = today or dt.date.today()
    code, workshop = store.create_workshop(
        name, today + dt.timedelta(days=days), owner=owner, today=today
    )
    return store, code, workshop


def _join_with_run(store, workshop, name, dataset, groups, today=None):
    participant = store.join_workshop(workshop.id, name, today=today)
    ws = participant.workspace_id
    store.save_dataset(ws, dataset.dataset_id, str(dataset.path), source_name="events.csv")
    store.save_run(ws, dataset.dataset_id, _labels(groups), run_id=f"run{len(name)}")
    return ws


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [h.value for h in at.subheader]
    parts += (
        [e.value for e in at.error] + [i.value for i in at.info] + [s.value for s in at.success]
    )
    return "\n".join(str(p) for p in parts)


def _board(at: AppTest) -> AppTest:
    return at.switch_page(PAGE).run()


def test_a_facilitator_starts_a_workshop_and_gets_a_scannable_join_code(tmp_path):
    at = _board(AppTest.from_file(APP, default_timeout=180).run())
    assert not at.exception, [e.value for e in at.exception]
    assert "No workshop is open" in _texts(at)
    at.text_input[0].set_value(f"Room {XSS}")
    at.button(key="FormSubmitter:workshop_create_form-Start the workshop").click().run()
    assert not at.exception, [e.value for e in at.exception]
    links = [c.value for c in at.code if "?join=" in c.value]
    assert len(links) == 1
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(links[0]).query)["join"][0]
    assert open_store().resolve_join_code(code).name == f"Room {XSS}"
    text = _texts(at)
    assert "<img" not in text and "&lt;img" in text  # the name is escaped where it is drawn

    # The QR code holds exactly the join link, and still reads when shrunk to a quarter.
    import zxingcpp
    from PIL import Image

    image = Image.open(io.BytesIO(qr_png(links[0]))).convert("L")
    assert min(image.size) >= 500
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [links[0]]
    small = image.resize((image.width // 4, image.height // 4))
    assert [r.text for r in zxingcpp.read_barcodes(small)] == [links[0]]


def test_a_blank_name_gets_one_sentence_and_creates_nothing():
    before = len(open_store().list_workshops("local"))
    at = _board(AppTest.from_file(APP, default_timeout=180).run())
    at.text_input[0].set_value("   ")
    at.button(key="FormSubmitter:workshop_create_form-Start the workshop").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "Give the workshop a name" in at.error[0].value
    assert len(open_store().list_workshops("local")) == before


def test_joining_gives_a_participant_their_own_workspace_and_link():
    store, code, workshop = _workshop()
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["join"] = code
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Spring personas" in _texts(at)
    assert len(at.sidebar.selectbox) == 0  # nothing of the app before joining
    at.text_input(key="workshop_join_name").set_value("Anna K.")
    at.button(key="FormSubmitter:workshop_join_form-Join the workshop").click().run()
    assert not at.exception, [e.value for e in at.exception]
    [anna] = store.list_participants(workshop.id)
    assert anna.display_name == "Anna K."
    assert at.query_params["ws"] == anna.workspace_id and "join" not in at.query_params
    sidebar = " ".join(m.value for m in [*at.sidebar.markdown, *at.sidebar.caption])
    assert "**Anna K\\.**" in sidebar and "Your work lives at this link" in sidebar
    assert any(c.value.endswith(f"?ws={anna.workspace_id}") for c in at.sidebar.code)
    assert at.sidebar.button(key="workshop_leave") is not None
    # the first page says it too (a phone keeps the sidebar folded), once
    assert "Your work lives at this link" in at.success[0].value
    assert at.code[0].value.endswith(f"?ws={anna.workspace_id}")
    at.run()
    assert len(at.success) == 0

    # A second person cannot take the same name, whatever its case and spacing.
    other = AppTest.from_file(APP, default_timeout=180)
    other.query_params["join"] = code
    other.run()
    other.text_input(key="workshop_join_name").set_value(" anna  k. ")
    other.button(key="FormSubmitter:workshop_join_form-Join the workshop").click().run()
    assert "already called" in other.error[0].value
    assert len(store.list_participants(workshop.id)) == 1


def test_leaving_clears_the_tab_and_the_address_bar():
    store, code, workshop = _workshop()
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["join"] = code
    at.run()
    at.text_input(key="workshop_join_name").set_value("Bo")
    at.button(key="FormSubmitter:workshop_join_form-Join the workshop").click().run()
    assert at.query_params.get("ws")
    at.sidebar.button(key="workshop_leave").click().run()
    assert not at.exception
    assert dict(at.query_params) == {}
    assert "ready for the next person" in at.success[0].value
    assert "_pl_participant" not in at.session_state
    assert len(at.sidebar.code) == len(at.sidebar.selectbox) == 0


@pytest.mark.parametrize("which", ["forged", "garbage", "expired", "ended"])
def test_a_bad_join_link_shows_one_sentence_and_nothing_else(which):
    store, code, workshop = _workshop(today=dt.date.today() - dt.timedelta(days=3))
    if which == "forged":
        _, code, _ = _workshop()
        code = code[:-2] + ("AA" if not code.endswith("AA") else "BB")
    elif which == "garbage":
        code = "not-a-code"
    elif which == "ended":
        _, code, open_one = _workshop()
        store.end_workshop(open_one.id)
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["join"] = code
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [INVALID_JOIN]
    assert len(at.text_input) == len(at.button) == len(at.sidebar.selectbox) == 0


def test_a_participant_link_after_the_last_day_says_so_and_shows_nothing(tiny_dataset):
    past = dt.date.today() - dt.timedelta(days=2)
    store, _, workshop = _workshop(today=past)
    ws = _join_with_run(store, workshop, "Chen", tiny_dataset, lambda u: f"S{u % 2}", today=past)
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["ws"] = ws
    at.run()
    assert not at.exception
    assert [i.value for i in at.info] == [ENDED]
    assert len(at.sidebar.selectbox) == len(at.code) == len(at.button) == 0
    assert "Chen" not in _texts(at)


def test_the_board_shows_every_set_their_agreement_and_a_present_view(tiny_dataset):
    store, _, workshop = _workshop(name="Board test")
    _join_with_run(store, workshop, "Anna", tiny_dataset, lambda u: "S1" if u < 15 else "S2")
    _join_with_run(store, workshop, "Bo", tiny_dataset, lambda u: "A" if u < 15 else "B")
    _join_with_run(store, workshop, "Chen", tiny_dataset, lambda u: f"S{u % 3}")
    store.join_workshop(workshop.id, "Dana")  # joined, nothing saved yet
    at = _board(AppTest.from_file(APP, default_timeout=300).run())
    at.selectbox(key="workshop_pick").set_value(workshop.id).run()
    assert not at.exception, [e.value for e in at.exception]
    headings = [m.value for m in at.markdown if m.value.startswith("####")]
    assert headings == ["#### Anna", "#### Bo", "#### Chen", "#### Dana"]
    text = _texts(at)
    assert "2 personas · 30 users" in text and "3 personas · 30 users" in text
    assert "No saved segmentation yet." in text
    [chart] = at.get("vega_lite_chart")  # the agreement heatmap (Dana has no run: 3 x 3)
    frames = [pa.ipc.open_stream(d.data.data).read_pandas() for d in chart.proto.datasets]
    [frame] = [f for f in frames if "label" in f.columns]
    cells = {(row.a, row.b): row.label for row in frame.itertuples()}
    assert len(cells) == 9
    assert cells[("Anna", "Bo")] == "1.00"  # the same groups under other names
    assert cells[("Anna", "Anna")] == "1.00" and cells[("Chen", "Anna")] != "1.00"
    at.button(key="workshop_present_1").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Bo’s personas"
    assert at.button(key="workshop_back") is not None
    at.button(key="workshop_back").click().run()
    assert any(m.value == "#### Anna" for m in at.markdown)


def test_opening_the_board_deletes_the_work_of_ended_workshops(tiny_dataset):
    past = dt.date.today() - dt.timedelta(days=5)
    store, _, old = _workshop(name="Last week", today=past, days=1)
    ws = _join_with_run(store, old, "Eve", tiny_dataset, lambda u: f"S{u % 2}", today=past)
    assert store.get_workspace(ws) is not None
    _board(AppTest.from_file(APP, default_timeout=180).run())
    assert store.get_workspace(ws) is None
    with store.engine.connect() as conn:
        for table in ("runs", "datasets"):
            n = conn.execute(
                sa.text(f"SELECT COUNT(*) FROM {table} WHERE workspace_id = :ws"), {"ws": ws}
            ).scalar()
            assert n == 0, table
    assert tiny_dataset.path.exists()  # still recorded by other workspaces of this module


def test_participants_start_with_the_dataset_the_facilitator_chose(tiny_dataset):
    store = open_store()
    code, workshop = store.create_workshop(
        "Own data",
        dt.date.today(),
        owner="local",
        dataset_path=str(tiny_dataset.path),
        dataset_name="events.csv",
    )
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["join"] = code
    at.run()
    assert "**events\\.csv** loaded" in _texts(at)
    at.text_input(key="workshop_join_name").set_value("Gus")
    at.button(key="FormSubmitter:workshop_join_form-Join the workshop").click().run()
    assert not at.exception, [e.value for e in at.exception]
    [gus] = store.list_participants(workshop.id)
    assert at.query_params["ds"] == tiny_dataset.dataset_id
    assert [d.dataset_id for d in store.list_datasets(gus.workspace_id)] == [
        tiny_dataset.dataset_id
    ]
    assert any("30 users" in c.value for c in at.sidebar.caption)


def test_leaving_a_password_session_hands_nothing_to_the_next_person(monkeypatch):
    monkeypatch.setenv("PERSONALAB_PASSWORD", "pw-for-test")
    store = open_store()
    mine = store.create_workspace("First person's work", owner="guest")
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["ws"] = mine.id
    at.run()
    at.text_input(key="auth_password").set_value("pw-for-test")
    at.button(key="FormSubmitter:auth_password_form-Enter").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["ws"] == mine.id
    at.sidebar.button(key="auth_leave").click().run()
    assert not at.exception
    assert dict(at.query_params) == {}
    assert "_pl_ws" not in at.session_state
    # the next person logs in at the same tab and gets a fresh start
    at.text_input(key="auth_password").set_value("pw-for-test")
    at.button(key="FormSubmitter:auth_password_form-Enter").click().run()
    assert not at.exception
    assert "ws" not in at.query_params
    assert "First person's work" not in " ".join(str(s.value) for s in at.sidebar.selectbox)
