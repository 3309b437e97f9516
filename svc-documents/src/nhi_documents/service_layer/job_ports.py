"""What documents jobs and the print queue need from the outside: their records, the work queue, print files."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from nhi_common.events import Event
from nhi_common.paging import Page


@dataclasses.dataclass(frozen=True)
class InsuredPerson:
    """A person insured on a day, as svc-qualification lists them for a batch (ListInsuredPersons)."""

    person_id: str
    household_id: str
    birth_date: dt.date
    postal_code: str = ""  # empty under a DV support measure


class InsuredList(Protocol):
    def list_insured(
        self,
        *,
        as_of: dt.date,
        after: str,
        operator_id: str,
        business_date: dt.date,
        births: tuple[dt.date | None, dt.date | None] = (None, None),
    ) -> tuple[list[InsuredPerson], str]:
        """One page of the persons insured on `as_of` after person id `after`, and the id to go on after ('' at
        the end)."""


# Publishes job messages, (subject, event) pairs, to the work queue.
Dispatcher = Callable[[list[tuple[str, Event]]], None]


class JobRecords(Protocol):
    """Jobs, chunks, per-person items and the print queue, inside one transaction."""

    def replayed_job(self, operator_id: str, key: str, request: bytes) -> str | None:
        """The job the operator's key queued; IdempotencyReuse when the key came with another request."""

    def remember_job(self, operator_id: str, key: str, request: bytes, job_id: str) -> None: ...

    def outcomes(self, job_id: str) -> dict[str, int]: ...

    def add_job(
        self, *, job_id: str, kind: str, parameters: dict[str, str], business_date: dt.date, operator_id: str
    ) -> None: ...

    def get_job(self, job_id: str) -> dict[str, Any] | None: ...

    def list_jobs(self, kinds: Sequence[str], states: Sequence[str], page: Page) -> tuple[list[dict[str, Any]], bool]:
        """A page of the jobs of `kinds` (in `states` when any), newest first; and whether more follow."""

    def stalled_jobs(self, idle_since: dt.datetime) -> list[tuple[str, str]]:
        """(job id, state) of the jobs not ended, created before `idle_since`, that have closed no chunk since."""

    def stored_chunks(self, job_id: str) -> tuple[int, str | None]:
        """How many chunks of the job are stored, and the last person id of the last one (None when none is)."""

    def add_chunk(self, job_id: str, chunk_no: int, persons: list[list[str]]) -> None:
        """Store one chunk of the plan and count its persons into the job's total (the job is running from its
        first chunk); a chunk number stored already fails the transaction."""

    def planned(self, job_id: str, chunks: int) -> bool:
        """The plan is complete with this many chunks: True when every one of them is closed already."""

    def chunks_to_do(self, job_id: str) -> list[int]: ...

    def claim_chunk(self, job_id: str, chunk_no: int) -> list[list[str]] | None:
        """The chunk's [person id, household id, postal code] rows, or None when it is done (a redelivery)."""

    def chunk_claimed_before(self, job_id: str, chunk_no: int) -> bool:
        """Whether the chunk was claimed already and not finished (a delivery again)."""

    def items_done(self, job_id: str, person_ids: list[str]) -> set[tuple[str, str]]: ...

    def issued_before(self, job_id: str, person_ids: list[str]) -> dict[tuple[str, str], tuple[str, int | None]]:
        """The documents earlier jobs of the same kind and parameters (the same renewal date, the same month) issued
        to these persons: (person, document kind) -> (document id, sheets)."""

    def add_items(self, rows: list[dict[str, Any]]) -> None:
        """Per (job, person, kind) once: a second row for the same key fails the transaction."""

    def finish_chunk(self, job_id: str, chunk_no: int, *, done: int, failed: int, error: str = "") -> bool:
        """Close the chunk and count it on the job; True when the plan is complete and every chunk of the job is
        closed."""

    def print_run(self, job_id: str) -> list[dict[str, Any]]:
        """The job's issued items with their document's blob, by postal code, household, person."""

    def plan_print(self, job_id: str, files: list[list[str]]) -> list[int] | None:
        """Record the job's print files (document ids in print order) unless they were: the numbers to write, or
        None when another worker recorded them first."""

    def print_files_to_do(self, job_id: str) -> list[int] | None:
        """The job's print files not written yet; None when never recorded."""

    def print_file_items(self, job_id: str, file_no: int) -> list[dict[str, Any]] | None:
        """One print file's items with their blob ranges, in print order; None once written."""

    def finish_print_file(self, job_id: str, file_no: int, meta: dict[str, Any]) -> bool:
        """Record a written file; True when no file of the job is left to write."""

    def print_file_metas(self, job_id: str) -> list[dict[str, Any]]: ...

    def substituted(self, job_id: str) -> list[dict[str, Any]]:
        """The job's documents that printed an IVS as its base character: document id, person, kind and the
        reason's facts (`substituted`, `substituted_fields`), by person and kind."""

    def set_manifest(self, job_id: str, manifest: dict[str, Any], *, state: str) -> None: ...

    def fail_job(self, job_id: str, error: str) -> None: ...

    def reserve_numbers(self, key: str, count: int) -> int:
        """Take `count` numbers of sequence `key`; returns the first."""

    def add_documents(self, rows: list[dict[str, Any]]) -> None: ...

    def add_events(self, events: list[dict[str, Any]]) -> None: ...

    def claim_event(self, event_id: str, consumer: str) -> bool: ...

    def add_due(self, rows: list[dict[str, Any]]) -> int:
        """Print-queue items; an item already queued from the same event for the same person and kind is skipped."""

    def list_due(self, *, printed: bool | None, person_id: str, kind: str, page: Page) -> tuple[list[dict], str]: ...

    def mark_printed(self, item_id: str, *, operator_id: str, document_id: str, at: dt.datetime) -> dict | None: ...

    def get_due(self, item_id: str) -> dict[str, Any] | None: ...


class JobStore(Protocol):
    def transaction(self) -> AbstractContextManager[JobRecords]: ...

    def read_blob(self, relative: str, offset: int | None = None, size: int | None = None) -> bytes: ...

    def put_blob(self, document_id: str, media_type: str, content: bytes) -> str: ...

    def put_blobs(self, contents: list[bytes]) -> tuple[str, list[int]]:
        """A chunk's documents in one blob file: its path and each document's offset in it."""


class PrintFiles(Protocol):
    """Merged print files and their manifest, written atomically into the job's directory."""

    def write(self, job_id: str, files: Iterable[list[bytes]], manifest: dict[str, Any]) -> list[dict[str, Any]]:
        """Write each group of PDFs as one merged file, taking the groups one at a time (only one group's documents
        need be in memory); returns per file its name, sheets and sha256."""

    def write_one(self, job_id: str, number: int, documents: list[bytes]) -> dict[str, Any]:
        """Write the job's print file `number` (from 1) of these PDFs; its name, sheets, documents, bytes, sha256."""

    def write_manifest(self, job_id: str, manifest: dict[str, Any]) -> None: ...

    def sheets(self, content: bytes) -> int:
        """How many pages one document prints on."""
