"""Japanese calendar and text helpers for documents and lists (no business rules here)."""

from __future__ import annotations

import datetime as dt

# (first day, era name); checked newest first.
_ERAS = (
    (dt.date(2019, 5, 1), "令和"),
    (dt.date(1989, 1, 8), "平成"),
    (dt.date(1926, 12, 25), "昭和"),
    (dt.date(1912, 7, 30), "大正"),
    (dt.date(1868, 1, 25), "明治"),
)


def wareki(day: dt.date) -> str:
    """令和7年4月1日; the first year of an era is printed 元年."""
    for start, name in _ERAS:
        if day >= start:
            year = day.year - start.year + 1
            year_text = "元" if year == 1 else str(year)
            return f"{name}{year_text}年{day.month}月{day.day}日"
    raise ValueError(f"{day.isoformat()} is before the Meiji era")
