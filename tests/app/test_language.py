"""The language switch, how a tab's language is chosen, and the links that carry it.

Through the real entry point (``app.py``): the switch reruns the page in the other
language and keeps what was selected; ``?lang=`` opens a tab in that language; the
cookie and the browser's language decide a first visit (the two readers are replaced
with ``monkeypatch``: AppTest has no browser); permalinks, share links and join links
carry the language; job threads answer in the page's language.
"""

from __future__ import annotations

import ast
import datetime as dt
import threading
import urllib.parse

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core import i18n
from core.errors import DataError
from core.i18n import tr
from core.store import open_store
from tests.conftest import ROOT
from ui.common import jobs, language

APP = str(ROOT / "app.py")


# --- the resolution: switch > link > cookie > host default > browser > English -------------


def test_each_source_wins_over_the_ones_after_it():
    every = {
        "chosen": "en",
        "link": "zh",
        "cookie": "en",
        "configured": "zh",
        "browser": "en",
    }
    order = list(every)
    for i, name in enumerate(order):
        given = {k: every[k] for k in order[i:]}
        assert language.resolve(**given) == every[name], given
    assert language.resolve() == "en"


def test_unknown_or_odd_values_are_skipped():
    assert language.resolve(chosen="fr", link="", cookie="zh-Hans-CN") == "zh"
    assert language.resolve(link=["zh"], cookie=None, browser="de-DE") == "en"
    assert language.resolve(link="ZH_cn") == "zh"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("fr-CH, fr;q=0.9, zh;q=0.8, en;q=0.7", "zh"),
        ("de, en;q=0.2, zh;q=0.5", "zh"),  # by weight, not by position
        ("zh;q=0, en;q=0.1", "en"),  # q=0 means "not this one"
        ("ja, ko", None),
        ("", None),
        (None, None),
        ("en;q=abc, zh", "zh"),
    ],
)
def test_accept_language_picks_the_heaviest_language_we_speak(header, expected):
    assert language.accept_language(header) == expected


@pytest.fixture(scope="module")
def tiny_dataset(tmp_path_factory):
    """A 30-user dataset ingested through core.data (so persona cards can be built)."""
    from core.data import ingest

    folder = tmp_path_factory.mktemp("language-data")
    rows = ["user_id,timestamp,event_type,platform,amount"]
    for u in range(30):
        for d in range(1 + u % 4):
            kind = "purchase" if u % 3 == 0 and d == 0 else ("like" if d % 2 else "view")
            amount = "25.5" if kind == "purchase" else ""
            rows.append(f"u{u:02d},2025-03-{d + 1:02d} 10:00:00,{kind},weibo,{amount}")
    path = folder / "events.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return ingest(path)


def _saved_run(dataset):
    store = open_store()
    ws = store.create_workspace("Language test")
    store.save_dataset(ws.id, dataset.dataset_id, str(dataset.path), source_name="events.csv")
    labels = pd.Series(
        ["S1" if u % 3 else "S2" for u in range(30)],
        index=pd.Index([f"u{u:02d}" for u in range(30)], name="user_id"),
        name="segment",
        dtype=str,
    )
    store.save_run(ws.id, dataset.dataset_id, labels, run_id="lang-run")
    return store, ws


def _query(link: str) -> dict:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))


# --- the app ----------------------------------------------------------------------------------


def _sidebar_text(at: AppTest) -> str:
    return " ".join(str(c.value) for c in [*at.sidebar.caption, *at.sidebar.markdown])


def _switch(at: AppTest):
    return at.sidebar.button_group(key=language.SWITCH_KEY)


def test_the_switch_reruns_the_page_in_chinese_and_back():
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "No saved segmentation yet" in _sidebar_text(at)
    assert at.metric[0].label == "Users"

    _switch(at).set_value("zh").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["lang"] == "zh"
    text = _sidebar_text(at)
    assert "还没有保存的分群" in text and "No saved segmentation" not in text
    assert "数据集：**内置示例数据**" in text
    assert at.metric[0].label == "用户数"
    assert at.subheader[0].value == "四个步骤"
    assert at.query_params["lang"] == "zh"  # the address bar is a permalink in Chinese

    _switch(at).set_value("en").run()
    assert at.metric[0].label == "Users"
    assert "No saved segmentation yet" in _sidebar_text(at)
    assert at.query_params["lang"] == "en"


