"""Use cases of svc-integration: take resident changes from the bus or an uploaded feed to svc-qualification."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from nhi_common.errors import InvalidInput, NotFound
from nhi_common.paging import Page

from ..domain.feed import SOURCES, SUPPORTED_SOURCES, parse_resident_feed
from ..domain.resident import InvalidChange, Problem, ResidentChange, parse_change
from .ports import ApplyRejected, ApplyUnavailable, ResidentSink, Store

log = logging.getLogger(__name__)

RESIDENT_CONSUMER = "integration-resident"
RESIDENT_CHANGE_TYPE = "jp.lg.resident.change.v1"


class UnsupportedSource(InvalidInput):
    """A feed source this service does not read (yet)."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__("source", message, code="INVALID_ARGUMENT")
        self.source = source


class IntegrationService:
    """Receives resident changes, keeps its own record of them, and hands each on exactly once."""

    def __init__(self, *, store: Store, sink: ResidentSink) -> None:
        self.store = store
        self.sink = sink

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
            self._reject(
                event_id=event_id,
                ce_type=ce_type,
                change_id=change.change_id,
                problems=[Problem(exc.field, exc.message)],
            )
            raise

    def _reject(self, *, event_id: str, ce_type: str, change_id: str, problems) -> None:
        with self.store.transaction() as tx:
            tx.record_rejection(event_id=event_id, ce_type=ce_type, change_id=change_id, problems=problems)
        log.warning(
            "resident change rejected: %s",
            "; ".join(p.field or "(record)" for p in problems),
            extra={"event_id": event_id, "change_id": change_id},
        )

    def _apply(
        self,
        change: ResidentChange,
        *,
        receipt_key: str,
        idempotency_key: str,
        origin: str,
        import_id: str | None = None,
    ) -> str:
        """Claim, record and hand on in one transaction that commits only if svc-qualification took the change."""
        with self.store.transaction() as tx:
            if not tx.claim(receipt_key, RESIDENT_CONSUMER):
                return "duplicate"
            tx.record_receipt(receipt_key=receipt_key, change=change, origin=origin, import_id=import_id)
            outcomes = self.sink.apply(change, idempotency_key=idempotency_key)
            tx.record_outcomes(receipt_key=receipt_key, outcomes=outcomes)
        log.info(
            "resident change %s (%s) applied",
            change.change_id,
            change.change_kind,
            extra={"change_id": change.change_id},
        )
        return "applied"

    # ----- uploaded feeds -----

    def import_feed(self, *, source: str, file_name: str, content: bytes, operator_id: str) -> dict[str, Any]:
        """Check every line of a feed file, apply the valid ones, and keep the import record."""
        if source not in SOURCES:
            raise UnsupportedSource(source, "unknown source; expected one of " + ", ".join(SOURCES))
        if source not in SUPPORTED_SOURCES:
            raise UnsupportedSource(source, "source not supported yet")
        import_id = str(uuid.uuid4())
        with self.store.transaction() as tx:
            tx.create_import(import_id=import_id, source=source, file_name=file_name[:255], operator_id=operator_id)
        lines = parse_resident_feed(content)
        errors: list[dict[str, Any]] = []
        applied = 0
        for line in lines:
            if line.change is None:
                errors.extend({"line": line.line, "field": p.field, "message": p.message} for p in line.problems)
                continue
            try:
                self._apply(
                    line.change,
                    receipt_key=f"feed:{line.change.change_id}",
                    idempotency_key=f"feed:{line.change.change_id}",
                    origin="feed",
                    import_id=import_id,
                )
                applied += 1
            except ApplyRejected as exc:
                errors.append({"line": line.line, "field": exc.field, "message": exc.message})
            except ApplyUnavailable:
                errors.append(
                    {
                        "line": line.line,
                        "field": "",
                        "message": "svc-qualification did not answer; upload the file again to retry this line",
                    }
                )
        records = sum(1 for line in lines if line.line > 0)
        if not lines:
            errors.append({"line": 0, "field": "content", "message": "the file holds no records"})
        state = "processed" if applied else "rejected"
        with self.store.transaction() as tx:
            tx.finish_import(
                import_id=import_id,
                state=state,
                records=records,
                applied=applied,
                rejected=records - applied,
                errors=errors,
            )
            tx.audit(
                operator_id=operator_id,
                action="feed.imported",
                target_kind="import",
                target_id=import_id,
                detail=f"{source} {records} records, {applied} applied",
            )
            return tx.get_import(import_id)

    def get_import(self, import_id: str) -> dict[str, Any]:
        with self.store.transaction() as tx:
            found = tx.get_import(import_id)
        if found is None:
            raise NotFound("import", import_id)
        return found

    def list_imports(self, *, source: str, page: Page) -> tuple[list[dict[str, Any]], str]:
        """A page of imports, newest first, and the cursor of the next page ('' at the end)."""
        with self.store.transaction() as tx:
            return tx.list_imports(source=source, page=page)

    def rejections(self) -> list[dict[str, Any]]:
        with self.store.transaction() as tx:
            return tx.rejections()
