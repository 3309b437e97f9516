"""The facts about persons a decision and an event need, read through the unit of work."""

from __future__ import annotations

import datetime as dt
import json

from ..domain.errors import NotFound, RuleViolation
from ..domain.events import PersonRef
from ..domain.model import PersonFacts
from .unit_of_work import AbstractUnitOfWork


def household_dv(uow: AbstractUnitOfWork, household_id: str, day: dt.date | None) -> bool:
    """Rule DV: the household holds a DV support-measure person, by the registry's flag or by a dv_support
    status holding on `day` (the restriction starts and ends with the status period)."""
    members = uow.persons.members(household_id)
    if any(m.dv_support for m in members):
        return True
    return day is not None and bool(uow.statuses.dv_on([m.person_id for m in members], day))


def dv_now(uow: AbstractUnitOfWork, rows, day: dt.date) -> set[str]:
    """Rule DV: which of `rows` (persons rows) are DV support-measure persons on `day`: flagged by the registry, or
    holding a dv_support status then (the restriction starts and ends with the status period)."""
    flagged = {r.person_id for r in rows if r.dv_support}
    return flagged | uow.statuses.dv_on([r.person_id for r in rows if r.person_id not in flagged], day)


def person_ref(uow: AbstractUnitOfWork, person_id: str, household, day: dt.date | None = None) -> PersonRef:
    """The person as events name them, in `household` (a households row), on `day` (DV statuses)."""
    row = uow.persons.get(person_id)
    return PersonRef(
        person_id,
        household.household_id,
        household.head_person_id,
        row.name_kanji,
        row.name_kana,
        row.display_name,
        row.birth_date,
        row.sex,
        json.loads(household.address or "{}"),
        bool(row.dv_support) if day is None else person_id in dv_now(uow, [row], day),
        household_dv=household_dv(uow, household.household_id, day),
    )


def facts(
    uow: AbstractUnitOfWork, household_id: str, person_ids: list[str], *, check_resident: bool
) -> list[PersonFacts]:
    """The notified persons as the rules see them; each must be a (resident) member of the household."""
    current = uow.periods.current(person_ids)
    out = []
    for index, person_id in enumerate(person_ids):
        row = uow.persons.get(person_id)
        if row is None:
            raise NotFound("person", person_id)
        if row.household_id != household_id:
            raise RuleViolation(
                f"persons[{index}].person_id",
                f"person {person_id} is not a member of household {household_id}",
                rule="HOUSEHOLD",
                code="NOT_A_MEMBER",
            )
        if check_resident and row.resident_status != "resident":
            raise RuleViolation(
                f"persons[{index}].person_id",
                f"person {person_id} is {row.resident_status}",
                rule="STD-2.1.1",
                code="NOT_RESIDENT",
            )
        out.append(
            PersonFacts(
                person_id,
                household_id,
                row.birth_date,
                row.resident_status,
                current.get(person_id),
                residence_status=row.residence_status,
                nationality=row.nationality,
            )
        )
    return out
