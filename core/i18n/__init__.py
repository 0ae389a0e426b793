"""Languages: the message catalogues, the current language, and formatting for it.

Everything a person reads goes through :func:`tr` (or :func:`ntr` when a count decides
the wording). The English sentence in the code is the message id; the Chinese text comes
from ``locale/zh_CN/LC_MESSAGES/personalab.po``, a gettext catalogue a translator edits
without reading code (see ``scripts/i18n.sh`` to extract new messages into it). Text
that is defined at import time (labels in module-level tables) is marked with :func:`N_`
and translated where it is shown, with ``tr(label)``.

Placeholders are named and in braces: ``tr("{users} users left", users=fmt.number(n))``;
values are formatted for the language with :mod:`core.i18n.fmt` (Babel) before they go in.

The current language is, in order: the one set with :func:`language` (the command line's
``--lang``, a worker thread started for a page), the one the app's resolver reports (the
page's language switch, installed with :func:`set_resolver`), ``PERSONALAB_LANG``, English.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator

from core import config
from core.i18n.catalogue import translations

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "N_",
    "babel_locale",
    "current",
    "language",
    "normalize",
    "ntr",
    "set_resolver",
    "tr",
]

#: The languages PersonaLab speaks, by code.
LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"
#: Each language's name, written in that language (for the switch).
LANGUAGE_NAMES = {"en": "English", "zh": "简体中文"}
#: The Babel locale used to format numbers, money and dates in each language.
_BABEL_LOCALES = {"en": "en_US", "zh": "zh_Hans_CN"}

_explicit: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "personalab_language", default=None
)
_resolver: Callable[[], str | None] | None = None


def normalize(value: object) -> str | None:
    """``"zh"`` or ``"en"`` for a language tag (``zh-CN``, ``zh_Hans``, ``en-GB``, ...), else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    head = value.strip().replace("_", "-").split("-")[0].lower()
    return head if head in LANGUAGES else None


def set_resolver(resolver: Callable[[], str | None] | None) -> None:
    """Install the function that reports the app's language for the running page (or None)."""
    global _resolver
    _resolver = resolver


def current() -> str:
    """The current language code (see the module notes for the order)."""
    chosen = _explicit.get()
    if chosen:
        return chosen
    if _resolver is not None:
        try:
            found = normalize(_resolver())
        except Exception:  # a resolver outside a page run (a worker thread) has no answer
            found = None
        if found:
            return found
    return normalize(config.default_language()) or DEFAULT_LANGUAGE


@contextlib.contextmanager
def language(code: str | None) -> Iterator[str]:
    """Use language ``code`` inside the block (None or unknown: the current one)."""
    chosen = normalize(code) or current()
    token = _explicit.set(chosen)
    try:
        yield chosen
    finally:
        _explicit.reset(token)


def babel_locale(code: str | None = None) -> str:
    """The Babel locale for ``code`` (default: the current language)."""
    return _BABEL_LOCALES[normalize(code) or current()]


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark ``message`` for the catalogue without translating it now."""
    return message


def tr(message: str, /, **values: object) -> str:
    """``message`` in the current language, with ``values`` put into its ``{placeholders}``.

    Without ``values`` the text is returned as is (braces and all), so a message with
    literal braces needs no escaping unless it has placeholders too.
    """
    text = translations(current()).gettext(message) if message else message
    return text.format(**values) if values else text


def ntr(singular: str, plural: str, n: int, /, **values: object) -> str:
    """The singular or plural wording for count ``n`` in the current language, filled in.

    ``n`` is available to the message as ``{n}`` unless ``values`` gives it formatted.
    """
    text = translations(current()).ngettext(singular, plural, n)
    values.setdefault("n", n)
    return text.format(**values)
