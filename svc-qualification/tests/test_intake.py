"""Intake on a real database: resident changes reflected, statuses, head changes, certificates due and to collect."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from nhi_qualification.adapters.tables import PLUMBING, certificates
from nhi_qualification.domain.errors import RuleViolation
from nhi_qualification.service_layer.context import Actor

CLERK = Actor("clerk-01")
REGISTRY = Actor("integration")


def person(pid: str, birth: str, relationship: str = "子", order: int = 1, **extra) -> dict:
    return {
        "person_id": pid,
        "name_kanji": "髙橋 一",
        "name_kana": "タカハシ ハジメ",
        "birth_date": birth,
        "sex": "1",
        "relationship": relationship,
        "listing_order": order,
        **extra,
    }


def resident(
    service, kind: str, people: list[dict], *, change_id: str, event_date="2026-11-01", household="H1", head="000000001"
):
    return service.apply_resident_changes(
        [
            {
                "change_id": change_id,
                "change_kind": kind,
                "event_date": event_date,
                "notified_on": event_date,
                "household_id": household,
                "head_person_id": head,
                "persons": people,
            }
        ],
        REGISTRY,
    )[0]


def join(service, ids, reason="move_in", event_date="2026-11-01", household="H1", **extra):
    return service.submit_notification(
        {
            "kind": "join",
            "reason": reason,
            "household_id": household,
            "persons": [{"person_id": p} for p in ids],
            "event_date": event_date,
            "notified_on": event_date,
            "identity_check": {"document_kind": "driver_license", "checked_by": "clerk-01"},
            **extra,
        },
        CLERK,
    )


def status(service, pid: str, claims: list[dict], household="H1", dry_run=False):
    return service.submit_notification(
        {
            "kind": "status",
            "reason": "status",
            "household_id": household,
            "persons": [{"person_id": pid}],
            "event_date": "2026-11-20",
            "notified_on": "2026-11-20",
            "statuses": claims,
            "dry_run": dry_run,
            "identity_check": {"document_kind": "my_number_card", "checked_by": "clerk-01"},
        },
        CLERK,
    )


@pytest.fixture
def household(service):
    resident(
        service,
        "move_in",
        [person("000000001", "1980-05-05", "世帯主", 1), person("000000002", "2010-05-05", "子", 2)],
        change_id="mi-1",
    )
    join(service, ["000000001", "000000002"])
    return service


def events(engine, subject: str) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(PLUMBING["outbox"].c.ce_subject).where(PLUMBING["outbox"].c.nats_subject == subject)
            ).scalars()
        )


def test_a_registered_death_loses_the_qualification_the_next_day_without_a_notification(household, engine):
    outcome = resident(
        household, "death", [person("000000002", "2010-05-05")], change_id="d-1", event_date="2026-11-15"
    )
    assert outcome["outcome"] == "reflected"
    view = household.get_qualification("000000002", dt.date(2026, 11, 16), None, CLERK)
    assert view["insured"] is False
    assert household.get_history("000000002")["versions"][-1]["lost_on"] == "2026-11-16"
    assert events(engine, "nhi.v1.qualification.lost") == ["000000002"]


def test_a_move_out_within_the_prefecture_ends_coverage_but_not_the_qualification(household):
    resident(
        household,
        "move_out_same_pref",
        [person("000000001", "1980-05-05", "世帯主")],
        change_id="mo-1",
        event_date="2026-11-10",
    )
    latest = household.get_history("000000001")["versions"][-1]
    assert (latest["lost_on"], latest["coverage_ends_on"]) == ("", "2026-11-10")
    assert household.get_qualification("000000001", dt.date(2026, 11, 10), None, CLERK)["insured"] is False
    assert household.get_qualification("000000001", dt.date(2026, 11, 9), None, CLERK)["insured"] is True


def test_a_birth_into_an_nhi_household_acquires_on_the_birth_date_with_the_childbirth_form(household, engine):
    outcome = resident(
        household, "birth", [person("000000003", "2026-11-18", "子", 3)], change_id="b-1", event_date="2026-11-18"
    )
    assert outcome["outcome"] == "reflected"
    view = household.get_qualification("000000003", None, None, CLERK)
    assert view["insured"] and view["period"]["acquired_on"] == "2026-11-18"
    assert view["period"]["reasons"][0]["rule_id"] == "ACQ-BIRTH"
    changes, _ = household.list_intake_items("open", 50, "")
    assert changes == []


def test_a_birth_into_a_household_without_nhi_members_is_only_recorded(service):
    resident(
        service,
        "move_in",
        [person("000000011", "1980-05-05", "世帯主")],
        change_id="mi-2",
        household="H2",
        head="000000011",
    )
    outcome = resident(
        service,
        "birth",
        [person("000000012", "2026-11-18")],
        change_id="b-2",
        household="H2",
        head="000000011",
        event_date="2026-11-18",
    )
    assert outcome["outcome"] == "applied"
    assert service.get_history("000000012")["versions"] == []


def test_a_mover_with_a_member_of_70_to_74_needs_an_income_inquiry(service):
    resident(
        service,
        "move_in",
        [person("000000021", "1954-06-10", "世帯主"), person("000000022", "1990-01-01", "子", 2)],
        change_id="mi-3",
        household="H3",
        head="000000021",
    )
    decision = join(service, ["000000021", "000000022"], household="H3")["decision"]
    assert decision["income_inquiry_needed"] is True
    kinds = sorted(c["kind"] for c in decision["certificates_to_issue"])
    assert kinds == ["elderly_recipient_certificate", "eligibility_certificate", "eligibility_certificate"]


def test_registering_the_card_turns_the_next_certificate_into_a_qualification_notice(household):
    response = status(
        household,
        "000000001",
        [
            {
                "person_id": "000000001",
                "kind": "card_registration",
                "start": "2026-11-20",
                "evidence": ["national_registration_record"],
            }
        ],
    )
    decision = response["decision"]
    assert decision["statuses"][0]["kind"] == "card_registration"
    assert [c["kind"] for c in decision["certificates_to_issue"]] == ["qualification_notice"]
    assert household.get_person("000000001", CLERK)["card_registered"] is True


def test_a_status_with_missing_evidence_or_a_wrong_separation_code_is_refused(household):
    with pytest.raises(RuleViolation) as error:
        status(household, "000000001", [{"person_id": "000000001", "kind": "student_away", "start": "2026-04-01"}])
    assert error.value.field.startswith("statuses[0].") and error.value.code == "EVIDENCE_MISSING"
    with pytest.raises(RuleViolation) as error:
        status(
            household,
            "000000001",
            [
                {
                    "person_id": "000000001",
                    "kind": "involuntary_unemployment",
                    "start": "2026-11-01",
                    "end": "2028-03-31",
                    "separation_date": "2026-10-31",
                    "separation_code": "99",
                    "evidence": ["benefit_eligibility_card"],
                }
            ],
        )
    assert error.value.field.startswith("statuses[0].")


def test_a_dry_run_status_stores_nothing(household):
    status(
        household,
        "000000001",
        [
            {
                "person_id": "000000001",
                "kind": "card_registration",
                "start": "2026-11-20",
                "evidence": ["national_registration_record"],
            }
        ],
        dry_run=True,
    )
    assert household.get_person("000000001", CLERK)["statuses"] == []


def test_an_insured_member_becomes_the_nhi_head_of_a_deemed_head_household(service):
    resident(
        service,
        "move_in",
        [person("000000031", "1960-01-01", "世帯主"), person("000000032", "1990-01-01", "子", 2)],
        change_id="mi-4",
        household="H4",
        head="000000031",
    )
    join(service, ["000000032"], household="H4")
    assert service.get_household("H4", CLERK)["deemed_head"] is True
    response = service.submit_notification(
        {
            "kind": "change",
            "reason": "head_change",
            "household_id": "H4",
            "persons": [{"person_id": "000000032"}],
            "new_head_person_id": "000000032",
            "event_date": "2026-11-20",
            "notified_on": "2026-11-20",
            "identity_check": {"document_kind": "my_number_card", "checked_by": "clerk-01"},
        },
        CLERK,
    )
    assert "HOUSEHOLD" in [r["rule_id"] for r in response["decision"]["reasons"]]
    assert service.get_household("H4", CLERK)["nhi_head_person_id"] == "000000032"
    with pytest.raises(RuleViolation) as error:
        service.submit_notification(
            {
                "kind": "change",
                "reason": "head_change",
                "household_id": "H4",
                "persons": [{"person_id": "000000031"}],
                "new_head_person_id": "000000031",
                "event_date": "2026-11-20",
                "notified_on": "2026-11-20",
                "identity_check": {"document_kind": "my_number_card", "checked_by": "clerk-01"},
            },
            CLERK,
        )
    assert error.value.code == "NOT_AN_INSURED_MEMBER"


def test_a_loss_lists_the_certificates_to_collect_and_marks_them(household, engine):
    with engine.begin() as conn:
        conn.execute(
            sa.insert(certificates).values(
                certificate_id="c-1",
                kind="eligibility_certificate",
                person_id="000000002",
                household_id="H1",
                certificate_number="R8-000001",
                issued_on=dt.date(2026, 11, 1),
                valid_from=dt.date(2026, 11, 1),
                valid_until=dt.date(2027, 7, 31),
                updated_at=dt.datetime.now(dt.timezone.utc),
            )
        )
    response = household.submit_notification(
        {
            "kind": "leave",
            "reason": "emp_join",
            "household_id": "H1",
            "persons": [{"person_id": "000000002"}],
            "event_date": "2026-11-20",
            "notified_on": "2026-11-21",
            "identity_check": {"document_kind": "health_certificate", "checked_by": "clerk-01"},
        },
        CLERK,
    )
    collect = response["decision"]["certificates_to_collect"]
    assert [c["certificate_id"] for c in collect] == ["c-1"]
    with engine.connect() as conn:
        assert conn.execute(sa.select(certificates.c.collect)).scalar_one() is True


def test_a_move_in_from_within_the_prefecture_carries_the_acquisition_date(service):
    resident(
        service,
        "move_in_same_pref",
        [person("000000041", "1985-01-01", "世帯主")],
        change_id="mp-1",
        household="H5",
        head="000000041",
    )
    decision = join(
        service, ["000000041"], reason="move_in_same_pref", household="H5", prefecture_acquired_on="2015-04-01"
    )["decision"]
    assert decision["persons"][0]["acquired_on"] == "2015-04-01"
    assert decision["persons"][0]["coverage_starts_on"] == "2026-11-01"
    assert service.get_qualification("000000041", dt.date(2026, 10, 31), None, CLERK)["insured"] is False


def test_the_certificates_due_now_follow_cert_kind_and_cert_expiry(household):
    due = household.certificates_due_now("000000001", CLERK)
    assert [(c["kind"], c["valid_until"]) for c in due["certificates"]] == [("eligibility_certificate", "2027-07-31")]
    assert {r["rule_id"] for r in due["certificates"][0]["reasons"]} >= {"CERT-KIND", "CERT-EXPIRY"}
    resident(household, "move_in", [person("000000009", "1990-01-01", "子", 9)], change_id="mi-9")
    with pytest.raises(RuleViolation) as error:
        household.certificates_due_now("000000009", CLERK)
    assert error.value.code == "NOT_INSURED"


def test_a_household_is_confirmed_as_of_a_date_and_as_known_at_a_moment(household):
    before_death = dt.datetime.now(dt.timezone.utc)
    resident(household, "death", [person("000000002", "2010-05-05")], change_id="d-9", event_date="2026-11-15")
    after = household.get_household("H1", CLERK, as_of=dt.date(2026, 11, 20))
    assert {m["person_id"]: m["insured"] for m in after["members"]} == {"000000001": True, "000000002": False}
    known_before = household.get_household("H1", CLERK, as_of=dt.date(2026, 11, 20), known_at=before_death)
    assert all(m["insured"] for m in known_before["members"])
    assert household.get_household("H1", CLERK, as_of=dt.date(2026, 10, 31))["deemed_head"] is False


def test_a_student_away_does_not_lose_the_qualification_when_registered_as_moved_out(household):
    status(
        household,
        "000000002",
        [
            {
                "person_id": "000000002",
                "kind": "student_away",
                "start": "2026-11-20",
                "evidence": ["enrollment_certificate"],
            }
        ],
    )
    outcome = resident(
        household, "move_out", [person("000000002", "2010-05-05")], change_id="mo-9", event_date="2026-11-21"
    )
    assert outcome["outcome"] == "intake_item"
    assert household.get_qualification("000000002", dt.date(2026, 11, 22), None, CLERK)["insured"] is True


def test_an_address_exception_makes_a_one_person_household_and_the_qualification_goes_on(household):
    response = status(
        household,
        "000000002",
        [
            {
                "person_id": "000000002",
                "kind": "address_exception",
                "start": "2026-11-20",
                "evidence": ["facility_admission_certificate"],
            }
        ],
    )
    assert response["decision"]["statuses"][0]["kind"] == "address_exception"
    moved = household.get_person("000000002", CLERK)
    assert moved["household_id"] == "S000000002"
    single = household.get_household("S000000002", CLERK)
    assert [m["person_id"] for m in single["members"]] == ["000000002"] and single["symbol"] == "みどり"
    view = household.get_qualification("000000002", dt.date(2026, 11, 21), None, CLERK)
    assert view["insured"] and view["period"]["acquired_on"] == "2026-11-01" and view["period"]["branch_no"] == "01"


def test_a_registry_move_out_leaves_an_address_exception_person_in_their_own_household(household):
    claim = {
        "person_id": "000000002",
        "kind": "address_exception",
        "start": "2026-11-20",
        "evidence": ["facility_admission_certificate"],
    }
    status(household, "000000002", [claim])
    outcome = resident(
        household, "move_out", [person("000000002", "2010-05-05", "子", 2)], change_id="mo-7", event_date="2026-11-21"
    )
    assert outcome["outcome"] == "intake_item"
    moved = household.get_person("000000002", CLERK)
    assert (moved["household_id"], moved["relationship"], moved["resident_status"]) == (
        "S000000002",
        "世帯主",
        "moved_out",
    )
    assert [m["person_id"] for m in household.get_household("S000000002", CLERK)["members"]] == ["000000002"]
    assert [m["person_id"] for m in household.get_household("H1", CLERK)["members"]] == ["000000001"]
    view = household.get_qualification("000000002", dt.date(2026, 11, 22), None, CLERK)
    assert view["insured"] and view["period"]["household_id"] == "S000000002"


def test_the_death_of_a_member_who_was_never_insured_needs_no_clerk(service):
    resident(
        service,
        "move_in",
        [person("000000051", "1980-01-01", "世帯主"), person("000000052", "1950-01-01", "父", 2)],
        change_id="mi-5",
        household="H6",
        head="000000051",
    )
    join(service, ["000000051"], household="H6")
    outcome = resident(
        service,
        "death",
        [person("000000052", "1950-01-01", "父", 2)],
        change_id="d-5",
        household="H6",
        head="000000051",
        event_date="2026-11-15",
    )
    assert outcome["outcome"] == "applied"
    assert service.list_intake_items("open", 50, "")[0] == []


def test_every_change_of_a_person_is_kept_as_a_version(household):
    resident(
        household,
        "household_change",
        [person("000000002", "2010-05-05", "孫", 3)],
        change_id="hc-1",
        event_date="2026-11-10",
    )
    status(
        household,
        "000000001",
        [
            {
                "person_id": "000000001",
                "kind": "gender_identity_display",
                "start": "2026-11-20",
                "evidence": ["application", "medical_certificate"],
                "display_name": "髙橋 ひかる",
            }
        ],
    )
    child = household.get_history("000000002")["person_versions"]
    assert [v["attributes"]["relationship"] for v in child] == ["子", "孫"]
    assert [v["cause"].split()[0] for v in child] == ["resident.move_in", "resident.household_change"]
    head = household.get_history("000000001")["person_versions"]
    assert head[-1]["attributes"]["display_name"] == "髙橋 ひかる" and head[-1]["cause"].startswith("status.")
    assert all("my_number" not in v["attributes"] for v in head)


def test_a_cancellation_or_a_dv_measure_from_a_later_day_changes_the_certificates_due_from_that_day(household):
    """CERT-KIND on the day asked: a 利用登録 cancelled from 2026-12-16 (its end 12-15), or a DV support measure from
    2026-12-01, registered on 11-20, gives a 70-74 person the 資格確認書 and the 高齢受給者証 from that day on (svc-documents
    asks on that day to queue them), the お知らせ before."""

    def due_on(pid: str, day: str) -> list[str]:
        asked = Actor("documents", business_date=dt.date.fromisoformat(day))
        return [c["kind"] for c in household.certificates_due_now(pid, asked)["certificates"]]

    registered = {"kind": "card_registration", "start": "2026-10-01", "evidence": ["national_registration_record"]}
    notice, both = ["qualification_notice"], ["eligibility_certificate", "elderly_recipient_certificate"]
    for pid, order in (("000000051", 5), ("000000052", 6)):
        resident(household, "move_in", [person(pid, "1954-06-10", "父", order)], change_id=f"mi-{pid}")
        join(household, [pid])
        status(household, pid, [{"person_id": pid, **registered}])
        assert due_on(pid, "2026-11-24") == notice

    cancelling = household.get_person("000000051", CLERK)["statuses"][0]
    ended = {**registered, "person_id": "000000051", "status_id": cancelling["status_id"], "end": "2026-12-15"}
    status(household, "000000051", [ended])
    assert due_on("000000051", "2026-12-15") == notice
    assert due_on("000000051", "2026-12-16") == both

    dv = {"person_id": "000000052", "kind": "dv_support", "start": "2026-12-01", "evidence": ["support_measure_record"]}
    status(household, "000000052", [dv])
    assert due_on("000000052", "2026-11-30") == notice
    assert due_on("000000052", "2026-12-01") == both
