"""Queries of the records side: period versions for corrections, the certificate ledger, the change list.

Every query over qualification periods here ignores void versions (`void = false`) unless it asks for
one version by id: an undone version is kept for the record but no longer counts.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from nhi_common.plumbing import utcnow

from ..domain.errors import RuleViolation
from .store import snapshot_person
from .tables import PLUMBING, certificates, changes, periods, persons

outbox = PLUMBING["outbox"]
# The certificates that must come back when a qualification ends (2.1.3); a 資格情報のお知らせ is not collected.
COLLECTED_KINDS = ("eligibility_certificate", "elderly_recipient_certificate")


def current_version(conn: sa.Connection, period_id: str):
    """The current (not superseded) version of a period, void or not; None when the period is unknown."""
    return conn.execute(sa.select(periods).where(periods.c.period_id == period_id, periods.c.superseded_at.is_(None))
                        .order_by(periods.c.version_id.desc()).limit(1)).first()


def period_exists(conn: sa.Connection, period_id: str) -> bool:
    return conn.execute(sa.select(periods.c.version_id).where(periods.c.period_id == period_id).limit(1)).first() is not None


def other_current_periods(conn: sa.Connection, person_id: str, period_id: str) -> list[tuple[dt.date, dt.date | None]]:
    """The person's other current, non-void periods as (acquired_on, lost_on)."""
    rows = conn.execute(sa.select(periods.c.acquired_on, periods.c.lost_on).where(
        periods.c.person_id == person_id, periods.c.period_id != period_id, periods.c.superseded_at.is_(None),
        periods.c.void == sa.false()))
    return [(r.acquired_on, r.lost_on) for r in rows]


def covering_period(conn: sa.Connection, person_id: str, day: dt.date):
    """The current, non-void version covering `day`, if any."""
    return conn.execute(sa.select(periods).where(
        periods.c.person_id == person_id, periods.c.superseded_at.is_(None), periods.c.void == sa.false(),
        _covers(day)).limit(1)).first()


def _covers(day: dt.date):
    """Insured here on `day`: within [acquired_on, lost_on) and the municipality's coverage (適用開始/終了)."""
    return sa.and_(sa.func.coalesce(periods.c.coverage_starts_on, periods.c.acquired_on) <= day,
                   sa.or_(periods.c.lost_on.is_(None), periods.c.lost_on > day),
                   sa.or_(periods.c.coverage_ends_on.is_(None), periods.c.coverage_ends_on > day))


def supersede_version(conn: sa.Connection, version_id: int, at: dt.datetime) -> bool:
    """Close one version's record time; False when someone else closed it first (optimistic lock)."""
    result = conn.execute(sa.update(periods).where(periods.c.version_id == version_id, periods.c.superseded_at.is_(None))
                          .values(superseded_at=at))
    return result.rowcount == 1


def insert_version(conn: sa.Connection, values: dict[str, Any]) -> int:
    result = conn.execute(sa.insert(periods).values(**values))
    return int(result.inserted_primary_key[0])


def version_by_id(conn: sa.Connection, version_id: int):
    return conn.execute(sa.select(periods).where(periods.c.version_id == version_id)).first()


def period_change_ids(conn: sa.Connection, period_id: str) -> set[str]:
    return set(conn.execute(sa.select(periods.c.change_id).where(periods.c.period_id == period_id)).scalars())


def published_change_ids(conn: sa.Connection, person_id: str, change_ids: set[str]) -> set[str]:
    """Which of `change_ids` had an event of this person already published by the outbox relay."""
    rows = conn.execute(sa.select(outbox.c.data).where(outbox.c.ce_subject == person_id,
                                                       outbox.c.published_at.is_not(None)))
    found = set()
    for row in rows:
        try:
            change_id = json.loads(row.data).get("change_id")
        except ValueError:
            continue
        if change_id in change_ids:
            found.add(change_id)
    return found


def get_change(conn: sa.Connection, change_id: str):
    return conn.execute(sa.select(changes).where(changes.c.change_id == change_id)).first()


def set_change_notified_on(conn: sa.Connection, change_id: str, notified_on: dt.date) -> None:
    conn.execute(sa.update(changes).where(changes.c.change_id == change_id).values(notified_on=notified_on))


def update_person(conn: sa.Connection, person_id: str, **values: Any) -> None:
    conn.execute(sa.update(persons).where(persons.c.person_id == person_id)
                 .values(version=persons.c.version + 1, updated_at=utcnow(), **values))
    snapshot_person(conn, person_id, "correction")


# ----- certificate ledger -----

