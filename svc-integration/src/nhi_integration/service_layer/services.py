"""Use cases of svc-integration: take resident changes from the bus or an uploaded feed to svc-qualification."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from nhi_common.errors import DomainError, InvalidInput, NotFound
from nhi_common.paging import Page

from ..domain.feed import SOURCES, SUPPORTED_SOURCES, FeedLine, parse_resident_feed
from ..domain.resident import (
    InvalidChange,
    Problem,
    ResidentChange,
    keep_masked_my_numbers,
    masked_payload,
    parse_change,
)
from ..domain.resident_files import FORMATS, parse_resident_file
from ..domain.resident_order import Order, check_order, in_sequence_order
from ..domain.resident_reasons import REASONS
from .feed_imports import close_import
from .ports import ApplyRejected, ApplyUnavailable, ResidentSink, Store

log = logging.getLogger(__name__)

RESIDENT_CONSUMER = "integration-resident"
RESIDENT_CHANGE_TYPE = "jp.lg.resident.change.v1"
DEAD_LETTER_SUBJECT = "resident.v1.changes.dead"
DEAD_LETTER_TYPE = "jp.lg.resident.change.dead.v1"
DEAD_LETTER_STATES = ("open", "replayed")
FILE_BATCH = 50  # changes of an uploaded file applied per transaction and call to svc-qualification


class WaitingForSequence(Exception):
    """A change behind a gap in a person's sequence: deliver it again later, the missing one may come first."""

    def __init__(self, expected: int, got: int) -> None:
        super().__init__(f"waiting for sequence {expected} before {got}")


def _parse_event(ce_type: str, data: Any) -> ResidentChange:
    if ce_type != RESIDENT_CHANGE_TYPE:
        raise InvalidChange([Problem("ce-type", f"expected {RESIDENT_CHANGE_TYPE}")])
    return parse_change(data)


def _problems_of(ce_type: str, data: Any) -> tuple[Problem, ...]:
    try:
        _parse_event(ce_type, data)
    except InvalidChange as exc:
        return exc.problems
    return ()


def _require_open(found: dict[str, Any]) -> None:
    if found["state"] != "open":
        raise DomainError("state", "this dead letter was replayed already", code="DEAD_LETTER_CLOSED", rule="enum")


