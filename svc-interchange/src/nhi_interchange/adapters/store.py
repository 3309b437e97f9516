"""The pending aggregation records on svc-interchange's tables (SQLAlchemy Core)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from nhi_common import paging
from nhi_common.plumbing import Plumbing, utcnow

from ..domain.aggregation import PendingRecord
from .tables import metadata, pending

EVENT_SOURCE = "urn:nhi:svc-interchange"


class SqlPendingRecords:
    """PendingRecords inside the transaction of `conn`."""

    def __init__(self, conn: sa.Connection, plumbing: Plumbing) -> None:
        self.conn = conn
        self.plumbing = plumbing

    def claim(self, event_id: str, consumer: str) -> bool:
        return self.plumbing.claim_inbox(self.conn, event_id=event_id, consumer=consumer)

    def add_pending(self, record: PendingRecord, payload: dict[str, Any]) -> None:
        self.conn.execute(
            sa.insert(pending).values(
                record_id=str(uuid.uuid4()),
                event_id=record.event_id,
                event_type=record.event_type,
                person_id=record.person_id,
                household_id=record.household_id,
                change_id=record.change_id,
                effective_date=record.effective_date,
                payload=json.dumps(payload, ensure_ascii=False),
                received_at=utcnow(),
            )
        )

    def list_pending(self, *, person_id: str, page: paging.Page) -> tuple[list[dict[str, Any]], str, int]:
        query = sa.select(pending).where(pending.c.state == "pending")
        total_query = sa.select(sa.func.count()).select_from(pending).where(pending.c.state == "pending")
        if person_id:
            query = query.where(pending.c.person_id == person_id)
            total_query = total_query.where(pending.c.person_id == person_id)
        rows, next_cursor = paging.keyset(self.conn, query, pending.c.seq, page)
        total = self.conn.execute(total_query).scalar_one()
        return [_record(row) for row in rows], next_cursor, total


class SqlStore:
    """Store over an engine: one database transaction per unit of work."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.plumbing = Plumbing(metadata, EVENT_SOURCE)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[SqlPendingRecords]:
        with self.engine.begin() as conn:
            yield SqlPendingRecords(conn, self.plumbing)


def _record(row) -> dict[str, Any]:
    return {
        "record_id": row.record_id,
        "event_id": row.event_id,
        "event_type": row.event_type,
        "person_id": row.person_id,
        "household_id": row.household_id,
        "change_id": row.change_id,
        "effective_date": row.effective_date,
        "received_at": _iso(row.received_at),
        "state": row.state,
    }


def _iso(value: dt.datetime) -> str:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    return value.isoformat() if value.tzinfo else value.isoformat() + "+00:00"
