"""An in-memory unit of work: the repositories the counter's use cases need, over dicts and lists.

It keeps the contracts the SQL repositories keep (a replace of a closed version answers None, a household
version moves only from the one seen, a savepoint undoes what it wrote), so that service-layer tests run in
milliseconds without a database. What it does not hold (burden, jobs, age75) raises if a test reaches it.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
import itertools
import json
import types
from typing import Any

from nhi_common import paging
from nhi_common.errors import IdempotencyReuse
from nhi_qualification.domain.model import Period
from nhi_qualification.domain.special_statuses import StatusPeriod
from nhi_qualification.service_layer.unit_of_work import AbstractUnitOfWork

PERSON_DEFAULTS = {
    "sex": "1",
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
}


class Store:
    """The records the fake repositories share; a test arranges them directly."""

    def __init__(self) -> None:
        self.persons: dict[str, dict[str, Any]] = {}
        self.households: dict[str, dict[str, Any]] = {}
        self.branches: dict[tuple[str, str, str], str] = {}
        self.periods: list[Period] = []
        self.statuses: list[dict[str, Any]] = []
        self.certificates: list[dict[str, Any]] = []
        self.changes: list[dict[str, Any]] = []
        self.intake_items: list[dict[str, Any]] = []
        self.audit: list[dict[str, Any]] = []
        self.inbox: set[tuple[str, str]] = set()
        self.idempotency: dict[tuple[str, str], tuple[bytes, bytes]] = {}
        self.published: list[Any] = []  # events of committed units of work, in order
        self.versions = itertools.count(1)

    def add_person(self, person_id: str, household_id: str, birth_date: str, **values: Any) -> None:
        self.persons[person_id] = {
            **PERSON_DEFAULTS,
            "person_id": person_id,
            "household_id": household_id,
            "name_kanji": f"試験 {person_id}",
            "name_kana": f"シケン {person_id}",
            "birth_date": dt.date.fromisoformat(birth_date),
            **values,
        }

    def add_household(self, household_id: str, head_person_id: str, **values: Any) -> None:
        self.households[household_id] = {
            "household_id": household_id,
            "head_person_id": head_person_id,
            "symbol": None,
            "number": None,
            "next_branch": 1,
            "address": "{}",
            "version": 1,
            "nhi_head_person_id": None,
            **values,
        }


def _row(values: dict[str, Any]) -> types.SimpleNamespace:
    return types.SimpleNamespace(**values)


class FakePersons:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, person_id):
        found = self.store.persons.get(person_id)
        return _row(found) if found else None

    def missing(self, person_ids):
        return [p for p in dict.fromkeys(person_ids) if p not in self.store.persons]

    def members(self, household_id):
        return [
            _row(p)
            for p in sorted(self.store.persons.values(), key=lambda p: (p["listing_order"], p["person_id"]))
            if p["household_id"] == household_id
        ]

    def add(self, person_id, values, cause):
        self.store.persons[person_id] = {**PERSON_DEFAULTS, "person_id": person_id, **values}

    def update(self, person_id, cause, **values):
        person = self.store.persons[person_id]
        person.update(values, version=person["version"] + 1)

    def set_my_number(self, person_id, sealed):
        self.store.persons[person_id].update(sealed)


class FakeHouseholds:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, household_id):
        found = self.store.households.get(household_id)
        return _row(found) if found else None

    def add(self, household_id, **values):
        self.store.add_household(household_id, values.pop("head_person_id"), **values)

    def update(self, household_id, *, new_version=False, **values):
        household = self.store.households[household_id]
        household.update(values)
        if new_version:
            household["version"] += 1

    def bump(self, household_id, seen_version):
        household = self.store.households[household_id]
        if household["version"] != seen_version:
            return 0
        household["version"] = seen_version + 1
        return seen_version + 1

    def next_number(self, symbol):
        numbers = [int(h["number"]) for h in self.store.households.values() if h["symbol"] == symbol and h["number"]]
        return f"{max(numbers, default=0) + 1:07d}"

    def branch_of(self, symbol, number, person_id):
        return next(
            (b for (s, n, b), p in self.store.branches.items() if (s, n, p) == (symbol, number, person_id)), None
        )

    def add_branch(self, symbol, number, branch_no, person_id):
        self.store.branches[(symbol, number, branch_no)] = person_id


class FakePeriods:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _current(self, person_id=None):
        return [p for p in self.store.periods if p.superseded_at is None and p.person_id == person_id]

    def current(self, person_ids):
        latest = {}
        for person_id in person_ids:
            for period in sorted((p for p in self._current(person_id) if not p.void), key=lambda p: p.acquired_on):
                latest[person_id] = period
        return latest

    def as_of(self, person_id, day, known_at):
        found = [
            p
            for p in self.store.periods
            if p.person_id == person_id
            and p.covers(day)
            and (
                p.superseded_at is None
                if known_at is None
                else p.recorded_at <= known_at and (p.superseded_at is None or p.superseded_at > known_at)
            )
        ]
        return max(found, key=lambda p: p.recorded_at, default=None)

    def insured_on(self, person_ids, day, known_at=None):
        return {pid for pid in person_ids if self.as_of(pid, day, known_at) is not None}

    def history(self, person_id):
        return sorted(
            (p for p in self.store.periods if p.person_id == person_id),
            key=lambda p: (p.acquired_on, p.recorded_at, p.version_id),
        )

    def current_version(self, period_id):
        found = [p for p in self.store.periods if p.period_id == period_id and p.superseded_at is None]
        return max(found, key=lambda p: p.version_id, default=None)

    def version_before(self, version):
        found = [
            p for p in self.store.periods if p.period_id == version.period_id and p.version_id < version.version_id
        ]
        return max(found, key=lambda p: p.version_id, default=None)

    def others(self, person_id, period_id):
        return [(p.acquired_on, p.lost_on) for p in self._current(person_id) if p.period_id != period_id and not p.void]

    def change_ids(self, period_id):
        return {p.change_id for p in self.store.periods if p.period_id == period_id}

    def add(self, version):
        stored = dataclasses.replace(version, version_id=next(self.store.versions))
        self.store.periods.append(stored)
        return stored

    def replace(self, old, new):
        for index, period in enumerate(self.store.periods):
            if period.version_id == old.version_id and period.superseded_at is None:
                self.store.periods[index] = dataclasses.replace(period, superseded_at=new.recorded_at)
                return self.add(new)
        return None


class FakeStatuses:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _rows(self, person_id):
        return sorted(
            (s for s in self.store.statuses if s["person_id"] == person_id and s["superseded_at"] is None),
            key=lambda s: s["start"],
        )

    def current(self, person_id):
        return [
            (
                s["status_id"],
                StatusPeriod(
                    s["person_id"],
                    s["kind"],
                    s["start"],
                    s["end"],
                    tuple(json.loads(s["evidence"])),
                    s["separation_date"],
                    s["separation_code"],
                ),
            )
            for s in self._rows(person_id)
        ]

    def current_rows(self, person_ids):
        return {pid: [_row(s) for s in self._rows(pid)] for pid in person_ids if self._rows(pid)}

    def dv_on(self, person_ids, day):
        return {
            pid
            for pid in person_ids
            for s in self._rows(pid)
            if s["kind"] == "dv_support" and s["start"] <= day and (s["end"] is None or s["end"] >= day)
        }

    def add(self, rows):
        self.store.statuses.extend({**r, "superseded_at": None} for r in rows)

    def supersede(self, status_id, at):
        for status in self.store.statuses:
            if status["status_id"] == status_id and status["superseded_at"] is None:
                status["superseded_at"] = at


class FakeCertificates:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, certificate_id):
        return next((_row(c) for c in self.store.certificates if c["certificate_id"] == certificate_id), None)

    def by_document(self, document_id):
        return next((_row(c) for c in self.store.certificates if c["document_id"] == document_id), None)

    def add(self, **values):
        self.store.certificates.append({"returned_on": None, **values})

    def update(self, certificate_id, **values):
        next(c for c in self.store.certificates if c["certificate_id"] == certificate_id).update(values)

    def mark_replaced(self, *, person_id, kind, except_id):
        return self._flag(
            lambda c: c["person_id"] == person_id and c["kind"] == kind and c["certificate_id"] != except_id
        )

    def issued(self, person_id, kinds):
        return [
            _row(c)
            for c in self.store.certificates
            if c["person_id"] == person_id and c["state"] == "issued" and c["kind"] in kinds
        ]

    def mark_for_collection(self, person_ids, kinds):
        ids = set(person_ids)
        return self._flag(lambda c: c["person_id"] in ids and c["kind"] in kinds)

    def _flag(self, wanted) -> int:
        flagged = [c for c in self.store.certificates if c["state"] == "issued" and not c["collect"] and wanted(c)]
        for certificate in flagged:
            certificate["collect"] = True
        return len(flagged)


class FakeChanges:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, **values):
        self.store.changes.append(values)

    def get(self, change_id):
        return next((_row(c) for c in self.store.changes if c["change_id"] == change_id), None)

    def set_notified_on(self, change_id, notified_on):
        next(c for c in self.store.changes if c["change_id"] == change_id)["notified_on"] = notified_on

    def add_intake_item(self, *, source_change_id, kind, household_id, person_ids, event_date):
        item_id = f"item-{len(self.store.intake_items) + 1}"
        self.store.intake_items.append(
            {
                "item_id": item_id,
                "source_change_id": source_change_id,
                "kind": kind,
                "household_id": household_id,
                "person_ids": person_ids,
                "event_date": event_date,
                "state": "open",
            }
        )
        return item_id

    def close_intake_items(self, household_id, person_ids):
        for item in self.store.intake_items:
            if (
                item["household_id"] == household_id
                and item["state"] == "open"
                and set(item["person_ids"]) & set(person_ids)
            ):
                item["state"] = "done"


class FakeJournal:
    def __init__(self, store: Store) -> None:
        self.store = store

    def audit(self, **values):
        self.store.audit.append(values)

    def claim_inbox(self, event_id, consumer):
        if (event_id, consumer) in self.store.inbox:
            return False
        self.store.inbox.add((event_id, consumer))
        return True

    def claim_inbox_many(self, event_ids, consumer):
        return [self.claim_inbox(e, consumer) for e in event_ids]

    def recall(self, operator_id, key, operation, request):
        stored = self.store.idempotency.get((operator_id, key, operation))
        if stored is None:
            return None
        if stored[0] != request:
            raise IdempotencyReuse()
        return stored[1]

    def remember(self, operator_id, key, operation, request, response):
        self.store.idempotency[(operator_id, key, operation)] = (request, response)

    def audit_page(self, *, operator_id, action, page: paging.Page):
        raise NotImplementedError("the audit log is read through the SQL journal only")

    def published_change_ids(self, person_id, change_ids):
        return {e.change_id for e in self.store.published if e.subject == person_id and e.change_id in change_ids}


class FakeUnitOfWork(AbstractUnitOfWork):
    """Commits by keeping the store as changed; rolls back by restoring the copy taken on entry."""

    def __init__(self, store: Store, read_only: bool = False) -> None:
        super().__init__()
        self.store = store
        self.read_only = read_only
        self.committed = False
        self.persons, self.households = FakePersons(store), FakeHouseholds(store)
        self.periods, self.statuses = FakePeriods(store), FakeStatuses(store)
        self.certificates, self.changes = FakeCertificates(store), FakeChanges(store)
        self.journal = FakeJournal(store)
        self._saved: dict[str, Any] | None = None

    def __enter__(self):
        super().__enter__()
        self._saved = _snapshot(self.store)
        return self

    def _commit(self, events):
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self.store.published.extend(events)
        self._saved = _snapshot(self.store)
        self.committed = True

    def rollback(self):
        if self._saved is not None:
            _restore(self.store, self._saved)

    @contextlib.contextmanager
    def _nested(self):
        saved = _snapshot(self.store)
        try:
            yield
        except BaseException:
            _restore(self.store, saved)
            raise


_STATE = (
    "persons",
    "households",
    "branches",
    "periods",
    "statuses",
    "certificates",
    "changes",
    "intake_items",
    "audit",
    "inbox",
    "idempotency",
)


def _snapshot(store: Store) -> dict[str, Any]:
    return {name: copy.deepcopy(getattr(store, name)) for name in _STATE}


def _restore(store: Store, saved: dict[str, Any]) -> None:
    for name in _STATE:
        setattr(store, name, copy.deepcopy(saved[name]))


class FakeVault:
    """Reversible without a key: enough to see that the service encrypts and masks."""

    def seal(self, my_number: str) -> dict:
        return {
            "my_number_enc": my_number[::-1].encode(),
            "my_number_hash": f"h{my_number}",
            "my_number_key_version": 1,
        }

    def decrypt(self, token: bytes, version: int | None) -> str:
        return token.decode()[::-1]

    def lookup_hashes(self, my_number: str) -> list[str]:
        return [f"h{my_number}"]
