"""Data page: renders on the sample, remaps a column, uploads a GBK file, rejects bad input."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

FIX = Path(__file__).resolve().parents[1] / "fixtures"
PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "data.py")


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict:
    return {m.label: m.value for m in at.metric}


def _selectbox_for(at: AppTest, kind: str, column_index: int):
    return next(
        s
        for s in at.selectbox
        if s.key.startswith(f"data_map_{kind}_") and s.key.endswith(f"_{column_index}")
    )


def test_sample_renders_and_a_mapping_change_reloads():
    at = _run(AppTest.from_file(PAGE, default_timeout=180))
    assert at.title[0].value == "Data"
    assert _metrics(at)["Users"] == "2,000"
    assert not at.error
    # The sample's 4th column is "platform": mark it as not used and load again.
    platform = _selectbox_for(at, "events", 3)
    assert platform.value == "platform"
    platform.set_value("")
    at.button(key="FormSubmitter:data_mapping_form-Load dataset").click()
    _run(at)
    assert not at.error
    assert any("Loaded" in s.value for s in at.success)
    assert any("No platform column" in c.value for c in at.caption)
    assert at.subheader[-1].value.replace("\\", "") == "Validation report: events.csv"


def test_upload_gbk_file_with_a_foreign_user_column():
    at = _run(AppTest.from_file(PAGE, default_timeout=180))
    at.radio(key="data_source").set_value("Upload my own file")
    _run(at)
    assert any("Upload an events file" in i.value for i in at.info)  # nothing uploaded yet
    at.file_uploader(key="data_events_file").set_value(
        ("events.csv", (FIX / "gbk_events.csv").read_bytes(), "text/csv")
    )
    _run(at)
    user_col = _selectbox_for(at, "events", 0)  # 会员编号 (member number) is recognised
    assert user_col.value == "user_id"
    at.button(key="FormSubmitter:data_mapping_form-Load dataset").click()
    _run(at)
    assert not at.error, [e.value for e in at.error]
    m = _metrics(at)
    # The repeated comment row is counted and kept (removing it is the user's choice).
    assert (m["Rows read"], m["Events loaded"], m["Users"], m["Duplicate rows"]) == (
        "9",
        "7",
        "3",
        "1",
    )
    assert m["Rows rejected"] == "2"
    assert any("phone numbers" in i.value for i in at.info)


def test_bad_upload_shows_one_error_and_keeps_the_dataset():
    at = _run(AppTest.from_file(PAGE, default_timeout=180))
    at.radio(key="data_source").set_value("Upload my own file")
    _run(at)
    at.file_uploader(key="data_events_file").set_value(
        ("events.csv", (FIX / "binary.csv").read_bytes(), "text/csv")
    )
    _run(at)
    assert [e.value.replace("\\", "") for e in at.error] == [  # as shown (escapes dropped)
        "events.csv looks like a binary file, not a text table. Export it as CSV (UTF-8) and load it again."
    ]
    # only the error: no "Upload an events file..." hint under it (a file was uploaded)
    assert not any("Upload an events file" in i.value for i in at.info)
    assert _metrics(at)["Users"] == "2,000"  # still the sample


def test_removing_exact_duplicates_is_the_users_choice():
    at = _run(AppTest.from_file(PAGE, default_timeout=180))
    at.radio(key="data_source").set_value("Upload my own file")
    _run(at)
    at.file_uploader(key="data_events_file").set_value(
        ("events.csv", (FIX / "gbk_events.csv").read_bytes(), "text/csv")
    )
    _run(at)
    _selectbox_for(at, "events", 0).set_value("user_id")
    at.checkbox(key="data_drop_duplicates").check()
    at.button(key="FormSubmitter:data_mapping_form-Load dataset").click()
    _run(at)
    m = _metrics(at)
    assert (m["Events loaded"], m["Duplicate rows"]) == ("6", "1")
    # (the file name at the start of the sentence is left out: on this branch the same
    # bytes loaded earlier under another name reuse that name, issue 14 item 18)
    summary = ": 9 rows read, 6 events loaded for 3 users, 2 rejected"
    assert any(summary in c.value.replace("\\", "") for c in at.caption)
    assert any("1 exact duplicate row removed" in c.value for c in at.caption)


def _upload(at: AppTest, text: str, name: str = "events.csv") -> AppTest:
    _run(at)
    at.radio(key="data_source").set_value("Upload my own file")
    _run(at)
    at.file_uploader(key="data_events_file").set_value((name, text.encode(), "text/csv"))
    return _run(at)


def _load(at: AppTest) -> AppTest:
    at.button(key="FormSubmitter:data_mapping_form-Load dataset").click()
    return _run(at)


def test_missing_user_column_is_explained_in_the_page_own_words():
    at = _upload(
        AppTest.from_file(PAGE, default_timeout=180), "who,时间,行为\nA1,2025-03-01,浏览\n"
    )
    assert _selectbox_for(at, "events", 0).value == ""
    _load(at)
    # The reason is on the page (not folded into the progress box), says what to pick in
    # the form, and carries no command-line notation.
    assert [e.value.replace("\\", "") for e in at.error] == [
        "events.csv: no column looks like a user id (columns: who, 时间, 行为). "
        "Under “Use as”, pick “user id (who) · required” for the column of your events "
        "file that holds it, then press Load dataset again."
    ]
    assert _metrics(at)["Users"] == "2,000"  # nothing saved changed
    # Fixing the mapping and loading again clears the message.
    _selectbox_for(at, "events", 0).set_value("user_id")
    _load(at)
    assert not at.error
    assert any("Loaded 1 events from 1 users" in s.value for s in at.success)


def test_a_bad_column_is_framed_in_the_mapping():
    text = "uid,when,event\nu1,yesterday,view\nu2,soon,like\n"
    at = _load(_upload(AppTest.from_file(PAGE, default_timeout=180), text))
    assert len(at.error) == 1 and "time column 'when'" in at.error[0].value
    flagged = [m.value for m in at.markdown if ":material/error:" in m.value]
    assert flagged == [":red[:material/error: **when**]"]
    assert any("Loading stopped at this column" in c.value for c in at.caption)
    # Another file: the old problem is gone.
    at.file_uploader(key="data_events_file").set_value(
        ("events.csv", b"uid,time,event\nu1,2025-03-01,view\n", "text/csv")
    )
    _run(at)
    assert not at.error and not any(":material/error:" in m.value for m in at.markdown)


def test_an_upload_is_copied_to_disk_once_and_read_from_there():
    from ui.common.files import _SAVED_KEY

    text = "user_id,timestamp,event_type\nu1,2025-03-01 10:00,view\nu2,2025-03-02,like\n"
    at = _upload(AppTest.from_file(PAGE, default_timeout=180), text)
    saved = dict(at.session_state[_SAVED_KEY])
    assert len(saved) == 1
    path = Path(next(iter(saved.values())))
    assert path.read_text() == text and path.name == "events.csv"
    _run(at)  # a rerun reads the same copy, it does not copy again
    assert dict(at.session_state[_SAVED_KEY]) == saved
    _load(at)
    assert any("Loaded 2 events" in s.value for s in at.success)


def test_a_load_waits_in_line_while_the_budget_is_full(monkeypatch):
    """Another load holds the whole budget: this one shows its place, then runs."""
    import threading
    import time

    import ui.common.jobs as jobs
    from core.data import ingest_budget

    monkeypatch.setenv("PERSONALAB_INGEST_MEMORY_MB", "600")
    budget = ingest_budget()
    assert budget.total_mb == 600
    from core.data import IngestNeed

    other = budget.join(IngestNeed(600, 300, 2.0, "csv", 100.0), "someone-else.csv")
    places: list[str] = []
    real_ordinal = jobs.ordinal
    monkeypatch.setattr(jobs, "ordinal", lambda n: places.append(real_ordinal(n)) or places[-1])

    def release_once_someone_waits() -> None:
        for _ in range(1200):
            if budget.waiting:
                time.sleep(1.2)  # long enough for the page to show the place twice
                break
            time.sleep(0.05)
        budget.release(other)

    threading.Thread(target=release_once_someone_waits).start()
    text = "user_id,timestamp,event_type\nu1,2025-03-01 10:00,view\nu2,2025-03-02,like\n"
    at = _load(_upload(AppTest.from_file(PAGE, default_timeout=180), text))
    assert places and set(places) == {"1st"}
    assert any("Loaded 2 events" in s.value for s in at.success)
    assert budget.idle


def test_a_file_too_big_for_the_budget_is_refused_in_one_sentence(monkeypatch):
    import ui.common.jobs as jobs
    from core.data import IngestNeed

    monkeypatch.setattr(
        jobs,
        "need_for_file",
        lambda path, name=None: IngestNeed(90_000, 40_000, 600.0, "csv", 9000.0),
    )
    text = "user_id,timestamp,event_type\nu1,2025-03-01 10:00,view\n"
    at = _load(_upload(AppTest.from_file(PAGE, default_timeout=180), text))
    assert len(at.error) == 1
    assert "needs at least about 40,000 MB" in at.error[0].value
    assert _metrics(at)["Users"] == "2,000"  # the sample stays the current dataset
