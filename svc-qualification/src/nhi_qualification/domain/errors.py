"""Domain rule violations, each naming the field and the rule."""

from __future__ import annotations


class RuleViolation(Exception):
    """Input that the rules refuse: `field` is the request path, `rule` the rule id, `code` a stable reason."""

    def __init__(self, field: str, message: str, *, rule: str = "", code: str = "RULE_VIOLATION") -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.rule = rule
        self.code = code
