"""The whole app in 简体中文, in a real browser: no English sentence left anywhere.

One browser session on the bundled sample with a saved segmentation: switch to 简体中文
with the switch, visit every page from the menu (every section of Explore), open a share
link, and collect everything a person reads:

- the visible text of the page and the sidebar (``innerText``), with every expander and
  tab opened;
- every text the server sends for the page (read from Streamlit's websocket messages):
  labels, help texts, placeholders, options, captions, alerts, spinners, the page titles
  of the menu, chart specs (titles, axis and legend titles, tooltip titles, text
  values) and table column headers, so tooltips, canvas charts and tables are checked
  too.

A leftover is a run of three or more English words, or a shorter run holding a common
UI word ("Save", "Download", ...), that is not brand names, units, codes or the sample's
own data (its column names and values: they stay as the user's data). The failure lists
every leftover with the page (and section) it was found on. Then: switching back shows
English again, and a link with ``lang=zh`` opens in Chinese in a fresh browser context.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import ROOT, sample_truth_labels
from tests.e2e.conftest import SHOTS, assert_no_exception, start_server, stop_server, wait_for_app

pytestmark = pytest.mark.e2e

# --- what is not a leftover ---------------------------------------------------------------

#: Brand and platform names, products, units and codes that stay as they are in Chinese.
KEEP_WORDS = {
    # brands, platforms, products
    "personalab",
    "wechat",
    "weibo",
    "douyin",
    "kuaishou",
    "xiaohongshu",
    "red",
    "qq",
    "facebook",
    "twitter",
    "instagram",
    "linkedin",
    "youtube",
    "bilibili",
    "tiktok",
    "meta",
    "google",
    "streamlit",
    "postgresql",
    "duckdb",
    "sqlite",
    "excel",
    "parquet",
    "openid",
    "oidc",
    "libphonenumber",
    "babel",
    "vega",
    "altair",
    # codes, methods and units
    "kol",
    "koc",
    "umap",
    "pca",
    "rfm",
    "csv",
    "tsv",
    "pdf",
    "html",
    "json",
    "jsonl",
    "xlsx",
    "kpi",
    "kpis",
    "clv",
    "roi",
    "ari",
    "srm",
    "cuped",
    "hdbscan",
    "gmm",
    "bg",
    "nbd",
    "gmv",
    "ctr",
    "cvr",
    "cpa",
    "cpm",
    "uv",
    "pv",
    "dau",
    "wau",
    "mau",
    "ab",
    "id",
    "ids",
    "url",
    "sql",
    "sha",
    "utc",
    "mb",
    "gb",
    "kb",
    "px",
    "ms",
    "cny",
    "rmb",
    "usd",
    "yyyy",
    "mm",
    "dd",
    "hh",
    "e.g",
    "vs",
    "ok",
    "k-means",
    "kmeans",
    "p-value",
    "bh",
    "holm",
    "qr",
    "png",
    "svg",
    "md",
    "markdown",
    "api",
    "db",
}
#: Words that read as an untranslated control even alone (matched with a capital).
UI_WORDS = {
    "Save",
    "Download",
    "Upload",
    "Cancel",
    "Delete",
    "Remove",
    "Next",
    "Previous",
    "Back",
    "Share",
    "Search",
    "Select",
    "Apply",
    "Reset",
    "Clear",
    "Close",
    "Open",
    "Run",
    "Start",
    "Load",
    "Export",
    "Import",
    "Submit",
    "Add",
    "Edit",
    "Rename",
    "Refresh",
    "Browse",
    "Copy",
    "Show",
    "Hide",
    "Yes",
    "No",
    "None",
    "Users",
    "Events",
    "Segment",
    "Segments",
    "Persona",
    "Personas",
    "Data",
    "Explore",
    "Map",
    "Experiments",
    "Workshop",
    "Overview",
    "Settings",
    "Filters",
    "Platforms",
    "Platform",
    "Dates",
    "Language",
    "Dataset",
    "Workspace",
    "Section",
    "Method",
    "Features",
    "Weights",
    "Revoke",
    "Present",
    "Notes",
    "Total",
    "Value",
    "Count",
    "Date",
    "Week",
    "Month",
    "Day",
    "Hour",
    "Weekday",
    "Retention",
    "Cohort",
    "Lifecycle",
    "Goal",
    "Goals",
    "Report",
    "Campaign",
    "Metric",
    "Variant",
    "Control",
    "Treatment",
    "Lift",
    "Verdict",
    "Power",
    "Engine",
    "Correction",
}
#: Streamlit's own built-in texts (file uploader), which the app cannot translate.
STREAMLIT_TEXT = [
    "Drag and drop files here",
    "Drag and drop file here",
    "Browse files",
    "Upload",
    "per file",
    "Limit",
]
WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*(?:\.[A-Za-z]+)*")
#: A run of Latin words separated only by spaces (any other character ends it).
RUN = re.compile(r"[A-Za-z][A-Za-z0-9'’\-_.]*(?:[ \u00a0]+[A-Za-z0-9][A-Za-z0-9'’\-_.]*)*")


def _sample_data() -> tuple[set[str], list[str]]:
    """The sample's words (column names, one-word values) and phrases (longer values)."""
    import pandas as pd

    words, phrases = set(), set()
    folder = ROOT / "sample_data"
    for name in ("events.csv", "users.csv", "truth.csv", "experiment.csv", "campaign_costs.csv"):
        frame = pd.read_csv(folder / name, dtype=str)
        words.update(c.lower() for c in frame.columns)
        for column in frame.columns:
            values = frame[column].dropna()
            if values.nunique() > 400:
                continue
            for value in values.unique():
                for part in str(value).split(";"):
                    part = part.strip()
                    if " " in part:
                        phrases.add(part)
                    elif part:
                        words.add(part.lower())
    return words, sorted(phrases, key=len, reverse=True)


