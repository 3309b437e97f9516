"""Which certificates a person is due and until when: CERT-KIND, CERT-EXPIRY, ELDER-CERT-EXPIRY."""

from __future__ import annotations

import dataclasses
import datetime as dt

from .ages import ONE_DAY, birthday_of, day_age_reached, elder_period
from .bases import BASIS_2024, BASIS_CERT_EXPIRY, BASIS_DV, BASIS_ELDER_CERT
from .errors import RuleViolation
from .model import Reason

QUALIFICATION_NOTICE = "qualification_notice"  # 資格情報のお知らせ
ELIGIBILITY_CERTIFICATE = "eligibility_certificate"  # 資格確認書
ELDERLY_RECIPIENT_CERTIFICATE = "elderly_recipient_certificate"  # 高齢受給者証

MAX_YEARS = 5
CARD_UNUSABLE_LABELS = {
    "card_expired": "マイナンバーカードの有効期限切れ（3か月経過）によりマイナ保険証を利用できない",
    "card_certificate_expired": "電子証明書の有効期限切れ（3か月経過）によりマイナ保険証を利用できない",
    "card_returned": "マイナンバーカードの返納によりマイナ保険証を利用できない",
}
# What a certificate prints of the qualification period: a correction of one of them means issuing it again.
PRINTED_PERIOD_FIELDS = (
    "acquired_on",
    "coverage_starts_on",
    "insurer_number",
    "symbol",
    "number",
    "branch_no",
)


@dataclasses.dataclass(frozen=True)
class CertificateConfig:
    """The configurable parts of CERT-KIND and CERT-EXPIRY (defaults are the fresh-install values)."""

    renewal_month: int = 7  # CERT-EXPIRY renewal date
    renewal_day: int = 31
    renewal_interval_years: int = 1  # the renewal date this many cycles ahead; at most 5 years
    print_share_on_eligibility_certificate: bool = False  # CERT-KIND


@dataclasses.dataclass(frozen=True)
class CertificatePerson:
    """What the certificate rules need to know about one insured person."""

    person_id: str
    birth_date: dt.date
    card_registered: bool  # マイナ保険証 利用登録あり
    dv_support: bool = False  # DV支援措置
    residence_period_end: dt.date | None = None  # 在留期間満了日 of a foreign resident
    student_away: bool = False  # マル学
    # the card status (card_expired, card_certificate_expired, card_returned) that keeps a registered マイナ保険証
    # from being used on the day asked, or ""
    card_unusable: str = ""


@dataclasses.dataclass(frozen=True)
class CertificateDue:
    """valid_until is the last valid day (inclusive); None = no expiry."""

    kind: str
    valid_from: dt.date
    valid_until: dt.date | None
    reasons: tuple[Reason, ...]
    shows_share: bool = False  # the 70–74 share (and its expiry) is printed on it


def certificates_due(
    *, person: CertificatePerson, as_of: dt.date, config: CertificateConfig = CertificateConfig()
) -> list[CertificateDue]:
    """The certificates to issue to `person` on `as_of`, each with its validity and reasons."""
    _check_config(config)
    if as_of < person.birth_date:
        raise RuleViolation(
            "as_of", f"{as_of} is before the birth date {person.birth_date}", rule="CERT-KIND", code="BEFORE_BIRTH"
        )
    birthday_75 = birthday_of(birth_date=person.birth_date, age=75)
    if as_of >= birthday_75:
        raise RuleViolation(
            "as_of", f"the person is 75 from {birthday_75} and in 後期高齢者医療", rule="LOSS-AGE75", code="AGED_75"
        )
    if person.residence_period_end is not None and person.residence_period_end < as_of:
        raise RuleViolation(
            "residence_period_end",
            f"the residence period ended on {person.residence_period_end}",
            rule="CERT-EXPIRY",
            code="RESIDENCE_PERIOD_ENDED",
        )
    elder = elder_period(birth_date=person.birth_date).covers(as_of)
    facts = {
        "person_id": person.person_id,
        "card_registered": str(person.card_registered).lower(),
        "dv_support": str(person.dv_support).lower(),
        "elder": str(elder).lower(),
    }
    if person.card_unusable:
        facts["card_unusable"] = person.card_unusable

    if person.card_registered and not person.dv_support and not person.card_unusable:
        if not elder:
            return [
                CertificateDue(
                    QUALIFICATION_NOTICE,
                    as_of,
                    None,
                    (
                        Reason(
                            "CERT-KIND",
                            "マイナ保険証の利用登録ありのため資格情報のお知らせ（有効期限なし）",
                            BASIS_2024,
                            facts,
                        ),
                    ),
                )
            ]
        until, expiry_reason = elder_certificate_expiry(birth_date=person.birth_date, issued_on=as_of)
        return [
            CertificateDue(
                QUALIFICATION_NOTICE,
                as_of,
                until,
                (
                    Reason(
                        "CERT-KIND",
                        "マイナ保険証の利用登録ありのため資格情報のお知らせ（負担割合とその有効期限を記載）",
                        BASIS_2024,
                        facts,
                    ),
                    dataclasses.replace(expiry_reason, summary="負担割合の有効期限: " + expiry_reason.summary),
                ),
                shows_share=True,
            )
        ]

    why = "DV支援措置対象者" if person.dv_support else "マイナ保険証の利用登録なし"
    if person.card_registered and person.card_unusable and not person.dv_support:
        why = CARD_UNUSABLE_LABELS.get(person.card_unusable, "マイナ保険証を利用できない")
    shows_share = elder and config.print_share_on_eligibility_certificate
    facts = {**facts, "application_required": "false", "share_on_eligibility_certificate": str(shows_share).lower()}
    kind_reasons = [Reason("CERT-KIND", f"{why}のため資格確認書を申請によらず交付", BASIS_2024, facts)]
    if person.dv_support:
        kind_reasons.append(
            Reason("DV", "DV支援措置対象者: 資格確認書を申請によらず交付", BASIS_DV, {"person_id": person.person_id})
        )
    until, expiry_reason = eligibility_certificate_expiry(person=person, issued_on=as_of, config=config)
    due = [
        CertificateDue(ELIGIBILITY_CERTIFICATE, as_of, until, (*kind_reasons, expiry_reason), shows_share=shows_share)
    ]
    if elder and not shows_share:
        elder_until, elder_reason = elder_certificate_expiry(birth_date=person.birth_date, issued_on=as_of)
        due.append(
            CertificateDue(
                ELDERLY_RECIPIENT_CERTIFICATE,
                as_of,
                elder_until,
                (
                    Reason(
                        "CERT-KIND",
                        "70–74歳で資格確認書を交付するため高齢受給者証も交付（資格確認書に負担割合を記載しない設定）",
                        BASIS_2024,
                        facts,
                    ),
                    elder_reason,
                ),
                shows_share=True,
            )
        )
    return due


