"""Persons as the NHI sees them, with every change of their resident-derived attributes kept as a version."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa

from nhi_common import db, paging
from nhi_common.errors import InvalidInput
from nhi_common.plumbing import utcnow

from ...domain.kana import search_key
from ...domain.model import Period
from .. import bulk, deferred, rows
from ..tables import branches, periods, person_versions, persons, status_periods
from .periods import covering

# The resident-derived attributes kept in person_versions (never the My Number).
VERSIONED = (
    "household_id",
    "name_kanji",
    "name_kana",
    "birth_date",
    "sex",
    "relationship",
    "listing_order",
    "resident_since",
    "resident_status",
    "nationality",
    "residence_status",
    "residence_expires_on",
    "dv_support",
    "display_name",
    "card_registered",
)
_PERIOD_PREFIX = "period__"


class PersonRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        # Rows read or written in this unit of work, when it asked for it (cache_reads): by person id (None: no such
        # person), and the members of households. Every write here refreshes or drops what it changes.
        self._rows: dict[str, Any] | None = None
        self._members: dict[str, list] = {}
        # Versions kept while caching, written together by `flush` (at commit, or before history is read).
        self.pending_versions: list[dict[str, Any]] = []
        # Inserts and updates kept back while the unit of work defers writes (defer_writes), written by `write_kept`.
        self.kept: deferred.KeptRows | None = None

    def defer_writes(self, write_all: Callable[[], None]) -> None:
        """Keep inserts and updates back (the cache holds the rows they give) until `write_kept`; `write_all` is the
        unit of work's, which writes every kept-back row (in its savepoints)."""
        self.kept = deferred.KeptRows(persons, "person_id")
        self.write_all = write_all

    def write_kept(self) -> None:
        if self.kept:
            self.kept.write(self.conn)

    def cache_reads(self) -> None:
        self._rows = {}

    def forget(self) -> None:
        """Drop what was read (a savepoint rolled back: rows may have changed back)."""
        if self._rows is not None:
            self._rows = {}
        self._members = {}

    def prefetch(self, person_ids: Iterable[str], household_ids: Iterable[str]) -> None:
        """Read these persons and the members of these households into the cache, one statement each."""
        if self._rows is None:
            return
        wanted = [h for h in dict.fromkeys(household_ids) if h not in self._members]
        if wanted:
            for household_id, members in self.members_of(wanted).items():
                self._members[household_id] = members
                self._rows.update((m.person_id, m) for m in members)
        missing = [p for p in dict.fromkeys(person_ids) if p not in self._rows]
        if missing:
            found = {
                r.person_id: r
                for r in self.conn.execute(sa.select(persons).where(db.one_of(self.conn, persons.c.person_id, missing)))
            }
            self._rows.update((p, found.get(p)) for p in missing)

    def get(self, person_id: str):
        if self._rows is not None and person_id in self._rows:
            return self._rows[person_id]
        row = self.conn.execute(sa.select(persons).where(persons.c.person_id == person_id)).first()
        if self._rows is not None:
            self._rows[person_id] = row
        return row

    def _written(self, person_id: str, row) -> None:
        """A write returned the person's row: keep it, and drop the member lists it was or is in."""
        if self._rows is None:
            return
        before = self._rows.get(person_id)
        if before is None:
            self._members.clear()  # its household before is not known
        else:
            self._members.pop(before.household_id, None)
        if row is not None:
            self._members.pop(row.household_id, None)
        self._rows[person_id] = row

    def _kept(self, person_id: str, row) -> None:
        """A kept-back write gave the person's row: keep it, and keep the member lists it leaves and joins true."""
        known = person_id in self._rows
        before = self._rows.get(person_id)
        if not known:
            self._members.clear()  # it may stand in a list under a household not known here
        elif before is not None and before.household_id in self._members:
            self._members[before.household_id] = [
                m for m in self._members[before.household_id] if m.person_id != person_id
            ]
        if row.household_id in self._members:
            joined = [m for m in self._members[row.household_id] if m.person_id != person_id] + [row]
            # the order members() reads them in
            self._members[row.household_id] = sorted(joined, key=lambda m: (m.listing_order, m.person_id))
        self._rows[person_id] = row

    def missing(self, person_ids: Iterable[str]) -> list[str]:
        """Which of `person_ids` name no person, in order: one statement (on SQLite one per 1,000 ids)."""
        wanted = list(dict.fromkeys(person_ids))
        known: set[str] = set()
        for chunk in db.id_slices(self.conn, wanted, 1000):
            chosen = db.one_of(self.conn, persons.c.person_id, chunk)
            known.update(self.conn.scalars(sa.select(persons.c.person_id).where(chosen)))
        return [p for p in wanted if p not in known]

    def members(self, household_id: str) -> list:
        """The persons of a household in resident-register order."""
        if self._rows is not None and household_id in self._members:
            return list(self._members[household_id])
        found = list(
            self.conn.execute(
                sa.select(persons)
                .where(persons.c.household_id == household_id)
                .order_by(persons.c.listing_order, persons.c.person_id)
            )
        )
        if self._rows is not None:
            self._members[household_id] = found
            self._rows.update((m.person_id, m) for m in found)
        return list(found)

    def members_of(self, household_ids: list[str]) -> dict[str, list]:
        """`members` of several households in one statement (on SQLite one per 1,000 households)."""
        found: dict[str, list] = {h: [] for h in household_ids}
        for part in db.id_slices(self.conn, household_ids, 1000):
            query = (
                sa.select(persons)
                .where(db.one_of(self.conn, persons.c.household_id, part))
                .order_by(persons.c.household_id, persons.c.listing_order, persons.c.person_id)
            )
            for row in self.conn.execute(query):
                found[row.household_id].append(row)
        return found

    def add(self, person_id: str, values: dict[str, Any], cause: str) -> None:
        if self.kept is not None:
            row = deferred.new_row(
                persons, _DEFAULTS, {"person_id": person_id, "updated_at": utcnow(), **_keyed(values)}
            )
            if row is not None:
                self.kept.insert(row)
                self._kept(person_id, row)
                self._snapshot(row, cause)
                return
        # The statement is built once and the values go as parameters: building bind parameters for every column of
        # every insert cost more CPU than sending it.
        row = self.conn.execute(
            _INSERT_RETURNING[persons], {"person_id": person_id, "updated_at": utcnow(), **_keyed(values)}
        ).one()
        self._written(person_id, row)
        self._snapshot(row, cause)

    def update(self, person_id: str, cause: str | None, **values: Any) -> None:
        """Change attributes (a new version); `cause` None changes no resident-derived attribute (no snapshot)."""
        if self.kept is not None:
            before = self.get(person_id)
            row = (
                None
                if before is None
                else deferred.replaced(persons, before, {"updated_at": utcnow(), **_keyed(values)})
            )
            if row is not None:
                row = row._replace(version=before.version + 1)
                self.kept.update(before, row)
                self._kept(person_id, row)
                if cause is not None:
                    self._snapshot(row, cause)
                return
        row = bulk.update_returning(
            self.conn, persons, "person_id", person_id, {"updated_at": utcnow(), **_keyed(values)}, bump_version=True
        )
        self._written(person_id, row)
        if cause is not None:
            self._snapshot(row, cause)

    def set_my_number(self, person_id: str, sealed: dict[str, Any]) -> None:
        """Store a My Number as the vault sealed it (ciphertext, look-up hash, key version)."""
        row = self.conn.execute(
            sa.update(persons).where(persons.c.person_id == person_id).values(**sealed).returning(persons)
        ).first()
        self._written(person_id, row)

    def snapshot(self, person_id: str, cause: str) -> None:
        """Keep the person's attributes as they are now in this transaction, as a new version."""
        self._snapshot(self.get(person_id), cause)

    def _snapshot(self, row, cause: str) -> None:
        attributes = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k in VERSIONED for v in [getattr(row, k)]}
        version = {
            "person_id": row.person_id,
            "version": row.version,
            "recorded_at": utcnow(),
            "cause": cause,
            "attributes": json.dumps(attributes, ensure_ascii=False),
        }
        if self._rows is None:
            self.conn.execute(_INSERT[person_versions], version)
        else:
            self.pending_versions.append(version)

    def flush(self) -> None:
        """Write the versions kept so far, in the order they were taken."""
        if self.pending_versions:
            if self.kept is not None:
                self.write_all()  # the persons first, and inside the open savepoints (a COPY goes unseen)
            rows, self.pending_versions = self.pending_versions, []
            if self.kept is not None:
                deferred.insert(self.conn, person_versions, rows)  # a batch's many: one COPY on PostgreSQL
            else:
                self.conn.execute(sa.insert(person_versions), rows)

    def history(self, person_id: str) -> list[dict[str, Any]]:
        self.flush()
        query = (
            sa.select(person_versions).where(person_versions.c.person_id == person_id).order_by(person_versions.c.seq)
        )
        return [
            {
                "version": r.version,
                "recorded_at": rows.aware(r.recorded_at).isoformat(),
                "cause": r.cause,
                "attributes": json.loads(r.attributes),
            }
            for r in self.conn.execute(query)
        ]

    def search(
        self,
        *,
        my_number_hash: list[str] | None,
        name_kana: str,
        birth_date: dt.date | None,
        household_id: str,
        symbol: str,
        number: str,
        branch_no: str,
        page: paging.Page,
        name_kana_match: str = "prefix",
    ) -> tuple[list, str]:
        query = sa.select(persons)
        if my_number_hash is not None:
            query = query.where(persons.c.my_number_hash.in_(my_number_hash))
        if birth_date is not None:
            query = query.where(persons.c.birth_date == birth_date)
        if household_id:
            query = query.where(persons.c.household_id == household_id)
        if symbol or number or branch_no:
            sub = sa.select(branches.c.person_id)
            for column, value in (
                (branches.c.symbol, symbol),
                (branches.c.number, number),
                (branches.c.branch_no, branch_no),
            ):
                if value:
                    sub = sub.where(column == value)
            query = query.where(persons.c.person_id.in_(sub))
        key = search_key(name_kana)
        if not key:
            return paging.keyset(self.conn, query, persons.c.person_id, page)
        return self._ranked(query, key, exact_only=name_kana_match == "exact", page=page)

    def _ranked(self, query: sa.Select, key: str, *, exact_only: bool, page: paging.Page) -> tuple[list, str]:
        """Kana matches ranked: the exact ones first, then (unless exact_only) those that start with the key, each
        tier by person id. The cursor names the tier (`e` or `p`) and the last person id seen in it."""
        column = persons.c.name_kana_key
        tiers = [("e", query.where(column == key))]
        if not exact_only:
            tiers.append(("p", query.where(column.startswith(key, autoescape=True), column != key)))
        tier, _, after = str(page.after or "e:").partition(":")
        if tier not in ("e", "p") or (tier == "p" and exact_only):
            raise InvalidInput("cursor", "not a cursor this list gave out", code="INVALID_CURSOR")
        found: list = []
        for name, tier_query in tiers:
            if name < tier:  # a tier already read through on an earlier page ("e" < "p")
                continue
            wanted = paging.Page(page.size - len(found), after or None if name == tier else None)
            rows, more = paging.keyset(self.conn, tier_query, persons.c.person_id, wanted)
            found += rows
            if more:
                return found, paging.cursor_of(f"{name}:{rows[-1].person_id}")
            if len(found) == page.size:
                following = [n for n, _q in tiers if n > name]
                return found, paging.cursor_of(f"{following[0]}:") if following else ""
        return found, ""

    def as_of(
        self, person_id: str, day: dt.date, known_at: dt.datetime | None
    ) -> tuple[Any, Period | None, bool] | None:
        """One statement for a confirmation: (person row, the version `PeriodRepository.as_of` would give, whether
        the person has current special statuses), or None when there is no such person."""
        params = {"person_id": person_id, "as_of": day}
        if known_at is not None:
            params["known_at"] = known_at
        row = self.conn.execute(_person_as_of_statement(known_at is not None), params).first()
        if row is None:
            return None
        values = row._mapping
        period = rows.period(_Prefixed(values)) if values[_PERIOD_PREFIX + "version_id"] is not None else None
        return row, period, bool(row.has_statuses)


