"""Service layer on a real database with a fake svc-qualification (no gRPC, no NATS)."""

from __future__ import annotations

import base64
import json

import pytest
import sqlalchemy as sa

from nhi_common.errors import DomainError
from nhi_common.mynumber_keys import MyNumberKeys
from nhi_common.paging import Page, parse
from nhi_integration.adapters.store import SqlStore
from nhi_integration.adapters.tables import dead_letters as dead_letter_table
from nhi_integration.domain.resident import masked_payload
from nhi_integration.service_layer.ports import ApplyRejected, ApplyUnavailable
from nhi_integration.service_layer.services import (
    RESIDENT_CHANGE_TYPE,
    IntegrationService,
    UnsupportedSource,
    WaitingForSequence,
)


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


KEY_V1 = base64.b64encode(b"k" * 32).decode()
KEY_V2 = base64.b64encode(b"n" * 32).decode()


@pytest.fixture
def service(engine, sink):
    return IntegrationService(store=SqlStore(engine, MyNumberKeys({1: KEY_V1})), sink=sink)


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


def dead_letters(service, state=""):
    return service.list_dead_letters(state=state, page=parse(50, ""))[0]


def test_an_invalid_event_becomes_a_dead_letter_with_its_reason_and_is_not_retried(service, sink, move_in):
    move_in["persons"][0]["my_number"] = "12345678901"
    assert receive(service, move_in) == "dead_letter"
    [letter] = dead_letters(service)
    assert (letter["event_id"], letter["change_id"], letter["reason"], letter["state"]) == (
        "evt-1",
        "chg-0001",
        "invalid_change",
        "open",
    )
    assert letter["problems"][0]["field"] == "persons[0].my_number"
    assert letter["payload"] == move_in
    assert sink.applied == []


def test_a_dead_letter_is_stored_once_when_its_message_comes_again(service, move_in):
    move_in["event_date"] = "yesterday"
    receive(service, move_in)
    receive(service, move_in)
    assert len(dead_letters(service)) == 1


def test_an_event_of_another_type_is_dead_lettered(service, move_in):
    assert receive(service, move_in, ce_type="jp.lg.resident.other.v1") == "dead_letter"
    assert dead_letters(service)[0]["problems"][0]["field"] == "ce-type"


def test_a_change_the_receiver_refuses_is_dead_lettered_and_not_claimed(service, sink, move_in):
    sink.failures.append(ApplyRejected("the check digit is wrong", "changes.persons[0].my_number"))
    assert receive(service, move_in) == "dead_letter"
    [letter] = dead_letters(service)
    assert letter["reason"] == "rejected_by_qualification"
    assert letter["problems"][0]["field"] == "changes.persons[0].my_number"


def test_a_dead_letter_is_fixed_then_replayed_as_the_original_event(service, sink, move_in):
    broken = json.loads(json.dumps(move_in))
    broken["persons"][1]["name_kana"] = "たかはし　はなこ"
    receive(service, broken)
    [letter] = dead_letters(service)
    fixed = service.fix_dead_letter(dead_letter_id=letter["dead_letter_id"], payload=move_in, operator_id="clerk-01")
    assert fixed["problems"] == [] and fixed["updated_by"] == "clerk-01"
    replayed = service.replay_dead_letter(dead_letter_id=letter["dead_letter_id"], operator_id="clerk-01")
    assert (replayed["state"], replayed["outcome"]) == ("replayed", "applied")
    assert sink.applied == [("chg-0001", "evt-1")]
    assert dead_letters(service, "open") == []
    assert receive(service, move_in) == "duplicate"


def test_a_replay_that_still_fails_names_the_field_and_keeps_the_letter_open(service, sink, move_in):
    move_in["event_date"] = "2026/11/20"
    receive(service, move_in)
    [letter] = dead_letters(service)
    with pytest.raises(DomainError) as refused:
        service.replay_dead_letter(dead_letter_id=letter["dead_letter_id"], operator_id="clerk-01")
    assert (refused.value.field, refused.value.rule) == ("event_date", "format")
    [again] = dead_letters(service)
    assert (again["state"], again["attempts"]) == ("open", 2)
    assert sink.applied == []


def test_a_masked_my_number_sent_back_in_a_fix_keeps_the_stored_one(service, move_in):
    move_in["event_date"] = "bad"
    receive(service, move_in)
    [letter] = dead_letters(service)
    shown = masked_payload(letter["payload"])
    assert shown["persons"][0]["my_number"] == "********9018"
    shown["event_date"] = "2026-11-20"
    fixed = service.fix_dead_letter(dead_letter_id=letter["dead_letter_id"], payload=shown, operator_id="clerk")
    assert fixed["payload"]["persons"][0]["my_number"] == "123456789018"


def stored_payloads(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(sa.select(dead_letter_table.c.payload)))


