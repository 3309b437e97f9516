"""What the use cases need from the outside: the pending aggregation records, one transaction at a time."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol

from nhi_common.paging import Page

from ..domain.aggregation import PendingRecord


class PendingRecords(Protocol):
    """The records of svc-interchange inside one transaction."""

    def claim(self, event_id: str, consumer: str) -> bool:
        """Note that `consumer` handles `event_id`; False when it was handled before."""

    def add_pending(self, record: PendingRecord, payload: dict[str, Any]) -> None: ...

    def list_pending(self, *, person_id: str, page: Page) -> tuple[list[dict[str, Any]], str, int]:
        """One page of pending records in arrival order, the cursor of the next page ('' at the end), and the total."""


class Store(Protocol):
    def transaction(self) -> AbstractContextManager[PendingRecords]:
        """Everything done with the records it yields commits together, or not at all."""
