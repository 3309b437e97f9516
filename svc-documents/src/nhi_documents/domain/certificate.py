"""The 資格確認書 (eligibility certificate) as a document model: the printed fields of domain §4.1."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from nhi_common.errors import DomainError
from nhi_common.jp import wareki

from .model import CertificateDue, CertificatesDue, HouseholdInfo, PersonInfo, QualificationInfo, Reason

KIND = "eligibility_certificate"
ELDERLY_RECIPIENT_CERTIFICATE = "elderly_recipient_certificate"  # 高齢受給者証, issued alongside for 70-74
TITLE = "国民健康保険 資格確認書"
MEDIA_TYPE = "application/pdf"
SHARE_STATUTORY = "法定負担割合のとおり"
SHARE_ELDERLY = "高齢受給者証に記載のとおり"
SEX = {"1": "男", "2": "女"}
_ERA_LETTERS = {"令和": "R", "平成": "H", "昭和": "S", "大正": "T", "明治": "M"}


class NotInsured(DomainError):
    """The person holds no qualification on the issue date."""

    def __init__(self, person_id: str, day: dt.date) -> None:
        super().__init__(
            "person_id",
            f"person {person_id} is not insured on {day.isoformat()}",
            rule="CERT-KIND",  # an uninsured person is due no certificate
            code="NOT_INSURED",
            metadata={"person_id": person_id, "business_date": day.isoformat()},
        )
        self.person_id = person_id
        self.day = day


class NotDue(DomainError):
    """svc-qualification (CERT-KIND) gives this person no 資格確認書 on the issue date; says what is due, and why."""

    def __init__(self, due: CertificatesDue, *, kind: str = KIND) -> None:
        reasons = due.reasons or tuple(r for c in due.certificates for r in c.reasons)
        why = "; ".join(f"{r.rule_id}: {r.summary}" for r in reasons)
        message = (
            f"person {due.person_id} is not due a {kind} on {due.as_of.isoformat()}"
            f" (due: {', '.join(due.kinds) or 'none'})" + (f" — {why}" if why else "")
        )
        super().__init__(
            "person_id",
            message,
            rule="CERT-KIND",
            code="NOT_DUE",
            metadata={
                "person_id": due.person_id,
                "business_date": due.as_of.isoformat(),
                "due_kinds": ",".join(due.kinds),
                "rule_ids": ",".join(dict.fromkeys(r.rule_id for r in reasons)),
            },
        )
        self.person_id = due.person_id
        self.day = due.as_of
        self.kinds = due.kinds
        self.reasons = reasons


class MissingExpiry(ValueError):
    """svc-qualification answered a 資格確認書 without a last valid day: it always has one (CERT-EXPIRY)."""


def eligibility_due(due: CertificatesDue) -> CertificateDue:
    """The 資格確認書 among the certificates a person is due, with its validity; NotDue when there is none."""
    eligibility = due.of_kind(KIND)
    if eligibility is None:
        raise NotDue(due)
    if eligibility.valid_until is None:
        raise MissingExpiry(f"svc-qualification answered a {KIND} for person {due.person_id} without valid_until")
    return eligibility


@dataclasses.dataclass(frozen=True)
class Field:
    label: str
    value: str


@dataclasses.dataclass(frozen=True)
class EligibilityCertificate:
    """Everything printed on one 資格確認書; never a My Number."""

    title: str
    certificate_number: str
    person_id: str
    household_id: str
    name: str
    name_kana: str
    birth_date: str  # 和暦
    sex: str
    symbol: str
    number: str
    branch_no: str
    insurer_number: str
    insurer_name: str
    head_name: str
    address: str
    issued_on: str  # 和暦
    valid_until: str  # 和暦
    acquired_on: str  # 和暦
    share: str
    issued_on_iso: dt.date
    valid_until_iso: dt.date
    reasons: tuple[Reason, ...] = ()

    def fields(self) -> list[Field]:
        """The printed rows, in order."""
        return [
            Field("氏名", self.name),
            Field("生年月日", self.birth_date),
            Field("性別", self.sex),
            Field("記号・番号（枝番）", f"記号 {self.symbol}　番号 {self.number}　（枝番）{self.branch_no}"),
            Field("資格取得年月日", self.acquired_on),
            Field("一部負担金の割合", self.share),
            Field("世帯主氏名", self.head_name),
            Field("住所", self.address),
            Field("交付年月日", self.issued_on),
            Field("有効期限", self.valid_until),
            Field("保険者番号", self.insurer_number),
            Field("保険者名", self.insurer_name),
        ]


def certificate_number(issued_on: dt.date, sequence: int) -> str:
    """R7-000123: the era letter and year of the issue date, then the per-era-year sequence."""
    return f"{sequence_key(issued_on)}-{sequence:06d}"


def sequence_key(issued_on: dt.date) -> str:
    """The era year a certificate number counts in, e.g. 'R7' (元年 = 1)."""
    match = re.match(r"^(令和|平成|昭和|大正|明治)(元|\d+)年", wareki(issued_on))
    assert match, issued_on
    year = 1 if match.group(2) == "元" else int(match.group(2))
    return f"{_ERA_LETTERS[match.group(1)]}{year}"


def build_eligibility_certificate(
    *,
    person: PersonInfo,
    qualification: QualificationInfo,
    household: HouseholdInfo,
    head_name: str,
    issued_on: dt.date,
    due: CertificateDue,
    with_elderly_certificate: bool,
    number: str,
    insurer_number: str,
    insurer_name: str,
) -> EligibilityCertificate:
    """The 資格確認書 of an insured person, valid until the day svc-qualification answered (`due`, CERT-EXPIRY),
    with its reasons. When a 高齢受給者証 is issued alongside (CERT-KIND, 70-74), the share is left to it;
    otherwise it reads 法定負担割合のとおり."""
    if not qualification.insured or qualification.acquired_on is None:
        raise NotInsured(person.person_id, issued_on)
    if due.kind != KIND or due.valid_until is None:
        raise MissingExpiry(f"not a {KIND} with a last valid day: {due.kind} until {due.valid_until}")
    share = SHARE_ELDERLY if with_elderly_certificate else SHARE_STATUTORY
    address = person.address if person.address else household.address
    return EligibilityCertificate(
        title=TITLE,
        certificate_number=number,
        person_id=person.person_id,
        household_id=household.household_id or person.household_id,
        name=person.name_kanji,
        name_kana=person.name_kana,
        birth_date=wareki(person.birth_date),
        sex=SEX.get(person.sex, "裏面参照"),
        symbol=qualification.symbol or household.symbol,
        number=qualification.number or household.number,
        branch_no=qualification.branch_no,
        insurer_number=qualification.insurer_number or insurer_number,
        insurer_name=insurer_name,
        head_name=head_name,
        address=address.printed(),
        issued_on=wareki(issued_on),
        valid_until=wareki(due.valid_until),
        acquired_on=wareki(qualification.acquired_on),
        share=share,
        issued_on_iso=issued_on,
        valid_until_iso=due.valid_until,
        reasons=due.reasons,
    )
