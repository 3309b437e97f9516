"""The unit of work over SQLAlchemy Core: one connection and transaction, the repositories, the outbox."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable

import sqlalchemy as sa

from nhi_common import db, telemetry
from nhi_common.ids import uuid4_texts
from nhi_common.plumbing import Plumbing, utcnow

from ..domain.events import Event
from ..service_layer.unit_of_work import AbstractUnitOfWork
from . import bulk
from .repositories.age75 import Age75Repository
from .repositories.burden import BurdenRepository
from .repositories.certificates import CertificateRepository
from .repositories.changes import ChangeRepository
from .repositories.households import HouseholdRepository
from .repositories.jobs import JobRepository
from .repositories.journal import Journal
from .repositories.periods import PeriodRepository
from .repositories.persons import PersonRepository
from .repositories.statuses import StatusRepository
from .tables import PLUMBING, metadata

SOURCE = "urn:nhi:svc-qualification"
_PLUMBING = Plumbing(metadata, SOURCE)
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def outbox_rows(events: list[Event]) -> list[dict]:
    """Outbox rows of one transaction's events: one trace context, event time and created_at for all of them."""
    now = utcnow()
    time, traceparent = now.isoformat(timespec="microseconds"), telemetry.current_traceparent()
    return [
        {
            "event_id": event_id,
            "nats_subject": e.SUBJECT,
            "ce_type": e.TYPE,
            "ce_source": SOURCE,
            "ce_subject": e.subject,
            "ce_time": time,
            "data": _JSON(e.data()),
            "traceparent": traceparent,
            "created_at": now,
        }
        for event_id, e in zip(uuid4_texts(len(events)), events, strict=True)
    ]


