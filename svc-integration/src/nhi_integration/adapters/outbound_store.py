"""Repositories of the outbound feeds: records in feed order with their outbox events, and the persons they know."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import json
import os
import pathlib
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from nhi_common import db, telemetry
from nhi_common.events import Event
from nhi_common.paging import Page
from nhi_common.plumbing import Plumbing, utcnow

from ..domain import outbound_layout
from ..domain.outbound import ADDRESS_FIELDS, KnownPerson, OutboundRecord
from .outbound_tables import outbound_persons, outbound_records
from .store import EVENT_SOURCE
from .tables import metadata

SUBJECT = "nhi.v1.outbound.{feed}.{kind}"
CE_TYPE = "jp.nhi.outbound.{feed}.v1"
DAY_BATCH = 2000
_SET_DATA = (
    sa.update(outbound_records)
    .where(outbound_records.c.seq == sa.bindparam("k_seq"))
    .values(data=sa.bindparam("v_data", type_=outbound_records.c.data.type))
)
# The known persons remembered, inserted or replaced: given as arrays on PostgreSQL (one statement whatever their
# number; TEXT, so that an id too long is refused by the column, not cut by a cast), as an executemany elsewhere.
_UPSERT_PERSONS = sa.text(
    "INSERT INTO outbound_persons (person_id, household_id, dv_support, facts, updated_at) "
    "SELECT p, h, d, f, :at FROM unnest(CAST(:person_ids AS TEXT[]), CAST(:household_ids AS TEXT[]), "
    "CAST(:dv_supports AS BOOLEAN[]), CAST(:facts AS TEXT[])) AS v(p, h, d, f) "
    "ON CONFLICT (person_id) DO UPDATE SET household_id = excluded.household_id, dv_support = excluded.dv_support, "
    "facts = excluded.facts, updated_at = excluded.updated_at"
).bindparams(sa.bindparam("at", type_=outbound_persons.c.updated_at.type))
_UPSERT_PERSONS_SQLITE = sqlite.insert(outbound_persons)
_UPSERT_PERSONS_SQLITE = _UPSERT_PERSONS_SQLITE.on_conflict_do_update(
    index_elements=[outbound_persons.c.person_id],
    set_={c: _UPSERT_PERSONS_SQLITE.excluded[c] for c in ("household_id", "dv_support", "facts", "updated_at")},
)


class SqlOutboundRecords:
    def __init__(self, conn: sa.Connection, plumbing: Plumbing) -> None:
        self.conn = conn
        self.plumbing = plumbing
        # What this transaction read or kept of the known persons (None: not there) and of the households' DV
        # mark, once `read_ahead` was asked; `remember` keeps both true.
        self._known: dict[str, KnownPerson | None] = {}
        self._dv: dict[str, bool] = {}
        self._pending: list[tuple[OutboundRecord, str]] = []  # records added, written by `flush`
        self._persons: dict[str, dict[str, Any]] = {}  # the last row remembered of each person, written by `flush`

    def claim(self, receipt_key: str, consumer: str) -> bool:
        return self.plumbing.claim_inbox(self.conn, event_id=receipt_key, consumer=consumer)

    def claim_many(self, receipt_keys: list[str], consumer: str) -> list[bool]:
        return self.plumbing.claim_inbox_many(self.conn, receipt_keys, consumer)

    def read_ahead(self, person_ids: list[str], household_ids: list[str]) -> None:
        """Read the known persons and the DV marks of the households (theirs too) a run of events names, one
        statement each."""
        self._flush_persons()
        t = outbound_persons
        missing = [p for p in dict.fromkeys(person_ids) if p and p not in self._known]
        for part in db.id_slices(self.conn, missing, 1000):
            query = sa.select(t).where(db.one_of(self.conn, t.c.person_id, part))
            found = {r.person_id: _known(r.facts) for r in self.conn.execute(query)}
            self._known.update((p, found.get(p)) for p in part)
        households = {h for h in household_ids if h} | {
            k.household_id for p in person_ids for k in [self._known.get(p)] if k is not None and k.household_id
        }
        wanted = sorted(h for h in households if h not in self._dv)
        for part in db.id_slices(self.conn, wanted, 1000):
            query = sa.select(t.c.household_id).where(
                db.one_of(self.conn, t.c.household_id, part), t.c.dv_support.is_(True)
            )
            marked = set(self.conn.scalars(query.distinct()))
            self._dv.update((h, h in marked) for h in part)

    def known_person(self, person_id: str) -> KnownPerson | None:
        if person_id in self._known:
            return self._known[person_id]
        self._flush_persons()
        row = self.conn.execute(sa.select(outbound_persons).where(outbound_persons.c.person_id == person_id)).first()
        return None if row is None else _known(row.facts)

    def dv_in_household(self, household_id: str) -> bool:
        if household_id in self._dv:
            return self._dv[household_id]
        self._flush_persons()
        t = outbound_persons
        query = sa.select(t.c.person_id).where(t.c.household_id == household_id, t.c.dv_support.is_(True)).limit(1)
        return self.conn.execute(query).first() is not None

    def withhold_address(self, household_id: str, person_ids: list[str], dv_person_id: str) -> int:
        """Rule DV: no address left in the household's known persons or in any stored record of its members."""
        self.flush()
        t = outbound_persons
        members = set(person_ids) | set(
            self.conn.scalars(sa.select(t.c.person_id).where(t.c.household_id == household_id))
        )
        for row in self.conn.execute(sa.select(t).where(t.c.person_id.in_(members))).all():
            # The facts say what the column says: a member's later event builds on the facts and writes their DV
            # support back to the column, which would otherwise unmark the household as its members' events come.
            facts = {**json.loads(row.facts), "address": {}, "dv_support": True}
            kept = json.dumps(facts, ensure_ascii=False, sort_keys=True)
            self.conn.execute(
                sa.update(t)
                .where(t.c.person_id == row.person_id)
                .values(
                    facts=kept,
                    dv_support=True,  # the household's mark: dv_in_household holds for its later events
                    updated_at=utcnow(),
                )
            )
            # What was read ahead reads as written: the member without an address, their household marked.
            self._known[row.person_id] = _known(kept)
            self._dv[row.household_id] = True
        r = outbound_records
        changed = 0
        for row in self.conn.execute(sa.select(r.c.seq, r.c.data).where(r.c.person_id.in_(members))).all():
            data = json.loads(row.data)
            if any(data.get(key) is not None for key in ADDRESS_FIELDS) or not data.get("dv_support"):
                data.update(dict.fromkeys(ADDRESS_FIELDS), dv_support=True)
                self.conn.execute(
                    sa.update(r)
                    .where(r.c.seq == row.seq)
                    .values(data=json.dumps(data, ensure_ascii=False, sort_keys=True))
                )
                changed += 1
        return changed

    def release_address(self, household_id: str, person_ids: list[str]) -> int:
        """Rule DV, the end: the household's known persons lose their DV mark (the address comes back with the
        next event that carries it)."""
        self._flush_persons()
        t = outbound_persons
        members = set(person_ids) | set(
            self.conn.scalars(sa.select(t.c.person_id).where(t.c.household_id == household_id))
        )
        changed = 0
        for row in self.conn.execute(sa.select(t).where(t.c.person_id.in_(members), t.c.dv_support.is_(True))).all():
            facts = {**json.loads(row.facts), "dv_support": False}
            kept = json.dumps(facts, ensure_ascii=False, sort_keys=True)
            self.conn.execute(
                sa.update(t)
                .where(t.c.person_id == row.person_id)
                .values(facts=kept, dv_support=False, updated_at=utcnow())
            )
            # What was read ahead reads as written; another household of a member named may keep its mark through
            # persons not released: read again when asked.
            self._known[row.person_id] = _known(kept)
            self._dv.pop(row.household_id, None)
            changed += 1
        self._dv[household_id] = False  # all its members were released
        return changed

    def remember(self, person: KnownPerson) -> None:
        """Keep the person's facts in this transaction: their row is written by `flush` (the last one remembered of
        each person), and what was read ahead reads as it."""
        facts = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in dataclasses.asdict(person).items()}
        kept = json.dumps(facts, ensure_ascii=False, sort_keys=True)
        self._persons[person.person_id] = {
            "person_id": person.person_id,
            "household_id": person.household_id,
            "dv_support": person.dv_support,
            "facts": kept,
        }
        self._kept(person, kept)

    def _kept(self, person: KnownPerson, facts: str) -> None:
        """What `remember` kept, in what was read ahead: the person as read back, and the DV marks it may move."""
        if person.person_id not in self._known:
            self._dv.clear()  # the household it was in is not known
        else:
            before = self._known[person.person_id]
            if before is not None and (before.dv_support or before.household_id != person.household_id):
                self._dv.pop(before.household_id, None)
        if person.dv_support:
            self._dv[person.household_id] = True
        self._known[person.person_id] = _known(facts)

    def add_record(self, record: OutboundRecord, *, source_event_id: str) -> None:
        """Keep the record and write its event to the outbox, both in this transaction: written with the others of
        the transaction by `flush` (when it commits, or before records are read)."""
        self._pending.append((record, source_event_id))

    def flush(self) -> None:
        """What this transaction keeps, written: the known persons remembered (`_flush_persons`), then the records
        added so far, in their order: one insert giving their sequences, one update of their data (which carries the
        sequence), one insert of their events into the outbox."""
        self._flush_persons()
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        now = utcnow()
        inserted = self.conn.execute(
            sa.insert(outbound_records).returning(outbound_records.c.seq, sort_by_parameter_order=True),
            [
                {
                    "feed": record.feed,
                    "record_kind": record.record_kind,
                    "person_id": record.person_id,
                    "source_event_id": source_event_id,
                    "business_date": record.business_date,
                    "data": "{}",
                    "recorded_at": now,
                }
                for record, source_event_id in pending
            ],
        )
        seqs = [row.seq for row in inserted]
        datas = [record.data(seq) for (record, _e), seq in zip(pending, seqs, strict=True)]
        self.conn.execute(
            _SET_DATA,
            [
                {"k_seq": seq, "v_data": json.dumps(data, ensure_ascii=False, sort_keys=True)}
                for seq, data in zip(seqs, datas, strict=True)
            ],
        )
        traceparent = telemetry.current_traceparent()
        rows = []
        for (record, _e), data in zip(pending, datas, strict=True):
            event = Event.new(
                source=self.plumbing.source,
                type=CE_TYPE.format(feed=record.feed),
                subject=record.person_id,
                data=data,
            )
            rows.append(
                {
                    "event_id": event.id,
                    "nats_subject": SUBJECT.format(feed=record.feed, kind=record.record_kind),
                    "ce_type": event.type,
                    "ce_source": event.source,
                    "ce_subject": event.subject,
                    "ce_time": event.time,
                    "data": event.body().decode(),
                    "traceparent": traceparent,
                    "created_at": now,
                }
            )
        self.conn.execute(sa.insert(self.plumbing.outbox), rows)

    def _flush_persons(self) -> None:
        """The known persons remembered so far, one row each, in one statement: before anything reads
        outbound_persons, and at commit."""
        if not self._persons:
            return
        # In person order: two consumers' transactions writing the same persons lock their rows in the same order.
        rows, self._persons = [self._persons[p] for p in sorted(self._persons)], {}
        now = utcnow()
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(
                _UPSERT_PERSONS,
                {
                    "person_ids": [r["person_id"] for r in rows],
                    "household_ids": [r["household_id"] for r in rows],
                    "dv_supports": [r["dv_support"] for r in rows],
                    "facts": [r["facts"] for r in rows],
                    "at": now,
                },
            )
        else:
            self.conn.execute(_UPSERT_PERSONS_SQLITE, [{**r, "updated_at": now} for r in rows])

    def list_records(self, feed: str, page: Page) -> tuple[list[dict[str, Any]], bool]:
        self.flush()
        t = outbound_records
        query = sa.select(t.c.seq, t.c.data, t.c.recorded_at).where(t.c.feed == feed)
        if page.after is not None:
            query = query.where(t.c.seq > page.after)
        rows = list(self.conn.execute(query.order_by(t.c.seq).limit(page.size + 1)))
        return [_row(r) for r in rows[: page.size]], len(rows) > page.size

    def records_of_day(self, feed: str, day: dt.date) -> Iterator[dict[str, Any]]:
        """The records of business date `day` in sequence order, read in batches (never the whole day at once)."""
        self.flush()
        t = outbound_records
        after = 0
        while True:
            query = (
                sa.select(t.c.seq, t.c.data, t.c.recorded_at)
                .where(t.c.feed == feed, t.c.business_date == day, t.c.seq > after)
                .order_by(t.c.seq)
                .limit(DAY_BATCH)
            )
            rows = list(self.conn.execute(query))
            yield from (_row(r) for r in rows)
            if len(rows) < DAY_BATCH:
                return
            after = rows[-1].seq


