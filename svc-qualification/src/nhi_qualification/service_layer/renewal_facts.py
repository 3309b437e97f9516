"""GetRenewalFacts: what a renewal chunk of svc-documents needs for each of its persons, in one call.

Each person's answer is what GetQualification, GetCertificatesDue and GetPerson answer for the business date; the
households and the share (DetermineBurdenRatio, dry run) are read once per household of the chunk, not once per
person. A person a single call would refuse gets the refusal (its gRPC status, reason, field, rule) instead."""

from __future__ import annotations

from typing import Any

from nhi_common import rpc
from nhi_common.errors import DomainError

from ..domain.commands import DetermineBurdenRatio
from . import burden, certificates, queries
from .app import App
from .context import Actor

MAX_PERSONS = 1000


def _refusal(error: DomainError) -> dict[str, str]:
    status = rpc.from_domain(error)
    return {
        "code": status.code.name,
        "reason": error.code,
        "field": error.field,
        "rule": error.rule,
        "message": error.message,
    }


def renewal_facts(app: App, person_ids: list[str], burden_for_kinds: set[str], actor: Actor) -> dict[str, Any]:
    day = app.today(actor)
    persons: list[dict[str, Any]] = []
    households: dict[str, dict[str, Any]] = {}
    burdens: dict[str, dict[str, Any]] = {}
    for person_id in person_ids:
        entry: dict[str, Any] = {"person_id": person_id}
        persons.append(entry)
        try:
            qualification = queries.get_qualification(app, person_id, day, None, actor)
            entry["qualification"] = qualification
            if not qualification["insured"]:
                continue
            due = certificates.due_now(app, person_id, actor)
            person = queries.get_person(app, person_id, actor)
            household_id = person["household_id"]
            if household_id not in households:
                households[household_id] = queries.get_household(app, household_id, actor)
            needs_share = any(c["kind"] in burden_for_kinds for c in due["certificates"])
            if needs_share and household_id not in burdens:
                command = DetermineBurdenRatio(household_id, day, (), True)
                burdens[household_id] = burden.determine_burden_ratio(app, command, actor)
        except DomainError as error:
            persons[-1] = {"person_id": person_id, "refusal": _refusal(error)}
            continue
        entry["due"] = due
        entry["person"] = person
    return {"persons": persons, "households": list(households.values()), "burdens": list(burdens.values())}
