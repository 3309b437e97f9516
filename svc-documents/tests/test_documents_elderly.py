"""ELDER-START and the monthly 高齢受給者証 job's month (業務フロー 5.9): who starts in a month, which month a job takes."""

from __future__ import annotations

import datetime as dt

import pytest

from nhi_common.errors import InvalidInput
from nhi_documents.domain import elderly
from nhi_documents.service_layer import jobs

D = dt.date


def test_born_on_the_first_starts_in_the_birthday_month():
    assert elderly.elder_start(D(1957, 1, 1)) == D(2027, 1, 1)
    assert elderly.elder_start(D(1956, 12, 2)) == D(2027, 1, 1)
    assert elderly.elder_start(D(1956, 12, 1)) == D(2026, 12, 1)


def test_born_on_29_february_reaches_70_at_the_end_of_28_february_and_starts_on_1_march():
    assert elderly.elder_start(D(1956, 2, 29)) == D(2026, 3, 1)
    assert elderly.births_starting_in(D(2026, 3, 1)) == (D(1956, 2, 2), D(1956, 3, 1))
    assert elderly.births_starting_in(D(2026, 2, 1)) == (D(1956, 1, 2), D(1956, 2, 1))


def test_the_january_range_starts_in_december_of_the_year_before():
    assert elderly.births_starting_in(D(2027, 1, 1)) == (D(1956, 12, 2), D(1957, 1, 1))


def test_the_birth_range_of_a_month_is_exactly_those_whose_elder_start_is_its_first_day():
    day = D(1952, 1, 1)
    while day <= D(1961, 12, 31):
        start = elderly.elder_start(day)
        first, last = elderly.births_starting_in(start)
        assert first <= day <= last, day
        before, after = elderly.births_starting_in(elderly.next_month(start))
        assert not before <= day <= after, day
        day += dt.timedelta(days=1)


def test_the_job_takes_the_month_after_the_business_date_by_default():
    assert jobs._parameters(jobs.ELDERLY_KIND, {}, D(2026, 12, 6)) == {"month": "2027-01"}
    assert jobs._parameters(jobs.ELDERLY_KIND, {"month": "2027-03"}, D(2026, 12, 6)) == {"month": "2027-03"}


@pytest.mark.parametrize(
    ("parameters", "field", "code"),
    [
        ({"month": "2028-02"}, "parameters.month", "DATE_OUT_OF_RANGE"),
        ({"month": "2025-11"}, "parameters.month", "DATE_OUT_OF_RANGE"),
        ({"month": "2027-13"}, "parameters.month", "INVALID_DATE"),
        ({"month": "2027-1"}, "parameters.month", "INVALID_DATE"),
        ({"date": "2027-01-01"}, "parameters.date", "UNKNOWN_PARAMETER"),
    ],
)
def test_a_month_out_of_reach_or_unreadable_is_refused_naming_it(parameters, field, code):
    with pytest.raises(InvalidInput) as refused:
        jobs._parameters(jobs.ELDERLY_KIND, parameters, D(2026, 12, 6))
    assert (refused.value.field, refused.value.code) == (field, code)
