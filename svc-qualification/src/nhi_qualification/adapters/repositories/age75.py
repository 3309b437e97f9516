"""The set-based reads of the age75_loss batch: who reaches 75 in a window, and a chunk's households in memory."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator

import sqlalchemy as sa

from nhi_common import db

from ...domain.household_state import HouseholdState
from ...domain.model import Period
from ..tables import burden_determinations, certificates, households, income_facts, periods, persons, status_periods
from .burden import SPECIFIC_SAME_HOUSEHOLD, income

ONE_DAY = dt.timedelta(days=1)


def _window(births: tuple[dt.date, dt.date], days: tuple[dt.date, dt.date]) -> list:
    """Persons born in `births` with a current period that may still run in `days`."""
    lo, hi = days
    running = sa.exists().where(
        periods.c.person_id == persons.c.person_id,
        periods.c.superseded_at.is_(None),
        periods.c.void == sa.false(),
        periods.c.acquired_on < hi + ONE_DAY,
        sa.or_(periods.c.lost_on.is_(None), periods.c.lost_on >= lo),
    )
    return [persons.c.birth_date.between(*births), running]


class Age75Repository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def candidates(
        self, births: tuple[dt.date, dt.date], days: tuple[dt.date, dt.date]
    ) -> Iterator[tuple[str, dt.date]]:
        """(person_id, birth_date) of the candidates, by person_id, streamed."""
        query = (
            sa.select(persons.c.person_id, persons.c.birth_date)
            .where(*_window(births, days))
            .order_by(persons.c.person_id)
        )
        yield from self.conn.execute(query.execution_options(yield_per=5000))

    def chunk_candidates(
        self, first: str, last: str, births: tuple[dt.date, dt.date], days: tuple[dt.date, dt.date]
    ) -> list:
        """The candidates' persons rows in [first, last], by birth date then person id (the order of the losses)."""
        return self.conn.execute(
            sa.select(persons)
            .where(persons.c.person_id.between(first, last), *_window(births, days))
            .order_by(persons.c.birth_date, persons.c.person_id)
        ).all()

    def state(self, household_ids: Iterable[str], target_ids: Iterable[str], years: Iterable[int]) -> HouseholdState:
        """The targets' households with their members (resident-register order), the members' current period
        versions and 特定同一世帯所属者 statuses, their incomes of the years involved, heads and addresses, the last
        stored determination of each household, and the targets' issued certificates."""
        conn, state = self.conn, HouseholdState()
        hids, years = sorted(set(household_ids)), sorted(set(years))
        t = burden_determinations
        for part in db.id_slices(conn, hids):
            for r in conn.execute(
                sa.select(households.c.household_id, households.c.head_person_id, households.c.address).where(
                    db.one_of(conn, households.c.household_id, part)
                )
            ):
                state.heads[r.household_id] = r.head_person_id
                state.addresses[r.household_id] = json.loads(r.address or "{}")
            for r in conn.execute(
                sa.select(
                    persons.c.person_id,
                    persons.c.household_id,
                    persons.c.birth_date,
                    persons.c.listing_order,
                    persons.c.dv_support,
                )
                .where(db.one_of(conn, persons.c.household_id, part))
                .order_by(persons.c.household_id, persons.c.listing_order, persons.c.person_id)
            ):
                state.members.setdefault(r.household_id, []).append(r)
            newest = (
                sa.select(sa.func.max(t.c.seq).label("seq"))
                .where(db.one_of(conn, t.c.household_id, part))
                .group_by(t.c.household_id)
                .subquery()
            )
            for r in conn.execute(
                sa.select(t.c.household_id, t.c.ratio_percent, t.c.limit_category).join(newest, newest.c.seq == t.c.seq)
            ):
                state.latest[r.household_id] = (r.ratio_percent, r.limit_category)
        member_ids = [m.person_id for ms in state.members.values() for m in ms]
        for part in db.id_slices(conn, member_ids):
            for r in conn.execute(
                sa.select(
                    periods.c.period_id,
                    periods.c.person_id,
                    periods.c.acquired_on,
                    periods.c.lost_on,
                    periods.c.coverage_starts_on,
                    periods.c.coverage_ends_on,
                    periods.c.void,
                ).where(db.one_of(conn, periods.c.person_id, part), periods.c.superseded_at.is_(None))
            ):
                state.periods.setdefault(r.person_id, []).append(_sketch(r))
            for r in conn.execute(
                sa.select(
                    status_periods.c.person_id, status_periods.c.kind, status_periods.c.start, status_periods.c["end"]
                ).where(
                    db.one_of(conn, status_periods.c.person_id, part),
                    status_periods.c.kind.in_((SPECIFIC_SAME_HOUSEHOLD, "dv_support")),
                    status_periods.c.superseded_at.is_(None),
                )
            ):
                kept = state.specific if r.kind == SPECIFIC_SAME_HOUSEHOLD else state.dv
                kept.setdefault(r.person_id, []).append((r.start, r.end))
            if years:
                for r in conn.execute(
                    sa.select(income_facts).where(
                        db.one_of(conn, income_facts.c.person_id, part), income_facts.c.income_year.in_(years)
                    )
                ):
                    state.incomes[(r.person_id, r.income_year)] = income(r)
        for part in db.id_slices(conn, list(target_ids)):
            for r in conn.execute(
                sa.select(certificates.c.seq, certificates.c.person_id, certificates.c.valid_until).where(
                    db.one_of(conn, certificates.c.person_id, part), certificates.c.state == "issued"
                )
            ):
                state.certificates.setdefault(r.person_id, []).append(dict(r._mapping))
        return state


def _sketch(row) -> Period:
    """A version with what the household questions need (dates, void); the rest is not read."""
    return Period(
        period_id=row.period_id,
        person_id=row.person_id,
        household_id="",
        insurer_number="",
        symbol="",
        number="",
        branch_no="",
        acquired_on=row.acquired_on,
        acquired_reason="",
        lost_on=row.lost_on,
        lost_reason=None,
        recorded_at=None,
        superseded_at=None,
        change_id="",
        coverage_starts_on=row.coverage_starts_on,
        coverage_ends_on=row.coverage_ends_on,
        void=bool(row.void),
    )
