"""What an external system sends us (the aggregation system's returned data, the intermediate server's results,
answers and requests), read as hostile input: every record checked field by field before anything is applied.

A fault names the record (its line: 1 is the header) and the field, never the value: a value of a shifted or
damaged record may be a name, an address or a My Number.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata

from . import layout

MAX_RECORDS = 200_000  # 64 MB: a file larger than this is refused unread
MAX_BYTES = MAX_RECORDS * layout.RECORD_SIZE
NAME_SIZE = 100  # the file name as the receipt and import lists store it


class FileFault(ValueError):
    """The file cannot be read: the message names the line and the field at fault."""


@dataclasses.dataclass(frozen=True)
class InboundFile:
    name: str
    sha256: str
    size: int
    content: bytes | None  # None when the file is larger than MAX_BYTES (not read)


@dataclasses.dataclass(frozen=True)
class Parsed:
    header: dict[str, str]
    records: list[dict[str, str]]  # the data records, decoded by the layout the caller named


def stored_name(name: str) -> str:
    """The file name as the lists store it: printable, at most NAME_SIZE characters."""
    text = "".join(c if c.isprintable() and not 0xD800 <= ord(c) <= 0xDFFF else "?" for c in name)
    return text if len(text) <= NAME_SIZE else text[: NAME_SIZE - 1] + "…"


def read(content: bytes | None, of: layout.Layout) -> Parsed:
    """The header and the data records of a file of `of` records; FileFault naming the line and field of the first
    fault (size, encoding, a field not of its kind, record type and serial, the trailer's count)."""
    size = layout.RECORD_SIZE
    if content is None:
        raise FileFault(f"the file is larger than {MAX_BYTES} bytes ({MAX_RECORDS} records); not read")
    if not content:
        raise FileFault("the file is empty")
    if len(content) % size:
        raise FileFault(f"{len(content)} bytes is not a whole number of {size}-byte records")
    count = len(content) // size
    if count < 2:
        raise FileFault("line 1: a file has a header and a trailer")
    if count > MAX_RECORDS:
        raise FileFault(f"the file has more than {MAX_RECORDS} records")
    chunks = [content[i : i + size] for i in range(0, len(content), size)]
    header = record(layout.HEADER, chunks[0], 1, "1", 0)
    trailer = record(layout.TRAILER, chunks[-1], count, "8", count - 1)
    if trailer["record_count"] == "" or int(trailer["record_count"]) != count - 2:
        raise FileFault(f"line {count}: field record_count (データレコード件数) does not match the {count - 2} records")
    return Parsed(header, [record(of, chunk, line, "2", line - 1) for line, chunk in enumerate(chunks[1:-1], start=2)])


def record(of: layout.Layout, chunk: bytes, line: int, record_type: str, serial: int) -> dict[str, str]:
    """One record, each field checked for its kind: X CP932 text without control characters, 9 ASCII digits or
    spaces, D a real date YYYYMMDD or spaces; its record type and serial as expected."""
    values, at = {}, 0
    for f in of.fields:
        raw = chunk[at : at + f.size]
        at += f.size
        where = f"line {line}: field {f.name} ({f.label})"
        try:
            text = raw.decode("cp932")
        except UnicodeDecodeError:
            raise FileFault(f"{where} is not CP932 text") from None
        if any(unicodedata.category(c) in ("Cc", "Cs") for c in text):
            raise FileFault(f"{where} holds a control character")
        text = text.rstrip(" ")
        if f.kind == "9" and text and not (text.isascii() and text.isdigit() and len(text) == f.size):
            raise FileFault(f"{where} is not {f.size} digits")
        if f.kind == "D" and text and _date(text) is None:
            raise FileFault(f"{where} is not a date YYYYMMDD")
        values[f.name] = text
    if values["record_type"] != record_type:
        raise FileFault(f"line {line}: field record_type (レコード種別) is not {record_type}")
    if values["serial"] == "" or int(values["serial"]) != serial:
        raise FileFault(f"line {line}: field serial (レコード通番) is not {serial}")
    return values


def iso_date(text: str) -> str | None:
    """A checked D field (YYYYMMDD or "") as YYYY-MM-DD, None when blank."""
    found = _date(text) if text else None
    return found.isoformat() if found else None


def _date(text: str) -> dt.date | None:
    if not (len(text) == 8 and text.isascii() and text.isdigit()):
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def require(values: dict[str, str], line: int, of: layout.Layout, name: str, allowed: tuple[str, ...] = ()) -> str:
    """The value of a field that must be set (and one of `allowed` when given); FileFault naming line and field."""
    text = values[name]
    label = next(f.label for f in of.fields if f.name == name)
    if not text:
        raise FileFault(f"line {line}: field {name} ({label}) is required")
    if allowed and text not in allowed:
        raise FileFault(f"line {line}: field {name} ({label}) is not one of {', '.join(allowed)}")
    return text
