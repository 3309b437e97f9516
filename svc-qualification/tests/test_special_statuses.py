import datetime as dt

import pytest

from nhi_qualification.domain.errors import RuleViolation
from nhi_qualification.domain.special_statuses import (
    STATUS_KINDS,
    StatusPeriod,
    card_unusable_from,
    card_unusable_on,
    effective_from,
    involuntary_unemployment_period,
    status_kind,
    validate_status_period,
)

D = dt.date
BIRTH = D(1980, 5, 5)


def period(kind="student_away", start=D(2026, 4, 1), end=D(2027, 3, 31), evidence=None, person="p1", **kw):
    if evidence is None:
        evidence = STATUS_KINDS[kind].required_evidence
    return StatusPeriod(person, kind, start, end, tuple(evidence), **kw)


def unemployment(separation=D(2021, 10, 31), code="11", **kw):
    span = involuntary_unemployment_period(separation_date=separation)
    return period(
        "involuntary_unemployment", span.start, span.end, separation_date=separation, separation_code=code, **kw
    )


# the table


def test_every_special_status_of_part_a_is_in_the_table():
    assert set(STATUS_KINDS) == {
        "student_away",
        "remote_placement",
        "address_exception",
        "involuntary_unemployment",
        "specific_same_household",
        "former_dependant",
        "gender_identity_display",
        "card_registration",
        "dv_support",
        # found after Part A: the 2024 reform's triggers of a 資格確認書 (domain §6.5) and 産前産後 (§3.8)
        "card_expired",
        "card_certificate_expired",
        "card_returned",
        "prenatal_reduction",
    }
    labels = {k.code: k.label for k in STATUS_KINDS.values()}
    assert labels["student_away"] == "マル学" and labels["dv_support"] == "DV支援措置"
    assert all(k.required_evidence and "SPECIAL-STATUS" in k.rule_ids for k in STATUS_KINDS.values())


def test_household_effects():
    assert STATUS_KINDS["student_away"].effects.stays_in_origin_household
    assert STATUS_KINDS["remote_placement"].effects.stays_in_origin_household
    assert STATUS_KINDS["address_exception"].effects.becomes_single_household
    assert not STATUS_KINDS["address_exception"].effects.stays_in_origin_household
    assert "HOUSEHOLD" in STATUS_KINDS["address_exception"].rule_ids


def test_premium_only_statuses():
    premium_only = {k.code for k in STATUS_KINDS.values() if k.effects.premium_only}
    assert premium_only == {
        "involuntary_unemployment",
        "specific_same_household",
        "former_dependant",
        "prenatal_reduction",
    }


def test_dv_effects():
    dv = STATUS_KINDS["dv_support"]
    assert dv.effects.suppress_auto_answer and dv.effects.never_print_address
    assert "eligibility_certificate_without_application" in dv.effects.document_effects
    assert "DV" in dv.rule_ids
    others = [k for k in STATUS_KINDS.values() if k.code != "dv_support"]
    assert not any(k.effects.suppress_auto_answer or k.effects.never_print_address for k in others)


def test_unknown_kind_is_refused():
    with pytest.raises(RuleViolation) as err:
        status_kind(code="maru_x")
    assert (err.value.field, err.value.code) == ("kind", "UNKNOWN_STATUS_KIND")


# periods


def test_a_valid_period_is_accepted_with_its_reason():
    accepted = validate_status_period(period=period())
    assert accepted.kind.code == "student_away"
    assert accepted.reasons[0].rule_id == "SPECIAL-STATUS"
    assert accepted.reasons[0].facts["end"] == "2027-03-31"


def test_open_and_one_day_periods_are_accepted():
    validate_status_period(period=period(end=None))
    validate_status_period(period=period(start=D(2026, 4, 1), end=D(2026, 4, 1)))


