"""What the pension, welfare, income, inconsistency and job use cases need from the outside."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from nhi_common.paging import Page

from ..domain.income import IncomeRecord
from ..domain.inconsistency import Finding
from ..domain.pension import PensionChange
from ..domain.welfare import WelfareRecord


class QualificationPort(Protocol):
    """svc-qualification as these use cases see it; raises ApplyUnavailable (retry) or ApplyRejected (never)."""

    def record_incomes(self, records: list[IncomeRecord], *, idempotency_key: str) -> int: ...

    def households_of(self, person_ids: list[str]) -> dict[str, str]: ...

    def determine_burden(self, household_id: str, *, idempotency_key: str) -> dict[str, Any]: ...

    def coverage_pages(
        self, day: dt.date, *, person_ids: list[str] | None = None
    ) -> Iterator[tuple[dict[str, int], list[list[str]]]]: ...

    def decision(self, change_id: str) -> dict[str, Any] | None: ...

    def hidden_persons(self, caller: Any, person_ids: list[str], listing: str) -> set[str]:
        """Rule DV: which of a list's persons its caller (`caller`, the request's context as it came) may not see
        listed, as svc-qualification says (who is under a DV support measure on the caller's business date; it
        audits a listing under dv:read)."""


class FeedRecords(Protocol):
    def claim(self, receipt_key: str, consumer: str) -> bool: ...

    def audit(self, *, operator_id: str, action: str, target_kind: str, target_id: str, detail: str = "") -> None: ...

    def record_pension(self, change: PensionChange) -> bool: ...

    def pension_categories(self, person_ids: Iterable[str] | None = None) -> dict[str, str]: ...

    def record_welfare(self, record: WelfareRecord) -> None: ...

    def welfare_periods(self, person_ids: Iterable[str] | None = None) -> list[tuple[str, dt.date, dt.date | None]]: ...

    def open_findings(self, person_ids: Iterable[str] | None = None) -> dict[tuple[str, str], str]: ...

    def add_findings(self, findings: list[Finding], *, source: str, job_id: str | None) -> None: ...

    def touch_findings(self, ids: list[str]) -> None: ...

    def get_finding(self, inconsistency_id: str) -> dict[str, Any] | None: ...

    def resolve_finding(self, inconsistency_id: str, *, change_id: str, note: str, operator_id: str) -> None: ...

    def list_findings(
        self, *, state: str, kind: str, person_id: str, page: Page
    ) -> tuple[list[dict[str, Any]], str]: ...

    def create_job(
        self, *, job_id: str, kind: str, business_date: dt.date, parameters: dict[str, str], operator_id: str
    ) -> None: ...

    def update_job(self, job_id: str, **values: Any) -> None: ...

    def fail_abandoned_jobs(self, silent_since: dt.datetime, error: str) -> list[str]:
        """End failed the jobs queued or running with no heartbeat since `silent_since`; their ids."""

    def get_job(self, job_id: str) -> dict[str, Any] | None: ...

    def replayed_job(self, operator_id: str, key: str, request: bytes) -> str | None:
        """The job the operator's key queued; IdempotencyReuse when the key came with another request."""

    def remember_job(self, operator_id: str, key: str, request: bytes, job_id: str) -> None: ...

    def list_jobs(self, kinds: Sequence[str], states: Sequence[str], page: Page) -> tuple[list[dict[str, Any]], bool]:
        """A page of the jobs of `kinds` (in `states` when any), newest first; and whether more follow."""


class FeedStore(Protocol):
    def transaction(self) -> AbstractContextManager[FeedRecords]: ...
