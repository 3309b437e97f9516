"""The plumbing tables as the use cases need them: audit log, inbox, idempotency keys, what the outbox published."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa

from nhi_common import audit as audit_chain
from nhi_common import paging
from nhi_common.errors import Conflict, IdempotencyReuse
from nhi_common.plumbing import IdempotencyConflict, Plumbing, utcnow

from ..tables import PLUMBING


class IdempotencyKeyInUse(Conflict):
    """Two requests under one Idempotency-Key at once: the other one's change committed, this one's is undone."""

    def __init__(self) -> None:
        super().__init__(
            "a request under the same Idempotency-Key was done meanwhile; repeat this one to get its answer",
            code="IDEMPOTENCY_KEY_IN_USE",
        )


class Journal:
    def __init__(self, conn: sa.Connection, plumbing: Plumbing) -> None:
        self.conn = conn
        self.plumbing = plumbing
        # Audit rows kept back while the unit of work defers writes (defer_writes): appended at commit, in order.
        self.kept: list[dict] | None = None

    def defer_writes(self) -> None:
        self.kept = []

    def write_kept(self) -> None:
        """The kept-back audit rows, appended to the chain under one lock and one read of its head."""
        if self.kept:
            rows, self.kept = self.kept, []
            audit_chain.append_many(self.conn, self.plumbing.tables["audit_log"], rows)

    def audit(self, *, operator_id: str, action: str, target_kind: str, target_id: str, detail: str = "") -> None:
        if self.kept is not None:
            # the row Plumbing.audit appends
            self.kept.append(
                {
                    "event_id": str(uuid.uuid4()),
                    "occurred_at": utcnow(),
                    "operator_id": operator_id or "system",
                    "action": action,
                    "target_kind": target_kind,
                    "target_id": target_id,
                    "detail": detail,
                    "purpose": audit_chain.call_purpose(),
                }
            )
            return
        self.plumbing.audit(
            self.conn,
            operator_id=operator_id,
            action=action,
            target_kind=target_kind,
            target_id=target_id,
            detail=detail,
        )

    def claim_inbox(self, event_id: str, consumer: str) -> bool:
        """Record that `consumer` handles `event_id` in this transaction; False if it was handled already."""
        return self.plumbing.claim_inbox(self.conn, event_id=event_id, consumer=consumer)

    def claim_inbox_many(self, event_ids: list[str], consumer: str) -> list[bool]:
        return self.plumbing.claim_inbox_many(self.conn, event_ids, consumer)

    def recall(self, operator_id: str, key: str, operation: str, request: bytes) -> bytes | None:
        """The stored response of an Idempotency-Key this operator replays; IdempotencyReuse when it came with
        another request."""
        try:
            return self.plumbing.recall_idempotent(
                self.conn, operator_id=operator_id, key=key, operation=operation, request=request
            )
        except IdempotencyConflict:
            raise IdempotencyReuse() from None

    def remember(self, operator_id: str, key: str, operation: str, request: bytes, response: bytes) -> None:
        """Keep the response; IdempotencyKeyInUse when a concurrent request under the same key kept its own first."""
        try:
            self.plumbing.remember_idempotent(
                self.conn, operator_id=operator_id, key=key, operation=operation, request=request, response=response
            )
        except sa.exc.IntegrityError:
            raise IdempotencyKeyInUse() from None

    def audit_page(self, *, operator_id: str, action: str, page: paging.Page) -> tuple[list, str]:
        table = self.plumbing.tables["audit_log"]
        query = sa.select(table)
        if operator_id:
            query = query.where(table.c.operator_id == operator_id)
        if action:
            query = query.where(table.c.action == action)
        return paging.keyset(self.conn, query, table.c.seq, page)

    def published_change_ids(self, person_id: str, change_ids: set[str]) -> set[str]:
        """Which of `change_ids` had an event of this person already published by the outbox relay."""
        outbox = PLUMBING["outbox"]
        found = set()
        for row in self.conn.execute(
            sa.select(outbox.c.data).where(outbox.c.ce_subject == person_id, outbox.c.published_at.is_not(None))
        ):
            try:
                change_id = json.loads(row.data).get("change_id")
            except ValueError:
                continue
            if change_id in change_ids:
                found.add(change_id)
        return found
