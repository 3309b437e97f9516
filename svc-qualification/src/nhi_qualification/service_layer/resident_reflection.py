"""Resident registry reflection (住民記録連携, 2.1): record persons and households; deaths, move-outs and births
into NHI households are decided at once as if notified, move-ins wait for the counter as intake items."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ..domain.commands import NotificationPerson, ResidentChange, SubmitNotification
from ..domain.errors import NotFound, RuleViolation, StaleVersion
from ..domain.numbers import my_number_problem
from ..domain.special_statuses import status_kind
from .app import App
from .context import Actor
from .notifications import notify
from .unit_of_work import AbstractUnitOfWork

CONSUMER = "resident-changes"
# Resident changes the system reflects by itself, and the notification each becomes.
AUTOMATIC = {
    "death": ("leave", "death"),
    "move_out": ("leave", "move_out"),
    "move_out_same_pref": ("leave", "move_out_same_pref"),
    "birth": ("join", "birth"),
}
STATUS_OF = {"death": "dead", "move_out": "moved_out", "move_out_same_pref": "moved_out"}
MOVE_INS = {"move_in", "move_in_same_pref"}


def apply_resident_changes(app: App, changes: list[ResidentChange], actor: Actor) -> list[dict[str, Any]]:
    today = app.today(actor)
    with app.uow() as uow:
        # The batch's changes read the same households, members, periods and statuses again and again: read them
        # once, and claim every change in two statements (a change repeated in the batch is a duplicate after its
        # first, as one at a time).
        uow.cache_reads(
            person_ids=[p.person_id for c in changes for p in c.persons],
            household_ids=[c.household_id for c in changes],
            # a batch that only records (転居, 氏名変更, ...) reads no members, periods, 枝番 or intake items
            members=any(c.change_kind in AUTOMATIC or c.change_kind in MOVE_INS for c in changes),
        )
        claimed = uow.journal.claim_inbox_many([c.change_id for c in changes], CONSUMER)
        # The changes' rows go per table, not per change: written when a read needs them or at commit.
        uow.defer_writes()
        results = [
            _apply(app, uow, change, actor, today, fresh) for change, fresh in zip(changes, claimed, strict=True)
        ]
        uow.commit()
    return results


def _apply(
    app: App, uow: AbstractUnitOfWork, change: ResidentChange, actor: Actor, today: dt.date, claimed: bool
) -> dict[str, Any]:
    person_ids = [p.person_id for p in change.persons]
    if not claimed:
        return {"change_id": change.change_id, "outcome": "duplicate", "person_ids": person_ids}
    _record_household(uow, change, person_ids)
    for index, _person in enumerate(change.persons):
        _record_person(app, uow, change, index)
    outcome: dict[str, Any] = {"change_id": change.change_id, "outcome": "applied", "person_ids": person_ids}
    reflected = _reflect(app, uow, change, actor, today) if change.change_kind in AUTOMATIC else "not_concerned"
    if reflected == "reflected":
        outcome["outcome"] = "reflected"
    elif change.change_kind in MOVE_INS or reflected == "refused":
        # A move-in waits for the counter notification; an automatic change the rules refused waits for a clerk.
        outcome["intake_item_id"] = uow.changes.add_intake_item(
            source_change_id=change.change_id,
            kind=change.change_kind,
            household_id=change.household_id,
            person_ids=person_ids,
            event_date=change.event_date,
        )
        outcome["outcome"] = "intake_item"
    uow.journal.audit(
        operator_id=actor.operator_id,
        action="resident.change.applied",
        target_kind="household",
        target_id=change.household_id,
        detail=f"{change.change_kind} {change.change_id}",
    )
    return outcome


def _reflect(app: App, uow: AbstractUnitOfWork, change: ResidentChange, actor: Actor, today: dt.date) -> str:
    """Decide a death, move-out or birth as if notified: `reflected`, `not_concerned` (nobody insured) or `refused`
    (the rules said no, or a member keeps the qualification while away: a clerk looks at it)."""
    kind, reason = AUTOMATIC[change.change_kind]
    people = [p.person_id for p in change.persons]
    if kind == "leave":
        current = uow.periods.current(people)
        insured = [p for p in people if p in current and current[p].end_on is None]
        # HOUSEHOLD: マル学 and マル遠 members stay in the origin household, 住所地特例 persons stay ours.
        people = [
            p
            for p in insured
            if change.change_kind == "death" or not _stays_insured_when_away(uow, p, change.event_date)
        ]
        if not insured:
            return "not_concerned"
        if len(people) < len(insured):
            return "refused"
    elif not _any_insured(uow, change.household_id, today, exclude=set(people)):
        return "not_concerned"  # a birth into a household with no NHI member is no NHI birth
    notification = SubmitNotification(
        kind=kind,
        reason=reason,
        household_id=change.household_id,
        persons=tuple(NotificationPerson(p) for p in people),
        event_date=change.event_date,
        notified_on=change.notified_on or change.event_date,
        identity_check={"document_kind": "resident_registry", "checked_by": "resident-registry"},
    )
    try:
        with uow.savepoint():
            notify(
                app,
                uow,
                notification,
                Actor(actor.operator_id or "integration", business_date=today),
                today,
                at_counter=False,
                resident_status_checked=False,
            )
    except (RuleViolation, StaleVersion, NotFound):
        return "refused"
    return "reflected"


def _stays_insured_when_away(uow: AbstractUnitOfWork, person_id: str, day: dt.date) -> bool:
    return any(e.stays_in_origin_household or e.becomes_single_household for e in _effects(uow, person_id, day))


def _effects(uow: AbstractUnitOfWork, person_id: str, day: dt.date) -> list:
    """The effects of the statuses the person holds on `day`."""
    return [status_kind(code=s.kind).effects for _id, s in uow.statuses.current(person_id) if s.active_on(day)]


def _any_insured(uow: AbstractUnitOfWork, household_id: str, day: dt.date, exclude: set[str]) -> bool:
    members = [m.person_id for m in uow.persons.members(household_id) if m.person_id not in exclude]
    return any(p.covers(day) for p in uow.periods.current(members).values())


def _record_household(uow: AbstractUnitOfWork, change: ResidentChange, person_ids: list[str]) -> None:
    address = json.dumps(change.address, ensure_ascii=False, sort_keys=True)
    if uow.households.get(change.household_id) is None:
        uow.households.add(change.household_id, head_person_id=change.head_person_id or person_ids[0], address=address)
    elif change.head_person_id or change.address:
        values: dict[str, Any] = {}
        if change.head_person_id:
            values["head_person_id"] = change.head_person_id
        if change.address:
            values["address"] = address
        uow.households.update(change.household_id, new_version=True, **values)


def _record_person(app: App, uow: AbstractUnitOfWork, change: ResidentChange, index: int) -> None:
    person = change.persons[index]
    values: dict[str, Any] = {
        "household_id": change.household_id,
        "name_kanji": person.name_kanji,
        "name_kana": person.name_kana,
        "birth_date": person.birth_date,
        "sex": person.sex,
        "relationship": person.relationship,
        "listing_order": person.listing_order or index + 1,
        "resident_status": STATUS_OF.get(change.change_kind, "resident"),
        "nationality": person.nationality,
        "residence_status": person.residence_status,
        "residence_expires_on": person.residence_expires_on,
        "dv_support": person.dv_support,
    }
    if change.change_kind in MOVE_INS | {"birth"}:
        values["resident_since"] = change.event_date
    if person.my_number:
        problem = my_number_problem(person.my_number)
        if problem:
            raise RuleViolation(
                f"changes.persons[{index}].my_number", problem, rule="NUM-MYNUMBER", code="INVALID_MY_NUMBER"
            )
        values.update(app.vault.seal(person.my_number))
    cause = f"resident.{change.change_kind} {change.change_id}"
    stored = uow.persons.get(person.person_id)
    if stored is None:
        uow.persons.add(person.person_id, values, cause)
        return
    if stored.household_id != change.household_id and any(
        e.becomes_single_household for e in _effects(uow, person.person_id, change.event_date)
    ):
        # HOUSEHOLD / 住所地特例: the person stays the one member of their own NHI household while the status holds,
        # whatever household the registry files them under; the period stays there too.
        for key in ("household_id", "relationship", "listing_order"):
            del values[key]
    uow.persons.update(person.person_id, cause, **values)
