import datetime as dt

import pytest

from nhi_qualification.domain.decide import RuleConfig, decide
from nhi_qualification.domain.errors import RuleViolation
from nhi_qualification.domain.model import Period, PersonFacts

TODAY = dt.date(2026, 11, 24)


def facts(period: Period | None = None, birth=dt.date(1980, 5, 5)) -> list[PersonFacts]:
    return [PersonFacts("000000001", "H1", birth, "resident", period)]


def open_period(acquired_on=dt.date(2020, 4, 1)) -> Period:
    return Period("p1", "000000001", "H1", "139998", "みどり", "0000001", "01", acquired_on, "move_in", None, None,
                  dt.datetime(2020, 4, 1, tzinfo=dt.timezone.utc), None, "c0")


def run(kind, reason, event, notified=None, persons=None, today=TODAY):
    return decide(kind=kind, reason_code=reason, event_date=event, notified_on=notified or event,
                  business_date=today, persons=persons if persons is not None else facts())


def test_move_in_acquires_on_the_move_in_date():
    decision = run("join", "move_in", dt.date(2026, 11, 1))
    assert decision.persons[0].acquired_on == dt.date(2026, 11, 1)
    assert decision.persons[0].reasons[0].rule_id == "ACQ-MOVE-IN"
    assert [d.kind for d in decision.documents] == ["eligibility_certificate"]
    assert decision.documents[0].reason.rule_id == "CERT-KIND"


def test_birth_acquires_on_the_birth_date_and_asks_for_the_childbirth_application():
    decision = run("join", "birth", dt.date(2026, 11, 1), persons=facts(birth=dt.date(2026, 11, 1)))
    assert decision.persons[0].acquired_on == dt.date(2026, 11, 1)
    assert "childbirth_lump_sum_application" in [d.kind for d in decision.documents]


def test_death_loses_qualification_the_next_day():
    decision = run("leave", "death", dt.date(2026, 2, 28), persons=facts(open_period()))
    assert decision.persons[0].lost_on == dt.date(2026, 3, 1)
    assert decision.documents[0].kind == "funeral_expense_application"


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
    decision = decide(kind="join", reason_code="move_in", event_date=dt.date(2026, 2, 27), notified_on=dt.date(2028, 2, 29),
                      business_date=dt.date(2028, 2, 29), persons=facts())
    assert decision.retroactive
    assert not decide(kind="join", reason_code="move_in", event_date=dt.date(2026, 2, 28), notified_on=dt.date(2028, 2, 29),
                      business_date=dt.date(2028, 2, 29), persons=facts()).retroactive


def test_retro_limit_is_configurable():
    decision = decide(kind="join", reason_code="move_in", event_date=dt.date(2025, 11, 1), notified_on=TODAY,
                      business_date=TODAY, persons=facts(), config=RuleConfig(retro_limit_years=1))
    assert decision.retroactive


@pytest.mark.parametrize(("kind", "reason", "field", "code"), [
    ("join", "teleport", "reason", "UNKNOWN_REASON"),
    ("join", "death", "reason", "REASON_KIND_MISMATCH"),
    ("leave", "age75", "reason", "REASON_NOT_SUPPORTED"),
])
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
