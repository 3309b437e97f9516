"""ELDER-START: when a person becomes a 高齢受給者 (70-74), and who becomes one in a given month (業務フロー 5.9)."""

from __future__ import annotations

import datetime as dt

# Ages follow 年齢計算ニ関スル法律: an age is reached at the end of the day before the birthday.
ONE_DAY = dt.timedelta(days=1)
ELDER_AGE = 70


def elder_start(birth_date: dt.date) -> dt.date:
    """ELDER-START: the 1st of the month after the month the person reaches 70 (born on the 1st: that month)."""
    if (birth_date.month, birth_date.day) == (2, 29):
        birthday = dt.date(
            birth_date.year + ELDER_AGE, 3, 1
        )  # the 70th birthday of a 29 February falls in a common year
    else:
        birthday = birth_date.replace(year=birth_date.year + ELDER_AGE)
    reached = birthday - ONE_DAY
    return _next_month(reached.replace(day=1))


def births_starting_in(month: dt.date) -> tuple[dt.date, dt.date]:
    """The birth dates (first, last, inclusive) whose ELDER-START is the 1st of `month`.

    They reach 70 in the month before: their 70th birthday falls from the 2nd of that month to the 1st of `month`
    (born on the 1st of `month`, they reach 70 on the last day of the month before). A 29 February birth has its
    70th birthday on 1 March of a common year and falls in the range of March."""
    first = month.replace(day=1)
    previous = _previous_month(first)
    return previous.replace(year=previous.year - ELDER_AGE, day=2), first.replace(year=first.year - ELDER_AGE)


def next_month(day: dt.date) -> dt.date:
    """The 1st of the month after `day`'s."""
    return _next_month(day.replace(day=1))


def _next_month(first: dt.date) -> dt.date:
    return dt.date(first.year + 1, 1, 1) if first.month == 12 else dt.date(first.year, first.month + 1, 1)


def _previous_month(first: dt.date) -> dt.date:
    return dt.date(first.year - 1, 12, 1) if first.month == 1 else dt.date(first.year, first.month - 1, 1)
