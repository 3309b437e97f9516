"""Repositories of svc-qualification over SQLAlchemy Core connections."""

from __future__ import annotations

import datetime as dt
import functools
import json
import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from nhi_common.plumbing import utcnow

from ..domain.model import Period, Reason
from ..domain.special_statuses import StatusPeriod
from .tables import branches, changes, households, intake_items, periods, person_versions, persons, status_periods


def _reasons(text: str) -> tuple[Reason, ...]:
    return tuple(Reason(r["rule_id"], r["summary"], r.get("basis", ""), r.get("facts", {})) for r in json.loads(text or "[]"))


def _period(row) -> Period:
    return Period(
        period_id=row.period_id, person_id=row.person_id, household_id=row.household_id,
        insurer_number=row.insurer_number, symbol=row.symbol, number=row.number, branch_no=row.branch_no,
        acquired_on=row.acquired_on, acquired_reason=row.acquired_reason, lost_on=row.lost_on,
        lost_reason=row.lost_reason, recorded_at=_aware(row.recorded_at), superseded_at=_aware(row.superseded_at),
        change_id=row.change_id, reasons=_reasons(row.reasons), version_id=row.version_id,
        coverage_starts_on=row.coverage_starts_on, coverage_ends_on=row.coverage_ends_on, void=bool(row.void),
        correction_reason=row.correction_reason or "", operator_id=row.operator_id or "",
    )


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def get_person(conn: sa.Connection, person_id: str):
    return conn.execute(sa.select(persons).where(persons.c.person_id == person_id)).first()


def get_household(conn: sa.Connection, household_id: str):
    return conn.execute(sa.select(households).where(households.c.household_id == household_id)).first()


def household_members(conn: sa.Connection, household_id: str) -> list:
    return list(conn.execute(sa.select(persons).where(persons.c.household_id == household_id)
                             .order_by(persons.c.listing_order, persons.c.person_id)))


def current_periods(conn: sa.Connection, person_ids: Iterable[str]) -> dict[str, Period]:
    """The latest period (by acquisition) of each person, as currently recorded; undone (void) ones left out."""
    ids = list(person_ids)
    if not ids:
        return {}
    rows = conn.execute(sa.select(periods).where(periods.c.person_id.in_(ids), periods.c.superseded_at.is_(None),
                                                 periods.c.void.is_(False))
                        .order_by(periods.c.acquired_on))
    latest: dict[str, Period] = {}
    for row in rows:
        latest[row.person_id] = _period(row)
    return latest


def _as_of(as_of, known_at, *, bound_known_at: bool = False) -> list:
    """Criteria on `periods` for the version covering `as_of`, as recorded at `known_at` (now when None)."""
    criteria = [periods.c.void.is_(False),
                sa.func.coalesce(periods.c.coverage_starts_on, periods.c.acquired_on) <= as_of,
                sa.or_(periods.c.lost_on.is_(None), periods.c.lost_on > as_of),
                sa.or_(periods.c.coverage_ends_on.is_(None), periods.c.coverage_ends_on > as_of)]
    if known_at is None and not bound_known_at:
        criteria.append(periods.c.superseded_at.is_(None))
    else:
        criteria += [periods.c.recorded_at <= known_at,
                     sa.or_(periods.c.superseded_at.is_(None), periods.c.superseded_at > known_at)]
    return criteria


def period_as_of(conn: sa.Connection, person_id: str, as_of: dt.date, known_at: dt.datetime | None) -> Period | None:
    """The version covering `as_of` in this municipality, as recorded at `known_at` (now when None)."""
    query = sa.select(periods).where(periods.c.person_id == person_id, *_as_of(as_of, known_at))
    row = conn.execute(query.order_by(periods.c.recorded_at.desc()).limit(1)).first()
    return _period(row) if row else None


_PERIOD_PREFIX = "period__"


