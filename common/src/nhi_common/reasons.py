"""The explanation every decision carries (nhi.common.v1.Reason): the rule applied, the facts it used, its basis.

A value type shared by the services so that every decision explains itself the same way; the rules stay in
each service's domain package.
"""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class Reason:
    rule_id: str
    summary: str
    basis: str = ""
    facts: dict[str, str] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "summary": self.summary, "basis": self.basis, "facts": dict(self.facts)}
