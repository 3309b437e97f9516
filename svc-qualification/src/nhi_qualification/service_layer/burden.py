"""Burden-ratio determinations (5.6) and the income facts they stand on; one way to store a determination, whether
a clerk asked for it or a batch (8/1, age 75) made it."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from nhi_common import paging
from nhi_common.plumbing import utcnow

from ..domain.burden import determine_burden
from ..domain.burden_facts import BurdenDecision, IncomeFacts, income_year_for
from ..domain.commands import DetermineBurdenRatio, IncomeFact, RecordIncomeFacts
from ..domain.errors import NotFound, RuleViolation
from ..domain.events import BurdenChange, QualificationChanged
from ..domain.explanations import decided_facts, explanation_digest
from . import queries
from .app import App, change_once
from .context import Actor
from .unit_of_work import AbstractUnitOfWork
from .values import aware_iso, iso

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def record_income_facts(app: App, cmd: RecordIncomeFacts, actor: Actor) -> dict[str, Any]:
    """Keep the facts in one set-based write, once per Idempotency-Key."""
    today = app.today(actor)
    return change_once(app, actor, "RecordIncomeFacts", cmd, lambda uow: _record(uow, cmd, today, actor))


def _record(uow: AbstractUnitOfWork, cmd: RecordIncomeFacts, today: dt.date, actor: Actor) -> dict[str, Any]:
    facts = _facts(uow, cmd.incomes, default_year=income_year_for(day=today).year)
    count = uow.burden.record_incomes(facts, "api")
    uow.journal.audit(
        operator_id=actor.operator_id,
        action="income.recorded",
        target_kind="person",
        target_id=",".join(sorted({f.person_id for f in facts}))[:100] or "-",
        detail=f"{count} income facts",
    )
    return {"recorded": count}


def determine_burden_ratio(app: App, cmd: DetermineBurdenRatio, actor: Actor) -> dict[str, Any]:
    today = app.today(actor)
    as_of = cmd.as_of or today
    return change_once(
        app,
        actor,
        "DetermineBurdenRatio",
        cmd,
        lambda uow: _determine(uow, cmd, as_of, today, actor),
        dry_run=cmd.dry_run,
    )


def _determine(
    uow: AbstractUnitOfWork, cmd: DetermineBurdenRatio, as_of: dt.date, today: dt.date, actor: Actor
) -> dict[str, Any]:
    if uow.households.get(cmd.household_id) is None:
        raise NotFound("household", cmd.household_id)
    year = income_year_for(day=as_of).year
    given = _facts(uow, cmd.incomes, default_year=year)
    for index, fact in enumerate(given):
        if fact.income_year != year:
            raise RuleViolation(
                f"incomes[{index}].income_year",
                f"{as_of} is decided on the income of {year}, not {fact.income_year}",
                rule="BURDEN-YEAR",
                code="INCOME_YEAR_MISMATCH",
            )
    if given and not cmd.dry_run:
        uow.burden.record_incomes(given, "api")
    facts = uow.burden.facts(as_of, year, cmd.household_id, cmd.household_id)
    members = facts.members.get(cmd.household_id, [])
    incomes = {m.person_id: facts.incomes[m.person_id] for m in members if m.person_id in facts.incomes}
    if cmd.dry_run:
        incomes.update({f.person_id: f for f in given})
    decision = determine_burden(as_of=as_of, members=members, incomes=incomes)
    result = decision_dict(decision, cmd.household_id, "" if cmd.dry_run else str(uuid.uuid4()), cmd.dry_run)
    if cmd.dry_run:
        return result
    previous = uow.burden.latest(cmd.household_id, cmd.household_id).get(cmd.household_id)
    row, events = stored(
        decision,
        result["determination_id"],
        cmd.household_id,
        previous[:2] if previous else None,
        today,
        actor.operator_id,
        None,
        result_json=_JSON(result),
    )
    uow.burden.add_determinations([row])
    uow.emit(*events)
    uow.journal.audit(
        operator_id=actor.operator_id,
        action="burden.determined",
        target_kind="household",
        target_id=cmd.household_id,
        detail=f"{result['determination_id']} ratio={result['ratio_percent']} "
        f"limit={result['limit_category']} pending={result['pending']} changed={bool(events)}",
    )
    return result


def list_burden_determinations(
    app: App, household_id: str, page: paging.Page, actor: Actor
) -> tuple[list[dict[str, Any]], str]:
    """The household's stored determinations, newest first, each as DetermineBurdenRatio answered it (shared
    explanations put back) with when, by whom and whether it changed the share, without the DV support-measure
    persons the actor may not see (rule DV, as GET /decisions lists them)."""
    with app.uow(read_only=True) as uow:
        if uow.households.get(household_id) is None:
            raise NotFound("household", household_id)
        found, cursor = uow.burden.of_household(household_id, page)
        listed = [listed_determination(r) for r in explained(found)]
        tokens = sorted({t for d in listed for r in d["reasons"] for t in _reason_names(r)})
        people = set(tokens) - set(uow.persons.missing(tokens)) | {p["person_id"] for d in listed for p in d["persons"]}
        named = [p for d in listed for p in sorted(named_persons(d, people))]
        dv = queries.dv_listed(actor, *queries.listed_dv(app, uow, actor, named))
    queries.audit_dv_listed(app, actor, dv)
    return [d for d in (without_persons(d, dv.hidden, people) for d in listed) if d is not None], cursor


def explained_result(facts: str, household_id: str, determination_id: str, as_of: dt.date, income_year: int) -> str:
    """The result of a determination stored as the facts it was decided on (domain/explanations.facts_text): the
    household decided again on them, as decision_json gives it, byte for byte what the batch decided."""
    members, incomes = decided_facts(facts, income_year)
    decision = determine_burden(as_of=as_of, members=members, incomes=incomes)
    births = {m.person_id: m.birth_date for m in members}
    return decision_json(decision, household_id, determination_id, births, {})


def explained(rows: list, needed=lambda row: True) -> list:
    """Stored determinations with their result as answered: those stored as facts explained again (only the rows
    `needed` says need it; the others keep their result "")."""
    out = []
    for r in rows:
        if getattr(r, "facts", None) is None or not needed(r):
            out.append(r)
            continue
        fields = dict(r._mapping) if hasattr(r, "_mapping") else dict(vars(r))
        fields["result"] = explained_result(r.facts, r.household_id, r.determination_id, r.as_of, r.income_year)
        out.append(SimpleNamespace(**fields))
    return out


def listed_determination(row) -> dict[str, Any]:
    """A stored determination (its result resolved) as a BurdenDetermination."""
    result = json.loads(row.result)
    return {
        "determination_id": row.determination_id,
        "household_id": row.household_id,
        "as_of": iso(row.as_of),
        "income_year": row.income_year,
        "ratio_percent": result.get("ratio_percent") or 0,
        "limit_category": result.get("limit_category") or "",
        "pending": bool(row.pending),
        "changed": bool(row.changed),
        "business_date": iso(row.business_date),
        "operator_id": row.operator_id,
        "job_id": row.job_id or "",
        "recorded_at": aware_iso(row.recorded_at),
        "reasons": result.get("reasons", []),
        "persons": result.get("persons", []),
    }


# The ids a reason's facts and summary may name a person by: in a list ("elders": "a,b"), behind an amount's name
# ("taxable_income.<id>"), before a fact's name ("<id>.kyu_tadashigaki_income") or in the clerk's words.
_TOKEN = re.compile(r"[0-9A-Za-z_-]+", re.ASCII)


def _reason_names(reason: dict[str, Any]) -> set[str]:
    facts = reason.get("facts") or {}
    text = " ".join([*facts, *(str(v) for v in facts.values() if v is not None), reason.get("summary") or ""])
    return set(_TOKEN.findall(text.replace(".", " ")))


def named_persons(determination: dict[str, Any], people: set[str]) -> set[str]:
    """The persons a determination names: its per-person entries and those of `people` its reasons name (a head
    not insured, a member past 75, a 特定同一世帯所属者)."""
    named = {p["person_id"] for p in determination["persons"]}
    return named.union(*(_reason_names(r) & people for r in determination["reasons"]))


def without_persons(determination: dict[str, Any], hidden: frozenset[str], people: set[str]) -> dict[str, Any] | None:
    """Rule DV: the determination as listed without the `hidden` persons: out of `persons`, and the household's
    reasons that name them left out; None when every person it names is hidden."""
    named = named_persons(determination, people)
    if not hidden & named:
        return determination
    if named <= hidden:
        return None
    return {
        **determination,
        "persons": [p for p in determination["persons"] if p["person_id"] not in hidden],
        "reasons": [r for r in determination["reasons"] if not hidden & _reason_names(r)],
    }


def stored(
    decision: BurdenDecision,
    determination_id: str,
    household_id: str,
    previous: tuple[int | None, str | None] | None,
    today: dt.date,
    operator_id: str,
    job_id: str | None,
    *,
    result_json: str,
    now: dt.datetime | None = None,
    change_id: str | None = None,
) -> tuple[dict[str, Any], list[QualificationChanged]]:
    """The burden_determinations row and, when ratio or category changed, one changed event per 70–74 person
    (`change_id` names the change; a new one when not given)."""
    row = {
        "determination_id": determination_id,
        "household_id": household_id,
        "as_of": decision.as_of,
        "income_year": decision.income_year,
        "ratio_percent": decision.ratio_percent,
        "limit_category": decision.limit_category,
        "pending": decision.pending,
        "result": result_json,
        "business_date": today,
        "operator_id": operator_id,
        "job_id": job_id,
        "recorded_at": now or utcnow(),
        "changed": False,
    }
    old_ratio, old_category = previous if previous is not None else (None, None)
    if previous is not None and (old_ratio, old_category) == (decision.ratio_percent, decision.limit_category):
        return row, []
    row["changed"] = True
    affected = [p for p in decision.persons if p.elder] or list(decision.persons)
    rule_ids = tuple(sorted({r.rule_id for r in decision.reasons if r.rule_id}))
    change_id = change_id or str(uuid.uuid4())
    change = BurdenChange(
        determination_id,
        old_ratio,
        decision.ratio_percent,
        old_category,
        decision.limit_category,
        decision.pending,
        decision.income_year,
    )
    return row, [
        QualificationChanged(
            person_id=p.person_id,
            household_id=household_id,
            change_id=change_id,
            change_kind="burden",
            effective_date=decision.as_of,
            rule_ids=rule_ids,
            business_date=today,
            operator_id=operator_id,
            job_id=job_id,
            burden=change,
        )
        for p in affected
    ]


def _head(decision: BurdenDecision, household_id: str) -> dict[str, Any]:
    """The household's part of a stored or answered determination."""
    return {
        "household_id": household_id,
        "ratio_percent": decision.ratio_percent or 0,
        "limit_category": decision.limit_category or "",
        "pending": decision.pending,
        "reasons": [r.as_dict() for r in decision.reasons],
        "income_year": decision.income_year,
        "as_of": decision.as_of.isoformat(),
    }


