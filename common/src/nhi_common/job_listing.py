"""GET /jobs: each service lists its own jobs newest first, and the gateway merges the lists.

One key orders every service's jobs the same way: "<created_at>|<job_id>", the moment in RFC 3339 as the job shows
it. A page of a service ends with the cursor of that key (a text cursor of nhi_common.paging), and the gateway hands
the key of the last job it kept to every service for the next page. No SQLAlchemy here: the service layers use it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from . import paging
from .errors import InvalidInput

STATES = ("queued", "running", "succeeded", "failed")  # as the API shows a job
UNKNOWN_KIND = "UNKNOWN_KIND"


def kinds(kind: str, known: Sequence[str]) -> tuple[str, ...]:
    """The kinds a filter on `kind` stands for ('' = every kind this service runs); another is refused, naming it."""
    if not kind:
        return tuple(known)
    if kind not in known:
        raise InvalidInput("kind", "must be one of " + ", ".join(known), code=UNKNOWN_KIND)
    return (kind,)


def states(state: str, *, running: Sequence[str] = ("running",)) -> tuple[str, ...]:
    """The stored states a filter on `state` stands for ('' = every state); `running` names the stored states a
    service shows as running (svc-documents' `assembling` too). An unknown state is refused, naming the field."""
    if not state:
        return ()
    if state not in STATES:
        raise InvalidInput("state", "must be one of " + ", ".join(STATES), code=UNKNOWN_KIND)
    return tuple(running) if state == "running" else (state,)


def key(page: paging.Page) -> tuple[dt.datetime, str] | None:
    """The (created_at in UTC, job_id) a page starts after; None on the first page. A key no list gave out is
    refused as a cursor."""
    if page.after is None:
        return None
    moment, _, job_id = str(page.after).partition("|")
    try:
        at = dt.datetime.fromisoformat(moment)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None or not job_id:
        raise InvalidInput("cursor", "not a cursor this list gave out", code=paging.INVALID_CURSOR)
    return at.astimezone(dt.UTC), job_id


def cursor(created_at: str, job_id: str) -> str:
    """The cursor of the page after a job, from the job as shown (`created_at` in RFC 3339)."""
    return paging.cursor_of(f"{created_at}|{job_id}")


def order(created_at: str, job_id: str) -> tuple[dt.datetime, str]:
    """The sort key of a job as shown, newest last: how the gateway merges the services' pages."""
    at = dt.datetime.fromisoformat(created_at)
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(dt.UTC), job_id