class UnsupportedSource(InvalidInput):
    """A feed source this service does not read (yet)."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__("source", message, code="INVALID_ARGUMENT")
        self.source = source


class IntegrationService:
    """Receives resident changes, keeps its own record of them, and hands each on exactly once."""

    def __init__(
        self,
        *,
        store: Store,
        sink: ResidentSink,
        gap_wait_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        on_applied: Callable[[list[str]], None] | None = None,
    ) -> None:
        self.store = store
        self.sink = sink
        # Told the persons of every change applied (after its commit): the incremental inconsistency check.
        self.on_applied = on_applied
        self.gap_wait_seconds = gap_wait_seconds
        self.clock = clock
        self._first_seen: dict[str, float] = {}

    # ----- resident changes from the bus -----

    def receive_resident_event(self, *, event_id: str, ce_type: str, data: dict[str, Any]) -> str:
        """Apply one CloudEvent: 'applied', 'duplicate', 'stale' or 'dead_letter' (stored and published, never
        retried). Raises ApplyUnavailable or WaitingForSequence when it is worth another delivery."""
        try:
            change = _parse_event(ce_type, data)
            return self._apply_in_order(change, receipt_key=event_id, origin="nats", wait_for_gaps=True)
        except InvalidChange as exc:
            reason, problems = "invalid_change", exc.problems
        except ApplyRejected as exc:
            reason, problems = "rejected_by_qualification", (Problem(exc.field, exc.message),)
        self._dead_letter(event_id=event_id, ce_type=ce_type, data=data, reason=reason, problems=problems)
        return "dead_letter"

    def receive_resident_events(self, events: list[tuple[str, str, Any]]) -> list[str | Exception]:
        """Apply a batch of CloudEvents (event id, type, data) as one transaction around one call to
        svc-qualification: per event 'applied', 'duplicate', 'stale' or 'dead_letter', or the exception that asks
        for another delivery (WaitingForSequence, ApplyUnavailable). Each person's changes keep their order within
        the batch; a batch svc-qualification refuses is applied again one event at a time, so the change it refuses
        alone is dead-lettered and the others go through."""
        results: list[str | Exception | None] = [None] * len(events)
        valid: list[tuple[int, str, ResidentChange]] = []
        for index, (event_id, ce_type, data) in enumerate(events):
            try:
                valid.append((index, event_id, _parse_event(ce_type, data)))
            except InvalidChange:
                results[index] = self._one(event_id, ce_type, data)
        if len(valid) <= 1 or not hasattr(self.sink, "apply_many"):
            for index, event_id, _change in valid:
                results[index] = self._one(event_id, *events[index][1:])
            return results
        try:
            applied = self._apply_batch(valid, results)
        except ApplyRejected:
            for index, event_id, _change in valid:
                results[index] = self._one(event_id, *events[index][1:])
            return results
        except ApplyUnavailable as exc:
            for index, _event_id, _change in valid:
                results[index] = exc
            return results
        for change in applied:
            self._applied(change)
        return results

    def _applied(self, change: ResidentChange) -> None:
        """Hand the persons of an applied change to the inconsistency checks, unless nothing compared can differ."""
        if self.on_applied is not None and REASONS[change.change_kind].compared:
            self.on_applied(change.person_ids)

    def _one(self, event_id: str, ce_type: str, data: Any) -> str | Exception:
        try:
            return self.receive_resident_event(event_id=event_id, ce_type=ce_type, data=data)
        except (WaitingForSequence, ApplyUnavailable) as exc:
            return exc

    def _apply_batch(
        self,
        valid: list[tuple[int, str, ResidentChange]],
        results: list,
        *,
        origin: str = "nats",
        import_id: str | None = None,
        wait_for_gaps: bool = True,
    ) -> list[ResidentChange]:
        """One transaction: the order check of every change against the last sequences and the changes before it
        in the batch, the claims and receipts, one ApplyResidentChanges with the changes in order, the outcomes."""
        with self.store.transaction() as tx:
            persons = sorted({p for _i, _e, change in valid for p in change.sequences})
            last = tx.last_sequences(persons)
            # The claims, receipts and sequences of the whole batch in a few statements: which events were handled
            # before is read once, and what the batch does is written once svc-qualification took it.
            handled = tx.claimed([e for _i, e, _c in valid], RESIDENT_CONSUMER)
            claims: list[str] = []
            receipts: list[dict[str, Any]] = []
            batch: list[tuple[int, str, ResidentChange]] = []
            for index, event_id, change in valid:
                order = check_order(change.sequences, last)
                if order.verdict is Order.GAP and wait_for_gaps and not self._waited(event_id):
                    results[index] = WaitingForSequence(order.expected, order.got)
                    continue
                if event_id in handled:
                    results[index] = "duplicate"
                    continue
                handled.add(event_id)
                claims.append(event_id)
                receipt = {"receipt_key": event_id, "change": change, "origin": origin, "import_id": import_id}
                receipts.append(receipt)
                if order.verdict is Order.STALE:
                    receipt["outcomes"] = [{"change_id": change.change_id, "outcome": "stale"}]
                    results[index] = "stale"
                    continue
                last.update(change.sequences)
                batch.append((index, event_id, change))
            tx.claim_many(claims, RESIDENT_CONSUMER)
            if batch:
                outcomes = self.sink.apply_many([c for _i, _e, c in batch], idempotency_key=f"batch:{batch[0][1]}")
                by_change = {o.get("change_id"): o for o in outcomes}
                by_receipt = {r["receipt_key"]: r for r in receipts}
                for index, event_id, change in batch:
                    found = by_change.get(change.change_id)
                    by_receipt[event_id]["outcomes"] = [found] if found else []
                    results[index] = "applied"
                tx.set_sequences_many([(c.sequences, c.change_id) for _i, _e, c in batch])
            tx.record_receipts(receipts)
            if not batch:
                return []
        for _index, event_id, _change in batch:
            self._first_seen.pop(event_id, None)
        log.info("resident changes applied: %d in one batch", len(batch))
        return [c for _i, _e, c in batch]

    def _dead_letter(self, *, event_id: str, ce_type: str, data: Any, reason: str, problems) -> None:
        """Store the message with its reason and publish it on the dead-letter subject, in one transaction."""
        change_id = data.get("change_id") if isinstance(data, dict) and isinstance(data.get("change_id"), str) else ""
        payload = data if isinstance(data, dict) else {"value": data}
        dead_letter_id = str(uuid.uuid4())
        with self.store.transaction() as tx:
            if not tx.claim(f"dead:{event_id}", RESIDENT_CONSUMER):
                return
            tx.add_dead_letter(
                dead_letter_id=dead_letter_id,
                event_id=event_id,
                ce_type=ce_type,
                change_id=change_id[:100],
                reason=reason,
                problems=problems,
                payload=payload,
            )
            tx.publish(
                nats_subject=DEAD_LETTER_SUBJECT,
                type=DEAD_LETTER_TYPE,
                subject=dead_letter_id,
                data={
                    "dead_letter_id": dead_letter_id,
                    "event_id": event_id,
                    "ce_type": ce_type,
                    "reason": reason,
                    "problems": [{"field": p.field, "message": p.message} for p in problems],
                    # Never a My Number in a message: the clerk reads it through the API with mynumber:read.
                    "payload": masked_payload(payload),
                },
            )
        log.warning(
            "resident change dead-lettered (%s): %s",
            reason,
            "; ".join(p.field or "(record)" for p in problems),
            extra={"event_id": event_id, "change_id": change_id[:100], "dead_letter_id": dead_letter_id},
        )

    def _apply_in_order(
        self,
        change: ResidentChange,
        *,
        receipt_key: str,
        origin: str,
        wait_for_gaps: bool,
        import_id: str | None = None,
    ) -> str:
        """Claim, check the per-person order, record and hand on in one transaction that commits only if
        svc-qualification took the change (or the change is stale, which is recorded and dropped)."""
        with self.store.transaction() as tx:
            if not tx.claim(receipt_key, RESIDENT_CONSUMER):
                return "duplicate"
            order = check_order(change.sequences, tx.last_sequences(list(change.sequences)))
            tx.record_receipt(receipt_key=receipt_key, change=change, origin=origin, import_id=import_id)
            if order.verdict is Order.STALE:
                tx.record_outcomes(
                    receipt_key=receipt_key, outcomes=[{"change_id": change.change_id, "outcome": "stale"}]
                )
                log.info("resident change %s stale: dropped", change.change_id, extra={"change_id": change.change_id})
                return "stale"
            if order.verdict is Order.GAP and wait_for_gaps and not self._waited(receipt_key):
                raise WaitingForSequence(order.expected, order.got)
            outcomes = self.sink.apply(change, idempotency_key=receipt_key)
            tx.record_outcomes(receipt_key=receipt_key, outcomes=outcomes)
            tx.set_sequences(sequences=change.sequences, change_id=change.change_id)
        self._first_seen.pop(receipt_key, None)
        self._applied(change)
        log.info(
            "resident change %s (%s) applied%s",
            change.change_id,
            change.change_kind,
            " over a sequence gap" if order.verdict is Order.GAP else "",
            extra={"change_id": change.change_id},
        )
        return "applied"

    def _waited(self, receipt_key: str) -> bool:
        """True once a change behind a sequence gap has waited the configured time (counted in this process)."""
        now = self.clock()
        first = self._first_seen.setdefault(receipt_key, now)
        return now - first >= self.gap_wait_seconds

    # ----- dead letters -----

    def list_dead_letters(self, *, state: str, page: Page) -> tuple[list[dict[str, Any]], str]:
        if state and state not in DEAD_LETTER_STATES:
            raise InvalidInput(
                "state", "unknown state; expected one of " + ", ".join(DEAD_LETTER_STATES), code="UNKNOWN_KIND"
            )
        with self.store.transaction() as tx:
            return tx.list_dead_letters(state=state, page=page)

    def get_dead_letter(self, dead_letter_id: str) -> dict[str, Any]:
        with self.store.transaction() as tx:
            found = tx.get_dead_letter(dead_letter_id)
        if found is None:
            raise NotFound("dead_letter", dead_letter_id)
        return found

    def fix_dead_letter(self, *, dead_letter_id: str, payload: dict[str, Any], operator_id: str) -> dict[str, Any]:
        """Replace the payload of an open dead letter (a masked My Number sent back keeps the stored one)."""
        if not isinstance(payload, dict):
            raise InvalidInput("payload", "a resident change is a JSON object", code="INVALID_JSON")
        with self.store.transaction() as tx:
            found = tx.get_dead_letter(dead_letter_id)
            if found is None:
                raise NotFound("dead_letter", dead_letter_id)
            _require_open(found)
            fixed = keep_masked_my_numbers(payload, found["payload"])
            problems = _problems_of(found["ce_type"], fixed)
            tx.update_dead_letter(dead_letter_id, payload=fixed, problems=problems, updated_by=operator_id)
            tx.audit(
                operator_id=operator_id, action="dead_letter.fixed", target_kind="dead_letter", target_id=dead_letter_id
            )
            return tx.get_dead_letter(dead_letter_id)

    def replay_dead_letter(self, *, dead_letter_id: str, operator_id: str) -> dict[str, Any]:
        """Apply the (fixed) payload of an open dead letter as the original event; refuse naming the field if it
        still cannot be applied."""
        found = self.get_dead_letter(dead_letter_id)
        _require_open(found)
        try:
            change = _parse_event(found["ce_type"], found["payload"])
            outcome = self._apply_in_order(change, receipt_key=found["event_id"], origin="replay", wait_for_gaps=False)
        except InvalidChange as exc:
            self._replay_failed(found, exc.problems, operator_id)
            raise DomainError(
                exc.problems[0].field, exc.problems[0].message, code="DEAD_LETTER_INVALID", rule="format"
            ) from None
        except ApplyRejected as exc:
            self._replay_failed(found, (Problem(exc.field, exc.message),), operator_id)
            raise DomainError(exc.field, exc.message, code="DEAD_LETTER_REJECTED", rule="format") from None
        with self.store.transaction() as tx:
            tx.update_dead_letter(
                dead_letter_id,
                state="replayed",
                outcome=outcome,
                problems=(),
                attempts=found["attempts"] + 1,
                updated_by=operator_id,
            )
            tx.audit(
                operator_id=operator_id,
                action="dead_letter.replayed",
                target_kind="dead_letter",
                target_id=dead_letter_id,
                detail=outcome,
            )
            return tx.get_dead_letter(dead_letter_id)

    def _replay_failed(self, found: dict[str, Any], problems, operator_id: str) -> None:
        with self.store.transaction() as tx:
            tx.update_dead_letter(
                found["dead_letter_id"], problems=problems, attempts=found["attempts"] + 1, updated_by=operator_id
            )

    # ----- uploaded feeds -----

    def import_feed(
        self,
        *,
        source: str,
        file_name: str,
        content: bytes,
        operator_id: str,
        file_format: str = "",
        partial: bool = False,
    ) -> dict[str, Any]:
        """Check every record of a resident file (JSON Lines, CSV or fixed-length CP932); a file with a malformed
        record imports nothing unless `partial`, then the valid changes go the stream's way, each person's in the
        order of their sequence numbers, and the import is kept."""
        if source not in SOURCES:
            raise UnsupportedSource(source, "unknown source; expected one of " + ", ".join(SOURCES))
        if source not in SUPPORTED_SOURCES:
            raise UnsupportedSource(source, "source not supported yet")
        file_format = file_format or "jsonl"
        if file_format not in FORMATS:
            raise InvalidInput(
                "format", "unknown file format; expected one of " + ", ".join(FORMATS), code="UNKNOWN_KIND"
            )
        import_id = str(uuid.uuid4())
        with self.store.transaction() as tx:
            tx.create_import(import_id=import_id, source=source, file_name=file_name[:255], operator_id=operator_id)
        lines = parse_resident_feed(content) if file_format == "jsonl" else parse_resident_file(content, file_format)
        errors: list[dict[str, Any]] = [
            {"line": getattr(p, "line", 0) or line.line, "field": p.field, "message": p.message}
            for line in lines
            for p in line.problems
        ]
        if not lines:
            errors.append({"line": 0, "field": "content", "message": "the file holds no records"})
        applied = 0
        valid = [line for line in lines if line.change is not None]
        if partial or not errors:
            ordered = in_sequence_order(valid)
            for start in range(0, len(ordered), FILE_BATCH):
                chunk_errors = self._apply_file_chunk(ordered[start : start + FILE_BATCH], import_id)
                errors.extend(chunk_errors)
                applied += len(ordered[start : start + FILE_BATCH]) - len(chunk_errors)
        errors.sort(key=lambda e: e["line"])
        records = sum(1 for line in lines if line.line > 0)
        return close_import(
            self.store,
            import_id=import_id,
            source=source,
            operator_id=operator_id,
            records=records,
            applied=applied,
            errors=errors,
        )

    def _apply_file_chunk(self, lines: list[FeedLine], import_id: str) -> list[dict[str, Any]]:
        """Up to FILE_BATCH changes of a file as one batch (the stream's way); a batch svc-qualification refuses is
        applied line by line so the refusal lands on its line. The errors."""
        if len(lines) <= 1 or not hasattr(self.sink, "apply_many"):
            return [e for e in (self._apply_file_line(line, import_id) for line in lines) if e]
        valid = [(n, f"feed:{line.change.change_id}", line.change) for n, line in enumerate(lines)]
        results: list = [None] * len(lines)
        try:
            applied = self._apply_batch(valid, results, origin="feed", import_id=import_id, wait_for_gaps=False)
        except ApplyRejected:
            return [e for e in (self._apply_file_line(line, import_id) for line in lines) if e]
        except ApplyUnavailable:
            message = "svc-qualification did not answer; upload the file again to retry this line"
            return [{"line": line.line, "field": "", "message": message} for line in lines]
        for change in applied:
            self._applied(change)
        return []

    def _apply_file_line(self, line: FeedLine, import_id: str) -> dict[str, Any] | None:
        """One change of a file, applied as a stream message is (no waiting for gaps: the file is all there is)."""
        try:
            self._apply_in_order(
                line.change,
                receipt_key=f"feed:{line.change.change_id}",
                origin="feed",
                wait_for_gaps=False,
                import_id=import_id,
            )
        except ApplyRejected as exc:
            return {"line": line.line, "field": exc.field, "message": exc.message}
        except ApplyUnavailable:
            return {
                "line": line.line,
                "field": "",
                "message": "svc-qualification did not answer; upload the file again to retry this line",
            }
        return None

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