def test_switching_keeps_the_workspace_dataset_and_run(tiny_dataset):
    store, ws = _saved_run(tiny_dataset)
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["ws"] = ws.id
    at.query_params["run"] = "lang-run"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    picked = {k: at.sidebar.selectbox(key=k).value for k in ("state_ws", "state_ds", "state_run")}
    assert picked["state_run"] == "lang-run" and picked["state_ds"] == tiny_dataset.dataset_id
    _switch(at).set_value("zh").run()
    assert not at.exception, [e.value for e in at.exception]
    assert {k: at.sidebar.selectbox(key=k).value for k in picked} == picked
    assert at.sidebar.selectbox(key="state_run").label == "已保存的分群"
    assert "分群结果 `lang-run` · 2 个人群" in _sidebar_text(at)
    assert {k: at.query_params[k] for k in ("ws", "ds", "run", "lang")} == {
        "ws": ws.id,
        "ds": tiny_dataset.dataset_id,
        "run": "lang-run",
        "lang": "zh",
    }


def test_a_link_with_lang_opens_in_that_language_and_the_switch_still_wins(monkeypatch):
    monkeypatch.setattr(language, "_cookie", lambda: "en")
    monkeypatch.setattr(language, "browser_language", lambda: "en")
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = "zh"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["lang"] == "zh"
    assert at.subheader[0].value == "四个步骤"
    # the viewer's own switch beats the link, and rewrites the link for a reload
    _switch(at).set_value("en").run()
    assert at.subheader[0].value == "Four steps"
    assert at.query_params["lang"] == "en"


@pytest.mark.parametrize(
    ("cookie", "browser", "expected"),
    [
        ("zh", "en", "zh"),  # the remembered switch beats the browser
        (None, "zh", "zh"),  # a first visit follows the browser
        (None, None, "en"),  # nothing known: English
        ("fr", "zh", "zh"),  # an unusable cookie is ignored
    ],
)
def test_a_first_visit_follows_the_cookie_then_the_browser(monkeypatch, cookie, browser, expected):
    monkeypatch.delenv("PERSONALAB_LANG", raising=False)
    monkeypatch.setattr(language, "_cookie", lambda: cookie)
    monkeypatch.setattr(language, "browser_language", lambda: browser)
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["lang"] == expected
    assert at.subheader[0].value == {"en": "Four steps", "zh": "四个步骤"}[expected]


def test_the_switch_is_remembered_in_a_cookie_only_once_chosen():
    at = AppTest.from_file(APP, default_timeout=180).run()
    scripts = " ".join(str(getattr(h, "proto", h)) for h in at.sidebar.get("html"))
    assert "personalab_lang" not in scripts  # the browser's language is not a choice
    _switch(at).set_value("zh").run()
    scripts = " ".join(str(getattr(h, "proto", h)) for h in at.sidebar.get("html"))
    assert "personalab_lang=zh" in scripts and "Max-Age=31536000" in scripts


def test_the_login_screen_has_the_switch_and_speaks_chinese(monkeypatch):
    monkeypatch.setenv("PERSONALAB_PASSWORD", "pw-for-test")
    monkeypatch.setattr(language, "browser_language", lambda: "zh")
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.text_input(key="auth_password").label == "密码"
    at.text_input(key="auth_password").set_value("wrong")
    at.button(key="FormSubmitter:auth_password_form-进入").click().run()
    assert at.error[0].value == "密码不正确，请向工作坊主持人确认。"
    at.button_group(key=language.SWITCH_KEY).set_value("en").run()
    assert at.text_input(key="auth_password").label == "Password"


def test_page_titles_in_the_navigation_have_chinese_names():
    # AppTest shows no navigation; the browser test reads the menu itself.
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    [pages] = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PAGES"
    ]
    titles = [entry.elts[1].args[0].value for entry in pages.elts]
    assert titles[0] == "Start" and len(titles) == 8
    with i18n.language("zh"):
        chinese = [tr(t) for t in titles]
    assert all(c != t and c for c, t in zip(chinese, titles, strict=True)), chinese
    assert chinese[5] == "用户画像"


# --- links carry the language --------------------------------------------------------------


