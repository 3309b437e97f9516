"""A resident-registry change (住民記録の異動) as a value object, parsed and validated without I/O.

Problem messages name the field and never repeat its value: they end up in logs and error tables,
where names, birth dates and My Numbers must not.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from nhi_common.text import CONTROL_CHARACTER

from .resident_reasons import REASONS

CHANGE_KINDS = frozenset(REASONS)
# Kinds after which the household lives at a new address: the change must say where.
KINDS_WITH_ADDRESS = frozenset(code for code, reason in REASONS.items() if reason.needs_address)
SEXES = frozenset({"1", "2"})
# The largest 記載順位 and sequence number a change may carry: what svc-qualification (int32) and the per-person
# order (a 64-bit column) can hold; a larger one is refused here, never overflowing a column on the way.
MAX_ORDER = 2**31 - 1
MAX_SEQUENCE = 2**63 - 1
ADDRESS_FIELDS = ("postal_code", "address_code", "address", "building", "district_code")

_KATAKANA = re.compile(r"^[\u30A1-\u30F6\u30FB\u30FC\u3000]+$")
_DIGITS = re.compile(r"^[0-9]{1,20}$")
_ID = re.compile(r"^[0-9A-Za-z_.:-]{1,100}$")


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing wrong with one field of an input record."""

    field: str
    message: str


class InvalidChange(ValueError):
    """A resident change that can never be applied; carries every problem found."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in self.problems))


@dataclasses.dataclass(frozen=True)
class Address:
    postal_code: str = ""
    address_code: str = ""
    address: str = ""
    building: str = ""  # 方書
    district_code: str = ""


@dataclasses.dataclass(frozen=True)
class ResidentPerson:
    person_id: str  # 宛名番号
    name_kanji: str
    name_kana: str
    birth_date: dt.date
    sex: str
    relationship: str  # 続柄
    listing_order: int  # 記載順位
    my_number: str = ""
    nationality: str = ""
    residence_status: str = ""  # 在留資格
    residence_expires_on: dt.date | None = None
    dv_support: bool = False
    sequence: int | None = None  # the registry's per-person change number; None: no order known


@dataclasses.dataclass(frozen=True)
class ResidentChange:
    change_id: str
    change_kind: str
    event_date: dt.date  # 異動日
    notified_on: dt.date  # 届出日
    household_id: str  # 世帯番号
    head_person_id: str
    address: Address
    previous_municipality: str
    persons: tuple[ResidentPerson, ...]

    @property
    def person_ids(self) -> list[str]:
        return [p.person_id for p in self.persons]

    @property
    def sequences(self) -> dict[str, int]:
        """The per-person sequence numbers the change carries."""
        return {p.person_id: p.sequence for p in self.persons if p.sequence is not None}

    @property
    def applies_as(self) -> str:
        """The change kind svc-qualification applies for this 異動事由 (what the change is handed on as, without
        the sequence numbers, which stay here: adapters/clients.to_message)."""
        return REASONS[self.change_kind].applies_as

    def to_dict(self) -> dict[str, Any]:
        """The change in the wire schema (dates as ISO text)."""
        return {
            "change_id": self.change_id,
            "change_kind": self.change_kind,
            "event_date": self.event_date.isoformat(),
            "notified_on": self.notified_on.isoformat(),
            "household_id": self.household_id,
            "head_person_id": self.head_person_id,
            "address": dataclasses.asdict(self.address),
            "previous_municipality": self.previous_municipality,
            "persons": [_person_dict(p) for p in self.persons],
        }


def _person_dict(person: ResidentPerson) -> dict[str, Any]:
    data = dataclasses.asdict(person)
    data["birth_date"] = person.birth_date.isoformat()
    data["residence_expires_on"] = person.residence_expires_on.isoformat() if person.residence_expires_on else ""
    return data


class _Reader:
    """Reads typed fields out of a dict, collecting problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, field: str, message: str) -> None:
        self.problems.append(Problem(field, message))

    def text(
        self,
        data: dict,
        key: str,
        path: str,
        *,
        required: bool,
        pattern: re.Pattern | None = None,
        rule: str = "",
        max_length: int = 200,
    ) -> str:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.fail(path, "is required")
            return ""
        if not isinstance(value, str):
            self.fail(path, "must be a string")
            return ""
        if len(value) > max_length:
            self.fail(path, f"is longer than {max_length} characters")
            return ""
        if CONTROL_CHARACTER.search(value):  # no registry field holds one; PostgreSQL refuses a NUL outright
            self.fail(path, "must not contain control characters")
            return ""
        if pattern is not None and not pattern.fullmatch(value):
            self.fail(path, rule)
            return ""
        return value

    def date(self, data: dict, key: str, path: str, *, required: bool) -> dt.date | None:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.fail(path, "is required")
            return None
        if not isinstance(value, str) or len(value) != 10:
            self.fail(path, "must be a date as YYYY-MM-DD")
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(path, "must be a date as YYYY-MM-DD")
            return None


