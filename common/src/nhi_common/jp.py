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


# The change reasons (取得・喪失事由) of the API in the words of the documents and the console.
CHANGE_REASONS = {
    "move_in": "転入",
    "move_in_same_pref": "県内転入",
    "birth": "出生",
    "emp_leave": "社会保険離脱",
    "welfare_end": "生活保護廃止",
    "foreign_resident": "外国人住民の加入",
    "move_out": "転出",
    "move_out_same_pref": "県内転出",
    "death": "死亡",
    "emp_join": "社会保険加入",
    "welfare_start": "生活保護開始",
    "kumiai_join": "国保組合加入",
    "age75": "後期高齢者医療移行",
    "later_elderly_disability": "後期高齢者医療移行（障害認定）",
}

GETA = "〓"  # 下駄記号: the customary mark for a character that cannot be printed or encoded


def to_cp932(text: str) -> tuple[bytes, int]:
    """The text in CP932 (Windows Shift_JIS), each character it cannot carry (e.g. 𠮷) as 〓; and how many there were.

    A variation selector goes with its base character and is not counted on its own."""
    out, replaced = bytearray(), 0
    for char in text:
        try:
            out += char.encode("cp932")
        except UnicodeEncodeError:
            code = ord(char)
            if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
                continue
            out += GETA.encode("cp932")
            replaced += 1
    return bytes(out), replaced