def test_end_before_start_is_refused():
    with pytest.raises(RuleViolation) as err:
        validate_status_period(period=period(start=D(2026, 4, 2), end=D(2026, 4, 1)))
    assert (err.value.field, err.value.rule, err.value.code) == ("end", "SPECIAL-STATUS", "PERIOD_END_BEFORE_START")


@pytest.mark.parametrize("kind", sorted(STATUS_KINDS))
def test_evidence_is_required_for_every_kind(kind):
    with pytest.raises(RuleViolation) as err:
        validate_status_period(period=period(kind, evidence=()), birth_date=BIRTH)
    assert (err.value.field, err.value.code) == ("evidence", "EVIDENCE_MISSING")


def test_every_required_evidence_kind_is_needed():
    with pytest.raises(RuleViolation) as err:
        validate_status_period(period=period("gender_identity_display", evidence=("application",)))
    assert "medical_certificate" in err.value.message


def test_a_dv_violation_names_the_dv_rule():
    with pytest.raises(RuleViolation) as err:
        validate_status_period(period=period("dv_support", evidence=()))
    assert err.value.rule == "DV"


def test_overlapping_periods_of_one_kind_for_one_person_are_refused():
    existing = [period(start=D(2025, 4, 1), end=D(2026, 3, 31))]
    validate_status_period(period=period(start=D(2026, 4, 1)), existing=existing)
    with pytest.raises(RuleViolation) as err:
        validate_status_period(period=period(start=D(2026, 3, 31)), existing=existing)
    assert err.value.code == "OVERLAPPING_STATUS"


def test_an_open_period_overlaps_everything_after_it():
    existing = [period(start=D(2025, 4, 1), end=None)]
    with pytest.raises(RuleViolation):
        validate_status_period(period=period(start=D(2030, 4, 1), end=D(2031, 3, 31)), existing=existing)


def test_other_kinds_and_other_persons_may_overlap():
    existing = [period(person="p2"), period("remote_placement")]
    validate_status_period(period=period(), existing=existing)


# 非自発的失業者


@pytest.mark.parametrize(
    ("separation", "start", "end"),
    [
        (D(2021, 10, 31), D(2021, 11, 1), D(2023, 3, 31)),
        (D(2022, 3, 30), D(2022, 3, 1), D(2023, 3, 31)),  # day after in March: fiscal year 2021
        (D(2022, 3, 31), D(2022, 4, 1), D(2024, 3, 31)),  # day after on 1 April: fiscal year 2022
        (D(2021, 12, 31), D(2022, 1, 1), D(2023, 3, 31)),
        (D(2021, 10, 15), D(2021, 10, 1), D(2023, 3, 31)),
    ],
)
def test_involuntary_unemployment_period(separation, start, end):
    span = involuntary_unemployment_period(separation_date=separation)
    assert (span.start, span.end) == (start, end)
    assert span.reason.rule_id == "SPECIAL-STATUS"


@pytest.mark.parametrize("code", ["11", "12", "21", "22", "31", "32", "23", "33", "34"])
def test_eligible_separation_codes(code):
    accepted = validate_status_period(period=unemployment(code=code), birth_date=BIRTH)
    assert accepted.reasons[-1].facts["separation_code"] == code
    assert accepted.reasons[-1].facts["start"] == "2021-11-01"


@pytest.mark.parametrize("code", ["13", "24", "40", "", None, "1"])
def test_other_separation_codes_are_refused(code):
    with pytest.raises(RuleViolation) as err:
        validate_status_period(period=unemployment(code=code), birth_date=BIRTH)
    assert (err.value.field, err.value.code) == ("separation_code", "SEPARATION_CODE_NOT_ELIGIBLE")


def test_under_65_at_separation():
    birth = D(1960, 4, 2)  # 65 is reached on 2025-04-01
    accepted = validate_status_period(period=unemployment(D(2025, 3, 31)), birth_date=birth)
    assert accepted.reasons[-1].facts["age_at_separation"] == "64"
    with pytest.raises(RuleViolation) as err:
        validate_status_period(period=unemployment(D(2025, 4, 1)), birth_date=birth)  # the day 65 is reached
    assert err.value.code == "AGE_65_OR_OVER_AT_SEPARATION"


