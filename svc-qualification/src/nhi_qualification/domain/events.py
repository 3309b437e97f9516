"""The events svc-qualification publishes on `nhi.v1.qualification.*`: one class, so one shape, per event type.

A clerk's change and a batch's change of the same type build the same class; the unit of work writes what a
use case collected to the outbox in the transaction of the change. No My Number ever; no address under DV.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any, ClassVar

from .model import Period


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


@dataclasses.dataclass(frozen=True)
class PersonRef:
    """What a departmental subscriber needs to act on a person without calling back."""

    person_id: str
    household_id: str
    head_person_id: str
    name_kanji: str
    name_kana: str
    display_name: str
    birth_date: dt.date
    sex: str
    address: dict[str, Any]
    dv_support: bool
    # DV: the address is the household's, so it is withheld for every member of a household with a DV
    # support-measure person, not only for that person.
    household_dv: bool = False

    def data(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "household_id": self.household_id,
            "head_person_id": self.head_person_id,
            "name_kanji": self.name_kanji,
            "name_kana": self.name_kana,
            "display_name": self.display_name,
            "birth_date": self.birth_date.isoformat(),
            "sex": self.sex,
            "address": {} if self.dv_support or self.household_dv else self.address,
            "dv_support": self.dv_support,
        }


class Event:
    """An outbox event: NATS subject, CloudEvents type, subject (the person) and data."""

    SUBJECT: ClassVar[str]
    TYPE: ClassVar[str]

    @property
    def subject(self) -> str:
        raise NotImplementedError

    def data(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class PeriodEvent(Event):
    """A qualification acquired or lost: the person, the period's numbers and dates, and why."""

    person: PersonRef
    change_id: str
    period_id: str
    insurer_number: str
    symbol: str
    number: str
    branch_no: str
    acquired_on: dt.date | None
    lost_on: dt.date | None
    reason: str
    rule_ids: tuple[str, ...]
    feeds: tuple[str, ...]
    business_date: dt.date
    operator_id: str
    coverage_starts_on: dt.date | None = None
    coverage_ends_on: dt.date | None = None
    job_id: str | None = None  # the batch that made the change
    deemed_head: bool | None = None  # a loss: the person was the head of a 擬制世帯主 household (decided by age75)
    specific_same_household: bool | None = None  # a loss: the person stays as 特定同一世帯所属者 (decided by age75)

    @classmethod
    def of(
        cls,
        person: PersonRef,
        version: Period,
        *,
        reason: str,
        rule_ids: Iterable[str],
        feeds: Iterable[str],
        business_date: dt.date,
        operator_id: str,
        **decided: Any,
    ):
        """The event of a stored period version: its numbers and dates, the person, why, and who."""
        return cls(
            person=person,
            change_id=version.change_id,
            period_id=version.period_id,
            insurer_number=version.insurer_number,
            symbol=version.symbol,
            number=version.number,
            branch_no=version.branch_no,
            acquired_on=version.acquired_on,
            lost_on=version.lost_on,
            reason=reason,
            rule_ids=tuple(rule_ids),
            feeds=tuple(feeds),
            business_date=business_date,
            operator_id=operator_id,
            coverage_starts_on=version.coverage_starts_on,
            coverage_ends_on=version.coverage_ends_on,
            **decided,
        )

    @property
    def subject(self) -> str:
        return self.person.person_id

    def data(self) -> dict[str, Any]:
        return {
            **self.person.data(),
            "change_id": self.change_id,
            "period_id": self.period_id,
            "insurer_number": self.insurer_number,
            "symbol": self.symbol,
            "number": self.number,
            "branch_no": self.branch_no,
            "acquired_on": _iso(self.acquired_on),
            "lost_on": _iso(self.lost_on),
            "coverage_starts_on": _iso(self.coverage_starts_on),
            "coverage_ends_on": _iso(self.coverage_ends_on),
            "reason": self.reason,
            "rule_ids": list(self.rule_ids),
            "feeds": list(self.feeds),
            "business_date": self.business_date.isoformat(),
            "operator_id": self.operator_id,
            "job_id": self.job_id,
            "deemed_head": self.deemed_head,
            "specific_same_household": self.specific_same_household,
        }