def decision_dict(decision: BurdenDecision, household_id: str, determination_id: str, dry_run: bool) -> dict[str, Any]:
    return {
        **_head(decision, household_id),
        "persons": [
            {
                "person_id": p.person_id,
                "elder": p.elder,
                "ratio_percent": p.ratio_percent,
                "limit_category": p.limit_category or "",
                "reasons": [r.as_dict() for r in p.reasons],
            }
            for p in decision.persons
        ],
        "determination_id": determination_id,
        "dry_run": dry_run,
    }


def decision_json(
    decision: BurdenDecision,
    household_id: str,
    determination_id: str,
    births: dict[str, dt.date],
    fragments: dict[tuple[bool, dt.date], str],
) -> str:
    """_JSON(decision_dict(decision, household_id, determination_id, False)), with each person's reasons encoded
    once per (elder, birth date) for the decision day: they depend on nothing else (ELDER-START/ELDER-END, or the
    under-70 share). `fragments` belongs to one as_of."""

    def reasons(p) -> str:
        key = (p.elder, births[p.person_id])
        text = fragments.get(key)
        if text is None:
            text = fragments[key] = _JSON([r.as_dict() for r in p.reasons])
        return f'"reasons":{text}'

    return _decision_text(decision, household_id, determination_id, reasons)


