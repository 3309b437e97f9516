"""Repositories of svc-integration over its tables; every function works inside the caller's transaction."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from nhi_common import paging
from nhi_common.plumbing import Plumbing, utcnow

from ..domain.resident import Problem, ResidentChange
from .tables import imports, metadata, received_changes, rejected_events

EVENT_SOURCE = "urn:nhi:svc-integration"


def record_receipt(
    conn: sa.Connection, *, receipt_key: str, change: ResidentChange, origin: str, import_id: str | None = None
) -> None:
    """Note that a change arrived and is being handed on (no personal data: ids and counts only)."""
    conn.execute(
        sa.insert(received_changes).values(
            receipt_key=receipt_key,
            change_id=change.change_id,
            change_kind=change.change_kind,
            household_id=change.household_id,
            persons=len(change.persons),
            origin=origin,
            import_id=import_id,
            received_at=utcnow(),
        )
    )


def record_outcomes(conn: sa.Connection, *, receipt_key: str, outcomes: list[dict[str, Any]]) -> None:
    conn.execute(
        sa.update(received_changes)
        .where(received_changes.c.receipt_key == receipt_key)
        .values(outcomes=json.dumps(outcomes, ensure_ascii=False, sort_keys=True))
    )


def get_receipt(conn: sa.Connection, receipt_key: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(received_changes).where(received_changes.c.receipt_key == receipt_key)).first()
    if row is None:
        return None
    data = dict(row._mapping)
    data["outcomes"] = json.loads(data["outcomes"])
    return data


def record_rejection(
    conn: sa.Connection, *, event_id: str, ce_type: str, change_id: str, problems: list[Problem] | tuple[Problem, ...]
) -> None:
    conn.execute(
        sa.insert(rejected_events).values(
            event_id=event_id,
            ce_type=ce_type,
            change_id=change_id,
            rejected_at=utcnow(),
            problems=json.dumps([{"field": p.field, "message": p.message} for p in problems], ensure_ascii=False),
        )
    )


def list_rejections(conn: sa.Connection, *, limit: int = 100) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(rejected_events).order_by(rejected_events.c.seq).limit(limit))
    return [{**dict(r._mapping), "problems": json.loads(r.problems)} for r in rows]


def create_import(conn: sa.Connection, *, import_id: str, source: str, file_name: str, operator_id: str) -> None:
    conn.execute(
        sa.insert(imports).values(
            import_id=import_id,
            source=source,
            file_name=file_name,
            operator_id=operator_id,
            state="accepted",
            received_at=utcnow(),
        )
    )


def finish_import(
    conn: sa.Connection,
    *,
    import_id: str,
    state: str,
    records: int,
    applied: int,
    rejected: int,
    errors: list[dict[str, Any]],
) -> None:
    conn.execute(
        sa.update(imports)
        .where(imports.c.import_id == import_id)
        .values(
            state=state,
            records=records,
            applied=applied,
            rejected=rejected,
            finished_at=utcnow(),
            errors=json.dumps(errors, ensure_ascii=False),
        )
    )


def get_import(conn: sa.Connection, import_id: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(imports).where(imports.c.import_id == import_id)).first()
    return _import(row) if row else None


def list_imports(conn: sa.Connection, *, source: str = "", page: paging.Page) -> tuple[list[dict[str, Any]], str]:
    """One page of imports, newest first, and the cursor of the next page ('' at the end)."""
    query = sa.select(imports)
    if source:
        query = query.where(imports.c.source == source)
    rows, next_cursor = paging.keyset(conn, query, imports.c.seq, page, newest_first=True)
    return [_import(row) for row in rows], next_cursor


def _import(row) -> dict[str, Any]:
    data = dict(row._mapping)
    data["errors"] = json.loads(data["errors"])
    return data


class SqlRecords:
    """Records inside the transaction of `conn`."""

    def __init__(self, conn: sa.Connection, plumbing: Plumbing) -> None:
        self.conn = conn
        self.plumbing = plumbing

    def claim(self, receipt_key: str, consumer: str) -> bool:
        return self.plumbing.claim_inbox(self.conn, event_id=receipt_key, consumer=consumer)

    def record_receipt(self, **kwargs) -> None:
        record_receipt(self.conn, **kwargs)

    def record_outcomes(self, **kwargs) -> None:
        record_outcomes(self.conn, **kwargs)

    def record_rejection(self, **kwargs) -> None:
        record_rejection(self.conn, **kwargs)

    def rejections(self) -> list[dict[str, Any]]:
        return list_rejections(self.conn)

    def create_import(self, **kwargs) -> None:
        create_import(self.conn, **kwargs)

    def finish_import(self, **kwargs) -> None:
        finish_import(self.conn, **kwargs)

    def get_import(self, import_id: str) -> dict[str, Any] | None:
        return get_import(self.conn, import_id)

    def list_imports(self, *, source: str, page: paging.Page) -> tuple[list[dict[str, Any]], str]:
        return list_imports(self.conn, source=source, page=page)

    def audit(self, **kwargs) -> None:
        self.plumbing.audit(self.conn, **kwargs)


class SqlStore:
    """Store over an engine: one database transaction per unit of work."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.plumbing = Plumbing(metadata, EVENT_SOURCE)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[SqlRecords]:
        with self.engine.begin() as conn:
            yield SqlRecords(conn, self.plumbing)
