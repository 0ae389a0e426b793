"""What a Chinese error or summary must look like: Chinese, with English only for data.

A sentence passes when it holds Chinese characters and, once the user's own data is set
aside (quoted values and commands, file names and paths, words that occur in the input files) and
field names and options (``user_id``, ``--map``), no run
of three or more English words is left: such a run is an untranslated sentence.
"""

from __future__ import annotations

import re
from pathlib import Path

_CJK = re.compile(r"[\u4e00-\u9fff]")
_QUOTED = re.compile(r"“[^”]*”|'[^']*'|\"[^\"]*\"|`[^`]*`")
_PATH = re.compile(r"\S*[/\\]\S*|\S+\.\w{2,8}\b")
# Field names and options (user_id, --map): code, written as it is in every language.
_IDENTIFIER = re.compile(r"--?[A-Za-z][\w-]*|\w*_\w*")
_ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,;:]+[A-Za-z]{2,}){2,}")


def input_words(folder: Path) -> set[str]:
    """Words that occur in the files of a case (column names, values: the user's data)."""
    words: set[str] = set()
    for path in folder.rglob("*"):
        if path.is_file() and path.stat().st_size < 5_000_000:
            text = path.read_bytes().decode("utf-8", errors="ignore")
            words |= set(re.findall(r"[A-Za-z]{2,}", text))
    return words


def english_left(sentence: str, data_words: set[str] = frozenset()) -> list[str]:
    """The runs of 3+ English words in ``sentence`` that are not the user's data."""
    text = _IDENTIFIER.sub(" ", _PATH.sub(" ", _QUOTED.sub(" ", sentence)))
    text = re.sub(r"[A-Za-z]{2,}", lambda m: " " if m.group() in data_words else m.group(), text)
    return _ENGLISH_RUN.findall(text)


def assert_chinese(sentence: str, data_words: set[str] = frozenset()) -> None:
    """Fail unless ``sentence`` is Chinese apart from the user's data."""
    assert _CJK.search(sentence), f"no Chinese in: {sentence}"
    left = english_left(sentence, data_words)
    assert not left, f"English left {left} in: {sentence}"
