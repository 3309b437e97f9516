"""GetRenewalFacts: what a renewal chunk of svc-documents needs for each of its persons, in one call.

Each person's answer is what GetQualification, GetCertificatesDue and GetPerson answer for the business date, read in
one unit of work with the lookups that take many persons (periods, statuses) done once for the chunk; the households
(GetHousehold) and the share (DetermineBurdenRatio, dry run) once per household, not once per person. A person a single
call would refuse gets the refusal (its gRPC status, reason, field, rule) instead."""

from __future__ import annotations

from typing import Any

from nhi_common.errors import DomainError

from ..domain.commands import DetermineBurdenRatio
from ..domain.errors import NotFound, RuleViolation
from . import burden, certificates, people, queries, views
from .app import App
from .context import Actor

MAX_PERSONS = 1000


def _refusal(error: DomainError) -> dict[str, Any]:
    """The refusal a single call would answer; its category becomes a gRPC status at the servicer."""
    return {
        "category": error.category,
        "reason": error.code,
        "field": error.field,
        "rule": error.rule,
        "message": error.message,
    }


def renewal_facts(app: App, person_ids: list[str], burden_for_kinds: set[str], actor: Actor) -> dict[str, Any]:
    day = app.today(actor)
    entries: dict[str, dict[str, Any]] = {}
    households: dict[str, dict[str, Any]] = {}
    read_rows: list = []
    dv_read: list[str] = []
    with app.uow(read_only=True) as uow:
        found = {p: uow.persons.as_of(p, day, None) for p in dict.fromkeys(person_ids)}
        present = [p for p, f in found.items() if f is not None]
        statuses = uow.statuses.current_rows(present)
        recorded = uow.periods.insured_on(present, day)
        current = uow.periods.current(present)
        insured: list[str] = []
        for person_id, hit in found.items():
            if hit is None:
                entries[person_id] = {"person_id": person_id, "refusal": _refusal(NotFound("person", person_id))}
                continue
            row, period, _has_statuses = hit
            read_rows.append(row)
            view = queries.qualification_view(
                app, actor, person_id, day, None, row, period, statuses.get(person_id, [])
            )
            entries[person_id] = {"person_id": person_id, "qualification": view}
            if not view["insured"]:
                continue
            period_now = current.get(person_id)
            if period_now is None or not period_now.covers(day):  # what GetCertificatesDue refuses
                refused = RuleViolation(
                    "person_id", f"person {person_id} is not insured on {day}", rule="CERT-KIND", code="NOT_INSURED"
                )
                entries[person_id] = {"person_id": person_id, "refusal": _refusal(refused)}
                continue
            person_insured = person_id in queries._insured(app, [row], recorded, day)  # noqa: SLF001
            entries[person_id]["person"] = views.person_dict(
                row, app.vault, actor, insured=person_insured, statuses=statuses.get(person_id, []), day=day
            )
            insured.append(person_id)
        due_of: dict[str, list[dict]] = {p: [] for p in insured}
        prefetched = _Prefetched(uow, {r.person_id: r for r in read_rows}, uow.statuses.current_many(insured))
        for item in certificates._due(app, prefetched, insured, day, {}):  # noqa: SLF001 - GetCertificatesDue's rules
            due_of[item["person_id"]].append(item)
        for person_id in insured:
            items = due_of[person_id]
            entries[person_id]["due"] = {
                "person_id": person_id,
                "as_of": day.isoformat(),
                "certificates": [c for c in items if c["kind"] != "none"],
                "reasons": [r for c in items if c["kind"] == "none" for r in c["reasons"]],
            }
        household_ids = list(dict.fromkeys(entries[p]["person"]["household_id"] for p in insured))
        household_rows = uow.households.get_many(household_ids)
        members_of = uow.persons.members_of(household_ids)
        member_ids = [m.person_id for found in members_of.values() for m in found]
        members_recorded = uow.periods.insured_on(member_ids, day)
        member_statuses = uow.statuses.current_rows(member_ids)
        for household_id in household_ids:
            household = household_rows.get(household_id)
            if household is None:
                continue
            members = members_of[household_id]
            members_insured = queries._insured(app, members, members_recorded, day)  # noqa: SLF001
            dv = people.household_dv(uow, household_id, day)  # rule DV: no address unless the actor may see it
            if dv and actor.can_read_dv_address():
                dv_read.append(household_id)
            households[household_id] = queries.household_view(
                app, actor, household, members, members_insured, member_statuses, dv=dv, day=day
            )
            read_rows += members
    queries._audit_my_number_read(app, actor, read_rows)  # noqa: SLF001 - as the single calls audit
    for household_id in dv_read:
        queries._audit(app, actor, "dv.address_read", "household", household_id)  # noqa: SLF001
    burdens: dict[str, dict[str, Any]] = {}
    for person_id in insured:
        entry = entries[person_id]
        household_id = entry["person"]["household_id"]
        if household_id not in households:
            entries[person_id] = {"person_id": person_id, "refusal": _refusal(NotFound("household", household_id))}
            continue
        needs_share = any(c["kind"] in burden_for_kinds for c in entry["due"]["certificates"])
        if needs_share and household_id not in burdens:
            try:
                burdens[household_id] = burden.determine_burden_ratio(
                    app, DetermineBurdenRatio(household_id, day, (), True), actor
                )
            except DomainError as error:
                burdens[household_id] = {"refusal": _refusal(error)}
        refused = burdens.get(household_id, {}).get("refusal") if needs_share else None
        if refused is not None:
            entries[person_id] = {"person_id": person_id, "refusal": refused}
    return {
        "persons": [entries[p] for p in person_ids],
        "households": list(households.values()),
        "burdens": [b for b in burdens.values() if "refusal" not in b],
    }


class _Prefetched:
    """The unit of work as certificates._due reads it (persons.get, statuses.current), answered from what was read
    for the whole chunk; anything else goes to the unit of work itself."""

    def __init__(self, uow, persons: dict[str, Any], statuses: dict[str, list]) -> None:
        self._uow = uow
        self.persons = _Answering(uow.persons, get=persons.get)
        self.statuses = _Answering(uow.statuses, current=lambda person_id: statuses.get(person_id, []))

    def __getattr__(self, name: str):
        return getattr(self._uow, name)


class _Answering:
    def __init__(self, repository, **answers) -> None:
        self._repository = repository
        self.__dict__.update(answers)

    def __getattr__(self, name: str):
        return getattr(self._repository, name)
