"""svc-documents' nhi.v1.document.issued events into the certificate ledger, a fetch of them in one transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
import sqlalchemy as sa
from records_steps import resident_move_in

from nhi_common.bus import PermanentError
from nhi_common.errors import DomainError
from nhi_common.events import Event
from nhi_qualification.adapters.tables import PLUMBING, certificates
from nhi_qualification.domain.commands import RecordCertificateIssued
from nhi_qualification.entrypoints.handlers import documents_issued_handler
from nhi_qualification.service_layer import ledger as ledger_layer
from nhi_qualification.service_layer.context import Actor


def app_of(service):
    return service.app


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


def _as_seen(value, ids: dict[str, str]):
    """A ledger answer or row with the generated ids and the persons' own named as the other path's."""
    if isinstance(value, Exception):
        return (type(value).__name__, getattr(value, "code", ""))
    return {k: ids.get(v, v) if isinstance(v, str) else v for k, v in value.items() if k not in ("seq", "updated_at")}


def test_a_batch_records_what_the_certificates_one_at_a_time_would(service, engine):
    """Random sequences of certificates (repeats, a document again for another holder, a given id again, new ones
    replacing old ones, unknown persons) recorded one at a time for one household and as batches for another: the
    same answers, ledger and audit rows, the households' ids aside."""
    resident_move_in(service, household="H00000001", ids=("000000001", "000000002", "000000003"))
    resident_move_in(service, household="H00000002", ids=("000000011", "000000012", "000000013"))
    handle_many = ledger_layer.record_certificates_issued
    rng = random.Random(7)
    actor = Actor("svc-documents", business_date=dt.date(2026, 11, 24))
    sequence = []
    for n in range(120):
        person = rng.choice(["1", "2", "3", "3", "9"])  # 9: no such person
        document = f"{rng.randint(0, 60):04d}"  # repeats: a document again, for its holder or another
        kind = rng.choice(["eligibility_certificate", "eligibility_certificate", "elderly_recipient_certificate"])
        given = f"{rng.randint(0, 20):036d}" if rng.random() < 0.1 else ""
        sequence.append((person, document, kind, given, n))

    def command(prefix: str, person: str, document: str, kind: str, given: str) -> RecordCertificateIssued:
        return RecordCertificateIssued(
            kind=kind,
            person_id=f"0000000{prefix}{person}" if person != "9" else f"99999999{prefix}",
            certificate_id=given[:-1] + prefix if given else "",
            issued_on=dt.date(2026, 11, 5),
            valid_until=dt.date(2027, 7, 31),
            document_id=f"{prefix}-{document}",
        )

    alone = []
    for person, document, kind, given, _n in sequence:
        try:
            alone.append(
                ledger_layer.record_certificate_issued(
                    app_of(service), command("0", person, document, kind, given), actor
                )
            )
        except DomainError as error:
            alone.append(error)
    together = []
    start = 0
    while start < len(sequence):
        size = rng.randint(1, 30)
        part = sequence[start : start + size]
        together += handle_many(app_of(service), [(command("1", p, d, k, g), actor) for p, d, k, g, _n in part])
        start += size

    ids = {}  # the batch path's generated ids and names -> the single path's
    for one, other in zip(alone, together, strict=True):
        if isinstance(one, dict) and isinstance(other, dict):
            ids[other["certificate_id"]] = one["certificate_id"]
    ids.update({f"00000001{p}": f"00000000{p}" for p in "123"} | {"H00000002": "H00000001"})
    ids.update({f"1-{d:04d}": f"0-{d:04d}" for d in range(61)})
    assert [_as_seen(o, {}) for o in alone] == [_as_seen(t, ids) for t in together]
    assert sum(isinstance(o, dict) for o in alone) > 40 and sum(isinstance(o, Exception) for o in alone) > 10
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(certificates).order_by(certificates.c.seq))]
        table = PLUMBING["audit_log"]
        details = [
            (r.target_id, r.detail)
            for r in conn.execute(sa.select(table).where(table.c.action == "certificate.issued").order_by(table.c.seq))
        ]
    first = [_as_seen(r, {}) for r in rows if r["household_id"] == "H00000001"]
    second = [_as_seen(r, ids) for r in rows if r["household_id"] == "H00000002"]
    assert first == second and any(r["collect"] for r in first)
    half = len(details) // 2
    assert half > 40 and details[:half] == [
        (ids[t], d.replace("00000001", "00000000")) for t, d in details[half:]
    ]  # the same certificates, each replacing as many as before


def test_an_event_with_a_control_character_is_refused_naming_the_field_and_the_rest_of_its_fetch_is_kept(
    service, engine
):
    """PostgreSQL refuses a NUL in text: one such event failed the transaction of its whole fetch, delivered again
    and again. Refused up front instead (a control character in any text field, tab and line breaks aside)."""
    resident_move_in(service)
    handle = documents_issued_handler(service.app)
    events = [
        issued("000000001", "D0001"),
        issued("000000001\x00", "D0002"),
        issued("000000001", "D0003", household_id="H00000001\x00"),
        issued("000000003", "D0004", kind="elderly_recipient_certificate", certificate_number="12\x1b34"),
        issued("000000001", "D0005\x00", certificate_number="0005"),
        issued("000000001", "D0006", kind="eligibility_certificate\x00"),
        issued("000000003", "D0007", kind="elderly_recipient_certificate", certificate_number="12\x7f34"),
    ]
    outcomes = handle(events)
    assert outcomes[0] is None
    assert all(isinstance(o, PermanentError) for o in outcomes[1:])
    fields = ["person_id", "household_id", "certificate_number", "document_id", "kind", "certificate_number"]
    assert [str(o).rsplit(": ", 1)[1] for o in outcomes[1:]] == [f"control character in field {f}" for f in fields]
    assert ledger(engine) == [("D0001", "000000001", "eligibility_certificate", False)]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"issued_on": 20261105}, "issued_on is not a date (YYYY-MM-DD)"),
        ({"issued_on": None}, "issued_on is missing"),
        ({"valid_until": ["2027-07-31"]}, "valid_until is not a date (YYYY-MM-DD)"),
        ({"valid_until": "2027-02-30"}, "valid_until is not a date (YYYY-MM-DD)"),
        ({"kind": ["eligibility_certificate"]}, "kind is not text"),
        ({"person_id": {"id": "000000001"}}, "person_id is not text"),
        ({"document_id": "D" * 10_000}, "document_id is longer than 36 characters"),
        ({"document_id": None}, ""),
        ({"certificate_number": 2**63}, "certificate_number is not text"),
    ],
)
def test_an_event_with_a_field_the_ledger_cannot_store_is_refused_naming_it_and_its_fetch_is_kept(
    service, engine, change, field
):
    """A number, a list or an object where text or a date belongs raised a TypeError out of the whole fetch (every
    event of it delivered again, forever); a document id longer than its column failed the transaction on
    PostgreSQL. Refused up front, naming the field and never its value."""
    resident_move_in(service)
    handle = documents_issued_handler(service.app)
    bad = issued("000000001", "D0002")
    bad = dataclasses.replace(bad, data={**bad.data, **change})
    outcomes = handle([issued("000000001", "D0001"), bad])
    assert outcomes[0] is None
    if field:
        assert isinstance(outcomes[1], PermanentError) and str(outcomes[1]).endswith(f"field {field}")
    assert "D0001" in [document_id for document_id, *_ in ledger(engine)]