def parse_change(data: Any) -> ResidentChange:
    """Validate one resident change in the wire schema; InvalidChange lists every problem."""
    if not isinstance(data, dict):
        raise InvalidChange([Problem("", "a resident change is a JSON object")])
    r = _Reader()
    change_id = r.text(
        data,
        "change_id",
        "change_id",
        required=True,
        pattern=_ID,
        rule="may hold only letters, digits and _.:- (at most 100)",
    )
    change_kind = r.text(data, "change_kind", "change_kind", required=True)
    if change_kind and change_kind not in CHANGE_KINDS:
        r.fail("change_kind", "unknown change kind; expected one of " + ", ".join(sorted(CHANGE_KINDS)))
    event_date = r.date(data, "event_date", "event_date", required=True)
    notified_on = r.date(data, "notified_on", "notified_on", required=True)
    household_id = r.text(
        data, "household_id", "household_id", required=True, pattern=_ID, rule="may hold only letters, digits and _.:-"
    )
    head_person_id = r.text(
        data, "head_person_id", "head_person_id", required=False, pattern=_DIGITS, rule="a 宛名番号 is digits"
    )
    address = _address(r, data.get("address"), required=change_kind in KINDS_WITH_ADDRESS)
    previous = r.text(data, "previous_municipality", "previous_municipality", required=False)
    persons = _persons(r, data.get("persons"), event_date)
    if r.problems:
        raise InvalidChange(r.problems)
    return ResidentChange(
        change_id=change_id,
        change_kind=change_kind,
        event_date=event_date,
        notified_on=notified_on,
        household_id=household_id,
        head_person_id=head_person_id,
        address=address,
        previous_municipality=previous,
        persons=tuple(persons),
    )


def _address(r: _Reader, data: Any, *, required: bool) -> Address:
    if data is None or data == {}:
        if required:
            r.fail("address", "is required for this change kind")
        return Address()
    if not isinstance(data, dict):
        r.fail("address", "must be an object")
        return Address()
    values = {key: r.text(data, key, f"address.{key}", required=False) for key in ADDRESS_FIELDS}
    if required and not values["address"] and not any(p.field == "address.address" for p in r.problems):
        r.fail("address.address", "is required for this change kind")
    return Address(**values)


def _persons(r: _Reader, data: Any, event_date: dt.date | None) -> list[ResidentPerson]:
    if not isinstance(data, list) or not data:
        r.fail("persons", "at least one person is required")
        return []
    persons, seen = [], set()
    for index, item in enumerate(data):
        person = _person(r, item, f"persons[{index}]", index, event_date)
        if person is None:
            continue
        if person.person_id in seen:
            r.fail(f"persons[{index}].person_id", "appears twice in this change")
        seen.add(person.person_id)
        persons.append(person)
    return persons


