"""Ingest in Chinese: the validation report, its stored sentences, and the CLI's input
messages, with English unchanged."""

from __future__ import annotations

import json
import pickle

import pytest

from core.cli._options import CliParser, number
from core.data import Note, ingest, note_text, open_dataset, reason_text
from core.data.casegen import make_case, write_case
from core.errors import DataError
from core.i18n import N_, language


@pytest.fixture
def gbk_export(tmp_path, monkeypatch):
    """A GBK export with Chinese column names, a few bad rows and a users file with a repeat."""
    monkeypatch.setenv("PERSONALAB_DATA_DIR", str(tmp_path / "data"))
    paths = write_case(
        make_case("mix", seed=3, n_users=200, days=30), tmp_path / "in", foreign=True
    )
    with paths["events"].open("a", encoding="gbk") as out:
        out.write(",2025-03-02 10:00:00,浏览,wechat,,video\n")  # no member number
        out.write("m000001,昨天下午,点赞,wechat,,video\n")  # a time nobody can read
        out.write("m000002,2025-03-02 11:00:00,购买,wechat,-30,video\n")  # a refund row
    with paths["users"].open("a", encoding="gbk") as out:
        out.write("m000001,1,1,1,c1,male,30\n")
    return paths


def test_the_validation_report_of_a_gbk_file_reads_in_chinese(gbk_export):
    with language("zh"):
        ds = ingest(gbk_export["events"], users_source=gbk_export["users"])
        summary = ds.report.summary()
        warnings = [note_text(w) for w in ds.report.warnings]
        reasons = [reason_text(r) for r in ds.report.rejected_by_reason]
    assert ds.report.encoding == "gb18030"
    assert summary.startswith("events.csv：读取 ")
    assert "剔除 3 行（" in summary
    assert {"缺少用户 ID", "时间无法识别", "金额为负数"} == set(reasons)
    assert "events.csv：读取 " in summary and "位用户导入" in summary
    assert "users.csv：有 1 个用户 ID 重复出现，每个只保留第一行。" in warnings
    # The report is stored in English (other code reads it), whatever language loaded it.
    assert "users.csv: 1 repeated user id(s); the first row of each was kept." in ds.report.warnings
    assert "missing user id" in ds.report.rejected_by_reason
    # Opened again later, it is shown in the reader's language.
    again = open_dataset(ds.path)
    with language("zh"):
        assert "users.csv：有 1 个用户 ID 重复出现，每个只保留第一行。" in [
            note_text(w) for w in again.report.warnings
        ]
    with language("en"):
        assert again.report.summary().startswith("events.csv: ")
        assert "3 rejected (" in again.report.summary()
        assert [note_text(w) for w in again.report.warnings] == list(ds.report.warnings)


def test_a_privacy_note_keeps_its_english_text_and_reads_in_chinese(tmp_path, monkeypatch):
    monkeypatch.setenv("PERSONALAB_DATA_DIR", str(tmp_path / "data"))
    src = tmp_path / "客户行为.csv"
    src.write_text(
        "user_id,timestamp,event_type,手机号\n"
        "u1,2025-03-01,view,13812345678\nu2,2025-03-02,like,13987654321\n",
        encoding="utf-8",
    )
    ds = ingest(src)
    (note,) = ds.report.privacy_actions
    assert note == (
        "客户行为.csv: column '手机号' looks like phone numbers (by its name); "
        "replaced by a salted hash."
    )
    with language("zh"):
        assert (
            note_text(note)
            == "客户行为.csv：列“手机号”看起来是手机号（根据列名判断），已替换为加盐哈希。"
        )


def test_a_note_survives_json_pickle_and_copy():
    note = Note(
        N_("{file}: {n} line(s) skipped: {reason}."),
        file="a.csv",
        n=12345,
        reason=Note(N_("more fields than the header")),
    )
    assert note == "a.csv: 12,345 line(s) skipped: more fields than the header."
    assert json.dumps([note]) == json.dumps([str(note)])
    restored = pickle.loads(pickle.dumps(note))
    assert isinstance(restored, Note) and restored == note
    with language("zh"):
        assert restored.shown() == "a.csv：跳过了 12,345 行，原因：字段数多于表头。"


def test_data_errors_read_in_chinese_and_stay_english_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("PERSONALAB_DATA_DIR", str(tmp_path / "data"))
    empty = tmp_path / "活动数据.csv"
    empty.write_bytes(b"")
    with pytest.raises(DataError) as english:
        ingest(empty)
    assert str(english.value) == (
        "活动数据.csv is empty. Export the data again and upload the full file."
    )
    with language("zh"), pytest.raises(DataError) as chinese:
        ingest(empty)
    assert str(chinese.value) == "活动数据.csv 是空文件。请重新导出数据并上传完整文件。"


def test_option_errors_follow_lang(capsys):
    parser = CliParser(prog="python -m core sample")
    parser.add_argument("--users", type=number(low=1, whole=True, example="2000"))
    parser.add_argument("--lang")
    with pytest.raises(SystemExit):
        parser.parse_args(["--users", "x", "--lang", "zh"])
    assert capsys.readouterr().err == (
        "错误：--users：“x”应为不小于 1 的整数，例如 2000（详见 `python -m core sample --help`）。\n"
    )
    with pytest.raises(SystemExit):
        parser.parse_args(["--users", "x"])
    assert capsys.readouterr().err == (
        "error: --users: 'x' should be a whole number of at least 1, e.g. 2000 "
        "(see `python -m core sample --help`).\n"
    )
    with pytest.raises(SystemExit):
        parser.parse_args(["--lang=zh"] + ["--users"])
    assert capsys.readouterr().err.startswith("错误：--users 后面需要一个取值")


def test_help_follows_lang(capsys):
    from core.__main__ import main

    assert main(["sample", "--help", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：python -m core sample")
    assert "选项：" in out and "用户数（大于 0）" in out and "显示本帮助信息并退出" in out
    assert main(["sample", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m core sample")
    assert "number of users (above 0)" in out
