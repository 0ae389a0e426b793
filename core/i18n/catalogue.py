"""Reading the gettext catalogues (``locale/<locale>/LC_MESSAGES/personalab.po``).

The ``.po`` files are the only copy kept in the repository: Babel reads one and compiles
it into the ``.mo`` form the standard library's :mod:`gettext` uses, so no compiled binary
sits in the repository to fall out of date. The compiled form is cached in the data
directory under a hash of the ``.po`` files (:func:`translations`).

Translators working in parallel may each keep a part file, ``locale/<locale>/parts/*.po``
(one per area of the app, so their edits never collide); the app reads those too, and
``scripts/i18n.sh`` folds them into the one catalogue and removes them.
"""

from __future__ import annotations

import contextlib
import functools
import gettext
import hashlib
import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

from core import config

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


#: Bumped when the compiled form changes; part of the cached file's name.
_COMPILED_FORMAT = 1


@functools.cache
def translations(code: str) -> gettext.NullTranslations:
    """The compiled catalogue of language ``code`` (English falls back to the message ids).

    Compiling reads the ``.po`` files with Babel, 0.13 s per process and language, which
    every command-line run paid. The compiled form is kept in ``<data dir>/i18n-cache``,
    named by a hash of the ``.po`` files' bytes (an edited catalogue gets a new file), when
    the data directory exists; a process that cannot read or write it compiles again.
    """
    if code not in CATALOGUE_LOCALES:
        return gettext.NullTranslations()
    sources = [p for p in (catalogue_path(code), *part_paths(code)) if p.exists()]
    digest = hashlib.sha256(str(_COMPILED_FORMAT).encode())
    for path in sources:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    cache_dir = config.data_dir() / "i18n-cache"
    cached = cache_dir / f"{code}-{digest.hexdigest()[:20]}.mo"
    with contextlib.suppress(OSError):
        return _from_mo(cached.read_bytes())
    compiled = _compile(code)
    if compiled is None:
        return gettext.NullTranslations()
    if config.data_dir().is_dir():
        with contextlib.suppress(OSError):
            cache_dir.mkdir(exist_ok=True)
            tmp = cache_dir / f".{cached.name}.{os.getpid()}"
            tmp.write_bytes(compiled)
            os.replace(tmp, cached)
    return _from_mo(compiled)


def _compile(code: str) -> bytes | None:
    """The ``.mo`` bytes of ``code``'s catalogue and parts, or None when it is empty."""
    # Imported here: Babel's catalogue writer is needed once per catalogue change.
    from babel.messages.mofile import write_mo

    catalog = load_catalogue(code)
    if not len(catalog):
        return None
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def _from_mo(data: bytes) -> gettext.GNUTranslations:
    return gettext.GNUTranslations(io.BytesIO(data))
