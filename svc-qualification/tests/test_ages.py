import datetime as dt

import pytest

from nhi_qualification.domain.ages import (
    age75_lost_on,
    age_on,
    birthday_of,
    day_age_reached,
    elder_end,
    elder_on,
    elder_period,
    elder_start,
    under_75_on,
)
from nhi_qualification.domain.errors import RuleViolation

D = dt.date


@pytest.mark.parametrize(
    ("birth", "age", "reached"),
    [
        (D(1956, 4, 2), 70, D(2026, 4, 1)),
        (D(1956, 4, 1), 70, D(2026, 3, 31)),
        (D(1956, 1, 1), 70, D(2025, 12, 31)),  # reached in the previous calendar year
        (D(1955, 12, 31), 70, D(2025, 12, 30)),
        (D(1956, 3, 1), 70, D(2026, 2, 28)),  # common year
        (D(1954, 3, 1), 70, D(2024, 2, 29)),  # leap year
        (D(1956, 2, 29), 70, D(2026, 2, 28)),  # no 29 February: the last day of February
        (D(1956, 2, 29), 68, D(2024, 2, 28)),  # leap year: the day before 29 February
    ],
)
def test_day_age_reached_is_the_day_before_the_birthday(birth, age, reached):
    assert day_age_reached(birth_date=birth, age=age) == reached
    assert birthday_of(birth_date=birth, age=age) == reached + dt.timedelta(days=1)


def test_a_29_february_birth_reaches_70_and_75_in_common_years():
    for year in (1952, 1956, 1960):
        assert day_age_reached(birth_date=D(year, 2, 29), age=70) == D(year + 70, 2, 28)
        assert birthday_of(birth_date=D(year, 2, 29), age=75) == D(year + 75, 3, 1)


def test_born_29_february_has_the_birthday_on_1_march_in_a_common_year_and_29_february_in_a_leap_year():
    assert birthday_of(birth_date=D(1952, 2, 29), age=75) == D(2027, 3, 1)
    assert birthday_of(birth_date=D(1953, 2, 28), age=75) == D(2028, 2, 28)
    assert birthday_of(birth_date=D(1956, 2, 29), age=68) == D(2024, 2, 29)


def test_age_zero_is_not_reached():
    with pytest.raises(RuleViolation) as err:
        day_age_reached(birth_date=D(2000, 1, 1), age=0)
    assert err.value.code == "INVALID_AGE"


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (D(1956, 4, 2), D(2026, 3, 31), 69),
        (D(1956, 4, 2), D(2026, 4, 1), 70),  # the day 70 is reached (法令上の「70歳に達した日」)
        (D(1956, 4, 2), D(2026, 4, 2), 70),
        (D(2000, 1, 1), D(2000, 12, 30), 0),
        (D(2000, 1, 1), D(2000, 12, 31), 1),  # the first age is reached in the birth year
        (D(2000, 1, 1), D(2000, 1, 1), 0),
        (D(2000, 2, 29), D(2001, 2, 27), 0),
        (D(2000, 2, 29), D(2001, 2, 28), 1),
        (D(2000, 2, 29), D(2004, 2, 27), 3),
        (D(2000, 2, 29), D(2004, 2, 28), 4),
        (D(1955, 12, 31), D(2025, 12, 30), 70),
        (D(1955, 12, 31), D(2025, 12, 29), 69),
    ],
)
def test_age_on_counts_every_age_reached_by_the_end_of_the_day(birth, day, age):
    assert age_on(birth_date=birth, day=day) == age


def test_age_on_refuses_a_day_before_birth():
    with pytest.raises(RuleViolation):
        age_on(birth_date=D(2000, 1, 2), day=D(2000, 1, 1))


