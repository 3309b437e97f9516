"""NHI households: head, 記号・番号, the 枝番 given out, the address, and a version for optimistic locking."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from nhi_common.plumbing import utcnow

from ..tables import branches, households


class HouseholdRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def get(self, household_id: str):
        return self.conn.execute(sa.select(households).where(households.c.household_id == household_id)).first()

    def get_many(self, household_ids: list[str]) -> dict[str, Any]:
        """The rows of these households by id, one statement per 1,000."""
        found: dict[str, Any] = {}
        for start in range(0, len(household_ids), 1000):
            part = household_ids[start : start + 1000]
            found.update(
                (r.household_id, r)
                for r in self.conn.execute(sa.select(households).where(households.c.household_id.in_(part)))
            )
        return found

    def add(self, household_id: str, **values: Any) -> None:
        self.conn.execute(sa.insert(households).values(household_id=household_id, updated_at=utcnow(), **values))

    def update(self, household_id: str, *, new_version: bool = False, **values: Any) -> None:
        """Change columns; `new_version` also advances the version (a change others must notice)."""
        if new_version:
            values.update(updated_at=utcnow(), version=households.c.version + 1)
        self.conn.execute(sa.update(households).where(households.c.household_id == household_id).values(**values))

    def bump(self, household_id: str, seen_version: int) -> int:
        """Optimistic lock: advance the version only if nobody else did since `seen_version`; the new version or 0."""
        result = self.conn.execute(
            sa.update(households)
            .where(households.c.household_id == household_id, households.c.version == seen_version)
            .values(version=seen_version + 1, updated_at=utcnow())
        )
        return seen_version + 1 if result.rowcount == 1 else 0

    def next_number(self, symbol: str) -> str:
        """The next free 番号 under `symbol` (7 digits)."""
        numbers = self.conn.execute(sa.select(households.c.number).where(households.c.symbol == symbol)).scalars()
        highest = max((int(n) for n in numbers if n and n.isdigit()), default=0)
        return f"{highest + 1:07d}"

    def branch_of(self, symbol: str, number: str, person_id: str) -> str | None:
        """The 枝番 this person holds under 記号・番号, if any (NUM-INSURED: never given to another)."""
        row = self.conn.execute(
            sa.select(branches.c.branch_no).where(
                branches.c.symbol == symbol, branches.c.number == number, branches.c.person_id == person_id
            )
        ).first()
        return row.branch_no if row else None

    def add_branch(self, symbol: str, number: str, branch_no: str, person_id: str) -> None:
        self.conn.execute(
            sa.insert(branches).values(symbol=symbol, number=number, branch_no=branch_no, person_id=person_id)
        )
