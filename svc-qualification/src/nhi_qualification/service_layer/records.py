"""Corrections (2.2.1), the certificate ledger and its collection (2.1.3), and the change review list (2.3.1)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from nhi_common.plumbing import IdempotencyConflict, dumps, utcnow

from ..adapters import records_store as rs
from ..adapters import store
from ..domain import certificates as cert_rules
from ..domain.corrections import CorrectionRequest, PeriodState, PersonState, plan_correction
from ..domain.errors import RuleViolation
from ..domain.model import Reason
from .context import Actor, business_date
from .errors import IdempotencyReuse, NotFound
from .services import QualificationService
from .values import aware_iso, iso

CORRECTED_SUBJECT = "nhi.v1.qualification.corrected"
CORRECTED_TYPE = "jp.nhi.qualification.corrected.v1"
JOIN_LEAVE_CERTIFICATE = "join_leave_certificate"  # 加入脱退証明書
CERTIFICATE_KINDS = frozenset({cert_rules.ELIGIBILITY_CERTIFICATE, cert_rules.QUALIFICATION_NOTICE,
                               cert_rules.ELDERLY_RECIPIENT_CERTIFICATE, JOIN_LEAVE_CERTIFICATE})
# What is collected (回収) when the qualification ends: the certificates that prove coverage. The
# 資格情報のお知らせ is a notice, not a certificate, and the 加入脱退証明書 certifies a past fact.
RETURN_OUTCOMES = ("returned", "lost", "not_returned")
CERTIFICATE_STATES = ("issued", "returned", "lost", "not_returned", "void")
# A not-returned certificate may still come back or be reported lost; the others are settled.
SETTLED_STATES = ("returned", "lost", "void")


class StalePeriodVersion(Exception):
    """The version a correction names is no longer the current one."""

    def __init__(self, period_id: str, version_id: int, current_version_id: int) -> None:
        super().__init__(f"period {period_id} version {version_id} is no longer current "
                         f"(now version {current_version_id})")
        self.period_id = period_id
        self.version_id = version_id
        self.current_version_id = current_version_id


class RecordsService:
    def __init__(self, *, core: QualificationService) -> None:
        self.core = core

    # ----- corrections (資格異動訂正, 2.2.1) -----

    def correct_qualification(self, request: dict[str, Any], actor: Actor) -> dict[str, Any]:
        """Close the named version and write the corrected one, with its change row, audit row and event."""
        today = business_date(actor, self.core.fixed_business_date)
        period_id = request.get("period_id") or ""
        if not period_id:
            raise RuleViolation("period_id", "the period to correct is required", code="REQUIRED")
        version_id = int(request.get("version_id") or 0)
        if version_id <= 0:
            raise RuleViolation("version_id", "the version being corrected is required", code="REQUIRED")
        wanted = CorrectionRequest(
            correction_reason=(request.get("correction_reason") or "").strip(),
            acquired_on=_date(request, "acquired_on"), lost_on=_date(request, "lost_on"),
            clear_lost_on=bool(request.get("clear_lost_on")), acquired_reason=request.get("acquired_reason") or "",
            lost_reason=request.get("lost_reason") or "", notified_on=_date(request, "notified_on"),
            relationship=(request.get("relationship") or "").strip(),
            listing_order=int(request.get("listing_order") or 0), undo=bool(request.get("undo")))
        fingerprint = dumps({k: v for k, v in request.items() if k not in ("context", "idempotency_key")}).encode()
        with self.core.engine.begin() as conn:
            replay = self._recall(conn, actor, "CorrectQualification", fingerprint)
            if replay is not None:
                return replay
            current = rs.current_version(conn, period_id)
            if current is None:
                raise NotFound("period", period_id)
            if current.version_id != version_id:
                raise StalePeriodVersion(period_id, version_id, current.version_id)
            person = store.get_person(conn, current.person_id)
            if person is None:
                raise NotFound("person", current.person_id)
            period_change = rs.get_change(conn, current.change_id)
            plan = plan_correction(
                current=PeriodState(current.acquired_on, current.acquired_reason, current.lost_on, current.lost_reason,
                                    bool(current.void)),
                person=PersonState(person.relationship or "", int(person.listing_order or 0)),
                request=wanted, current_notified_on=period_change.notified_on if period_change else None,
                other_periods=rs.other_current_periods(conn, current.person_id, period_id),
                business_date=today, config=self.core.config)
            if plan.notified_on is not None and period_change is None:
                raise RuleViolation("notified_on", "the change behind this version is not on record",
                                    code="NO_CHANGE_RECORD")

            now = utcnow()
            change_id = str(uuid.uuid4())
            published = rs.published_change_ids(conn, current.person_id, rs.period_change_ids(conn, period_id))
            resend_required = bool(published)
            row = current
            if plan.period_changed:
                if not rs.supersede_version(conn, current.version_id, now):
                    latest = rs.current_version(conn, period_id)
                    raise StalePeriodVersion(period_id, version_id, latest.version_id if latest else 0)
                reasons = [*_reasons(current.reasons), *plan.reasons]
                new_version_id = rs.insert_version(conn, {
                    "period_id": period_id, "person_id": current.person_id, "household_id": current.household_id,
                    "insurer_number": current.insurer_number, "symbol": current.symbol, "number": current.number,
                    "branch_no": current.branch_no, "acquired_on": plan.period.acquired_on,
                    "acquired_reason": plan.period.acquired_reason, "lost_on": plan.period.lost_on,
                    "lost_reason": plan.period.lost_reason, "recorded_at": now, "superseded_at": None,
                    "change_id": change_id,
                    "reasons": json.dumps([r.as_dict() for r in reasons], ensure_ascii=False),
                    "coverage_starts_on": current.coverage_starts_on, "coverage_ends_on": current.coverage_ends_on,
                    "void": plan.period.void, "correction_reason": wanted.correction_reason,
                    "operator_id": actor.operator_id})
                row = rs.version_by_id(conn, new_version_id)
            if plan.person_changed:
                rs.update_person(conn, current.person_id, relationship=plan.relationship,
                                 listing_order=plan.listing_order)
            if plan.notified_on is not None:
                rs.set_change_notified_on(conn, current.change_id, plan.notified_on)
            collected = 0
            if plan.period_changed and _covers(current, today) and not _covers(row, today):
                collected = rs.mark_for_collection(conn, [current.person_id], rs.COLLECTED_KINDS)

            decision = {"period_id": period_id, "corrected_version_id": current.version_id,
                        "version_id": row.version_id, "corrected_change_id": current.change_id,
                        "corrected_fields": list(plan.corrected_fields), "correction_reason": wanted.correction_reason,
                        "effective_date": plan.effective_date.isoformat(), "retroactive_flag": plan.retroactive,
                        "resend_required": resend_required, "certificates_marked_for_collection": collected,
                        "reasons": [r.as_dict() for r in plan.reasons]}
            store.insert_change(
                conn, change_id=change_id, business_date=today, operator_id=actor.operator_id, kind="correction",
                reason="correction", household_id=current.household_id, person_ids=json.dumps([current.person_id]),
                event_date=plan.effective_date, notified_on=None, identity_check="{}", decision=dumps(decision),
                before=dumps(plan.before), after=dumps(plan.after))
            self.core.plumbing.audit(conn, operator_id=actor.operator_id, action="qualification.corrected",
                                     target_kind="period", target_id=period_id,
                                     detail=f"{','.join(plan.corrected_fields)} {change_id}")
            self.core.plumbing.add_event(conn, nats_subject=CORRECTED_SUBJECT, type=CORRECTED_TYPE,
                                         subject=current.person_id, data={
                "change_id": change_id, "period_id": period_id, "version_id": row.version_id,
                "person_id": current.person_id, "household_id": current.household_id,
                "insurer_number": row.insurer_number, "symbol": row.symbol, "number": row.number,
                "branch_no": row.branch_no, "acquired_on": row.acquired_on.isoformat(),
                "lost_on": iso(row.lost_on), "void": bool(row.void),
                "effective_date": plan.effective_date.isoformat(),
                "corrected_fields": list(plan.corrected_fields), "correction_reason": wanted.correction_reason,
                "resend_required": resend_required, "business_date": today.isoformat(),
                "operator_id": actor.operator_id,
            })
            response = {"period": version_dict(row), "resend_required": resend_required, "change_id": change_id}
            self._remember(conn, actor, "CorrectQualification", fingerprint, response)
        self.core.after_commit()
        return response

    # ----- certificate ledger (2.1.3) -----

    def record_certificate_issued(self, certificate: dict[str, Any], actor: Actor) -> dict[str, Any]:
        """Put an issued certificate in the ledger; the same certificate (id or document) is recorded once."""
        today = business_date(actor, self.core.fixed_business_date)
        kind = certificate.get("kind") or ""
        if kind not in CERTIFICATE_KINDS:
            raise RuleViolation("certificate.kind", f"unknown certificate kind {kind!r}; one of "
                                + ", ".join(sorted(CERTIFICATE_KINDS)), code="UNKNOWN_KIND")
        person_id = certificate.get("person_id") or ""
        if not person_id:
            raise RuleViolation("certificate.person_id", "the holder is required", code="REQUIRED")
        issued_on = _date(certificate, "issued_on", "certificate.") or today
        valid_from = _date(certificate, "valid_from", "certificate.") or issued_on
        valid_until = _date(certificate, "valid_until", "certificate.")
        if issued_on > today:
            raise RuleViolation("certificate.issued_on", f"{issued_on} is after the business date {today}",
                                code="DATE_IN_FUTURE")
        if valid_until is not None and valid_until < valid_from:
            raise RuleViolation("certificate.valid_until", f"{valid_until} is before valid_from {valid_from}",
                                code="INVALID_RANGE")
        fingerprint = dumps(certificate).encode()
        with self.core.engine.begin() as conn:
            replay = self._recall(conn, actor, "RecordCertificateIssued", fingerprint)
            if replay is not None:
                return replay
            certificate_id = certificate.get("certificate_id") or ""
            existing = rs.get_certificate(conn, certificate_id) if certificate_id else None
            if existing is None and certificate.get("document_id"):
                existing = rs.certificate_by_document(conn, certificate["document_id"])
            if existing is not None:
                if existing.person_id != person_id or existing.kind != kind:
                    raise RuleViolation("certificate.certificate_id", "already recorded for another holder or kind",
                                        code="CERTIFICATE_CONFLICT")
                return rs.certificate_dict(existing)
            person = store.get_person(conn, person_id)
            if person is None:
                raise NotFound("person", person_id)
            certificate_id = certificate_id or str(uuid.uuid4())
            rs.insert_certificate(
                conn, certificate_id=certificate_id, kind=kind, person_id=person_id,
                household_id=certificate.get("household_id") or person.household_id,
                certificate_number=certificate.get("certificate_number") or "", issued_on=issued_on,
                valid_from=valid_from, valid_until=valid_until, state="issued", collect=False,
                document_id=certificate.get("document_id") or "", note=certificate.get("note") or "")
            replaced = rs.mark_replaced(conn, person_id=person_id, kind=kind, except_id=certificate_id)
            self.core.plumbing.audit(conn, operator_id=actor.operator_id, action="certificate.issued",
                                     target_kind="certificate", target_id=certificate_id,
                                     detail=f"{kind} {person_id} replaced={replaced}")
            response = rs.certificate_dict(rs.get_certificate(conn, certificate_id))
            self._remember(conn, actor, "RecordCertificateIssued", fingerprint, response)
        return response

    def register_certificate_return(self, certificate_id: str, outcome: str, returned_on: str, note: str,
                                    actor: Actor) -> dict[str, Any]:
        """回収登録: a certificate returned, lost, or not returned."""
        today = business_date(actor, self.core.fixed_business_date)
        if outcome not in RETURN_OUTCOMES:
            raise RuleViolation("outcome", f"unknown outcome {outcome!r}; one of " + ", ".join(RETURN_OUTCOMES),
                                code="UNKNOWN_OUTCOME")
        if not certificate_id:
            raise RuleViolation("certificate_id", "the certificate is required", code="REQUIRED")
        day = _date({"returned_on": returned_on}, "returned_on") or today
        if day > today:
            raise RuleViolation("returned_on", f"{day} is after the business date {today}", code="DATE_IN_FUTURE")
        fingerprint = dumps({"certificate_id": certificate_id, "outcome": outcome, "returned_on": returned_on,
                             "note": note}).encode()
        with self.core.engine.begin() as conn:
            replay = self._recall(conn, actor, "RegisterCertificateReturn", fingerprint)
            if replay is not None:
                return replay
            row = rs.get_certificate(conn, certificate_id)
            if row is None:
                raise NotFound("certificate", certificate_id)
            if row.state in SETTLED_STATES:
                raise RuleViolation("certificate_id", f"the certificate is already {row.state}",
                                    code="ALREADY_COLLECTED")
            if row.state == outcome:
                raise RuleViolation("outcome", f"the certificate is already {outcome}", code="ALREADY_COLLECTED")
            if day < row.issued_on:
                raise RuleViolation("returned_on", f"{day} is before the issue date {row.issued_on}",
                                    code="BEFORE_ISSUE")
            rs.update_certificate(conn, certificate_id, state=outcome, returned_on=day,
                                  collect=outcome == "not_returned",
                                  note=note if note else row.note)
            self.core.plumbing.audit(conn, operator_id=actor.operator_id, action=f"certificate.{outcome}",
                                     target_kind="certificate", target_id=certificate_id,
                                     detail=f"{row.kind} {row.person_id} {row.state}->{outcome} {day.isoformat()}")
            response = {"certificate": rs.certificate_dict(rs.get_certificate(conn, certificate_id))}
            self._remember(conn, actor, "RegisterCertificateReturn", fingerprint, response)
        return response

    def list_certificates(self, *, person_id: str, state: str, outstanding_after_loss: bool, page_size: int,
                          cursor: str, actor: Actor | None = None) -> tuple[list[dict], str]:
        """The ledger, oldest first; outstanding_after_loss = still issued although the qualification ended."""
        if state and state not in CERTIFICATE_STATES:
            raise RuleViolation("state", f"unknown state {state!r}; one of " + ", ".join(CERTIFICATE_STATES),
                                code="UNKNOWN_KIND")
        day = business_date(actor or Actor("system"), self.core.fixed_business_date)
        query = rs.certificates_query(person_id=person_id, state=state,
                                      outstanding_after_loss_on=day if outstanding_after_loss else None)
        with self.core.engine.connect() as conn:
            rows, next_cursor = rs.page_by_seq(conn, query, rs.certificates.c.seq, page_size, cursor)
        return [rs.certificate_dict(r) for r in rows], next_cursor

    def certificates_to_collect(self, conn: sa.Connection, person_id: str) -> list[dict]:
        """The certificates a person still holds that must come back when the qualification ends
        (資格確認書, 高齢受給者証), as dicts with the Certificate message's field names."""
        return [rs.certificate_dict(r) for r in rs.issued_certificates(conn, person_id, rs.COLLECTED_KINDS)]

    def mark_for_collection(self, conn: sa.Connection, person_ids: Iterable[str]) -> int:
        """Flag the persons' issued certificates as to be collected (call it inside the loss transaction)."""
        return rs.mark_for_collection(conn, person_ids, rs.COLLECTED_KINDS)

    # ----- change review list (資格異動内容確認一覧, 2.3.1) -----

    def list_changes(self, *, from_date: str, to_date: str, operator_id: str, reason: str, kind: str,
                     page_size: int, cursor: str) -> tuple[list[dict], str]:
        """Registered changes by business date (inclusive range), oldest first (processing order)."""
        start = _date({"from_date": from_date}, "from_date")
        end = _date({"to_date": to_date}, "to_date")
        if start and end and end < start:
            raise RuleViolation("to_date", f"{end} is before from_date {start}", code="INVALID_RANGE")
        query = rs.changes_query(from_date=start, to_date=end, operator_id=operator_id, reason=reason, kind=kind)
        with self.core.engine.connect() as conn:
            rows, next_cursor = rs.page_by_seq(conn, query, rs.changes.c.seq, page_size, cursor)
        return [change_dict(r) for r in rows], next_cursor

    # ----- helpers -----

    def _recall(self, conn, actor: Actor, operation: str, fingerprint: bytes) -> dict | None:
        if not actor.idempotency_key:
            return None
        try:
            stored = self.core.plumbing.recall_idempotent(conn, key=actor.idempotency_key, operation=operation,
                                                          request=fingerprint)
        except IdempotencyConflict as exc:
            raise IdempotencyReuse(str(exc)) from exc
        return json.loads(stored) if stored is not None else None

    def _remember(self, conn, actor: Actor, operation: str, fingerprint: bytes, response: dict) -> None:
        if actor.idempotency_key:
            self.core.plumbing.remember_idempotent(conn, key=actor.idempotency_key, operation=operation,
                                                   request=fingerprint, response=json.dumps(response).encode())