def _known(facts_json: str) -> KnownPerson:
    """A known person as stored (its facts' JSON), dates as dates."""
    facts = json.loads(facts_json)
    for key in ("birth_date", "acquired_on", "lost_on"):
        facts[key] = dt.date.fromisoformat(facts[key]) if facts.get(key) else None
    return KnownPerson(**facts)


def _row(row) -> dict[str, Any]:
    recorded_at = row.recorded_at if row.recorded_at.tzinfo else row.recorded_at.replace(tzinfo=dt.timezone.utc)
    return {**json.loads(row.data), "recorded_at": recorded_at.isoformat()}


class SqlOutboundStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.plumbing = Plumbing(metadata, EVENT_SOURCE)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[SqlOutboundRecords]:
        with self.engine.begin() as conn:
            records = SqlOutboundRecords(conn, self.plumbing)
            yield records
            records.flush()


class CsvDailyFiles:
    """Daily files in `directory`/<feed>/: the CSV (UTF-8) and the fixed-length CP932 file of the same records
    (docs/feeds/outbound-file.md), each written to a temporary name, fsynced, then renamed."""

    def __init__(self, directory: str, *, columns: tuple[str, ...], fixed: bool = True) -> None:
        self.directory = pathlib.Path(directory)
        self.columns = columns
        self.fixed = fixed

    def write(self, feed: str, day: dt.date, records: Iterator[dict[str, Any]]) -> tuple[str, int]:
        """The files of `feed` for `day` (replacing an earlier run's): the CSV's path under the directory (the
        fixed-length file has the same name ending in .dat) and the records."""
        folder = self.directory / feed
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"NHI_OUTBOUND_{feed.upper()}_{day.strftime('%Y%m%d')}"
        name, fixed_name = f"{stem}.csv", f"{stem}.dat"
        temp = folder / f".{name}.{os.getpid()}.tmp"
        fixed_temp = folder / f".{fixed_name}.{os.getpid()}.tmp"
        count = 0
        with open(temp, "w", encoding="utf-8", newline="") as handle, open(fixed_temp, "wb") as fixed:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(self.columns)
            fixed.write(outbound_layout.header(feed, day, dt.datetime.now(dt.timezone.utc)))
            for record in records:
                writer.writerow([_cell(record.get(c)) for c in self.columns])
                fixed.write(outbound_layout.data(record))
                count += 1
            fixed.write(outbound_layout.trailer(count))
            for done in (handle, fixed):
                done.flush()
                os.fsync(done.fileno())
        if self.fixed:
            os.replace(fixed_temp, folder / fixed_name)
        else:
            fixed_temp.unlink()
        os.replace(temp, folder / name)
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        return f"{feed}/{name}", count


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)
