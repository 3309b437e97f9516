"""What the service layer needs from the outside: somewhere to apply resident changes, and its own records."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol

from nhi_common.paging import Page

from ..domain.resident import Problem, ResidentChange


class ResidentSink(Protocol):
    """svc-qualification as the service layer sees it."""

    def apply(self, change: ResidentChange, *, idempotency_key: str) -> list[dict[str, Any]]:
        """Apply one change; return the per-change outcomes; raise ApplyUnavailable or ApplyRejected."""


class ApplyUnavailable(Exception):
    """The change could not be applied now (unreachable, deadline, overload): try again later."""


class ApplyRejected(Exception):
    """The receiver refused the change for good; `field` names what it objected to."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class Records(Protocol):
    """The records of svc-integration inside one transaction."""

    def claim(self, receipt_key: str, consumer: str) -> bool:
        """Note that `consumer` handles `receipt_key`; False when it was handled before."""

    def record_receipt(
        self, *, receipt_key: str, change: ResidentChange, origin: str, import_id: str | None = None
    ) -> None: ...

    def record_outcomes(self, *, receipt_key: str, outcomes: list[dict[str, Any]]) -> None: ...

    def claimed(self, receipt_keys: list[str], consumer: str) -> set[str]:
        """Which of `receipt_keys` `consumer` handled before."""

    def claim_many(self, receipt_keys: list[str], consumer: str) -> None:
        """`claim` of keys not handled before, at once."""

    def record_receipts(self, receipts: list[dict[str, Any]]) -> None:
        """`record_receipt` with its outcomes for several changes: dicts of receipt_key, change, origin, import_id,
        outcomes."""

    def set_sequences_many(self, applied: list[tuple[dict[str, int], str]]) -> None:
        """`set_sequences` of several changes (sequences, change id), in order."""

    def create_import(self, *, import_id: str, source: str, file_name: str, operator_id: str) -> None: ...

    def finish_import(
        self, *, import_id: str, state: str, records: int, applied: int, rejected: int, errors: list[dict[str, Any]]
    ) -> None: ...

    def get_import(self, import_id: str) -> dict[str, Any] | None: ...

    def list_imports(self, *, source: str, page: Page) -> tuple[list[dict[str, Any]], str]:
        """One page of imports, newest first, and the cursor of the next page ('' at the end)."""

    def audit(self, *, operator_id: str, action: str, target_kind: str, target_id: str, detail: str = "") -> None: ...

    def last_sequences(self, person_ids: list[str]) -> dict[str, int]:
        """The sequence of the last change applied per person, for those that have one."""

    def set_sequences(self, *, sequences: dict[str, int], change_id: str) -> None: ...

    def add_dead_letter(
        self,
        *,
        dead_letter_id: str,
        event_id: str,
        ce_type: str,
        change_id: str,
        reason: str,
        problems: list[Problem] | tuple[Problem, ...],
        payload: dict[str, Any],
    ) -> None: ...

    def update_dead_letter(self, dead_letter_id: str, **values: Any) -> None: ...

    def get_dead_letter(self, dead_letter_id: str) -> dict[str, Any] | None: ...

    def list_dead_letters(self, *, state: str, page: Page) -> tuple[list[dict[str, Any]], str]:
        """One page of dead letters, oldest first, and the cursor of the next page ('' at the end)."""

    def publish(self, *, nats_subject: str, type: str, subject: str, data: dict[str, Any]) -> str:
        """Write an event to the outbox inside this transaction; its id."""


class Store(Protocol):
    def transaction(self) -> AbstractContextManager[Records]:
        """Everything done with the records it yields commits together, or not at all."""
