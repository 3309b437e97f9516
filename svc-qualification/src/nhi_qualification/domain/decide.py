"""Decisions on a counter notification: dates, late notification, back-dating, documents due."""

from __future__ import annotations

import dataclasses
import datetime as dt

from .errors import RuleViolation
from .model import Decision, DocumentDue, PersonDecision, PersonFacts, Reason
from .reasons import REASONS, ChangeReason

NOTIFY_DAYS = 14


@dataclasses.dataclass(frozen=True)
class RuleConfig:
    """The configurable parts of Part A (defaults are the fresh-install values)."""

    retro_limit_years: int = 2  # RETRO-LIMIT


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year - years, day=28)


def reason_for(kind: str, code: str) -> ChangeReason:
    reason = REASONS.get(code)
    if reason is None:
        raise RuleViolation("reason", f"unknown change reason {code!r}", code="UNKNOWN_REASON")
    if reason.kind != kind:
        raise RuleViolation("reason", f"{code} is a {reason.kind} reason, not {kind}", code="REASON_KIND_MISMATCH")
    if not reason.supported:
        raise RuleViolation("reason", f"{code} ({reason.rule_id}) is not handled by counter notifications yet",
                            rule=reason.rule_id, code="REASON_NOT_SUPPORTED")
    return reason


def notification_timing(event_date: dt.date, notified_on: dt.date, business_date: dt.date,
                        config: RuleConfig) -> tuple[int, bool, list[Reason]]:
    """NOTIFY-14 and RETRO-LIMIT: late days and the back-dating flag, with their reasons."""
    if event_date > business_date:
        raise RuleViolation("event_date", f"the event date {event_date} is after the business date {business_date}",
                            code="EVENT_IN_FUTURE")
    if notified_on > business_date:
        raise RuleViolation("notified_on", f"the notification date {notified_on} is after the business date {business_date}",
                            code="NOTIFIED_IN_FUTURE")
    reasons: list[Reason] = []
    elapsed = (notified_on - event_date).days
    late_days = max(0, elapsed - NOTIFY_DAYS)
    reasons.append(Reason(
        "NOTIFY-14",
        f"届出は異動日から{elapsed}日後" + (f"（期限を{late_days}日超過）" if late_days else "（期限内）"),
        "国民健康保険法第9条",
        {"event_date": event_date.isoformat(), "notified_on": notified_on.isoformat(), "late_days": str(late_days)},
    ))
    limit = years_before(business_date, config.retro_limit_years)
    retroactive = event_date < limit
    if retroactive:
        reasons.append(Reason(
            "RETRO-LIMIT", f"異動日が{config.retro_limit_years}年より前の遡及（保険料の扱いを確認）", "国民健康保険法第110条の2",
            {"event_date": event_date.isoformat(), "limit": limit.isoformat()},
        ))
    return late_days, retroactive, reasons


def decide(*, kind: str, reason_code: str, event_date: dt.date, notified_on: dt.date, business_date: dt.date,
           persons: list[PersonFacts], config: RuleConfig = RuleConfig()) -> Decision:
    """The decision on a join or leave notification for the given persons of one household."""
    reason = reason_for(kind, reason_code)
    late_days, retroactive, timing_reasons = notification_timing(event_date, notified_on, business_date, config)
    effective = reason.date_rule(event_date)
    decisions: list[PersonDecision] = []
    documents: list[DocumentDue] = []
    for index, person in enumerate(persons):
        field = f"persons[{index}].person_id"
        if person.birth_date > event_date:
            raise RuleViolation(field, "the event date is before the person's birth date", code="EVENT_BEFORE_BIRTH")
        date_reason = Reason(reason.rule_id, f"{reason.label}: 異動日 {event_date.isoformat()}", reason.basis,
                             {"event_date": event_date.isoformat(), "reason": reason.code})
        current = person.current_period
        if kind == "join":
            if current is not None and (current.lost_on is None or current.lost_on > effective):
                raise RuleViolation(field, f"the person is already insured from {current.acquired_on} "
                                           f"(period {current.period_id}); periods may not overlap",
                                    code="OVERLAPPING_PERIOD")
            decisions.append(PersonDecision(person.person_id, effective, None, (date_reason,)))
            for doc in reason.documents:
                documents.append(DocumentDue(doc, person.person_id, _document_reason(doc)))
        else:
            if current is None or current.lost_on is not None:
                raise RuleViolation(field, "the person holds no open qualification to end", code="NOT_INSURED")
            if effective <= current.acquired_on:
                raise RuleViolation("event_date", f"the loss date {effective} is not after the acquisition date "
                                                  f"{current.acquired_on}", code="LOSS_BEFORE_ACQUISITION")
            decisions.append(PersonDecision(person.person_id, current.acquired_on, effective, (date_reason,)))
            for doc in reason.slips:
                documents.append(DocumentDue(doc, person.person_id, Reason(reason.rule_id, "異動に伴う申請書", reason.basis)))
    return Decision(kind, reason.code, business_date, tuple(decisions), tuple(documents), late_days, retroactive,
                    tuple(timing_reasons))


def _document_reason(kind: str) -> Reason:
    if kind == "eligibility_certificate":
        # CERT-KIND: registration status of the マイナ保険証 is not known at intake, so a 資格確認書 is issued.
        return Reason("CERT-KIND", "マイナ保険証の利用登録が確認できないため資格確認書を交付", "令和6年改正",
                      {"registered": "unknown"})
    return Reason("ACQ-BIRTH", "出生に伴い出産育児一時金支給申請書を作成", "国民健康保険法第58条")
