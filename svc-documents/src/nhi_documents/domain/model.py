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
class StatusInfo:
    """A special status held for a period (SPECIAL-STATUS), as svc-qualification records it."""

    kind: str  # gender_identity_display | dv_support | former_dependant | specific_same_household | ...
    start: dt.date | None = None
    end: dt.date | None = None  # inclusive; None = open
    display_name: str = ""  # 通称名 under gender_identity_display
    separation_date: dt.date | None = None  # 離職日 under involuntary_unemployment
    separation_code: str = ""  # 離職理由コード under involuntary_unemployment

    def holds_on(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


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
    display_name: str = ""  # 通称名 (性同一性障害者)
    dv_support: bool = False  # DV支援措置: no address on anything sent to a third party
    statuses: tuple[StatusInfo, ...] = ()

    def status(self, kind: str, day: dt.date) -> StatusInfo | None:
        """The status of `kind` the person holds on `day`, if any."""
        return next((s for s in self.statuses if s.kind == kind and s.holds_on(day)), None)

    def latest_status(self, kind: str, day: dt.date) -> StatusInfo | None:
        """The status of `kind` held on `day`, else the one that starts last (a period from a later month)."""
        held = [s for s in self.statuses if s.kind == kind]
        return self.status(kind, day) or max(held, key=lambda s: s.start or dt.date.min, default=None)


@dataclasses.dataclass(frozen=True)
class ShareInfo:
    """The person's 一部負担金の割合 as svc-qualification determines it (BURDEN-3, BURDEN-PENDING)."""

    person_id: str
    elder: bool  # 高齢受給者 (70-74) on the date
    ratio_percent: int  # 20 | 30; 0 when not an elder
    limit_category: str = ""
    pending: bool = False
    as_of: dt.date | None = None


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
    acquired_reason: str = ""
    lost_reason: str = ""


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
