"""Numbers, money, percentages and dates written for the current language (Babel).

``fmt.number(12345)`` is ``12,345`` in both languages, ``fmt.compact(1234567)`` is ``1.2M`` / ``123.5万``;
``fmt.percent(0.123)`` is ``12%`` / ``12%``; ``fmt.money(9.5, "CNY")`` is ``CN¥9.50`` /
``¥9.50``; ``fmt.date(d)`` is ``Mar 5, 2026`` / ``2026年3月5日``. Every page, card, chart
label and report uses these instead of f-string format specs, so a switch of language
changes how every figure reads.
"""

from __future__ import annotations

import datetime as dt
import math
from numbers import Real

from babel import dates as _dates
from babel import numbers as _numbers

from core.i18n import babel_locale

__all__ = ["compact", "date", "datetime", "decimal", "money", "number", "percent"]

_MISSING = "–"


def _usable(value: object) -> bool:
    """True for a finite real number."""
    return isinstance(value, Real) and not (isinstance(value, float) and not math.isfinite(value))


def number(value: object, digits: int = 0) -> str:
    """``value`` with grouping and exactly ``digits`` decimals; a dash when missing."""
    if not _usable(value):
        return _MISSING
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return _numbers.format_decimal(value, format=pattern, locale=babel_locale())


def decimal(value: object, max_digits: int = 2) -> str:
    """``value`` with grouping and at most ``max_digits`` decimals (trailing zeros dropped)."""
    if not _usable(value):
        return _MISSING
    pattern = "#,##0" + ("." + "#" * max_digits if max_digits > 0 else "")
    return _numbers.format_decimal(value, format=pattern, locale=babel_locale())


def percent(value: object, digits: int = 0, *, signed: bool = False) -> str:
    """The share ``value`` (0.123 for 12.3 %) as a percentage with ``digits`` decimals."""
    if not _usable(value):
        return _MISSING
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "%"
    if signed:
        pattern = "+" + pattern + ";-" + pattern
    return _numbers.format_percent(value, format=pattern, locale=babel_locale())


def money(value: object, currency: str | None = None, digits: int | None = None) -> str:
    """``value`` as an amount of ``currency`` (ISO code); without one, a plain number."""
    if not _usable(value):
        return _MISSING
    if not currency:
        return number(value, 2 if digits is None else digits)
    text = _numbers.format_currency(
        value, currency, locale=babel_locale(), currency_digits=digits is None
    )
    if digits is not None:
        text = _numbers.format_currency(
            value,
            currency,
            format="¤#,##0" + ("." + "0" * digits if digits > 0 else ""),
            locale=babel_locale(),
            currency_digits=False,
        )
    return text


def compact(value: object) -> str:
    """A short count for tight spaces: ``1.2M`` in English, ``123.5万`` in Chinese."""
    if not _usable(value):
        return _MISSING
    return _numbers.format_compact_decimal(
        value, format_type="short", fraction_digits=1, locale=babel_locale()
    )


def date(value: dt.date | dt.datetime | None, form: str = "medium") -> str:
    """A date in the language's ``short``/``medium``/``long`` form (a dash when missing)."""
    if value is None:
        return _MISSING
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        value = value.date()
    return _dates.format_date(value, format=form, locale=babel_locale())


def datetime(value: dt.datetime | None, form: str = "medium") -> str:
    """A date and time in the language's ``short``/``medium``/``long`` form."""
    if value is None:
        return _MISSING
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    return _dates.format_datetime(value, format=form, locale=babel_locale())
