"""A synthetic municipality, みどり市: households of residents, deterministic by seed.

It writes the initial migration file (データ移行) that svc-qualification loads with
`nhi-qualification import-migration FILE`: one household per JSON line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
from collections.abc import Iterator
from typing import Any

from .mynumber import random_my_number
from .names import FOREIGN_NAMES, GIVEN_FEMALE, GIVEN_MALE, RESIDENCE_STATUSES, SURNAMES

CITY = "みどり市"
CITY_CODE = "99999"  # fictional 団体コード body: never a real municipality
SYMBOL = "みどり"
SPACE = "\u3000"

# (町名, 郵便番号, 地区コード)
TOWNS: tuple[tuple[str, str, str], ...] = (
    ("若葉町", "399-0101", "01"),
    ("緑ヶ丘", "399-0102", "01"),
    ("中央", "399-0110", "02"),
    ("本町", "399-0111", "02"),
    ("桜台", "399-0121", "03"),
    ("泉町", "399-0122", "03"),
    ("東雲", "399-0131", "04"),
    ("北野", "399-0132", "04"),
    ("南原", "399-0141", "05"),
    ("旭町", "399-0142", "05"),
    ("松風台", "399-0151", "06"),
    ("青葉台", "399-0152", "06"),
)
BUILDINGS = ("みどりハイツ", "コーポ若葉", "メゾン桜台", "グランみどり", "サンライズ泉", "パークサイド中央")

# Share of the population by 5-year band (0-4 … 95-100), roughly Japan's pyramid.
AGE_BANDS = (3.6, 4.0, 4.2, 4.4, 4.8, 4.8, 5.2, 5.8, 6.5, 7.7, 7.0, 6.3, 6.0, 6.9, 7.2, 5.5, 4.4, 3.0, 1.5, 0.5)
COMPOSITIONS = (
    ("single", 34),
    ("couple", 22),
    ("couple_children", 24),
    ("single_parent", 8),
    ("three_generations", 12),
)
NHI_HOUSEHOLD_SHARE = 0.71  # households whose members under 75 are in the NHI (demo: far above the real rate)
DEEMED_HEAD_SHARE = 0.06  # multi-person NHI households whose head is in employee insurance (擬制世帯主)
FOREIGN_SHARE = 0.04
DV_SHARE = 0.003


@dataclasses.dataclass
class Counter:
    """Running identifiers: 宛名番号, 世帯番号, 番号, and the My Numbers given out so far."""

    person: int = 0
    household: int = 0
    my_numbers: set[str] = dataclasses.field(default_factory=set)

    def person_id(self) -> str:
        self.person += 1
        return f"{self.person:09d}"

    def household_id(self) -> tuple[str, str]:
        self.household += 1
        return f"H{self.household:08d}", f"{self.household:07d}"

    def my_number(self, rng: random.Random) -> str:
        while True:
            value = random_my_number(rng)
            if value not in self.my_numbers:
                self.my_numbers.add(value)
                return value


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


def birth_date_for(rng: random.Random, age: int, today: dt.date) -> dt.date:
    """A birth date at which the person is `age` on `today`."""
    latest = add_years(today, -age)
    earliest = add_years(today, -age - 1) + dt.timedelta(days=1)
    return earliest + dt.timedelta(days=rng.randrange((latest - earliest).days + 1))


def age_on(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def random_age(rng: random.Random, low: int = 0, high: int = 100) -> int:
    """An age in [low, high] following the population pyramid."""
    bands = [(i * 5, min(i * 5 + 4, 100)) for i in range(len(AGE_BANDS))]
    choices = [
        (max(a, low), min(b, high), w) for (a, b), w in zip(bands, AGE_BANDS, strict=True) if b >= low and a <= high
    ]
    a, b, _ = rng.choices(choices, weights=[w for *_, w in choices])[0]
    return rng.randint(a, b)


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def random_address(rng: random.Random) -> dict[str, str]:
    index = rng.randrange(len(TOWNS))
    town, postal, district = TOWNS[index]
    chome, ban, go = rng.randint(1, 5), rng.randint(1, 30), rng.randint(1, 20)
    building = ""
    if rng.random() < 0.3:
        building = f"{rng.choice(BUILDINGS)}{rng.randint(1, 5)}{rng.randint(1, 12):02d}号室"
    return {
        "postal_code": postal,
        "address_code": f"{CITY_CODE}{index + 1:03d}{chome:03d}",
        "address": f"{CITY}{town}{chome}丁目{ban}番{go}号",
        "building": building,
        "district_code": district,
    }


class Namer:
    """Names for one household: a shared surname (Japanese or foreign) and given names by sex."""

    def __init__(self, rng: random.Random, foreign: bool) -> None:
        self.rng = rng
        self.nationality = ""
        if foreign:
            self.nationality, surnames, self.foreign_given = rng.choice(FOREIGN_NAMES)
            self.surname = rng.choice(surnames)
        else:
            self.surname = rng.choice(SURNAMES)

    def name(self, sex: str) -> tuple[str, str]:
        if self.nationality:
            given = self.rng.choice([g for g in self.foreign_given if g[2] == sex])
        else:
            given = self.rng.choice(GIVEN_MALE if sex == "1" else GIVEN_FEMALE)
        separator = " " if self.nationality and self.surname[0].isascii() else SPACE
        return f"{self.surname[0]}{separator}{given[0]}", f"{self.surname[1]}{SPACE}{given[1]}"


def compose(rng: random.Random, kind: str) -> list[tuple[str, int, str]]:
    """Members of one household as (relationship, age, sex), the head first."""
    head_sex = "1" if rng.random() < 0.8 else "2"
    spouse = ("妻", "2") if head_sex == "1" else ("夫", "1")

    def near(age: int) -> int:
        return max(18, min(100, age + rng.randint(-6, 4)))

    def children(parent_age: int, count: int) -> list[tuple[str, int, str]]:
        oldest = max(0, min(parent_age - 22, 30))
        return [("子", rng.randint(0, oldest), rng.choice("12")) for _ in range(count)]

    # Living alone or as a couple is, more often than not, how the elderly live.
    if kind == "single":
        low = 65 if rng.random() < 0.45 else 18
        return [("世帯主", random_age(rng, low, 100), rng.choice("12"))]
    if kind == "couple":
        age = random_age(rng, 60 if rng.random() < 0.6 else 24, 98)
        return [("世帯主", age, head_sex), (spouse[0], near(age), spouse[1])]
    if kind == "couple_children":
        age = random_age(rng, 26, 62)
        return [
            ("世帯主", age, head_sex),
            (spouse[0], near(age), spouse[1]),
            *children(age, rng.choice((1, 1, 2, 2, 3))),
        ]
    if kind == "single_parent":
        age = random_age(rng, 24, 60)
        return [("世帯主", age, "2" if rng.random() < 0.85 else "1"), *children(age, rng.choice((1, 2)))]
    if rng.random() < 0.5:  # the middle generation heads the household, the parents live with them
        age = random_age(rng, 35, 58)
        parent = min(100, age + rng.randint(25, 34))
        elders = [("父", parent, "1"), ("母", max(18, parent - rng.randint(0, 4)), "2")][: rng.choice((1, 2))]
        return [
            ("世帯主", age, head_sex),
            (spouse[0], near(age), spouse[1]),
            *children(age, rng.choice((1, 2))),
            *elders,
        ]
    age = random_age(rng, 62, 92)  # the elders head it: 子, 子の妻 and 孫 live with them
    son = min(age - 25, rng.randint(30, 58))
    members = [
        ("世帯主", age, "1"),
        ("妻", near(age), "2"),
        ("子", son, "1"),
        ("子の妻", max(20, son - rng.randint(0, 5)), "2"),
    ]
    members += [("孫", rng.randint(0, max(0, min(son - 22, 25))), rng.choice("12")) for _ in range(rng.choice((1, 2)))]
    return members


def make_person(
    rng: random.Random,
    counter: Counter,
    namer: Namer,
    *,
    relationship: str,
    age: int,
    sex: str,
    order: int,
    today: dt.date,
    person_id: str | None = None,
) -> dict[str, Any]:
    """One resident in the ResidentPerson schema (no NHI fields)."""
    birth = birth_date_for(rng, age, today)
    name_kanji, name_kana = namer.name(sex)
    person = {
        "person_id": person_id or counter.person_id(),
        "name_kanji": name_kanji,
        "name_kana": name_kana,
        "birth_date": birth.isoformat(),
        "sex": sex,
        "relationship": relationship,
        "listing_order": order,
        "my_number": counter.my_number(rng),
        "nationality": namer.nationality,
        "residence_status": "",
        "residence_expires_on": None,
        "dv_support": False,
    }
    if namer.nationality:
        status, years = rng.choice(RESIDENCE_STATUSES)
        person["residence_status"] = status
        if years:
            person["residence_expires_on"] = random_date(
                rng, today + dt.timedelta(days=20), add_years(today, years)
            ).isoformat()
    return person


def make_household(rng: random.Random, counter: Counter, today: dt.date) -> dict[str, Any]:
    """One household of the migration file: residents, their NHI status, 記号・番号・枝番."""
    kind = rng.choices([k for k, _ in COMPOSITIONS], weights=[w for _, w in COMPOSITIONS])[0]
    foreign = rng.random() < FOREIGN_SHARE
    if foreign and kind == "three_generations":
        kind = "couple_children"
    namer = Namer(rng, foreign)
    household_id, number = counter.household_id()
    members = [
        make_person(rng, counter, namer, relationship=rel, age=age, sex=sex, order=i, today=today)
        for i, (rel, age, sex) in enumerate(compose(rng, kind), 1)
    ]
    head_birth = dt.date.fromisoformat(members[0]["birth_date"])
    born_here = not foreign and rng.random() < 0.3
    moved_in = (
        head_birth if born_here else random_date(rng, max(add_years(head_birth, 18), add_years(today, -40)), today)
    )
    if foreign:
        moved_in = random_date(rng, add_years(today, -8), today)
    dv = rng.random() < DV_SHARE
    for member in members:
        member["resident_since"] = max(moved_in, dt.date.fromisoformat(member["birth_date"])).isoformat()
        member["dv_support"] = dv
    _insure(rng, members, today)
    return {
        "household_id": household_id,
        "head_person_id": members[0]["person_id"],
        "address": random_address(rng),
        "symbol": SYMBOL,
        "number": number,
        "members": members,
    }


def _insure(rng: random.Random, members: list[dict[str, Any]], today: dt.date) -> None:
    """Mark who is NHI insured: nobody 75 or over; sometimes a head in employee insurance (擬制世帯主)."""
    nhi = rng.random() < NHI_HOUSEHOLD_SHARE
    deemed_head = nhi and len(members) > 1 and rng.random() < DEEMED_HEAD_SHARE
    branch = 0
    for index, member in enumerate(members):
        birth = dt.date.fromisoformat(member["birth_date"])
        insured = nhi and age_on(birth, today) < 75 and not (index == 0 and deemed_head)
        member["insured"] = insured
        member["acquired_on"] = None
        member.pop("branch_no", None)
        if insured:
            branch += 1
            member["branch_no"] = f"{branch:02d}"
            member["acquired_on"] = _acquired_on(
                rng, birth, dt.date.fromisoformat(member["resident_since"]), today
            ).isoformat()


def _acquired_on(rng: random.Random, birth: dt.date, resident_since: dt.date, today: dt.date) -> dt.date:
    """From moving in or birth; for adults often later (leaving a job, retiring at 60 or 65)."""
    start = max(birth, resident_since)
    if age_on(birth, today) < 20 or rng.random() < 0.4:
        return start
    retirement = add_years(birth, rng.choice((60, 65)))
    if start <= retirement <= today and rng.random() < 0.5:
        return retirement
    return random_date(rng, start, today)


def generate(households: int, *, seed: int, today: dt.date) -> Iterator[dict[str, Any]]:
    """`households` households of みどり市, the same ones for the same seed and date."""
    rng = random.Random(seed)
    counter = Counter()
    for _ in range(households):
        yield make_household(rng, counter, today)


def write_migration_file(path: str, households: int, *, seed: int, today: dt.date) -> dict[str, Any]:
    """Write the initial migration file (JSON Lines); return counts (no personal data)."""
    summary = {"households": 0, "persons": 0, "insured": 0, "deemed_head_households": 0, "foreign_persons": 0}
    with open(path, "w", encoding="utf-8") as handle:
        for household in generate(households, seed=seed, today=today):
            handle.write(json.dumps(household, ensure_ascii=False) + "\n")
            _count(summary, household)
    return summary


def _count(summary: dict[str, Any], household: dict[str, Any]) -> None:
    members = household["members"]
    summary["households"] += 1
    summary["persons"] += len(members)
    summary["insured"] += sum(1 for m in members if m["insured"])
    summary["foreign_persons"] += sum(1 for m in members if m["nationality"])
    if is_deemed_head(household):
        summary["deemed_head_households"] += 1


def is_deemed_head(household: dict[str, Any]) -> bool:
    """擬制世帯主: the head is not insured while some member is."""
    head = next(m for m in household["members"] if m["person_id"] == household["head_person_id"])
    return not head["insured"] and any(m["insured"] for m in household["members"])
