"""Decisions on a counter notification: dates, late notification, back-dating, forms and inquiries due."""

from __future__ import annotations

import dataclasses
import datetime as dt

from .ages import RuleDate, age75_lost_on, age_on, elder_period
from .bases import BASIS_PENDING
from .errors import RuleViolation
from .model import Decision, DocumentDue, PersonDecision, PersonFacts, Reason
from .reasons import REASONS, ChangeReason, next_day, same_day
from .residence import BY_CODE, is_foreign
from .timing import notification_timing

AGE75_REASON = "age75"  # the 異動事由 of LOSS-AGE75


@dataclasses.dataclass(frozen=True)
class RuleConfig:
    """The configurable parts of Part A; the defaults are the fresh-install values the tests assert."""

    retro_limit_years: int = 2  # RETRO-LIMIT
    move_out_day_after: bool = False  # LOSS-MOVE-OUT: yes: day after
    move_out_pref_day_after: bool = False  # END-MOVE-OUT-PREF: yes: day after
    emp_join_same_day: bool = False  # LOSS-EMP-JOIN: yes: same day
    age75_day_after: bool = False  # LOSS-AGE75: yes: day after

    def date_rule(self, reason: ChangeReason):
        """The date rule of a reason under this configuration."""
        overrides = {
            "LOSS-MOVE-OUT": next_day if self.move_out_day_after else None,
            "END-MOVE-OUT-PREF": next_day if self.move_out_pref_day_after else None,
            "LOSS-EMP-JOIN": same_day if self.emp_join_same_day else None,
            "LOSS-AGE75": next_day if self.age75_day_after else None,
        }
        return overrides.get(reason.rule_id) or reason.date_rule


def reason_for(kind: str, code: str, *, at_counter: bool = True) -> ChangeReason:
    reason = REASONS.get(code)
    if reason is None:
        raise RuleViolation("reason", f"unknown change reason {code!r}", code="UNKNOWN_REASON")
    if reason.kind != kind:
        raise RuleViolation("reason", f"{code} is a {reason.kind} reason, not {kind}", code="REASON_KIND_MISMATCH")
    if at_counter and not reason.counter:
        raise RuleViolation(
            "reason",
            f"{code} ({reason.rule_id}) needs no notification: the age-75 batch (2.5.1) registers it",
            rule=reason.rule_id,
            code="REASON_NOT_SUPPORTED",
        )
    return reason


def decide(
    *,
    kind: str,
    reason_code: str,
    event_date: dt.date,
    notified_on: dt.date,
    business_date: dt.date,
    persons: list[PersonFacts],
    config: RuleConfig = RuleConfig(),
    prefecture_acquired_on: dt.date | None = None,
    household_has_elder: bool = False,
    at_counter: bool = True,
) -> Decision:
    """The decision on a join or leave notification for the given persons of one household."""
    reason = reason_for(kind, reason_code, at_counter=at_counter)
    late_days, retroactive, timing_reasons = notification_timing(event_date, notified_on, business_date, config)
    effective = config.date_rule(reason)(event_date)
    decisions: list[PersonDecision] = []
    documents: list[DocumentDue] = []
    for index, person in enumerate(persons):
        field = f"persons[{index}].person_id"
        if person.birth_date > event_date:
            raise RuleViolation(
                field,
                "the event date is before the person's birth date",
                rule=reason.rule_id,
                code="EVENT_BEFORE_BIRTH",
            )
        facts = {"event_date": event_date.isoformat(), "reason": reason.code, "effective": effective.isoformat()}
        date_reason = Reason(
            reason.rule_id,
            f"{reason.label}: 異動日 {event_date.isoformat()} → {effective.isoformat()}",
            reason.basis,
            facts,
        )
        age75 = age75_lost_on(birth_date=person.birth_date, day_after=config.age75_day_after)
        if kind == "join":
            decision = _join(reason, person, field, effective, date_reason, prefecture_acquired_on)
            decision = _ending_at_75(decision, age75, field, business_date)
        else:
            decision = _leave(reason, person, field, effective, date_reason, age75)
        decisions.append(decision)
        for form in reason.forms:
            documents.append(
                DocumentDue(form, person.person_id, Reason(reason.rule_id, _FORM_LABELS[form], reason.basis))
            )
        if elder_period(birth_date=person.birth_date).covers(effective):
            documents.append(
                DocumentDue(
                    "burden_category_slip",
                    person.person_id,
                    Reason(
                        "BURDEN-3",
                        "70–74歳の加入・脱退により世帯の負担割合を再判定（負担区分異動連絡票）",
                        "国民健康保険法第42条",
                        {"person_id": person.person_id},
                    ),
                )
            )
    reasons = list(timing_reasons)
    inquiry = False
    if (
        kind == "join"
        and reason.income_inquiry
        and (household_has_elder or any(elder_period(birth_date=p.birth_date).covers(effective) for p in persons))
    ):
        inquiry = True
        reasons.append(
            Reason(
                "BURDEN-PENDING",
                "転入者の所得が前住所地への照会（2.1.5 / 2.9）で届くまで負担割合は判定保留（暫定2割）",
                BASIS_PENDING,
                {"reason": reason.code},
            )
        )
    return Decision(
        kind,
        reason.code,
        business_date,
        tuple(decisions),
        tuple(documents),
        late_days,
        retroactive,
        tuple(reasons),
        income_inquiry_needed=inquiry,
    )


