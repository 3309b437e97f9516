"""NATS handlers of svc-qualification: events of other services that change our records."""

from __future__ import annotations

import datetime as dt

from nhi_common.bus import PermanentError
from nhi_common.errors import DomainError
from nhi_common.events import Event

from ..domain.commands import RecordCertificateIssued
from ..service_layer import ledger
from ..service_layer.app import App
from ..service_layer.context import Actor

CERTIFICATE_KINDS = {"eligibility_certificate", "qualification_notice", "elderly_recipient_certificate"}


def document_issued_handler(app: App):
    """nhi.v1.document.issued: a certificate svc-documents issued goes into the ledger (2.1.3), once."""

    def handle(event: Event, _headers: dict[str, str]) -> None:
        data = event.data
        if data.get("kind") not in CERTIFICATE_KINDS:
            return  # slips and lists are documents too, but no certificate to collect
        try:
            issued_on = dt.date.fromisoformat(data["issued_on"])
            valid_until = data.get("valid_until") or ""
            ledger.record_certificate_issued(
                app,
                RecordCertificateIssued(
                    kind=data["kind"],
                    person_id=data["person_id"],
                    household_id=data.get("household_id", ""),
                    certificate_number=data.get("certificate_number", ""),
                    issued_on=issued_on,
                    valid_from=issued_on,
                    valid_until=dt.date.fromisoformat(valid_until) if valid_until else None,
                    document_id=data.get("document_id", ""),
                ),
                Actor("svc-documents", business_date=issued_on),
            )
        except (KeyError, ValueError, DomainError) as exc:
            raise PermanentError(f"document event {event.id} cannot go into the ledger: {exc}") from exc

    return handle
