"""Special statuses (SPECIAL-STATUS) as data, with their HOUSEHOLD and DV effects, and period validation."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from .ages import age_on
from .bases import BASIS_2024
from .errors import RuleViolation
from .model import Reason

ONE_DAY = dt.timedelta(days=1)
INVOLUNTARY_SEPARATION_CODES = frozenset({"11", "12", "21", "22", "31", "32", "23", "33", "34"})
INVOLUNTARY_AGE_LIMIT = 65


@dataclasses.dataclass(frozen=True)
class StatusEffects:
    """What a status changes (domain §3.8)."""

    stays_in_origin_household: bool = False  # HOUSEHOLD: マル学, マル遠
    becomes_single_household: bool = False  # HOUSEHOLD: 住所地特例
    premium_only: bool = False  # no effect on qualification, only on premiums or burden tests
    document_effects: tuple[str, ...] = ()
    suppress_auto_answer: bool = False  # DV: intermediate-server queries go to the manual queue
    never_print_address: bool = False  # DV: on documents sent to third parties


@dataclasses.dataclass(frozen=True)
class StatusKind:
    code: str
    label: str
    rule_ids: tuple[str, ...]
    basis: str
    required_evidence: tuple[str, ...]  # every one of these evidence kinds is needed
    effects: StatusEffects


STATUS_KINDS: dict[str, StatusKind] = {
    k.code: k
    for k in (
        StatusKind(
            "student_away",
            "マル学",
            ("SPECIAL-STATUS", "HOUSEHOLD"),
            "国民健康保険法第116条",
            ("enrollment_certificate",),
            StatusEffects(
                stays_in_origin_household=True,
                document_effects=("send_to_origin_head", "eligibility_certificate_until_march_31"),
            ),
        ),
        StatusKind(
            "remote_placement",
            "マル遠",
            ("SPECIAL-STATUS", "HOUSEHOLD"),
            "国民健康保険法第116条の2",
            ("facility_placement_certificate",),
            StatusEffects(stays_in_origin_household=True, document_effects=("special_case_indication",)),
        ),
        StatusKind(
            "address_exception",
            "住所地特例",
            ("SPECIAL-STATUS", "HOUSEHOLD"),
            "国民健康保険法第116条の2",
            ("facility_admission_certificate",),
            StatusEffects(becomes_single_household=True, document_effects=("certificate_by_origin_municipality",)),
        ),
        StatusKind(
            "involuntary_unemployment",
            "非自発的失業者",
            ("SPECIAL-STATUS",),
            "国民健康保険法施行令（保険料の軽減）",
            ("employment_insurance_eligibility_card",),
            StatusEffects(premium_only=True, document_effects=("assessment_change_slip",)),
        ),
        StatusKind(
            "specific_same_household",
            "特定同一世帯所属者",
            ("SPECIAL-STATUS", "BURDEN-KIJUN"),
            "国民健康保険法施行令（保険料の軽減）",
            ("later_elderly_qualification_record",),
            StatusEffects(premium_only=True),
        ),
        StatusKind(
            "former_dependant",
            "旧被扶養者",
            ("SPECIAL-STATUS",),
            "国民健康保険法施行令（保険料の減免）",
            ("application", "dependant_loss_certificate"),
            StatusEffects(premium_only=True, document_effects=("former_dependant_change_slip",)),
        ),
        StatusKind(
            "gender_identity_display",
            "性同一性障害者",
            ("SPECIAL-STATUS",),
            "厚生労働省通知",
            ("application", "medical_certificate"),
            StatusEffects(document_effects=("used_name_on_front", "registered_name_and_sex_on_reverse")),
        ),
        StatusKind(
            "card_registration",
            "利用登録有無",
            ("SPECIAL-STATUS", "CERT-KIND"),
            BASIS_2024,
            ("national_registration_record",),
            StatusEffects(document_effects=("qualification_notice_instead_of_eligibility_certificate",)),
        ),
        StatusKind(
            "dv_support",
            "DV支援措置",
            ("SPECIAL-STATUS", "DV"),
            "住民基本台帳事務処理要領（支援措置）",
            ("support_measure_record",),
            StatusEffects(
                suppress_auto_answer=True,
                never_print_address=True,
                document_effects=(
                    "eligibility_certificate_without_application",
                    "oqs_non_disclosure_flag",
                    "oqs_self_information_block_flag",
                ),
            ),
        ),
    )
}


@dataclasses.dataclass(frozen=True)
class StatusPeriod:
    """One status on one person; `end` is the last day (inclusive), None while open."""

    person_id: str
    kind: str
    start: dt.date
    end: dt.date | None
    evidence: tuple[str, ...]
    separation_date: dt.date | None = None  # 非自発的失業者: 離職日
    separation_code: str | None = None  # 非自発的失業者: 離職理由コード

    def active_on(self, day: dt.date) -> bool:
        """The status holds on `day` (its end is inclusive)."""
        return active_on(self.start, self.end, day)


def active_on(start: dt.date, end: dt.date | None, day: dt.date) -> bool:
    """A status running from `start` to `end` (inclusive, None = open) holds on `day`."""
    return start <= day and (end is None or day <= end)


@dataclasses.dataclass(frozen=True)
class StatusSpan:
    """A computed status period (inclusive end), with its reason."""

    start: dt.date
    end: dt.date
    reason: Reason


@dataclasses.dataclass(frozen=True)
class AcceptedStatus:
    period: StatusPeriod
    kind: StatusKind
    reasons: tuple[Reason, ...]


def status_kind(*, code: str) -> StatusKind:
    """The StatusKind of a code, or a RuleViolation naming the known ones."""
    kind = STATUS_KINDS.get(code)
    if kind is None:
        raise RuleViolation(
            "kind",
            f"unknown special status {code!r}; known: {', '.join(STATUS_KINDS)}",
            rule="SPECIAL-STATUS",
            code="UNKNOWN_STATUS_KIND",
        )
    return kind


def involuntary_unemployment_period(*, separation_date: dt.date) -> StatusSpan:
    """非自発的失業者: from the month containing the day after separation to the end of the following fiscal year."""
    day_after = separation_date + ONE_DAY
    start = day_after.replace(day=1)
    fiscal_year = day_after.year if day_after.month >= 4 else day_after.year - 1
    end = dt.date(fiscal_year + 2, 3, 31)
    return StatusSpan(
        start,
        end,
        Reason(
            "SPECIAL-STATUS",
            f"非自発的失業者の軽減期間: 離職日の翌日の属する月（{start.isoformat()}）から翌年度末（{end.isoformat()}）まで",
            "国民健康保険法施行令（保険料の軽減）",
            {"separation_date": separation_date.isoformat(), "start": start.isoformat(), "end": end.isoformat()},
        ),
    )


def validate_status_period(
    *, period: StatusPeriod, birth_date: dt.date | None = None, existing: Iterable[StatusPeriod] = ()
) -> AcceptedStatus:
    """The accepted status period with its reasons, or a RuleViolation on the first problem."""
    kind = status_kind(code=period.kind)
    rule = "DV" if period.kind == "dv_support" else "SPECIAL-STATUS"
    if period.end is not None and period.end < period.start:
        raise RuleViolation(
            "end", f"the end {period.end} is before the start {period.start}", rule=rule, code="PERIOD_END_BEFORE_START"
        )
    missing = [e for e in kind.required_evidence if e not in period.evidence]
    if missing:
        raise RuleViolation(
            "evidence", f"{kind.label} needs evidence: {', '.join(missing)}", rule=rule, code="EVIDENCE_MISSING"
        )
    reasons = [
        Reason(
            rule,
            f"{kind.label}の期間を登録",
            kind.basis,
            {
                "person_id": period.person_id,
                "kind": kind.code,
                "start": period.start.isoformat(),
                "end": period.end.isoformat() if period.end else "",  # open: null at the API
                "evidence": ",".join(period.evidence),
            },
        )
    ]
    if period.kind == "involuntary_unemployment":
        reasons.append(_check_involuntary(period, birth_date))
    for other in existing:
        if other.person_id == period.person_id and other.kind == period.kind and _overlaps(other, period):
            raise RuleViolation(
                "start",
                f"{kind.label} already runs {other.start} .. {other.end or 'open'} "
                f"for {period.person_id}; periods of one kind may not overlap",
                rule=rule,
                code="OVERLAPPING_STATUS",
            )
    return AcceptedStatus(period, kind, tuple(reasons))


def _check_involuntary(period: StatusPeriod, birth_date: dt.date | None) -> Reason:
    if period.separation_date is None:
        raise RuleViolation(
            "separation_date",
            "非自発的失業者 needs the separation date (離職日)",
            rule="SPECIAL-STATUS",
            code="SEPARATION_DATE_MISSING",
        )
    if period.separation_code not in INVOLUNTARY_SEPARATION_CODES:
        raise RuleViolation(
            "separation_code",
            f"separation code {period.separation_code!r} is not one of "
            f"{', '.join(sorted(INVOLUNTARY_SEPARATION_CODES))}",
            rule="SPECIAL-STATUS",
            code="SEPARATION_CODE_NOT_ELIGIBLE",
        )
    if birth_date is None:
        raise RuleViolation(
            "birth_date",
            "非自発的失業者 needs the birth date to check the age at separation",
            rule="SPECIAL-STATUS",
            code="BIRTH_DATE_MISSING",
        )
    age = age_on(birth_date=birth_date, day=period.separation_date)
    if age >= INVOLUNTARY_AGE_LIMIT:
        raise RuleViolation(
            "separation_date",
            f"the person was {age} on the separation date; 非自発的失業者 must be under {INVOLUNTARY_AGE_LIMIT}",
            rule="SPECIAL-STATUS",
            code="AGE_65_OR_OVER_AT_SEPARATION",
        )
    span = involuntary_unemployment_period(separation_date=period.separation_date)
    if (period.start, period.end) != (span.start, span.end):
        raise RuleViolation(
            "start",
            f"the period of 非自発的失業者 is {span.start} .. {span.end} for the separation "
            f"on {period.separation_date}",
            rule="SPECIAL-STATUS",
            code="PERIOD_MISMATCH",
        )
    return dataclasses.replace(
        span.reason,
        facts={**span.reason.facts, "separation_code": period.separation_code, "age_at_separation": str(age)},
    )


def _overlaps(a: StatusPeriod, b: StatusPeriod) -> bool:
    a_end, b_end = a.end or dt.date.max, b.end or dt.date.max
    return a.start <= b_end and b.start <= a_end
