"""Value types of the documents domain: what a document needs to know (no SQLAlchemy, no gRPC)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from nhi_common.reasons import Reason  # noqa: F401 - the domain's modules take Reason from here


@dataclasses.dataclass(frozen=True)
class Address:
    postal_code: str = ""
    address: str = ""
    building: str = ""  # 方書

    def printed(self) -> str:
        return "　".join(part for part in (self.address, self.building) if part)

    def __bool__(self) -> bool:
        return bool(self.address or self.building)


@dataclasses.dataclass(frozen=True)
class PersonInfo:
    """A person as svc-qualification describes them (no My Number: documents never need it)."""

    person_id: str
    household_id: str
    name_kanji: str
    name_kana: str
    birth_date: dt.date
    sex: str  # "1" male, "2" female (住民記録 coding)
    address: Address = Address()
    nationality: str = ""
    residence_status: str = ""
    residence_expires_on: dt.date | None = None


@dataclasses.dataclass(frozen=True)
class QualificationInfo:
    """The person's qualification period on a given day (insured=False: no period covers the day)."""

    person_id: str
    as_of: dt.date
    insured: bool
    insurer_number: str = ""
    symbol: str = ""
    number: str = ""
    branch_no: str = ""
    acquired_on: dt.date | None = None
    lost_on: dt.date | None = None


@dataclasses.dataclass(frozen=True)
class HouseholdInfo:
    household_id: str
    head_person_id: str
    symbol: str = ""
    number: str = ""
    address: Address = Address()
    members: tuple[PersonInfo, ...] = ()

    def member(self, person_id: str) -> PersonInfo | None:
        return next((m for m in self.members if m.person_id == person_id), None)


@dataclasses.dataclass(frozen=True)
class CertificateDue:
    """One certificate svc-qualification says a person is due (CERT-KIND), with its validity (CERT-EXPIRY)."""

    kind: str  # eligibility_certificate | qualification_notice | elderly_recipient_certificate
    person_id: str
    valid_from: dt.date | None
    valid_until: dt.date | None  # the last valid day (inclusive); None = no expiry
    reasons: tuple[Reason, ...] = ()


@dataclasses.dataclass(frozen=True)
class CertificatesDue:
    """Everything a person is due on `as_of`; `reasons` say why nothing is due when nothing is."""

    person_id: str
    as_of: dt.date
    certificates: tuple[CertificateDue, ...] = ()
    reasons: tuple[Reason, ...] = ()

    def of_kind(self, kind: str) -> CertificateDue | None:
        return next((c for c in self.certificates if c.kind == kind), None)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(c.kind for c in self.certificates)
