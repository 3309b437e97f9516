"""NATS handlers of svc-qualification: events of other services that change our records."""

from __future__ import annotations

import datetime as dt

from nhi_common.bus import PermanentError
from nhi_common.events import Event

from ..domain.errors import RuleViolation
from ..service_layer.context import Actor
from ..service_layer.records import RecordsService

CERTIFICATE_KINDS = {"eligibility_certificate", "qualification_notice", "elderly_recipient_certificate"}


def document_issued_handler(records: RecordsService):
    """nhi.v1.document.issued: a certificate svc-documents issued goes into the ledger (2.1.3), once."""

    def handle(event: Event, _headers: dict[str, str]) -> None:
        data = event.data
        if data.get("kind") not in CERTIFICATE_KINDS:
            return  # slips and lists are documents too, but no certificate to collect
        try:
            issued_on = dt.date.fromisoformat(data["issued_on"])
            records.record_certificate_issued({
                "kind": data["kind"], "person_id": data["person_id"], "household_id": data.get("household_id", ""),
                "certificate_number": data.get("certificate_number", ""), "issued_on": data["issued_on"],
                "valid_from": data["issued_on"], "valid_until": data.get("valid_until", ""),
                "document_id": data.get("document_id", "")}, Actor("svc-documents", business_date=issued_on))
        except (KeyError, ValueError, RuleViolation) as exc:
            raise PermanentError(f"document event {event.id} cannot go into the ledger: {exc}") from exc

    return handle
