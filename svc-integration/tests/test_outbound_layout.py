"""The fixed-length daily outbound files (docs/feeds/outbound-file.md): the page and the code agree field by field,
and a record is written as the page says (CP932, cuts at whole characters, zero-filled digits, spaces when absent)."""

from __future__ import annotations

import datetime as dt
import pathlib
import re

from nhi_integration.domain import outbound_layout as layout

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "feeds" / "outbound-file.md"
ROW = re.compile(r"^\| (\d+) \| (\w+) \| (\d+) \| ([XN9DF]) \|")


def tables() -> list[list[tuple[str, int, str]]]:
    """The three layout tables of the page, in order (header, data, trailer)."""
    found: list[list[tuple[str, int, str]]] = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            number, name, size, kind = match.groups()
            if number == "1":
                found.append([])
            found[-1].append((name, int(size), kind))
    return found


def test_the_page_is_the_code():
    header, data, trailer = tables()
    for doc, code in ((header, layout.HEADER_FIELDS), (data, layout.DATA_FIELDS), (trailer, layout.TRAILER_FIELDS)):
        assert doc == [(f.name, f.size, f.kind) for f in code]
        assert sum(size for _n, size, _k in doc) == layout.RECORD_BYTES
    assert f"**{layout.RECORD_BYTES} bytes per record**" in DOC.read_text(encoding="utf-8")


def offset(name: str) -> tuple[int, int]:
    at = 0
    for field in layout.DATA_FIELDS:
        if field.name == name:
            return at, at + field.size
        at += field.size
    raise KeyError(name)


def test_a_record_is_written_as_the_page_says():
    record = {
        "sequence": 42,
        "feed": "care",
        "record_kind": "acquired",
        "person_id": "900000001",
        "name_kanji": "髙橋\u3000" + "太" * 40,  # longer than 60 bytes: cut at a whole character
        "name_kana": "タカハシ\u3000タロウ",
        "birth_date": "1981-05-10",
        "address": "みどり市𠮷野町1番",  # 𠮷 is not in CP932
        "acquired_on": "2026-10-01",
        "ratio_percent": None,
        "dv_support": False,
        "business_date": "2026-11-24",
    }
    raw = layout.data(record)
    assert len(raw) == layout.RECORD_BYTES + 2 and raw.endswith(b"\r\n")

    def field(name: str) -> bytes:
        start, end = offset(name)
        return raw[start:end]

    assert field("record_type") == b"2" and field("sequence") == b"000000000042"
    assert field("birth_date") == b"19810510" and field("lost_on") == b" " * 8
    assert field("ratio_percent") == b"   " and field("dv_support") == b"0"
    name = field("name_kanji")
    assert len(name) == 60 and name.decode("cp932").rstrip() == "髙橋\u3000" + "太" * 27
    assert field("address").decode("cp932").rstrip() == "みどり市〓野町1番"


def test_header_and_trailer():
    created = dt.datetime(2026, 11, 24, 15, 30, tzinfo=dt.timezone.utc)
    head = layout.header("healthcheck", dt.date(2026, 11, 24), created)
    assert head.startswith(b"1healthcheck 2026112420261125003000") and len(head) == layout.RECORD_BYTES + 2
    assert layout.trailer(7).startswith(b"9000000000007")
