"""Corrections (資格異動訂正, 2.2.1): close the named version and write the corrected one, never editing in place."""

from __future__ import annotations

import uuid
from typing import Any

from nhi_common.plumbing import dumps, utcnow

from ..domain.commands import CorrectQualification
from ..domain.corrections import NotificationState, PeriodState, PersonState, plan_correction
from ..domain.errors import NotFound, RuleViolation, StalePeriodVersion
from ..domain.events import QualificationCorrected
from ..domain.model import Period
from . import certificates, views
from .app import App, change_once
from .context import Actor
from .unit_of_work import AbstractUnitOfWork


def correct_qualification(app: App, cmd: CorrectQualification, actor: Actor) -> dict[str, Any]:
    return change_once(app, actor, "CorrectQualification", cmd, lambda uow: _correct(app, uow, cmd, actor))


def _correct(app: App, uow: AbstractUnitOfWork, cmd: CorrectQualification, actor: Actor) -> dict[str, Any]:
    today = app.today(actor)
    wanted = cmd.request
    current = uow.periods.current_version(cmd.period_id)
    if current is None:
        raise NotFound("period", cmd.period_id)
    if current.version_id != cmd.version_id:
        raise StalePeriodVersion(cmd.period_id, cmd.version_id, current.version_id)
    person = uow.persons.get(current.person_id)
    if person is None:
        raise NotFound("person", current.person_id)
    period_change = uow.changes.get(current.change_id)
    previous = uow.periods.version_before(current) if wanted.undo else None
    plan = plan_correction(
        current=_state(current),
        person=PersonState(
            person.relationship or "", int(person.listing_order or 0), person.birth_date, person.resident_since
        ),
        request=wanted,
        notification=(
            NotificationState(period_change.kind, period_change.event_date, period_change.notified_on)
            if period_change
            else None
        ),
        other_periods=uow.periods.others(current.person_id, cmd.period_id),
        business_date=today,
        previous=_state(previous) if previous is not None else None,
        config=app.rules,
    )
    if plan.notified_on is not None and period_change is None:
        raise RuleViolation(
            "notified_on", "the change behind this version is not on record", rule="STD-2.2.1", code="NO_CHANGE_RECORD"
        )

    change_id = str(uuid.uuid4())
    published = uow.journal.published_change_ids(current.person_id, uow.periods.change_ids(cmd.period_id))
    version = current
    if plan.period_changed:
        # An undo brings the version before back whole (household, numbers, coverage); a correction edits this one.
        base = previous if plan.restores_previous else current
        version = uow.periods.replace(
            current,
            base.next_version(
                change_id=change_id,
                at=utcnow(),
                operator_id=actor.operator_id,
                acquired_on=plan.period.acquired_on,
                acquired_reason=plan.period.acquired_reason,
                lost_on=plan.period.lost_on,
                lost_reason=plan.period.lost_reason,
                coverage_starts_on=plan.period.coverage_starts_on,
                coverage_ends_on=plan.period.coverage_ends_on,
                void=plan.period.void,
                reasons=(*base.reasons, *plan.reasons),
                correction_reason=wanted.correction_reason,
            ),
        )
        if version is None:
            latest = uow.periods.current_version(cmd.period_id)
            raise StalePeriodVersion(cmd.period_id, cmd.version_id, latest.version_id if latest else 0)
    if plan.person_changed:
        uow.persons.update(
            current.person_id, "correction", relationship=plan.relationship, listing_order=plan.listing_order
        )
    if plan.notified_on is not None:
        uow.changes.set_notified_on(current.change_id, plan.notified_on)
    collected = 0
    if plan.period_changed and current.covers(today) and not version.covers(today):
        collected = uow.certificates.mark_for_collection([current.person_id], certificates.COLLECTED_KINDS)
    reissue = []
    if plan.period_changed and version.covers(today):
        reissue = certificates.to_reissue(app, uow, current, version, today, plan.reasons[0])
    reasons = [*plan.reasons, *([plan.lateness] if plan.lateness else [])]
    decision = {
        "period_id": cmd.period_id,
        "corrected_version_id": current.version_id,
        "version_id": version.version_id,
        "corrected_change_id": current.change_id,
        "corrected_fields": list(plan.corrected_fields),
        "correction_reason": wanted.correction_reason,
        "effective_date": plan.effective_date.isoformat(),
        "retroactive_flag": plan.retroactive,
        "resend_required": bool(published),
        "certificates_marked_for_collection": collected,
        "certificates_to_reissue": reissue,
        "late": bool(plan.late_days),
        "late_days": plan.late_days or 0,
        "reasons": [r.as_dict() for r in reasons],
    }
    uow.changes.add(
        change_id=change_id,
        business_date=today,
        operator_id=actor.operator_id,
        kind="correction",
        reason="correction",
        household_id=current.household_id,
        person_ids=dumps([current.person_id]),
        event_date=plan.effective_date,
        notified_on=None,
        identity_check="{}",
        decision=dumps(decision),
        before=dumps(plan.before),
        after=dumps(plan.after),
    )
    uow.journal.audit(
        operator_id=actor.operator_id,
        action="qualification.corrected",
        target_kind="period",
        target_id=cmd.period_id,
        detail=f"{','.join(plan.corrected_fields)} {change_id}",
    )
    uow.emit(
        QualificationCorrected.of_version(
            version,
            change_id=change_id,
            effective_date=plan.effective_date,
            corrected_fields=tuple(plan.corrected_fields),
            correction_reason=wanted.correction_reason,
            resend_required=bool(published),
            business_date=today,
            operator_id=actor.operator_id,
            certificates_to_reissue=tuple(c["kind"] for c in reissue),
            rule_ids=tuple(dict.fromkeys(r.rule_id for r in plan.reasons)),
        )
    )
    return {
        "period": views.period_dict(version),
        "resend_required": bool(published),
        "change_id": change_id,
        "reasons": decision["reasons"],
        "late": decision["late"],
        "late_days": decision["late_days"],
        "certificates_to_reissue": reissue,
    }


def _state(version: Period) -> PeriodState:
    return PeriodState(
        version.acquired_on,
        version.acquired_reason,
        version.lost_on,
        version.lost_reason,
        version.void,
        version.coverage_starts_on,
        version.coverage_ends_on,
        version.household_id,
        version.change_id,
        version.version_id,
    )