@pytest.mark.parametrize(
    ("birth", "start"),
    [
        (D(1956, 4, 1), D(2026, 4, 1)),  # born on the 1st: the birthday month itself
        (D(1956, 4, 2), D(2026, 5, 1)),
        (D(1956, 4, 30), D(2026, 5, 1)),
        (D(1956, 5, 1), D(2026, 5, 1)),
        (D(1956, 1, 1), D(2026, 1, 1)),  # 70 reached on 31 December
        (D(1955, 12, 31), D(2026, 1, 1)),  # reached 30 December: next month is the next year
        (D(1955, 12, 1), D(2025, 12, 1)),
        (D(1956, 2, 29), D(2026, 3, 1)),  # 70 reached 28 February of a common year
        (D(1952, 2, 29), D(2022, 3, 1)),  # 70 (≡ 2 mod 4) is always reached in a common year
        (D(1954, 3, 1), D(2024, 3, 1)),  # 70 reached 29 February
        (D(1956, 3, 1), D(2026, 3, 1)),
    ],
)
def test_elder_start_is_the_first_of_the_month_after_70_is_reached(birth, start):
    result = elder_start(birth_date=birth)
    assert result.day == start
    assert result.reason.rule_id == "ELDER-START"
    assert result.reason.facts["age_70_reached_on"] == day_age_reached(birth_date=birth, age=70).isoformat()


@pytest.mark.parametrize(
    ("birth", "ends_on"),
    [
        (D(1951, 4, 1), D(2026, 4, 1)),
        (D(1951, 12, 31), D(2026, 12, 31)),
        (D(1952, 2, 29), D(2027, 3, 1)),
        (D(1953, 1, 1), D(2028, 1, 1)),
    ],
)
def test_elder_end_is_the_75th_birthday(birth, ends_on):
    result = elder_end(birth_date=birth)
    assert result.day == ends_on
    assert result.reason.rule_id == "ELDER-END"
    assert result.reason.facts["last_day"] == (ends_on - dt.timedelta(days=1)).isoformat()


def test_elder_period_of_a_29_february_birth():
    period = elder_period(birth_date=D(1956, 2, 29))
    assert (period.starts_on, period.ends_on, period.last_day) == (D(2026, 3, 1), D(2031, 3, 1), D(2031, 2, 28))
    assert [r.rule_id for r in period.reasons] == ["ELDER-START", "ELDER-END"]
    assert not period.covers(D(2026, 2, 28))
    assert period.covers(D(2026, 3, 1))
    assert period.covers(D(2031, 2, 28))
    assert not period.covers(D(2031, 3, 1))


def test_elder_period_born_on_the_first():
    period = elder_period(birth_date=D(1956, 4, 1))
    assert (period.starts_on, period.ends_on) == (D(2026, 4, 1), D(2031, 4, 1))


def test_loss_at_75_is_the_birthday_or_the_day_after_when_configured():
    assert age75_lost_on(birth_date=D(1951, 6, 15)).day == D(2026, 6, 15)
    late = age75_lost_on(birth_date=D(1951, 6, 15), day_after=True)
    assert late.day == D(2026, 6, 16)
    assert late.reason.rule_id == "LOSS-AGE75"
    assert late.reason.facts["day_after"] == "true"


def test_loss_at_75_for_29_february_and_year_end():
    assert age75_lost_on(birth_date=D(1952, 2, 29)).day == D(2027, 3, 1)
    assert age75_lost_on(birth_date=D(1951, 12, 31), day_after=True).day == D(2027, 1, 1)


def test_the_year_shortcuts_agree_with_the_birthday_and_the_elder_period():
    """under_75_on and elder_on answer as birthday_of and elder_period do, on every birth date of 1948–1958 and
    of 29 February, for days around the start and the end of the period and far from them."""
    births = [dt.date(1948, 1, 1) + dt.timedelta(days=n) for n in range(0, 11 * 366, 3)]
    births += [dt.date(y, 2, 29) for y in (1948, 1952, 1956)] + [dt.date(1951, 12, 31), dt.date(1952, 1, 1)]
    days = [dt.date(2018, 1, 1) + dt.timedelta(days=n) for n in range(0, 17 * 365, 13)]
    days += [dt.date(y, m, d) for y in range(2018, 2035) for m, d in ((1, 1), (2, 28), (3, 1), (12, 31))]
    for birth in births:
        period, birthday = elder_period(birth_date=birth), birthday_of(birth_date=birth, age=75)
        for day in days:
            assert elder_on(birth_date=birth, day=day) == period.covers(day), (birth, day)
            assert under_75_on(birth_date=birth, day=day) == (day < birthday), (birth, day)
