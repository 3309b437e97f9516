"""The certificate ledger (2.1.3): what was issued to whom, and what came back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from nhi_common import db, paging
from nhi_common.plumbing import utcnow

from ..tables import certificates, periods
from .periods import covering


class CertificateRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def get(self, certificate_id: str):
        return self.conn.execute(sa.select(certificates).where(certificates.c.certificate_id == certificate_id)).first()

    def by_document(self, document_id: str):
        return self.conn.execute(
            sa.select(certificates)
            .where(certificates.c.document_id == document_id)
            .order_by(certificates.c.seq)
            .limit(1)
        ).first()

    def add(self, **values: Any) -> None:
        self.conn.execute(sa.insert(certificates).values(updated_at=utcnow(), **values))

    def by_documents(self, document_ids: list[str]) -> dict[str, Any]:
        """`by_document` of several documents in one statement: the first certificate recorded for each."""
        found: dict[str, Any] = {}
        for part in db.id_slices(self.conn, list(dict.fromkeys(document_ids))):
            query = (
                sa.select(certificates)
                .where(db.one_of(self.conn, certificates.c.document_id, part))
                .order_by(certificates.c.seq)
            )
            for row in self.conn.execute(query):
                found.setdefault(row.document_id, row)
        return found

    def uncollected(self, person_ids: list[str], kinds: Iterable[str]) -> list:
        """The issued certificates of these persons and kinds not yet to be collected (what `mark_replaced` marks),
        in one statement, in the order recorded."""
        found: list = []
        for part in db.id_slices(self.conn, list(dict.fromkeys(person_ids))):
            query = (
                sa.select(certificates)
                .where(
                    db.one_of(self.conn, certificates.c.person_id, part),
                    certificates.c.kind.in_(sorted(set(kinds))),
                    certificates.c.state == "issued",
                    certificates.c.collect == sa.false(),
                )
                .order_by(certificates.c.seq)
            )
            found += self.conn.execute(query).all()
        return found

    def add_many(self, rows: list[dict[str, Any]]) -> None:
        """Record several certificates (each with every column `add` is given), in order, in one statement (a COPY
        on PostgreSQL: a renewal records a fetch of a few hundred at a time)."""
        if rows:
            now = utcnow()
            db.insert_rows(self.conn, certificates, [{"updated_at": now, **r} for r in rows])

    def mark_collected(self, certificate_ids: list[str]) -> None:
        """These certificates are to be collected (a newer one of their kind was issued), in one statement."""
        for part in db.id_slices(self.conn, certificate_ids):
            self.conn.execute(
                sa.update(certificates)
                .where(db.one_of(self.conn, certificates.c.certificate_id, part))
                .values(collect=True, updated_at=utcnow())
            )

    def update(self, certificate_id: str, **values: Any) -> None:
        self.conn.execute(
            sa.update(certificates)
            .where(certificates.c.certificate_id == certificate_id)
            .values(updated_at=utcnow(), **values)
        )

    def mark_replaced(self, *, person_id: str, kind: str, except_id: str) -> int:
        """Older issued certificates of the same kind are to be collected once a new one is issued."""
        result = self.conn.execute(
            sa.update(certificates)
            .where(
                certificates.c.person_id == person_id,
                certificates.c.kind == kind,
                certificates.c.state == "issued",
                certificates.c.certificate_id != except_id,
                certificates.c.collect == sa.false(),
            )
            .values(collect=True, updated_at=utcnow())
        )
        return result.rowcount

    def issued(self, person_id: str, kinds: Iterable[str]) -> list:
        return list(
            self.conn.execute(
                sa.select(certificates)
                .where(
                    certificates.c.person_id == person_id,
                    certificates.c.state == "issued",
                    certificates.c.kind.in_(list(kinds)),
                )
                .order_by(certificates.c.seq)
            )
        )

    def mark_for_collection(self, person_ids: Iterable[str], kinds: Iterable[str]) -> int:
        ids = list(person_ids)
        if not ids:
            return 0
        result = self.conn.execute(
            sa.update(certificates)
            .where(
                db.one_of(self.conn, certificates.c.person_id, ids),
                certificates.c.state == "issued",
                certificates.c.kind.in_(list(kinds)),
                certificates.c.collect == sa.false(),
            )
            .values(collect=True, updated_at=utcnow())
        )
        return result.rowcount

    def end_valid(self, ended: list[tuple[int, dt.date]]) -> None:
        """Shorten certificates (ledger seq, last valid day) whose holder's qualification ended."""
        if ended:
            self.conn.execute(
                sa.update(certificates)
                .where(certificates.c.seq == sa.bindparam("b_seq"))
                .values(valid_until=sa.bindparam("b_until"), updated_at=utcnow()),
                [{"b_seq": seq, "b_until": until} for seq, until in ended],
            )

    def page(
        self, *, person_id: str, state: str, outstanding_after_loss_on: dt.date | None, page: paging.Page
    ) -> tuple[list, str]:
        """The ledger, oldest first; `outstanding_after_loss_on`: still issued although no longer insured then."""
        query = sa.select(certificates)
        if person_id:
            query = query.where(certificates.c.person_id == person_id)
        if state:
            query = query.where(certificates.c.state == state)
        if outstanding_after_loss_on is not None:
            day = outstanding_after_loss_on
            current = sa.and_(
                periods.c.person_id == certificates.c.person_id,
                periods.c.superseded_at.is_(None),
                periods.c.void == sa.false(),
            )
            insured = sa.exists().where(current, *covering(day))
            ended = sa.exists().where(current, sa.or_(periods.c.lost_on <= day, periods.c.coverage_ends_on <= day))
            query = query.where(certificates.c.state == "issued", ended, ~insured)
        return paging.keyset(self.conn, query, certificates.c.seq, page)
