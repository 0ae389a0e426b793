"""User-derived text (file names, column names, cell values) is shown as text, never as
Markdown: no live link, no image fetched, on the Data page and in the sidebar."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

HOST = "http://127.0.0.1:8629"
#: A link or image whose brackets are not escaped (``[x](``, ``![x](``), or a bare
#: address that GFM links whatever its backslashes (``http://``, ``www.``, ``a@b``).
MARKDOWN_LINK = re.compile(r"(?<!\\)\]\(")
BARE_ADDRESS = re.compile(r"(?i)https?://|www\.|\w@\w")


def _live(text: str) -> bool:
    return bool(MARKDOWN_LINK.search(text) or BARE_ADDRESS.search(text.replace("\\", "")))


FILE_NAME = f"[report]({HOST}/n).csv"
COLUMN = f"[c]({HOST}/c)"
EVENTS = (
    f"uid,time,event,platform,{COLUMN}\n"
    f"u1,2025-03-01 10:00,view,[p]({HOST}/p),![v]({HOST}/v.png)\n"
    f"u2,2025-03-02 11:00,like,wechat,x\n"
)
BAD_TIMES = f"uid,time,event\nu1,![b]({HOST}/x.png),view\nu2,![b]({HOST}/y.png),like\n"


def _texts(at: AppTest) -> list[str]:
    """Every string Streamlit renders as Markdown: bodies of text elements and labels."""
    out = []
    for node in at.main, at.sidebar:
        for kind in ("markdown", "caption", "error", "warning", "info", "success", "subheader"):
            out += [e.value for e in node.get(kind)]
        for kind in ("selectbox", "radio", "text_input", "slider", "multiselect", "metric"):
            out += [e.label for e in node.get(kind)]
    return out


def _open_data_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("app_pages/data.py").run()
    at.radio(key="data_source").set_value("Upload my own file").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _upload_and_load(at: AppTest, text: str) -> AppTest:
    at.file_uploader(key="data_events_file").set_value((FILE_NAME, text.encode(), "text/csv"))
    at.run()
    at.button(key="FormSubmitter:data_mapping_form-Load dataset").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_names_and_values_render_as_text_on_the_data_page_and_sidebar():
    at = _upload_and_load(_open_data_page(), EVENTS)
    assert any("Loaded 2 events" in s.value for s in at.success)
    texts = _texts(at)
    shown = " ".join(texts).replace("\\", "")
    # the hostile strings are there (escaped), in the sidebar and the mapping form ...
    assert "report" in " ".join(c.value for c in at.sidebar.caption)
    assert "127.0.0.1" in shown
    # ... and none of them is a live link or image
    assert [t for t in texts if _live(t)] == []
    for page in ("explore", "segment"):  # the same dataset on the pages that read it
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
        assert [t for t in _texts(at) if _live(t)] == [], page


def test_an_error_quoting_cell_values_fetches_no_image():
    at = _upload_and_load(_open_data_page(), BAD_TIMES)
    assert len(at.error) == 1
    message = at.error[0].value
    assert "could be read as a date" in message and "x.png" in message.replace("\\", "")
    assert not _live(message)
