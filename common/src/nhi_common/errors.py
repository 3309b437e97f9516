"""Errors a service layer raises, each carrying its category; `rpc.STATUS_OF` is the one table to gRPC statuses.

No gRPC here: domain and service-layer code raise these, the gRPC edge translates them (`rpc.translated`).
"""

from __future__ import annotations

import enum


class Category(enum.Enum):
    """What kind of failure an error is; decides the gRPC status (and so the HTTP status) alone."""

    INPUT = "input"  # the request is malformed whatever the records say (400)
    RULE = "rule"  # the rules refuse the request given the records (422)
    NOT_FOUND = "not_found"  # a named record does not exist (404)
    CONFLICT = "conflict"  # someone else changed the record first (409)
    PERMISSION = "permission"  # the caller lacks a scope (403)


# A date the client gave that lies out of the reach an operation allows (a job for the year 9999): as malformed as a
# value the API's spec refuses itself, so the gateway answers it 400 like those.
DATE_OUT_OF_RANGE = "DATE_OUT_OF_RANGE"

# Codes that say the request itself is malformed, whichever service or use case refuses it: their errors are
# INPUT unless raised with another category. Every other code is a RULE refusal.
INPUT_CODES = frozenset(
    {
        "REQUIRED",
        "INVALID_DATE",
        "INVALID_JSON",
        "INVALID_MY_NUMBER",
        "INVALID_CURSOR",
        "INVALID_PAGE_SIZE",
        "INVALID_RANGE",
        DATE_OUT_OF_RANGE,
        "INVALID_LISTING_ORDER",
        "UNKNOWN_REASON",
        "UNKNOWN_KIND",
        "UNKNOWN_OUTCOME",
        "UNKNOWN_JOB_KIND",
        "UNKNOWN_PARAMETER",
        "REASON_KIND_MISMATCH",
        "CONFLICTING_FIELDS",
        "NOTHING_TO_CORRECT",
        "EVENT_IN_FUTURE",
        "NOTIFIED_IN_FUTURE",
    }
)


# The check an input code stands for, named like the JSON Schema keyword a schema error of the gateway names, so
# that a refused field always says which rule it broke, whether the spec or a service refused it.
INPUT_RULES = {
    "REQUIRED": "required",
    "NOTHING_TO_CORRECT": "required",
    "INVALID_DATE": "format",
    "INVALID_JSON": "format",
    "INVALID_CURSOR": "format",
    "INVALID_PAGE_SIZE": "minimum",
    "INVALID_LISTING_ORDER": "minimum",
    "INVALID_RANGE": "range",
    DATE_OUT_OF_RANGE: "range",
    "UNKNOWN_REASON": "enum",
    "UNKNOWN_KIND": "enum",
    "UNKNOWN_OUTCOME": "enum",
    "UNKNOWN_JOB_KIND": "enum",
    "UNKNOWN_PARAMETER": "additionalProperties",
    "REASON_KIND_MISMATCH": "enum",
    "CONFLICTING_FIELDS": "exclusive",
}


class DomainError(Exception):
    """A refusal with a stable `code`, the `field` (request path) it concerns and the `rule` id it applies."""

    category = Category.RULE

    def __init__(
        self,
        field: str,
        message: str,
        *,
        rule: str = "",
        code: str = "RULE_VIOLATION",
        metadata: dict[str, str] | None = None,
        category: Category | None = None,
    ) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.rule = rule or INPUT_RULES.get(code, "")
        self.code = code
        self.metadata = dict(metadata or {})
        if category is not None:
            self.category = category
        elif code in INPUT_CODES:
            self.category = Category.INPUT

    @property
    def detail(self) -> str:
        """One line for a person: the field first when there is one."""
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidInput(DomainError):
    """The request itself is wrong: a missing field, a date that is no date, a cursor no list gave out."""

    category = Category.INPUT


class NotFound(DomainError):
    category = Category.NOT_FOUND

    def __init__(self, kind: str, key: str) -> None:
        super().__init__("", f"{kind} {key} not found", code="NOT_FOUND", metadata={"kind": kind, "id": key})
        self.kind = kind
        self.key = key


class Conflict(DomainError):
    """Another change committed first; `metadata` says what is current now."""

    category = Category.CONFLICT

    def __init__(self, message: str, *, code: str = "STALE_VERSION", metadata: dict[str, str] | None = None) -> None:
        super().__init__("", message, code=code, metadata=metadata)


class IdempotencyReuse(DomainError):
    """An Idempotency-Key came back with a different request."""

    def __init__(self, message: str = "the Idempotency-Key was already used with a different request") -> None:
        super().__init__("Idempotency-Key", message, rule="idempotency-key", code="IDEMPOTENCY_KEY_REUSED")

    @property
    def detail(self) -> str:
        return self.message


class PermissionDenied(DomainError, PermissionError):
    category = Category.PERMISSION

    def __init__(self, message: str, *, code: str = "SCOPE_REQUIRED") -> None:
        super().__init__("", message, code=code)
