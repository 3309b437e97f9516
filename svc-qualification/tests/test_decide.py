import datetime as dt

import pytest

from nhi_qualification.domain import residence
from nhi_qualification.domain.decide import RuleConfig, decide
from nhi_qualification.domain.errors import RuleViolation
from nhi_qualification.domain.model import Period, PersonFacts

TODAY = dt.date(2026, 11, 24)


def facts(period: Period | None = None, birth=dt.date(1980, 5, 5)) -> list[PersonFacts]:
    return [PersonFacts("000000001", "H1", birth, "resident", period)]


def open_period(acquired_on=dt.date(2020, 4, 1)) -> Period:
    return Period(
        "p1",
        "000000001",
        "H1",
        "139998",
        "みどり",
        "0000001",
        "01",
        acquired_on,
        "move_in",
        None,
        None,
        dt.datetime(2020, 4, 1, tzinfo=dt.timezone.utc),
        None,
        "c0",
    )


def run(kind, reason, event, notified=None, persons=None, today=TODAY):
    return decide(
        kind=kind,
        reason_code=reason,
        event_date=event,
        notified_on=notified or event,
        business_date=today,
        persons=persons if persons is not None else facts(),
    )


def test_move_in_acquires_on_the_move_in_date():
    decision = run("join", "move_in", dt.date(2026, 11, 1))
    assert decision.persons[0].acquired_on == dt.date(2026, 11, 1)
    assert decision.persons[0].reasons[0].rule_id == "ACQ-MOVE-IN"
    assert decision.documents == ()
    assert not decision.income_inquiry_needed


def test_birth_acquires_on_the_birth_date_and_asks_for_the_childbirth_application():
    decision = run("join", "birth", dt.date(2026, 11, 1), persons=facts(birth=dt.date(2026, 11, 1)))
    assert decision.persons[0].acquired_on == dt.date(2026, 11, 1)
    assert "childbirth_lump_sum_application" in [d.kind for d in decision.documents]


def test_death_loses_qualification_the_next_day():
    decision = run("leave", "death", dt.date(2026, 2, 28), persons=facts(open_period()))
    assert decision.persons[0].lost_on == dt.date(2026, 3, 1)
    assert decision.documents[0].kind == "funeral_expense_application"
    assert decision.documents[0].reason.rule_id == "LOSS-DEATH"


def test_death_on_29_february_loses_on_1_march():
    decision = run("leave", "death", dt.date(2024, 2, 29), persons=facts(open_period()))
    assert decision.persons[0].lost_on == dt.date(2024, 3, 1)


def test_move_out_to_another_prefecture_loses_on_the_move_out_date():
    decision = run("leave", "move_out", dt.date(2026, 3, 31), persons=facts(open_period()))
    assert decision.persons[0].lost_on == dt.date(2026, 3, 31)


def test_joining_employee_insurance_loses_the_day_after():
    decision = run("leave", "emp_join", dt.date(2026, 3, 31), persons=facts(open_period()))
    assert decision.persons[0].lost_on == dt.date(2026, 4, 1)


def test_welfare_start_loses_the_same_day():
    decision = run("leave", "welfare_start", dt.date(2026, 4, 1), persons=facts(open_period()))
    assert decision.persons[0].lost_on == dt.date(2026, 4, 1)


def test_notification_on_the_14th_day_is_on_time_and_on_the_15th_is_late_by_one():
    event = dt.date(2026, 11, 1)
    assert run("join", "move_in", event, event + dt.timedelta(days=14)).late_days == 0
    late = run("join", "move_in", event, event + dt.timedelta(days=15))
    assert late.late_days == 1
    assert late.reasons[0].rule_id == "NOTIFY-14"
    assert late.reasons[0].facts["late_days"] == "1"


def test_back_dating_more_than_two_years_is_flagged_and_exactly_two_years_is_not():
    assert not run("join", "move_in", dt.date(2024, 11, 24)).retroactive
    flagged = run("join", "move_in", dt.date(2024, 11, 23))
    assert flagged.retroactive
    assert "RETRO-LIMIT" in [r.rule_id for r in flagged.reasons]