def test_a_dead_letter_keeps_its_my_numbers_encrypted_with_their_key_version(engine, service, sink, move_in):
    move_in["event_date"] = "bad"
    receive(service, move_in)
    [raw] = stored_payloads(engine)
    assert "123456789018" not in raw and '"my_number": "mn:v1:' in raw
    [letter] = dead_letters(service)
    assert letter["payload"]["persons"][0]["my_number"] == "123456789018"
    rotated = IntegrationService(store=SqlStore(engine, MyNumberKeys({1: KEY_V1, 2: KEY_V2})), sink=sink)
    [again] = dead_letters(rotated)
    assert again["payload"]["persons"][0]["my_number"] == "123456789018"
    again["payload"]["event_date"] = "2026-11-20"
    rotated.fix_dead_letter(dead_letter_id=letter["dead_letter_id"], payload=again["payload"], operator_id="clerk")
    [raw] = stored_payloads(engine)
    assert "123456789018" not in raw and '"my_number": "mn:v2:' in raw  # a fix writes it under the current key


def test_rotation_reseals_every_dead_letter_under_the_new_key_once(engine, service, move_in):
    from nhi_integration.adapters.store import reseal_dead_letters

    for n in range(3):
        receive(service, {**move_in, "change_id": f"bad-{n}", "event_date": "bad"}, event_id=f"evt-{n}")
    both = MyNumberKeys({1: KEY_V1, 2: KEY_V2})
    assert reseal_dead_letters(engine, both, batch_size=2) == 3
    assert all('"my_number": "mn:v2:' in raw and "mn:v1:" not in raw for raw in stored_payloads(engine))
    assert reseal_dead_letters(engine, both) == 0
    only_new = IntegrationService(store=SqlStore(engine, MyNumberKeys({2: KEY_V2})), sink=None)
    assert {d["payload"]["persons"][0]["my_number"] for d in dead_letters(only_new)} == {"123456789018"}


def test_without_a_my_number_key_a_dead_letter_keeps_only_the_masked_number(engine, sink, move_in):
    keyless = IntegrationService(store=SqlStore(engine), sink=sink)
    move_in["event_date"] = "bad"
    receive(keyless, move_in)
    [raw] = stored_payloads(engine)
    assert "123456789018" not in raw and "********9018" in raw


def with_sequences(change, change_id, *numbers):
    change = json.loads(json.dumps(change))
    change["change_id"] = change_id
    for person, number in zip(change["persons"], numbers, strict=True):
        person["sequence"] = number
    return change


def test_an_older_sequence_than_the_last_applied_is_dropped_as_stale(service, sink, move_in):
    assert receive(service, with_sequences(move_in, "c1", 1, 1), event_id="e1") == "applied"
    assert receive(service, with_sequences(move_in, "c2", 2, 2), event_id="e2") == "applied"
    assert receive(service, with_sequences(move_in, "c1-again", 1, 1), event_id="e1-again") == "stale"
    assert [c for c, _ in sink.applied] == ["c1", "c2"]


def test_a_change_behind_a_gap_waits_for_the_missing_one(engine, sink, move_in):
    now = [0.0]
    service = IntegrationService(store=SqlStore(engine), sink=sink, gap_wait_seconds=60, clock=lambda: now[0])
    receive(service, with_sequences(move_in, "c1", 1, 1), event_id="e1")
    with pytest.raises(WaitingForSequence):
        receive(service, with_sequences(move_in, "c3", 3, 3), event_id="e3")
    assert receive(service, with_sequences(move_in, "c2", 2, 2), event_id="e2") == "applied"
    assert receive(service, with_sequences(move_in, "c3", 3, 3), event_id="e3") == "applied"
    assert [c for c, _ in sink.applied] == ["c1", "c2", "c3"]


def test_a_gap_that_is_never_filled_is_applied_after_the_wait(engine, sink, move_in):
    now = [0.0]
    service = IntegrationService(store=SqlStore(engine), sink=sink, gap_wait_seconds=60, clock=lambda: now[0])
    receive(service, with_sequences(move_in, "c1", 1, 1), event_id="e1")
    with pytest.raises(WaitingForSequence):
        receive(service, with_sequences(move_in, "c5", 5, 5), event_id="e5")
    now[0] = 61.0
    assert receive(service, with_sequences(move_in, "c5", 5, 5), event_id="e5") == "applied"
    assert receive(service, with_sequences(move_in, "c2", 2, 2), event_id="e2") == "stale"


def feed(*records) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records).encode()


def test_a_feed_with_a_malformed_line_imports_nothing_unless_partial_then_the_valid_lines(service, sink, move_in):
    second = dict(move_in, change_id="chg-0002", household_id="H90000002")
    bad = dict(move_in, change_id="chg-0003", event_date="2026/11/20")
    content = feed(move_in, bad, "", second, "{oops")

    refused = service.import_feed(source="resident", file_name="resident.jsonl", operator_id="clerk", content=content)
    assert (refused["state"], refused["records"], refused["applied"], refused["rejected"]) == ("rejected", 4, 0, 4)
    assert [(e["line"], e["field"]) for e in refused["errors"]] == [(2, "event_date"), (5, "record")]
    assert sink.applied == []

    result = service.import_feed(
        source="resident", file_name="resident.jsonl", operator_id="clerk", content=content, partial=True
    )
    assert (result["state"], result["records"], result["applied"], result["rejected"]) == ("processed", 4, 2, 2)
    assert [(e["line"], e["field"]) for e in result["errors"]] == [(2, "event_date"), (5, "record")]
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