def version_dict(row) -> dict[str, Any]:
    """One period version with the QualificationPeriod message's field names."""
    return {"period_id": row.period_id, "person_id": row.person_id, "household_id": row.household_id,
            "insurer_number": row.insurer_number, "symbol": row.symbol, "number": row.number,
            "branch_no": row.branch_no, "acquired_on": row.acquired_on.isoformat(),
            "acquired_reason": row.acquired_reason, "lost_on": iso(row.lost_on), "lost_reason": row.lost_reason or "",
            "recorded_at": aware_iso(row.recorded_at),
            "superseded_at": aware_iso(row.superseded_at) if row.superseded_at else "",
            "change_id": row.change_id, "reasons": json.loads(row.reasons or "[]"), "version_id": row.version_id,
            "coverage_starts_on": iso(row.coverage_starts_on), "coverage_ends_on": iso(row.coverage_ends_on),
            "void": bool(row.void), "correction_reason": row.correction_reason or "",
            "operator_id": row.operator_id or ""}



def change_dict(row) -> dict[str, Any]:
    """One changes row with the ChangeRecord message's field names; before/after as stored (JSON text)."""
    return {"change_id": row.change_id, "recorded_at": aware_iso(row.recorded_at), "operator_id": row.operator_id,
            "kind": row.kind, "reason": row.reason, "household_id": row.household_id,
            "person_ids": json.loads(row.person_ids or "[]"), "event_date": iso(row.event_date),
            "notified_on": iso(row.notified_on), "business_date": iso(row.business_date),
            "before_json": row.before or "{}", "after_json": row.after or "{}"}


def _covers(row, day: dt.date) -> bool:
    """Insured here on `day` (as store.period_as_of: coverage start/end of within-prefecture moves count)."""
    start = row.coverage_starts_on or row.acquired_on
    return (not row.void and start <= day and (row.lost_on is None or day < row.lost_on)
            and (row.coverage_ends_on is None or day < row.coverage_ends_on))


def _reasons(text: str) -> list[Reason]:
    return [Reason(r["rule_id"], r["summary"], r.get("basis", ""), r.get("facts", {})) for r in json.loads(text or "[]")]


def _date(data: dict[str, Any], field: str, prefix: str = "") -> dt.date | None:
    raw = data.get(field) or ""
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except (TypeError, ValueError):
        raise RuleViolation(prefix + field, f"{raw!r} is not a date (YYYY-MM-DD)", code="INVALID_DATE") from None
