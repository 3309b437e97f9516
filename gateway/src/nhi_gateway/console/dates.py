"""Dates as clerks read and type them: 和暦 with the ISO date beside it; R8.4.1, 令和8年4月1日 or 2026-04-01 typed."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from nhi_common.jp import wareki

# Era initials and names -> the era's first year (the year 1 of the era is this Gregorian year).
_ERA_START = {"R": (2019, dt.date(2019, 5, 1)), "H": (1989, dt.date(1989, 1, 8)), "S": (1926, dt.date(1926, 12, 25))}
_ERA_START.update({"T": (1912, dt.date(1912, 7, 30)), "M": (1868, dt.date(1868, 1, 25))})
_ERA_NAMES = {"令和": "R", "平成": "H", "昭和": "S", "大正": "T", "明治": "M"}
_ERA_TYPED = re.compile(r"^([RHSTM])\s*(元|\d{1,2})[.\-/年]\s*(\d{1,2})[.\-/月]\s*(\d{1,2})日?$")
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


class DateInputError(ValueError):
    """What was wrong with a typed date, in Japanese, for the field it came from."""


def parse(text: str) -> dt.date:
    """A typed date: R8.4.1, R08.04.01, 令和8年4月1日, 令和元年5月1日, 2026-04-01, 2026/4/1 or 20260401."""
    typed = unicodedata.normalize("NFKC", text or "").strip().upper()
    if not typed:
        raise DateInputError("日付を入力してください")
    for name, initial in _ERA_NAMES.items():
        typed = typed.replace(name, initial)
    try:
        if match := _ERA_TYPED.match(typed):
            era, year, month, day = match.groups()
            first_year, era_start = _ERA_START[era]
            value = dt.date(first_year + (1 if year == "元" else int(year)) - 1, int(month), int(day))
            if value < era_start:
                raise DateInputError(f"{text} はその元号の始まり（{era_start.isoformat()}）より前です")
            return value
        if match := _ISO.match(typed) or _DIGITS.match(typed):
            return dt.date(*(int(part) for part in match.groups()))
    except ValueError as exc:
        if isinstance(exc, DateInputError):
            raise
        raise DateInputError(f"{text} は存在しない日付です") from None
    raise DateInputError("日付は R8.4.1、令和8年4月1日 または 2026-04-01 の形で入力してください")


def iso_or_none(text: str | None) -> str | None:
    """The ISO form of a typed date, None when nothing was typed (raises DateInputError on a wrong one)."""
    return parse(text).isoformat() if text and text.strip() else None


def display(value: str | None) -> str:
    """令和8年4月1日（2026-04-01）for an ISO date or date-time; '—' for none."""
    if not value:
        return "—"
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return value
    try:
        return f"{wareki(day)}（{day.isoformat()}）"
    except ValueError:
        return day.isoformat()
