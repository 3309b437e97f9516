"""Whether a correction (資格異動訂正, 2.2.1) is allowed: the refusals of a request, each naming its field. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .ages import age75_lost_on
from .errors import RuleViolation
from .reasons import REASONS

# The standard's requirement a correction answers to (資格異動訂正), named by correction checks that no Part A rule covers.
CORRECTION_RULE = "STD-2.2.1"

if TYPE_CHECKING:
    from .corrections import CorrectionRequest, PeriodState, PersonState
    from .decide import RuleConfig


def request(current: PeriodState, request: CorrectionRequest) -> None:
    """Refusals that need only the request and the version it names."""
    if not request.correction_reason.strip():
        raise RuleViolation("correction_reason", "a correction needs its reason", code="REQUIRED")
    if current.void:
        raise RuleViolation(
            "period_id",
            "this period was undone (void); register a new notification instead",
            rule=CORRECTION_RULE,
            code="PERIOD_VOID",
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
        raise RuleViolation(
            "lost_reason", "the period has no loss date", rule=CORRECTION_RULE, code="LOSS_REASON_WITHOUT_DATE"
        )
    if new.lost_on is not None and not new.lost_reason:
        raise RuleViolation("lost_reason", "a loss date needs its reason", code="REQUIRED")
    if request.acquired_on is not None and request.acquired_on > business_date:
        raise RuleViolation(
            "acquired_on",
            f"{request.acquired_on} is after the business date {business_date}",
            rule=CORRECTION_RULE,
            code="DATE_IN_FUTURE",
        )
    # lost_on is the first day no longer insured: a death today gives tomorrow, so the last insured day counts.
    if request.lost_on is not None and request.lost_on - dt.timedelta(days=1) > business_date:
        raise RuleViolation(
            "lost_on",
            f"the last insured day {request.lost_on - dt.timedelta(days=1)} is after the business date {business_date}",
            rule=CORRECTION_RULE,
            code="DATE_IN_FUTURE",
        )
    if request.notified_on is not None and request.notified_on > business_date:
        raise RuleViolation(
            "notified_on",
            f"{request.notified_on} is after the business date {business_date}",
            rule="NOTIFY-14",
            code="NOTIFIED_IN_FUTURE",
        )
    if new.lost_on is not None and new.lost_on <= new.acquired_on:
        raise RuleViolation(
            "lost_on",
            f"the loss date {new.lost_on} must be after the acquisition date {new.acquired_on}",
            rule=CORRECTION_RULE,
            code="LOSS_BEFORE_ACQUISITION",
        )


def no_overlap(
    new: PeriodState, other_periods: Iterable[tuple[dt.date, dt.date | None]], request: CorrectionRequest
) -> None:
    """The corrected period may not overlap another current period of the person (half-open, None = open)."""
    if new.void:
        return
    for other_start, other_end in other_periods:
        if (other_end is None or new.acquired_on < other_end) and (new.lost_on is None or other_start < new.lost_on):
            raise RuleViolation(
                overlap_field(request),
                f"the corrected period [{new.acquired_on}, {new.lost_on or '…'}) overlaps the "
                f"period [{other_start}, {other_end or '…'}) of the same person",
                rule=CORRECTION_RULE,
                code="OVERLAPPING_PERIOD",
            )


def overlap_field(request: CorrectionRequest) -> str:
    if request.undo:
        return "undo"
    if request.acquired_on is not None:
        return "acquired_on"
    return "clear_lost_on" if request.clear_lost_on else "lost_on"


def plausible(
    current: PeriodState,
    new: PeriodState,
    person: PersonState,
    request: CorrectionRequest,
    business_date: dt.date,
    config: RuleConfig,
) -> None:
    """The corrected dates must fit the person: not before the birth (ACQ-BIRTH), not before the residence the
    period belongs to (ACQ-MOVE-IN), not past the loss at 75 (LOSS-AGE75). Only what the correction changes."""
    if new.void:
        return
    start_field = "undo" if request.undo else "acquired_on"
    if person.birth_date is not None and new.acquired_on != current.acquired_on and new.acquired_on < person.birth_date:
        raise RuleViolation(
            start_field,
            f"the acquisition date {new.acquired_on} is before the birth date {person.birth_date}",
            rule="ACQ-BIRTH",
            code="ACQUISITION_BEFORE_BIRTH",
        )
    since = person.resident_since
    # A period that began before the current residence belongs to an earlier one: the check is for this residence.
    if since is not None and current.start_on >= since and new.start_on != current.start_on and new.start_on < since:
        raise RuleViolation(
            start_field,
            f"the qualification cannot start on {new.start_on}: the person is a resident from {since}",
            rule="ACQ-MOVE-IN",
            code="ACQUISITION_BEFORE_RESIDENCE",
        )
    if person.birth_date is None:
        return
    age75 = age75_lost_on(birth_date=person.birth_date, day_after=config.age75_day_after).day
    if new.start_on != current.start_on and new.start_on >= age75:
        raise RuleViolation(
            start_field,
            f"the person is in 後期高齢者医療 from the 75th birthday: the qualification ends on {age75}",
            rule="LOSS-AGE75",
            code="AGED_75",
        )
    past_75 = new.lost_on > age75 if new.lost_on is not None else age75 < business_date
    if new.lost_on != current.lost_on and past_75:
        raise RuleViolation(
            "undo" if request.undo else "clear_lost_on" if request.clear_lost_on else "lost_on",
            f"the qualification ended on the 75th birthday {age75} (後期高齢者医療); it cannot run past it",
            rule="LOSS-AGE75",
            code="AGED_75",
        )