class SqlUnitOfWork(AbstractUnitOfWork):
    def __init__(
        self,
        engine: sa.Engine,
        *,
        read_only: bool = False,
        reading: bool = False,
        after_commit: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__()
        self.engine = engine
        # reading: a long read (a job's key stream) beside units of work that write meanwhile. On PostgreSQL an
        # ordinary transaction, never committed (a server-side cursor needs one), and `streaming` says the read may
        # go on while others write. On SQLite every transaction takes the write lock (BEGIN IMMEDIATE), so there it
        # is an ordinary read-only unit of work, to be read through and left before anything is written.
        self.streaming = reading and engine.dialect.name == "postgresql"
        self.read_only = read_only or (reading and not self.streaming)
        self.after_commit = after_commit
        self.conn: sa.Connection | None = None
        self._tx = None
        # While writes are kept back (defer_writes): the open savepoints, each with the database savepoint it got
        # once something had to go to the database inside it (None until then), and whether kept writes are going
        # out now.
        self._deferring = False
        self._frames: list[list] = []
        self._writing = False

    def __enter__(self) -> "SqlUnitOfWork":
        super().__enter__()
        if self.read_only:
            # One connection without a transaction of its own (autocommit on PostgreSQL): no BEGIN/ROLLBACK.
            self.conn = db.read_connection(self.engine)
        else:
            self.conn = self.engine.connect()
            self._tx = self.conn.begin()
        conn = self.conn
        self.persons, self.households = PersonRepository(conn), HouseholdRepository(conn)
        self.periods, self.statuses = PeriodRepository(conn), StatusRepository(conn)
        self.certificates, self.changes = CertificateRepository(conn), ChangeRepository(conn)
        self.burden, self.jobs, self.age75 = BurdenRepository(conn), JobRepository(conn), Age75Repository(conn)
        self.journal = Journal(conn, _PLUMBING)
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self.rollback()
        finally:
            self.conn.close()

    def _commit(self, events: list[Event]) -> None:
        if self.read_only or self.streaming:
            raise RuntimeError("a read-only unit of work cannot commit")
        if self._deferring:
            self.write_kept()
            self.journal.write_kept()
        self.persons.flush()
        bulk.insert(self.conn, PLUMBING["outbox"], outbox_rows(events))
        self._tx.commit()
        self._tx = None
        if events:
            self.after_commit()

    def rollback(self) -> None:
        if self._tx is not None and self._tx.is_active:
            self._tx.rollback()

    @contextlib.contextmanager
    def _nested(self):
        if self._deferring:
            with self._kept_savepoint():
                yield
            return
        versions = len(self.persons.pending_versions)
        try:
            with self.conn.begin_nested():
                yield
        except BaseException:
            del self.persons.pending_versions[versions:]  # taken inside: undone with the savepoint
            self._forget()  # the rows read may have been changed back
            raise

    def cache_reads(self, *, person_ids: list[str] = (), household_ids: list[str] = (), members: bool = True) -> None:
        for repository in (self.persons, self.households, self.periods, self.statuses):
            repository.cache_reads()
        self.households.prefetch(list(household_ids))
        if not members:
            self.persons.prefetch(person_ids, ())
            self.statuses.prefetch(list(person_ids))
            return
        self.households.prefetch_branches(list(person_ids))
        self.changes.prefetch_intake(list(household_ids))
        self.persons.prefetch(person_ids, household_ids)
        members = [m.person_id for h in dict.fromkeys(household_ids) for m in self.persons.members(h)]
        everyone = list(dict.fromkeys([*person_ids, *members]))
        self.periods.current(everyone)
        self.statuses.prefetch(everyone)

    def defer_writes(self) -> None:
        if not self.conn.in_transaction() or self.persons._rows is None:
            raise RuntimeError("writes are kept back only in a writing unit of work that caches its reads")
        self._deferring = True
        for repository in (self.households, self.changes, self.journal):
            repository.defer_writes()
        self.persons.defer_writes(self.write_kept)
        self.periods.defer_writes(self.write_kept)
        sa.event.listen(self.conn, "before_execute", self._before_execute)

    def write_kept(self) -> None:
        """Every kept-back write, table by table (inside the savepoints open so far: each gets its database savepoint
        first, so that undoing it undoes them too)."""
        if self._writing:
            return
        self._writing = True
        try:
            self._open_frames()
            self.households.write_kept()
            self.persons.write_kept()
            self.periods.write_kept()
            self.changes.write_kept()
        finally:
            self._writing = False

    def _before_execute(self, *_args) -> None:
        # Anything going to the database while writes are kept back: they go first (the database answers with them).
        if not self._writing:
            self.write_kept()

    def _open_frames(self) -> None:
        for frame in self._frames:
            if frame[0] is None:
                frame[0] = self.conn.begin_nested()

    @contextlib.contextmanager
    def _kept_savepoint(self):
        """A savepoint while writes are kept back: what was kept so far is remembered and put back if it fails; a
        database savepoint is taken only when something goes to the database inside it."""
        frame = [None]
        # Lists kept back are only appended to, and swapped for an empty one when written: a mark is the list and
        # its length, and putting it back truncates that list (the database's savepoint undoes what was written).
        lists = (
            (self.households, "kept_branches"),
            (self.periods, "kept"),
            (self.changes, "kept"),
            (self.journal, "kept"),
            (self.persons, "pending_versions"),
        )
        marks = [(owner, name, getattr(owner, name), len(getattr(owner, name))) for owner, name in lists]
        rows = (self.persons.kept, self.persons.kept.mark()), (self.households.kept, self.households.kept.mark())
        self._frames.append(frame)
        try:
            yield
        except BaseException:
            self._frames.pop()
            if frame[0] is not None:
                self._writing = True  # the rollback needs nothing written first
                try:
                    frame[0].rollback()
                finally:
                    self._writing = False
            for kept, mark in rows:
                kept.restore(mark)
            for owner, name, held, length in marks:
                del held[length:]
                setattr(owner, name, held)
            self._forget()  # the rows read may have been changed back
            raise
        for kept, mark in reversed(rows):
            kept.release(mark)
        self._frames.pop()
        if frame[0] is not None:
            self._writing = True
            try:
                frame[0].commit()
            finally:
                self._writing = False

    def _forget(self) -> None:
        for repository in (self.persons, self.households, self.periods, self.statuses, self.changes):
            repository.forget()

    def tune_for_batch(self) -> None:
        bulk.tune_chunk_transaction(self.conn)