@dataclasses.dataclass(frozen=True)
class QualificationAcquired(PeriodEvent):
    SUBJECT: ClassVar[str] = "nhi.v1.qualification.acquired"
    TYPE: ClassVar[str] = "jp.nhi.qualification.acquired.v1"


@dataclasses.dataclass(frozen=True)
class QualificationLost(PeriodEvent):
    SUBJECT: ClassVar[str] = "nhi.v1.qualification.lost"
    TYPE: ClassVar[str] = "jp.nhi.qualification.lost.v1"


@dataclasses.dataclass(frozen=True)
class StatusChange:
    status_id: str
    kind: str
    start: dt.date
    end: dt.date | None
    effects: dict[str, Any]

    def data(self) -> dict[str, Any]:
        return {
            "status_id": self.status_id,
            "status_kind": self.kind,
            "status_start": self.start.isoformat(),
            "status_end": _iso(self.end),
            "effects": self.effects,
        }


@dataclasses.dataclass(frozen=True)
class BurdenChange:
    determination_id: str
    ratio_percent_old: int | None
    ratio_percent_new: int | None
    limit_category_old: str | None
    limit_category_new: str | None
    pending: bool
    income_year: int

    def data(self) -> dict[str, Any]:
        return {
            "determination_id": self.determination_id,
            "ratio_percent_old": self.ratio_percent_old,
            "ratio_percent_new": self.ratio_percent_new,
            "limit_category_old": self.limit_category_old,
            "limit_category_new": self.limit_category_new,
            "pending": self.pending,
            "income_year": self.income_year,
        }


_NO_STATUS = dict.fromkeys(("status_id", "status_kind", "status_start", "status_end", "effects"))
_NO_BURDEN = dict.fromkeys(
    (
        "determination_id",
        "ratio_percent_old",
        "ratio_percent_new",
        "limit_category_old",
        "limit_category_new",
        "pending",
        "income_year",
    )
)


@dataclasses.dataclass(frozen=True)
class QualificationChanged(Event):
    """Something about an insured person changed without a gain or loss: a special status (`status`), the NHI head
    of a household (`head_change`) or the burden ratio / limit category (`burden`). Every key is always present;
    those of the other kinds are null. It names the person by id only: a subscriber that needs more asks for it."""

    SUBJECT: ClassVar[str] = "nhi.v1.qualification.changed"
    TYPE: ClassVar[str] = "jp.nhi.qualification.changed.v1"

    person_id: str
    household_id: str
    change_id: str
    change_kind: str
    effective_date: dt.date
    rule_ids: tuple[str, ...]
    business_date: dt.date
    operator_id: str
    job_id: str | None = None
    status: StatusChange | None = None
    nhi_head_person_id: str | None = None
    burden: BurdenChange | None = None

    @property
    def subject(self) -> str:
        return self.person_id

    def data(self) -> dict[str, Any]:
        data = {
            "person_id": self.person_id,
            "household_id": self.household_id,
            "change_id": self.change_id,
            "change_kind": self.change_kind,
            "effective_date": self.effective_date.isoformat(),
            "rule_ids": list(self.rule_ids),
            "business_date": self.business_date.isoformat(),
            "operator_id": self.operator_id,
            "job_id": self.job_id,
        }
        data.update(self.status.data() if self.status else _NO_STATUS)
        data["nhi_head_person_id"] = self.nhi_head_person_id
        data.update(self.burden.data() if self.burden else _NO_BURDEN)
        return data