@functools.cache
def _person_as_of_statement(with_known_at: bool) -> sa.Select:
    """Built once (its compiled form and cache key are then reused): the person, left-joined to the period versions
    covering :as_of (as recorded at :known_at), the latest first, and whether current special statuses exist."""
    as_of = sa.bindparam("as_of", type_=sa.Date)
    known_at = sa.bindparam("known_at", type_=periods.c.recorded_at.type) if with_known_at else None
    has_statuses = sa.exists().where(status_periods.c.person_id == persons.c.person_id,
                                     status_periods.c.superseded_at.is_(None))
    join = persons.outerjoin(periods, sa.and_(periods.c.person_id == persons.c.person_id,
                                              *_as_of(as_of, known_at, bound_known_at=with_known_at)))
    return (sa.select(persons, *[c.label(_PERIOD_PREFIX + c.name) for c in periods.c],
                      has_statuses.label("has_statuses"))
            .select_from(join).where(persons.c.person_id == sa.bindparam("person_id"))
            .order_by(periods.c.recorded_at.desc()).limit(1))


def person_as_of(conn: sa.Connection, person_id: str, as_of: dt.date, known_at: dt.datetime | None):
    """One statement for a confirmation: (person row, the period `period_as_of` would give, whether the person has
    current special statuses), or None when there is no such person. The row has every `persons` column."""
    params = {"person_id": person_id, "as_of": as_of}
    if known_at is not None:
        params["known_at"] = known_at
    row = conn.execute(_person_as_of_statement(known_at is not None), params).first()
    if row is None:
        return None
    values = row._mapping
    period = None
    if values[_PERIOD_PREFIX + "version_id"] is not None:
        period = _period(_Prefixed(values))
    return row, period, bool(row.has_statuses)


class _Prefixed:
    """Attribute access to the period columns of a joined row."""

    __slots__ = ("_values",)

    def __init__(self, values) -> None:
        self._values = values

    def __getattr__(self, name: str):
        return self._values[_PERIOD_PREFIX + name]


def current_status_rows(conn: sa.Connection, person_ids: list[str]) -> dict[str, list]:
    """The special-status rows of each person as currently recorded (by start), in one statement."""
    if not person_ids:
        return {}
    rows = conn.execute(sa.select(status_periods).where(status_periods.c.person_id.in_(person_ids),
                                                        status_periods.c.superseded_at.is_(None))
                        .order_by(status_periods.c.person_id, status_periods.c.start))
    out: dict[str, list] = {}
    for row in rows:
        out.setdefault(row.person_id, []).append(row)
    return out


def history(conn: sa.Connection, person_id: str) -> list[Period]:
    rows = conn.execute(sa.select(periods).where(periods.c.person_id == person_id)
                        .order_by(periods.c.acquired_on, periods.c.recorded_at, periods.c.version_id))
    return [_period(r) for r in rows]


def bump_household(conn: sa.Connection, household_id: str, seen_version: int, **values: Any) -> int:
    """Optimistic lock: advance the version only if nobody else did since `seen_version`; returns the new version or 0."""
    result = conn.execute(sa.update(households)
                          .where(households.c.household_id == household_id, households.c.version == seen_version)
                          .values(version=seen_version + 1, updated_at=utcnow(), **values))
    return seen_version + 1 if result.rowcount == 1 else 0


def branch_for(conn: sa.Connection, symbol: str, number: str, person_id: str) -> str | None:
    row = conn.execute(sa.select(branches.c.branch_no).where(
        branches.c.symbol == symbol, branches.c.number == number, branches.c.person_id == person_id)).first()
    return row.branch_no if row else None


def add_branch(conn: sa.Connection, symbol: str, number: str, branch_no: str, person_id: str) -> None:
    conn.execute(sa.insert(branches).values(symbol=symbol, number=number, branch_no=branch_no, person_id=person_id))


def next_household_number(conn: sa.Connection, symbol: str) -> str:
    """The next free 番号 under `symbol` (7 digits)."""
    numbers = conn.execute(sa.select(households.c.number).where(households.c.symbol == symbol)).scalars()
    highest = max((int(n) for n in numbers if n and n.isdigit()), default=0)
    return f"{highest + 1:07d}"


