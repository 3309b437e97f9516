"""Use cases of svc-integration: take resident changes from the bus or an uploaded feed to svc-qualification."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import sqlalchemy as sa

from nhi_common.plumbing import Plumbing

from ..adapters import store
from ..adapters.tables import metadata
from ..domain.feed import SOURCES, SUPPORTED_SOURCES, parse_resident_feed
from ..domain.resident import InvalidChange, Problem, ResidentChange, parse_change
from .ports import ApplyRejected, ApplyUnavailable, ResidentSink

log = logging.getLogger(__name__)

RESIDENT_CONSUMER = "integration-resident"
RESIDENT_CHANGE_TYPE = "jp.lg.resident.change.v1"
EVENT_SOURCE = "urn:nhi:svc-integration"
MAX_PAGE_SIZE = 500


class UnsupportedSource(ValueError):
    """A feed source this service does not read (yet)."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(message)
        self.source = source
        self.message = message


class IntegrationService:
    """Receives resident changes, keeps its own record of them, and hands each on exactly once."""

    def __init__(self, *, engine: sa.Engine, sink: ResidentSink) -> None:
        self.engine = engine
        self.sink = sink
        self.plumbing = Plumbing(metadata, EVENT_SOURCE)

    # ----- resident changes from the bus -----

    def receive_resident_event(self, *, event_id: str, ce_type: str, data: dict[str, Any]) -> str:
        """Apply one CloudEvent; 'applied' or 'duplicate'. InvalidChange/ApplyRejected: never retry; ApplyUnavailable: retry."""
        change_id = data.get("change_id") if isinstance(data.get("change_id"), str) else ""
        try:
            if ce_type != RESIDENT_CHANGE_TYPE:
                raise InvalidChange([Problem("ce-type", f"expected {RESIDENT_CHANGE_TYPE}")])
            change = parse_change(data)
        except InvalidChange as exc:
            self._reject(event_id=event_id, ce_type=ce_type, change_id=change_id[:100], problems=exc.problems)
            raise
        try:
            return self._apply(change, receipt_key=event_id, idempotency_key=event_id, origin="nats")
        except ApplyRejected as exc:
            self._reject(event_id=event_id, ce_type=ce_type, change_id=change.change_id,
                         problems=[Problem(exc.field, exc.message)])
            raise

    def _reject(self, *, event_id: str, ce_type: str, change_id: str, problems) -> None:
        with self.engine.begin() as conn:
            store.record_rejection(conn, event_id=event_id, ce_type=ce_type, change_id=change_id, problems=problems)
        log.warning("resident change rejected: %s", "; ".join(p.field or "(record)" for p in problems),
                    extra={"event_id": event_id, "change_id": change_id})

    def _apply(self, change: ResidentChange, *, receipt_key: str, idempotency_key: str, origin: str,
               import_id: str | None = None) -> str:
        """Claim, record and hand on in one transaction that commits only if svc-qualification took the change."""
        with self.engine.begin() as conn:
            if not self.plumbing.claim_inbox(conn, event_id=receipt_key, consumer=RESIDENT_CONSUMER):
                return "duplicate"
            store.record_receipt(conn, receipt_key=receipt_key, change=change, origin=origin, import_id=import_id)
            outcomes = self.sink.apply(change, idempotency_key=idempotency_key)
            store.record_outcomes(conn, receipt_key=receipt_key, outcomes=outcomes)
        log.info("resident change %s (%s) applied", change.change_id, change.change_kind,
                 extra={"change_id": change.change_id})
        return "applied"

    # ----- uploaded feeds -----

    def import_feed(self, *, source: str, file_name: str, content: bytes, operator_id: str) -> dict[str, Any]:
        """Check every line of a feed file, apply the valid ones, and keep the import record."""
        if source not in SOURCES:
            raise UnsupportedSource(source, "unknown source; expected one of " + ", ".join(SOURCES))
        if source not in SUPPORTED_SOURCES:
            raise UnsupportedSource(source, "source not supported yet")
        import_id = str(uuid.uuid4())
        with self.engine.begin() as conn:
            store.create_import(conn, import_id=import_id, source=source, file_name=file_name[:255],
                                operator_id=operator_id)
        lines = parse_resident_feed(content)
        errors: list[dict[str, Any]] = []
        applied = 0
        for line in lines:
            if line.change is None:
                errors.extend({"line": line.line, "field": p.field, "message": p.message} for p in line.problems)
                continue
            try:
                self._apply(line.change, receipt_key=f"feed:{line.change.change_id}",
                            idempotency_key=f"feed:{line.change.change_id}", origin="feed", import_id=import_id)
                applied += 1
            except ApplyRejected as exc:
                errors.append({"line": line.line, "field": exc.field, "message": exc.message})
            except ApplyUnavailable:
                errors.append({"line": line.line, "field": "",
                               "message": "svc-qualification did not answer; upload the file again to retry this line"})
        records = sum(1 for line in lines if line.line > 0)
        if not lines:
            errors.append({"line": 0, "field": "content", "message": "the file holds no records"})
        state = "processed" if applied else "rejected"
        with self.engine.begin() as conn:
            store.finish_import(conn, import_id=import_id, state=state, records=records, applied=applied,
                                rejected=records - applied, errors=errors)
            self.plumbing.audit(conn, operator_id=operator_id, action="feed.imported", target_kind="import",
                                target_id=import_id, detail=f"{source} {records} records, {applied} applied")
            return store.get_import(conn, import_id)

    def get_import(self, import_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            return store.get_import(conn, import_id)

    def list_imports(self, *, source: str, page_size: int, cursor: str) -> tuple[list[dict[str, Any]], str]:
        """A page of imports, newest first, and the cursor of the next page ('' at the end)."""
        size = min(page_size or 50, MAX_PAGE_SIZE)
        before = int(cursor) if cursor else None
        with self.engine.connect() as conn:
            rows = store.list_imports(conn, source=source, limit=size + 1, before_seq=before)
        next_cursor = str(rows[size - 1]["seq"]) if len(rows) > size else ""
        return rows[:size], next_cursor

    def rejections(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return store.list_rejections(conn)
