"""What the use cases need from the outside: svc-qualification, a renderer, and this service's own records."""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from typing import Any, Protocol

from nhi_common.paging import Page

from ..domain.layout import DocumentModel
from ..domain.model import CertificatesDue, HouseholdInfo, PersonInfo, QualificationInfo, ShareInfo


class QualificationSource(Protocol):
    """Persons, qualifications, households and the certificates due (CERT-KIND, CERT-EXPIRY).

    Raises NotFound for an unknown person or household and NotInsured (GetCertificatesDue); any other failure of
    svc-qualification as the error this service's caller sees (rpc.ServiceError, UNAVAILABLE when it did not answer)."""

    def get_person(self, person_id: str, *, operator_id: str, business_date: dt.date) -> PersonInfo: ...

    def get_qualification(
        self, person_id: str, *, as_of: dt.date, operator_id: str, business_date: dt.date
    ) -> QualificationInfo: ...

    def get_household(self, household_id: str, *, operator_id: str, business_date: dt.date) -> HouseholdInfo: ...

    def certificates_due(self, person_id: str, *, operator_id: str, business_date: dt.date) -> CertificatesDue: ...

    def share(
        self, person_id: str, household_id: str, *, as_of: dt.date, operator_id: str, business_date: dt.date
    ) -> ShareInfo:
        """The person's 一部負担金の割合 as svc-qualification determines it (BURDEN-3), without storing anything."""

    def hidden_persons(self, caller: Any, person_ids: list[str], listing: str) -> set[str]:
        """Rule DV: which of a list's persons its caller (`caller`, the request's context as it came) may not see
        listed, as svc-qualification says (who is under a DV support measure on the caller's business date; it
        audits a listing under dv:read)."""


class Renderer(Protocol):
    def render(self, doc: DocumentModel) -> bytes:
        """The PDF; UndrawableCharacter when no font draws a character, TextOverflow when a text cannot fit."""

    def csv(self, doc: DocumentModel, encoding: str) -> tuple[bytes, int]:
        """A list as CSV (UTF-8 with BOM, or CP932) and how many characters CP932 could not carry."""

    def substituted(self, doc: DocumentModel) -> list[tuple[str, str]]:
        """(source, sequence) of the ideographic variation sequences the PDF prints as their base character."""


class IdempotencyKeyReused(Exception):
    """An idempotency key came back with a different request."""


class ConcurrentWrite(Exception):
    """Another transaction took the same certificate number or idempotency key first; the work may be tried again."""


class DocumentRecords(Protocol):
    """The records of svc-documents inside one transaction."""

    def replayed(self, *, operator_id: str, key: str, operation: str, request: bytes) -> dict[str, Any] | None:
        """The document the operator's request under `key` issued before; IdempotencyKeyReused if the key came with
        another request."""

    def remember(self, *, operator_id: str, key: str, operation: str, request: bytes, document_id: str) -> None: ...

    def next_certificate_sequence(self, key: str) -> int: ...

    def add_document(
        self,
        *,
        document_id: str,
        kind: str,
        title: str,
        person_id: str,
        household_id: str,
        media_type: str,
        content: bytes,
        sha256: str,
        issued_on: dt.date,
        valid_until: dt.date | None,
        certificate_number: str | None,
        reasons: list[dict[str, Any]],
        operator_id: str,
        created_at: dt.datetime,
    ) -> None: ...

    def get_document(self, document_id: str, *, with_content: bool = False) -> dict[str, Any] | None: ...

    def list_documents(self, *, person_id: str, kind: str, page: Page) -> tuple[list[dict[str, Any]], str]:
        """One page of documents without their content, newest first, and the cursor of the next page."""

    def add_event(self, *, nats_subject: str, type: str, subject: str, data: dict[str, Any]) -> None:
        """Into the outbox: published once this transaction commits, never otherwise."""

    def audit(self, *, operator_id: str, action: str, target_kind: str, target_id: str, detail: str = "") -> None: ...


class DocumentStore(Protocol):
    def transaction(self) -> AbstractContextManager[DocumentRecords]:
        """Everything done with the records it yields commits together, or not at all (ConcurrentWrite)."""
