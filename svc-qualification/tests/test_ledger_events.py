"""svc-documents' nhi.v1.document.issued events into the certificate ledger, a fetch of them in one transaction."""

from __future__ import annotations

import sqlalchemy as sa
from records_steps import resident_move_in

from nhi_common.bus import PermanentError
from nhi_common.events import Event
from nhi_qualification.adapters.tables import PLUMBING, certificates
from nhi_qualification.entrypoints.handlers import documents_issued_handler


def issued(person_id: str, document_id: str, kind: str = "eligibility_certificate", **extra) -> Event:
    data = {
        "kind": kind,
        "person_id": person_id,
        "household_id": "H00000001",
        "certificate_number": document_id[-4:],
        "issued_on": "2026-11-05",
        "valid_until": "2027-07-31",
        "document_id": document_id,
        **extra,
    }
    return Event.new(source="urn:nhi:svc-documents", type="nhi.v1.document.issued", subject=document_id, data=data)


def ledger(engine) -> list[tuple[str, str, str, bool]]:
    """(document, holder, kind, to be collected) of each certificate in the ledger."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(certificates).order_by(certificates.c.document_id))
        return [(r.document_id, r.person_id, r.kind, bool(r.collect)) for r in rows]


def audited(engine, action: str) -> int:
    table = PLUMBING["audit_log"]
    with engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(table).where(table.c.action == action))


def test_a_fetch_of_events_enters_the_ledger_together_each_as_it_would_alone(service, engine):
    resident_move_in(service)
    handle = documents_issued_handler(service.app)
    events = [
        issued("000000001", "D0001"),
        issued("000000001", "D0001"),  # the same document delivered again: recorded once
        issued("000000003", "D0002", kind="elderly_recipient_certificate"),
        issued("999999999", "D0003"),  # no such person: refused, the others kept
        issued("000000001", "D0004", kind="burial_expense_form"),  # a document that is no certificate: nothing to do
        issued("000000003", "D0005", issued_on="2026-13-01"),  # unreadable date
        issued("000000001", "D0006", issued_on="2099-01-01"),  # after the business date: refused
        issued("000000001", "D0007"),  # a new one of the same kind: the first is replaced
    ]
    outcomes = handle(events)
    assert [type(o).__name__ if o is not None else None for o in outcomes] == [
        None,
        None,
        None,
        "PermanentError",
        None,
        "PermanentError",
        "PermanentError",
        None,
    ]
    assert all(isinstance(o, PermanentError) for o in outcomes if o is not None)
    assert "999999999" in str(outcomes[3]) or "D0003" in str(outcomes[3])
    assert ledger(engine) == [
        ("D0001", "000000001", "eligibility_certificate", True),
        ("D0002", "000000003", "elderly_recipient_certificate", False),
        ("D0007", "000000001", "eligibility_certificate", False),
    ]
    assert audited(engine, "certificate.issued") == 3  # each certificate recorded has its audit row
    # Delivered again (an ack lost): nothing changes.
    assert handle(events[:3]) == [None, None, None]
    assert len(ledger(engine)) == 3 and audited(engine, "certificate.issued") == 3
