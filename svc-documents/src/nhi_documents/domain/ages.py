"""Ages per 年齢計算ニ関スル法律: an age is reached at the end of the day before the birthday."""

from __future__ import annotations

import calendar
import datetime as dt


def birthday(birth_date: dt.date, age: int) -> dt.date:
    """The `age`-th birthday: the day after the age is reached (1 March for 29 February in a common year)."""
    year = birth_date.year + age
    try:
        return birth_date.replace(year=year)
    except ValueError:  # 29 February in a common year
        return dt.date(year, 3, 1)


def reaches_age_on(birth_date: dt.date, age: int) -> dt.date:
    """The day at whose end `age` is reached: the day before the birthday (28 February for a 29 February birth)."""
    return birthday(birth_date, age) - dt.timedelta(days=1)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """The age a person has (reached) during `day`: an age reached at the end of `day` counts from the next day."""
    age = day.year - birth_date.year
    if birthday(birth_date, age) > day:
        age -= 1
    return age


def last_day_of_month(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])
