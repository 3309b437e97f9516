"""Repositories of svc-integration over its tables; every function works inside the caller's transaction."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from nhi_common.plumbing import utcnow

from ..domain.resident import Problem, ResidentChange
from .tables import imports, received_changes, rejected_events


def record_receipt(conn: sa.Connection, *, receipt_key: str, change: ResidentChange, origin: str,
                   import_id: str | None = None) -> None:
    """Note that a change arrived and is being handed on (no personal data: ids and counts only)."""
    conn.execute(sa.insert(received_changes).values(
        receipt_key=receipt_key, change_id=change.change_id, change_kind=change.change_kind,
        household_id=change.household_id, persons=len(change.persons), origin=origin, import_id=import_id,
        received_at=utcnow()))


def record_outcomes(conn: sa.Connection, *, receipt_key: str, outcomes: list[dict[str, Any]]) -> None:
    conn.execute(sa.update(received_changes).where(received_changes.c.receipt_key == receipt_key)
                 .values(outcomes=json.dumps(outcomes, ensure_ascii=False, sort_keys=True)))


def get_receipt(conn: sa.Connection, receipt_key: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(received_changes).where(received_changes.c.receipt_key == receipt_key)).first()
    if row is None:
        return None
    data = dict(row._mapping)
    data["outcomes"] = json.loads(data["outcomes"])
    return data


def record_rejection(conn: sa.Connection, *, event_id: str, ce_type: str, change_id: str,
                     problems: list[Problem] | tuple[Problem, ...]) -> None:
    conn.execute(sa.insert(rejected_events).values(
        event_id=event_id, ce_type=ce_type, change_id=change_id, rejected_at=utcnow(),
        problems=json.dumps([{"field": p.field, "message": p.message} for p in problems], ensure_ascii=False)))


def list_rejections(conn: sa.Connection, *, limit: int = 100) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(rejected_events).order_by(rejected_events.c.seq).limit(limit))
    return [{**dict(r._mapping), "problems": json.loads(r.problems)} for r in rows]


def create_import(conn: sa.Connection, *, import_id: str, source: str, file_name: str, operator_id: str) -> None:
    conn.execute(sa.insert(imports).values(import_id=import_id, source=source, file_name=file_name,
                                           operator_id=operator_id, state="accepted", received_at=utcnow()))


def finish_import(conn: sa.Connection, *, import_id: str, state: str, records: int, applied: int, rejected: int,
                  errors: list[dict[str, Any]]) -> None:
    conn.execute(sa.update(imports).where(imports.c.import_id == import_id).values(
        state=state, records=records, applied=applied, rejected=rejected, finished_at=utcnow(),
        errors=json.dumps(errors, ensure_ascii=False)))


def get_import(conn: sa.Connection, import_id: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(imports).where(imports.c.import_id == import_id)).first()
    return _import(row) if row else None


def list_imports(conn: sa.Connection, *, source: str = "", limit: int, before_seq: int | None = None
                 ) -> list[dict[str, Any]]:
    """Newest first; `before_seq` continues a listing after the last row of the previous page."""
    query = sa.select(imports).order_by(imports.c.seq.desc()).limit(limit)
    if source:
        query = query.where(imports.c.source == source)
    if before_seq is not None:
        query = query.where(imports.c.seq < before_seq)
    return [_import(row) for row in conn.execute(query)]


def _import(row) -> dict[str, Any]:
    data = dict(row._mapping)
    data["errors"] = json.loads(data["errors"])
    return data
