"""What every use case of svc-qualification is given: the unit of work, the My Number cipher, the rule settings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from typing import Any, Protocol

from nhi_common.plumbing import dumps

from ..domain import decide as rules
from ..domain.certificates import CertificateConfig
from .context import Actor, business_date
from .unit_of_work import AbstractUnitOfWork, UnitOfWorkFactory


class MyNumberCipher(Protocol):
    def encrypt(self, my_number: str) -> bytes: ...

    def decrypt(self, token: bytes) -> str: ...

    def lookup_hash(self, my_number: str) -> str: ...


@dataclasses.dataclass(frozen=True)
class App:
    uow: UnitOfWorkFactory
    vault: MyNumberCipher
    insurer_number: str
    insured_symbol: str
    fixed_business_date: dt.date | None = None
    rules: rules.RuleConfig = rules.RuleConfig()
    certificates: CertificateConfig = CertificateConfig()

    def today(self, actor: Actor) -> dt.date:
        return business_date(actor, self.fixed_business_date)


def idempotent(uow: AbstractUnitOfWork, actor: Actor, operation: str, request: Any,
               produce: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run `produce` once per Idempotency-Key: a replay of the same request gets the stored answer, another request
    under the same key IdempotencyReuse. Inside the caller's unit of work, so the answer commits with the change."""
    if not actor.idempotency_key:
        return produce()
    fingerprint = dumps(request).encode()
    stored = uow.journal.recall(actor.idempotency_key, operation, fingerprint)
    if stored is not None:
        return json.loads(stored)
    response = produce()
    uow.journal.remember(actor.idempotency_key, operation, fingerprint, json.dumps(response).encode())
    return response
