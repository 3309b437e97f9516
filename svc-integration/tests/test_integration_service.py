"""Service layer on a real database with a fake svc-qualification (no gRPC, no NATS)."""

from __future__ import annotations

import json

import pytest

from nhi_common.paging import Page, parse
from nhi_integration.adapters.store import SqlStore
from nhi_integration.domain.resident import InvalidChange
from nhi_integration.service_layer.ports import ApplyRejected, ApplyUnavailable
from nhi_integration.service_layer.services import RESIDENT_CHANGE_TYPE, IntegrationService, UnsupportedSource


class FakeSink:
    def __init__(self) -> None:
        self.applied: list[tuple[str, str]] = []
        self.failures: list[Exception] = []

    def apply(self, change, *, idempotency_key):
        if self.failures:
            raise self.failures.pop(0)
        self.applied.append((change.change_id, idempotency_key))
        return [{"change_id": change.change_id, "outcome": "applied", "person_ids": change.person_ids}]


@pytest.fixture
def sink():
    return FakeSink()


@pytest.fixture
def service(engine, sink):
    return IntegrationService(store=SqlStore(engine), sink=sink)


def receive(service, data, event_id="evt-1", ce_type=RESIDENT_CHANGE_TYPE):
    return service.receive_resident_event(event_id=event_id, ce_type=ce_type, data=data)


def test_an_event_is_applied_with_its_id_as_idempotency_key(service, sink, move_in):
    assert receive(service, move_in) == "applied"
    assert sink.applied == [("chg-0001", "evt-1")]


def test_the_same_event_twice_is_applied_once(service, sink, move_in):
    receive(service, move_in)
    assert receive(service, move_in) == "duplicate"
    assert len(sink.applied) == 1


def test_an_unavailable_receiver_leaves_the_event_to_be_retried(service, sink, move_in):
    sink.failures.append(ApplyUnavailable("down"))
    with pytest.raises(ApplyUnavailable):
        receive(service, move_in)
    assert receive(service, move_in) == "applied"
    assert sink.applied == [("chg-0001", "evt-1")]


def test_an_invalid_event_is_recorded_without_personal_data(service, sink, move_in):
    move_in["persons"][0]["my_number"] = "12345678901"
    with pytest.raises(InvalidChange):
        receive(service, move_in)
    [rejection] = service.rejections()
    assert rejection["event_id"] == "evt-1" and rejection["change_id"] == "chg-0001"
    assert rejection["problems"][0]["field"] == "persons[0].my_number"
    assert "123456789017" not in json.dumps(rejection, default=str) and "髙橋" not in json.dumps(rejection, default=str)
    assert sink.applied == []


def test_an_event_of_another_type_is_rejected(service, move_in):
    with pytest.raises(InvalidChange):
        receive(service, move_in, ce_type="jp.lg.resident.other.v1")
    assert service.rejections()[0]["problems"][0]["field"] == "ce-type"


def test_a_change_the_receiver_refuses_is_recorded_and_not_claimed(service, sink, move_in):
    sink.failures.append(ApplyRejected("the check digit is wrong", "changes.persons[0].my_number"))
    with pytest.raises(ApplyRejected):
        receive(service, move_in)
    assert service.rejections()[0]["problems"][0]["field"] == "changes.persons[0].my_number"


def feed(*records) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records).encode()


def test_a_feed_applies_valid_lines_and_reports_the_others(service, sink, move_in):
    second = dict(move_in, change_id="chg-0002", household_id="H90000002")
    bad = dict(move_in, change_id="chg-0003", event_date="2026/11/20")
    result = service.import_feed(
        source="resident",
        file_name="resident.jsonl",
        operator_id="clerk",
        content=feed(move_in, bad, "", second, "{oops"),
    )
    assert (result["state"], result["records"], result["applied"], result["rejected"]) == ("processed", 4, 2, 2)
    assert [(e["line"], e["field"]) for e in result["errors"]] == [(2, "event_date"), (5, "")]
    assert sink.applied == [("chg-0001", "feed:chg-0001"), ("chg-0002", "feed:chg-0002")]
    assert service.get_import(result["import_id"])["errors"] == result["errors"]


def test_the_same_feed_twice_applies_each_change_once(service, sink, move_in):
    service.import_feed(source="resident", file_name="a.jsonl", content=feed(move_in), operator_id="clerk")
    again = service.import_feed(source="resident", file_name="a.jsonl", content=feed(move_in), operator_id="clerk")
    assert again["applied"] == 1 and len(sink.applied) == 1


def test_a_feed_line_the_receiver_cannot_take_now_is_reported(service, sink, move_in):
    sink.failures.append(ApplyUnavailable("down"))
    result = service.import_feed(source="resident", file_name="a.jsonl", content=feed(move_in), operator_id="clerk")
    assert result["state"] == "rejected" and result["errors"][0]["line"] == 1


def test_an_empty_feed_is_rejected(service):
    result = service.import_feed(source="resident", file_name="empty.jsonl", content=b"\n", operator_id="clerk")
    assert result["state"] == "rejected" and result["errors"][0]["field"] == "content"


@pytest.mark.parametrize("source", ["pension", "income"])
def test_other_sources_are_not_supported_yet(service, source):
    with pytest.raises(UnsupportedSource, match="not supported yet"):
        service.import_feed(source=source, file_name="x", content=b"", operator_id="clerk")


def test_imports_are_listed_by_cursor(service, move_in):
    ids = [
        service.import_feed(source="resident", file_name=f"{n}.jsonl", content=feed(move_in), operator_id="clerk")[
            "import_id"
        ]
        for n in range(3)
    ]
    page, cursor = service.list_imports(source="", page=Page(2))
    rest, end = service.list_imports(source="resident", page=parse(2, cursor))
    assert [r["import_id"] for r in page + rest] == ids[::-1] and end == ""
