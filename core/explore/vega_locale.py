"""How dates, weekdays and numbers read in the Explore charts, per language.

The charts are drawn by Vega (in the browser and by vl-convert for the report), which
formats numbers and dates with d3: :func:`vega_locale` gives it the Chinese d3 locale
(months "3月", weekdays "周二", "¥" for money) and the ``*_format`` functions give the
axis and tooltip formats that read naturally in each language ("Mar 05" / "3月5日").
Labels computed on the Python side (period bands, weekdays, posting windows) use Babel's
skeletons, so they follow the same rules as every other date PersonaLab writes.

d3's locale tables are plain data that no Python library ships, so the Chinese one is
written out here (it is d3-time-format's own ``zh-CN`` locale).
"""

from __future__ import annotations

import datetime as dt

from babel import dates as babel_dates

from core.i18n import babel_locale, current

__all__ = [
    "date_format",
    "day_format",
    "month_format",
    "period_label",
    "vega_locale",
    "weekday_label",
]

#: d3-format and d3-time-format locales of the languages that differ from d3's default.
_D3_LOCALES: dict[str, dict] = {
    "zh": {
        "number": {
            "decimal": ".",
            "thousands": ",",
            "grouping": [3],
            "currency": ["¥", ""],
        },
        "time": {
            "dateTime": "%x %A %X",
            "date": "%Y/%-m/%-d",
            "time": "%H:%M:%S",
            "periods": ["上午", "下午"],
            "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
            "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
            "months": [
                "一月",
                "二月",
                "三月",
                "四月",
                "五月",
                "六月",
                "七月",
                "八月",
                "九月",
                "十月",
                "十一月",
                "十二月",
            ],
            "shortMonths": [f"{m}月" for m in range(1, 13)],
        },
    }
}

#: d3 time formats per language: a day on an axis, a full date, a month.
_DAY = {"en": "%b %d", "zh": "%-m月%-d日"}
_DATE = {"en": "%b %d, %Y", "zh": "%Y年%-m月%-d日"}
_MONTH = {"en": "%b %Y", "zh": "%Y年%-m月"}


def vega_locale(code: str | None = None) -> dict | None:
    """The Vega-Lite ``config.locale`` for ``code`` (default: current language); None for English."""
    return _D3_LOCALES.get(code or current())


def day_format() -> str:
    """d3 time format of a day on an axis: ``Mar 05`` / ``3月5日``."""
    return _DAY.get(current(), _DAY["en"])


def date_format() -> str:
    """d3 time format of a full date (tooltips): ``Mar 05, 2026`` / ``2026年3月5日``."""
    return _DATE.get(current(), _DATE["en"])


def month_format() -> str:
    """d3 time format of a month: ``Mar 2026`` / ``2026年3月``."""
    return _MONTH.get(current(), _MONTH["en"])


def period_label(day: dt.date, grain: str, with_year: bool = True) -> str:
    """A week (its first day) or a month as a short label: ``Mar 5`` / ``3月5日``, ``Mar 2026`` / ``2026年3月``."""
    if hasattr(day, "to_pydatetime"):
        day = day.to_pydatetime()
    if grain == "month":
        skeleton = "yMMM"
    else:
        skeleton = "yMMMd" if with_year else "MMMd"
    return babel_dates.format_skeleton(skeleton, day, locale=babel_locale())


def weekday_label(weekday: int) -> str:
    """Short weekday name, Monday = 0: ``Mon`` / ``周一``."""
    return babel_dates.get_day_names("abbreviated", locale=babel_locale())[weekday]