def test_a_share_link_made_in_chinese_opens_in_chinese_and_the_viewer_may_switch(tiny_dataset):
    store, ws = _saved_run(tiny_dataset)
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["lang"] = "zh"
    at.query_params["ws"] = ws.id
    at.query_params["run"] = "lang-run"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.sidebar.button(key="share_create").click().run()
    links = [c.value for c in at.sidebar.code if "share=" in c.value]
    assert len(links) == 1 and _query(links[0])["lang"] == "zh"
    # the expander and its text are Chinese for the sharer
    assert "分享这个分群" in [e.label for e in at.sidebar.expander]

    viewer = AppTest.from_file(APP, default_timeout=180)
    for key, value in _query(links[0]).items():
        viewer.query_params[key] = value
    viewer.run()
    assert not viewer.exception, [e.value for e in viewer.exception]
    assert viewer.title[0].value == "分享的用户画像"
    assert viewer.subheader[0].value == "用户画像"
    # the viewer switches: their tab reads English, the sharer's link is unchanged
    viewer.button_group(key=language.SWITCH_KEY).set_value("en").run()
    assert viewer.title[0].value == "Shared personas"
    assert viewer.query_params["lang"] == "en"
    assert _query(links[0])["lang"] == "zh"


def test_an_invalid_share_link_says_so_in_the_links_language():
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["share"] = "A" * 43
    at.query_params["lang"] = "zh"
    at.run()
    assert [e.value for e in at.error] == ["此分享链接无效或已被撤销。请向发送者索取新的链接。"]


def test_a_join_link_carries_the_facilitators_language():
    store = open_store()
    code, workshop = store.create_workshop("上海工作坊", dt.date.today(), owner="local")
    try:
        _join_link_in_chinese(store, workshop)
    finally:  # the store is shared by the whole test run: leave no workshop open
        store.end_workshop(workshop.id)


def _join_link_in_chinese(store, workshop) -> None:
    """The facilitator's Chinese board makes a join link that opens in Chinese."""
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["lang"] = "zh"
    at.run()
    at.switch_page("app_pages/workshop.py").run()
    assert not at.exception, [e.value for e in at.exception]
    at.button(key="workshop_new_code").click().run()
    links = [c.value for c in at.code if "join=" in c.value]
    assert len(links) == 1 and _query(links[0])["lang"] == "zh"

    guest = AppTest.from_file(APP, default_timeout=180)
    for key, value in _query(links[0]).items():
        guest.query_params[key] = value
    guest.run()
    assert not guest.exception, [e.value for e in guest.exception]
    assert guest.title[0].value == "PersonaLab 工作坊"
    assert guest.subheader[0].value == "加入“上海工作坊”"
    # a blank name gets the store's sentence in Chinese
    guest.button(key="FormSubmitter:workshop_join_form-加入工作坊").click().run()
    assert guest.error[0].value.startswith("请输入主持人在看板上看到的名字")
    assert store.list_participants(workshop.id) == []


def test_a_workspace_link_is_the_visitors_own_and_names_no_language():
    from ui.common import state

    with i18n.language("zh"):
        assert "lang=" not in state.workspace_link("abc")
        assert _query(state.app_link(share="t"))["lang"] == "zh"
    with i18n.language("en"):
        assert _query(state.app_link(join="c")) == {"join": "c", "lang": "en"}


# --- threads answer in the page's language -------------------------------------------------


class _Bar:
    def progress(self, *args, **kwargs):
        pass


def test_a_job_thread_answers_in_the_language_of_the_page_that_started_it(monkeypatch):
    monkeypatch.delenv("PERSONALAB_LANG", raising=False)

    def work():
        return threading.current_thread().name, tr("Cancel")

    job = jobs.Job("test", _Bar())
    with i18n.language("zh"):
        name, text = job.run(work, "step", poll_seconds=0.01)
    assert name.startswith("heavy-job") and text == "取消"
    with i18n.language("en"):
        assert job.run(work, "step", poll_seconds=0.01)[1] == "Cancel"
    # without the job's wrapper a bare thread would not know the page's language
    box = {}
    with i18n.language("zh"):
        bare = threading.Thread(target=lambda: box.setdefault("text", tr("Cancel")))
        bare.start()
        bare.join()
    assert box["text"] == "Cancel"


# --- store sentences ---------------------------------------------------------------------------


def test_store_sentences_are_chinese_in_chinese_and_unchanged_in_english():
    store = open_store()
    with i18n.language("zh"), pytest.raises(DataError) as zh:
        store.create_workshop("  ", dt.date.today(), owner="local")
    assert str(zh.value) == "请给工作坊起一个参与者能认出来的名字。"
    with i18n.language("en"), pytest.raises(DataError) as en:
        store.create_workshop("  ", dt.date.today(), owner="local")
    assert str(en.value) == "Give the workshop a name participants will recognise."
    past = dt.date.today() - dt.timedelta(days=3)
    with i18n.language("zh"), pytest.raises(DataError) as zh:
        store.create_workshop("Room", past, owner="local")
    assert f"{past.year}年{past.month}月{past.day}日" in str(zh.value)
