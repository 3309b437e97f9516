"""What each event of svc-qualification puts on the print queue (the events as svc-qualification writes them)."""

from __future__ import annotations

import datetime as dt

import pytest

from nhi_common.event_fields import BadField
from nhi_documents.service_layer.print_queue import due_items, is_elder

D = dt.date
CHANGED = "jp.nhi.qualification.changed.v1"
LOST = "jp.nhi.qualification.lost.v1"
ACQUIRED = "jp.nhi.qualification.acquired.v1"


def changed(**data):
    return {
        "person_id": "p1",
        "household_id": "H1",
        "business_date": "2026-11-24",
        "effective_date": "2026-11-24",
        "rule_ids": [],
        **data,
    }


def person_event(**data):
    return {"person_id": "p1", "household_id": "H1", "business_date": "2026-11-24", "birth_date": "1985-04-02", **data}


def items(event_type, data, due=("eligibility_certificate",)):
    asked = []

    def due_kinds(person_id, day):
        asked.append(day)
        return due

    found = [
        (i["kind"], i["reason"], i["due_on"].isoformat(), tuple(i["rule_ids"]))
        for i in due_items(event_type, data, due_kinds)
    ]
    return found, asked


def test_a_burden_change_makes_the_slip_due_and_a_ratio_change_the_elderly_certificate_too():
    ratio = changed(change_kind="burden", ratio_percent_old=20, ratio_percent_new=30, rule_ids=["BURDEN-3"])
    assert items(CHANGED, ratio)[0] == [
        ("elderly_recipient_certificate", "share_changed", "2026-11-24", ("ELDER-CERT-EXPIRY", "BURDEN-3")),
        ("burden_category_slip", "burden_changed", "2026-11-24", ("BURDEN-3",)),
    ]
    limit = changed(
        change_kind="burden",
        ratio_percent_old=30,
        ratio_percent_new=30,
        limit_category_old="現役並みⅠ",
        limit_category_new="現役並みⅡ",
        rule_ids=["LIMIT-CATEGORY"],
    )
    assert items(CHANGED, limit)[0] == [("burden_category_slip", "burden_changed", "2026-11-24", ("LIMIT-CATEGORY",))]
    same = changed(change_kind="burden", ratio_percent_old=30, ratio_percent_new=30, limit_category_new=None)
    assert items(CHANGED, same)[0] == []


def test_a_move_to_later_elderly_care_as_specific_same_household_makes_its_slip_due():
    moved = person_event(reason="age75", lost_on="2026-11-20", birth_date="1951-11-20", specific_same_household=True)
    assert items(LOST, moved)[0] == [
        ("specific_same_household_slip", "age75", "2026-11-24", ("LOSS-AGE75", "SPECIAL-STATUS"))
    ]
    alone = {**moved, "specific_same_household": False}
    assert items(LOST, alone)[0] == []


def test_a_70_74_person_leaving_makes_the_burden_slip_due_one_under_70_not():
    left = person_event(reason="emp_join", lost_on="2026-11-21", birth_date="1954-12-15")
    assert items(LOST, left)[0] == [("burden_category_slip", "elder_left", "2026-11-24", ("BURDEN-3",))]
    assert items(LOST, {**left, "birth_date": "1960-01-01"})[0] == []


def test_a_card_trigger_asks_cert_kind_on_the_day_the_card_stops_working_and_an_ended_one_queues_nothing():
    expired = changed(
        change_kind="status", status_kind="card_expired", status_end="", effective_date="2027-01-16", rule_ids=[]
    )
    found, asked = items(CHANGED, expired, due=("eligibility_certificate", "elderly_recipient_certificate"))
    assert asked == [D(2027, 1, 16)]
    assert [(kind, on) for kind, _reason, on, _rules in found] == [
        ("eligibility_certificate", "2027-01-16"),
        ("elderly_recipient_certificate", "2027-01-16"),
    ]
    assert items(CHANGED, {**expired, "status_end": "2027-03-31"}) == ([], [])
    # a registered person is due a お知らせ on that day only if the card works again: nothing to print then
    assert items(CHANGED, expired, due=("qualification_notice",))[0] == []


@pytest.mark.parametrize(
    ("birth", "day", "elder"),
    [
        (D(1956, 12, 15), D(2026, 12, 31), False),  # 70 on 2026-12-14: ELDER-START is 2027-01-01
        (D(1956, 12, 15), D(2027, 1, 1), True),
        (D(1951, 11, 20), D(2026, 11, 19), True),
        (D(1951, 11, 20), D(2026, 11, 20), False),  # 75 on the birthday: 後期高齢者医療
    ],
)
def test_elder_runs_from_elder_start_to_the_day_before_the_75th_birthday(birth, day, elder):
    assert is_elder(birth, day) is elder