DATA_WORDS, DATA_PHRASES = _sample_data()


def leftovers(text: str) -> list[str]:
    """The English runs in ``text`` that should have been Chinese."""
    found = []
    for phrase in [*DATA_PHRASES, *STREAMLIT_TEXT]:
        text = text.replace(phrase, " · ")
    text = re.sub(r"https?://\S+", " · ", text)  # links
    text = re.sub(r"`[^`]*`", " · ", text)  # run ids and code in markdown
    text = re.sub(r"\\([^A-Za-z0-9\s])", r"\1", text).replace("\u2060", "")  # escapes
    text = re.sub(r"\*{1,3}|~~|(?<![A-Za-z0-9])_{1,2}|_{1,2}(?![A-Za-z0-9])", "", text)
    text = re.sub(r":material/[a-z_]+:", " ", text)  # icons
    text = re.sub(r":[a-z]+\[", " ", text)  # coloured text directives
    # random ids (workspaces, runs, links): 8+ letters and digits with at least one digit
    text = re.sub(
        r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{8,}(?![A-Za-z0-9_-])", " · ", text
    )
    for match in RUN.finditer(text):
        run = match.group(0).strip()
        words = [w for w in WORD.findall(run) if len(w.strip(".'’-")) > 1]
        foreign = [
            w
            for w in words
            if w in UI_WORDS or w.lower().strip(".'’-") not in KEEP_WORDS | DATA_WORDS
        ]
        if not foreign:
            continue
        if len(words) >= 3 or any(w in UI_WORDS for w in words):
            found.append(run)
    return found


def test_the_detector_finds_english_and_leaves_data_brands_and_codes():
    assert leftovers("Download the deck (PDF)") == ["Download the deck"]
    assert leftovers("下载画像手册（PDF）") == []
    assert leftovers("保存") == [] and leftovers("Save") == ["Save"]
    assert leftovers("平台：WeChat、Weibo、Douyin") == []
    assert leftovers("UMAP 用户地图 · KPI · A/B 测试 · CSV") == []
    assert leftovers("评论：Shipping was super fast, thanks!") == []  # the sample's own text
    assert leftovers("user_id · event_type · text_image") == []  # column names and values
    assert leftovers("office worker 占 30%") == []
    assert leftovers("The filters below apply") == ["The filters below apply"]
    assert leftovers("共 3 个人群：view like share") == []  # canonical event types
    assert leftovers("**Your work lives at this link.**") == ["Your work lives at this link."]
    assert leftovers("人群 bargain\\_hunter 的名称") == []  # escaped Markdown of a data value
    assert leftovers("w\u2060ww\\.wechat\\.com 链接") == []
    assert leftovers("分群结果 O0dg8SVBj1gl · 6 个分群") == []  # a random run id
    assert leftovers("Segmentation run saved O0dg8SVBj1gl") == ["Segmentation run saved"]


# --- reading what the server sends -----------------------------------------------------------

#: Fields of Streamlit's element messages that hold text a person reads.
TEXT_FIELDS = {"label", "help", "placeholder", "options", "body", "text", "caption", "title"}
#: Elements whose text is not prose (links, scripts, user-typed values).
SKIP_ELEMENTS = {"code", "html", "text_input", "text_area", "json", "exception", "empty"}
#: Keys of a Vega-Lite spec that hold text a person reads.
SPEC_KEYS = {"title", "text", "subtitle", "description"}


