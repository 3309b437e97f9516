"""Ages under 年齢計算ニ関スル法律, and the age rules ELDER-START, ELDER-END and LOSS-AGE75."""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import functools

from .errors import RuleViolation
from .model import Reason

AGE_LAW = "年齢計算ニ関スル法律, 民法第143条"
ONE_DAY = dt.timedelta(days=1)
ELDER_FROM_AGE = 70
ELDER_UNTIL_AGE = 75


@dataclasses.dataclass(frozen=True)
class RuleDate:
    """A date decided by one rule, with its reason."""

    day: dt.date
    reason: Reason


@dataclasses.dataclass(frozen=True)
class ElderPeriod:
    """高齢受給者 period [starts_on, ends_on): ends_on is the 75th birthday, so the last day is the day before."""

    starts_on: dt.date
    ends_on: dt.date
    reasons: tuple[Reason, ...]

    @property
    def last_day(self) -> dt.date:
        return self.ends_on - ONE_DAY

    def covers(self, day: dt.date) -> bool:
        return self.starts_on <= day < self.ends_on


def day_age_reached(*, birth_date: dt.date, age: int) -> dt.date:
    """The day at whose end the person reaches `age`: the day before the birthday (28 Feb for a 29 Feb birth)."""
    if age < 1:
        raise RuleViolation("age", f"an age is reached from 1 on, not {age}", rule="ELDER-START", code="INVALID_AGE")
    year = birth_date.year + age
    if (birth_date.month, birth_date.day) == (2, 29) and not calendar.isleap(year):
        # 民法第143条第2項ただし書: with no corresponding day the period ends on the last day of the month.
        return dt.date(year, 2, 28)
    return birth_date.replace(year=year) - ONE_DAY


# Pure functions of a birth date: memoised, because population batches ask them for every member of every household.
@functools.lru_cache(maxsize=8192)
def birthday_of(*, birth_date: dt.date, age: int) -> dt.date:
    """The legal `age`-th birthday: the day after the age is reached (1 March for a 29 Feb birth in a common year)."""
    return day_age_reached(birth_date=birth_date, age=age) + ONE_DAY


def age_on(*, birth_date: dt.date, day: dt.date) -> int:
    """The age held at the end of `day`, i.e. every age reached on or before it (法令上の「X歳に達した日」の年齢)."""
    if day < birth_date:
        raise RuleViolation(
            "day", f"{day} is before the birth date {birth_date}", rule="ELDER-START", code="BEFORE_BIRTH"
        )
    # Born on 1 January, an age is reached on 31 December of the previous year, hence the +1 start.
    age = day.year - birth_date.year + 1
    while age > 0 and day_age_reached(birth_date=birth_date, age=age) > day:
        age -= 1
    return age


def elder_start(*, birth_date: dt.date) -> RuleDate:
    """ELDER-START: the 1st of the month after the month in which 70 is reached."""
    reached = day_age_reached(birth_date=birth_date, age=ELDER_FROM_AGE)
    start = _first_of_next_month(reached)
    return RuleDate(
        start,
        Reason(
            "ELDER-START",
            f"70歳到達日（{reached.isoformat()}）の属する月の翌月1日（{start.isoformat()}）から高齢受給者",
            "国民健康保険法第42条, 年齢計算ニ関スル法律",
            {
                "birth_date": birth_date.isoformat(),
                "age_70_reached_on": reached.isoformat(),
                "starts_on": start.isoformat(),
                "born_on_1st": str(birth_date.day == 1).lower(),
            },
        ),
    )


def elder_end(*, birth_date: dt.date) -> RuleDate:
    """ELDER-END: 高齢受給者 ends on the 75th birthday (the returned day); the last day is the day before."""
    birthday = birthday_of(birth_date=birth_date, age=ELDER_UNTIL_AGE)
    return RuleDate(
        birthday,
        Reason(
            "ELDER-END",
            f"75歳の誕生日（{birthday.isoformat()}）で高齢受給者終了（最終日 {(birthday - ONE_DAY).isoformat()}）",
            AGE_LAW,
            {
                "birth_date": birth_date.isoformat(),
                "ends_on": birthday.isoformat(),
                "last_day": (birthday - ONE_DAY).isoformat(),
            },
        ),
    )


@functools.lru_cache(maxsize=8192)
def elder_period(*, birth_date: dt.date) -> ElderPeriod:
    """ELDER-START and ELDER-END together: the 高齢受給者 period of a person."""
    start, end = elder_start(birth_date=birth_date), elder_end(birth_date=birth_date)
    return ElderPeriod(start.day, end.day, (start.reason, end.reason))


def under_75_on(*, birth_date: dt.date, day: dt.date) -> bool:
    """day < the 75th birthday (birthday_of), which always falls in the year birth_date.year + 75: only that year
    needs the birthday itself (population batches ask it for members of every age)."""
    years = day.year - birth_date.year
    if years != ELDER_UNTIL_AGE:
        return years < ELDER_UNTIL_AGE
    return day < birthday_of(birth_date=birth_date, age=ELDER_UNTIL_AGE)


def elder_on(*, birth_date: dt.date, day: dt.date) -> bool:
    """elder_period(birth_date=...).covers(day). The period starts no earlier than 1 January of the year
    birth_date.year + 70 (ELDER-START) and ends on the 75th birthday (ELDER-END): a day of another year than those
    is outside it without the period (and its reasons) being made."""
    years = day.year - birth_date.year
    return ELDER_FROM_AGE <= years <= ELDER_UNTIL_AGE and elder_period(birth_date=birth_date).covers(day)


def age75_lost_on(*, birth_date: dt.date, day_after: bool = False) -> RuleDate:
    """LOSS-AGE75: lost_on is the 75th birthday, or the day after it when configured so."""
    birthday = birthday_of(birth_date=birth_date, age=ELDER_UNTIL_AGE)
    lost_on = birthday + ONE_DAY if day_after else birthday
    when = "75歳の誕生日の翌日" if day_after else "75歳の誕生日"
    return RuleDate(
        lost_on,
        Reason(
            "LOSS-AGE75",
            f"後期高齢者医療へ移行: {when}（{lost_on.isoformat()}）に資格喪失",
            "高齢者の医療の確保に関する法律第52条",
            {
                "birth_date": birth_date.isoformat(),
                "age_75_birthday": birthday.isoformat(),
                "lost_on": lost_on.isoformat(),
                "day_after": str(day_after).lower(),
            },
        ),
    )


def _first_of_next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + 1, 1, 1) if day.month == 12 else dt.date(day.year, day.month + 1, 1)
