"""Special statuses (SPECIAL-STATUS) as data, with their HOUSEHOLD and DV effects, and period validation."""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from collections.abc import Iterable

from .ages import age_on
from .bases import BASIS_2024
from .errors import RuleViolation
from .model import Reason

ONE_DAY = dt.timedelta(days=1)
# The 2024 reform's triggers of a 資格確認書 besides a cancelled registration (CERT-KIND, domain §6.5): the マイナ保険証
# cannot be used because the My Number card or its electronic certificate expired, or the card was returned. The
# status starts on the expiry date (有効期限) or the day of return.
CARD_UNUSABLE_KINDS = ("card_expired", "card_certificate_expired", "card_returned")
# An expired card or certificate still works as a マイナ保険証 for 3 months after its expiry date.
CARD_GRACE_MONTHS = 3
# 産前産後: births from 2023-11-01 (domain §3.8); 4 months of reduction, 6 for a multiple birth.
PRENATAL_FIRST_BIRTH_MONTH = dt.date(2023, 11, 1)
PRENATAL_MONTHS = {4: "single", 6: "multiple"}
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
            "card_expired",
            "マイナンバーカードの有効期限切れ",
            ("SPECIAL-STATUS", "CERT-KIND"),
            BASIS_2024,
            ("national_registration_record",),
            StatusEffects(document_effects=("eligibility_certificate_without_application",)),
        ),
        StatusKind(
            "card_certificate_expired",
            "マイナンバーカードの電子証明書の有効期限切れ",
            ("SPECIAL-STATUS", "CERT-KIND"),
            BASIS_2024,
            ("national_registration_record",),
            StatusEffects(document_effects=("eligibility_certificate_without_application",)),
        ),
        StatusKind(
            "card_returned",
            "マイナンバーカードの返納",
            ("SPECIAL-STATUS", "CERT-KIND"),
            BASIS_2024,
            ("card_return_record",),
            StatusEffects(document_effects=("eligibility_certificate_without_application",)),
        ),
        StatusKind(
            "prenatal_reduction",
            "産前産後期間の保険料（税）軽減",
            ("SPECIAL-STATUS",),
            "国民健康保険法施行令（産前産後期間の保険料の減額）",
            ("application", "maternal_health_handbook"),
            StatusEffects(premium_only=True, document_effects=("prenatal_reduction_slip",)),
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


def card_unusable_from(kind: str, start: dt.date) -> dt.date:
    """The first day a マイナ保険証 cannot be used: the day of return, or the day after the 3 months that follow the
    expiry date of the card or its certificate (2026-08-31 -> 2026-12-01)."""
    if kind == "card_returned":
        return start
    return _add_months(start, CARD_GRACE_MONTHS) + ONE_DAY


def effective_from(period: StatusPeriod) -> dt.date:
    """The day a status takes effect: its start, or for a card that cannot be used the day it stops working."""
    if period.kind in CARD_UNUSABLE_KINDS:
        return card_unusable_from(period.kind, period.start)
    return period.start


def card_unusable_on(periods: Iterable[StatusPeriod], day: dt.date) -> str:
    """The kind of the card status that keeps the マイナ保険証 from being used on `day`, or ''."""
    for period in periods:
        if period.kind in CARD_UNUSABLE_KINDS and active_on(effective_from(period), period.end, day):
            return period.kind
    return ""


def _add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the last day of that month when it is shorter (8/31 + 3 -> 11/30)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


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
    if period.kind in CARD_UNUSABLE_KINDS:
        unusable = card_unusable_from(period.kind, period.start)
        grace = "" if period.kind == "card_returned" else f"（有効期限 {period.start.isoformat()} から3か月経過）"
        reasons.append(
            Reason(
                "CERT-KIND",
                f"{kind.label}によりマイナ保険証を {unusable.isoformat()} から利用できない{grace}ため資格確認書を交付",
                BASIS_2024,
                {"kind": kind.code, "unusable_from": unusable.isoformat()},
            )
        )
    if period.kind == "prenatal_reduction":
        reasons.append(_check_prenatal(period))
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


def _check_prenatal(period: StatusPeriod) -> Reason:
    """産前産後: whole months, 4 (from the month before the due month) or 6 for a multiple birth (from 3 months
    before), for a birth due from November 2023."""
    end = period.end
    if end is None or period.start.day != 1 or (end + ONE_DAY).day != 1:
        raise RuleViolation(
            "end",
            "産前産後 runs whole months: from the 1st of the month before the due month to the last day of the month "
            "2 months after it",
            rule="SPECIAL-STATUS",
            code="PERIOD_MISMATCH",
        )
    months = (end.year * 12 + end.month) - (period.start.year * 12 + period.start.month) + 1
    if months not in PRENATAL_MONTHS:
        raise RuleViolation(
            "end",
            f"産前産後 runs 4 months (6 for a multiple birth), not {months}",
            rule="SPECIAL-STATUS",
            code="PERIOD_MISMATCH",
        )
    due_month = _add_months(period.start, 1 if months == 4 else 3)
    if due_month < PRENATAL_FIRST_BIRTH_MONTH:
        raise RuleViolation(
            "start",
            f"産前産後 applies to births due from {PRENATAL_FIRST_BIRTH_MONTH.isoformat()}",
            rule="SPECIAL-STATUS",
            code="PERIOD_MISMATCH",
        )
    births = PRENATAL_MONTHS[months]
    return Reason(
        "SPECIAL-STATUS",
        f"産前産後の保険料（税）軽減: 出産予定月 {due_month.year}年{due_month.month}月、"
        f"{'多胎' if births == 'multiple' else '単胎'}のため{months}か月",
        "国民健康保険法施行令（産前産後期間の保険料の減額）",
        {"due_month": due_month.isoformat()[:7], "births": births, "months": str(months)},
    )


def _overlaps(a: StatusPeriod, b: StatusPeriod) -> bool:
    a_end, b_end = a.end or dt.date.max, b.end or dt.date.max
    return a.start <= b_end and b.start <= a_end
