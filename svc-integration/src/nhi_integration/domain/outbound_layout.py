"""The fixed-length CP932 daily file of an outbound feed (2.7.1): one header, a record per feed record, a trailer.

The layout, field by field, is docs/feeds/outbound-file.md; svc-integration/tests/test_outbound_layout.py fails
when the page and this module disagree. Pure: values in, bytes out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

RECORD_BYTES = 700
REPLACEMENT = "〓"  # written for a character CP932 cannot hold (listed nowhere: the CSV file keeps the original)


@dataclasses.dataclass(frozen=True)
class Field:
    name: str
    size: int
    kind: str  # X: half-width ASCII, N: CP932 text, 9: digits right-justified zero-filled, D: date YYYYMMDD, F: filler


DATA_FIELDS: tuple[Field, ...] = (
    Field("record_type", 1, "X"),  # 2
    Field("sequence", 12, "9"),
    Field("feed", 12, "X"),
    Field("record_kind", 10, "X"),
    Field("change_id", 40, "X"),
    Field("person_id", 15, "X"),
    Field("household_id", 15, "X"),
    Field("insurer_number", 6, "X"),
    Field("symbol", 20, "N"),
    Field("number", 20, "N"),
    Field("branch_no", 2, "X"),
    Field("name_kanji", 60, "N"),
    Field("name_kana", 60, "N"),
    Field("birth_date", 8, "D"),
    Field("sex", 1, "X"),
    Field("postal_code", 8, "X"),
    Field("address_code", 16, "X"),
    Field("address", 120, "N"),
    Field("building", 60, "N"),
    Field("acquired_on", 8, "D"),
    Field("lost_on", 8, "D"),
    Field("effective_date", 8, "D"),
    Field("reason", 60, "N"),
    Field("change_kind", 12, "X"),
    Field("status_kind", 30, "X"),
    Field("status_start", 8, "D"),
    Field("status_end", 8, "D"),
    Field("address_exception", 1, "X"),
    Field("ratio_percent", 3, "9"),
    Field("dv_support", 1, "X"),
    Field("business_date", 8, "D"),
)
DATA_FIELDS = (*DATA_FIELDS, Field("filler", RECORD_BYTES - sum(f.size for f in DATA_FIELDS), "F"))

HEADER_FIELDS: tuple[Field, ...] = (
    Field("record_type", 1, "X"),  # 1
    Field("feed", 12, "X"),
    Field("business_date", 8, "D"),
    Field("created_at", 14, "X"),  # YYYYMMDDHHMMSS, JST
)
HEADER_FIELDS = (*HEADER_FIELDS, Field("filler", RECORD_BYTES - sum(f.size for f in HEADER_FIELDS), "F"))

TRAILER_FIELDS: tuple[Field, ...] = (
    Field("record_type", 1, "X"),  # 9
    Field("count", 12, "9"),  # data records
)
TRAILER_FIELDS = (*TRAILER_FIELDS, Field("filler", RECORD_BYTES - sum(f.size for f in TRAILER_FIELDS), "F"))
JST = dt.timezone(dt.timedelta(hours=9))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.date):
        return value.strftime("%Y%m%d")
    return str(value)


def _cp932(text: str) -> bytes:
    try:
        return text.encode("cp932")
    except UnicodeEncodeError:
        return b"".join(_char(c) for c in text)


def _char(c: str) -> bytes:
    try:
        return c.encode("cp932")
    except UnicodeEncodeError:
        return REPLACEMENT.encode("cp932")


def _cut(data: bytes, size: int) -> bytes:
    """At most `size` bytes of CP932 text, never half a double-byte character."""
    if len(data) <= size:
        return data
    cut = data[:size]
    while cut:
        try:
            cut.decode("cp932")
            return cut
        except UnicodeDecodeError:
            cut = cut[:-1]
    return cut


def _field(field: Field, value: Any) -> bytes:
    if field.kind == "F":
        return b" " * field.size
    text = _text(value)
    if field.kind == "D":
        text = text.replace("-", "")[:8]
    if field.kind == "9":
        data = text.encode("ascii").rjust(field.size, b"0") if text else b" " * field.size
        return data[-field.size :]
    data = _cut(_cp932(text), field.size)
    return data + b" " * (field.size - len(data))


def _record(fields: tuple[Field, ...], values: dict[str, Any]) -> bytes:
    return b"".join(_field(f, values.get(f.name)) for f in fields) + b"\r\n"


def header(feed: str, day: dt.date, created: dt.datetime) -> bytes:
    return _record(
        HEADER_FIELDS,
        {
            "record_type": "1",
            "feed": feed,
            "business_date": day,
            "created_at": created.astimezone(JST).strftime("%Y%m%d%H%M%S"),
        },
    )


def data(record: dict[str, Any]) -> bytes:
    return _record(DATA_FIELDS, {**record, "record_type": "2"})


def trailer(count: int) -> bytes:
    return _record(TRAILER_FIELDS, {"record_type": "9", "count": count})
