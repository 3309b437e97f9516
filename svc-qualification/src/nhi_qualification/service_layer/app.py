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
from ..domain.commands import fingerprint
from .context import Actor, business_date
from .unit_of_work import AbstractUnitOfWork, UnitOfWorkFactory


class MyNumberCipher(Protocol):
    def seal(self, my_number: str) -> dict[str, Any]:
        """The person columns my_number_enc, my_number_hash and my_number_key_version."""

    def decrypt(self, blob: bytes, version: int | None) -> str: ...

    def lookup_hashes(self, my_number: str) -> list[str]:
        """The look-up hash under every configured key version."""


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


def change_once(
    app: App,
    actor: Actor,
    operation: str,
    command: Any,
    work: Callable[[AbstractUnitOfWork], dict[str, Any]],
    *,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Run a change in one unit of work and commit it, once per operator and Idempotency-Key: a replay of the same
    command gets the stored answer, another command under the same key IdempotencyReuse; another operator's key is
    another key. A dry run decides and commits nothing."""
    with app.uow() as uow:
        if dry_run:
            return work(uow)
        if not actor.idempotency_key:
            response = work(uow)
        else:
            request = dumps(fingerprint(command)).encode()
            stored = uow.journal.recall(actor.operator_id, actor.idempotency_key, operation, request)
            if stored is not None:
                return json.loads(stored)
            response = work(uow)
            uow.journal.remember(
                actor.operator_id, actor.idempotency_key, operation, request, json.dumps(response).encode()
            )
        uow.commit()
    return response