def _spec_text(node, out: list[str], key: str = "") -> None:
    """Titles and text values of a Vega-Lite spec (its data excluded)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("data", "datasets", "$schema", "usermeta", "config"):
                continue
            if k == "value" and key == "text" and isinstance(v, str):
                out.append(v)
            _spec_text(v, out, k)
    elif isinstance(node, list):
        for v in node:
            _spec_text(v, out, key)
    elif isinstance(node, str) and key in SPEC_KEYS:
        out.append(node)


def _columns(dataframe) -> list[str]:
    """A table's column headers as shown: its column_config labels, else the names."""
    import pyarrow as pa

    names = []
    with contextlib.suppress(Exception):
        names = pa.ipc.open_stream(dataframe.arrow_data.data).schema.names
    config = {}
    with contextlib.suppress(Exception):
        config = json.loads(dataframe.columns or "{}")
    shown = []
    for name in names:
        if name.startswith("__index_level") or name == "_index":
            continue
        label = (config.get(name) or {}).get("label") if isinstance(config, dict) else None
        shown.append(label or name)
    return shown


def _message_text(element) -> list[str]:
    """Every readable text of one element message."""
    kind = element.WhichOneof("type")
    if kind in SKIP_ELEMENTS or kind is None:
        return []
    body = getattr(element, kind)
    out: list[str] = []
    if kind == "vega_lite_chart":
        with contextlib.suppress(ValueError):
            _spec_text(json.loads(body.spec), out)
        return out
    if kind == "dataframe":
        return _columns(body)
    if kind == "plotly_chart":
        with contextlib.suppress(ValueError):
            _spec_text(json.loads(body.spec).get("layout", {}), out)
        return out
    for field, value in body.ListFields():
        if field.name not in TEXT_FIELDS:
            continue
        if field.name == "placeholder" and kind == "selectbox" and body.HasField("default"):
            continue  # a picker with a choice never shows its placeholder
        if isinstance(value, str):
            out.append(value)
        elif hasattr(value, "__iter__") and not hasattr(value, "ListFields"):
            out.extend(str(v) for v in value if isinstance(v, str))
    return out


class Wire:
    """Streamlit's messages to this page, decoded; drained after each step."""

    def __init__(self, page) -> None:
        self.pending: list[bytes] = []
        self.cache: dict[str, object] = {}  # Streamlit resends big messages by hash
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        if isinstance(payload, (bytes, bytearray)):
            self.pending.append(bytes(payload))

    def drain(self) -> list[str]:
        """The readable texts received since the last drain."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        texts: list[str] = []
        frames, self.pending = self.pending, []
        for payload in frames:
            try:
                msg = ForwardMsg.FromString(payload)
            except Exception:
                continue
            kind = msg.WhichOneof("type")
            if kind == "ref_hash":
                msg = self.cache.get(msg.ref_hash, msg)
                kind = msg.WhichOneof("type")
            elif msg.hash:
                self.cache[msg.hash] = msg
            if kind == "navigation":
                texts.extend(p.page_name for p in msg.navigation.app_pages)
            elif kind == "delta":
                delta = msg.delta
                which = delta.WhichOneof("type")
                if which == "new_element":
                    texts.extend(_message_text(delta.new_element))
                elif which == "new_transient":
                    for element in delta.new_transient.elements:
                        texts.extend(_message_text(element))
                elif which == "add_block":
                    block = delta.add_block
                    inner = block.WhichOneof("type")
                    if inner in ("expandable", "tab_container", "popover"):
                        part = getattr(block, inner)
                        texts.extend(
                            getattr(part, name) for name in ("label",) if hasattr(part, name)
                        )
        return texts


# --- the page ------------------------------------------------------------------------------

_VISIBLE = """() => {
    for (const d of document.querySelectorAll('[data-testid="stExpander"] details')) d.open = true;
    const skip = '[data-testid="stCode"], [data-testid="stFileUploaderDropzoneInstructions"], '
        + '[data-testid="stIconMaterial"]';
    const parts = [];
    for (const root of document.querySelectorAll(
        '[data-testid="stMain"], [data-testid="stSidebar"]')) {
        let text = root.innerText;
        for (const el of root.querySelectorAll(skip)) {
            if (el.innerText) text = text.split(el.innerText).join(' · ');
        }
        parts.push(text);
        for (const t of root.querySelectorAll('svg text')) parts.push(t.textContent);
        // A picker's input keeps its placeholder attribute after a choice is made; a
        // picker without a choice shows its placeholder as text, which innerText reads.
        for (const e of root.querySelectorAll('input[placeholder], textarea[placeholder]'))
            if (!e.closest('[data-testid="stSelectbox"], [data-testid="stMultiSelect"]'))
                parts.push(e.placeholder);
    }
    return parts.join('\\n');
}"""


def _collect(page, wire: Wire, where: str, found: dict) -> None:
    """Add the leftovers of what the page shows and was sent now, under ``where``."""
    wait_for_app(page, 240_000)
    texts = [page.evaluate(_VISIBLE), *wire.drain()]
    tabs = page.locator('[data-baseweb="tab"]')
    for i in range(min(tabs.count(), 12)):  # hidden tabs: click each one to read it
        with contextlib.suppress(Exception):
            tabs.nth(i).click(timeout=5_000)
            texts.append(page.evaluate(_VISIBLE))
    for text in texts:
        for line in str(text).splitlines():
            for run in leftovers(line):
                found[where].add(run)


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"language_{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def sample_app():
    """A server on the bundled sample with one saved segmentation and its share link."""
    from core.data import sample_dataset
    from core.store import Store

    data_dir = tempfile.mkdtemp(prefix="personalab-lang-")
    mp = pytest.MonkeyPatch()
    mp.setenv("PERSONALAB_DATA_DIR", data_dir)  # the sample lands where the server looks
    mp.delenv("PERSONALAB_LANG", raising=False)
    dataset = sample_dataset()
    store = Store(f"sqlite:///{Path(data_dir).resolve()}/store.sqlite")
    ws = store.create_workspace("Language e2e", owner="local")
    store.save_dataset(ws.id, dataset.dataset_id, str(dataset.path), source_name="Bundled sample")
    run = store.save_run(ws.id, dataset.dataset_id, sample_truth_labels(), params={"k": 6})
    token, _ = store.create_share_link(ws.id, run.run_id)
    store.dispose()
    proc, url = start_server(data_dir)
    try:
        yield {"url": url, "ws": ws.id, "run": run.run_id, "token": token}
    finally:
        stop_server(proc)
        mp.undo()
        shutil.rmtree(data_dir, ignore_errors=True)


def _menu(page):
    return page.locator('[data-testid="stSidebarNav"] a')


def _title(link) -> str:
    """A menu entry's title (its icon is a ligature: its name is text too)."""
    return link.inner_text().strip().splitlines()[-1].strip()


