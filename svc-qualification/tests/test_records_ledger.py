"""The certificate ledger and its collection (回収登録, 2.1.3) on a real database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from clients import Records
from records_steps import BACKOFFICE, CLERK, correction, current, notify, resident_move_in

from nhi_common.errors import DomainError
from nhi_qualification.adapters.repositories.certificates import CertificateRepository
from nhi_qualification.adapters.tables import PLUMBING
from nhi_qualification.domain.errors import IdempotencyReuse, NotFound, RuleViolation
from nhi_qualification.service_layer.certificates import COLLECTED_KINDS
from nhi_qualification.service_layer.context import Actor
from nhi_qualification.service_layer.views import certificate_dict


@pytest.fixture
def records(service):
    return Records(service.app)


def issue(records, person_id="000000001", kind="eligibility_certificate", actor=CLERK, **extra):
    return records.record_certificate_issued(
        {"kind": kind, "person_id": person_id, "issued_on": "2026-11-05", "valid_until": "2027-07-31", **extra}, actor
    )


def audit_actions(engine):
    table = PLUMBING["audit_log"]
    with engine.connect() as conn:
        return [r.action for r in conn.execute(sa.select(table).order_by(table.c.seq))]


def test_an_issued_certificate_enters_the_ledger_once(service, records, engine):
    resident_move_in(service)
    first = issue(records, document_id="D1", certificate_number="0001")
    assert (first["state"], first["household_id"], first["valid_from"], first["collect"]) == (
        "issued",
        "H00000001",
        "2026-11-05",
        False,
    )
    assert issue(records, document_id="D1", certificate_number="0001") == first  # the same document again
    assert (
        records.record_certificate_issued(
            {"certificate_id": first["certificate_id"], "kind": first["kind"], "person_id": "000000001"}, CLERK
        )
        == first
    )
    listed, cursor = records.list_certificates(
        person_id="000000001", state="", outstanding_after_loss=False, page_size=10, cursor=""
    )
    assert [c["certificate_id"] for c in listed] == [first["certificate_id"]] and cursor == ""
    assert audit_actions(engine).count("certificate.issued") == 1


def test_a_new_certificate_of_the_same_kind_puts_the_old_one_up_for_collection(service, records):
    resident_move_in(service)
    old = issue(records)
    new = issue(records, issued_on="2026-11-20")
    by_id = {
        c["certificate_id"]: c
        for c in records.list_certificates(
            person_id="000000001", state="issued", outstanding_after_loss=False, page_size=10, cursor=""
        )[0]
    }
    assert by_id[old["certificate_id"]]["collect"] is True and by_id[new["certificate_id"]]["collect"] is False


@pytest.mark.parametrize(
    "certificate, code, field",
    [
        ({"kind": "insurance_card", "person_id": "000000001"}, "UNKNOWN_KIND", "certificate.kind"),
        ({"kind": "eligibility_certificate", "person_id": ""}, "REQUIRED", "certificate.person_id"),
        (
            {"kind": "eligibility_certificate", "person_id": "000000001", "issued_on": "2026-11-31"},
            "INVALID_DATE",
            "certificate.issued_on",
        ),
        (
            {"kind": "eligibility_certificate", "person_id": "000000001", "issued_on": "2026-11-25"},
            "DATE_IN_FUTURE",
            "certificate.issued_on",
        ),
        (
            {
                "kind": "eligibility_certificate",
                "person_id": "000000001",
                "valid_from": "2026-11-10",
                "valid_until": "2026-11-01",
            },
            "INVALID_RANGE",
            "certificate.valid_until",
        ),
    ],
)
def test_bad_certificates_are_refused(service, records, certificate, code, field):
    resident_move_in(service)
    with pytest.raises(RuleViolation) as error:
        records.record_certificate_issued(certificate, CLERK)
    assert (error.value.code, error.value.field) == (code, field)


def test_a_certificate_of_an_unknown_person_is_not_found(records):
    with pytest.raises(NotFound):
        issue(records, person_id="999999999")


def test_collection_registration_records_the_outcome_with_an_audit_row(service, records, engine):
    resident_move_in(service)
    cert = issue(records)
    result = records.register_certificate_return(cert["certificate_id"], "returned", "2026-11-22", "窓口で回収", CLERK)
    assert (result["certificate"]["state"], result["certificate"]["returned_on"], result["certificate"]["note"]) == (
        "returned",
        "2026-11-22",
        "窓口で回収",
    )
    assert "certificate.returned" in audit_actions(engine)
    with pytest.raises(RuleViolation) as error:
        records.register_certificate_return(cert["certificate_id"], "lost", "", "", CLERK)
    assert error.value.code == "ALREADY_COLLECTED"


def test_a_certificate_not_returned_may_still_come_back(service, records):
    resident_move_in(service)
    cert = issue(records)
    missing = records.register_certificate_return(cert["certificate_id"], "not_returned", "", "督促済み", CLERK)
    assert (
        missing["certificate"]["state"],
        missing["certificate"]["returned_on"],
        missing["certificate"]["collect"],
    ) == ("not_returned", "2026-11-24", True)
    back = records.register_certificate_return(cert["certificate_id"], "returned", "2026-11-24", "", CLERK)
    assert back["certificate"]["state"] == "returned" and back["certificate"]["note"] == "督促済み"


def test_collection_registration_refuses_bad_input(service, records):
    resident_move_in(service)
    cert = issue(records)
    with pytest.raises(RuleViolation) as error:
        records.register_certificate_return(cert["certificate_id"], "burnt", "", "", CLERK)
    assert (error.value.code, error.value.field) == ("UNKNOWN_OUTCOME", "outcome")
    with pytest.raises(NotFound):
        records.register_certificate_return("no-such-certificate", "returned", "", "", CLERK)
    with pytest.raises(RuleViolation) as error:
        records.register_certificate_return(cert["certificate_id"], "returned", "2026-11-25", "", CLERK)
    assert error.value.code == "DATE_IN_FUTURE"
    with pytest.raises(RuleViolation) as error:
        records.register_certificate_return(cert["certificate_id"], "returned", "2026-11-01", "", CLERK)
    assert error.value.code == "BEFORE_ISSUE"


def test_collection_registration_honours_the_idempotency_key(service, records):
    resident_move_in(service)
    cert = issue(records)
    keyed = Actor("clerk-01", idempotency_key="ret-1")
    first = records.register_certificate_return(cert["certificate_id"], "returned", "2026-11-22", "", keyed)
    assert records.register_certificate_return(cert["certificate_id"], "returned", "2026-11-22", "", keyed) == first
    with pytest.raises(IdempotencyReuse):
        records.register_certificate_return(cert["certificate_id"], "lost", "2026-11-22", "", keyed)


def test_certificates_outstanding_after_a_loss(service, records, engine):
    resident_move_in(service)
    notify(service, ["000000001", "000000002"])
    lost, kept = issue(records, "000000001"), issue(records, "000000002")
    notice = issue(records, "000000001", kind="qualification_notice")
    with engine.connect() as conn:
        assert [
            c["certificate_id"]
            for c in map(certificate_dict, CertificateRepository(conn).issued("000000001", COLLECTED_KINDS))
        ] == [lost["certificate_id"]]
    notify(service, ["000000001"], kind="leave", reason="death", event_date="2026-11-20")  # lost 2026-11-21
    out, _ = records.list_certificates(person_id="", state="", outstanding_after_loss=True, page_size=10, cursor="")
    assert {c["certificate_id"] for c in out} == {lost["certificate_id"], notice["certificate_id"]}
    assert kept["certificate_id"] not in {c["certificate_id"] for c in out}
    records.register_certificate_return(lost["certificate_id"], "returned", "2026-11-24", "", CLERK)
    out, _ = records.list_certificates(
        person_id="000000001", state="", outstanding_after_loss=True, page_size=10, cursor=""
    )
    assert [c["certificate_id"] for c in out] == [notice["certificate_id"]]


def test_mark_for_collection_flags_the_issued_certificates_of_the_persons(service, records, engine):
    resident_move_in(service)
    one, two = issue(records, "000000001"), issue(records, "000000002")
    with engine.begin() as conn:
        assert CertificateRepository(conn).mark_for_collection(["000000001"], COLLECTED_KINDS) == 1
        assert CertificateRepository(conn).mark_for_collection([], COLLECTED_KINDS) == 0
    flags = {
        c["certificate_id"]: c["collect"]
        for c in records.list_certificates(
            person_id="", state="issued", outstanding_after_loss=False, page_size=10, cursor=""
        )[0]
    }
    assert flags == {one["certificate_id"]: True, two["certificate_id"]: False}


def test_a_correction_that_ends_the_qualification_marks_certificates_for_collection(service, records, engine):
    resident_move_in(service)
    notify(service, ["000000001"])
    cert = issue(records)
    records.correct_qualification(correction(current(engine, "000000001")[-1], undo=True), BACKOFFICE)
    [listed] = records.list_certificates(
        person_id="000000001", state="", outstanding_after_loss=False, page_size=10, cursor=""
    )[0]
    assert listed["certificate_id"] == cert["certificate_id"] and listed["collect"] is True


def test_the_ledger_pages_with_a_cursor_and_filters_by_state(service, records):
    resident_move_in(service)
    made = [
        issue(records, pid, kind=kind)["certificate_id"]
        for pid in ("000000001", "000000002", "000000003")
        for kind in ("eligibility_certificate", "elderly_recipient_certificate")
    ]
    first, cursor = records.list_certificates(
        person_id="", state="", outstanding_after_loss=False, page_size=4, cursor=""
    )
    second, last = records.list_certificates(
        person_id="", state="", outstanding_after_loss=False, page_size=4, cursor=cursor
    )
    assert [c["certificate_id"] for c in first + second] == made and last == ""
    records.register_certificate_return(made[0], "lost", "", "", CLERK)
    lost, _ = records.list_certificates(
        person_id="", state="lost", outstanding_after_loss=False, page_size=4, cursor=""
    )
    assert [c["certificate_id"] for c in lost] == [made[0]]
    with pytest.raises(DomainError) as error:
        records.list_certificates(person_id="", state="", outstanding_after_loss=False, page_size=4, cursor="x")
    assert error.value.code == "INVALID_CURSOR"
    with pytest.raises(RuleViolation):
        records.list_certificates(person_id="", state="gone", outstanding_after_loss=False, page_size=4, cursor="")
