"""Counter notifications (届出, 2.1): decide a join, leave, status or head change; record it with its events."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from nhi_common.plumbing import dumps, utcnow

from ..domain import decide as rules
from ..domain.ages import elder_period
from ..domain.commands import SubmitNotification
from ..domain.errors import NotFound, StaleVersion
from ..domain.events import QualificationAcquired
from ..domain.model import Decision, Period, PersonFacts, Reason
from ..domain.numbers import INSURED_RULE
from . import certificates, decision_view, head_change, losses, people, statuses
from .app import App, change_once
from .context import Actor
from .unit_of_work import AbstractUnitOfWork
from .values import iso

NUMBERING_BASIS = "医療保険制度の適正かつ効率的な運営を図るための健康保険法等の一部を改正する法律（令和元年法律第9号）"


def submit_notification(app: App, cmd: SubmitNotification, actor: Actor) -> dict[str, Any]:
    """Decide a notification; store it (unless dry_run) with its events, atomically."""
    today = app.today(actor)
    return change_once(
        app, actor, "SubmitNotification", cmd, lambda uow: notify(app, uow, cmd, actor, today), dry_run=cmd.dry_run
    )


def notify(
    app: App,
    uow: AbstractUnitOfWork,
    cmd: SubmitNotification,
    actor: Actor,
    today: dt.date,
    *,
    at_counter: bool = True,
    resident_status_checked: bool = True,
) -> dict[str, Any]:
    """Decide and (unless dry_run) record one notification inside the caller's unit of work."""
    household = uow.households.get(cmd.household_id)
    if household is None:
        raise NotFound("household", cmd.household_id)
    if cmd.expected_household_version and cmd.expected_household_version != household.version:
        raise StaleVersion(household.household_id, household.version)
    facts = people.facts(
        uow, household.household_id, [p.person_id for p in cmd.persons], check_resident=resident_status_checked
    )
    accepted: list[statuses.Accepted] = []
    if cmd.kind == "status":
        decision, accepted = statuses.decide(app, uow, cmd, facts, today)
    elif cmd.kind == "change":
        decision = head_change.decide(app, uow, cmd, household, today)
    else:
        decision = _decide(app, uow, cmd, household, facts, today, at_counter)
    due = certificates.due_for_decision(app, uow, decision, accepted, today)
    collect = certificates.to_collect(uow, decision)
    if cmd.dry_run:
        return decision_view.response(decision, None, household.version, {}, due, collect, accepted, dry_run=True)
    new_version = uow.households.bump(household.household_id, household.version)
    if not new_version:
        current = uow.households.get(household.household_id)
        raise StaleVersion(household.household_id, current.version if current else 0)
    change_id = str(uuid.uuid4())
    if cmd.kind == "status":
        numbers = statuses.record(app, uow, accepted, household, change_id, decision, actor)
    elif cmd.kind == "change":
        numbers = head_change.record(uow, cmd, household, change_id, decision, actor)
    else:
        numbers = _record(app, uow, decision, household, facts, change_id, cmd, actor)
    if collect:
        uow.certificates.mark_for_collection({c["person_id"] for c in collect}, certificates.COLLECTED_KINDS)
    response = decision_view.response(decision, change_id, new_version, numbers, due, collect, accepted, dry_run=False)
    uow.changes.add(
        change_id=change_id,
        business_date=today,
        operator_id=actor.operator_id,
        kind=decision.kind,
        reason=decision.reason_code,
        household_id=household.household_id,
        person_ids=dumps([f.person_id for f in facts]),
        event_date=cmd.event_date,
        notified_on=cmd.notified_on,
        identity_check=dumps(cmd.identity_check),
        decision=dumps(response["decision"]),
        before=dumps({f.person_id: _summary(f.current_period) for f in facts}),
        after=dumps(numbers),
    )
    uow.changes.close_intake_items(household.household_id, [f.person_id for f in facts])
    uow.journal.audit(
        operator_id=actor.operator_id,
        action=f"notification.{decision.kind}",
        target_kind="household",
        target_id=household.household_id,
        detail=f"{decision.reason_code} {change_id}",
    )
    return response