def test_every_page_reads_in_chinese_after_the_switch(browser, sample_app):
    url = sample_app["url"]
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(240_000)
    wire = Wire(page)
    found: dict[str, set[str]] = defaultdict(set)
    try:
        page.goto(f"{url}/?ws={sample_app['ws']}&run={sample_app['run']}")
        wait_for_app(page, 300_000)
        assert page.get_by_text("Four steps").first.is_visible()  # an English browser
        wire.drain()

        page.locator('[data-testid="stSidebar"]').get_by_text("简体中文", exact=True).click()
        page.get_by_text("四个步骤").first.wait_for()
        assert "lang=zh" in page.url
        count = _menu(page).count()
        assert count == 8, count
        for i in range(count):
            link = _menu(page).nth(i)
            name = _title(link)
            link.click()
            wait_for_app(page, 300_000)
            assert_no_exception(page)
            if i == 2:  # Explore: every section, one after the other
                sections = page.locator('[data-testid="stMain"] [data-testid="stButtonGroup"]')
                buttons = sections.first.locator("button")
                for j in range(buttons.count()):
                    label = buttons.nth(j).inner_text().strip()
                    buttons.nth(j).click()
                    _collect(page, wire, f"{name} › {label}", found)
                    assert_no_exception(page)
                    _shot(page, f"explore_{j}")
            else:
                _collect(page, wire, name, found)
                _shot(page, f"page_{i}")

        # a share link, in the same browser: the cookie remembers 简体中文
        page.goto(f"{url}/?share={sample_app['token']}")
        _collect(page, wire, "share link", found)
        _shot(page, "share")
        assert page.get_by_text("分享的用户画像").first.is_visible()

        report = "\n".join(
            f"  {where}: " + " | ".join(sorted(runs)) for where, runs in found.items() if runs
        )
        (SHOTS / "language_leftovers.txt").write_text(report + "\n", encoding="utf-8")

        # back to English with the switch
        page.goto(f"{url}/?ws={sample_app['ws']}&run={sample_app['run']}")
        wait_for_app(page, 300_000)
        page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
        page.get_by_text("Four steps").first.wait_for()
        assert _title(_menu(page).first) == "Start"
        assert "lang=en" in page.url
    finally:
        _shot(page, "last")
        context.close()
    assert not report, "English left on the Chinese pages:\n" + report


def test_a_link_with_lang_zh_opens_in_chinese_in_a_fresh_browser(browser, sample_app):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(240_000)
    try:
        page.goto(f"{sample_app['url']}/?lang=zh")
        wait_for_app(page, 300_000)
        page.get_by_text("四个步骤").first.wait_for()
        assert _title(_menu(page).first) == "首页"
        page.wait_for_function("() => document.title.includes('首页')")  # the tab's title
    finally:
        context.close()
    # and a browser that asks for Chinese gets it on its first visit, without a link
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(240_000)
    try:
        page.goto(sample_app["url"])
        wait_for_app(page, 300_000)
        page.get_by_text("四个步骤").first.wait_for()
    finally:
        context.close()