def get_certificate(conn: sa.Connection, certificate_id: str):
    return conn.execute(sa.select(certificates).where(certificates.c.certificate_id == certificate_id)).first()


def certificate_by_document(conn: sa.Connection, document_id: str):
    return conn.execute(sa.select(certificates).where(certificates.c.document_id == document_id)
                        .order_by(certificates.c.seq).limit(1)).first()


def insert_certificate(conn: sa.Connection, **values: Any) -> None:
    conn.execute(sa.insert(certificates).values(updated_at=utcnow(), **values))


def update_certificate(conn: sa.Connection, certificate_id: str, **values: Any) -> None:
    conn.execute(sa.update(certificates).where(certificates.c.certificate_id == certificate_id)
                 .values(updated_at=utcnow(), **values))


def mark_replaced(conn: sa.Connection, *, person_id: str, kind: str, except_id: str) -> int:
    """Older issued certificates of the same kind are to be collected once a new one is issued."""
    result = conn.execute(sa.update(certificates).where(
        certificates.c.person_id == person_id, certificates.c.kind == kind, certificates.c.state == "issued",
        certificates.c.certificate_id != except_id, certificates.c.collect == sa.false()).values(collect=True,
                                                                                              updated_at=utcnow()))
    return result.rowcount


def issued_certificates(conn: sa.Connection, person_id: str, kinds: Iterable[str]) -> list:
    return list(conn.execute(sa.select(certificates).where(
        certificates.c.person_id == person_id, certificates.c.state == "issued", certificates.c.kind.in_(list(kinds)))
        .order_by(certificates.c.seq)))


def mark_for_collection(conn: sa.Connection, person_ids: Iterable[str], kinds: Iterable[str]) -> int:
    ids = list(person_ids)
    if not ids:
        return 0
    result = conn.execute(sa.update(certificates).where(
        certificates.c.person_id.in_(ids), certificates.c.state == "issued", certificates.c.kind.in_(list(kinds)),
        certificates.c.collect == sa.false()).values(collect=True, updated_at=utcnow()))
    return result.rowcount


def certificates_query(*, person_id: str, state: str, outstanding_after_loss_on: dt.date | None):
    query = sa.select(certificates)
    if person_id:
        query = query.where(certificates.c.person_id == person_id)
    if state:
        query = query.where(certificates.c.state == state)
    if outstanding_after_loss_on is not None:
        day = outstanding_after_loss_on
        current = sa.and_(periods.c.person_id == certificates.c.person_id, periods.c.superseded_at.is_(None),
                          periods.c.void == sa.false())
        covering = sa.exists().where(current, _covers(day))
        ended = sa.exists().where(current, sa.or_(periods.c.lost_on <= day, periods.c.coverage_ends_on <= day))
        query = query.where(certificates.c.state == "issued", ended, ~covering)
    return query


# ----- change review list (2.3.1) -----

def changes_query(*, from_date: dt.date | None, to_date: dt.date | None, operator_id: str, reason: str, kind: str):
    query = sa.select(changes)
    if from_date is not None:
        query = query.where(changes.c.business_date >= from_date)
    if to_date is not None:
        query = query.where(changes.c.business_date <= to_date)
    if operator_id:
        query = query.where(changes.c.operator_id == operator_id)
    if reason:
        query = query.where(changes.c.reason == reason)
    if kind:
        query = query.where(changes.c.kind == kind)
    return query


def page_by_seq(conn: sa.Connection, query, seq_column, page_size: int, cursor: str) -> tuple[list, str]:
    """Keyset pagination, oldest first, on an integer sequence; the cursor is the last sequence seen."""
    size = max(1, min(page_size or 50, 500))
    if cursor:
        if not cursor.isdigit():
            raise RuleViolation("page.cursor", "not a cursor this list gave out", code="INVALID_CURSOR")
        query = query.where(seq_column > int(cursor))
    rows = list(conn.execute(query.order_by(seq_column).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    return rows, (str(getattr(rows[-1], seq_column.name)) if more and rows else "")


def certificate_dict(row) -> dict[str, Any]:
    """One ledger row with the Certificate message's field names."""
    return {"certificate_id": row.certificate_id, "kind": row.kind, "person_id": row.person_id,
            "household_id": row.household_id, "certificate_number": row.certificate_number or "",
            "issued_on": row.issued_on.isoformat(), "valid_from": row.valid_from.isoformat(),
            "valid_until": row.valid_until.isoformat() if row.valid_until else "", "state": row.state, "returned_on": row.returned_on.isoformat() if row.returned_on else "",
            "document_id": row.document_id or "", "collect": bool(row.collect), "note": row.note or ""}
