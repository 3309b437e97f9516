"""The inconsistency list kept up to date as resident changes arrive: the persons of each applied change are
compared again in a batch, and kept for the next turn while svc-qualification cannot answer."""

from __future__ import annotations

import datetime as dt
import time

from nhi_integration.adapters.store import SqlStore
from nhi_integration.service_layer.resident_checks import ResidentChecks
from nhi_integration.service_layer.services import RESIDENT_CHANGE_TYPE, IntegrationService

DAY = dt.date(2026, 11, 24)


class FakeInconsistencies:
    def __init__(self) -> None:
        self.calls: list[tuple[list[str], dt.date, str]] = []
        self.failures: list[Exception] = []

    def check_persons(self, person_ids, day, *, source):
        if self.failures:
            raise self.failures.pop(0)
        self.calls.append((list(person_ids), day, source))
        return len(person_ids)


class Sink:
    def apply(self, change, *, idempotency_key):
        return [{"change_id": change.change_id, "outcome": "applied", "person_ids": change.person_ids}]


def test_the_persons_of_applied_changes_are_compared_in_one_batch_and_again_after_a_failure(engine, move_in):
    fake = FakeInconsistencies()
    checks = ResidentChecks(inconsistencies=fake, today=lambda: DAY)
    service = IntegrationService(store=SqlStore(engine), sink=Sink(), on_applied=checks.add)
    other = {**move_in, "change_id": "chg-0002", "persons": move_in["persons"][:1]}

    assert service.receive_resident_event(event_id="e1", ce_type=RESIDENT_CHANGE_TYPE, data=move_in) == "applied"
    assert service.receive_resident_event(event_id="e1", ce_type=RESIDENT_CHANGE_TYPE, data=move_in) == "duplicate"
    assert service.receive_resident_event(event_id="e2", ce_type=RESIDENT_CHANGE_TYPE, data=other) == "applied"
    fake.failures.append(ConnectionError("svc-qualification away"))

    assert checks.run_once() is None  # postponed, not lost
    assert checks.drain() == 2
    assert fake.calls == [(["900000001", "900000002"], DAY, "resident")]
    assert checks.drain() == 0 and len(fake.calls) == 1


def test_a_move_within_or_a_name_change_is_not_compared_again_and_a_death_is(engine, move_in):
    fake = FakeInconsistencies()
    checks = ResidentChecks(inconsistencies=fake, today=lambda: DAY)
    service = IntegrationService(store=SqlStore(engine), sink=Sink(), on_applied=checks.add)
    person = {**move_in["persons"][0], "sequence": None}
    for n, kind in enumerate(["move_within", "name_change", "death"]):
        change = {**move_in, "change_id": f"chg-1{n}", "change_kind": kind, "persons": [person]}
        assert service.receive_resident_event(event_id=f"k{n}", ce_type=RESIDENT_CHANGE_TYPE, data=change) == "applied"
        checks.drain()
    # 転居 and 氏名変更 change no fact the list compares (coverage, residence, age, status); the 死亡 does.
    assert fake.calls == [(["900000001"], DAY, "resident")]


def test_the_worker_thread_compares_what_arrives(engine, move_in):
    fake = FakeInconsistencies()
    checks = ResidentChecks(inconsistencies=fake, today=lambda: DAY, interval=0.05)
    checks.start()
    try:
        checks.add(["900000009"])
        deadline = dt.datetime.now() + dt.timedelta(seconds=5)
        while not fake.calls and dt.datetime.now() < deadline:
            time.sleep(0.01)
    finally:
        checks.stop()
    assert fake.calls == [(["900000009"], DAY, "resident")]
