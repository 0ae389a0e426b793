"""Share links in a real browser: the persona deck a stakeholder opens, and the exports.

A dataset built unlike the bundled sample (``core.data.casegen``), one run with a long
Chinese persona name and one nobody renamed, each opened through its share link in a
fresh browser context at desktop and phone width: no bare segment label (``S2``)
anywhere, every bar of the size chart labelled with its persona's whole name, the PDF
deck downloads with every name in it. A revoked or forged link shows one sentence and
nothing of the data. The Personas page's activation file downloads with every user.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile

import pandas as pd
import pytest

from tests.e2e.conftest import (
    SHOTS,
    assert_no_exception,
    start_server,
    stop_server,
    wait_for_app,
)

pytestmark = pytest.mark.e2e
LONG_NAME = "夜猫子购物达人 late-night big spenders who buy through WeChat mini programs"
LABEL = re.compile(r"\bS\d+\b")
INVALID = "This share link is not valid, or it was revoked."
SECTIONS = {"Personas", "Experiments"}  # the deck's section headings (cards are h3 too)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """A server with two saved runs of a casegen dataset and their share links."""
    from core import config  # noqa: F401  (reads PERSONALAB_DATA_DIR when the store opens)
    from core.data import casegen, ingest
    from core.experiments import analyze_experiment, demo_experiment
    from core.store import Store

    data_dir = tempfile.mkdtemp(prefix="personalab-share-")
    mp = pytest.MonkeyPatch()
    mp.setenv("PERSONALAB_DATA_DIR", data_dir)  # the dataset lands where the server looks
    case = casegen.mix(seed=5, n_users=900, days=45)
    paths = casegen.write_case(case, tmp_path_factory.mktemp("share-case"))
    dataset = ingest(paths["events"], users_source=paths["users"])
    order = case.truth.value_counts().index
    labels = case.truth.map({g: f"S{i + 1}" for i, g in enumerate(order)}).astype(str)
    labels = labels.rename_axis("user_id").rename("segment")
    store = Store(f"sqlite:///{data_dir}/store.sqlite")
    ws = store.create_workspace("Share e2e", owner="local")
    store.save_dataset(ws.id, dataset.dataset_id, str(dataset.path), source_name="mix.csv")
    renamed = store.save_run(
        ws.id, dataset.dataset_id, labels, params={"k": 4}, names={"S2": LONG_NAME}
    )
    plain = store.save_run(ws.id, dataset.dataset_id, labels, params={"k": 4})
    result = analyze_experiment(
        demo_experiment(600, seed=3), variant_col="variant", metrics=["converted"]
    )
    store.save_experiment(
        ws.id, name="Spring coupon", run_id=renamed.run_id, inputs={"kind": "users"},
        settings={"engine": "frequentist"}, results=result.to_dict(),
    )  # fmt: skip
    tokens = {
        "renamed": store.create_share_link(ws.id, renamed.run_id)[0],
        "plain": store.create_share_link(ws.id, plain.run_id)[0],
    }
    revoked_token, revoked = store.create_share_link(ws.id, plain.run_id)
    store.revoke_share_link(ws.id, revoked.id)
    tokens["revoked"] = revoked_token
    store.dispose()
    proc, url = start_server(data_dir)
    try:
        yield {
            "url": url, "tokens": tokens, "ws": ws.id, "runs": {"renamed": renamed.run_id},
            "k": labels.nunique(), "users": len(labels), "ids": list(labels.index),
        }  # fmt: skip
    finally:
        stop_server(proc)
        mp.undo()
        shutil.rmtree(data_dir, ignore_errors=True)


def _open(browser, url: str, width: int):
    context = browser.new_context(
        viewport={"width": width, "height": 900}, accept_downloads=True, is_mobile=width < 500
    )
    page = context.new_page()
    page.set_default_timeout(240_000)
    page.goto(url)
    wait_for_app(page, 300_000)
    return context, page


def _bar_labels(page) -> list[str]:
    """The size chart's bar labels, read from the rendered SVG text of the chart."""
    chart = page.locator('[data-testid="stVegaLiteChart"] svg').first
    chart.wait_for(state="visible")
    texts = chart.locator("text").all_text_contents()
    return [t for t in texts if " · " in t]


