"""Special statuses (SPECIAL-STATUS): decide the claimed periods, record them, and 住所地特例's own household."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from typing import Any

from nhi_common.plumbing import utcnow

from ..domain.commands import SubmitNotification
from ..domain.errors import RuleViolation
from ..domain.events import AddressWithheld, QualificationChanged, StatusChange
from ..domain.model import Decision, DocumentDue, PersonFacts, Reason
from ..domain.special_statuses import CARD_UNUSABLE_KINDS, StatusPeriod, effective_from, validate_status_period
from ..domain.timing import notification_timing
from .app import App
from .certificates import status_flags
from .context import Actor
from .unit_of_work import AbstractUnitOfWork
from .values import iso

STATUS_SLIPS = {
    "former_dependant": "former_dependant_slip",
    "specific_same_household": "specific_same_household_slip",
    "involuntary_unemployment": "involuntary_unemployment_slip",
    "prenatal_reduction": "prenatal_reduction_slip",
}


@dataclasses.dataclass(frozen=True)
class Accepted:
    """A claimed status the rules accept, with what it replaces and the name in everyday use."""

    period: StatusPeriod
    result: Any
    replaces: str | None
    display_name: str


def decide(
    app: App, uow: AbstractUnitOfWork, cmd: SubmitNotification, facts: list[PersonFacts], today: dt.date
) -> tuple[Decision, list[Accepted]]:
    late_days, retroactive, timing = notification_timing(cmd.event_date, cmd.notified_on, today, app.rules)
    by_id = {f.person_id: f for f in facts}
    accepted: list[Accepted] = []
    documents: list[DocumentDue] = []
    if not cmd.statuses:
        raise RuleViolation("statuses", "a status notification names at least one status", code="REQUIRED")
    for index, claim in enumerate(cmd.statuses):
        field = f"statuses[{index}]"
        if claim.person_id not in by_id:
            raise RuleViolation(
                f"{field}.person_id",
                "the person must be one of the notification's persons",
                rule="SPECIAL-STATUS",
                code="NOT_IN_NOTIFICATION",
            )
        existing = [p for status_id, p in uow.statuses.current(claim.person_id) if status_id != claim.status_id]
        period = StatusPeriod(
            person_id=claim.person_id,
            kind=claim.kind,
            start=claim.start,
            end=claim.end,
            evidence=claim.evidence,
            separation_date=claim.separation_date,
            separation_code=claim.separation_code,
        )
        try:
            result = validate_status_period(
                period=period, birth_date=by_id[claim.person_id].birth_date, existing=existing
            )
        except RuleViolation as exc:
            raise RuleViolation(f"{field}.{exc.field}", exc.message, rule=exc.rule, code=exc.code) from None
        if period.kind in CARD_UNUSABLE_KINDS and not _registered(uow, claim.person_id, existing, period.start):
            raise RuleViolation(
                f"{field}.kind",
                f"person {claim.person_id} has no マイナ保険証 利用登録 on {period.start}: a 資格確認書 is due without "
                "it, the card's expiry or return changes nothing",
                rule="CERT-KIND",
                code="NOT_REGISTERED",
            )
        if period.kind == "gender_identity_display" and not claim.display_name:
            raise RuleViolation(
                f"{field}.display_name",
                "性同一性障害者 needs the name in everyday use",
                rule="SPECIAL-STATUS",
                code="REQUIRED",
            )
        accepted.append(Accepted(period, result, claim.status_id, claim.display_name))
        if period.kind in STATUS_SLIPS:
            documents.append(DocumentDue(STATUS_SLIPS[period.kind], claim.person_id, result.reasons[0]))
    return Decision("status", "status", today, (), tuple(documents), late_days, retroactive, tuple(timing)), accepted


def record(
    app: App,
    uow: AbstractUnitOfWork,
    accepted: list[Accepted],
    household,
    change_id: str,
    decision: Decision,
    actor: Actor,
) -> dict[str, dict[str, Any]]:
    now = utcnow()
    recorded: dict[str, dict[str, Any]] = {}
    for status in accepted:
        period, result = status.period, status.result
        if status.replaces:
            uow.statuses.supersede(status.replaces, now)
        status_id = str(uuid.uuid4())
        uow.statuses.add(
            [
                {
                    "status_id": status_id,
                    "person_id": period.person_id,
                    "kind": period.kind,
                    "start": period.start,
                    "end": period.end,
                    "evidence": json.dumps(list(period.evidence)),
                    "separation_date": period.separation_date,
                    "separation_code": period.separation_code,
                    "display_name": status.display_name,
                    "reasons": json.dumps([r.as_dict() for r in result.reasons], ensure_ascii=False),
                    "change_id": change_id,
                    "recorded_at": now,
                }
            ]
        )
        # Rule DV follows the status period on each business date (people.dv_now); the person's flag stays the
        # registry's, or it would outlive the status.
        flags = {
            k: v
            for k, v in status_flags(period, status.display_name, decision.business_date).items()
            if k != "dv_support"
        }
        if flags:
            uow.persons.update(period.person_id, f"status.{period.kind} {change_id}", **flags)
        recorded[status_id] = {"person_id": period.person_id, "kind": period.kind}
        if result.kind.effects.becomes_single_household and not status.replaces:
            recorded[status_id]["household_id"] = _single_household(
                app, uow, period.person_id, household, period.start, change_id, actor
            )
        uow.emit(
            QualificationChanged(
                person_id=period.person_id,
                household_id=household.household_id,
                change_id=change_id,
                change_kind="status",
                effective_date=effective_from(period),
                rule_ids=tuple(r.rule_id for r in result.reasons),
                business_date=decision.business_date,
                operator_id=actor.operator_id,
                status=StatusChange(
                    status_id,
                    period.kind,
                    period.start,
                    period.end,
                    {k: v for k, v in vars(result.kind.effects).items() if v},
                ),
            )
        )
        if period.kind == "dv_support" and (period.end is None or period.end >= decision.business_date):
            uow.emit(
                AddressWithheld(
                    household_id=household.household_id,
                    person_ids=tuple(m.person_id for m in uow.persons.members(household.household_id)),
                    dv_person_id=period.person_id,
                    change_id=change_id,
                    status_start=period.start,
                    status_end=period.end,
                    business_date=decision.business_date,
                    operator_id=actor.operator_id,
                )
            )
    return recorded


def _registered(uow: AbstractUnitOfWork, person_id: str, held: list[StatusPeriod], day: dt.date) -> bool:
    """The person's マイナ保険証 is registered (利用登録) on `day`: a card_registration status then, or the flag."""
    if any(p.kind == "card_registration" and p.active_on(day) for p in held):
        return True
    row = uow.persons.get(person_id)
    return bool(row is not None and row.card_registered)


