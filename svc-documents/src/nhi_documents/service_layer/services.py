"""Use cases of svc-documents: render a document from svc-qualification's records, store it, announce it."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Callable
from typing import Any

from nhi_common.errors import IdempotencyReuse, InvalidInput, NotFound
from nhi_common.paging import Page

from ..domain import certificate
from ..domain.certificate import NotInsured
from .ports import ConcurrentWrite, DocumentRecords, DocumentStore, IdempotencyKeyReused, QualificationSource, Renderer

log = logging.getLogger(__name__)

ISSUED_SUBJECT = "nhi.v1.document.issued"
ISSUED_TYPE = "jp.nhi.document.issued.v1"
RENDER_OPERATION = "RenderDocument"
KINDS = {certificate.KIND: ("pdf",)}
JST = dt.timezone(dt.timedelta(hours=9))
_ATTEMPTS = 3


class DocumentService:
    """Issues documents exactly once per request (idempotency key) and keeps them with their reasons."""

    def __init__(
        self,
        *,
        store: DocumentStore,
        qualification: QualificationSource,
        renderer: Renderer,
        insurer_number: str,
        municipality_name: str,
        fixed_business_date: dt.date | None = None,
        after_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.qualification = qualification
        self.renderer = renderer
        self.insurer_number = insurer_number
        self.municipality_name = municipality_name
        self.fixed_business_date = fixed_business_date
        self.after_commit = after_commit

    def business_date(self, requested: dt.date | None = None) -> dt.date:
        """The request's business date, else the configured one (NHI_BUSINESS_DATE), else today in Japan."""
        return requested or self.fixed_business_date or dt.datetime.now(JST).date()

    # ----- RenderDocument -----

    def render_document(
        self,
        *,
        kind: str,
        person_id: str,
        household_id: str = "",
        format: str = "pdf",
        operator_id: str = "",
        business_date: dt.date | None = None,
        idempotency_key: str = "",
        fingerprint: bytes = b"",
    ) -> dict[str, Any]:
        """Render, store and announce one document; a replayed idempotency key gives back the first document.

        `fingerprint` is the request serialized deterministically without its idempotency key."""
        self._check_request(kind, format, person_id)
        operator = operator_id or "system"
        if idempotency_key:
            with self.store.transaction() as tx:
                replay = self._replayed(tx, operator, idempotency_key, fingerprint)
            if replay is not None:
                return replay
        day = self.business_date(business_date)
        facts = self._gather(person_id, household_id, operator, day)
        for attempt in range(_ATTEMPTS):
            try:
                meta = self._issue(kind, facts, day, operator, idempotency_key, fingerprint)
                break
            except ConcurrentWrite:
                # A concurrent issue took the same sequence number or the same idempotency key: try again.
                if attempt == _ATTEMPTS - 1:
                    raise
                log.info("retrying document issue after a concurrent write")
        self.after_commit()
        return meta

    def _check_request(self, kind: str, format: str, person_id: str) -> None:
        if not kind:
            raise _invalid("kind", "is required; expected one of " + ", ".join(KINDS))
        if kind not in KINDS:
            raise _invalid("kind", f"unsupported document kind {kind!r}; expected one of " + ", ".join(KINDS))
        if format and format not in KINDS[kind]:
            raise _invalid("format", f"{kind} is rendered as " + " or ".join(KINDS[kind]))
        if not person_id:
            raise _invalid("person_id", "is required")

    @staticmethod
    def _replayed(tx: DocumentRecords, operator: str, key: str, fingerprint: bytes) -> dict[str, Any] | None:
        try:
            return tx.replayed(operator_id=operator, key=key, operation=RENDER_OPERATION, request=fingerprint)
        except IdempotencyKeyReused:
            raise IdempotencyReuse() from None  # names the Idempotency-Key header, as svc-qualification's refusal does

    def _gather(self, person_id: str, household_id: str, operator: str, day: dt.date) -> dict[str, Any]:
        """Everything the certificate needs, from svc-qualification (before any transaction opens)."""
        qualification = self.qualification.get_qualification(
            person_id, as_of=day, operator_id=operator, business_date=day
        )
        if not qualification.insured:
            raise NotInsured(person_id, day)
        # CERT-KIND and CERT-EXPIRY are svc-qualification's rules: ask it which certificates are due, until when.
        due = self.qualification.certificates_due(person_id, operator_id=operator, business_date=day)
        person = self.qualification.get_person(person_id, operator_id=operator, business_date=day)
        if household_id and household_id != person.household_id:
            raise InvalidInput(
                "household_id",
                f"person {person_id} is not a member of household {household_id}",
                rule="HOUSEHOLD",
                code="HOUSEHOLD_MISMATCH",
            )
        household = self.qualification.get_household(person.household_id, operator_id=operator, business_date=day)
        head = household.member(household.head_person_id)
        if head is None and household.head_person_id:
            head = self.qualification.get_person(household.head_person_id, operator_id=operator, business_date=day)
        return {
            "person": person,
            "qualification": qualification,
            "household": household,
            "head_name": head.name_kanji if head is not None else "",
            "due": due,
        }

    def _issue(
        self, kind: str, facts: dict[str, Any], day: dt.date, operator: str, idempotency_key: str, fingerprint: bytes
    ) -> dict[str, Any]:
        person, due = facts["person"], facts["due"]
        eligibility = certificate.eligibility_due(due)
        with_elderly = certificate.ELDERLY_RECIPIENT_CERTIFICATE in due.kinds
        document_id = str(uuid.uuid4())
        with self.store.transaction() as tx:
            if idempotency_key:
                replay = self._replayed(tx, operator, idempotency_key, fingerprint)
                if replay is not None:
                    return replay
            number = certificate.certificate_number(day, tx.next_certificate_sequence(certificate.sequence_key(day)))
            cert = certificate.build_eligibility_certificate(
                person=person,
                qualification=facts["qualification"],
                household=facts["household"],
                head_name=facts["head_name"],
                issued_on=day,
                due=eligibility,
                with_elderly_certificate=with_elderly,
                number=number,
                insurer_number=self.insurer_number,
                insurer_name=self.municipality_name,
            )
            content = self.renderer.eligibility_certificate(cert)
            sha256 = hashlib.sha256(content).hexdigest()
            reasons = [r.as_dict() for r in cert.reasons]
            tx.add_document(
                document_id=document_id,
                kind=kind,
                title=cert.title,
                person_id=person.person_id,
                household_id=cert.household_id,
                media_type=certificate.MEDIA_TYPE,
                content=content,
                sha256=sha256,
                issued_on=day,
                valid_until=eligibility.valid_until,
                certificate_number=number,
                reasons=reasons,
                operator_id=operator,
                created_at=dt.datetime.now(dt.timezone.utc),
            )
            tx.add_event(
                nats_subject=ISSUED_SUBJECT,
                type=ISSUED_TYPE,
                subject=document_id,
                data={
                    "document_id": document_id,
                    "kind": kind,
                    "person_id": person.person_id,
                    "household_id": cert.household_id,
                    "issued_on": day.isoformat(),
                    "valid_until": eligibility.valid_until.isoformat(),
                    "certificate_number": number,
                    "sha256": sha256,
                },
            )
            tx.audit(
                operator_id=operator,
                action="document.issued",
                target_kind="document",
                target_id=document_id,
                detail=f"{kind} {number} person {person.person_id} valid until {eligibility.valid_until}",
            )
            if idempotency_key:
                tx.remember(
                    operator_id=operator,
                    key=idempotency_key,
                    operation=RENDER_OPERATION,
                    request=fingerprint,
                    document_id=document_id,
                )
            meta = tx.get_document(document_id)
        log.info("document %s issued: %s %s", document_id, kind, number)
        return meta

    # ----- reading -----

    def get_document(self, document_id: str, *, with_content: bool = False, operator_id: str = "") -> dict[str, Any]:
        if not document_id:
            raise _invalid("document_id", "is required")
        with self.store.transaction() as tx:
            meta = tx.get_document(document_id, with_content=with_content)
            if meta is not None and with_content:
                tx.audit(
                    operator_id=operator_id,
                    action="document.read",
                    target_kind="document",
                    target_id=document_id,
                    detail=f"{meta['kind']} person {meta['person_id']}",
                )
        if meta is None:
            raise NotFound("document", document_id)
        return meta

    def list_documents(
        self, *, person_id: str = "", kind: str = "", page: Page = Page()
    ) -> tuple[list[dict[str, Any]], str]:
        """A page of documents, newest first, and the cursor of the next page ('' at the end)."""
        with self.store.transaction() as tx:
            return tx.list_documents(person_id=person_id, kind=kind, page=page)


def _invalid(field: str, message: str) -> InvalidInput:
    """A request this service cannot read, with the code plain field checks have always answered."""
    return InvalidInput(field, message, rule="format", code="INVALID_ARGUMENT")
