"""The entry point: routes, sidebar and the Start page render on the bundled sample."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def test_app_opens_on_start_page_with_sample_data():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "PersonaLab"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Users"] == "2,000"
    assert int(metrics["Events"].replace(",", "")) > 10_000
    sidebar_text = " ".join(c.value for c in at.sidebar.caption)
    assert "Bundled sample" in sidebar_text
    assert "No saved segmentation yet" in sidebar_text
    # One history entry per page (ui/state.history_guard) on every page; no login
    # cookie in local mode (ui/auth.remember_login).
    html = [h.proto.body for h in at.sidebar.get("html")]
    assert any("__personalabHistoryGuard" in b for b in html)
    assert not any("personalab_login" in b for b in html)


def test_app_runs_from_another_working_directory(tmp_path, monkeypatch):
    """`streamlit run /path/to/app.py` from elsewhere finds the pages beside app.py."""
    monkeypatch.chdir(tmp_path)  # no app_pages/ here
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "PersonaLab"
    assert any("Bundled sample" in c.value for c in at.sidebar.caption)
