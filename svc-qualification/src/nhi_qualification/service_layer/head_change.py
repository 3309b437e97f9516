"""The NHI head of a 擬制世帯主 household (HOUSEHOLD): on application an insured member becomes the head."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..domain.commands import SubmitNotification
from ..domain.errors import RuleViolation
from ..domain.events import QualificationChanged
from ..domain.model import Decision, Reason
from ..domain.timing import notification_timing
from .app import App
from .context import Actor
from .unit_of_work import AbstractUnitOfWork


def decide(app: App, uow: AbstractUnitOfWork, cmd: SubmitNotification, household, today: dt.date) -> Decision:
    if cmd.reason != "head_change":
        raise RuleViolation("reason", "a change notification supports reason head_change", code="UNKNOWN_REASON")
    late_days, retroactive, timing = notification_timing(cmd.event_date, cmd.notified_on, today, app.rules)
    new_head = cmd.new_head_person_id
    members = {m.person_id for m in uow.persons.members(household.household_id)}
    current = uow.periods.current(list(members))
    if household.head_person_id in current and current[household.head_person_id].covers(cmd.event_date):
        raise RuleViolation(
            "household_id",
            "the resident-register head is insured: the household has no 擬制世帯主",
            rule="HOUSEHOLD",
            code="NOT_A_DEEMED_HEAD_HOUSEHOLD",
        )
    if new_head not in members or new_head not in current or not current[new_head].covers(cmd.event_date):
        raise RuleViolation(
            "new_head_person_id",
            "the new NHI head must be an insured member of the household",
            rule="HOUSEHOLD",
            code="NOT_AN_INSURED_MEMBER",
        )
    reason = Reason(
        "HOUSEHOLD",
        f"擬制世帯主の世帯で被保険者 {new_head} を国保の世帯主とする（申請による）",
        "国民健康保険法",
        {"resident_head": household.head_person_id, "nhi_head": new_head, "effective": cmd.event_date.isoformat()},
    )
    return Decision("change", "head_change", today, (), (), late_days, retroactive, (*timing, reason))


def record(
    uow: AbstractUnitOfWork, cmd: SubmitNotification, household, change_id: str, decision: Decision, actor: Actor
) -> dict[str, dict[str, Any]]:
    new_head = cmd.new_head_person_id
    uow.households.update(household.household_id, nhi_head_person_id=new_head)
    uow.emit(
        QualificationChanged(
            person_id=new_head,
            household_id=household.household_id,
            change_id=change_id,
            change_kind="head_change",
            effective_date=cmd.event_date,
            rule_ids=("HOUSEHOLD",),
            business_date=decision.business_date,
            operator_id=actor.operator_id,
            nhi_head_person_id=new_head,
        )
    )
    return {new_head: {"nhi_head_person_id": new_head}}
