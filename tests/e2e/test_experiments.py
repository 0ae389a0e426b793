"""Experiments page in Chromium: the sample experiment gives a verdict; engines switch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import assert_no_exception, goto, wait_for_app


@pytest.mark.e2e
def test_sample_experiment_shows_srm_verdict_chart_and_power(page, app_url):
    goto(page, app_url, "experiments")
    assert_no_exception(page)
    page.get_by_role("heading", name="Experiments").first.wait_for()
    # SRM banner first, then the plain-language verdict for the sample experiment
    page.get_by_text("SRM check").first.wait_for()
    verdict = page.get_by_text("B raises converted by").first
    verdict.wait_for()
    assert "CI" in verdict.inner_text()
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(state="attached")
    # switch to the Bayesian engine: the verdict speaks of a chance to win
    page.get_by_text("Bayesian (chance to win)").click()
    wait_for_app(page)
    page.get_by_text("chance to beat A").first.wait_for()
    assert_no_exception(page)
    # the power calculator tab reproduces the textbook example by default
    page.get_by_role("tab", name="Power calculator").click()
    page.get_by_text("Users needed per group").first.wait_for()
    assert page.get_by_text("1,031").first.is_visible()
    page.screenshot(path="tests/e2e/screenshots/experiments.png", full_page=True)


@pytest.mark.e2e
def test_results_download_as_json(page, app_url):
    goto(page, app_url, "experiments")
    page.get_by_text("B raises converted by").first.wait_for()
    with page.expect_download() as info:
        page.get_by_text("Download results (JSON)").click()
    data = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert "srm_p_value" in data and data["results"][0]["segment"] is None


@pytest.mark.e2e
def test_results_download_as_csv_is_spreadsheet_safe(page, app_url):
    """The CSV download is written by core.export.safe_csv (issue #14, item 19): a
    byte-order mark so Excel reads Chinese names, CRLF row ends, one row per comparison."""
    import csv
    import io

    goto(page, app_url, "experiments")
    page.get_by_text("B raises converted by").first.wait_for()
    with page.expect_download() as info:
        page.get_by_text("Download results (CSV)").click()
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0]["metric"] == "converted" and rows[0]["segment"] == ""


@pytest.mark.e2e
def test_uploaded_formula_text_is_neutralised_in_the_csv_download(page, app_url):
    """A segment named like a spreadsheet formula comes back in the page's CSV download
    as text (``'=HYPERLINK(...)``), because the download is written by
    ``core.export.safe_csv``: opening it in Excel must not run anything."""
    import csv
    import io

    formula = '=HYPERLINK("http://example.com","x")'
    rows = ["uid,variant,converted,segment"]
    for i in range(400):
        segment = formula if i % 2 else "fans"
        rows.append(
            f'u{i},{"AB"[i % 4 // 2]},{int(i % 5 == 0)},"{segment.replace(chr(34), 2 * chr(34))}"'
        )
    upload = {"name": "experiment.csv", "mimeType": "text/csv", "buffer": "\n".join(rows).encode()}

    goto(page, app_url, "experiments")
    page.get_by_text("Upload a file").first.click()
    wait_for_app(page)
    page.locator('[data-testid="stFileUploader"]').first.locator(
        'input[type="file"]'
    ).set_input_files(upload)
    wait_for_app(page)
    page.get_by_text("Download results (CSV)").first.wait_for()
    assert_no_exception(page)
    with page.expect_download() as info:
        page.get_by_text("Download results (CSV)").click()
    text = Path(info.value.path()).read_bytes().decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text, newline="")) for c in row]
    assert "'" + formula in cells
    assert not [c for c in cells if c.startswith(("=", "+", "@"))]


def _verdict(page) -> str:
    """The verdict sentence shown in the results (not the saved-list preview)."""
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="chance to beat A").first
    alert.wait_for()
    return alert.inner_text()


@pytest.mark.e2e
def test_saved_experiment_reopens_from_its_permalink(page, app_url, browser):
    """Save the sample experiment with a plan, then open the address bar's link in a new
    browser context (a new session, as a colleague would): the experiment, its method
    and its verdict come back; a made-up id gets one sentence and no data."""
    goto(page, app_url, "experiments")
    page.get_by_text("Bayesian (chance to win)").click()
    wait_for_app(page)
    page.get_by_text("The plan: users needed and end date").click()
    page.get_by_text("This experiment has a plan").click()
    wait_for_app(page)
    page.get_by_text("Not final yet").first.wait_for()
    verdict = _verdict(page)
    page.get_by_label("Name", exact=True).fill("Spring coupon test")
    page.get_by_label("Name", exact=True).press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name="Save").first.click()
    wait_for_app(page)
    page.get_by_text("Saved as 'Spring coupon test'").first.wait_for()
    assert "experiment=" in page.url and "ws=" in page.url
    link = page.url

    other = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        fresh = other.new_page()
        fresh.set_default_timeout(60_000)
        fresh.goto(link)
        wait_for_app(fresh)
        assert_no_exception(fresh)
        fresh.get_by_text("Spring coupon test").first.wait_for()
        fresh.get_by_text("saved experiment").first.wait_for()
        assert _verdict(fresh) == verdict
        assert fresh.get_by_role("radio", name="Bayesian (chance to win)").is_checked()
        fresh.get_by_text("Not final yet").first.wait_for()
        fresh.screenshot(path="tests/e2e/screenshots/experiment_permalink.png", full_page=True)
        fresh.goto(link.split("experiment=")[0] + "experiment=not-a-real-id")
        wait_for_app(fresh)
        fresh.get_by_text("This experiment link does not open anything").first.wait_for()
        assert fresh.get_by_text("chance to beat A").count() == 0
        assert fresh.get_by_text("Spring coupon test").count() == 0
    finally:
        other.close()


# --- the page in Chinese -----------------------------------------------------------------

#: Latin words the Chinese page may show: the sample's own names and terms of art.
_ALLOWED_LATIN = {
    "converted", "revenue", "variant", "segment", "pre_revenue", "user_id", "CUPED", "SRM",
    "MDE", "JSON", "CSV", "Holm", "Benjamini-Hochberg", "Cochran", "alpha", "Evan", "Miller",
    "Fleiss", "Chow", "Shao", "Wang", "Cohen", "statsmodels", "bargain_hunter",
    "big_spender", "dormant", "engaged_fan", "kol_sharer", "lurker",
}  # fmt: skip


@pytest.fixture(scope="module")
def zh_url():
    """A second server, with its own data, whose default language is Chinese."""
    import shutil
    import tempfile

    from tests.e2e.conftest import start_server, stop_server

    data_dir = tempfile.mkdtemp(prefix="personalab-e2e-zh-")
    proc, url = start_server(data_dir, extra_env={"PERSONALAB_LANG": "zh"})
    yield url
    stop_server(proc)
    shutil.rmtree(data_dir, ignore_errors=True)


def _main_text(page) -> str:
    """What the page's main area says (the shared sidebar belongs to the app shell),
    without the Material icons, whose names are drawn as ligature text."""
    return page.evaluate(
        """() => {
            const ICONS = '[data-testid="stIconMaterial"], [data-testid="stExpanderIcon"], '
                + '[data-testid="stAlertDynamicIcon"]';
            const main = document.querySelector('[data-testid="stMain"]');
            const icons = [...main.querySelectorAll(ICONS)];
            icons.forEach(i => i.setAttribute('data-hidden-text', i.textContent));
            icons.forEach(i => { i.textContent = ''; });
            const text = main.innerText;
            icons.forEach(i => { i.textContent = i.getAttribute('data-hidden-text'); });
            return text;
        }"""
    )


def _leftover_english(text: str) -> list[str]:
    import re

    return sorted(
        {w for w in re.findall(r"[A-Za-z][A-Za-z_-]{2,}", text) if w not in _ALLOWED_LATIN}
    )


@pytest.mark.e2e
def test_the_experiments_page_in_chinese_has_no_leftover_english(page, zh_url):
    goto(page, zh_url, "experiments")
    assert_no_exception(page)
    page.get_by_role("heading", name="A/B 实验").first.wait_for()
    page.get_by_text("B 使 converted 提升").locator("visible=true").first.wait_for()
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(state="attached")
    page.get_by_text("各分群的效果是否不同？").first.click()
    wait_for_app(page)
    assert _leftover_english(_main_text(page)) == []
    # the Bayesian engine: a chance to win, in Chinese
    page.get_by_text("贝叶斯方法（胜出概率）").click()
    wait_for_app(page)
    page.get_by_text("胜过 A 的概率为").locator("visible=true").first.wait_for()
    # a plan far from reached: the verdict is not final and says why
    page.get_by_text("实验计划：所需用户数与结束日期").first.click()
    page.get_by_text("此实验有实验计划").first.click()
    wait_for_app(page)
    page.get_by_text("尚非最终结论").locator("visible=true").first.wait_for()
    assert _leftover_english(_main_text(page)) == []
    assert_no_exception(page)
    page.screenshot(path="tests/e2e/screenshots/experiments_zh.png", full_page=True)
    # the power calculator
    page.get_by_role("tab", name="样本量计算器").click()
    page.get_by_text("每组所需用户数", exact=True).last.wait_for()
    assert page.get_by_text("1,031").first.is_visible()
    assert _leftover_english(_main_text(page)) == []