def shared_decision_json(
    decision: BurdenDecision,
    household_id: str,
    determination_id: str,
    births: dict[str, dt.date],
    fragments: dict[tuple[bool, dt.date], tuple[str, str]],
) -> str:
    """decision_json with each person's reasons replaced by a reference to a shared explanation: `fragments` maps
    (elder, birth date) to (digest, reasons JSON) for one as_of and gains what this decision adds; the texts go
    into burden_explanations once, and resolve_result(stored, texts) gives back decision_json's text byte for byte.
    A batch stores ~40 % of the bytes (the persons' ELDER-START/ELDER-END reasons repeat across households)."""

    def reasons(p) -> str:
        key = (p.elder, births[p.person_id])
        found = fragments.get(key)
        if found is None:
            text = _JSON([r.as_dict() for r in p.reasons])
            found = fragments[key] = (explanation_digest(text), text)
        return f'"reasons_ref":"{found[0]}"'

    return _decision_text(decision, household_id, determination_id, reasons)


def _decision_text(decision: BurdenDecision, household_id: str, determination_id: str, reasons) -> str:
    people = [
        f'{{"person_id":{_JSON(p.person_id)},"elder":{"true" if p.elder else "false"},'
        f'"ratio_percent":{_JSON(p.ratio_percent)},"limit_category":{_JSON(p.limit_category or "")},'
        f"{reasons(p)}}}"
        for p in decision.persons
    ]
    head = _JSON(_head(decision, household_id))
    return f'{head[:-1]},"persons":[{",".join(people)}],"determination_id":{_JSON(determination_id)},"dry_run":false}}'


def _facts(uow: AbstractUnitOfWork, incomes: Sequence[IncomeFact], default_year: int) -> list[IncomeFacts]:
    """The given facts with their year; each person must be known (one look-up for all of them)."""
    missing = uow.persons.missing(f.person_id for f in incomes)
    if missing:
        raise NotFound("person", missing[0])
    out = []
    for fact in incomes:
        out.append(
            IncomeFacts(
                fact.person_id,
                fact.income_year or default_year,
                fact.taxable_income,
                fact.gross_income,
                fact.kyu_tadashigaki_income,
                fact.non_taxed,
                fact.public_pension_income,
                fact.total_income,
            )
        )
    return out
