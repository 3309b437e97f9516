"""Qualification period versions (bitemporal): read as of a day and a moment, closed and replaced, never edited."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable

import sqlalchemy as sa

from nhi_common import db

from ...domain.model import Period
from .. import bulk, deferred, rows
from ..tables import households, periods, persons, status_periods


def covering(day, known_at=None, *, bound_known_at: bool = False) -> list:
    """Criteria for the version insured here on `day` as recorded at `known_at` (now when None): SQL of
    `Period.covers`. `bound_known_at` makes `known_at` a bind parameter of a statement built once."""
    criteria = [
        periods.c.void.is_(False),
        sa.func.coalesce(periods.c.coverage_starts_on, periods.c.acquired_on) <= day,
        sa.or_(periods.c.lost_on.is_(None), periods.c.lost_on > day),
        sa.or_(periods.c.coverage_ends_on.is_(None), periods.c.coverage_ends_on > day),
    ]
    if known_at is None and not bound_known_at:
        criteria.append(periods.c.superseded_at.is_(None))
    else:
        criteria += [
            periods.c.recorded_at <= known_at,
            sa.or_(periods.c.superseded_at.is_(None), periods.c.superseded_at > known_at),
        ]
    return criteria


def qualified(day, table=periods):
    """A current version qualified in law on `day`: SQL of `Period.qualified_on`."""
    return sa.and_(
        table.c.superseded_at.is_(None),
        table.c.void == sa.false(),
        table.c.acquired_on <= day,
        sa.or_(table.c.lost_on.is_(None), table.c.lost_on > day),
    )


class PeriodRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        # `current` of each person asked in this unit of work when it asked for it (cache_reads), None for none;
        # a write drops the persons it concerns.
        self._current: dict[str, Period | None] | None = None
        # New versions kept back while the unit of work defers writes (defer_writes), written by `write_kept`; they
        # have no version_id until then (0), and `assigned` gives it by period afterwards.
        self.kept: list[Period] | None = None
        self.assigned: dict[str, int] = {}
        self.write_all: Callable[[], None] = lambda: None  # the unit of work's: every kept-back write, in order

    def defer_writes(self, write_all: Callable[[], None]) -> None:
        self.kept = []
        self.write_all = write_all

    def write_kept(self) -> None:
        """The kept-back versions in one insert, their version_ids given in order."""
        if not self.kept:
            return
        kept, self.kept = self.kept, []
        ids = deferred.insert_numbered(self.conn, periods, "version_id", [rows.period_values(v) for v in kept])
        for version, version_id in zip(kept, ids, strict=True):
            self.assigned[version.period_id] = version_id
        if self._current is not None:
            for person_id, held in self._current.items():
                if held is not None and held.version_id == 0 and held.period_id in self.assigned:
                    self._current[person_id] = _with_id(held, self.assigned[held.period_id])

    def cache_reads(self) -> None:
        self._current = {}

    def forget(self) -> None:
        if self._current is not None:
            self._current = {}

    def current(self, person_ids: Iterable[str]) -> dict[str, Period]:
        """The latest period (by acquisition) of each person, as currently recorded; undone (void) ones left out."""
        if self._current is None:
            return self._read_current(person_ids)
        wanted = list(dict.fromkeys(person_ids))
        missing = [p for p in wanted if p not in self._current]
        if missing:
            found = self._read_current(missing)
            self._current.update((p, found.get(p)) for p in missing)
        return {p: self._current[p] for p in wanted if self._current[p] is not None}

    def _read_current(self, person_ids: Iterable[str]) -> dict[str, Period]:
        latest: dict[str, Period] = {}
        for part in db.id_slices(self.conn, list(person_ids)):
            if not part:
                continue
            query = (
                sa.select(periods)
                .where(
                    db.one_of(self.conn, periods.c.person_id, part),
                    periods.c.superseded_at.is_(None),
                    periods.c.void.is_(False),
                )
                .order_by(periods.c.acquired_on)
            )
            for row in self.conn.execute(query):
                latest[row.person_id] = rows.period(row)
        return latest

    def insured_page(
        self, day: dt.date, *, after: str, limit: int, births: tuple[dt.date | None, dt.date | None] = (None, None)
    ) -> list:
        """(person_id, household_id, birth_date, address, dv_support) of the persons insured here on `day`, by
        person id, after `after`, at most `limit` of them, born within `births` when given."""
        query = (
            sa.select(
                persons.c.person_id,
                persons.c.household_id,
                persons.c.birth_date,
                households.c.address,
                persons.c.dv_support,
            )
            .join(periods, periods.c.person_id == persons.c.person_id)
            .join(households, households.c.household_id == persons.c.household_id, isouter=True)
            .where(persons.c.person_id > after, *covering(day))
        )
        if births[0] is not None:
            query = query.where(persons.c.birth_date >= births[0])
        if births[1] is not None:
            query = query.where(persons.c.birth_date <= births[1])
        return self.conn.execute(query.distinct().order_by(persons.c.person_id).limit(limit)).all()

    def coverage_facts(
        self, day: dt.date, *, after: str, limit: int, excluded: Iterable[str], person_ids: Iterable[str] = ()
    ) -> tuple[bytes, int, str, tuple[str, ...]]:
        """A page of every person's coverage facts on `day` as CSV: rows, row count, last person id, columns."""
        query = coverage_facts_query(day, after=after, limit=limit, excluded=excluded, person_ids=tuple(person_ids))
        return (*coverage_facts_csv(self.conn, query), COVERAGE_COLUMNS)

    def as_of(self, person_id: str, day: dt.date, known_at: dt.datetime | None) -> Period | None:
        """The version insured here on `day`, as recorded at `known_at` (now when None)."""
        query = sa.select(periods).where(periods.c.person_id == person_id, *covering(day, known_at))
        row = self.conn.execute(query.order_by(periods.c.recorded_at.desc()).limit(1)).first()
        return rows.period(row) if row else None

    def insured_on(self, person_ids: Iterable[str], day: dt.date, known_at: dt.datetime | None = None) -> set[str]:
        """Which of these persons are insured here on `day` (as recorded at `known_at`), in one statement."""
        ids = list(person_ids)
        if not ids:
            return set()
        query = sa.select(periods.c.person_id).where(
            db.one_of(self.conn, periods.c.person_id, ids), *covering(day, known_at)
        )
        return set(self.conn.execute(query).scalars())

    def history(self, person_id: str) -> list[Period]:
        query = (
            sa.select(periods)
            .where(periods.c.person_id == person_id)
            .order_by(periods.c.acquired_on, periods.c.recorded_at, periods.c.version_id)
        )
        return [rows.period(r) for r in self.conn.execute(query)]

    def current_version(self, period_id: str) -> Period | None:
        """The current (not superseded) version of a period, void or not; None when the period is unknown."""
        row = self.conn.execute(
            sa.select(periods)
            .where(periods.c.period_id == period_id, periods.c.superseded_at.is_(None))
            .order_by(periods.c.version_id.desc())
            .limit(1)
        ).first()
        return rows.period(row) if row else None

    def version_before(self, version: Period) -> Period | None:
        """The version of the same period that `version` replaced; None when `version` created the period."""
        row = self.conn.execute(
            sa.select(periods)
            .where(periods.c.period_id == version.period_id, periods.c.version_id < version.version_id)
            .order_by(periods.c.version_id.desc())
            .limit(1)
        ).first()
        return rows.period(row) if row else None

    def others(self, person_id: str, period_id: str) -> list[tuple[dt.date, dt.date | None]]:
        """The person's other current, non-void periods as (acquired_on, lost_on)."""
        query = sa.select(periods.c.acquired_on, periods.c.lost_on).where(
            periods.c.person_id == person_id,
            periods.c.period_id != period_id,
            periods.c.superseded_at.is_(None),
            periods.c.void == sa.false(),
        )
        return [(r.acquired_on, r.lost_on) for r in self.conn.execute(query)]

    def change_ids(self, period_id: str) -> set[str]:
        return set(self.conn.execute(sa.select(periods.c.change_id).where(periods.c.period_id == period_id)).scalars())

    def add(self, version: Period) -> Period:
        """Store a new version (of a new period, or after `replace` closed the old one); returns it with its id (0
        while writes are kept back: the id is given when they are written)."""
        if self.kept is not None:
            self.kept.append(version)
            if self._current is not None:
                held = self._current.get(version.person_id, False)
                if not version.void and (held is None or (held and held.acquired_on < version.acquired_on)):
                    # the latest by acquisition, as `current` reads it
                    self._current[version.person_id] = version
                else:
                    self._current.pop(version.person_id, None)
            return version
        result = self.conn.execute(_INSERT, rows.period_values(version))  # built once, the values as parameters
        if self._current is not None:
            self._current.pop(version.person_id, None)
        return _with_id(version, int(result.inserted_primary_key[0]))

    def replace(self, old: Period, new: Period) -> Period | None:
        """Close `old`'s record time and store `new`: the one close-and-replace of a version. None when someone
        else closed `old` first (the caller's version is stale) and nothing was written."""
        if old.version_id == 0 and self.kept is not None:
            self.write_all()  # `old` was kept back: written now, it has its id
            old = _with_id(old, self.assigned[old.period_id])
        closed = self.conn.execute(
            sa.update(periods)
            .where(periods.c.version_id == old.version_id, periods.c.superseded_at.is_(None))
            .values(superseded_at=new.recorded_at)
        )
        if self._current is not None:
            self._current.pop(old.person_id, None)
        if closed.rowcount != 1:
            return None
        return self.add(new)

    def replace_many(self, pairs: list[tuple[Period, Period]]) -> None:
        """`replace` for a batch: one UPDATE of the old versions, one COPY of the new ones. The old versions are the
        current ones of their periods (a chunk holds its rows), found through the period_id index."""
        if not pairs:
            return
        self.forget()
        at = pairs[0][1].recorded_at
        for part in db.id_slices(self.conn, [old.period_id for old, _new in pairs]):
            self.conn.execute(
                sa.update(periods)
                .where(db.one_of(self.conn, periods.c.period_id, part), periods.c.superseded_at.is_(None))
                .values(superseded_at=at)
            )
        bulk.insert(self.conn, periods, [rows.period_values(new) for _old, new in pairs])