def decision_dicts(accepted: list[Accepted], numbers: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The statuses of a decision (StatusPeriod), with the ids they were recorded under."""
    ids = {v["person_id"] + v["kind"]: k for k, v in numbers.items() if "kind" in v}
    return [
        {
            "status_id": ids.get(s.period.person_id + s.period.kind, ""),
            "person_id": s.period.person_id,
            "kind": s.period.kind,
            "start": s.period.start.isoformat(),
            "end": iso(s.period.end),
            "evidence": list(s.period.evidence),
            "separation_date": iso(s.period.separation_date),
            "separation_code": s.period.separation_code or "",
            "display_name": s.display_name,
            "reasons": [r.as_dict() for r in s.result.reasons],
        }
        for s in accepted
    ]


def _single_household(
    app: App, uow: AbstractUnitOfWork, person_id: str, household, day: dt.date, change_id: str, actor: Actor
) -> str:
    """HOUSEHOLD / 住所地特例: the person becomes a one-person NHI household of ours, the qualification goes on."""
    if household.head_person_id == person_id and len(uow.persons.members(household.household_id)) == 1:
        return household.household_id
    new_id = f"S{person_id}"
    now = utcnow()
    number = uow.households.next_number(app.insured_symbol)
    uow.households.add(
        new_id,
        head_person_id=person_id,
        symbol=app.insured_symbol,
        number=number,
        next_branch=2,
        address=household.address,
    )
    uow.persons.update(
        person_id, f"status.address_exception {change_id}", household_id=new_id, relationship="世帯主", listing_order=1
    )
    uow.households.add_branch(app.insured_symbol, number, "01", person_id)
    current = uow.periods.current([person_id]).get(person_id)
    if current is not None and current.covers(day):
        reason = Reason(
            "HOUSEHOLD",
            f"住所地特例により {day.isoformat()} から単身の国保世帯 {new_id}",
            "国民健康保険法第116条の2",
            {"from_household": household.household_id, "to_household": new_id},
        )
        uow.periods.replace(
            current,
            current.next_version(
                change_id=change_id,
                at=now,
                operator_id=actor.operator_id,
                household_id=new_id,
                symbol=app.insured_symbol,
                number=number,
                branch_no="01",
                lost_on=None,
                lost_reason=None,
                coverage_ends_on=None,
                reasons=(*current.reasons, reason),
            ),
        )
    return new_id