@pytest.mark.parametrize(
    ("status", "reason", "rules"),
    [
        ({"status_kind": "dv_support", "status_end": ""}, "dv_support", ("DV", "CERT-KIND")),
        ({"status_kind": "card_registration", "status_end": "2026-11-23"}, "registration_cancelled", ("CERT-KIND",)),
    ],
)
def test_a_dv_measure_or_a_cancelled_registration_brings_the_elderly_certificate_when_cert_kind_gives_one(
    status, reason, rules
):
    event = changed(change_kind="status", **status)
    both = ("eligibility_certificate", "elderly_recipient_certificate")
    assert items(CHANGED, event, due=both)[0] == [
        ("eligibility_certificate", reason, "2026-11-24", rules),
        ("elderly_recipient_certificate", reason, "2026-11-24", rules),
    ]
    # under 70, or the share printed on the 資格確認書; or svc-qualification not yet seeing the change: the 資格確認書
    assert items(CHANGED, event, due=("qualification_notice",))[0] == [
        ("eligibility_certificate", reason, "2026-11-24", rules)
    ]


@pytest.mark.parametrize(
    ("status", "reason", "rules", "on"),
    [
        (
            {"status_kind": "dv_support", "status_start": "2026-12-01", "status_end": ""},
            "dv_support",
            ("DV", "CERT-KIND"),
            D(2026, 12, 1),
        ),
        (
            {"status_kind": "card_registration", "status_start": "2026-10-01", "status_end": "2026-12-15"},
            "registration_cancelled",
            ("CERT-KIND",),
            D(2026, 12, 16),
        ),
    ],
)
def test_a_dv_measure_or_a_cancellation_from_a_later_day_is_due_that_day_with_what_cert_kind_gives_then(
    status, reason, rules, on
):
    """Registered on 2026-11-24 from a later day: CERT-KIND is asked on the day the change takes effect, where the
    person is no longer due the お知らせ, and both certificates are due that day."""
    event = changed(change_kind="status", **status)
    found, asked = items(CHANGED, event, due=("eligibility_certificate", "elderly_recipient_certificate"))
    assert asked == [on]
    assert found == [
        ("eligibility_certificate", reason, on.isoformat(), rules),
        ("elderly_recipient_certificate", reason, on.isoformat(), rules),
    ]


def test_an_involuntary_unemployment_status_makes_its_slip_due_like_the_other_slips():
    event = changed(change_kind="status", status_kind="involuntary_unemployment", status_end="2028-03-31")
    assert items(CHANGED, event)[0] == [
        ("involuntary_unemployment_slip", "involuntary_unemployment", "2026-11-24", ("SPECIAL-STATUS",))
    ]


def test_a_correction_of_what_a_certificate_prints_queues_the_certificates_its_decision_names():
    corrected = "jp.nhi.qualification.corrected.v1"
    moved_back = person_event(
        corrected_fields=["acquired_on"],
        certificates_to_reissue=["eligibility_certificate", "elderly_recipient_certificate"],
        rule_ids=["ACQ-MOVE-IN-PREF"],
    )
    found, asked = items(corrected, moved_back)
    assert found == [
        ("eligibility_certificate", "corrected", "2026-11-24", ("ACQ-MOVE-IN-PREF", "CERT-KIND")),
        ("elderly_recipient_certificate", "corrected", "2026-11-24", ("ACQ-MOVE-IN-PREF", "CERT-KIND")),
    ]
    assert asked == [], "the decision of svc-qualification names them: CERT-KIND is not asked again"
    renamed = person_event(corrected_fields=["relationship"], certificates_to_reissue=[], rule_ids=["CORRECTION"])
    assert items(corrected, renamed)[0] == []


@pytest.mark.parametrize(
    ("event_type", "data", "field"),
    [
        (LOST, person_event(person_id={"id": "p1"}), "person_id"),
        (LOST, person_event(person_id=None), "person_id"),
        (ACQUIRED, person_event(household_id=["H1"]), "household_id"),
        (LOST, person_event(birth_date=1.5), "birth_date"),
        (ACQUIRED, person_event(acquired_on="2026-02-30"), "acquired_on"),
        (CHANGED, changed(business_date=None, effective_date=None), "effective_date"),
        (CHANGED, changed(change_kind="status", status_kind=["card_registration"]), "status_kind"),
        ("jp.nhi.qualification.corrected.v1", changed(certificates_to_reissue=[{"k": 1}]), "certificates_to_reissue"),
        (
            "jp.nhi.qualification.corrected.v1",
            changed(certificates_to_reissue=["x" * 10_000]),
            "certificates_to_reissue",
        ),
        (CHANGED, changed(change_kind="burden", ratio_percent_new=30, rule_ids=["R" * 30] * 10), "rule_ids"),
    ],
)
def test_an_event_with_a_field_the_queue_cannot_take_is_refused_naming_it(event_type, data, field):
    """A dict as the person id, a fraction as the birth date, no date at all: each raised from inside the queue (a
    TypeError, the database refusing the row) and the event came again forever. Refused up front, naming the field,
    never its value."""
    with pytest.raises(BadField) as refused:
        items(event_type, data)
    assert refused.value.field == field


def test_an_event_of_a_type_the_queue_does_not_take_is_passed_over_whatever_it_holds():
    assert items("jp.nhi.qualification.address_withheld.v1", {"person_ids": [1, 2]}) == ([], [])
