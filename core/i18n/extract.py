"""Finding the messages in the code: the one definition of where and how to look.

``scripts/i18n.sh`` (the translator's command) and the catalogue tests both use it, so
what the tests require to be translated is exactly what the command extracts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

__all__ = ["KEYWORDS", "ROOT", "SOURCES", "messages_in_code"]

ROOT = Path(__file__).resolve().parents[2]
#: The functions whose string arguments are messages (name -> which arguments).
KEYWORDS = {"tr": None, "N_": None, "ntr": (1, 2)}
#: The files searched (glob patterns from the repository root).
SOURCES = ("app.py", "app_pages/**/*.py", "ui/**/*.py", "core/**/*.py")


def messages_in_code() -> Iterator[tuple[str, int, str | tuple[str, str]]]:
    """``(file, line, message)`` for every message; ``message`` is a pair for plurals."""
    from babel.messages.extract import extract

    for pattern in SOURCES:
        for path in sorted(ROOT.glob(pattern)):
            with path.open("rb") as handle:
                for line, message, _comments, _context in extract(
                    "python", handle, keywords=KEYWORDS, comment_tags=("Translators:",)
                ):
                    yield str(path.relative_to(ROOT)), line, message
