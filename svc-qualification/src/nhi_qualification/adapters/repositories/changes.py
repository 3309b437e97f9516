"""Registered changes (the 2.3.1 change list) and the intake items waiting for a clerk."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from nhi_common import db, paging
from nhi_common.plumbing import utcnow

from .. import bulk, deferred
from ..tables import changes, intake_items

_INSERT_CHANGE = sa.insert(changes)


class ChangeRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        # Households known to have no open intake item in this unit of work (prefetch_intake), kept true by
        # add_intake_item.
        self._quiet: set[str] = set()
        # Changes kept back while the unit of work defers writes (defer_writes), written by `write_kept`.
        self.kept: list[dict[str, Any]] | None = None

    def defer_writes(self) -> None:
        self.kept = []

    def write_kept(self) -> None:
        """The kept-back changes in order: one insert per run of rows with the same columns."""
        if not self.kept:
            return
        kept, self.kept = self.kept, []
        start = 0
        for end in range(1, len(kept) + 1):
            if end == len(kept) or kept[end].keys() != kept[start].keys():
                deferred.insert(self.conn, changes, kept[start:end])
                start = end

    def prefetch_intake(self, household_ids: list[str]) -> None:
        """Note which of these households have no open intake item, in one statement."""
        wanted = list(dict.fromkeys(household_ids))
        if not wanted:
            return
        busy = set(
            self.conn.scalars(
                sa.select(intake_items.c.household_id)
                .where(db.one_of(self.conn, intake_items.c.household_id, wanted), intake_items.c.state == "open")
                .distinct()
            )
        )
        self._quiet.update(h for h in wanted if h not in busy)

    def forget(self) -> None:
        self._quiet.clear()

    def add(self, **values: Any) -> None:
        if self.kept is not None:
            self.kept.append({"recorded_at": utcnow(), **values})
            return
        self.conn.execute(_INSERT_CHANGE, {"recorded_at": utcnow(), **values})  # built once, values as parameters

    def add_many(self, rows: list[dict[str, Any]]) -> None:
        bulk.insert(self.conn, changes, rows)

    def get(self, change_id: str):
        return self.conn.execute(sa.select(changes).where(changes.c.change_id == change_id)).first()

    def set_notified_on(self, change_id: str, notified_on: dt.date) -> None:
        self.conn.execute(sa.update(changes).where(changes.c.change_id == change_id).values(notified_on=notified_on))

    def page(
        self,
        *,
        from_date: dt.date | None,
        to_date: dt.date | None,
        operator_id: str,
        reason: str,
        kind: str,
        page: paging.Page,
    ) -> tuple[list, str]:
        """Registered changes by business date (inclusive range), oldest first (processing order)."""
        query = sa.select(changes)
        if from_date is not None:
            query = query.where(changes.c.business_date >= from_date)
        if to_date is not None:
            query = query.where(changes.c.business_date <= to_date)
        for column, value in ((changes.c.operator_id, operator_id), (changes.c.reason, reason), (changes.c.kind, kind)):
            if value:
                query = query.where(column == value)
        return paging.keyset(self.conn, query, changes.c.seq, page)

    def decisions_page(
        self,
        *,
        person_id: str,
        household_id: str,
        from_date: dt.date | None,
        to_date: dt.date | None,
        page: paging.Page,
    ) -> tuple[list, str]:
        """The changes (each kept with its decision) of a person or household, oldest first."""
        query = sa.select(changes)
        if person_id:
            # person_ids is a JSON list of strings: the id stands quoted in it.
            quoted = json.dumps(person_id).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(changes.c.person_ids.like(f"%{quoted}%", escape="\\"))
        if household_id:
            query = query.where(changes.c.household_id == household_id)
        if from_date is not None:
            query = query.where(changes.c.business_date >= from_date)
        if to_date is not None:
            query = query.where(changes.c.business_date <= to_date)
        return paging.keyset(self.conn, query, changes.c.seq, page)

    # ----- intake items -----

    def add_intake_item(
        self, *, source_change_id: str, kind: str, household_id: str, person_ids: list[str], event_date: dt.date
    ) -> str:
        item_id = str(uuid.uuid4())
        self._quiet.discard(household_id)
        self.conn.execute(
            sa.insert(intake_items).values(
                item_id=item_id,
                source_change_id=source_change_id,
                kind=kind,
                household_id=household_id,
                person_ids=json.dumps(person_ids),
                event_date=event_date,
                created_at=utcnow(),
            )
        )
        return item_id

    def close_intake_items(self, household_id: str, person_ids: Iterable[str]) -> None:
        """A notification for any person of an open intake item settles it (members who do not join stay out)."""
        if household_id in self._quiet:
            return
        wanted = set(person_ids)
        open_items = self.conn.execute(
            sa.select(intake_items.c.item_id, intake_items.c.person_ids).where(
                intake_items.c.household_id == household_id, intake_items.c.state == "open"
            )
        )
        done = [row.item_id for row in open_items if set(json.loads(row.person_ids)) & wanted]
        if done:
            self.conn.execute(sa.update(intake_items).where(intake_items.c.item_id.in_(done)).values(state="done"))

    def intake_page(self, state: str, page: paging.Page) -> tuple[list, str]:
        query = sa.select(intake_items)
        if state:
            query = query.where(intake_items.c.state == state)
        return paging.keyset(self.conn, query, intake_items.c.seq, page)
