"""GetRenewalFacts: what a renewal chunk of svc-documents needs for each of its persons, in one call.

Each person's answer is what GetQualification, GetCertificatesDue and GetPerson answer for the business date; the
households (GetHousehold) and the share (DetermineBurdenRatio, dry run) once per household, not once per person. A
person a single call would refuse gets the refusal (its gRPC status, reason, field, rule) instead.

Read set-wise in one unit of work, a statement per table for the chunk, not per person or household: the persons
asked, the members of their households, who of them is insured on the day, the current periods, the special
statuses, the households; rule DV for each household decided from the members and statuses read; the share's
facts one statement per household asked for it. Whatever the call audits (the My Numbers handed out, a DV
address read) is written in one transaction, a person once however many views name them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from nhi_common.errors import DomainError

from ..domain.burden import determine_burden
from ..domain.burden_facts import income_year_for
from ..domain.errors import NotFound, RuleViolation
from ..domain.special_statuses import active_on
from . import burden, certificates, queries, views
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
    asked = list(dict.fromkeys(person_ids))
    entries: dict[str, dict[str, Any]] = {}
    households: dict[str, dict[str, Any]] = {}
    dv_read: list[str] = []
    with app.uow(read_only=True) as uow:
        uow.persons.cache_reads()
        uow.persons.prefetch(asked, ())  # the persons asked, one statement
        rows_of = {p: row for p in asked if (row := uow.persons.get(p)) is not None}
        present = list(rows_of)
        members_of = uow.persons.members_of(list(dict.fromkeys(r.household_id for r in rows_of.values())))
        everyone = list(dict.fromkeys([*present, *(m.person_id for ms in members_of.values() for m in ms)]))
        recorded = uow.periods.insured_on(everyone, day)  # insured on the day as recorded (GetQualification's test)
        current = uow.periods.current(present)  # GetCertificatesDue's test
        statuses = uow.statuses.current_rows(everyone)
        insured: list[str] = []
        people: dict[str, dict[str, Any]] = {}
        for person_id in asked:
            row = rows_of.get(person_id)
            if row is None:
                entries[person_id] = {"person_id": person_id, "refusal": _refusal(NotFound("person", person_id))}
                continue
            period = _covering(uow, person_id, day, recorded, current)
            view = queries.qualification_view(
                app, actor, person_id, day, None, row, period, statuses.get(person_id, [])
            )
            entries[person_id] = {"person_id": person_id, "qualification": view}
            people[person_id] = view["person"]  # built once for the household too
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
            # GetPerson's answer: the one GetQualification's carries (the same row, statuses and day) when it says
            # the same about being insured, as it does (a period on the day is dropped from the 75th birthday on).
            person = view["person"] if view["person"]["insured"] == person_insured else None
            entries[person_id]["person"] = person or views.person_dict(
                row, app.vault, actor, insured=person_insured, statuses=statuses.get(person_id, []), day=day
            )
            insured.append(person_id)
        with_statuses = [p for p in insured if p in statuses]
        prefetched = _Prefetched(uow, rows_of, uow.statuses.current_many(with_statuses) if with_statuses else {})
        due_of: dict[str, list[dict]] = {p: [] for p in insured}
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
        for household_id in household_ids:
            household = household_rows.get(household_id)
            if household is None:
                continue
            members = members_of.get(household_id, [])
            members_insured = queries._insured(app, members, recorded, day)  # noqa: SLF001
            dv = _household_dv(members, statuses, day)  # rule DV: no address unless the actor may see it
            if dv and actor.can_read_dv_address():
                dv_read.append(household_id)
            households[household_id] = queries.household_view(
                app, actor, household, members, members_insured, statuses, dv=dv, day=day, people=people
            )
        sharing: dict[str, list[str]] = {}  # household -> its persons due a certificate that prints the share
        for person_id in insured:
            entry = entries[person_id]
            household_id = entry["person"]["household_id"]
            if household_id not in households:
                entries[person_id] = {
                    "person_id": person_id,
                    "refusal": _refusal(NotFound("household", household_id)),
                }
            elif any(c["kind"] in burden_for_kinds for c in entry["due"]["certificates"]):
                sharing.setdefault(household_id, []).append(person_id)
        burdens = _dry_runs(uow, list(sharing), day)
        for household_id, sharers in sharing.items():
            refused = burdens[household_id].get("refusal")
            for person_id in sharers if refused is not None else ():
                entries[person_id] = {"person_id": person_id, "refusal": refused}
    read = [rows_of[p] for p in present] + [m for h in households for m in members_of.get(h, [])]
    _audit_reads(app, actor, read, dv_read)
    return {
        "persons": [entries[p] for p in person_ids],
        "households": list(households.values()),
        "burdens": [b for b in burdens.values() if "refusal" not in b],
    }


def _covering(uow, person_id: str, day: dt.date, recorded: set[str], current: dict) -> Any:
    """The period version GetQualification confirms on `day` (`periods.as_of`): none for a person insured by no
    version then; else the current period when it covers the day (the one version that can), and only otherwise
    (insured on the day by an earlier period) the person's own look-up."""
    if person_id not in recorded:
        return None
    period = current.get(person_id)
    if period is not None and period.covers(day):
        return period
    return uow.periods.as_of(person_id, day, None)


def _household_dv(members: list, statuses: dict[str, list], day: dt.date) -> bool:
    """Rule DV as people.household_dv decides it, from the members and statuses read: a member flagged by the
    registry, or holding a dv_support status on `day`."""
    if any(m.dv_support for m in members):
        return True
    return any(
        s.kind == "dv_support" and active_on(s.start, s.end, day)
        for m in members
        for s in statuses.get(m.person_id, [])
    )


def _dry_runs(uow, household_ids: list[str], day: dt.date) -> dict[str, dict[str, Any]]:
    """DetermineBurdenRatio's dry run without incomes given (burden._determine) for each of these households, their
    facts read in one statement: the share as decided on the stored facts, or the refusal."""
    if not household_ids:
        return {}
    year = income_year_for(day=day).year
    facts = uow.burden.facts(day, year, "", "", only=household_ids)
    found: dict[str, dict[str, Any]] = {}
    for household_id in household_ids:
        members = facts.members.get(household_id, [])
        incomes = {m.person_id: facts.incomes[m.person_id] for m in members if m.person_id in facts.incomes}
        try:
            decision = determine_burden(as_of=day, members=members, incomes=incomes)
        except DomainError as error:
            found[household_id] = {"refusal": _refusal(error)}
            continue
        found[household_id] = burden.decision_dict(decision, household_id, "", True)
    return found


def _audit_reads(app: App, actor: Actor, rows: list, dv_households: list[str]) -> None:
    """The audit rows the single calls write for what this call handed out, in one transaction (one commit): a
    mynumber.read row per person whose unmasked My Number is in the answer, once however many of the answer's
    views name them, and a dv.address_read row per household whose withheld address an actor with dv:read got.
    A call that writes none gets the servicer's one row for the call (renewal_facts.read)."""
    my_numbers = list(dict.fromkeys(r.person_id for r in rows if r.my_number_enc)) if actor.can_read_my_number() else []
    if not my_numbers and not dv_households:
        return
    with app.uow() as uow:
        for person_id in my_numbers:
            uow.journal.audit(
                operator_id=actor.operator_id, action="mynumber.read", target_kind="person", target_id=person_id
            )
        for household_id in dv_households:
            uow.journal.audit(
                operator_id=actor.operator_id, action="dv.address_read", target_kind="household", target_id=household_id
            )
        uow.commit()


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