def _join(
    reason: ChangeReason,
    person: PersonFacts,
    field: str,
    effective: dt.date,
    date_reason: Reason,
    prefecture_acquired_on: dt.date | None,
) -> PersonDecision:
    current = person.current_period
    if current is not None and current.open_on(effective):
        raise RuleViolation(
            field,
            f"the person is already insured from {current.acquired_on} "
            f"(period {current.period_id}); periods may not overlap",
            rule=reason.rule_id,
            code="OVERLAPPING_PERIOD",
        )
    if reason.code == "foreign_resident" or is_foreign(person.nationality):
        _check_residence(reason, person, field)
    if reason.effect == "coverage_start":
        if prefecture_acquired_on is None:
            raise RuleViolation(
                "prefecture_acquired_on",
                "a move within the prefecture carries over the prefecture acquisition date: give it",
                rule=reason.rule_id,
                code="REQUIRED",
            )
        if prefecture_acquired_on > effective:
            raise RuleViolation(
                "prefecture_acquired_on",
                "the prefecture acquisition date is after the move-in date",
                rule=reason.rule_id,
                code="ACQUISITION_AFTER_COVERAGE",
            )
        carried = Reason(
            reason.rule_id,
            f"県内転入: 適用開始 {effective.isoformat()}、資格取得日 {prefecture_acquired_on.isoformat()} を引継ぎ",
            reason.basis,
            {"prefecture_acquired_on": prefecture_acquired_on.isoformat(), "coverage_starts_on": effective.isoformat()},
        )
        return PersonDecision(person.person_id, prefecture_acquired_on, None, (carried,), coverage_starts_on=effective)
    return PersonDecision(person.person_id, effective, None, (date_reason,))


def _ending_at_75(decision: PersonDecision, age75: RuleDate, field: str, business_date: dt.date) -> PersonDecision:
    """LOSS-AGE75 without the batch: no join from the 75th birthday on; a back-dated join whose 75th birthday is
    past (before the business date) is recorded ending on it (the age75 batch then finds it lost already)."""
    starts_on = decision.coverage_starts_on or decision.acquired_on
    if starts_on is not None and starts_on >= age75.day:
        raise RuleViolation(
            field,
            f"the person is in 後期高齢者医療 from the 75th birthday: the NHI qualification ends on {age75.day}",
            rule="LOSS-AGE75",
            code="AGED_75",
        )
    if age75.day >= business_date:
        return decision  # today or ahead: the day's or month's age75 batch ends it, with its household effects
    return dataclasses.replace(
        decision, lost_on=age75.day, lost_reason=AGE75_REASON, reasons=(*decision.reasons, age75.reason)
    )


def _check_residence(reason: ChangeReason, person: PersonFacts, field: str) -> None:
    """ACQ-FOREIGN, whatever the reason: a foreign resident joins only with a status of residence in scope."""
    if not person.residence_status:
        # A child born here holds no status for its first 60 days (出生による経過滞在者) and is on the register.
        if reason.code == "birth":
            return
        raise RuleViolation(
            field,
            "a foreign resident's status of residence is not on record",
            rule="ACQ-FOREIGN",
            code="RESIDENCE_STATUS_MISSING",
        )
    status = BY_CODE.get(person.residence_status)
    if status is None:
        raise RuleViolation(
            field,
            f"{person.residence_status!r} is not a status of residence",
            rule="ACQ-FOREIGN",
            code="UNKNOWN_RESIDENCE_STATUS",
        )
    if status.excluded:
        raise RuleViolation(
            field,
            f"the status of residence {status.code} ({status.name}) is excluded from the NHI",
            rule="ACQ-FOREIGN",
            code="EXCLUDED_RESIDENCE_STATUS",
        )


def _leave(
    reason: ChangeReason,
    person: PersonFacts,
    field: str,
    effective: dt.date,
    date_reason: Reason,
    age75: RuleDate,
) -> PersonDecision:
    current = person.current_period
    if current is not None and effective > age75.day:
        raise RuleViolation(
            field,
            f"the qualification ended on the 75th birthday {age75.day} (後期高齢者医療): no leave is needed",
            rule="LOSS-AGE75",
            code="AGED_75",
        )
    if current is None or current.end_on is not None:
        raise RuleViolation(
            field, "the person holds no open qualification to end", rule=reason.rule_id, code="NOT_INSURED"
        )
    if effective <= current.start_on:
        raise RuleViolation(
            "event_date",
            f"the end date {effective} is not after the start {current.start_on}",
            rule=reason.rule_id,
            code="LOSS_BEFORE_ACQUISITION",
        )
    if reason.code == "later_elderly_disability":
        age = age_on(birth_date=person.birth_date, day=effective)
        if not 65 <= age < 75:
            raise RuleViolation(
                field,
                f"a 後期 disability finding applies from 65 to 74 (age {age})",
                rule=reason.rule_id,
                code="AGE_OUT_OF_RANGE",
            )
    if reason.effect == "coverage_end":
        return PersonDecision(person.person_id, current.acquired_on, None, (date_reason,), coverage_ends_on=effective)
    return PersonDecision(person.person_id, current.acquired_on, effective, (date_reason,))


_FORM_LABELS = {
    "childbirth_lump_sum_application": "出生に伴い出産育児一時金支給申請書を作成",
    "funeral_expense_application": "死亡に伴い葬祭費支給申請書を作成",
    "specific_same_household_slip": "後期高齢者医療への移行に伴い特定同一世帯所属者異動連絡票を作成",
}
