"""Tables every service keeps beside its own: outbox, inbox, idempotency keys, audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any

import sqlalchemy as sa

from . import audit as audit_chain
from . import db, telemetry
from .errors import IdempotencyReuse
from .events import Event


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _outbox_columns() -> list[sa.Column]:
    return [
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("nats_subject", sa.String(200), nullable=False),
        sa.Column("ce_type", sa.String(200), nullable=False),
        sa.Column("ce_source", sa.String(200), nullable=False),
        sa.Column("ce_subject", sa.String(200), nullable=False),
        sa.Column("ce_time", sa.String(40), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("traceparent", sa.String(100)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), index=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    ]


def _inbox_columns() -> list[sa.Column]:
    return [
        sa.Column("event_id", sa.String(100), primary_key=True),
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _idempotency_columns() -> list[sa.Column]:
    return [
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("operation", sa.String(100), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("response", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _audit_columns() -> list[sa.Column]:
    return [*_audit_columns_initial(), *audit_chain.chain_columns()]


def _audit_columns_initial() -> list[sa.Column]:
    """The audit_log as the initial migrations created it (the chain's columns came with migration audit_chain)."""
    return [
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("operator_id", sa.String(100), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("target_kind", sa.String(50), nullable=False),
        sa.Column("target_id", sa.String(100), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
    ]


PLUMBING = {
    "outbox": _outbox_columns,
    "inbox": _inbox_columns,
    "idempotency_keys": _idempotency_columns,
    "audit_log": _audit_columns,
}


def define_tables(metadata: sa.MetaData) -> dict[str, sa.Table]:
    """Add the plumbing tables to a service's metadata."""
    return {name: sa.Table(name, metadata, *columns()) for name, columns in PLUMBING.items()}


# The plumbing tables as the initial revisions create them; later revisions add to them.
PLUMBING_INITIAL = {**PLUMBING, "audit_log": _audit_columns_initial}


def create_tables_in_migration(op) -> None:
    """Create the plumbing tables from inside an Alembic revision (the initial one)."""
    for name, columns in PLUMBING_INITIAL.items():
        op.create_table(name, *columns())


class Plumbing:
    """The plumbing tables of one service, with the operations on them."""

    def __init__(self, metadata: sa.MetaData, source: str) -> None:
        self.tables = {name: metadata.tables[name] for name in PLUMBING}
        self.source = source

    @property
    def outbox(self) -> sa.Table:
        return self.tables["outbox"]

    def add_event(
        self, conn: sa.Connection, *, nats_subject: str, type: str, subject: str, data: dict[str, Any]
    ) -> Event:
        """Write an event into the outbox inside the caller's transaction."""
        event = Event.new(source=self.source, type=type, subject=subject, data=data)
        conn.execute(
            sa.insert(self.outbox).values(
                event_id=event.id,
                nats_subject=nats_subject,
                ce_type=event.type,
                ce_source=event.source,
                ce_subject=event.subject,
                ce_time=event.time,
                data=event.body().decode(),
                traceparent=telemetry.current_traceparent(),
                created_at=utcnow(),
            )
        )
        return event

    def claim_inbox(self, conn: sa.Connection, *, event_id: str, consumer: str) -> bool:
        """Record that `consumer` handles `event_id` in this transaction; False if it was handled already."""
        inbox = self.tables["inbox"]
        seen = conn.execute(
            sa.select(inbox.c.event_id).where(inbox.c.event_id == event_id, inbox.c.consumer == consumer)
        ).first()
        if seen:
            return False
        conn.execute(sa.insert(inbox).values(event_id=event_id, consumer=consumer, processed_at=utcnow()))
        return True

    def claim_inbox_many(self, conn: sa.Connection, event_ids: list[str], consumer: str) -> list[bool]:
        """`claim_inbox` of each event in order, in two statements (which were handled before, read at once; the
        new claims, written at once): a repeated id is claimed by its first."""
        inbox = self.tables["inbox"]
        seen: set[str] = set()
        for part in db.id_slices(conn, list(dict.fromkeys(event_ids)), 1000):
            query = sa.select(inbox.c.event_id).where(
                db.one_of(conn, inbox.c.event_id, part), inbox.c.consumer == consumer
            )
            seen.update(conn.scalars(query))
        claimed = []
        for event_id in event_ids:
            claimed.append(event_id not in seen)
            seen.add(event_id)
        now = utcnow()
        db.insert_rows(
            conn,
            inbox,
            [
                {"event_id": e, "consumer": consumer, "processed_at": now}
                for e, c in zip(event_ids, claimed, strict=True)
                if c
            ],
        )
        return claimed

    def audit(
        self,
        conn: sa.Connection,
        *,
        operator_id: str,
        action: str,
        target_kind: str,
        target_id: str,
        detail: str = "",
        purpose: str | None = None,
    ) -> None:
        """Append one row to this service's audit chain as part of the caller's transaction (on PostgreSQL when it
        commits: audit.append_at_commit); the purpose is the request's (RequestContext.purpose) unless given."""
        audit_chain.append_at_commit(
            conn,
            self.tables["audit_log"],
            event_id=str(uuid.uuid4()),
            occurred_at=utcnow(),
            operator_id=operator_id or "system",
            action=action,
            target_kind=target_kind,
            target_id=target_id,
            detail=detail,
            purpose=audit_chain.call_purpose() if purpose is None else purpose,
        )

    def recall_idempotent(
        self, conn: sa.Connection, *, operator_id: str, key: str, operation: str, request: bytes
    ) -> bytes | None:
        """The stored response for a key this operator replays; IdempotencyConflict if it came with another request.
        Another operator's key of the same spelling is another key."""
        table = self.tables["idempotency_keys"]
        row = conn.execute(
            sa.select(table.c.request_hash, table.c.response).where(
                table.c.key == operator_key(operator_id, key), table.c.operation == operation
            )
        ).first()
        if row is None:
            return None
        if row.request_hash != request_hash(request):
            raise IdempotencyConflict(key)
        return row.response

    def remember_idempotent(
        self, conn: sa.Connection, *, operator_id: str, key: str, operation: str, request: bytes, response: bytes
    ) -> None:
        """Keep the response under the operator's key; IntegrityError when a concurrent request kept it first."""
        conn.execute(
            sa.insert(self.tables["idempotency_keys"]).values(
                key=operator_key(operator_id, key),
                operation=operation,
                request_hash=request_hash(request),
                response=response,
                created_at=utcnow(),
            )
        )

    def recall_job(
        self, conn: sa.Connection, *, operator_id: str, key: str, operation: str, request: bytes
    ) -> str | None:
        """The id of the job this operator's Idempotency-Key queued (StartJob replayed), or None; IdempotencyReuse
        when the key came with another request."""
        try:
            stored = self.recall_idempotent(
                conn, operator_id=operator_id, key=key, operation=operation, request=request
            )
        except IdempotencyConflict:
            raise IdempotencyReuse() from None
        return json.loads(stored)["job_id"] if stored is not None else None

    def remember_job(
        self, conn: sa.Connection, *, operator_id: str, key: str, operation: str, request: bytes, job_id: str
    ) -> None:
        """Keep the job a StartJob queued under the operator's Idempotency-Key."""
        self.remember_idempotent(
            conn,
            operator_id=operator_id,
            key=key,
            operation=operation,
            request=request,
            response=json.dumps({"job_id": job_id}).encode(),
        )


def operator_key(operator_id: str, key: str) -> str:
    """The stored form of an Idempotency-Key: the operator's digest, then the key as sent (at most 161 characters,
    whatever the length of the operator id), so that keys are per operator and one operator can never replay the
    answer another one got."""
    return hashlib.sha256(operator_id.encode()).hexdigest()[:32] + ":" + key


class IdempotencyConflict(Exception):
    """An Idempotency-Key was reused with a different request."""


def request_hash(request: bytes) -> str:
    return hashlib.sha256(request).hexdigest()


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