def insert_period(conn: sa.Connection, *, period_id: str | None = None, recorded_at: dt.datetime, change_id: str,
                  reasons: Iterable[Reason], **values: Any) -> str:
    period_id = period_id or str(uuid.uuid4())
    conn.execute(sa.insert(periods).values(
        period_id=period_id, recorded_at=recorded_at, change_id=change_id,
        reasons=json.dumps([r.as_dict() for r in reasons], ensure_ascii=False), **values))
    return period_id


def supersede_period(conn: sa.Connection, period_id: str, at: dt.datetime) -> None:
    conn.execute(sa.update(periods).where(periods.c.period_id == period_id, periods.c.superseded_at.is_(None))
                 .values(superseded_at=at))


def insert_change(conn: sa.Connection, **values: Any) -> None:
    conn.execute(sa.insert(changes).values(recorded_at=utcnow(), **values))


def add_intake_item(conn: sa.Connection, *, source_change_id: str, kind: str, household_id: str,
                    person_ids: list[str], event_date: dt.date) -> str:
    item_id = str(uuid.uuid4())
    conn.execute(sa.insert(intake_items).values(
        item_id=item_id, source_change_id=source_change_id, kind=kind, household_id=household_id,
        person_ids=json.dumps(person_ids), event_date=event_date, created_at=utcnow()))
    return item_id


def close_intake_items(conn: sa.Connection, household_id: str, person_ids: Iterable[str]) -> None:
    """A notification for any person of an open intake item settles it (members who do not join stay out)."""
    wanted = set(person_ids)
    rows = conn.execute(sa.select(intake_items.c.item_id, intake_items.c.person_ids)
                        .where(intake_items.c.household_id == household_id, intake_items.c.state == "open"))
    for row in rows:
        if set(json.loads(row.person_ids)) & wanted:
            conn.execute(sa.update(intake_items).where(intake_items.c.item_id == row.item_id).values(state="done"))


# The resident-derived attributes kept in person_versions (never the My Number).
VERSIONED = ("household_id", "name_kanji", "name_kana", "birth_date", "sex", "relationship", "listing_order",
             "resident_since", "resident_status", "nationality", "residence_status", "residence_expires_on",
             "dv_support", "display_name", "card_registered")


def snapshot_person(conn: sa.Connection, person_id: str, cause: str) -> None:
    """Keep the person's attributes as they are now in this transaction, as a new version."""
    row = get_person(conn, person_id)
    attributes = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k in VERSIONED for v in [getattr(row, k)]}
    conn.execute(sa.insert(person_versions).values(person_id=person_id, version=row.version, recorded_at=utcnow(),
                                                   cause=cause, attributes=json.dumps(attributes, ensure_ascii=False)))


def person_history(conn: sa.Connection, person_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(person_versions).where(person_versions.c.person_id == person_id)
                        .order_by(person_versions.c.seq))
    return [{"version": r.version, "recorded_at": _aware(r.recorded_at).isoformat(), "cause": r.cause,
             "attributes": json.loads(r.attributes)} for r in rows]


def current_statuses(conn: sa.Connection, person_id: str) -> list[tuple[str, StatusPeriod]]:
    """The special statuses of a person as currently recorded, with their ids."""
    rows = conn.execute(sa.select(status_periods).where(status_periods.c.person_id == person_id,
                                                        status_periods.c.superseded_at.is_(None))
                        .order_by(status_periods.c.start))
    return [(r.status_id, StatusPeriod(person_id=r.person_id, kind=r.kind, start=r.start, end=r.end,
                                       evidence=tuple(json.loads(r.evidence)), separation_date=r.separation_date,
                                       separation_code=r.separation_code)) for r in rows]





def page(conn: sa.Connection, query, key_column, page_size: int, cursor: str) -> tuple[list, str]:
    """Keyset pagination on an increasing key; the cursor is the last key seen."""
    size = max(1, min(page_size or 50, 500))
    if cursor:
        query = query.where(key_column > cursor if not isinstance(key_column.type, sa.Integer) else key_column > int(cursor))
    rows = list(conn.execute(query.order_by(key_column).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = str(getattr(rows[-1], key_column.name)) if more and rows else ""
    return rows, next_cursor