def _person(r: _Reader, data: Any, path: str, index: int, event_date: dt.date | None) -> ResidentPerson | None:
    if not isinstance(data, dict):
        r.fail(path, "a person is a JSON object")
        return None
    before = len(r.problems)
    person_id = r.text(
        data, "person_id", f"{path}.person_id", required=True, pattern=_DIGITS, rule="a 宛名番号 is digits"
    )
    name_kanji = r.text(data, "name_kanji", f"{path}.name_kanji", required=True, max_length=100)
    name_kana = r.text(
        data,
        "name_kana",
        f"{path}.name_kana",
        required=True,
        pattern=_KATAKANA,
        rule="must be full-width katakana",
        max_length=100,
    )
    birth_date = r.date(data, "birth_date", f"{path}.birth_date", required=True)
    if birth_date and event_date and birth_date > event_date:
        r.fail(f"{path}.birth_date", "is after the event date")
    sex = r.text(data, "sex", f"{path}.sex", required=True)
    if sex and sex not in SEXES:
        r.fail(f"{path}.sex", 'must be "1" (male) or "2" (female)')
    relationship = r.text(data, "relationship", f"{path}.relationship", required=True, max_length=20)
    listing_order = data.get("listing_order", index + 1)
    if listing_order is None:
        listing_order = index + 1
    if isinstance(listing_order, bool) or not isinstance(listing_order, int) or not 1 <= listing_order <= MAX_ORDER:
        r.fail(f"{path}.listing_order", f"must be a positive integer of at most {MAX_ORDER}")
    my_number = r.text(data, "my_number", f"{path}.my_number", required=False, max_length=12)
    # The check digit (NUM-MYNUMBER) is svc-qualification's rule; a wrong one comes back as INVALID_ARGUMENT.
    if my_number and (len(my_number) != 12 or not my_number.isascii() or not my_number.isdigit()):
        r.fail(f"{path}.my_number", "a My Number is 12 digits")
    nationality = r.text(data, "nationality", f"{path}.nationality", required=False, max_length=40)
    residence_status = r.text(data, "residence_status", f"{path}.residence_status", required=False, max_length=60)
    expires = r.date(data, "residence_expires_on", f"{path}.residence_expires_on", required=False)
    sequence = data.get("sequence")
    if sequence is not None and (
        isinstance(sequence, bool) or not isinstance(sequence, int) or not 1 <= sequence <= MAX_SEQUENCE
    ):
        r.fail(f"{path}.sequence", f"must be a positive integer of at most {MAX_SEQUENCE}")
    dv_support = data.get("dv_support", False)
    if dv_support is None:
        dv_support = False
    if not isinstance(dv_support, bool):
        r.fail(f"{path}.dv_support", "must be true or false")
    if len(r.problems) > before:
        return None
    return ResidentPerson(
        person_id=person_id,
        name_kanji=name_kanji,
        name_kana=name_kana,
        birth_date=birth_date,
        sex=sex,
        relationship=relationship,
        listing_order=listing_order,
        my_number=my_number,
        nationality=nationality,
        residence_status=residence_status,
        residence_expires_on=expires,
        dv_support=dv_support,
        sequence=sequence,
    )


def mask_my_number(value: Any) -> Any:
    """A My Number as a clerk's list shows it: the last 4 digits only."""
    if isinstance(value, str) and len(value) == 12:
        return "********" + value[-4:]
    return value


def masked_payload(payload: Any) -> Any:
    """A change payload with every person's My Number masked (dead letters shown to a clerk)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("persons"), list):
        return payload
    persons = [
        {**p, "my_number": mask_my_number(p.get("my_number"))} if isinstance(p, dict) and p.get("my_number") else p
        for p in payload["persons"]
    ]
    return {**payload, "persons": persons}


def keep_masked_my_numbers(fixed: dict[str, Any], stored: Any) -> dict[str, Any]:
    """A fixed payload in which a person's masked My Number, sent back as shown, is the stored one again."""
    stored_persons = stored.get("persons") if isinstance(stored, dict) else None
    if not isinstance(fixed.get("persons"), list) or not isinstance(stored_persons, list):
        return fixed
    numbers = {
        p.get("person_id"): p.get("my_number")
        for p in stored_persons
        if isinstance(p, dict) and isinstance(p.get("my_number"), str)
    }
    persons = []
    for person in fixed["persons"]:
        if isinstance(person, dict) and person.get("my_number"):
            original = numbers.get(person.get("person_id"))
            if original and person["my_number"] == mask_my_number(original):
                person = {**person, "my_number": original}
        persons.append(person)
    return {**fixed, "persons": persons}