def _decide(
    app: App,
    uow: AbstractUnitOfWork,
    cmd: SubmitNotification,
    household,
    facts: list[PersonFacts],
    today: dt.date,
    at_counter: bool,
) -> Decision:
    """A join or a leave by the rules, knowing whether another insured of the household is 70–74."""
    joining = {f.person_id for f in facts}
    others = [m for m in uow.persons.members(household.household_id) if m.person_id not in joining]
    insured_elsewhere = uow.periods.current([m.person_id for m in others])
    has_elder = any(
        p.covers(cmd.event_date) and elder_period(birth_date=m.birth_date).covers(cmd.event_date)
        for m in others
        for p in [insured_elsewhere.get(m.person_id)]
        if p is not None
    )
    return rules.decide(
        kind=cmd.kind,
        reason_code=cmd.reason,
        event_date=cmd.event_date,
        notified_on=cmd.notified_on,
        business_date=today,
        persons=facts,
        config=app.rules,
        prefecture_acquired_on=cmd.prefecture_acquired_on,
        household_has_elder=has_elder,
        at_counter=at_counter,
    )


def _record(
    app: App,
    uow: AbstractUnitOfWork,
    decision: Decision,
    household,
    facts: list[PersonFacts],
    change_id: str,
    cmd: SubmitNotification,
    actor: Actor,
) -> dict[str, dict[str, Any]]:
    """Write the new period versions and their events; returns the 記号・番号・枝番 of each person."""
    now = utcnow()
    symbol, number = household.symbol, household.number
    if not symbol and decision.kind == "join":
        symbol, number = app.insured_symbol, uow.households.next_number(app.insured_symbol)
        uow.households.update(household.household_id, symbol=symbol, number=number)
    next_branch = household.next_branch
    by_id = {f.person_id: f for f in facts}
    my_numbers = {p.person_id: p.my_number for p in cmd.persons if p.my_number}
    numbers: dict[str, dict[str, Any]] = {}
    for person in decision.persons:
        if person.person_id in my_numbers:
            plain = my_numbers[person.person_id]
            uow.persons.set_my_number(person.person_id, app.vault.seal(plain))
        ref = people.person_ref(uow, person.person_id, household, decision.business_date)
        rule_ids = [r.rule_id for r in person.reasons]
        if decision.kind == "join":
            branch = uow.households.branch_of(symbol, number, person.person_id)
            reused = branch is not None
            if branch is None:
                branch = f"{next_branch:02d}"
                uow.households.add_branch(symbol, number, branch, person.person_id)
                next_branch += 1
            version = uow.periods.add(
                Period(
                    period_id=str(uuid.uuid4()),
                    person_id=person.person_id,
                    household_id=household.household_id,
                    insurer_number=app.insurer_number,
                    symbol=symbol,
                    number=number,
                    branch_no=branch,
                    acquired_on=person.acquired_on,
                    acquired_reason=decision.reason_code,
                    lost_on=person.lost_on,
                    lost_reason=person.lost_reason,
                    recorded_at=now,
                    superseded_at=None,
                    change_id=change_id,
                    reasons=person.reasons,
                    coverage_starts_on=person.coverage_starts_on,
                    operator_id=actor.operator_id,
                )
            )
            uow.emit(
                QualificationAcquired.of(
                    ref,
                    version,
                    reason=decision.reason_code,
                    rule_ids=rule_ids,
                    feeds=rules.REASONS[decision.reason_code].feeds,
                    business_date=decision.business_date,
                    operator_id=actor.operator_id,
                )
            )
        else:
            reused = True
            version = losses.lose(
                uow.periods,
                by_id[person.person_id].current_period,
                lost_on=person.lost_on,
                reason_code=decision.reason_code,
                reasons=person.reasons,
                change_id=change_id,
                at=now,
                operator_id=actor.operator_id,
                coverage_ends_on=person.coverage_ends_on,
            )
            uow.emit(
                losses.lost_event(
                    ref,
                    version,
                    reason_code=decision.reason_code,
                    rule_ids=rule_ids,
                    business_date=decision.business_date,
                    operator_id=actor.operator_id,
                )
            )
        numbers[person.person_id] = {
            "symbol": version.symbol,
            "number": version.number,
            "branch_no": version.branch_no,
            "period_id": version.period_id,
            "numbering": Reason(
                INSURED_RULE,
                f"記号 {version.symbol}・番号 {version.number}・枝番 {version.branch_no}",
                NUMBERING_BASIS,
                {"reused": str(reused).lower()},
            ).as_dict(),
        }
    if next_branch != household.next_branch:
        uow.households.update(household.household_id, next_branch=next_branch)
    return numbers


def _summary(period: Period | None) -> dict[str, str]:
    if period is None:
        return {}
    return {
        "acquired_on": period.acquired_on.isoformat(),
        "lost_on": iso(period.lost_on),
        "coverage_ends_on": iso(period.coverage_ends_on),
    }
