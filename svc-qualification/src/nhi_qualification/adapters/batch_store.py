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


def latest_outcomes(conn: sa.Connection, *, first: str, last: str) -> dict[str, tuple[Any, ...]]:
    """(ratio_percent, limit_category, pending, income_year) of the last stored determination of each household."""
    t = burden_determinations
    latest = (sa.select(sa.func.max(t.c.seq).label("seq")).where(t.c.household_id.between(first, last))
              .group_by(t.c.household_id).subquery())
    rows = conn.execute(sa.select(t.c.household_id, t.c.ratio_percent, t.c.limit_category, t.c.pending,
                                  t.c.income_year).join(latest, latest.c.seq == t.c.seq))
    return {r.household_id: (r.ratio_percent, r.limit_category, bool(r.pending), r.income_year) for r in rows}


def insert_determinations(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    bulk_insert(conn, burden_determinations, rows)


# ----- bulk writing -----

def tune_chunk_transaction(conn: sa.Connection) -> None:
    """PostgreSQL: no JIT for a chunk's statements. They touch a few thousand rows through indexes; the planner's
    cost estimates (a range of 5,000 households) would otherwise JIT-compile them for about a second each."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL jit = off")


COPY_FROM = 50  # below this many rows an executemany is as quick as a COPY


def bulk_insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows (all with the same keys) inside the caller's transaction.

    On PostgreSQL a COPY through the connection's own psycopg connection (same transaction); elsewhere, or for
    a handful of rows, an executemany.
    """
    if not rows:
        return
    if conn.dialect.name != "postgresql" or conn.dialect.driver != "psycopg" or len(rows) < COPY_FROM:
        conn.execute(sa.insert(table), rows)
        return
    columns = list(rows[0])
    quoted = ", ".join(f'"{c}"' for c in columns)
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        with cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])


