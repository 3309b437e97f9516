"""Errors of the service layer, translated to gRPC statuses by the entry points."""

from __future__ import annotations


class NotFound(Exception):
    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"{kind} {key} not found")
        self.kind = kind
        self.key = key


class StaleVersion(Exception):
    """Another change to the household committed first."""

    def __init__(self, household_id: str, current_version: int) -> None:
        super().__init__(f"household {household_id} was changed by someone else (now version {current_version})")
        self.household_id = household_id
        self.current_version = current_version


class IdempotencyReuse(Exception):
    pass
