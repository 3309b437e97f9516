"""Documents jobs, their chunks and items, and the print queue: the SQL behind service_layer.job_ports."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from nhi_common import db, paging, plumbing, telemetry
from nhi_common.events import Event
from nhi_common.plumbing import utcnow

from ..service_layer.ports import ConcurrentWrite
from .blobs import FileBlobStore
from .store import EVENT_SOURCE, documents, metadata, next_certificate_sequence

jobs = metadata.tables["document_jobs"]
chunks = metadata.tables["document_job_chunks"]
items = metadata.tables["document_job_items"]
queue = metadata.tables["print_queue"]
sequences = metadata.tables["certificate_sequences"]
print_tasks = metadata.tables["document_job_print_files"]


def _printed() -> sa.Select:
    """A job's items with their document's blob range: what the print files are made of."""
    return sa.select(
        items.c.person_id,
        items.c.household_id,
        items.c.postal_code,
        items.c.kind,
        items.c.document_id,
        items.c.sheets,
        documents.c.blob_path,
        documents.c.blob_offset,
        documents.c.size,
    ).join(documents, documents.c.id == items.c.document_id)


START_JOB = "StartDocumentsJob"


def _aware(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).isoformat()


def job_dict(row) -> dict[str, Any]:
    return {
        "job_id": row.job_id,
        "kind": row.kind,
        "state": row.state,
        "total": int(row.total),
        "done": int(row.done),
        "failed": int(row.failed),
        "chunks": int(row.chunks),
        "business_date": row.business_date.isoformat(),
        "created_at": _aware(row.created_at),
        "finished_at": _aware(row.finished_at),
        "parameters": json.loads(row.parameters or "{}"),
        "error": row.error or "",
        "operator_id": row.operator_id,
        "manifest": json.loads(row.manifest) if row.manifest else None,
    }


def due_dict(row) -> dict[str, Any]:
    return {
        "item_id": row.id,
        "person_id": row.person_id,
        "household_id": row.household_id,
        "kind": row.kind,
        "reason": row.reason,
        "rule_ids": [r for r in row.rule_ids.split(",") if r],
        "due_on": row.due_on.isoformat(),
        "created_at": _aware(row.created_at),
        "printed": row.printed_at is not None,
        "printed_at": _aware(row.printed_at),
        "printed_by": row.printed_by,
        "document_id": row.document_id,
    }


class SqlJobRecords:
    def __init__(self, conn: sa.Connection, plumbing_: plumbing.Plumbing) -> None:
        self.conn = conn
        self.plumbing = plumbing_

    # ----- idempotency of StartJob -----

    def replayed_job(self, operator_id: str, key: str, request: bytes) -> str | None:
        return self.plumbing.recall_job(
            self.conn, operator_id=operator_id, key=key, operation=START_JOB, request=request
        )

    def remember_job(self, operator_id: str, key: str, request: bytes, job_id: str) -> None:
        self.plumbing.remember_job(
            self.conn, operator_id=operator_id, key=key, operation=START_JOB, request=request, job_id=job_id
        )

    # ----- jobs and chunks -----

    def add_job(
        self, *, job_id: str, kind: str, parameters: dict[str, str], business_date: dt.date, operator_id: str
    ) -> None:
        self.conn.execute(
            sa.insert(jobs).values(
                job_id=job_id,
                kind=kind,
                state="queued",
                parameters=json.dumps(parameters),
                business_date=business_date,
                operator_id=operator_id,
                created_at=utcnow(),
            )
        )

    def get_job(self, job_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(sa.select(jobs).where(jobs.c.job_id == job_id)).first()
        return job_dict(row) if row is not None else None

    def list_jobs(
        self, kinds: Sequence[str], states: Sequence[str], page: paging.Page
    ) -> tuple[list[dict[str, Any]], bool]:
        rows, more = db.jobs_page(self.conn, jobs, kinds=kinds, states=states, page=page)
        return [job_dict(row) for row in rows], more

    def stalled_jobs(self, idle_since: dt.datetime) -> list[tuple[str, str]]:
        found = db.stalled_jobs(
            self.conn, jobs, chunks, states=("queued", "running", "assembling"), idle_since=idle_since
        )
        return [(job_id, state) for job_id, _kind, state in found]

    def stored_chunks(self, job_id: str) -> tuple[int, str | None]:
        last = self.conn.execute(
            sa.select(chunks.c.chunk_no, chunks.c.person_ids)
            .where(chunks.c.job_id == job_id)
            .order_by(chunks.c.chunk_no.desc())
            .limit(1)
        ).first()
        if last is None:
            return 0, None
        return last.chunk_no + 1, json.loads(last.person_ids)[-1][0]

    def add_chunk(self, job_id: str, chunk_no: int, persons: list[list[str]]) -> None:
        self.conn.execute(sa.insert(chunks).values(job_id=job_id, chunk_no=chunk_no, person_ids=json.dumps(persons)))
        self.conn.execute(
            sa.update(jobs)
            .where(jobs.c.job_id == job_id)
            .values(
                total=jobs.c.total + len(persons),
                state=sa.case((jobs.c.state == "queued", "running"), else_=jobs.c.state),
            )
        )

    def planned(self, job_id: str, chunks: int) -> bool:
        self.conn.execute(sa.update(jobs).where(jobs.c.job_id == job_id).values(chunks=chunks))
        return chunks > 0 and self._close_if_complete(job_id)

    def _close_if_complete(self, job_id: str) -> bool:
        """The job goes assembling once its plan is complete (its chunk count set) and every chunk is closed; both
        the last chunk's close and the plan's end ask, under the job row's lock, so exactly one of them sees it."""
        row = self.conn.execute(sa.select(jobs.c.chunks, jobs.c.chunks_done).where(jobs.c.job_id == job_id)).first()
        if row.chunks == 0 or row.chunks_done < row.chunks:
            return False
        self.conn.execute(sa.update(jobs).where(jobs.c.job_id == job_id).values(state="assembling"))
        return True

    def chunks_to_do(self, job_id: str) -> list[int]:
        return list(
            self.conn.execute(
                sa.select(chunks.c.chunk_no)
                .where(chunks.c.job_id == job_id, chunks.c.state.in_(("queued", "running")))
                .order_by(chunks.c.chunk_no)
            ).scalars()
        )

    def claim_chunk(self, job_id: str, chunk_no: int) -> list[list[str]] | None:
        result = self.conn.execute(
            sa.update(chunks)
            .where(chunks.c.job_id == job_id, chunks.c.chunk_no == chunk_no, chunks.c.state.in_(("queued", "running")))
            .values(state="running")
        )
        if result.rowcount != 1:
            return None
        row = self.conn.execute(
            sa.select(chunks.c.person_ids).where(chunks.c.job_id == job_id, chunks.c.chunk_no == chunk_no)
        ).first()
        return json.loads(row.person_ids)

    def chunk_claimed_before(self, job_id: str, chunk_no: int) -> bool:
        state = self.conn.execute(
            sa.select(chunks.c.state).where(chunks.c.job_id == job_id, chunks.c.chunk_no == chunk_no)
        ).scalar()
        return state == "running"

    def issued_before(self, job_id: str, person_ids: list[str]) -> dict[tuple[str, str], tuple[str, int | None]]:
        earlier_jobs = (
            sa.select(jobs.c.job_id)
            .where(jobs.c.job_id != job_id)
            .where(
                sa.tuple_(jobs.c.kind, jobs.c.parameters).in_(
                    sa.select(jobs.c.kind, jobs.c.parameters).where(jobs.c.job_id == job_id)
                )
            )
        )
        earlier = list(self.conn.execute(earlier_jobs).scalars())
        found: dict[tuple[str, str], tuple[str, int | None]] = {}
        if not earlier:
            return found
        for part in db.id_slices(self.conn, person_ids, 500):
            rows = self.conn.execute(
                sa.select(items.c.person_id, items.c.kind, items.c.document_id, items.c.sheets).where(
                    items.c.job_id.in_(earlier),
                    db.one_of(self.conn, items.c.person_id, part),
                    items.c.outcome == "issued",
                    items.c.document_id.is_not(None),
                )
            )
            for row in rows:
                found.setdefault((row.person_id, row.kind), (row.document_id, row.sheets))
        return found

    def items_done(self, job_id: str, person_ids: list[str]) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        for start in range(0, len(person_ids), 500):
            part = person_ids[start : start + 500]
            found.update(
                (r.person_id, r.kind)
                for r in self.conn.execute(
                    sa.select(items.c.person_id, items.c.kind).where(
                        items.c.job_id == job_id, items.c.person_id.in_(part)
                    )
                )
            )
        return found

    def add_items(self, rows: list[dict[str, Any]]) -> None:
        db.insert_rows(self.conn, items, rows)

    def finish_chunk(self, job_id: str, chunk_no: int, *, done: int, failed: int, error: str = "") -> bool:
        self.conn.execute(
            sa.update(chunks)
            .where(chunks.c.job_id == job_id, chunks.c.chunk_no == chunk_no)
            .values(state="failed" if error else "done", done=done, failed=failed, finished_at=utcnow())
        )
        values: dict[str, Any] = {
            "done": jobs.c.done + done,
            "failed": jobs.c.failed + failed,
            "chunks_done": jobs.c.chunks_done + 1,
        }
        if error:
            values["error"] = error[:2000]
        self.conn.execute(sa.update(jobs).where(jobs.c.job_id == job_id).values(**values))
        return self._close_if_complete(job_id)

    def print_run(self, job_id: str) -> list[dict[str, Any]]:
        query = (
            _printed()
            .where(items.c.job_id == job_id, items.c.outcome == "issued")
            .order_by(items.c.postal_code, items.c.household_id, items.c.person_id, items.c.kind)
        )
        return [dict(r._mapping) for r in self.conn.execute(query)]

    def plan_print(self, job_id: str, files: list[list[str]]) -> list[int] | None:
        """Record the job's print files (each its document ids in print order) unless another worker did: the file
        numbers still to write, or None when the files were recorded already (ask `print_files_to_do`)."""
        self._lock_job(job_id)
        if self.conn.execute(sa.select(print_tasks.c.file_no).where(print_tasks.c.job_id == job_id).limit(1)).first():
            return None
        if files:
            self.conn.execute(
                sa.insert(print_tasks),
                [{"job_id": job_id, "file_no": n, "document_ids": json.dumps(ids)} for n, ids in enumerate(files)],
            )
        return list(range(len(files)))

    def print_files_to_do(self, job_id: str) -> list[int] | None:
        """The numbers of the job's print files not written yet; None when they were never recorded."""
        rows = self.conn.execute(
            sa.select(print_tasks.c.file_no, print_tasks.c.meta.is_(None).label("to_do"))
            .where(print_tasks.c.job_id == job_id)
            .order_by(print_tasks.c.file_no)
        ).all()
        return [r.file_no for r in rows if r.to_do] if rows else None

    def print_file_items(self, job_id: str, file_no: int) -> list[dict[str, Any]] | None:
        """The documents of one print file in print order with their blob ranges and items; None once written."""
        row = self.conn.execute(
            sa.select(print_tasks.c.document_ids, print_tasks.c.meta).where(
                print_tasks.c.job_id == job_id, print_tasks.c.file_no == file_no
            )
        ).first()
        if row is None or row.meta is not None:
            return None
        ids = json.loads(row.document_ids)
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), 500):
            query = _printed().where(items.c.job_id == job_id, items.c.document_id.in_(ids[start : start + 500]))
            found.update((r.document_id, dict(r._mapping)) for r in self.conn.execute(query))
        return [found[i] for i in ids]

    def finish_print_file(self, job_id: str, file_no: int, meta: dict[str, Any]) -> bool:
        """Record a written print file (a second delivery records nothing); True when this was the job's last file
        to write. The job's row is locked first, so of two workers finishing the last two files one sees the other's."""
        self._lock_job(job_id)
        self.conn.execute(
            sa.update(print_tasks)
            .where(print_tasks.c.job_id == job_id, print_tasks.c.file_no == file_no, print_tasks.c.meta.is_(None))
            .values(meta=json.dumps(meta, ensure_ascii=False, sort_keys=True))
        )
        return self.print_files_to_do(job_id) == []

    def print_file_metas(self, job_id: str) -> list[dict[str, Any]]:
        """What was written of each print file of the job, by file number."""
        rows = self.conn.execute(
            sa.select(print_tasks.c.meta).where(print_tasks.c.job_id == job_id).order_by(print_tasks.c.file_no)
        ).scalars()
        return [json.loads(meta) for meta in rows if meta is not None]

    def _lock_job(self, job_id: str) -> None:
        """Hold the job's row until the transaction ends (an UPDATE that changes nothing: PostgreSQL and SQLite)."""
        self.conn.execute(sa.update(jobs).where(jobs.c.job_id == job_id).values(state=jobs.c.state))

    def substituted(self, job_id: str) -> list[dict[str, Any]]:
        query = (
            sa.select(documents.c.id, documents.c.person_id, documents.c.kind, documents.c.reasons)
            .where(documents.c.job_id == job_id, documents.c.reasons.like('%"substituted_fields"%'))
            .order_by(documents.c.person_id, documents.c.kind)
        )
        found = []
        for row in self.conn.execute(query):
            for reason in json.loads(row.reasons):
                if "substituted_fields" in reason.get("facts", {}):
                    found.append(
                        {"document_id": row.id, "person_id": row.person_id, "kind": row.kind, **reason["facts"]}
                    )
        return found

    def outcomes(self, job_id: str) -> dict[str, int]:
        query = sa.select(items.c.outcome, sa.func.count()).where(items.c.job_id == job_id).group_by(items.c.outcome)
        return {outcome: int(count) for outcome, count in self.conn.execute(query)}

    def set_manifest(self, job_id: str, manifest: dict[str, Any], *, state: str) -> None:
        self.conn.execute(
            sa.update(jobs)
            .where(jobs.c.job_id == job_id)
            .values(manifest=json.dumps(manifest, ensure_ascii=False), state=state, finished_at=utcnow())
        )

    def fail_job(self, job_id: str, error: str) -> None:
        self.conn.execute(
            sa.update(jobs)
            .where(jobs.c.job_id == job_id)
            .values(state="failed", error=error[:2000], finished_at=utcnow())
        )

    def reserve_numbers(self, key: str, count: int) -> int:
        """The first of `count` numbers taken at once (an UPDATE that locks the row for this short transaction)."""
        last = next_certificate_sequence(self.conn, key)
        if count > 1:
            self.conn.execute(
                sa.update(sequences)
                .where(sequences.c.sequence_key == key)
                .values(last_value=sequences.c.last_value + (count - 1))
            )
        return last

    def add_documents(self, rows: list[dict[str, Any]]) -> None:
        """A chunk's documents: one COPY on PostgreSQL (an executemany's parameters cost the worker more CPU to
        build than the rows take to store)."""
        db.insert_rows(self.conn, documents, rows)

    def add_events(self, events: list[dict[str, Any]]) -> None:
        """The chunk's events into the outbox in one statement (plumbing.add_event's rows, a chunk at a time)."""
        if not events:
            return
        traceparent, now = telemetry.current_traceparent(), utcnow()
        rows = []
        for event in events:
            made = Event.new(
                source=self.plumbing.source, type=event["type"], subject=event["subject"], data=event["data"]
            )
            rows.append(
                {
                    "event_id": made.id,
                    "nats_subject": event["nats_subject"],
                    "ce_type": made.type,
                    "ce_source": made.source,
                    "ce_subject": made.subject,
                    "ce_time": made.time,
                    "data": made.body().decode(),
                    "traceparent": traceparent,
                    "created_at": now,
                }
            )
        db.insert_rows(self.conn, self.plumbing.outbox, rows)

    # ----- print queue -----

    def claim_event(self, event_id: str, consumer: str) -> bool:
        return self.plumbing.claim_inbox(self.conn, event_id=event_id, consumer=consumer)

    def add_due(self, rows: list[dict[str, Any]]) -> int:
        added = 0
        now = utcnow()
        for row in rows:
            seen = self.conn.execute(
                sa.select(queue.c.id).where(
                    queue.c.source_event_id == row["source_event_id"],
                    queue.c.person_id == row["person_id"],
                    queue.c.kind == row["kind"],
                )
            ).first()
            if seen is None:
                self.conn.execute(
                    sa.insert(queue).values(
                        id=str(uuid.uuid4()), created_at=now, **{**row, "rule_ids": ",".join(row["rule_ids"])}
                    )
                )
                added += 1
        return added

    def list_due(
        self, *, printed: bool | None, person_id: str, kind: str, page: paging.Page
    ) -> tuple[list[dict[str, Any]], str]:
        query = sa.select(queue)
        if printed is not None:
            query = query.where(queue.c.printed_at.is_not(None) if printed else queue.c.printed_at.is_(None))
        if person_id:
            query = query.where(queue.c.person_id == person_id)
        if kind:
            query = query.where(queue.c.kind == kind)
        rows, cursor = paging.keyset(self.conn, query, queue.c.seq, page)
        return [due_dict(r) for r in rows], cursor

    def get_due(self, item_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(sa.select(queue).where(queue.c.id == item_id)).first()
        return due_dict(row) if row is not None else None

    def mark_printed(self, item_id: str, *, operator_id: str, document_id: str, at: dt.datetime) -> dict | None:
        self.conn.execute(
            sa.update(queue)
            .where(queue.c.id == item_id, queue.c.printed_at.is_(None))
            .values(printed_at=at, printed_by=operator_id, document_id=document_id or None)
        )
        return self.get_due(item_id)

    def audit(self, **entry) -> None:
        self.plumbing.audit(self.conn, **entry)


class SqlJobStore:
    """JobStore over an engine and the blob directory."""

    def __init__(self, engine: sa.Engine, blobs: FileBlobStore) -> None:
        self.engine = engine
        self.blobs = blobs
        self.plumbing = plumbing.Plumbing(metadata, EVENT_SOURCE)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[SqlJobRecords]:
        try:
            with self.engine.begin() as conn:
                yield SqlJobRecords(conn, self.plumbing)
        except sa.exc.IntegrityError as exc:
            raise ConcurrentWrite(str(exc.orig)) from exc

    def read_blob(self, relative: str, offset: int | None = None, size: int | None = None) -> bytes:
        return self.blobs.get(relative, offset, size)

    def put_blobs(self, contents: list[bytes]) -> tuple[str, list[int]]:
        return self.blobs.put_many(str(uuid.uuid4()), contents)

    def put_blob(self, document_id: str, media_type: str, content: bytes) -> str:
        return self.blobs.put(document_id, media_type, content)