def in_batches(ids: Sequence[Any], size: int = 5000) -> Iterator[list[Any]]:
    """Slices of an id list for IN (...) lists of a bounded length (SQLite's parameter limit)."""
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def one_of(conn: sa.Connection, column, ids: Sequence[str]):
    """column IN ids: on PostgreSQL `= ANY(array)` (one parameter, whatever the length), elsewhere IN (...)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == sa.any_(sa.bindparam(None, list(ids), type_=ARRAY(sa.String)))
    return column.in_(list(ids))


def id_slices(conn: sa.Connection, ids: Sequence[Any]) -> Iterator[list[Any]]:
    """The whole list at once on PostgreSQL (one array parameter), slices elsewhere."""
    if conn.dialect.name == "postgresql":
        yield list(ids)
    else:
        yield from in_batches(ids)


# ----- burden_redetermination: everything a chunk needs in one statement -----

def burden_chunk_facts(conn: sa.Connection, day: dt.date, year: int, first: str, last: str,
                       birth_lo: dt.date, birth_hi: dt.date) -> tuple[HouseholdFacts, dict[str, IncomeFacts]]:
    """The burden facts and `year` incomes of the households in [first, last] with a member born in
    [birth_lo, birth_hi] who is insured on `day` (the job's keys), in one statement.

    Same facts as `household_facts` (insured = a current period covering the day; 特定同一世帯所属者 = a current
    status covering the day and not insured; heads counted even when not insured), restricted to the keys.
    """
    p2 = persons.alias("k")
    per2 = periods.alias("kp")
    keys = (sa.select(p2.c.household_id).join(per2, per2.c.person_id == p2.c.person_id)
            .where(p2.c.household_id.between(first, last), p2.c.birth_date.between(birth_lo, birth_hi),
                   per2.c.superseded_at.is_(None), per2.c.void == sa.false(), per2.c.acquired_on <= day,
                   sa.or_(per2.c.lost_on.is_(None), per2.c.lost_on > day)))
    insured = sa.exists().where(periods.c.person_id == persons.c.person_id, _covering(day))
    specific = sa.exists().where(status_periods.c.person_id == persons.c.person_id, _status_covering(day))
    i = income_facts
    query = (sa.select(persons.c.person_id, persons.c.household_id, persons.c.birth_date,
                       households.c.head_person_id, insured.label("insured"), specific.label("specific"),
                       i.c.income_year, *(i.c[c] for c in INCOME_COLUMNS))
             .select_from(persons)
             .outerjoin(households, households.c.household_id == persons.c.household_id)
             .outerjoin(i, sa.and_(i.c.person_id == persons.c.person_id, i.c.income_year == year))
             .where(persons.c.household_id.between(first, last), persons.c.household_id.in_(keys),
                    persons.c.birth_date <= day)
             .order_by(persons.c.household_id, persons.c.listing_order, persons.c.person_id))
    facts = HouseholdFacts()
    incomes: dict[str, IncomeFacts] = {}
    for r in conn.execute(query):
        pid, hid = r.person_id, r.household_id
        if r.head_person_id is not None:
            facts.heads[hid] = r.head_person_id
        is_head = r.head_person_id == pid
        is_insured = bool(r.insured)
        is_specific = bool(r.specific) and not is_insured
        if is_insured or is_head or is_specific:
            facts.members.setdefault(hid, []).append(HouseholdMember(pid, r.birth_date, is_insured, is_specific,
                                                                     is_head))
        if r.income_year is not None:
            incomes[pid] = _income(r)
    return facts, incomes


def event_row(*, source: str, nats_subject: str, type: str, subject: str, data: dict[str, Any]) -> dict[str, Any]:
    """One outbox row, exactly as Plumbing.add_event writes it, for executemany."""
    event = Event.new(source=source, type=type, subject=subject, data=data)
    return {"event_id": event.id, "nats_subject": nats_subject, "ce_type": event.type, "ce_source": event.source,
            "ce_subject": event.subject, "ce_time": event.time, "data": event.body().decode(),
            "traceparent": telemetry.current_traceparent(), "created_at": utcnow()}


class EventRows:
    """Outbox rows built in bulk: one trace context, event time and created_at per batch (one transaction)."""

    def __init__(self, source: str) -> None:
        self.source = source
        now = utcnow()
        self.created_at = now
        self.time = now.isoformat(timespec="microseconds")
        self.traceparent = telemetry.current_traceparent()

    def row(self, *, nats_subject: str, type: str, subject: str, data: dict[str, Any]) -> dict[str, Any]:
        return {"event_id": str(uuid.uuid4()), "nats_subject": nats_subject, "ce_type": type,
                "ce_source": self.source, "ce_subject": subject, "ce_time": self.time,
                "data": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                "traceparent": self.traceparent, "created_at": self.created_at}


def insert_events(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    bulk_insert(conn, PLUMBING["outbox"], rows)


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
                            .where(job_results.c.job_id == job_id, one_of(conn, job_results.c.person_id, ids)))
               .scalars())


def current_periods(conn: sa.Connection, person_ids: Iterable[str]) -> dict[str, Any]:
    """store.current_periods (latest current, not void period of each person) with one array parameter on PostgreSQL."""
    from . import store

    ids = list(person_ids)
    latest: dict[str, Any] = {}
    if not ids:
        return latest
    for part in id_slices(conn, ids):
        rows = conn.execute(sa.select(periods).where(one_of(conn, periods.c.person_id, part),
                                                     periods.c.superseded_at.is_(None), periods.c.void.is_(False))
                            .order_by(periods.c.acquired_on))
        for row in rows:
            latest[row.person_id] = store._period(row)
    return latest


def insert_results(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    bulk_insert(conn, job_results, rows)


# ----- age75_loss: a chunk's households in memory, and its writes -----

class Age75Chunk:
    """What the losses of one chunk read, loaded in a few statements and then kept up to date in memory.

    The households of the chunk's targets with their members (resident-register order), the members' current
    (not superseded) period versions and 特定同一世帯所属者 statuses, their incomes of the years involved, the
    heads, the last stored determination of each household, and the targets' issued certificates. The
    predicates are those of store.period_as_of (known now), `_covering` and `_status_covering`.
    """

    def __init__(self) -> None:
        self.heads: dict[str, str] = {}
        self.members: dict[str, list[Any]] = {}  # household_id -> persons rows in listing order
        self.periods: dict[str, list[dict[str, Any]]] = {}  # person_id -> current versions
        self.specific: dict[str, list[tuple[dt.date, dt.date | None]]] = {}  # person_id -> (start, end)
        self.incomes: dict[tuple[str, int], IncomeFacts] = {}
        self.latest: dict[str, tuple[int | None, str | None]] = {}
        self.certificates: dict[str, list[dict[str, Any]]] = {}

    @classmethod
    def load(cls, conn: sa.Connection, household_ids: Iterable[str], target_ids: Iterable[str],
             years: Iterable[int]) -> "Age75Chunk":
        from .tables import certificates

        state = cls()
        hids = sorted(set(household_ids))
        years = sorted(set(years))
        for part in id_slices(conn, hids):
            state.heads.update(conn.execute(sa.select(households.c.household_id, households.c.head_person_id)
                                            .where(one_of(conn, households.c.household_id, part))).all())
            for r in conn.execute(sa.select(persons.c.person_id, persons.c.household_id, persons.c.birth_date,
                                            persons.c.listing_order)
                                  .where(one_of(conn, persons.c.household_id, part))
                                  .order_by(persons.c.household_id, persons.c.listing_order, persons.c.person_id)):
                state.members.setdefault(r.household_id, []).append(r)
            t = burden_determinations
            latest = (sa.select(sa.func.max(t.c.seq).label("seq")).where(one_of(conn, t.c.household_id, part))
                      .group_by(t.c.household_id).subquery())
            for r in conn.execute(sa.select(t.c.household_id, t.c.ratio_percent, t.c.limit_category)
                                  .join(latest, latest.c.seq == t.c.seq)):
                state.latest[r.household_id] = (r.ratio_percent, r.limit_category)
        member_ids = [m.person_id for ms in state.members.values() for m in ms]
        for part in id_slices(conn, member_ids):
            for r in conn.execute(sa.select(periods.c.period_id, periods.c.person_id, periods.c.acquired_on,
                                            periods.c.lost_on, periods.c.coverage_starts_on,
                                            periods.c.coverage_ends_on, periods.c.void)
                                  .where(one_of(conn, periods.c.person_id, part), periods.c.superseded_at.is_(None))):
                state.periods.setdefault(r.person_id, []).append(dict(r._mapping))
            for r in conn.execute(sa.select(status_periods.c.person_id, status_periods.c.start,
                                            status_periods.c["end"])
                                  .where(one_of(conn, status_periods.c.person_id, part),
                                         status_periods.c.kind == SPECIFIC_SAME_HOUSEHOLD,
                                         status_periods.c.superseded_at.is_(None))):
                state.specific.setdefault(r.person_id, []).append((r.start, r.end))
            if years:
                for r in conn.execute(sa.select(income_facts).where(one_of(conn, income_facts.c.person_id, part),
                                                                    income_facts.c.income_year.in_(years))):
                    state.incomes[(r.person_id, r.income_year)] = _income(r)
        for part in id_slices(conn, list(target_ids)):
            for r in conn.execute(sa.select(certificates.c.seq, certificates.c.person_id, certificates.c.valid_until)
                                  .where(one_of(conn, certificates.c.person_id, part), certificates.c.state == "issued")):
                state.certificates.setdefault(r.person_id, []).append(dict(r._mapping))
        return state

    # --- the in-memory state, changed as the losses are applied one after the other ---

    def replace_period(self, person_id: str, period_id: str, version: dict[str, Any]) -> None:
        """supersede_period + insert_period: the new version keeps no coverage dates and is not void."""
        kept = [p for p in self.periods.get(person_id, []) if p["period_id"] != period_id]
        kept.append({"period_id": period_id, "person_id": person_id, "acquired_on": version["acquired_on"],
                     "lost_on": version["lost_on"], "coverage_starts_on": None, "coverage_ends_on": None,
                     "void": False})
        self.periods[person_id] = kept

    def add_specific(self, person_id: str, start: dt.date) -> None:
        self.specific.setdefault(person_id, []).append((start, None))

    def end_certificates(self, person_id: str, lost_on: dt.date, writes: "Age75Writes") -> int:
        """Issued certificates still valid on lost_on end the day before; returns how many."""
        ended = 0
        for cert in self.certificates.get(person_id, []):
            if cert["valid_until"] is None or cert["valid_until"] >= lost_on:
                cert["valid_until"] = lost_on - dt.timedelta(days=1)
                writes.certificates.append({"b_seq": cert["seq"], "b_until": cert["valid_until"]})
                ended += 1
        return ended

    def insured_as_of(self, person_id: str, day: dt.date) -> bool:
        """store.period_as_of(conn, person_id, day, None) is not None."""
        for p in self.periods.get(person_id, []):
            if (not p["void"] and (p["coverage_starts_on"] or p["acquired_on"]) <= day
                    and (p["lost_on"] is None or p["lost_on"] > day)
                    and (p["coverage_ends_on"] is None or p["coverage_ends_on"] > day)):
                return True
        return False

    def _covered(self, person_id: str, day: dt.date) -> bool:
        """`_covering(day)`: a current, not void period with acquired_on <= day < lost_on."""
        return any(not p["void"] and p["acquired_on"] <= day and (p["lost_on"] is None or p["lost_on"] > day)
                   for p in self.periods.get(person_id, []))

    def _specific_on(self, person_id: str, day: dt.date) -> bool:
        return any(start <= day and (end is None or end >= day) for start, end in self.specific.get(person_id, []))

    def household_facts(self, household_id: str, day: dt.date) -> list[HouseholdMember]:
        """household_facts(conn, day, household_id=...) from memory."""
        head = self.heads.get(household_id)
        out = []
        for m in self.members.get(household_id, []):
            if m.birth_date > day:
                continue
            is_head = head == m.person_id
            is_insured = self._covered(m.person_id, day)
            is_specific = not is_insured and self._specific_on(m.person_id, day)
            if is_insured or is_head or is_specific:
                out.append(HouseholdMember(m.person_id, m.birth_date, is_insured, is_specific, is_head))
        return out

    def incomes_for(self, person_ids: Iterable[str], year: int) -> dict[str, IncomeFacts]:
        return {pid: self.incomes[(pid, year)] for pid in person_ids if (pid, year) in self.incomes}


class Age75Writes:
    """The rows one age75_loss chunk writes, each table in one go at the end (in dependency order)."""

    def __init__(self, source: str) -> None:
        self.maker = EventRows(source)
        self.now = self.maker.created_at
        self.supersede: list[str] = []
        self.periods: list[dict[str, Any]] = []
        self.certificates: list[dict[str, Any]] = []
        self.statuses: list[dict[str, Any]] = []
        self.determinations: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.changes: list[dict[str, Any]] = []
        self.results: list[dict[str, Any]] = []

    def flush(self, conn: sa.Connection) -> None:
        from .tables import certificates, changes

        # The superseded versions first: the new ones carry the same period_id.
        for part in id_slices(conn, self.supersede):
            conn.execute(sa.update(periods).where(one_of(conn, periods.c.period_id, part), periods.c.superseded_at.is_(None))
                         .values(superseded_at=self.now))
        bulk_insert(conn, periods, self.periods)
        if self.certificates:
            conn.execute(sa.update(certificates).where(certificates.c.seq == sa.bindparam("b_seq"))
                         .values(valid_until=sa.bindparam("b_until"), updated_at=self.now), self.certificates)
        bulk_insert(conn, status_periods, self.statuses)
        bulk_insert(conn, burden_determinations, self.determinations)
        bulk_insert(conn, PLUMBING["outbox"], self.events)
        bulk_insert(conn, changes, self.changes)
        bulk_insert(conn, job_results, self.results)
