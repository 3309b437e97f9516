"""Refusals of the qualification domain, each naming the field, the rule and a stable code.

The category (input, rule, conflict, ...) is on the error itself; `nhi_common.rpc.STATUS_OF` turns it into a
gRPC status at the edge.
"""

from __future__ import annotations

from nhi_common.errors import Conflict, DomainError, IdempotencyReuse, NotFound, PermissionDenied

__all__ = ["IdempotencyReuse", "NotFound", "PermissionDenied", "RuleViolation", "StalePeriodVersion", "StaleVersion"]


class RuleViolation(DomainError):
    """Input that the rules refuse: `field` is the request path, `rule` the rule id, `code` a stable reason."""


class StaleVersion(Conflict):
    """Another change to the household committed first."""

    def __init__(self, household_id: str, current_version: int) -> None:
        super().__init__(
            f"household {household_id} was changed by someone else (now version {current_version})",
            metadata={"household_id": household_id, "current_version": str(current_version)},
        )
        self.household_id = household_id
        self.current_version = current_version


class StalePeriodVersion(Conflict):
    """The version a correction names is no longer the current one."""

    def __init__(self, period_id: str, version_id: int, current_version_id: int) -> None:
        super().__init__(
            f"period {period_id} version {version_id} is no longer current (now version {current_version_id})",
            metadata={
                "period_id": period_id,
                "version_id": str(version_id),
                "current_version_id": str(current_version_id),
            },
        )
        self.period_id = period_id
        self.version_id = version_id
        self.current_version_id = current_version_id