def test_retro_limit_from_29_february_counts_to_28_february():
    decision = decide(
        kind="join",
        reason_code="move_in",
        event_date=dt.date(2026, 2, 27),
        notified_on=dt.date(2028, 2, 29),
        business_date=dt.date(2028, 2, 29),
        persons=facts(),
    )
    assert decision.retroactive
    assert not decide(
        kind="join",
        reason_code="move_in",
        event_date=dt.date(2026, 2, 28),
        notified_on=dt.date(2028, 2, 29),
        business_date=dt.date(2028, 2, 29),
        persons=facts(),
    ).retroactive


def test_retro_limit_is_configurable():
    decision = decide(
        kind="join",
        reason_code="move_in",
        event_date=dt.date(2025, 11, 1),
        notified_on=TODAY,
        business_date=TODAY,
        persons=facts(),
        config=RuleConfig(retro_limit_years=1),
    )
    assert decision.retroactive


@pytest.mark.parametrize(
    ("kind", "reason", "field", "code"),
    [
        ("join", "teleport", "reason", "UNKNOWN_REASON"),
        ("join", "death", "reason", "REASON_KIND_MISMATCH"),
        ("leave", "age75", "reason", "REASON_NOT_SUPPORTED"),
    ],
)
def test_reasons_are_checked_against_the_table(kind, reason, field, code):
    with pytest.raises(RuleViolation) as error:
        run(kind, reason, dt.date(2026, 11, 1), persons=facts(open_period()))
    assert (error.value.field, error.value.code) == (field, code)


def test_an_overlapping_join_is_refused():
    with pytest.raises(RuleViolation) as error:
        run("join", "move_in", dt.date(2026, 11, 1), persons=facts(open_period()))
    assert error.value.code == "OVERLAPPING_PERIOD"
    assert error.value.field == "persons[0].person_id"


def test_a_loss_before_the_acquisition_is_refused():
    with pytest.raises(RuleViolation) as error:
        run("leave", "move_out", dt.date(2020, 3, 31), persons=facts(open_period(dt.date(2020, 4, 1))))
    assert error.value.code == "LOSS_BEFORE_ACQUISITION"


def test_leaving_without_an_open_period_is_refused():
    with pytest.raises(RuleViolation) as error:
        run("leave", "death", dt.date(2026, 11, 1))
    assert error.value.code == "NOT_INSURED"


def test_future_events_and_events_before_birth_are_refused():
    with pytest.raises(RuleViolation) as error:
        run("join", "move_in", dt.date(2026, 11, 25))
    assert error.value.field == "event_date"
    with pytest.raises(RuleViolation) as error:
        run("join", "move_in", dt.date(2026, 11, 1), persons=facts(birth=dt.date(2026, 11, 2)))
    assert error.value.code == "EVENT_BEFORE_BIRTH"


def test_move_out_to_another_prefecture_can_be_configured_to_lose_the_day_after():
    decision = decide(
        kind="leave",
        reason_code="move_out",
        event_date=dt.date(2026, 3, 31),
        notified_on=TODAY,
        business_date=TODAY,
        persons=facts(open_period()),
        config=RuleConfig(move_out_day_after=True),
    )
    assert decision.persons[0].lost_on == dt.date(2026, 4, 1)


def test_joining_employee_insurance_can_be_configured_to_lose_the_same_day():
    decision = decide(
        kind="leave",
        reason_code="emp_join",
        event_date=dt.date(2026, 3, 31),
        notified_on=TODAY,
        business_date=TODAY,
        persons=facts(open_period()),
        config=RuleConfig(emp_join_same_day=True),
    )
    assert decision.persons[0].lost_on == dt.date(2026, 3, 31)


def test_a_move_within_the_prefecture_starts_coverage_and_carries_the_acquisition_date_over():
    decision = decide(
        kind="join",
        reason_code="move_in_same_pref",
        event_date=dt.date(2026, 11, 1),
        notified_on=TODAY,
        business_date=TODAY,
        persons=facts(),
        prefecture_acquired_on=dt.date(2019, 4, 1),
    )
    person = decision.persons[0]
    assert (person.acquired_on, person.coverage_starts_on) == (dt.date(2019, 4, 1), dt.date(2026, 11, 1))
    assert person.reasons[0].rule_id == "ACQ-MOVE-IN-PREF"
    with pytest.raises(RuleViolation) as error:
        decide(
            kind="join",
            reason_code="move_in_same_pref",
            event_date=dt.date(2026, 11, 1),
            notified_on=TODAY,
            business_date=TODAY,
            persons=facts(),
        )
    assert error.value.field == "prefecture_acquired_on"


