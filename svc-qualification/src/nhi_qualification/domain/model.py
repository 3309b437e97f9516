"""Value types of the qualification domain (no SQLAlchemy, no gRPC)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from nhi_common.reasons import Reason  # noqa: F401 - the domain's modules take Reason from here


@dataclasses.dataclass(frozen=True)
class Period:
    """One version of a qualification period: valid time [acquired_on, lost_on), record time [recorded_at, superseded_at)."""

    period_id: str
    person_id: str
    household_id: str
    insurer_number: str
    symbol: str
    number: str
    branch_no: str
    acquired_on: dt.date
    acquired_reason: str
    lost_on: dt.date | None
    lost_reason: str | None
    recorded_at: dt.datetime
    superseded_at: dt.datetime | None
    change_id: str
    reasons: tuple[Reason, ...] = ()
    version_id: int = 0
    coverage_starts_on: dt.date | None = None  # 適用開始 after a move within the prefecture
    coverage_ends_on: dt.date | None = None  # 適用終了 on a move out within the prefecture
    void: bool = False
    correction_reason: str = ""
    operator_id: str = ""

    @property
    def start_on(self) -> dt.date:
        """First day this municipality covers the person."""
        return self.coverage_starts_on or self.acquired_on

    @property
    def end_on(self) -> dt.date | None:
        """First day this municipality no longer covers the person (loss or end of coverage)."""
        ends = [d for d in (self.lost_on, self.coverage_ends_on) if d is not None]
        return min(ends) if ends else None

    def open_on(self, day: dt.date) -> bool:
        return self.end_on is None or day < self.end_on

    def covers(self, day: dt.date) -> bool:
        """Insured here on `day`: qualified, and within this municipality's coverage (適用開始/適用終了)."""
        return not self.void and self.start_on <= day and self.open_on(day)

    def next_version(self, *, change_id: str, at: dt.datetime, operator_id: str, **changes) -> Period:
        """The version that replaces this one from `at` (record time), with `changes`; not stored yet (no id).

        Not void and with no correction reason unless `changes` say so."""
        return dataclasses.replace(
            self,
            **{"void": False, "correction_reason": "", **changes},
            change_id=change_id,
            recorded_at=at,
            superseded_at=None,
            version_id=0,
            operator_id=operator_id,
        )

    def qualified_on(self, day: dt.date) -> bool:
        """Qualified in law on `day` (資格取得日 <= day < 資格喪失日), whatever the coverage dates say.

        The burden ratio counts the household's insured this way: a member covered by another municipality of the
        prefecture after a move within it is still an insured of the household's NHI in law."""
        return not self.void and self.acquired_on <= day and (self.lost_on is None or day < self.lost_on)


@dataclasses.dataclass(frozen=True)
class PersonFacts:
    """What a decision needs to know about one person."""

    person_id: str
    household_id: str
    birth_date: dt.date
    resident_status: str
    current_period: Period | None
    residence_status: str = ""  # a code of domain/residence.py
    nationality: str = ""


@dataclasses.dataclass(frozen=True)
class PersonDecision:
    person_id: str
    acquired_on: dt.date | None
    lost_on: dt.date | None
    reasons: tuple[Reason, ...]
    coverage_starts_on: dt.date | None = None
    coverage_ends_on: dt.date | None = None
    lost_reason: str | None = None  # a join recorded with its end already (LOSS-AGE75 passed)


@dataclasses.dataclass(frozen=True)
class DocumentDue:
    kind: str
    person_id: str
    reason: Reason


@dataclasses.dataclass(frozen=True)
class Decision:
    kind: str
    reason_code: str
    business_date: dt.date
    persons: tuple[PersonDecision, ...]
    documents: tuple[DocumentDue, ...]
    late_days: int
    retroactive: bool
    reasons: tuple[Reason, ...]
    income_inquiry_needed: bool = False
