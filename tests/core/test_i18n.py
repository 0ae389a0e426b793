"""The catalogues stay whole, and the language machinery does what it says."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from core import i18n
from core.i18n import fmt, language, ntr, tr
from core.i18n.catalogue import catalogue_path
from core.i18n.extract import ROOT, SOURCES, messages_in_code
from core.i18n.maintain import placeholders, problems


def _messages() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for _, _, message in messages_in_code():
        if isinstance(message, tuple):
            found[message[0]] = message[1]
        elif message:
            found[message] = None
    return found


def test_every_message_in_the_code_has_a_chinese_translation_with_the_same_placeholders():
    messages = _messages()
    assert len(messages) >= 5
    assert problems("zh", messages) == []


def test_a_missing_or_mismatched_translation_is_reported():
    assert problems("zh", {"A sentence nobody translated (test only).": None}) == [
        "no translation: 'A sentence nobody translated (test only).'"
    ]
    # The catalogue translates this message with {message}; asking with another name fails.
    wrong = problems("zh", {"error: {message}": None})
    assert wrong == []
    assert placeholders("{users} users in {segment:>3}") == {"users", "segment"}
    assert placeholders("no braces") == set()


def test_messages_are_literal_strings_never_built_at_run_time():
    """tr(f"...") or tr("..." % x) would never match the catalogue: refuse them."""
    bad = []
    for pattern in SOURCES:
        for path in ROOT.glob(pattern):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in {"tr", "ntr", "N_"}
                    and node.args
                    and isinstance(node.args[0], (ast.JoinedStr, ast.BinOp, ast.Call))
                ):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert bad == []


def test_both_catalogues_exist_and_chinese_has_one_plural_form():
    assert catalogue_path("en").exists()
    text = catalogue_path("zh").read_text(encoding="utf-8")
    assert "nplurals=1; plural=0;" in text


def test_language_switches_translate_and_fill_placeholders():
    with language("en"):
        assert tr("error: {message}", message="x") == "error: x"
        assert ntr("{n} user", "{n} users", 1) == "1 user"
        assert ntr("{n} user", "{n} users", 3) == "3 users"
    with language("zh"):
        assert tr("error: {message}", message="x") == "错误：x"
        assert i18n.current() == "zh"
    assert tr("no braces {here}") == "no braces {here}"


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("zh-CN", "zh"),
        ("zh_Hans", "zh"),
        ("ZH", "zh"),
        ("en-GB", "en"),
        ("fr-FR", None),
        ("", None),
    ],
)
def test_browser_language_tags_are_normalised(tag, code):
    assert i18n.normalize(tag) == code


def test_the_resolver_and_environment_decide_when_nothing_is_set(monkeypatch):
    monkeypatch.setenv("PERSONALAB_LANG", "zh")
    assert i18n.current() == "zh"
    i18n.set_resolver(lambda: "en-US")
    try:
        assert i18n.current() == "en"
        with language("zh"):
            assert i18n.current() == "zh"
    finally:
        i18n.set_resolver(None)


def test_numbers_money_and_dates_follow_the_language():
    day = dt.date(2026, 3, 5)
    with language("en"):
        assert fmt.number(12345.6) == "12,346"
        assert fmt.percent(0.1234, 1) == "12.3%"
        assert fmt.percent(0.05, 1, signed=True) == "+5.0%"
        assert fmt.compact(1_234_567) == "1.2M"
        assert fmt.date(day) == "Mar 5, 2026"
        assert fmt.money(9.5, "CNY") == "CN¥9.50"
    with language("zh"):
        assert fmt.compact(1_234_567) == "123.5万"
        assert fmt.date(day) == "2026年3月5日"
        assert fmt.money(9.5, "CNY") == "¥9.50"
    assert fmt.number(float("nan")) == "–"
    assert fmt.date(None) == "–"


def test_the_command_line_speaks_the_chosen_language(tmp_path: Path, capsys):
    from core.__main__ import main

    missing = tmp_path / "missing.csv"
    assert main(["features", "--lang", "zh", str(missing), "--out", str(tmp_path / "f.csv")]) == 2
    err = capsys.readouterr().err
    assert "错误" in err and "error:" not in err


def test_one_catalogue_per_language_with_no_part_files_left_unfolded():
    """Translators' part files are folded into the catalogue by scripts/i18n.sh before a commit."""
    from core.i18n.catalogue import part_paths

    assert part_paths("zh") == [] and part_paths("en") == []