@pytest.mark.parametrize("width", [1400, 390], ids=["desktop", "phone"])
@pytest.mark.parametrize("which", ["renamed", "plain"])
def test_share_link_opens_the_persona_deck(browser, shared, which, width):
    context, page = _open(browser, f"{shared['url']}/?share={shared['tokens'][which]}", width)
    try:
        assert_no_exception(page)
        main = page.locator('[data-testid="stMain"]')
        text = main.inner_text()
        assert not LABEL.search(text), LABEL.findall(text)
        # every persona has a card with KPIs and what to do next
        headings = [h.strip() for h in main.locator("h3").all_inner_texts()]
        names = [h for h in headings if h not in SECTIONS]
        assert len(names) == shared["k"]
        assert text.count("What to do next") == shared["k"] and text.count("KPIs") >= shared["k"]
        if which == "renamed":
            assert LONG_NAME in names
            assert "Spring coupon" in text
        # every bar of the size chart carries its persona's whole name
        bars = _bar_labels(page)
        assert sorted(b.split(" · ")[0] for b in bars) == sorted(names)
        svg = main.locator('[data-testid="stVegaLiteChart"] svg').first.inner_html()
        assert not LABEL.search(re.sub(r"<[^>]+>", " ", svg))
        assert main.locator('[data-testid="stImage"] img').count() == 1  # the map
        # nothing to type in, no upload, no page navigation
        assert page.locator("input[type=text], textarea, input[type=file]").count() == 0
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0
        if width < 500:  # a phone: nothing wider than the screen
            overflow = page.evaluate(
                "() => document.querySelector('[data-testid=stMain]').scrollWidth"
            )
            assert overflow <= width + 2
        with page.expect_download() as info:
            page.get_by_role("button", name="Download the deck (PDF)").click()
        pdf = info.value
        with open(pdf.path(), "rb") as fh:
            data = fh.read()
        assert data.startswith(b"%PDF")
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        # the CJK font's text comes back as UTF-16 code units: drop the zero bytes
        pdf_text = "\n".join(p.extract_text() for p in reader.pages).replace("\x00", "")
        assert len(reader.pages) == shared["k"] + 1  # a title page, then one per persona
        assert not LABEL.search(pdf_text)
        for name in names:
            assert name.split()[0] in pdf_text
        SHOTS.mkdir(parents=True, exist_ok=True)
        height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
        page.set_viewport_size({"width": width, "height": min(int(height) + 40, 16000)})
        page.wait_for_timeout(800)
        page.screenshot(path=str(SHOTS / f"share_{which}_{width}.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("which", ["revoked", "forged"])
def test_a_revoked_or_forged_link_shows_one_sentence_and_no_data(browser, shared, which):
    token = shared["tokens"]["revoked"] if which == "revoked" else "A" * 43
    context, page = _open(browser, f"{shared['url']}/?share={token}", 1400)
    try:
        assert_no_exception(page)
        main = page.locator('[data-testid="stMain"]').inner_text()
        assert INVALID in main
        assert "users" not in main and "Download" not in main and LONG_NAME not in main
        assert page.locator('[data-testid="stVegaLiteChart"], [data-testid="stImage"]').count() == 0
    finally:
        context.close()


def test_personas_page_downloads_every_user_with_their_persona(browser, shared):
    run = shared["runs"]["renamed"]
    url = f"{shared['url']}/personas?ws={shared['ws']}&run={run}"
    context, page = _open(browser, url, 1400)
    try:
        button = page.get_by_role("button", name=re.compile(r"^Every user with their persona"))
        button.wait_for(state="visible", timeout=300_000)
        wait_for_app(page)
        assert_no_exception(page)
        with page.expect_download() as info:
            button.click()
        download = info.value
        assert download.suggested_filename == f"personas_{run}.csv"
        table = pd.read_csv(download.path(), dtype=str, encoding="utf-8-sig")
        assert list(table.columns) == ["user_id", "segment", "persona", "run_id", "assigned_at"]
        assert len(table) == shared["users"] and table["user_id"].is_unique
        assert set(table["run_id"]) == {run}
        assert LONG_NAME in set(table["persona"])
        assert not table["persona"].str.fullmatch(r"S\d+").any()
    finally:
        context.close()


def test_personas_page_makes_hashed_audience_lists_from_a_contacts_file(browser, shared, tmp_path):
    import hashlib
    import zipfile

    run = shared["runs"]["renamed"]
    contacts = tmp_path / "contacts.csv"
    rows = [f"{uid}, Buyer.{n}@Example.COM ,+86 139 {n:08d}" for n, uid in enumerate(shared["ids"])]
    contacts.write_text("user_id,email,mobile\n" + "\n".join(rows) + "\n", encoding="utf-8")
    context, page = _open(browser, f"{shared['url']}/personas?ws={shared['ws']}&run={run}", 1400)
    try:
        page.get_by_text("Prepare audience lists").wait_for(state="visible", timeout=300_000)
        page.get_by_text("Prepare audience lists").click()
        wait_for_app(page)
        page.locator('[data-testid="stFileUploader"] input[type=file]').set_input_files(contacts)
        button = page.get_by_role("button", name=re.compile(r"^Audience lists \(ZIP"))
        button.wait_for(state="visible", timeout=120_000)
        wait_for_app(page)
        assert_no_exception(page)
        section = page.get_by_text("Audience lists for ad platforms")
        section.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "personas_activation.png"))
        with page.expect_download() as info:
            button.click()
        archive = zipfile.ZipFile(info.value.path())
        names = archive.namelist()
        assert len(names) == shared["k"] and all(n.startswith("audience_") for n in names)
        frames = [pd.read_csv(archive.open(n), dtype=str) for n in names]
        both = pd.concat(frames)
        assert list(both.columns) == ["email", "phone"] and len(both) == shared["users"]
        n = len(shared["ids"])
        sha = lambda v: hashlib.sha256(v.encode()).hexdigest()  # noqa: E731
        assert set(both["email"]) == {sha(f"buyer.{i}@example.com") for i in range(n)}
        assert set(both["phone"]) == {sha(f"86139{i:08d}") for i in range(n)}
        raw = b"".join(archive.read(x) for x in names)
        assert b"@" not in raw and b"Buyer" not in raw
    finally:
        context.close()
