"""ACQ-MOVE-IN-PREF from the aggregation system (2.6.7 連携データ反映): the prefecture acquisition date it returns for a
period becomes the period's 資格取得日, the municipality's 適用開始 staying as it was; close and replace, never edit."""

from __future__ import annotations

import uuid
from typing import Any

from nhi_common.plumbing import dumps, utcnow
from nhi_common.reasons import Reason

from ..domain.commands import RecordPrefectureAcquisition
from ..domain.errors import NotFound, RuleViolation, StalePeriodVersion
from ..domain.events import QualificationCorrected
from . import certificates
from .app import App, change_once
from .context import Actor
from .unit_of_work import AbstractUnitOfWork

RULE = "ACQ-MOVE-IN-PREF"
BASIS = "法5条, 集約"
CORRECTION_REASON = "国保情報集約システムの連携データ（都道府県資格取得年月日）"


def record_prefecture_acquisition(app: App, cmd: RecordPrefectureAcquisition, actor: Actor) -> dict[str, Any]:
    return change_once(app, actor, "RecordPrefectureAcquisition", cmd, lambda uow: _record(app, uow, cmd, actor))


def _record(app: App, uow: AbstractUnitOfWork, cmd: RecordPrefectureAcquisition, actor: Actor) -> dict[str, Any]:
    current = uow.periods.current_version(cmd.period_id)
    if current is None or current.person_id != cmd.person_id:
        raise NotFound("period", cmd.period_id)
    if current.void:
        raise RuleViolation(
            "period_id", "the period was deleted (void): no acquisition date to carry over", rule=RULE, code="VOID"
        )
    starts_on = current.start_on
    if cmd.prefecture_acquired_on > starts_on:
        raise RuleViolation(
            "prefecture_acquired_on",
            f"the prefecture acquisition date is after the municipality's 適用開始 {starts_on.isoformat()}",
            rule=RULE,
            code="ACQUISITION_AFTER_COVERAGE",
        )
    answer = {"period_id": cmd.period_id, "coverage_starts_on": starts_on.isoformat()}
    if current.acquired_on == cmd.prefecture_acquired_on:
        return {
            **answer,
            "outcome": "unchanged",
            "version_id": current.version_id,
            "acquired_on": current.acquired_on.isoformat(),
        }
    today = app.today(actor)
    change_id = str(uuid.uuid4())
    reason = Reason(
        RULE,
        f"県内異動: 国保情報集約システムの連携データにより資格取得日 {cmd.prefecture_acquired_on.isoformat()} を引継ぎ"
        f"（適用開始 {starts_on.isoformat()}）",
        BASIS,
        {
            "prefecture_acquired_on": cmd.prefecture_acquired_on.isoformat(),
            "previous_acquired_on": current.acquired_on.isoformat(),
            "coverage_starts_on": starts_on.isoformat(),
            "source_change_id": cmd.source_change_id,
            "corrected_fields": "acquired_on",
        },
    )
    version = uow.periods.replace(
        current,
        current.next_version(
            change_id=change_id,
            at=utcnow(),
            operator_id=actor.operator_id,
            acquired_on=cmd.prefecture_acquired_on,
            coverage_starts_on=starts_on,
            reasons=(*current.reasons, reason),
            correction_reason=CORRECTION_REASON,
        ),
    )
    if version is None:
        latest = uow.periods.current_version(cmd.period_id)
        raise StalePeriodVersion(cmd.period_id, current.version_id, latest.version_id if latest else 0)
    published = uow.journal.published_change_ids(current.person_id, uow.periods.change_ids(cmd.period_id))
    # the 資格取得年月日 a certificate prints changed: the same certificates as a clerk's correction of it
    reissue = certificates.to_reissue(app, uow, current, version, today, reason) if version.covers(today) else []
    decision = {
        "period_id": cmd.period_id,
        "corrected_version_id": current.version_id,
        "version_id": version.version_id,
        "corrected_change_id": current.change_id,
        "corrected_fields": ["acquired_on"],
        "correction_reason": CORRECTION_REASON,
        "effective_date": cmd.prefecture_acquired_on.isoformat(),
        "source_change_id": cmd.source_change_id,
        "resend_required": bool(published),
        "certificates_to_reissue": reissue,
        "reasons": [reason.as_dict()],
    }
    uow.changes.add(
        change_id=change_id,
        business_date=today,
        operator_id=actor.operator_id,
        kind="correction",
        reason="correction",
        household_id=current.household_id,
        person_ids=dumps([current.person_id]),
        event_date=cmd.prefecture_acquired_on,
        notified_on=None,
        identity_check="{}",
        decision=dumps(decision),
        before=dumps({"acquired_on": current.acquired_on.isoformat()}),
        after=dumps({"acquired_on": cmd.prefecture_acquired_on.isoformat()}),
    )
    uow.journal.audit(
        operator_id=actor.operator_id,
        action="qualification.prefecture_acquisition",
        target_kind="period",
        target_id=cmd.period_id,
        detail=f"acquired_on {change_id} from {cmd.source_change_id}",
    )
    uow.emit(
        QualificationCorrected.of_version(
            version,
            change_id=change_id,
            effective_date=cmd.prefecture_acquired_on,
            corrected_fields=("acquired_on",),
            correction_reason=CORRECTION_REASON,
            resend_required=bool(published),
            business_date=today,
            operator_id=actor.operator_id,
            coverage_starts_on=starts_on,
            certificates_to_reissue=tuple(c["kind"] for c in reissue),
            rule_ids=(RULE,),
        )
    )
    return {
        **answer,
        "outcome": "recorded",
        "version_id": version.version_id,
        "acquired_on": version.acquired_on.isoformat(),
        "change_id": change_id,
    }
