"""Set-based queries of the batch side: income facts, burden determinations, jobs and their chunks.

Everything here works on a key range (person_id or household_id) so that a chunk is a handful of
statements whatever its size, and nothing ever holds the whole population in memory.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from nhi_common import telemetry
from nhi_common.events import Event
from nhi_common.plumbing import utcnow

from ..domain.burden import HouseholdMember, IncomeFacts
from .tables import (PLUMBING, burden_determinations, households, income_facts, job_chunks, job_results, jobs,
                     periods, persons, status_periods)

SPECIFIC_SAME_HOUSEHOLD = "specific_same_household"
INCOME_COLUMNS = ("taxable_income", "gross_income", "kyu_tadashigaki_income", "non_taxed", "public_pension_income",
                  "total_income")


# ----- income facts -----

def upsert_income_facts(conn: sa.Connection, rows: Sequence[dict[str, Any]], source: str) -> int:
    """Insert or replace the facts of (person_id, income_year); one statement per 1,000 rows."""
    if not rows:
        return 0
    now = utcnow()
    values = [{**{k: r[k] for k in ("person_id", "income_year", *INCOME_COLUMNS)}, "source": source, "recorded_at": now}
              for r in rows]
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    for start in range(0, len(values), 1000):
        stmt = insert(income_facts)
        stmt = stmt.on_conflict_do_update(
            index_elements=[income_facts.c.person_id, income_facts.c.income_year],
            set_={c: getattr(stmt.excluded, c) for c in (*INCOME_COLUMNS, "source", "recorded_at")})
        conn.execute(stmt, values[start:start + 1000])
    return len(values)


def _income(row) -> IncomeFacts:
    return IncomeFacts(row.person_id, row.income_year, int(row.taxable_income), int(row.gross_income),
                       int(row.kyu_tadashigaki_income), bool(row.non_taxed), int(row.public_pension_income),
                       int(row.total_income))


def incomes_for(conn: sa.Connection, person_ids: Iterable[str], year: int) -> dict[str, IncomeFacts]:
    ids = list(person_ids)
    if not ids:
        return {}
    rows = conn.execute(sa.select(income_facts).where(income_facts.c.income_year == year,
                                                      income_facts.c.person_id.in_(ids)))
    return {r.person_id: _income(r) for r in rows}


# ----- household facts for the burden determination -----

def _covering(day: dt.date):
    return sa.and_(periods.c.superseded_at.is_(None), periods.c.void == sa.false(), periods.c.acquired_on <= day,
                   sa.or_(periods.c.lost_on.is_(None), periods.c.lost_on > day))


def _status_covering(day: dt.date):
    return sa.and_(status_periods.c.kind == SPECIFIC_SAME_HOUSEHOLD, status_periods.c.superseded_at.is_(None),
                   status_periods.c.start <= day,
                   sa.or_(status_periods.c["end"].is_(None), status_periods.c["end"] >= day))


class HouseholdFacts:
    """Members (as burden facts) of the households of one key range, with their heads."""

    def __init__(self) -> None:
        self.members: dict[str, list[HouseholdMember]] = {}
        self.heads: dict[str, str] = {}


def household_facts(conn: sa.Connection, day: dt.date, *, household_id: str | None = None,
                    first: str | None = None, last: str | None = None) -> HouseholdFacts:
    """The burden facts of one household, or of every household in [first, last], on `day` (four statements)."""
    if household_id is not None:
        in_range = persons.c.household_id == household_id
        head_range = households.c.household_id == household_id
    else:
        in_range = persons.c.household_id.between(first, last)
        head_range = households.c.household_id.between(first, last)
    facts = HouseholdFacts()
    facts.heads = dict(conn.execute(sa.select(households.c.household_id, households.c.head_person_id)
                                    .where(head_range)).all())
    insured = set(conn.execute(sa.select(periods.c.person_id).join(persons, persons.c.person_id == periods.c.person_id)
                               .where(in_range, _covering(day))).scalars())
    specific = set(conn.execute(
        sa.select(status_periods.c.person_id).join(persons, persons.c.person_id == status_periods.c.person_id)
        .where(in_range, _status_covering(day))).scalars())
    rows = conn.execute(sa.select(persons.c.person_id, persons.c.household_id, persons.c.birth_date)
                        .where(in_range, persons.c.birth_date <= day)
                        .order_by(persons.c.household_id, persons.c.listing_order, persons.c.person_id))
    for pid, hid, birth in rows:
        is_head = facts.heads.get(hid) == pid
        is_insured = pid in insured
        is_specific = pid in specific and not is_insured
        if is_insured or is_head or is_specific:
            facts.members.setdefault(hid, []).append(HouseholdMember(pid, birth, is_insured, is_specific, is_head))
    return facts


def latest_determinations(conn: sa.Connection, *, household_id: str | None = None, first: str | None = None,
                          last: str | None = None) -> dict[str, tuple[int | None, str | None]]:
    """(ratio_percent, limit_category) of the last stored determination of each household."""
    t = burden_determinations
    where = t.c.household_id == household_id if household_id is not None else t.c.household_id.between(first, last)
    latest = sa.select(sa.func.max(t.c.seq).label("seq")).where(where).group_by(t.c.household_id).subquery()
    rows = conn.execute(sa.select(t.c.household_id, t.c.ratio_percent, t.c.limit_category)
                        .join(latest, latest.c.seq == t.c.seq))
    return {r.household_id: (r.ratio_percent, r.limit_category) for r in rows}


def insert_determinations(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(sa.insert(burden_determinations), rows)


def event_row(*, source: str, nats_subject: str, type: str, subject: str, data: dict[str, Any]) -> dict[str, Any]:
    """One outbox row, exactly as Plumbing.add_event writes it, for executemany."""
    event = Event.new(source=source, type=type, subject=subject, data=data)
    return {"event_id": event.id, "nats_subject": nats_subject, "ce_type": event.type, "ce_source": event.source,
            "ce_subject": event.subject, "ce_time": event.time, "data": event.body().decode(),
            "traceparent": telemetry.current_traceparent(), "created_at": utcnow()}


def insert_events(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(sa.insert(PLUMBING["outbox"]), rows)


# ----- jobs -----

def create_job(conn: sa.Connection, *, kind: str, parameters: dict[str, str], business_date: dt.date,
               operator_id: str) -> str:
    job_id = str(uuid.uuid4())
    conn.execute(sa.insert(jobs).values(job_id=job_id, kind=kind, state="queued", parameters=json.dumps(parameters),
                                        business_date=business_date, operator_id=operator_id, created_at=utcnow()))
    return job_id


def get_job(conn: sa.Connection, job_id: str):
    return conn.execute(sa.select(jobs).where(jobs.c.job_id == job_id)).first()


def plan_chunks(conn: sa.Connection, job_id: str, keys: Iterator[str], size: int) -> tuple[int, list[tuple[int, str, str]]]:
    """Cut an ordered key stream into ranges of `size` keys; store them; returns (total keys, chunks)."""
    chunks: list[tuple[int, str, str]] = []
    total = 0
    first = last = None
    count = 0
    for key in keys:
        if first is None:
            first = key
        last = key
        count += 1
        total += 1
        if count == size:
            chunks.append((len(chunks), first, last))
            first, count = None, 0
    if first is not None:
        chunks.append((len(chunks), first, last))
    if chunks:
        conn.execute(sa.insert(job_chunks), [{"job_id": job_id, "chunk_no": n, "first_key": a, "last_key": b}
                                             for n, a, b in chunks])
    conn.execute(sa.update(jobs).where(jobs.c.job_id == job_id).values(total=total, chunks=len(chunks)))
    return total, chunks


def claim_chunk(conn: sa.Connection, job_id: str, chunk_no: int):
    """Lock the chunk for this transaction; None when it is done already (a redelivery)."""
    result = conn.execute(sa.update(job_chunks)
                          .where(job_chunks.c.job_id == job_id, job_chunks.c.chunk_no == chunk_no,
                                 job_chunks.c.state.in_(("queued", "running")))
                          .values(state="running"))
    if result.rowcount != 1:
        return None
    return conn.execute(sa.select(job_chunks).where(job_chunks.c.job_id == job_id,
                                                    job_chunks.c.chunk_no == chunk_no)).first()


def mark_running(conn: sa.Connection, job_id: str) -> None:
    conn.execute(sa.update(jobs).where(jobs.c.job_id == job_id, jobs.c.state == "queued").values(state="running"))


def finish_chunk(conn: sa.Connection, job_id: str, chunk_no: int, *, done: int, failed: int, state: str = "done",
                 error: str = "") -> bool:
    """Close the chunk and add its counts to the job (last statement of the chunk's transaction); True when the job ended."""
    conn.execute(sa.update(job_chunks).where(job_chunks.c.job_id == job_id, job_chunks.c.chunk_no == chunk_no)
                 .values(state=state, done=done, failed=failed, finished_at=utcnow()))
    values: dict[str, Any] = {"done": jobs.c.done + done, "failed": jobs.c.failed + failed,
                              "chunks_done": jobs.c.chunks_done + 1}
    if error:
        values["error"] = error[:2000]
    conn.execute(sa.update(jobs).where(jobs.c.job_id == job_id).values(**values))
    return close_job_if_complete(conn, job_id)


def close_job_if_complete(conn: sa.Connection, job_id: str) -> bool:
    row = conn.execute(sa.select(jobs.c.chunks, jobs.c.chunks_done, jobs.c.state).where(jobs.c.job_id == job_id)).first()
    if row is None or row.chunks_done < row.chunks or row.state in ("succeeded", "failed"):
        return False
    failed_chunks = conn.execute(sa.select(sa.func.count()).select_from(job_chunks)
                                 .where(job_chunks.c.job_id == job_id, job_chunks.c.state == "failed")).scalar()
    conn.execute(sa.update(jobs).where(jobs.c.job_id == job_id)
                 .values(state="failed" if failed_chunks else "succeeded", finished_at=utcnow()))
    return True


def fail_job(conn: sa.Connection, job_id: str, error: str) -> None:
    conn.execute(sa.update(jobs).where(jobs.c.job_id == job_id)
                 .values(state="failed", error=error[:2000], finished_at=utcnow()))


def results_seen(conn: sa.Connection, job_id: str, person_ids: Iterable[str]) -> set[str]:
    ids = list(person_ids)
    if not ids:
        return set()
    return set(conn.execute(sa.select(job_results.c.person_id)
                            .where(job_results.c.job_id == job_id, job_results.c.person_id.in_(ids))).scalars())


def insert_results(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(sa.insert(job_results), rows)
