"""Use cases of svc-documents: render a document from svc-qualification's records, store it, announce it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

import grpc
import sqlalchemy as sa

from nhi_common import rpc
from nhi_common.plumbing import IdempotencyConflict, Plumbing

from ..adapters import store
from ..adapters.clients import not_insured
from ..adapters.store import metadata
from ..domain import certificate
from ..domain.certificate import MissingExpiry, NotDue, NotInsured
from .ports import QualificationSource, Renderer

log = logging.getLogger(__name__)

EVENT_SOURCE = "urn:nhi:svc-documents"
ISSUED_SUBJECT = "nhi.v1.document.issued"
ISSUED_TYPE = "jp.nhi.document.issued.v1"
RENDER_OPERATION = "RenderDocument"
KINDS = {certificate.KIND: ("pdf",)}
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
JST = dt.timezone(dt.timedelta(hours=9))
_ATTEMPTS = 3


class DocumentService:
    """Issues documents exactly once per request (idempotency key) and keeps them with their reasons."""

    def __init__(self, *, engine: sa.Engine, qualification: QualificationSource, renderer: Renderer,
                 insurer_number: str, municipality_name: str, fixed_business_date: dt.date | None = None,
                 after_commit: Callable[[], None] = lambda: None) -> None:
        self.engine = engine
        self.qualification = qualification
        self.renderer = renderer
        self.insurer_number = insurer_number
        self.municipality_name = municipality_name
        self.fixed_business_date = fixed_business_date
        self.after_commit = after_commit
        self.plumbing = Plumbing(metadata, EVENT_SOURCE)

    def business_date(self, requested: dt.date | None = None) -> dt.date:
        """The request's business date, else the configured one (NHI_BUSINESS_DATE), else today in Japan."""
        return requested or self.fixed_business_date or dt.datetime.now(JST).date()

    # ----- RenderDocument -----

    def render_document(self, *, kind: str, person_id: str, household_id: str = "", format: str = "pdf",
                        operator_id: str = "", business_date: dt.date | None = None, idempotency_key: str = "",
                        fingerprint: bytes = b"") -> dict[str, Any]:
        """Render, store and announce one document; a replayed idempotency key gives back the first document.

        `fingerprint` is the request serialized deterministically without its idempotency key."""
        self._check_request(kind, format, person_id)
        if idempotency_key:
            with self.engine.connect() as conn:
                replay = self._recall(conn, idempotency_key, fingerprint)
            if replay is not None:
                return replay
        day = self.business_date(business_date)
        operator = operator_id or "system"
        facts = self._gather(person_id, household_id, operator, day)
        for attempt in range(_ATTEMPTS):
            try:
                meta = self._issue(kind, facts, day, operator, idempotency_key, fingerprint)
                break
            except sa.exc.IntegrityError:
                # A concurrent issue took the same sequence number or the same idempotency key: try again.
                if attempt == _ATTEMPTS - 1:
                    raise
                log.info("retrying document issue after a concurrent write")
        self.after_commit()
        return meta

    def _check_request(self, kind: str, format: str, person_id: str) -> None:
        if not kind:
            raise rpc.invalid("kind", "is required; expected one of " + ", ".join(KINDS))
        if kind not in KINDS:
            raise rpc.invalid("kind", f"unsupported document kind {kind!r}; expected one of " + ", ".join(KINDS))
        if format and format not in KINDS[kind]:
            raise rpc.invalid("format", f"{kind} is rendered as " + " or ".join(KINDS[kind]))
        if not person_id:
            raise rpc.invalid("person_id", "is required")

    def _recall(self, conn: sa.Connection, key: str, fingerprint: bytes) -> dict[str, Any] | None:
        try:
            stored = self.plumbing.recall_idempotent(conn, key=key, operation=RENDER_OPERATION, request=fingerprint)
        except IdempotencyConflict:
            raise rpc.failed_precondition(
                "the idempotency key was used before with a different request", reason="IDEMPOTENCY_KEY_REUSED",
                field="context.idempotency_key", metadata={"idempotency_key": key}) from None
        if stored is None:
            return None
        document_id = json.loads(stored)["document_id"]
        meta = store.get_document(conn, document_id)
        if meta is None:  # cannot happen: documents are never deleted
            raise rpc.ServiceError(grpc.StatusCode.INTERNAL, f"document {document_id} of a replayed request is gone",
                                   reason="DOCUMENT_MISSING")
        return meta

    def _gather(self, person_id: str, household_id: str, operator: str, day: dt.date) -> dict[str, Any]:
        """Everything the certificate needs, from svc-qualification (before any transaction opens)."""
        qualification = self.qualification.get_qualification(person_id, as_of=day, operator_id=operator,
                                                              business_date=day)
        if not qualification.insured:
            raise not_insured(person_id, day)
        # CERT-KIND and CERT-EXPIRY are svc-qualification's rules: ask it which certificates are due, until when.
        due = self.qualification.certificates_due(person_id, operator_id=operator, business_date=day)
        person = self.qualification.get_person(person_id, operator_id=operator, business_date=day)
        if household_id and household_id != person.household_id:
            raise rpc.invalid("household_id", f"person {person_id} is not a member of household {household_id}",
                              reason="HOUSEHOLD_MISMATCH")
        household = self.qualification.get_household(person.household_id, operator_id=operator, business_date=day)
        head = household.member(household.head_person_id)
        if head is None and household.head_person_id:
            head = self.qualification.get_person(household.head_person_id, operator_id=operator, business_date=day)
        return {"person": person, "qualification": qualification, "household": household,
                "head_name": head.name_kanji if head is not None else "", "due": due}

    def _issue(self, kind: str, facts: dict[str, Any], day: dt.date, operator: str, idempotency_key: str,
               fingerprint: bytes) -> dict[str, Any]:
        person, due = facts["person"], facts["due"]
        try:
            eligibility = certificate.eligibility_due(due)
        except NotDue as exc:
            raise _not_due(exc) from None
        except MissingExpiry as exc:
            raise rpc.ServiceError(grpc.StatusCode.INTERNAL, str(exc), reason="QUALIFICATION_FAILED") from None
        with_elderly = certificate.ELDERLY_RECIPIENT_CERTIFICATE in due.kinds
        document_id = str(uuid.uuid4())
        with self.engine.begin() as conn:
            if idempotency_key:
                replay = self._recall(conn, idempotency_key, fingerprint)
                if replay is not None:
                    return replay
            number = certificate.certificate_number(
                day, store.next_certificate_sequence(conn, certificate.sequence_key(day)))
            try:
                cert = certificate.build_eligibility_certificate(
                    person=person, qualification=facts["qualification"], household=facts["household"],
                    head_name=facts["head_name"], issued_on=day, due=eligibility, with_elderly_certificate=with_elderly,
                    number=number, insurer_number=self.insurer_number, insurer_name=self.municipality_name)
            except NotInsured as exc:
                raise not_insured(exc.person_id, exc.day) from None
            content = self.renderer.eligibility_certificate(cert)
            sha256 = hashlib.sha256(content).hexdigest()
            reasons = [r.as_dict() for r in cert.reasons]
            store.add_document(
                conn, document_id=document_id, kind=kind, title=cert.title, person_id=person.person_id,
                household_id=cert.household_id, media_type=certificate.MEDIA_TYPE, content=content, sha256=sha256,
                issued_on=day, valid_until=eligibility.valid_until, certificate_number=number, reasons=reasons,
                operator_id=operator, created_at=dt.datetime.now(dt.timezone.utc))
            self.plumbing.add_event(conn, nats_subject=ISSUED_SUBJECT, type=ISSUED_TYPE, subject=document_id, data={
                "document_id": document_id, "kind": kind, "person_id": person.person_id,
                "household_id": cert.household_id, "issued_on": day.isoformat(),
                "valid_until": eligibility.valid_until.isoformat(), "certificate_number": number, "sha256": sha256})
            self.plumbing.audit(conn, operator_id=operator, action="document.issued", target_kind="document",
                                target_id=document_id,
                                detail=f"{kind} {number} person {person.person_id} "
                                       f"valid until {eligibility.valid_until}")
            if idempotency_key:
                self.plumbing.remember_idempotent(conn, key=idempotency_key, operation=RENDER_OPERATION,
                                                  request=fingerprint,
                                                  response=json.dumps({"document_id": document_id}).encode())
            meta = store.get_document(conn, document_id)
        log.info("document %s issued: %s %s", document_id, kind, number)
        return meta

    # ----- reading -----

    def get_document(self, document_id: str, *, with_content: bool = False, operator_id: str = "") -> dict[str, Any]:
        if not document_id:
            raise rpc.invalid("document_id", "is required")
        if with_content:
            with self.engine.begin() as conn:
                meta = store.get_document(conn, document_id, with_content=True)
                if meta is not None:
                    self.plumbing.audit(conn, operator_id=operator_id, action="document.read", target_kind="document",
                                        target_id=document_id, detail=f"{meta['kind']} person {meta['person_id']}")
        else:
            with self.engine.connect() as conn:
                meta = store.get_document(conn, document_id)
        if meta is None:
            raise rpc.not_found("document", document_id)
        return meta

    def list_documents(self, *, person_id: str = "", kind: str = "", page_size: int = 0,
                       cursor: str = "") -> tuple[list[dict[str, Any]], str]:
        """A page of documents, newest first, and the cursor of the next page ('' at the end)."""
        if page_size < 0:
            raise rpc.invalid("page.page_size", "must not be negative")
        if cursor and not cursor.isdigit():
            raise rpc.invalid("page.cursor", "is not a cursor this service gave out")
        size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        with self.engine.connect() as conn:
            rows = store.list_documents(conn, person_id=person_id, kind=kind, limit=size + 1,
                                        before_seq=int(cursor) if cursor else None)
        next_cursor = str(rows[size - 1]["seq"]) if len(rows) > size else ""
        return rows[:size], next_cursor


def _not_due(exc: NotDue) -> rpc.ServiceError:
    """No 資格確認書 for this person (CERT-KIND, decided by svc-qualification): say what is due instead, and why."""
    why = "; ".join(f"{r.rule_id}: {r.summary}" for r in exc.reasons)
    return rpc.failed_precondition(
        f"{exc}" + (f" — {why}" if why else ""), reason="NOT_DUE", field="person_id", rule="CERT-KIND",
        metadata={"person_id": exc.person_id, "business_date": exc.day.isoformat(), "due_kinds": ",".join(exc.kinds),
                  "rule_ids": ",".join(dict.fromkeys(r.rule_id for r in exc.reasons))})