def eligibility_certificate_expiry(
    *, person: CertificatePerson, issued_on: dt.date, config: CertificateConfig = CertificateConfig()
) -> tuple[dt.date, Reason]:
    """CERT-EXPIRY: the next renewal date, cut short to the earliest age, residence or マル学 limit."""
    _check_config(config)
    renewal = _next_on_or_after(issued_on, config.renewal_month, config.renewal_day)
    renewal = _add_years(renewal, config.renewal_interval_years - 1)
    candidates: list[tuple[dt.date, str, str]] = [(renewal, "renewal", "次回更新日")]
    candidates.append((day_age_reached(birth_date=person.birth_date, age=75), "age_75", "75歳到達日（誕生日の前日）"))
    elder_starts = elder_period(birth_date=person.birth_date).starts_on
    if issued_on < elder_starts:
        # The last day of the month in which 70 is reached; born on the 1st that is the previous month's last day.
        candidates.append((elder_starts - ONE_DAY, "age_70", "70歳到達月の末日"))
    if person.residence_period_end is not None:
        candidates.append((person.residence_period_end, "residence_period_end", "在留期間満了日"))
    if person.student_away:
        candidates.append((_next_on_or_after(issued_on, 3, 31), "student_away", "マル学の3月31日"))
    until, cause, label = min(candidates, key=lambda c: c[0])
    facts = {f"candidate.{code}": day.isoformat() for day, code, _ in candidates}
    facts.update({"issued_on": issued_on.isoformat(), "valid_until": until.isoformat(), "cause": cause})
    return until, Reason(
        "CERT-EXPIRY", f"資格確認書の有効期限は{label}（{until.isoformat()}）", BASIS_CERT_EXPIRY, facts
    )


def elder_certificate_expiry(*, birth_date: dt.date, issued_on: dt.date) -> tuple[dt.date, Reason]:
    """ELDER-CERT-EXPIRY: the next 7/31, or the day before the 75th birthday if earlier."""
    july = _next_on_or_after(issued_on, 7, 31)
    before_75 = day_age_reached(birth_date=birth_date, age=75)
    until = min(july, before_75)
    label = "75歳の誕生日の前日" if before_75 < july else "次の7月31日"
    return until, Reason(
        "ELDER-CERT-EXPIRY",
        f"高齢受給者証の有効期限は{label}（{until.isoformat()}）",
        BASIS_ELDER_CERT,
        {
            "issued_on": issued_on.isoformat(),
            "next_july_31": july.isoformat(),
            "day_before_75th_birthday": before_75.isoformat(),
            "valid_until": until.isoformat(),
        },
    )


def _check_config(config: CertificateConfig) -> None:
    try:
        dt.date(2001, config.renewal_month, config.renewal_day)  # a common year: 29 February is refused
    except ValueError:
        raise RuleViolation(
            "config.renewal_day",
            f"{config.renewal_month}/{config.renewal_day} is not a date in every year",
            rule="CERT-EXPIRY",
            code="INVALID_RENEWAL_DATE",
        ) from None
    if not 1 <= config.renewal_interval_years <= MAX_YEARS:
        raise RuleViolation(
            "config.renewal_interval_years",
            f"a 資格確認書 is valid for at most {MAX_YEARS} years",
            rule="CERT-EXPIRY",
            code="INVALID_RENEWAL_INTERVAL",
        )


def _next_on_or_after(day: dt.date, month: int, dom: int) -> dt.date:
    candidate = dt.date(day.year, month, dom)
    return candidate if candidate >= day else dt.date(day.year + 1, month, dom)


def _add_years(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year + years)