def test_involuntary_unemployment_needs_separation_date_and_birth_date():
    with pytest.raises(RuleViolation) as err:
        validate_status_period(period=period("involuntary_unemployment", separation_code="11"), birth_date=BIRTH)
    assert err.value.code == "SEPARATION_DATE_MISSING"
    with pytest.raises(RuleViolation) as err:
        validate_status_period(period=unemployment())
    assert err.value.code == "BIRTH_DATE_MISSING"


def test_involuntary_unemployment_period_must_be_the_computed_one():
    wrong = period(
        "involuntary_unemployment",
        D(2021, 11, 1),
        D(2022, 3, 31),
        separation_date=D(2021, 10, 31),
        separation_code="11",
    )
    with pytest.raises(RuleViolation) as err:
        validate_status_period(period=wrong, birth_date=BIRTH)
    assert err.value.code == "PERIOD_MISMATCH"


# the 2024 reform's card triggers (CERT-KIND) and 産前産後


@pytest.mark.parametrize(
    ("kind", "start", "unusable"),
    [
        ("card_expired", D(2026, 8, 31), D(2026, 12, 1)),  # 3 months' grace after the expiry date, then due
        ("card_certificate_expired", D(2026, 9, 15), D(2026, 12, 16)),
        ("card_certificate_expired", D(2026, 11, 30), D(2027, 3, 1)),  # 2/28 is the last day of the grace
        ("card_returned", D(2026, 9, 15), D(2026, 9, 15)),  # no grace: the card is gone
    ],
)
def test_a_card_status_keeps_the_card_from_being_used_after_the_grace(kind, start, unusable):
    status = period(kind, start, None)
    assert card_unusable_from(kind, start) == effective_from(status) == unusable
    assert card_unusable_on([status], unusable) == kind
    assert card_unusable_on([status], unusable - dt.timedelta(days=1)) == ""
    accepted = validate_status_period(period=status)
    cert = [r for r in accepted.reasons if r.rule_id == "CERT-KIND"]
    assert cert and cert[0].facts["unusable_from"] == unusable.isoformat() and "資格確認書" in cert[0].summary


def test_a_card_status_ended_by_a_new_card_no_longer_counts():
    status = period("card_returned", D(2026, 9, 15), D(2026, 10, 31))
    assert card_unusable_on([status], D(2026, 10, 31)) == "card_returned"
    assert card_unusable_on([status], D(2026, 11, 1)) == ""
    assert effective_from(period("dv_support", D(2026, 9, 15), None)) == D(2026, 9, 15)


@pytest.mark.parametrize(
    ("start", "end", "births", "due_month"),
    [
        (D(2025, 9, 1), D(2025, 12, 31), "single", "2025-10"),
        (D(2024, 10, 1), D(2025, 3, 31), "multiple", "2025-01"),
    ],
)
def test_prenatal_reduction_runs_4_whole_months_or_6_for_a_multiple_birth(start, end, births, due_month):
    accepted = validate_status_period(period=period("prenatal_reduction", start, end))
    facts = accepted.reasons[-1].facts
    assert (facts["births"], facts["due_month"]) == (births, due_month)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2025, 9, 1), None),  # open
        (D(2025, 9, 2), D(2025, 12, 31)),  # not from the 1st
        (D(2025, 9, 1), D(2025, 11, 30)),  # 3 months
        (D(2023, 8, 1), D(2023, 11, 30)),  # due in September 2023, before the reduction began
    ],
)
def test_prenatal_reduction_of_another_length_or_before_november_2023_is_refused(start, end):
    with pytest.raises(RuleViolation) as err:
        validate_status_period(period=period("prenatal_reduction", start, end))
    assert err.value.code == "PERIOD_MISMATCH" and err.value.rule == "SPECIAL-STATUS"
