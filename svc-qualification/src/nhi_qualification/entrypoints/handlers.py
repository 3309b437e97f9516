"""NATS handlers of svc-qualification: events of other services that change our records."""

from __future__ import annotations

import logging
from collections.abc import Callable

from nhi_common import event_fields as fields
from nhi_common.bus import PermanentError
from nhi_common.errors import DomainError
from nhi_common.events import Event

from ..adapters.tables import certificates
from ..domain.commands import RecordCertificateIssued
from ..service_layer import ledger
from ..service_layer.app import App
from ..service_layer.context import Actor
from . import parse

log = logging.getLogger(__name__)

CERTIFICATE_KINDS = {"eligibility_certificate", "qualification_notice", "elderly_recipient_certificate"}
# The fields of a document event that go into text columns: one holding a NUL would fail the transaction of the
# whole fetch on PostgreSQL, at every delivery again.
TEXT_FIELDS = ("kind", "person_id", "household_id", "certificate_number", "document_id")

# What became of each event of a batch, in order: None = done (acked), PermanentError = never (terminated), any other
# exception = not now (delivered again later).
BatchHandler = Callable[[list[Event]], list[Exception | None]]


def _issued(event: Event) -> tuple[RecordCertificateIssued, Actor]:
    """The event's certificate, each field as the ledger stores it; BadField (naming the field) when one cannot be."""
    data, c = event.data, certificates.c
    issued_on = fields.date(data, "issued_on", required=True)
    command = RecordCertificateIssued(
        kind=fields.text(data, "kind", limit=fields.limit_of(c.kind), required=True),
        person_id=fields.text(data, "person_id", limit=fields.limit_of(c.person_id), required=True),
        household_id=fields.text(data, "household_id", limit=fields.limit_of(c.household_id)),
        certificate_number=fields.text(data, "certificate_number", limit=fields.limit_of(c.certificate_number)),
        issued_on=issued_on,
        valid_from=issued_on,
        valid_until=fields.date(data, "valid_until"),
        document_id=fields.text(data, "document_id", limit=fields.limit_of(c.document_id)),
    )
    return command, Actor("svc-documents", business_date=issued_on)


def documents_issued_handler(app: App) -> BatchHandler:
    """nhi.v1.document.issued: the certificates svc-documents issued go into the ledger (2.1.3), each once, the
    events of one fetch in one transaction (ledger.record_certificates_issued)."""

    def handle(events: list[Event]) -> list[Exception | None]:
        outcomes: list[Exception | None] = [None] * len(events)
        wanted: list[tuple[int, RecordCertificateIssued, Actor]] = []
        for index, event in enumerate(events):
            if (field := parse.field_with_control_character(event.data, TEXT_FIELDS)) is not None:
                outcomes[index] = PermanentError(
                    f"document event {event.id} cannot go into the ledger: control character in field {field}"
                )
                continue
            kind = event.data.get("kind")
            if kind is None or (isinstance(kind, str) and kind not in CERTIFICATE_KINDS):
                continue  # slips and lists are documents too, but no certificate to collect
            try:
                wanted.append((index, *_issued(event)))
            except fields.BadField as exc:
                outcomes[index] = PermanentError(f"document event {event.id} cannot go into the ledger: {exc}")
        recorded = ledger.record_certificates_issued(app, [(command, actor) for _i, command, actor in wanted])
        for (index, _command, _actor), result in zip(wanted, recorded, strict=True):
            if isinstance(result, DomainError):
                outcomes[index] = PermanentError(
                    f"document event {events[index].id} cannot go into the ledger: {result}"
                )
        return outcomes

    return handle
