"""Fields of an event's data as a consumer stores them: text that fits its column, dates that exist.

An event's data is JSON from another process: a field may hold a number, a list or null where text belongs, text
longer than the column it goes into, a control character, or a date that does not exist. Read through these, such
an event is refused (BadField, naming the field, never its value) before anything is written; read directly, it
fails the transaction of every fetch it comes in, or raises a TypeError each consumer would take for a passing
failure and deliver again forever.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from .text import CONTROL_CHARACTER


class BadField(ValueError):
    """An event's field no consumer could ever store: the message is refused for good. Its text names the field
    and the rule, never the value (a value may be a name, an address or a My Number)."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"field {field} {rule}")
        self.field = field


def text(data: dict[str, Any], field: str, *, limit: int, required: bool = False) -> str:
    """The field as text of at most `limit` characters without control characters; "" when absent or null."""
    value = data.get(field)
    if value is None or value == "":
        if required:
            raise BadField(field, "is missing")
        return ""
    if not isinstance(value, str):
        raise BadField(field, "is not text")
    if len(value) > limit:
        raise BadField(field, f"is longer than {limit} characters")
    if CONTROL_CHARACTER.search(value):
        raise BadField(field, "holds a control character")
    return value


def date(data: dict[str, Any], field: str, *, required: bool = False) -> dt.date | None:
    """The field as a date written YYYY-MM-DD; None when absent, null or empty."""
    value = data.get(field)
    if value is None or value == "":
        if required:
            raise BadField(field, "is missing")
        return None
    if not isinstance(value, str) or len(value) != 10:
        raise BadField(field, "is not a date (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadField(field, "is not a date (YYYY-MM-DD)") from None


def limit_of(column) -> int:
    """The length of a SQLAlchemy String column (a Text column: no limit a message would reach)."""
    return getattr(column.type, "length", None) or 1_000_000


def is_prefixed_uuid(value: Any, prefix: str = "") -> bool:
    """Whether the value is an id a service made: `prefix` and a UUID as str(uuid.uuid4()) writes it."""
    if not isinstance(value, str) or not value.startswith(prefix):
        return False
    rest = value[len(prefix) :]
    try:
        return str(uuid.UUID(rest)) == rest
    except ValueError:
        return False


def small_count(value: Any, limit: int) -> int | None:
    """The value as a whole number from 0 to `limit` (a number, or its digits as text), or None: a chunk or file
    number no job has past `limit`, and never the digits of a My Number or a 2^63 no column takes."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= len(str(limit)):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        return None
    return value