def test_a_move_out_within_the_prefecture_ends_coverage_without_a_loss():
    decision = run("leave", "move_out_same_pref", dt.date(2026, 11, 1), persons=facts(open_period()))
    person = decision.persons[0]
    assert person.lost_on is None and person.coverage_ends_on == dt.date(2026, 11, 1)
    assert person.reasons[0].rule_id == "END-MOVE-OUT-PREF"


def foreigner(status: str, nationality: str = "米国") -> list[PersonFacts]:
    return [
        PersonFacts(
            "000000001", "H1", dt.date(1990, 1, 1), "resident", None, residence_status=status, nationality=nationality
        )
    ]


@pytest.mark.parametrize("reason", ["foreign_resident", "move_in", "emp_leave"])
def test_a_foreign_resident_with_an_excluded_status_is_refused_whatever_the_reason(reason):
    with pytest.raises(RuleViolation) as error:
        run("join", reason, dt.date(2026, 11, 1), persons=foreigner("temporary_visitor"))
    assert (error.value.rule, error.value.code) == ("ACQ-FOREIGN", "EXCLUDED_RESIDENCE_STATUS")
    with pytest.raises(RuleViolation) as error:
        run("join", reason, dt.date(2026, 11, 1), persons=foreigner(""))
    assert (error.value.rule, error.value.code) == ("ACQ-FOREIGN", "RESIDENCE_STATUS_MISSING")
    allowed = run("join", reason, dt.date(2026, 11, 1), persons=foreigner("engineer_humanities_international"))
    assert allowed.persons[0].acquired_on == dt.date(2026, 11, 1)


def test_a_japanese_national_needs_no_status_of_residence_and_a_foreign_newborn_none_yet():
    assert run("join", "move_in", dt.date(2026, 11, 1), persons=foreigner("", nationality="")).persons
    assert run("join", "birth", dt.date(2026, 11, 1), persons=foreigner("")).persons


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("短期滞在", "temporary_visitor"),
        ("特定活動（医療滞在）", "designated_activities_medical_stay"),
        ("特定活動(医療滞在)", "designated_activities_medical_stay"),
        ("permanent_resident", "permanent_resident"),
        ("", ""),
        ("観光", None),
    ],
)
def test_the_registrys_japanese_names_map_to_the_codes_of_one_table(given, code):
    assert residence.code_of(given) == code


def test_an_unknown_status_of_residence_is_refused_naming_the_field():
    with pytest.raises(RuleViolation) as error:
        residence.as_code("changes[0].persons[1].residence_status", "観光")
    assert (error.value.field, error.value.rule, error.value.code) == (
        "changes[0].persons[1].residence_status",
        "ACQ-FOREIGN",
        "UNKNOWN_RESIDENCE_STATUS",
    )


def test_a_later_elderly_disability_finding_loses_on_the_finding_date_from_65_only():
    decision = run(
        "leave",
        "later_elderly_disability",
        dt.date(2026, 6, 1),
        persons=facts(open_period(), birth=dt.date(1960, 5, 31)),
    )
    assert decision.persons[0].lost_on == dt.date(2026, 6, 1)
    with pytest.raises(RuleViolation) as error:
        run(
            "leave",
            "later_elderly_disability",
            dt.date(2026, 6, 1),
            persons=facts(open_period(), birth=dt.date(1962, 1, 1)),
        )
    assert error.value.code == "AGE_OUT_OF_RANGE"


def test_nobody_joins_on_or_after_their_75th_birthday():
    with pytest.raises(RuleViolation) as error:
        run("join", "move_in", dt.date(2026, 11, 1), persons=facts(birth=dt.date(1951, 11, 1)))
    assert (error.value.rule, error.value.code) == ("LOSS-AGE75", "AGED_75")
    assert run("join", "move_in", dt.date(2026, 10, 31), persons=facts(birth=dt.date(1951, 11, 1))).persons


