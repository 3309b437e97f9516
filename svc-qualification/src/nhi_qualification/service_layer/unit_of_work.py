"""The unit of work: one transaction, the repositories bound to it, and the events the use case raised.

`commit()` writes the collected events to the outbox in the same transaction, so an event is published if
and only if its change committed. The SQL one lives in `adapters/unit_of_work.py`; tests use a fake.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from ..domain.events import Event


class AbstractUnitOfWork(abc.ABC):
    persons: Any
    households: Any
    periods: Any
    statuses: Any
    certificates: Any
    changes: Any
    burden: Any
    jobs: Any
    age75: Any
    journal: Any

    # True when a read of this unit of work may go on while other units of work write (PostgreSQL's server-side
    # cursors); False when it must be read through and left first (SQLite's write lock, the fakes).
    streaming = False

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __enter__(self) -> "AbstractUnitOfWork":
        self.events = []
        return self

    def __exit__(self, *exc_info) -> None:
        self.rollback()

    def emit(self, *events: Event) -> None:
        self.events.extend(events)

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part that may fail on its own: on an exception its writes and events are undone, and it propagates."""
        raised = len(self.events)
        with self._nested():
            try:
                yield
            except BaseException:
                del self.events[raised:]
                raise

    def commit(self) -> None:
        self._commit(self.events)
        self.events = []

    @abc.abstractmethod
    def _commit(self, events: list[Event]) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...

    @abc.abstractmethod
    def _nested(self) -> contextlib.AbstractContextManager: ...

    def cache_reads(  # noqa: B027
        self, *, person_ids: list[str] = (), household_ids: list[str] = (), members: bool = True
    ) -> None:
        """Keep persons, households, current periods and statuses once read, for the rest of this unit of work (the
        store's own writes keep them true; a savepoint rolled back drops them), and read the persons and households
        named, with the households' members (`members`: their periods, 枝番 and open intake items too), at once. A
        batch of changes that each read the same rows again asks for it; nothing by default."""

    def defer_writes(self) -> None:  # noqa: B027 - an optional hook: a store may write at once
        """Keep this unit of work's writes back and write them per table when something needs them in the store (a
        read the cache does not answer), at the latest at commit; savepoints keep and undo them too. Asked for by a
        batch that caches its reads (cache_reads) and writes many rows: what it stores is the same. Nothing by
        default (every write goes at once)."""

    def tune_for_batch(self) -> None:  # noqa: B027 - an optional hook: most stores need nothing
        """A batch chunk's transaction: tell the store so (plan settings); nothing by default."""


# A factory: `uow()` for a change, `uow(read_only=True)` for reads.
UnitOfWorkFactory = Callable[..., AbstractUnitOfWork]
