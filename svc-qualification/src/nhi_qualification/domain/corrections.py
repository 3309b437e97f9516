"""資格異動訂正 (2.2.1): what a correction changes, and whether the rules allow it. Pure: no I/O.

A correction names the version of a qualification period it corrects. The store closes that version
(record time) and writes the corrected one; nothing is overwritten. The rules here decide the new
values, which fields changed, the earliest date the correction touches (what the aggregation link
must re-send from) and the reasons (RETRO-LIMIT when a new date is more than two years back).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from .decide import RuleConfig, years_before
from .errors import RuleViolation
from .model import Reason
from .reasons import REASONS

BASIS = "国民健康保険システム標準仕様書 2.2.1 資格異動訂正"


@dataclasses.dataclass(frozen=True)
class PeriodState:
    """The corrected version as it stands (only what the rules need)."""

    acquired_on: dt.date
    acquired_reason: str
    lost_on: dt.date | None
    lost_reason: str | None
    void: bool = False


@dataclasses.dataclass(frozen=True)
class PersonState:
    relationship: str
    listing_order: int


@dataclasses.dataclass(frozen=True)
class CorrectionRequest:
    """The fields a clerk may correct; None / empty / 0 = unchanged."""

    correction_reason: str
    acquired_on: dt.date | None = None
    lost_on: dt.date | None = None
    clear_lost_on: bool = False
    acquired_reason: str = ""
    lost_reason: str = ""
    notified_on: dt.date | None = None
    relationship: str = ""
    listing_order: int = 0
    undo: bool = False


@dataclasses.dataclass(frozen=True)
class CorrectionPlan:
    period: PeriodState  # the new version (equal to the old one when only person data or notified_on change)
    period_changed: bool  # a new period version must be written
    relationship: str
    listing_order: int
    person_changed: bool
    notified_on: dt.date | None  # the corrected 届出日, None = unchanged
    corrected_fields: tuple[str, ...]
    before: dict[str, str]
    after: dict[str, str]
    effective_date: dt.date  # the earliest date the correction touches
    retroactive: bool
    reasons: tuple[Reason, ...]


def plan_correction(
    *,
    current: PeriodState,
    person: PersonState,
    request: CorrectionRequest,
    current_notified_on: dt.date | None,
    other_periods: Iterable[tuple[dt.date, dt.date | None]],
    business_date: dt.date,
    config: RuleConfig = RuleConfig(),
) -> CorrectionPlan:
    """Decide a correction of `current`; `other_periods` are the person's other current, non-void periods."""
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
            "undo", "an undo voids the version as it is; correct other fields separately", code="CONFLICTING_FIELDS"
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

    acquired_on = request.acquired_on or current.acquired_on
    acquired_reason = request.acquired_reason or current.acquired_reason
    if request.clear_lost_on:
        lost_on, lost_reason = None, None
    else:
        lost_on = request.lost_on or current.lost_on
        lost_reason = request.lost_reason or current.lost_reason
    new = PeriodState(acquired_on, acquired_reason, lost_on, lost_reason, void=request.undo)

    if lost_on is None and request.lost_reason:
        raise RuleViolation("lost_reason", "the period has no loss date", code="LOSS_REASON_WITHOUT_DATE")
    if lost_on is not None and not lost_reason:
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
    if lost_on is not None and lost_on <= acquired_on:
        raise RuleViolation(
            "lost_on",
            f"the loss date {lost_on} must be after the acquisition date {acquired_on}",
            code="LOSS_BEFORE_ACQUISITION",
        )
    if not new.void:
        for other_start, other_end in other_periods:
            if _overlaps(acquired_on, lost_on, other_start, other_end):
                field = (
                    "acquired_on"
                    if request.acquired_on is not None
                    else "clear_lost_on"
                    if request.clear_lost_on
                    else "lost_on"
                )
                raise RuleViolation(
                    field,
                    f"the corrected period [{acquired_on}, {lost_on or '…'}) overlaps the "
                    f"period [{other_start}, {other_end or '…'}) of the same person",
                    code="OVERLAPPING_PERIOD",
                )

    before: dict[str, str] = {}
    after: dict[str, str] = {}
    for name, old, value in (
        ("acquired_on", current.acquired_on, new.acquired_on),
        ("acquired_reason", current.acquired_reason, new.acquired_reason),
        ("lost_on", current.lost_on, new.lost_on),
        ("lost_reason", current.lost_reason, new.lost_reason),
        ("void", current.void, new.void),
    ):
        if old != value:
            before[name], after[name] = _text(old), _text(value)
    period_changed = bool(after)
    relationship = request.relationship or person.relationship
    listing_order = request.listing_order or person.listing_order
    for name, old, value in (
        ("relationship", person.relationship, relationship),
        ("listing_order", person.listing_order, listing_order),
    ):
        if old != value:
            before[name], after[name] = _text(old), _text(value)
    person_changed = "relationship" in after or "listing_order" in after
    notified_on = None
    if request.notified_on is not None and request.notified_on != current_notified_on:
        notified_on = request.notified_on
        before["notified_on"], after["notified_on"] = _text(current_notified_on), _text(notified_on)
    if not after:
        raise RuleViolation("period_id", "the correction changes nothing", code="NOTHING_TO_CORRECT")

    touched = [
        d
        for name in ("acquired_on", "lost_on")
        if name in after
        for d in (getattr(current, name), getattr(new, name))
        if d is not None
    ]
    effective_date = min(touched) if touched else current.acquired_on
    fields = tuple(after)
    reasons = [
        Reason(
            "CORRECTION",
            "資格異動訂正: " + "・".join(_LABELS.get(f, f) for f in fields),
            BASIS,
            {"corrected_fields": ",".join(fields), "correction_reason": request.correction_reason},
        )
    ]
    limit = years_before(business_date, config.retro_limit_years)
    new_dates = [
        after_date
        for name in ("acquired_on", "lost_on")
        if name in after
        for after_date in (getattr(new, name),)
        if after_date is not None
    ]
    retroactive = any(d < limit for d in new_dates)
    if retroactive:
        reasons.append(
            Reason(
                "RETRO-LIMIT",
                f"訂正後の日付が{config.retro_limit_years}年より前の遡及（保険料の扱いを確認）",
                "国民健康保険法第110条の2",
                {"earliest_date": min(new_dates).isoformat(), "limit": limit.isoformat()},
            )
        )
    return CorrectionPlan(
        new,
        period_changed,
        relationship,
        listing_order,
        person_changed,
        notified_on,
        fields,
        before,
        after,
        effective_date,
        retroactive,
        tuple(reasons),
    )


def _overlaps(start: dt.date, end: dt.date | None, other_start: dt.date, other_end: dt.date | None) -> bool:
    """Half-open [start, end) intervals; None = open-ended."""
    return (other_end is None or start < other_end) and (end is None or other_start < end)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


_LABELS = {
    "acquired_on": "資格取得日",
    "acquired_reason": "取得事由",
    "lost_on": "資格喪失日",
    "lost_reason": "喪失事由",
    "void": "取消",
    "relationship": "続柄",
    "listing_order": "記載順位",
    "notified_on": "届出日",
}