def test_a_mover_of_70_to_74_needs_an_income_inquiry_and_a_burden_slip():
    decision = run("join", "move_in", dt.date(2026, 11, 1), persons=facts(birth=dt.date(1955, 1, 10)))
    assert decision.income_inquiry_needed
    assert "BURDEN-PENDING" in [r.rule_id for r in decision.reasons]
    assert [d.kind for d in decision.documents] == ["burden_category_slip"]
    younger = run("join", "move_in", dt.date(2026, 11, 1))
    assert not younger.income_inquiry_needed
    household = decide(
        kind="join",
        reason_code="move_in",
        event_date=dt.date(2026, 11, 1),
        notified_on=TODAY,
        business_date=TODAY,
        persons=facts(),
        household_has_elder=True,
    )
    assert household.income_inquiry_needed


@pytest.mark.parametrize(
    ("death", "lost_on"),
    [
        (dt.date(2026, 3, 31), dt.date(2026, 4, 1)),  # fiscal-year end
        (dt.date(2025, 12, 31), dt.date(2026, 1, 1)),  # calendar-year end
        (dt.date(2026, 4, 30), dt.date(2026, 5, 1)),  # month end
        (dt.date(2019, 4, 30), dt.date(2019, 5, 1)),  # the last day of 平成
    ],
)
def test_next_day_losses_cross_month_year_and_era_ends(death, lost_on):
    decision = run(
        "leave",
        "death",
        death,
        persons=facts(open_period(dt.date(2010, 4, 1)), birth=dt.date(1960, 1, 1)),
        today=dt.date(2026, 11, 24),
    )
    assert decision.persons[0].lost_on == lost_on


def test_a_back_dated_join_whose_75th_birthday_has_passed_ends_on_it():
    decision = run("join", "move_in", dt.date(2026, 10, 1), persons=facts(birth=dt.date(1951, 11, 20)))
    person = decision.persons[0]
    assert (person.acquired_on, person.lost_on, person.lost_reason) == (
        dt.date(2026, 10, 1),
        dt.date(2026, 11, 20),
        "age75",
    )
    assert [r.rule_id for r in person.reasons] == ["ACQ-MOVE-IN", "LOSS-AGE75"]


def test_a_join_whose_75th_birthday_is_still_ahead_is_left_to_the_batch():
    person = run("join", "move_in", dt.date(2026, 10, 1), persons=facts(birth=dt.date(1951, 12, 20))).persons[0]
    assert person.lost_on is None and [r.rule_id for r in person.reasons] == ["ACQ-MOVE-IN"]


def test_a_join_from_the_75th_birthday_on_is_refused_naming_the_loss_date():
    with pytest.raises(RuleViolation) as error:
        run("join", "move_in", dt.date(2026, 11, 20), persons=facts(birth=dt.date(1951, 11, 20)))
    assert (error.value.rule, error.value.code) == ("LOSS-AGE75", "AGED_75") and "2026-11-20" in error.value.message


def test_a_leave_after_the_75th_birthday_is_refused_even_before_the_batch_closed_the_period():
    with pytest.raises(RuleViolation) as error:
        run("leave", "death", dt.date(2026, 11, 22), persons=facts(open_period(), birth=dt.date(1951, 11, 20)))
    assert (error.value.rule, error.value.code) == ("LOSS-AGE75", "AGED_75") and "2026-11-20" in error.value.message
    dying_at_74 = run(
        "leave", "death", dt.date(2026, 11, 19), persons=facts(open_period(), birth=dt.date(1951, 11, 20))
    )
    assert dying_at_74.persons[0].lost_on == dt.date(2026, 11, 20)


@pytest.mark.parametrize(
    ("reason", "rule"), [("emp_leave", "ACQ-EMP-LEAVE"), ("welfare_end", "ACQ-WELFARE-END"), ("birth", "ACQ-BIRTH")]
)
def test_other_acquisitions_start_on_the_event_date(reason, rule):
    decision = run("join", reason, dt.date(2026, 4, 1), persons=facts(birth=dt.date(2026, 4, 1)))
    assert decision.persons[0].acquired_on == dt.date(2026, 4, 1)
    assert decision.persons[0].reasons[0].rule_id == rule


def test_joining_a_kumiai_loses_the_same_day():
    decision = run("leave", "kumiai_join", dt.date(2026, 4, 1), persons=facts(open_period()))
    assert decision.persons[0].lost_on == dt.date(2026, 4, 1)
    assert decision.persons[0].reasons[0].rule_id == "LOSS-KUMIAI"