@dataclasses.dataclass(frozen=True)
class QualificationCorrected(Event):
    """資格異動訂正: a period version was corrected or undone; `resend_required` when the old one was published."""

    SUBJECT: ClassVar[str] = "nhi.v1.qualification.corrected"
    TYPE: ClassVar[str] = "jp.nhi.qualification.corrected.v1"

    person_id: str
    household_id: str
    change_id: str
    period_id: str
    version_id: int
    insurer_number: str
    symbol: str
    number: str
    branch_no: str
    acquired_on: dt.date
    lost_on: dt.date | None
    void: bool
    effective_date: dt.date
    corrected_fields: tuple[str, ...]
    correction_reason: str
    resend_required: bool
    business_date: dt.date
    operator_id: str
    coverage_starts_on: dt.date | None = None  # ACQ-MOVE-IN-PREF: the 適用開始 kept when the acquisition moved back
    # the certificates the change makes due again (what they print changed), for svc-documents' print queue
    certificates_to_reissue: tuple[str, ...] = ()
    rule_ids: tuple[str, ...] = ()  # the rules of the correction (CORRECTION, ACQ-MOVE-IN-PREF, ...)

    @classmethod
    def of_version(cls, version: Any, **change: Any) -> "QualificationCorrected":
        """The event of a corrected period version (a clerk's correction or undo, or the prefecture acquisition date
        written back): the version's own fields, and the change's (change_id, effective_date, corrected_fields,
        correction_reason, resend_required, business_date, operator_id and the optional ones)."""
        return cls(
            person_id=version.person_id,
            household_id=version.household_id,
            period_id=version.period_id,
            version_id=version.version_id,
            insurer_number=version.insurer_number,
            symbol=version.symbol,
            number=version.number,
            branch_no=version.branch_no,
            acquired_on=version.acquired_on,
            lost_on=version.lost_on,
            void=version.void,
            **change,
        )

    @property
    def subject(self) -> str:
        return self.person_id

    def data(self) -> dict[str, Any]:
        return {
            "change_id": self.change_id,
            "period_id": self.period_id,
            "version_id": self.version_id,
            "person_id": self.person_id,
            "household_id": self.household_id,
            "insurer_number": self.insurer_number,
            "symbol": self.symbol,
            "number": self.number,
            "branch_no": self.branch_no,
            "acquired_on": self.acquired_on.isoformat(),
            "lost_on": _iso(self.lost_on),
            "void": self.void,
            "effective_date": self.effective_date.isoformat(),
            "corrected_fields": list(self.corrected_fields),
            "correction_reason": self.correction_reason,
            "resend_required": self.resend_required,
            "business_date": self.business_date.isoformat(),
            "operator_id": self.operator_id,
            "coverage_starts_on": _iso(self.coverage_starts_on),
            "certificates_to_reissue": list(self.certificates_to_reissue),
            "rule_ids": list(self.rule_ids),
        }


@dataclasses.dataclass(frozen=True)
class AddressWithheld(Event):
    """Rule DV for data already published: a DV support-measure status was registered for a member of the
    household, so its address (the household's, every member's) is to be dropped by every subscriber that keeps
    it, for records already received too. Sent when the status is registered; it names no address itself."""

    SUBJECT: ClassVar[str] = "nhi.v1.qualification.address_withheld"
    TYPE: ClassVar[str] = "jp.nhi.qualification.address_withheld.v1"

    household_id: str
    person_ids: tuple[str, ...]  # every member of the household
    dv_person_id: str
    change_id: str
    status_start: dt.date
    status_end: dt.date | None
    business_date: dt.date
    operator_id: str

    @property
    def subject(self) -> str:
        return self.household_id

    def data(self) -> dict[str, Any]:
        return {
            "household_id": self.household_id,
            "person_ids": list(self.person_ids),
            "dv_person_id": self.dv_person_id,
            "change_id": self.change_id,
            "status_start": self.status_start.isoformat(),
            "status_end": _iso(self.status_end),
            "business_date": self.business_date.isoformat(),
            "operator_id": self.operator_id,
        }


@dataclasses.dataclass(frozen=True)
class AddressReleased(Event):
    """Rule DV, the end: the dv_support status of a member has ended and no member of the household is under a DV
    support measure on the business date, so a subscriber that marked the household on address_withheld stops
    withholding its address from later records (records already blanked stay blank). It names no address."""

    SUBJECT: ClassVar[str] = "nhi.v1.qualification.address_released"
    TYPE: ClassVar[str] = "jp.nhi.qualification.address_released.v1"

    household_id: str
    person_ids: tuple[str, ...]  # every member of the household
    dv_person_id: str
    status_id: str
    status_end: dt.date
    business_date: dt.date
    operator_id: str

    @property
    def subject(self) -> str:
        return self.household_id

    def data(self) -> dict[str, Any]:
        return {
            "household_id": self.household_id,
            "person_ids": list(self.person_ids),
            "dv_person_id": self.dv_person_id,
            "status_id": self.status_id,
            "status_end": self.status_end.isoformat(),
            "business_date": self.business_date.isoformat(),
            "operator_id": self.operator_id,
        }