@functools.cache
def _person_as_of_statement(with_known_at: bool) -> sa.Select:
    """Built once (its compiled form and cache key are then reused): the person, left-joined to the period versions
    covering :as_of (as recorded at :known_at), the latest first, and whether current special statuses exist."""
    as_of = sa.bindparam("as_of", type_=sa.Date)
    known_at = sa.bindparam("known_at", type_=periods.c.recorded_at.type) if with_known_at else None
    has_statuses = sa.exists().where(
        status_periods.c.person_id == persons.c.person_id, status_periods.c.superseded_at.is_(None)
    )
    join = persons.outerjoin(
        periods,
        sa.and_(periods.c.person_id == persons.c.person_id, *covering(as_of, known_at, bound_known_at=with_known_at)),
    )
    return (
        sa.select(persons, *[c.label(_PERIOD_PREFIX + c.name) for c in periods.c], has_statuses.label("has_statuses"))
        .select_from(join)
        .where(persons.c.person_id == sa.bindparam("person_id"))
        .order_by(periods.c.recorded_at.desc())
        .limit(1)
    )


class _Prefixed:
    """Attribute access to the period columns of a joined row."""

    __slots__ = ("_values",)

    def __init__(self, values) -> None:
        self._values = values

    def __getattr__(self, name: str):
        return self._values[_PERIOD_PREFIX + name]


_INSERT = {person_versions: sa.insert(person_versions)}
# A new person's columns as the table's server defaults give them (a kept-back insert).
_DEFAULTS: dict[str, Any] = {
    "relationship": "",
    "listing_order": 1,
    "resident_since": None,
    "resident_status": "resident",
    "nationality": "",
    "residence_status": "",
    "residence_expires_on": None,
    "dv_support": False,
    "my_number_enc": None,
    "my_number_hash": None,
    "my_number_key_version": None,
    "version": 1,
    "display_name": "",
    "card_registered": False,
    "name_kana_key": "",
}
_INSERT_RETURNING = {persons: sa.insert(persons).returning(persons)}


def _keyed(values: dict[str, Any]) -> dict[str, Any]:
    """The values to write, with the kana search key of a name_kana among them."""
    if "name_kana" in values:
        return {**values, "name_kana_key": search_key(values["name_kana"])}
    return values
