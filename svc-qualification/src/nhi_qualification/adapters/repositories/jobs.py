"""Jobs, their chunks (key ranges) and their per-person results."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from nhi_common import db, paging
from nhi_common.plumbing import utcnow

from .. import bulk
from ..tables import job_chunks, job_results, jobs


class JobRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def add(self, *, kind: str, parameters: dict[str, str], business_date: dt.date, operator_id: str) -> str:
        job_id = str(uuid.uuid4())
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
        return job_id

    def get(self, job_id: str):
        return self.conn.execute(sa.select(jobs).where(jobs.c.job_id == job_id)).first()

    def page(self, kinds: Sequence[str], states: Sequence[str], page: paging.Page) -> tuple[list[Any], bool]:
        """A page of the jobs of `kinds` (in `states` when any), newest first; and whether more follow."""
        return db.jobs_page(self.conn, jobs, kinds=kinds, states=states, page=page)

    def queued_unplanned(self, created_before: dt.datetime) -> list[tuple[str, str]]:
        """(job_id, kind) of the jobs still queued with no chunk, created before the given time: a plan that was
        never published (the process died, or NATS was down, before it went out)."""
        planned = sa.select(job_chunks.c.job_id).where(job_chunks.c.job_id == jobs.c.job_id).exists()
        return [
            (row.job_id, row.kind)
            for row in self.conn.execute(
                sa.select(jobs.c.job_id, jobs.c.kind)
                .where(jobs.c.state == "queued", jobs.c.created_at < created_before, ~planned)
                .order_by(jobs.c.created_at)
            )
        ]

    def stalled(self, idle_since: dt.datetime) -> list[tuple[str, str]]:
        """(job_id, kind) of the jobs not ended that were created before `idle_since` and have closed no chunk since:
        a job showing no progress (slow, or its messages lost; the caller asks the work queue which)."""
        found = db.stalled_jobs(self.conn, jobs, job_chunks, states=("queued", "running"), idle_since=idle_since)
        return [(job_id, kind) for job_id, kind, _state in found]

    def chunks(self, job_id: str) -> list:
        return self.conn.execute(
            sa.select(job_chunks.c.chunk_no, job_chunks.c.first_key, job_chunks.c.last_key, job_chunks.c.state)
            .where(job_chunks.c.job_id == job_id)
            .order_by(job_chunks.c.chunk_no)
        ).all()

    def add_chunk(self, job_id: str, chunk_no: int, first_key: str, last_key: str, keys: int) -> None:
        """Store one chunk of a plan being cut, its keys counted into the job's total."""
        self.conn.execute(
            sa.insert(job_chunks).values(job_id=job_id, chunk_no=chunk_no, first_key=first_key, last_key=last_key)
        )
        self.conn.execute(sa.update(jobs).where(jobs.c.job_id == job_id).values(total=jobs.c.total + keys))

    def planned(self, job_id: str) -> None:
        """The plan is cut: the job's chunk count, until now 0, becomes the number of its chunks."""
        count = (
            sa.select(sa.func.count()).select_from(job_chunks).where(job_chunks.c.job_id == job_id).scalar_subquery()
        )
        self.conn.execute(sa.update(jobs).where(jobs.c.job_id == job_id).values(chunks=count))

    def claim(self, job_id: str, chunk_no: int):
        """Lock the chunk for this transaction; None when it is done already (a redelivery)."""
        result = self.conn.execute(
            sa.update(job_chunks)
            .where(
                job_chunks.c.job_id == job_id,
                job_chunks.c.chunk_no == chunk_no,
                job_chunks.c.state.in_(("queued", "running")),
            )
            .values(state="running")
        )
        if result.rowcount != 1:
            return None
        return self.conn.execute(
            sa.select(job_chunks).where(job_chunks.c.job_id == job_id, job_chunks.c.chunk_no == chunk_no)
        ).first()

    def mark_running(self, job_id: str) -> None:
        self.conn.execute(
            sa.update(jobs).where(jobs.c.job_id == job_id, jobs.c.state == "queued").values(state="running")
        )

    def finish(
        self, job_id: str, chunk_no: int, *, done: int, failed: int, state: str = "done", error: str = ""
    ) -> bool:
        """Close the chunk and add its counts to the job (last statement of the chunk's transaction); True when
        the job ended."""
        self.conn.execute(
            sa.update(job_chunks)
            .where(job_chunks.c.job_id == job_id, job_chunks.c.chunk_no == chunk_no)
            .values(state=state, done=done, failed=failed, finished_at=utcnow())
        )
        values: dict[str, Any] = {
            "done": jobs.c.done + done,
            "failed": jobs.c.failed + failed,
            "chunks_done": jobs.c.chunks_done + 1,
        }
        if error:
            values["error"] = error[:2000]
        self.conn.execute(sa.update(jobs).where(jobs.c.job_id == job_id).values(**values))
        return self.close_if_complete(job_id)

    def close_if_complete(self, job_id: str) -> bool:
        row = self.conn.execute(
            sa.select(jobs.c.chunks, jobs.c.chunks_done, jobs.c.state).where(jobs.c.job_id == job_id)
        ).first()
        if row is None or row.chunks_done < row.chunks or row.state in ("succeeded", "failed"):
            return False
        if row.chunks == 0 and row.chunks_done > 0:
            return False  # chunks done while the plan is still being cut (its count is set when it is)
        failed_chunks = self.conn.execute(
            sa.select(sa.func.count())
            .select_from(job_chunks)
            .where(job_chunks.c.job_id == job_id, job_chunks.c.state == "failed")
        ).scalar()
        self.conn.execute(
            sa.update(jobs)
            .where(jobs.c.job_id == job_id)
            .values(state="failed" if failed_chunks else "succeeded", finished_at=utcnow())
        )
        return True

    def fail(self, job_id: str, error: str) -> None:
        self.conn.execute(
            sa.update(jobs)
            .where(jobs.c.job_id == job_id)
            .values(state="failed", error=error[:2000], finished_at=utcnow())
        )

    def results_seen(self, job_id: str, person_ids: Iterable[str]) -> set[str]:
        ids = list(person_ids)
        if not ids:
            return set()
        return set(
            self.conn.execute(
                sa.select(job_results.c.person_id).where(
                    job_results.c.job_id == job_id, db.one_of(self.conn, job_results.c.person_id, ids)
                )
            ).scalars()
        )

    def add_results(self, rows: list[dict[str, Any]]) -> None:
        bulk.insert(self.conn, job_results, rows)

    def results(
        self, job_id: str, page: paging.Page, *, person_id: str | None = None, household_id: str | None = None
    ) -> tuple[list, str, dict[str, int]]:
        """A page of the job's results by person (only `person_id`'s or `household_id`'s when given), and the count
        of each outcome over the whole job."""
        query = sa.select(job_results).where(job_results.c.job_id == job_id)
        if person_id:
            query = query.where(job_results.c.person_id == person_id)
        if household_id:
            query = query.where(job_results.c.household_id == household_id)
        found, cursor = paging.keyset(self.conn, query, job_results.c.person_id, page)
        summary = dict(
            self.conn.execute(
                sa.select(job_results.c.outcome, sa.func.count())
                .where(job_results.c.job_id == job_id)
                .group_by(job_results.c.outcome)
            ).all()
        )
        return found, cursor, summary
