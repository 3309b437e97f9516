"""Whether a correction (資格異動訂正, 2.2.1) is allowed: the refusals of a request, each naming its field. Pure."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from .errors import RuleViolation
from .reasons import REASONS

if TYPE_CHECKING:
    from .corrections import CorrectionRequest, PeriodState


def request(current: PeriodState, request: CorrectionRequest) -> None:
    """Refusals that need only the request and the version it names."""
    if not request.correction_reason.strip():
        raise RuleViolation("correction_reason", "a correction needs its reason", code="REQUIRED")
    if current.void:
        raise RuleViolation(
            "period_id", "this period was undone (void); register a new notification instead", code="PERIOD_VOID"
        )
    if request.clear_lost_on and request.lost_on is not None:
        raise RuleViolation(
            "clear_lost_on", "give either lost_on or clear_lost_on, not both", code="CONFLICTING_FIELDS"
        )
    if request.clear_lost_on and request.lost_reason:
        raise RuleViolation("lost_reason", "a reopened period has no loss reason", code="CONFLICTING_FIELDS")
    if request.listing_order < 0:
        raise RuleViolation("listing_order", "記載順位 starts at 1", code="INVALID_LISTING_ORDER")
    edits = (request.acquired_on, request.lost_on, request.notified_on)
    if request.undo and (
        any(e is not None for e in edits)
        or request.clear_lost_on
        or request.acquired_reason
        or request.lost_reason
        or request.relationship
        or request.listing_order
    ):
        raise RuleViolation(
            "undo", "an undo removes the change as it is; correct other fields separately", code="CONFLICTING_FIELDS"
        )
    for field, code, kind in (
        ("acquired_reason", request.acquired_reason, "join"),
        ("lost_reason", request.lost_reason, "leave"),
    ):
        if code:
            reason = REASONS.get(code)
            if reason is None:
                raise RuleViolation(field, f"unknown change reason {code!r}", code="UNKNOWN_REASON")
            if reason.kind != kind:
                raise RuleViolation(field, f"{code} is a {reason.kind} reason, not {kind}", code="REASON_KIND_MISMATCH")


def dates(new: PeriodState, request: CorrectionRequest, business_date: dt.date) -> None:
    if new.lost_on is None and request.lost_reason:
        raise RuleViolation("lost_reason", "the period has no loss date", code="LOSS_REASON_WITHOUT_DATE")
    if new.lost_on is not None and not new.lost_reason:
        raise RuleViolation("lost_reason", "a loss date needs its reason", code="REQUIRED")
    if request.acquired_on is not None and request.acquired_on > business_date:
        raise RuleViolation(
            "acquired_on", f"{request.acquired_on} is after the business date {business_date}", code="DATE_IN_FUTURE"
        )
    # lost_on is the first day no longer insured: a death today gives tomorrow, so the last insured day counts.
    if request.lost_on is not None and request.lost_on - dt.timedelta(days=1) > business_date:
        raise RuleViolation(
            "lost_on",
            f"the last insured day {request.lost_on - dt.timedelta(days=1)} is after the business date {business_date}",
            code="DATE_IN_FUTURE",
        )
    if request.notified_on is not None and request.notified_on > business_date:
        raise RuleViolation(
            "notified_on",
            f"{request.notified_on} is after the business date {business_date}",
            code="NOTIFIED_IN_FUTURE",
        )
    if new.lost_on is not None and new.lost_on <= new.acquired_on:
        raise RuleViolation(
            "lost_on",
            f"the loss date {new.lost_on} must be after the acquisition date {new.acquired_on}",
            code="LOSS_BEFORE_ACQUISITION",
        )


def overlap_field(request: CorrectionRequest) -> str:
    if request.undo:
        return "undo"
    if request.acquired_on is not None:
        return "acquired_on"
    return "clear_lost_on" if request.clear_lost_on else "lost_on"
