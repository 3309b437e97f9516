"""What callers ask svc-qualification to do, parsed and validated once at the edge (`entrypoints/parse.py`).

Every field has its type here: dates are dates, numbers are numbers; an empty optional is None.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from .corrections import CorrectionRequest


@dataclasses.dataclass(frozen=True)
class ResidentPerson:
    person_id: str
    name_kanji: str
    name_kana: str
    birth_date: dt.date
    sex: str = ""
    relationship: str = ""
    listing_order: int = 0  # 0 = its place in the change
    my_number: str = ""
    nationality: str = ""
    residence_status: str = ""
    residence_expires_on: dt.date | None = None
    dv_support: bool = False


@dataclasses.dataclass(frozen=True)
class ResidentChange:
    """One change of the resident registry (住民記録) as svc-integration hands it on."""

    change_id: str
    change_kind: str
    event_date: dt.date
    household_id: str
    persons: tuple[ResidentPerson, ...] = ()
    notified_on: dt.date | None = None
    head_person_id: str = ""
    address: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class StatusClaim:
    """A special status (特別な資格) notified for a person; `status_id` names the one it replaces."""

    person_id: str
    kind: str
    start: dt.date
    end: dt.date | None = None
    evidence: tuple[str, ...] = ()
    separation_date: dt.date | None = None
    separation_code: str | None = None
    display_name: str = ""
    status_id: str | None = None


@dataclasses.dataclass(frozen=True)
class NotificationPerson:
    person_id: str
    my_number: str = ""


@dataclasses.dataclass(frozen=True)
class SubmitNotification:
    """A counter notification (届出): join, leave, status or change."""

    kind: str
    reason: str
    household_id: str
    persons: tuple[NotificationPerson, ...]
    event_date: dt.date
    notified_on: dt.date
    identity_check: dict[str, str]
    dry_run: bool = False
    expected_household_version: int = 0  # 0 = do not check
    statuses: tuple[StatusClaim, ...] = ()
    new_head_person_id: str = ""
    prefecture_acquired_on: dt.date | None = None


@dataclasses.dataclass(frozen=True)
class CorrectQualification:
    """資格異動訂正: the named version of a period, corrected as `request` says."""

    period_id: str
    version_id: int
    request: CorrectionRequest


@dataclasses.dataclass(frozen=True)
class RecordPrefectureAcquisition:
    """ACQ-MOVE-IN-PREF: the prefecture acquisition date the aggregation system returned for a period (2.6.7)."""

    person_id: str
    period_id: str
    prefecture_acquired_on: dt.date
    source_change_id: str  # the change whose aggregation record the aggregation system answered


@dataclasses.dataclass(frozen=True)
class RecordCertificateIssued:
    kind: str
    person_id: str
    certificate_id: str = ""
    household_id: str = ""
    certificate_number: str = ""
    issued_on: dt.date | None = None  # None = the business date
    valid_from: dt.date | None = None  # None = issued_on
    valid_until: dt.date | None = None
    document_id: str = ""
    note: str = ""


@dataclasses.dataclass(frozen=True)
class RegisterCertificateReturn:
    """回収登録: a certificate returned, lost, or not returned."""

    certificate_id: str
    outcome: str
    returned_on: dt.date | None = None  # None = the business date
    note: str = ""


@dataclasses.dataclass(frozen=True)
class IncomeFact:
    """An income fact as given; `income_year` None = the year the business date is decided on; an amount None =
    not given, unknown (never 0)."""

    person_id: str
    income_year: int | None = None
    taxable_income: int | None = None
    gross_income: int | None = None
    kyu_tadashigaki_income: int | None = None
    non_taxed: bool = False
    public_pension_income: int | None = None
    total_income: int | None = None


@dataclasses.dataclass(frozen=True)
class RecordIncomeFacts:
    """Income facts to keep; a later fact of the same person and income year replaces an earlier one."""

    incomes: tuple[IncomeFact, ...]


@dataclasses.dataclass(frozen=True)
class DetermineBurdenRatio:
    household_id: str
    as_of: dt.date | None = None  # None = the business date
    incomes: tuple[IncomeFact, ...] = ()
    dry_run: bool = False


@dataclasses.dataclass(frozen=True)
class StartJob:
    """A population batch: age75_loss for a day or a month, burden_redetermination for a day."""

    kind: str
    date: dt.date | None = None  # None (and no month) = the business date
    month: str = ""  # YYYY-MM, age75_loss only


def fingerprint(command: Any) -> dict[str, Any]:
    """The command as plain data, to tell a replayed Idempotency-Key's request from another."""
    return dataclasses.asdict(command)
