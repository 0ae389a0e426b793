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
    user_col = _selectbox_for(at, "events", 0)  # 会员编号 is not a known name
    assert user_col.value == ""
    user_col.set_value("user_id")
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
    assert [e.value for e in at.error] == [
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
