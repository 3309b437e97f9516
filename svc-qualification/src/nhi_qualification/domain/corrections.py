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

from . import correction_checks as checks
from .decide import RuleConfig
from .errors import RuleViolation
from .model import Reason
from .timing import notify_14, years_before

BASIS = "国民健康保険システム標準仕様書 2.2.1 資格異動訂正"


@dataclasses.dataclass(frozen=True)
class PeriodState:
    """A version of a period as it stands (only what the rules need)."""

    acquired_on: dt.date
    acquired_reason: str
    lost_on: dt.date | None
    lost_reason: str | None
    void: bool = False
    coverage_starts_on: dt.date | None = None
    coverage_ends_on: dt.date | None = None
    household_id: str = ""
    change_id: str = ""
    version_id: int = 0

    @property
    def start_on(self) -> dt.date:
        return self.coverage_starts_on or self.acquired_on

    @property
    def end_on(self) -> dt.date | None:
        ends = [d for d in (self.lost_on, self.coverage_ends_on) if d is not None]
        return min(ends) if ends else None


@dataclasses.dataclass(frozen=True)
class PersonState:
    relationship: str
    listing_order: int
    birth_date: dt.date | None = None
    resident_since: dt.date | None = None  # 住民となった日 of the current residence


@dataclasses.dataclass(frozen=True)
class NotificationState:
    """The change behind the corrected version: its kind (join, leave, correction, …), 異動日 and 届出日."""

    kind: str
    event_date: dt.date
    notified_on: dt.date | None


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
    restores_previous: bool  # an undo: the version before the undone one comes back as the current one
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
    late_days: int | None = None  # NOTIFY-14 recomputed for the notification behind the version; None = not one
    lateness: Reason | None = None


def plan_correction(
    *,
    current: PeriodState,
    person: PersonState,
    request: CorrectionRequest,
    notification: NotificationState | None,
    other_periods: Iterable[tuple[dt.date, dt.date | None]],
    business_date: dt.date,
    previous: PeriodState | None = None,
    config: RuleConfig = RuleConfig(),
) -> CorrectionPlan:
    """Decide a correction of `current`; `notification` is the change behind it, `other_periods` the person's
    other current, non-void periods, and `previous` the version `current` replaced (None when `current` created
    the period)."""
    current_notified_on = notification.notified_on if notification else None
    checks.request(current, request)
    if request.undo:
        new, undo_reason = _undo(current, previous)
    else:
        new, undo_reason = _corrected(current, request), None
    checks.dates(new, request, business_date)
    checks.plausible(current, new, person, request, business_date, config)
    checks.no_overlap(new, other_periods, request)

    before: dict[str, str] = {}
    after: dict[str, str] = {}
    for name in _PERIOD_FIELDS:
        old, value = getattr(current, name), getattr(new, name)
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
        for name in _DATE_FIELDS
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
    if undo_reason is not None:
        reasons.append(undo_reason)
    limit = years_before(business_date, config.retro_limit_years)
    new_dates = [getattr(new, name) for name in ("acquired_on", "lost_on") if name in after and getattr(new, name)]
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
    late_days, lateness = _lateness(current, new, notification, request.notified_on)
    return CorrectionPlan(
        new,
        period_changed,
        request.undo and not new.void,
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
        late_days,
        lateness,
    )


def _lateness(
    current: PeriodState, new: PeriodState, notification: NotificationState | None, notified_on: dt.date | None
) -> tuple[int | None, Reason | None]:
    """NOTIFY-14 again when the 届出日 or the date the notification set is corrected: the 異動日 moves with the date
    (the date rules are the day itself or the day after), the 届出日 is the corrected one."""
    if notification is None or notification.kind not in ("join", "leave"):
        return None, None
    if notification.kind == "join":
        shift = new.start_on - current.start_on
    else:
        shift = (new.end_on - current.end_on) if new.end_on and current.end_on else dt.timedelta(0)
    notified = notified_on or notification.notified_on
    if notified is None or (notified_on is None and not shift):
        return None, None
    return notify_14(notification.event_date + shift, notified)


def _corrected(current: PeriodState, request: CorrectionRequest) -> PeriodState:
    """The version with the requested fields changed."""
    if request.clear_lost_on:
        lost_on, lost_reason = None, None
    else:
        lost_on = request.lost_on or current.lost_on
        lost_reason = request.lost_reason or current.lost_reason
    return dataclasses.replace(
        current,
        acquired_on=request.acquired_on or current.acquired_on,
        acquired_reason=request.acquired_reason or current.acquired_reason,
        lost_on=lost_on,
        lost_reason=lost_reason,
    )


def _undo(current: PeriodState, previous: PeriodState | None) -> tuple[PeriodState, Reason]:
    """Remove exactly the change that made `current`: the version before it comes back; with none before (the
    change created the period, e.g. a join made in error) the period is void."""
    facts = {"undone_change_id": current.change_id, "undone_version_id": str(current.version_id)}
    if previous is None:
        return dataclasses.replace(current, void=True), Reason(
            "CORRECTION",
            f"取消: 資格期間を作った異動 {current.change_id}（版 {current.version_id}）は誤りのため期間を取り消す",
            BASIS,
            facts,
        )
    if previous.household_id != current.household_id:
        raise RuleViolation(
            "undo",
            f"the change undone moved the period from household {previous.household_id} to {current.household_id}; "
            "end the status that moved it instead",
            rule="HOUSEHOLD",
            code="UNDO_MOVES_HOUSEHOLD",
        )
    facts["restored_version_id"] = str(previous.version_id)
    return previous, Reason(
        "CORRECTION",
        f"取消: 異動 {current.change_id}（版 {current.version_id}）は誤りのため、"
        f"その前の版 {previous.version_id} に戻す",
        BASIS,
        facts,
    )


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# The fields of a version a correction may change, as compared and reported; the dates among them.
_PERIOD_FIELDS = (
    "acquired_on",
    "acquired_reason",
    "lost_on",
    "lost_reason",
    "coverage_starts_on",
    "coverage_ends_on",
    "void",
)
_DATE_FIELDS = ("acquired_on", "lost_on", "coverage_starts_on", "coverage_ends_on")

_LABELS = {
    "acquired_on": "資格取得日",
    "acquired_reason": "取得事由",
    "lost_on": "資格喪失日",
    "lost_reason": "喪失事由",
    "coverage_starts_on": "適用開始日",
    "coverage_ends_on": "適用終了日",
    "void": "取消",
    "relationship": "続柄",
    "listing_order": "記載順位",
    "notified_on": "届出日",
}
