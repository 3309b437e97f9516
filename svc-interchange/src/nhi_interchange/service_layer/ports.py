"""What the use cases need from the outside: records one transaction at a time, My Numbers, the file drop."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from nhi_common.paging import Page

from ..domain.address import AddressTable
from ..domain.aggregation import PendingRecord
from ..domain.inbound import InboundFile

LISTED_PERSONS = "listed_persons"  # the key of a report row's persons (rule DV screens the row by them)


class PendingRecords(Protocol):
    """The records of svc-interchange inside one transaction."""

    def claim(self, event_id: str, consumer: str) -> bool:
        """Note that `consumer` handles `event_id`; False when it was handled before."""

    def claim_many(self, event_ids: list[str], consumer: str) -> list[bool]:
        """`claim` of each id in order, at once (an id repeated is claimed by its first)."""

    def add_pending(
        self, record: PendingRecord, payload: dict[str, Any], snapshot: dict[str, Any], received_at: dt.datetime
    ) -> None: ...

    def add_pending_many(
        self, records: list[tuple[PendingRecord, dict[str, Any], dict[str, Any], dt.datetime]]
    ) -> None:
        """`add_pending` of each (record, payload, snapshot, received_at) at once, numbered in their order."""

    def latest_snapshot(self, person_id: str) -> dict[str, Any] | None:
        """The person's facts after the last change heard, None when none was."""

    def latest_snapshots(self, person_ids: list[str]) -> dict[str, dict[str, Any]]:
        """`latest_snapshot` of each person at once, those of whom none was heard left out."""

    def candidates(self, cutoff: str) -> list[dict[str, Any]]:
        """Records received before `cutoff` that are pending or in error, oldest first (seq, person_id, snapshot)."""

    def was_sent(self, person_id: str, period_id: str, before_seq: int) -> bool: ...

    def get_run(self, business_date: str) -> dict[str, Any] | None: ...

    def latest_run(self) -> dict[str, Any] | None: ...

    def run_rows(self, business_date: str) -> list[dict[str, Any]]:
        """The records a run sent, by serial: seq, serial, snapshot."""

    def save_run(
        self,
        run: dict[str, Any],
        outcomes: list[tuple[int, str, int]],
        errors: list[dict[str, Any]],
        fixed_persons: list[str],
    ) -> None:
        """Record a first run: (seq, sent|error|superseded, serial) per record and the error list; a rejected record
        of a person in `fixed_persons` (whose latest change is sent now) is superseded by it."""

    def save_files(self, business_date: str, files: list[dict[str, Any]], warnings: list[dict[str, Any]]) -> None:
        """The files a run wrote and the warnings (W01) of its degraded characters, replacing those of a re-run."""

    def list_files(self, *, page: Page) -> tuple[list[dict[str, Any]], str]: ...

    def list_report(self, kind: str, *, page: Page) -> tuple[list[dict[str, Any]], str]:
        """A page of the rows of a list svc-interchange fills; a row of a list of persons carries the ids of the
        persons it names under LISTED_PERSONS (not a cell: the service takes it off)."""

    def imported(self, file_name: str, sha256: str) -> bool: ...

    def sent_record(self, person_id: str, change_id: str) -> dict[str, Any] | None:
        """The sent record of this change and person (seq, period_id), None when none was sent."""

    def save_import(self, row: dict[str, Any], results: list[dict[str, Any]]) -> None:
        """The import list row of a returned file and the reflection of each returned record; an accepted record
        with a prefecture acquisition date waits to be written back (pending_write_backs)."""

    def pending_write_backs(self) -> list[dict[str, Any]]:
        """Registration results whose prefecture acquisition date is not written back yet: seq, person_id,
        period_id, change_id, pref_acquired_on."""

    def record_write_back(self, seq: int, state: str, note: str | None) -> None:
        """How writing back went: recorded | unchanged | refused (with why), or pending again (with why)."""

    def add_job(self, job: dict[str, Any]) -> None: ...

    def update_job(self, job_id: str, **values: Any) -> None: ...

    def fail_abandoned_jobs(self, silent_since: dt.datetime, error: str) -> list[str]:
        """End failed the jobs queued or running with no heartbeat since `silent_since`; their ids."""

    def get_job(self, job_id: str) -> dict[str, Any] | None: ...

    def replayed_job(self, operator_id: str, key: str, request: bytes) -> str | None:
        """The job the operator's key queued; IdempotencyReuse when the key came with another request."""

    def remember_job(self, operator_id: str, key: str, request: bytes, job_id: str) -> None: ...

    def list_jobs(self, kinds: Sequence[str], states: Sequence[str], page: Page) -> tuple[list[dict[str, Any]], bool]:
        """A page of the jobs of `kinds` (in `states` when any), newest first; and whether more follow."""

    def add_subcopy_query(self, query: dict[str, Any]) -> None: ...

    def list_transfers(self, *, page: Page) -> tuple[list[dict[str, Any]], str]: ...

    # --- sub-copies with the intermediate server (service_layer/subcopy.py) ---

    def subcopy_candidates(self) -> tuple[list[dict[str, Any]], int]:
        """The latest change (seq, person_id, snapshot) of every person changed since the last transfer, by seq,
        and the highest seq among them."""

    def subcopy_retries(self, max_attempts: int) -> list[dict[str, Any]]:
        """The persons whose latest sub-copy record the intermediate server rejected on an attempt before
        `max_attempts`: seq (of the pending record it carried), person_id, snapshot, attempt; by record."""

    def next_transfer_sequence(self) -> int: ...

    def save_transfer(self, transfer: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        """A transfer and the record of each person it carries (or could not carry)."""

    def transfer_by_file(self, file_name: str) -> dict[str, Any] | None: ...

    def record_transfer_result(
        self, transfer_id: str, results: list[dict[str, Any]], note: str | None, *, max_attempts: int
    ) -> None:
        """The intermediate server's result per record (original_serial, status, code); note refuses the file;
        the records rejected on attempt `max_attempts` are counted as no longer re-sent."""

    def received(self, file_name: str, sha256: str) -> bool: ...

    def save_receipt(self, row: dict[str, Any]) -> None: ...

    def queries_in_state(self, state: str) -> list[dict[str, Any]]: ...

    def get_query(self, query_id: str) -> dict[str, Any] | None: ...

    def update_query(self, query_id: str, **values: Any) -> None: ...

    def list_queries(self, *, person_id: str, page: Page) -> tuple[list[dict[str, Any]], str]: ...

    def next_query_file_sequence(self) -> int: ...

    def add_manual_request(self, request: dict[str, Any]) -> bool:
        """Queue a request for a manual answer; False when it was queued before."""

    def get_manual_request(self, request_id: str) -> dict[str, Any] | None: ...

    def update_manual_request(self, request_id: str, **values: Any) -> None: ...

    def list_manual_requests(self, *, state: str, page: Page) -> tuple[list[dict[str, Any]], str]: ...

    def audit(self, *, operator_id: str, action: str, target_kind: str, target_id: str, detail: str = "") -> None:
        """One row of svc-interchange's audit chain, written with the transaction (the purpose is the call's)."""

    def list_pending(self, *, person_id: str, page: Page) -> tuple[list[dict[str, Any]], str, int]:
        """One page of pending records in arrival order, the cursor of the next page ('' at the end), and the total."""


class Store(Protocol):
    def transaction(self) -> AbstractContextManager[PendingRecords]:
        """Everything done with the records it yields commits together, or not at all."""


class PersonNumbers(Protocol):
    def my_number(self, person_id: str) -> str:
        """The person's My Number, "" when none is registered."""


@dataclasses.dataclass(frozen=True)
class PersonFacts:
    person_id: str
    household_id: str
    my_number: str  # "" when none is registered
    dv_support: bool


class PersonDirectory(Protocol):
    def person(self, person_id: str) -> PersonFacts | None:
        """The person as svc-qualification holds them now; None when unknown."""

    def hidden_persons(self, caller: Any, person_ids: list[str], listing: str) -> set[str]:
        """Rule DV: which of a list's persons its caller (`caller`, the request's context as it came) may not see
        listed, as svc-qualification says (who is under a DV support measure on the caller's business date; it
        audits a listing under dv:read)."""


class PrefectureAcquisitions(Protocol):
    """svc-qualification's register for ACQ-MOVE-IN-PREF (2.6.7)."""

    def record_prefecture_acquisition(
        self, *, person_id: str, period_id: str, prefecture_acquired_on: str, source_change_id: str
    ) -> str:
        """Write the returned date into the period: recorded | unchanged; WriteBackRefused when the register
        refuses it; any other exception is transient (the write-back is tried again at the next import)."""


class WriteBackRefused(Exception):
    """svc-qualification refused the prefecture acquisition date (the message says why)."""


class BurdenDecisions(Protocol):
    """svc-qualification's burden-ratio determination (5.6) for BURDEN-PENDING."""

    def income_year(self, household_id: str) -> int:
        """BURDEN-YEAR: the year whose income decides the household today (a dry run decides it)."""

    def redetermine(self, household_id: str, income: dict[str, Any], *, key: str) -> dict[str, Any]:
        """Record the income and re-decide the household once per `key`: determination_id, ratio_percent, pending."""


class AddressTables(Protocol):
    """The municipality's 住所/行政区変換 table (docs/interchange/address-table.md)."""

    def load(self) -> AddressTable:
        """The table as configured now; TableError when it is malformed."""


class FileDrop(Protocol):
    """The outbox directory the aggregation system picks files up from, and the inbox of what it returns."""

    def deliver(self, name: str, chunks: Iterable[bytes]) -> tuple[int, str]:
        """Write the file under a temporary name, fsync, rename; its size in bytes and SHA-256."""

    def returned(self) -> Iterator[InboundFile]:
        """The returned files waiting in the inbox, by name."""

    def incoming(self, prefixes: tuple[str, ...]) -> Iterator[InboundFile]:
        """The `.dat` files in the inbox whose name starts with one of `prefixes`, by name, each read when reached
        (content None when larger than inbound.MAX_BYTES)."""
