"""Keyset pagination, once for every list of every service.

The gRPC edge turns a page request into a `Page` (`parse`), refusing a cursor no list gave out with an
InvalidInput naming `cursor`; a repository runs it over a query (`keyset`).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from .errors import InvalidInput

if TYPE_CHECKING:  # the service layer reads Page without pulling in SQLAlchemy
    import sqlalchemy as sa

DEFAULT_SIZE = 50
MAX_SIZE = 500
INVALID_CURSOR = "INVALID_CURSOR"
INVALID_PAGE_SIZE = "INVALID_PAGE_SIZE"


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
    if len(cursor) > 200 or not cursor.isprintable():
        raise InvalidInput("cursor", "not a cursor this list gave out", code=INVALID_CURSOR)
    return Page(size, cursor)


def keyset(conn: sa.Connection, query: sa.Select, key: sa.ColumnElement[Any], page: Page, *,
           newest_first: bool = False) -> tuple[list[Any], str]:
    """One page of `query` ordered by the unique `key`, and the cursor of the next page ('' at the end)."""
    if page.after is not None:
        query = query.where(key < page.after if newest_first else key > page.after)
    rows = list(conn.execute(query.order_by(key.desc() if newest_first else key).limit(page.size + 1)))
    more = len(rows) > page.size
    rows = rows[:page.size]
    return rows, (str(getattr(rows[-1], key.name)) if more and rows else "")
