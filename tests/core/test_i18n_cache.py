"""The compiled catalogue is cached in the data directory, keyed by the ``.po`` bytes."""

from __future__ import annotations

import pytest

from core.i18n import catalogue

_PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Data"
msgstr "{word}"
"""


@pytest.fixture
def locale_dir(tmp_path, monkeypatch):
    root = tmp_path / "locale"
    (root / "zh_CN" / "LC_MESSAGES").mkdir(parents=True)
    monkeypatch.setattr(catalogue, "LOCALE_DIR", root)
    catalogue.translations.cache_clear()
    yield root
    catalogue.translations.cache_clear()


@pytest.fixture
def data(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("PERSONALAB_DATA_DIR", str(folder))
    return folder


def _write(root, word):
    (root / "zh_CN" / "LC_MESSAGES" / "personalab.po").write_text(
        _PO.format(word=word), encoding="utf-8"
    )


def _fresh(code="zh"):
    catalogue.translations.cache_clear()
    return catalogue.translations(code)


def test_compiled_once_then_read_from_the_cache(locale_dir, data, monkeypatch):
    _write(locale_dir, "数据")
    assert _fresh().gettext("Data") == "数据"
    cached = list((data / "i18n-cache").glob("zh-*.mo"))
    assert len(cached) == 1
    # The second process reads the file: no Babel compile.
    monkeypatch.setattr(catalogue, "_compile", lambda code: pytest.fail("compiled again"))
    assert _fresh().gettext("Data") == "数据"


def test_an_edited_catalogue_is_compiled_again(locale_dir, data):
    _write(locale_dir, "数据")
    assert _fresh().gettext("Data") == "数据"
    _write(locale_dir, "资料")
    assert _fresh().gettext("Data") == "资料"
    assert len(list((data / "i18n-cache").glob("zh-*.mo"))) == 2


def test_a_broken_cache_file_is_replaced(locale_dir, data):
    _write(locale_dir, "数据")
    _fresh()
    (cached,) = (data / "i18n-cache").glob("zh-*.mo")
    cached.write_bytes(b"not a catalogue")
    assert _fresh().gettext("Data") == "数据"
    assert cached.read_bytes()[:4] in (b"\xde\x12\x04\x95", b"\x95\x04\x12\xde")


def test_no_data_directory_no_file(locale_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("PERSONALAB_DATA_DIR", str(tmp_path / "absent"))
    _write(locale_dir, "数据")
    assert _fresh().gettext("Data") == "数据"
    assert not (tmp_path / "absent").exists()
