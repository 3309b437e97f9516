"""What the service layer needs from the outside: somewhere to apply resident changes."""

from __future__ import annotations

from typing import Any, Protocol

from ..domain.resident import ResidentChange


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
