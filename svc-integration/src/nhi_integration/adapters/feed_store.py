"""Repositories of the pension and welfare feeds, the inconsistency list and the jobs, inside one transaction per unit of work."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from nhi_common import db, paging
from nhi_common.plumbing import Plumbing, utcnow

from ..domain.inconsistency import Finding
from ..domain.pension import PensionChange
from ..domain.welfare import WelfareRecord
from .feed_tables import inconsistencies, integration_jobs, pension_categories, welfare_periods
from .store import EVENT_SOURCE
from .tables import metadata

START_JOB = "StartIntegrationJob"  # the operation an Idempotency-Key of StartJob is kept under


class SqlFeedRecords:
    """What the pension, welfare, income, inconsistency and job use cases keep, inside the transaction of `conn`."""

    def __init__(self, conn: sa.Connection, plumbing: Plumbing) -> None:
        self.conn = conn
        self.plumbing = plumbing

    def claim(self, receipt_key: str, consumer: str) -> bool:
        return self.plumbing.claim_inbox(self.conn, event_id=receipt_key, consumer=consumer)

    def audit(self, **kwargs) -> None:
        self.plumbing.audit(self.conn, **kwargs)

    # ----- pension -----

    def record_pension(self, change: PensionChange) -> bool:
        """Keep the change unless a later-dated one is already held; True when it was kept."""
        table = pension_categories
        held = self.conn.execute(sa.select(table.c.changed_on).where(table.c.person_id == change.person_id)).first()
        values = {
            "category": change.current_category,
            "changed_on": change.changed_on,
            "change_id": change.change_id,
            "updated_at": utcnow(),
        }
        if held is None:
            self.conn.execute(sa.insert(table).values(person_id=change.person_id, **values))
            return True
        if held.changed_on > change.changed_on:
            return False
        self.conn.execute(sa.update(table).where(table.c.person_id == change.person_id).values(**values))
        return True

    def pension_categories(self, person_ids: Iterable[str] | None = None) -> dict[str, str]:
        """person id -> the category held now, for everyone holding one (or for `person_ids`)."""
        query = sa.select(pension_categories.c.person_id, pension_categories.c.category).where(
            pension_categories.c.category != ""
        )
        if person_ids is not None:
            query = query.where(pension_categories.c.person_id.in_(list(person_ids)))
        return dict(self.conn.execute(query).all())

    # ----- welfare -----

    def record_welfare(self, record: WelfareRecord) -> None:
        """Keep the period named by its person and start date; a later record of it replaces its end."""
        t = welfare_periods
        key = (t.c.person_id == record.person_id) & (t.c.started_on == record.started_on)
        values = {
            "ended_on": record.ended_on,
            "change_id": record.change_id,
            "reason": record.reason[:200],
            "updated_at": utcnow(),
        }
        if self.conn.execute(sa.update(t).where(key).values(**values)).rowcount == 0:
            self.conn.execute(sa.insert(t).values(person_id=record.person_id, started_on=record.started_on, **values))

    def welfare_periods(self, person_ids: Iterable[str] | None = None) -> list[tuple[str, Any, Any]]:
        """(person id, 保護開始日, 廃止日 or None) of every period held (of `person_ids` when given)."""
        t = welfare_periods
        query = sa.select(t.c.person_id, t.c.started_on, t.c.ended_on)
        if person_ids is not None:
            query = query.where(t.c.person_id.in_(list(person_ids)))
        return [tuple(r) for r in self.conn.execute(query)]

    # ----- inconsistencies -----

    def open_findings(self, person_ids: Iterable[str] | None = None) -> dict[tuple[str, str], str]:
        """(person id, kind) -> inconsistency id of every open finding (of `person_ids` when given)."""
        t = inconsistencies
        query = sa.select(t.c.person_id, t.c.kind, t.c.inconsistency_id).where(t.c.state == "open")
        if person_ids is not None:
            query = query.where(t.c.person_id.in_(list(person_ids)))
        return {(r.person_id, r.kind): r.inconsistency_id for r in self.conn.execute(query)}

    def add_findings(self, findings: list[Finding], *, source: str, job_id: str | None) -> None:
        now = utcnow()
        rows = [
            {
                "inconsistency_id": str(uuid.uuid4()),
                "person_id": f.person_id,
                "household_id": f.household_id,
                "name": f.name[:100],
                "kind": f.kind,
                "nhi_status": f.nhi_status[:100],
                "other_status": f.other_status[:100],
                "state": "open",
                "source": source,
                "job_id": job_id,
                "detected_at": now,
                "last_seen_at": now,
            }
            for f in findings
        ]
        if rows:
            self.conn.execute(sa.insert(inconsistencies), rows)

    def touch_findings(self, ids: list[str]) -> None:
        t = inconsistencies
        for start in range(0, len(ids), 5000):
            part = ids[start : start + 5000]
            self.conn.execute(sa.update(t).where(t.c.inconsistency_id.in_(part)).values(last_seen_at=utcnow()))

    def get_finding(self, inconsistency_id: str) -> dict[str, Any] | None:
        t = inconsistencies
        row = self.conn.execute(sa.select(t).where(t.c.inconsistency_id == inconsistency_id)).first()
        return dict(row._mapping) if row else None

    def resolve_finding(self, inconsistency_id: str, *, change_id: str, note: str, operator_id: str) -> None:
        t = inconsistencies
        self.conn.execute(
            sa.update(t)
            .where(t.c.inconsistency_id == inconsistency_id)
            .values(state="resolved", resolved_at=utcnow(), resolved_by=operator_id, change_id=change_id, note=note)
        )

    def list_findings(
        self, *, state: str, kind: str, person_id: str, page: paging.Page
    ) -> tuple[list[dict[str, Any]], str]:
        t = inconsistencies
        query = sa.select(t)
        for column, value in ((t.c.state, state), (t.c.kind, kind), (t.c.person_id, person_id)):
            if value:
                query = query.where(column == value)
        rows, cursor = paging.keyset(self.conn, query, t.c.seq, page)
        return [dict(r._mapping) for r in rows], cursor

    # ----- jobs -----

    def create_job(self, *, job_id: str, kind: str, business_date, parameters: dict[str, str], operator_id: str):
        self.conn.execute(
            sa.insert(integration_jobs).values(
                job_id=job_id,
                kind=kind,
                state="queued",
                business_date=business_date,
                parameters=json.dumps(parameters, sort_keys=True),
                operator_id=operator_id,
                created_at=utcnow(),
            )
        )

    def update_job(self, job_id: str, **values) -> None:
        if values.get("state") in ("succeeded", "failed"):
            values["finished_at"] = utcnow()
        self.conn.execute(sa.update(integration_jobs).where(integration_jobs.c.job_id == job_id).values(**values))

    def fail_abandoned_jobs(self, silent_since: dt.datetime, error: str) -> list[str]:
        return db.fail_abandoned_jobs(self.conn, integration_jobs, silent_since=silent_since, now=utcnow(), error=error)

    def replayed_job(self, operator_id: str, key: str, request: bytes) -> str | None:
        return self.plumbing.recall_job(
            self.conn, operator_id=operator_id, key=key, operation=START_JOB, request=request
        )

    def remember_job(self, operator_id: str, key: str, request: bytes, job_id: str) -> None:
        self.plumbing.remember_job(
            self.conn, operator_id=operator_id, key=key, operation=START_JOB, request=request, job_id=job_id
        )

    def get_job(self, job_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(sa.select(integration_jobs).where(integration_jobs.c.job_id == job_id)).first()
        return _job(row) if row is not None else None

    def list_jobs(
        self, kinds: Sequence[str], states: Sequence[str], page: paging.Page
    ) -> tuple[list[dict[str, Any]], bool]:
        rows, more = db.jobs_page(self.conn, integration_jobs, kinds=kinds, states=states, page=page)
        return [_job(row) for row in rows], more


def _job(row) -> dict[str, Any]:
    return {**dict(row._mapping), "parameters": json.loads(row.parameters)}


class SqlFeedStore:
    """One database transaction per unit of work over the feed, inconsistency and job tables."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.plumbing = Plumbing(metadata, EVENT_SOURCE)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[SqlFeedRecords]:
        with self.engine.begin() as conn:
            yield SqlFeedRecords(conn, self.plumbing)
