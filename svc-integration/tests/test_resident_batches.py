"""Resident changes taken a fetch at a time: one transaction and one call to svc-qualification per batch, each
person's order kept within it, duplicates and stale changes dropped, and a batch svc-qualification refuses applied
again one change at a time so that only the refused change is a dead letter."""

from __future__ import annotations

import copy

import pytest

from nhi_integration.adapters.store import SqlStore
from nhi_integration.service_layer.ports import ApplyRejected, ApplyUnavailable
from nhi_integration.service_layer.services import RESIDENT_CHANGE_TYPE, IntegrationService, WaitingForSequence


class BatchSink:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.refuse: set[str] = set()
        self.down = False

    def apply(self, change, *, idempotency_key):
        return self.apply_many([change], idempotency_key=idempotency_key)

    def apply_many(self, changes, *, idempotency_key):
        if self.down:
            raise ApplyUnavailable("down")
        if any(c.change_id in self.refuse for c in changes):
            raise ApplyRejected("check digit", "changes.persons[0].my_number")
        self.calls.append([c.change_id for c in changes])
        return [{"change_id": c.change_id, "outcome": "applied", "person_ids": c.person_ids} for c in changes]


@pytest.fixture
def sink():
    return BatchSink()


@pytest.fixture
def service(engine, sink):
    return IntegrationService(store=SqlStore(engine), sink=sink, gap_wait_seconds=60)


def change(move_in, change_id: str, person: int, sequence: int) -> dict:
    data = copy.deepcopy(move_in)
    data["change_id"] = change_id
    data["persons"] = [data["persons"][person]]
    data["persons"][0]["sequence"] = sequence
    return data


def events(*changes) -> list[tuple[str, str, dict]]:
    return [(f"e-{c['change_id']}", RESIDENT_CHANGE_TYPE, c) for c in changes]


def test_a_batch_is_one_call_in_order_and_keeps_each_persons_sequence(service, sink, move_in):
    batch = events(
        change(move_in, "a1", 0, 1),
        change(move_in, "b1", 1, 1),
        change(move_in, "a2", 0, 2),
        change(move_in, "a4", 0, 4),  # skips 3: waits
        change(move_in, "a1x", 0, 1),  # a later state is in the batch already: stale
    )
    results = service.receive_resident_events(batch)
    assert results[:3] == ["applied", "applied", "applied"] and results[4] == "stale"
    assert isinstance(results[3], WaitingForSequence)
    assert sink.calls == [["a1", "b1", "a2"]]
    again = service.receive_resident_events(batch[:2])
    assert again == ["duplicate", "duplicate"] and len(sink.calls) == 1


def test_a_refused_batch_is_applied_one_by_one_and_only_the_refused_change_is_a_dead_letter(service, sink, move_in):
    sink.refuse.add("b1")
    results = service.receive_resident_events(events(change(move_in, "a1", 0, 1), change(move_in, "b1", 1, 1)))
    assert results == ["applied", "dead_letter"]
    assert sink.calls == [["a1"]]


def test_an_unavailable_receiver_leaves_the_whole_batch_for_another_delivery(service, sink, move_in):
    sink.down = True
    batch = events(change(move_in, "a1", 0, 1), change(move_in, "b1", 1, 1))
    assert all(isinstance(r, ApplyUnavailable) for r in service.receive_resident_events(batch))
    sink.down = False
    assert service.receive_resident_events(batch) == ["applied", "applied"]


def test_a_malformed_message_in_a_batch_is_a_dead_letter_and_the_others_go_on(service, sink, move_in):
    bad = change(move_in, "bad", 1, 1)
    bad["event_date"] = "20261120"
    results = service.receive_resident_events(events(change(move_in, "a1", 0, 1), bad, change(move_in, "a2", 0, 2)))
    assert results == ["applied", "dead_letter", "applied"]
    assert sink.calls == [["a1", "a2"]]


def test_a_file_goes_in_one_call_and_a_refused_change_is_reported_on_its_line(service, sink, move_in):
    from nhi_integration.domain.resident_files import encode_csv

    content = encode_csv([change(move_in, "a2", 0, 2), change(move_in, "b1", 1, 1), change(move_in, "a1", 0, 1)])
    done = service.import_feed(
        source="resident", file_name="r.csv", content=content, operator_id="b", file_format="csv"
    )
    assert (done["applied"], done["errors"]) == (3, [])
    assert sink.calls == [["b1", "a1", "a2"]]  # person 0's changes in sequence order

    sink.refuse.add("c1")
    content = encode_csv([change(move_in, "a3", 0, 3), change(move_in, "c1", 1, 2)])
    refused = service.import_feed(
        source="resident", file_name="r.csv", content=content, operator_id="b", file_format="csv"
    )
    assert (refused["applied"], [(e["line"], e["field"]) for e in refused["errors"]]) == (
        1,
        [(3, "changes.persons[0].my_number")],
    )
    assert sink.calls[-1] == ["a3"]
