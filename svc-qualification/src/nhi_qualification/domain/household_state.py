"""The households of a batch chunk held in memory, so that losses applied one after the other see each other.

Loaded once per chunk by the repository (`adapters/repositories/age75.py`), then kept up to date as each loss
is applied; its questions are answered by the same domain rules as the database queries (`Period.covers`,
`Period.qualified_on`, `active_on`, `household_member`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

from .burden_facts import HouseholdMember, IncomeFacts, household_member
from .events import PersonRef
from .model import Period
from .special_statuses import active_on


@dataclasses.dataclass
class HouseholdState:
    heads: dict[str, str] = dataclasses.field(default_factory=dict)
    addresses: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    members: dict[str, list[Any]] = dataclasses.field(default_factory=dict)  # household_id -> persons rows in order
    periods: dict[str, list[Period]] = dataclasses.field(default_factory=dict)  # person_id -> current versions
    specific: dict[str, list[tuple[dt.date, dt.date | None]]] = dataclasses.field(default_factory=dict)
    dv: dict[str, list[tuple[dt.date, dt.date | None]]] = dataclasses.field(default_factory=dict)  # DV statuses
    incomes: dict[tuple[str, int], IncomeFacts] = dataclasses.field(default_factory=dict)
    latest: dict[str, tuple[int | None, str | None]] = dataclasses.field(default_factory=dict)
    certificates: dict[str, list[dict[str, Any]]] = dataclasses.field(default_factory=dict)  # issued, by holder

    def replace_period(self, old: Period, new: Period) -> None:
        self.periods[old.person_id] = [
            *(p for p in self.periods.get(old.person_id, []) if p.period_id != old.period_id),
            new,
        ]

    def add_specific(self, person_id: str, start: dt.date) -> None:
        self.specific.setdefault(person_id, []).append((start, None))

    def end_certificates(self, person_id: str, lost_on: dt.date) -> list[tuple[int, dt.date]]:
        """Issued certificates still valid on lost_on end the day before: (ledger seq, new last day) of each."""
        ended = []
        for cert in self.certificates.get(person_id, []):
            if cert["valid_until"] is None or cert["valid_until"] >= lost_on:
                cert["valid_until"] = lost_on - dt.timedelta(days=1)
                ended.append((cert["seq"], cert["valid_until"]))
        return ended

    def insured_on(self, person_id: str, day: dt.date) -> bool:
        return any(p.covers(day) for p in self.periods.get(person_id, []))

    def household_facts(self, household_id: str, day: dt.date) -> list[HouseholdMember]:
        """The burden facts of a household on `day`, as the database query would give them."""
        head = self.heads.get(household_id)
        out = []
        for m in self.members.get(household_id, []):
            if m.birth_date > day:
                continue
            member = household_member(
                m.person_id,
                m.birth_date,
                head=head == m.person_id,
                insured=any(p.qualified_on(day) for p in self.periods.get(m.person_id, [])),
                specific=any(active_on(start, end, day) for start, end in self.specific.get(m.person_id, [])),
            )
            if member is not None:
                out.append(member)
        return out

    def incomes_for(self, person_ids: Iterable[str], year: int) -> dict[str, IncomeFacts]:
        return {pid: self.incomes[(pid, year)] for pid in person_ids if (pid, year) in self.incomes}

    def household_dv(self, household_id: str, day: dt.date | None) -> bool:
        """Rule DV: a member flagged by the registry, or holding a dv_support status on `day`."""
        members = self.members.get(household_id, [])
        if any(getattr(m, "dv_support", False) for m in members):
            return True
        return day is not None and any(
            active_on(start, end, day) for m in members for start, end in self.dv.get(m.person_id, [])
        )

    def person(self, row: Any, day: dt.date | None = None) -> PersonRef:
        """A person of the chunk (a persons row) as events name them on `day` (DV statuses)."""
        return PersonRef(
            row.person_id,
            row.household_id,
            self.heads.get(row.household_id, ""),
            row.name_kanji,
            row.name_kana,
            row.display_name,
            row.birth_date,
            row.sex,
            self.addresses.get(row.household_id, {}),
            bool(row.dv_support)
            or (day is not None and any(active_on(start, end, day) for start, end in self.dv.get(row.person_id, []))),
            household_dv=self.household_dv(row.household_id, day),
        )
