"""Keyset pagination, once for every list of every service.

The gRPC edge turns a page request into a `Page` (`parse`), refusing a cursor no list gave out with an
InvalidInput naming `cursor`; a repository runs it over a query (`keyset`).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from typing import TYPE_CHECKING, Any

from .errors import InvalidInput

if TYPE_CHECKING:  # the service layer reads Page without pulling in SQLAlchemy
    import sqlalchemy as sa

DEFAULT_SIZE = 50
MAX_SIZE = 500
INVALID_CURSOR = "INVALID_CURSOR"
INVALID_PAGE_SIZE = "INVALID_PAGE_SIZE"
TEXT_CURSOR = "k."  # a text key travels base64url-encoded behind this mark, so that no guess passes for a cursor


@dataclasses.dataclass(frozen=True)
class Page:
    """At most `size` rows after (or, newest first, before) the key `after`; None = from the start."""

    size: int = DEFAULT_SIZE
    after: int | str | None = None


def parse(page_size: int, cursor: str, *, numeric: bool = True, default_size: int = DEFAULT_SIZE) -> Page:
    """A page request as a client sent it; numeric lists take only the integer cursors they hand out."""
    if page_size < 0:
        raise InvalidInput("page_size", "must not be negative", code=INVALID_PAGE_SIZE)
    size = max(1, min(page_size or default_size, MAX_SIZE))
    if not cursor:
        return Page(size)
    if numeric:
        if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 18:
            raise InvalidInput("cursor", "not a cursor this list gave out", code=INVALID_CURSOR)
        return Page(size, int(cursor))
    return Page(size, _text_key(cursor))


def _text_key(cursor: str) -> str:
    refused = InvalidInput("cursor", "not a cursor this list gave out", code=INVALID_CURSOR)
    if not cursor.startswith(TEXT_CURSOR) or len(cursor) > 300:
        raise refused
    encoded = cursor[len(TEXT_CURSOR) :]
    try:
        key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        raise refused from None
    if cursor_of(key) != cursor:
        raise refused
    return key


def cursor_of(key: Any) -> str:
    """The cursor a client gets for the last key of a page: integers as they are, text encoded."""
    if isinstance(key, int):
        return str(key)
    return TEXT_CURSOR + base64.urlsafe_b64encode(str(key).encode("utf-8")).decode("ascii").rstrip("=")


def keyset(
    conn: sa.Connection, query: sa.Select, key: sa.ColumnElement[Any], page: Page, *, newest_first: bool = False
) -> tuple[list[Any], str]:
    """One page of `query` ordered by the unique `key`, and the cursor of the next page ('' at the end)."""
    if page.after is not None:
        query = query.where(key < page.after if newest_first else key > page.after)
    rows = list(conn.execute(query.order_by(key.desc() if newest_first else key).limit(page.size + 1)))
    more = len(rows) > page.size
    rows = rows[: page.size]
    return rows, (cursor_of(getattr(rows[-1], key.name)) if more and rows else "")
