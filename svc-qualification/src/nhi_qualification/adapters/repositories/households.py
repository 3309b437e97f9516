"""NHI households: head, 記号・番号, the 枝番 given out, the address, and a version for optimistic locking."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from nhi_common import db
from nhi_common.plumbing import utcnow

from .. import bulk, deferred
from ..tables import branches, households

_INSERT_BRANCH = sa.insert(branches)
# A new household's columns as the table's server defaults give them (a kept-back insert).
_DEFAULTS: dict[str, Any] = {
    "symbol": None,
    "number": None,
    "next_branch": 1,
    "address": "{}",
    "version": 1,
    "nhi_head_person_id": None,
}
_BUMP = (
    sa.update(households)
    .where(households.c.household_id == sa.bindparam("k_id"), households.c.version == sa.bindparam("k_seen"))
    .values(
        version=sa.bindparam("v_version", type_=households.c.version.type),
        updated_at=sa.bindparam("v_updated_at", type_=households.c.updated_at.type),
    )
    .returning(households)
)


class HouseholdRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        # Rows read or written in this unit of work when it asked for it (cache_reads), by id (None: no such
        # household); every write here keeps the row it returned.
        self._rows: dict[str, Any] | None = None
        self._branches: dict[str, dict[tuple[str, str], str]] = {}  # person id -> (記号, 番号) -> 枝番
        # Writes kept back while the unit of work defers writes (defer_writes), written by `write_kept`.
        self.kept: deferred.KeptRows | None = None
        self.kept_branches: list[dict[str, str]] = []

    def defer_writes(self) -> None:
        """Keep inserts, updates and 枝番 back (the cache holds what they give) until `write_kept`."""
        self.kept = deferred.KeptRows(households, "household_id")

    def write_kept(self) -> None:
        if self.kept:
            self.kept.write(self.conn)
        if self.kept_branches:
            rows, self.kept_branches = self.kept_branches, []
            deferred.insert(self.conn, branches, rows)

    def cache_reads(self) -> None:
        self._rows = {}
        self._branches = {}

    def forget(self) -> None:
        if self._rows is not None:
            self._rows = {}
            self._branches = {}

    def prefetch_branches(self, person_ids: list[str]) -> None:
        """Read the 枝番 these persons hold (under any 記号・番号) into the cache, in one statement."""
        if self._rows is None:
            return
        missing = [p for p in dict.fromkeys(person_ids) if p not in self._branches]
        if not missing:
            return
        held: dict[str, dict[tuple[str, str], str]] = {p: {} for p in missing}
        for row in self.conn.execute(sa.select(branches).where(db.one_of(self.conn, branches.c.person_id, missing))):
            held[row.person_id][(row.symbol, row.number)] = row.branch_no
        self._branches.update(held)

    def prefetch(self, household_ids: list[str]) -> None:
        if self._rows is None:
            return
        missing = [h for h in dict.fromkeys(household_ids) if h not in self._rows]
        found = self.get_many(missing)
        self._rows.update((h, found.get(h)) for h in missing)

    def get(self, household_id: str):
        if self._rows is not None and household_id in self._rows:
            return self._rows[household_id]
        row = self.conn.execute(sa.select(households).where(households.c.household_id == household_id)).first()
        if self._rows is not None:
            self._rows[household_id] = row
        return row

    def _keep(self, household_id: str, row) -> None:
        if self._rows is not None:
            self._rows[household_id] = row

    def get_many(self, household_ids: list[str]) -> dict[str, Any]:
        """The rows of these households by id, in one statement (on SQLite one per 1,000)."""
        found: dict[str, Any] = {}
        for part in db.id_slices(self.conn, household_ids, 1000):
            chosen = db.one_of(self.conn, households.c.household_id, part)
            found.update((r.household_id, r) for r in self.conn.execute(sa.select(households).where(chosen)))
        return found

    def add(self, household_id: str, **values: Any) -> None:
        if self.kept is not None:
            row = deferred.new_row(
                households, _DEFAULTS, {"household_id": household_id, "updated_at": utcnow(), **values}
            )
            if row is not None:
                self.kept.insert(row)
                self._keep(household_id, row)
                return
        row = self.conn.execute(
            sa.insert(households).values(household_id=household_id, updated_at=utcnow(), **values).returning(households)
        ).one()
        self._keep(household_id, row)

    def update(self, household_id: str, *, new_version: bool = False, **values: Any) -> None:
        """Change columns; `new_version` also advances the version (a change others must notice)."""
        if new_version:
            values["updated_at"] = utcnow()
        if self.kept is not None:
            before = self.get(household_id)
            row = None if before is None else deferred.replaced(households, before, values)
            if row is not None:
                if new_version:
                    row = row._replace(version=before.version + 1)
                self.kept.update(before, row)
                self._keep(household_id, row)
                return
        row = bulk.update_returning(
            self.conn, households, "household_id", household_id, values, bump_version=new_version
        )
        self._keep(household_id, row)

    def bump(self, household_id: str, seen_version: int) -> int:
        """Optimistic lock: advance the version only if nobody else did since `seen_version`; the new version or 0."""
        if self.kept is not None:
            # The row this transaction holds (the cache); someone else's change shows when the kept rows are written.
            before = self.get(household_id)
            if before is None or before.version != seen_version:
                return 0
            row = deferred.as_row(households, before)._replace(version=seen_version + 1, updated_at=utcnow())
            self.kept.update(before, row)
            self._keep(household_id, row)
            return seen_version + 1
        row = self.conn.execute(
            _BUMP,
            {"k_id": household_id, "k_seen": seen_version, "v_version": seen_version + 1, "v_updated_at": utcnow()},
        ).first()
        if row is None:
            if self._rows is not None:
                self._rows.pop(household_id, None)
            return 0
        self._keep(household_id, row)
        return seen_version + 1

    def next_number(self, symbol: str) -> str:
        """The next free 番号 under `symbol` (7 digits).

        Two first joins at the same moment must not both take the highest number + 1: on PostgreSQL a transaction
        lock on the symbol makes the second wait until the first has committed its number (SQLite's write lock,
        taken when the transaction begins, already does). The highest number is one indexed aggregate, not a scan
        of every number in Python.
        """
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(
                sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"nhi.households.number:{symbol}"}
            )
            digits = households.c.number.op("~")("^[0-9]+$")
            numeric = sa.cast(households.c.number, sa.BigInteger)
        else:
            digits = sa.and_(households.c.number != "", sa.not_(households.c.number.op("GLOB")("*[^0-9]*")))
            numeric = sa.cast(households.c.number, sa.Integer)
        highest = self.conn.execute(
            sa.select(sa.func.max(numeric)).where(households.c.symbol == symbol, digits)
        ).scalar()
        return f"{(highest or 0) + 1:07d}"

    def branch_of(self, symbol: str, number: str, person_id: str) -> str | None:
        """The 枝番 this person holds under 記号・番号, if any (NUM-INSURED: never given to another)."""
        if self._rows is not None and person_id in self._branches:
            return self._branches[person_id].get((symbol, number))
        row = self.conn.execute(
            sa.select(branches.c.branch_no).where(
                branches.c.symbol == symbol, branches.c.number == number, branches.c.person_id == person_id
            )
        ).first()
        return row.branch_no if row else None

    def add_branch(self, symbol: str, number: str, branch_no: str, person_id: str) -> None:
        row = {"symbol": symbol, "number": number, "branch_no": branch_no, "person_id": person_id}
        if self.kept is not None:
            self.kept_branches.append(row)
        else:
            self.conn.execute(_INSERT_BRANCH, row)
        if person_id in self._branches:
            self._branches[person_id][(symbol, number)] = branch_no
