"""Special statuses (特別な資格) as periods per person; a replaced status is superseded, never edited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from nhi_common import db

from ...domain.special_statuses import StatusPeriod
from .. import bulk, rows
from ..tables import dv_releases, status_periods


def active(day, kind: str | None = None, table=status_periods):
    """A current status holding on `day` (end inclusive): SQL of `StatusPeriod.active_on`."""
    criteria = [
        table.c.superseded_at.is_(None),
        table.c.start <= day,
        sa.or_(table.c["end"].is_(None), table.c["end"] >= day),
    ]
    if kind is not None:
        criteria.append(table.c.kind == kind)
    return sa.and_(*criteria)


class StatusRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        # `current` of each person asked in this unit of work when it asked for it (cache_reads); a write drops it.
        self._current: dict[str, list[tuple[str, StatusPeriod]]] | None = None

    def cache_reads(self) -> None:
        self._current = {}

    def forget(self) -> None:
        if self._current is not None:
            self._current = {}

    def prefetch(self, person_ids: list[str]) -> None:
        if self._current is None:
            return
        missing = [p for p in dict.fromkeys(person_ids) if p not in self._current]
        if missing:
            found = self.current_many(missing)
            self._current.update((p, found.get(p, [])) for p in missing)

    def current(self, person_id: str) -> list[tuple[str, StatusPeriod]]:
        """The special statuses of a person as currently recorded (by start), with their ids."""
        if self._current is not None:
            self.prefetch([person_id])
            return list(self._current[person_id])
        return self._read_current(person_id)

    def _read_current(self, person_id: str) -> list[tuple[str, StatusPeriod]]:
        query = (
            sa.select(status_periods)
            .where(status_periods.c.person_id == person_id, status_periods.c.superseded_at.is_(None))
            .order_by(status_periods.c.start)
        )
        return [(r.status_id, rows.status(r)) for r in self.conn.execute(query)]

    def current_many(self, person_ids: list[str]) -> dict[str, list[tuple[str, StatusPeriod]]]:
        """`current` of several persons in one statement."""
        return {
            person_id: [(r.status_id, rows.status(r)) for r in found]
            for person_id, found in self.current_rows(person_ids).items()
        }

    def current_rows(self, person_ids: list[str]) -> dict[str, list]:
        """The special-status rows of each person as currently recorded (by start), in one statement."""
        if not person_ids:
            return {}
        query = (
            sa.select(status_periods)
            .where(
                db.one_of(self.conn, status_periods.c.person_id, person_ids), status_periods.c.superseded_at.is_(None)
            )
            .order_by(status_periods.c.person_id, status_periods.c.start)
        )
        out: dict[str, list] = {}
        for row in self.conn.execute(query):
            out.setdefault(row.person_id, []).append(row)
        return out

    def dv_on(self, person_ids: list[str], day: dt.date) -> set[str]:
        """Which of `person_ids` hold a DV support-measure status (dv_support) on `day` (rule DV)."""
        if not person_ids:
            return set()
        if self._current is not None:  # the same test as `active`, on the statuses read already
            self.prefetch(person_ids)
            return {
                p for p in person_ids if any(s.kind == "dv_support" and s.active_on(day) for _id, s in self._current[p])
            }
        query = sa.select(status_periods.c.person_id).where(
            db.one_of(self.conn, status_periods.c.person_id, person_ids), active(day, "dv_support")
        )
        return set(self.conn.scalars(query))

    def dv_ended_unannounced(self, day: dt.date) -> list:
        """The current dv_support statuses that ended before `day` and whose end was not announced yet (rule DV):
        (status_id, person_id, end) rows, oldest end first."""
        query = (
            sa.select(status_periods.c.status_id, status_periods.c.person_id, status_periods.c["end"])
            .where(
                status_periods.c.kind == "dv_support",
                status_periods.c.superseded_at.is_(None),
                status_periods.c["end"] < day,
                ~sa.exists().where(dv_releases.c.status_id == status_periods.c.status_id),
            )
            .order_by(status_periods.c["end"], status_periods.c.status_id)
        )
        return list(self.conn.execute(query))

    def record_release(self, status_id: str, household_id: str, day: dt.date, at: dt.datetime) -> None:
        """The end of this dv_support status was announced on `day`."""
        self.conn.execute(
            sa.insert(dv_releases).values(
                status_id=status_id, household_id=household_id, released_on=day, recorded_at=at
            )
        )

    def add(self, rows_: list[dict[str, Any]]) -> None:
        self.forget()
        bulk.insert(self.conn, status_periods, rows_)

    def supersede(self, status_id: str, at: dt.datetime) -> None:
        self.forget()
        self.conn.execute(
            sa.update(status_periods)
            .where(status_periods.c.status_id == status_id, status_periods.c.superseded_at.is_(None))
            .values(superseded_at=at)
        )
