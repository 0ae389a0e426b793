"""Reading the gettext catalogues (``locale/<locale>/LC_MESSAGES/personalab.po``).

The ``.po`` files are the only copy kept: Babel reads one and compiles it in memory into
the ``.mo`` form the standard library's :mod:`gettext` uses, once per process and
language, so no compiled binary sits in the repository to fall out of date.

Translators working in parallel may each keep a part file, ``locale/<locale>/parts/*.po``
(one per area of the app, so their edits never collide); the app reads those too, and
``scripts/i18n.sh`` folds them into the one catalogue and removes them.
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

__all__ = [
    "CATALOGUE_LOCALES",
    "DOMAIN",
    "LOCALE_DIR",
    "catalogue_path",
    "load_catalogue",
    "part_paths",
    "translations",
]

DOMAIN = "personalab"
LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"
#: The catalogue folder of each language.
CATALOGUE_LOCALES = {"en": "en", "zh": "zh_CN"}


def catalogue_path(code: str) -> Path:
    """The ``.po`` file of language ``code``."""
    return LOCALE_DIR / CATALOGUE_LOCALES[code] / "LC_MESSAGES" / f"{DOMAIN}.po"


def part_paths(code: str) -> list[Path]:
    """The part files of language ``code`` not yet folded into its catalogue."""
    return sorted((LOCALE_DIR / CATALOGUE_LOCALES[code] / "parts").glob("*.po"))


def _read(path: Path, code: str) -> Catalog:
    """One ``.po`` file as a Babel catalogue."""
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        return read_po(handle, locale=CATALOGUE_LOCALES[code], domain=DOMAIN)


def _translated(string: object) -> bool:
    """True when a message's translation is complete (every plural form filled)."""
    if isinstance(string, (tuple, list)):
        return bool(string) and all(string)
    return bool(string)


def load_catalogue(code: str, *, with_parts: bool = True) -> Catalog:
    """The catalogue of ``code``, with the translations of its part files filled in.

    A part's translation is used where the catalogue has none for that message (the
    message is added when the catalogue does not have it yet).
    """
    from babel.messages.catalog import Catalog

    path = catalogue_path(code)
    catalog = _read(path, code) if path.exists() else Catalog(locale=CATALOGUE_LOCALES[code])
    if with_parts:
        for part in part_paths(code):
            for message in _read(part, code):
                if not message.id or not _translated(message.string):
                    continue
                have = catalog.get(message.id)
                if have is None:
                    catalog[message.id] = message
                elif not _translated(have.string) or have.fuzzy:
                    have.string = message.string
                    have.flags.discard("fuzzy")
    return catalog


@functools.cache
def translations(code: str) -> gettext.NullTranslations:
    """The compiled catalogue of language ``code`` (English falls back to the message ids)."""
    # Imported here: Babel's catalogue writer is needed once per process and language.
    from babel.messages.mofile import write_mo

    if code not in CATALOGUE_LOCALES:
        return gettext.NullTranslations()
    catalog = load_catalogue(code)
    if not len(catalog):
        return gettext.NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