_INSERT = sa.insert(periods)


def _with_id(version: Period, version_id: int) -> Period:
    import dataclasses

    return dataclasses.replace(version, version_id=version_id)


COVERAGE_COLUMNS = (
    "person_id",
    "household_id",
    "name_kanji",
    "birth_date",
    "resident_status",
    "insured",
    "acquired_on",
    "residence_expires_on",
    "residence_excluded",
    "dv_support",
)


def _dv_status_on(day: dt.date):
    """The person holds a dv_support status on `day` (rule DV follows the status period, not a stored flag)."""
    return sa.exists().where(
        status_periods.c.person_id == persons.c.person_id,
        status_periods.c.kind == "dv_support",
        status_periods.c.superseded_at.is_(None),
        status_periods.c.start <= day,
        sa.or_(status_periods.c["end"].is_(None), status_periods.c["end"] >= day),
    )


def coverage_facts_query(day: dt.date, *, after: str, limit: int, excluded: Iterable[str], person_ids=()):
    """Every person after `after` (by id) with whether a period covers `day`: the rows of ExportCoverageFacts."""
    covered = sa.and_(periods.c.person_id == persons.c.person_id, *covering(day))
    one = sa.literal(1)
    zero = sa.literal(0)
    query = (
        sa.select(
            persons.c.person_id,
            persons.c.household_id,
            persons.c.name_kanji,
            persons.c.birth_date,
            persons.c.resident_status,
            sa.case((periods.c.person_id.is_not(None), one), else_=zero),
            periods.c.acquired_on,
            persons.c.residence_expires_on,
            sa.case((persons.c.residence_status.in_(sorted(excluded)), one), else_=zero),
            sa.case((sa.or_(persons.c.dv_support.is_(True), _dv_status_on(day)), one), else_=zero),
        )
        .select_from(persons.outerjoin(periods, covered))
        .where(persons.c.person_id > after)
    )
    if person_ids:
        query = query.where(persons.c.person_id.in_(list(person_ids)))
    return query.order_by(persons.c.person_id).limit(limit)


def coverage_facts_csv(conn: sa.Connection, query) -> tuple[bytes, int, str]:
    """The rows of `query` as headless UTF-8 CSV, their count and the last person id: a COPY on PostgreSQL."""
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        chunks = []
        with conn.connection.driver_connection.cursor() as cur:
            with cur.copy(f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv)", compiled.params) as copy:
                for chunk in copy:
                    chunks.append(bytes(chunk))
        data = b"".join(chunks)
    else:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerows(conn.execute(query))
        data = buffer.getvalue().encode("utf-8")
    if not data:
        return b"", 0, ""
    if b'"' in data:  # a quoted field may hold a line break: count the rows as CSV
        parsed = list(csv.reader(io.StringIO(data.decode("utf-8"))))
        return data, len(parsed), parsed[-1][0]
    last_line = data.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    return data, data.count(b"\n"), last_line.split(b",", 1)[0].decode("ascii")
