"""Qualification period versions (bitemporal): read as of a day and a moment, closed and replaced, never edited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa

from ...domain.model import Period
from .. import bulk, rows
from ..tables import households, periods, persons


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

    def current(self, person_ids: Iterable[str]) -> dict[str, Period]:
        """The latest period (by acquisition) of each person, as currently recorded; undone (void) ones left out."""
        latest: dict[str, Period] = {}
        for part in bulk.id_slices(self.conn, list(person_ids)):
            if not part:
                continue
            query = (
                sa.select(periods)
                .where(
                    bulk.one_of(self.conn, periods.c.person_id, part),
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
        query = sa.select(periods.c.person_id).where(periods.c.person_id.in_(ids), *covering(day, known_at))
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
        """Store a new version (of a new period, or after `replace` closed the old one); returns it with its id."""
        result = self.conn.execute(sa.insert(periods).values(**rows.period_values(version)))
        return _with_id(version, int(result.inserted_primary_key[0]))

    def replace(self, old: Period, new: Period) -> Period | None:
        """Close `old`'s record time and store `new`: the one close-and-replace of a version. None when someone
        else closed `old` first (the caller's version is stale) and nothing was written."""
        closed = self.conn.execute(
            sa.update(periods)
            .where(periods.c.version_id == old.version_id, periods.c.superseded_at.is_(None))
            .values(superseded_at=new.recorded_at)
        )
        if closed.rowcount != 1:
            return None
        return self.add(new)

    def replace_many(self, pairs: list[tuple[Period, Period]]) -> None:
        """`replace` for a batch: one UPDATE of the old versions, one COPY of the new ones. The old versions are the
        current ones of their periods (a chunk holds its rows), found through the period_id index."""
        if not pairs:
            return
        at = pairs[0][1].recorded_at
        for part in bulk.id_slices(self.conn, [old.period_id for old, _new in pairs]):
            self.conn.execute(
                sa.update(periods)
                .where(bulk.one_of(self.conn, periods.c.period_id, part), periods.c.superseded_at.is_(None))
                .values(superseded_at=at)
            )
        bulk.insert(self.conn, periods, [rows.period_values(new) for _old, new in pairs])


def _with_id(version: Period, version_id: int) -> Period:
    import dataclasses

    return dataclasses.replace(version, version_id=version_id)
