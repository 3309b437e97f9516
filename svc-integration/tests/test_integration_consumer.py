"""End to end inside one process: a real embedded NATS, the real service runtime, a fake svc-qualification over gRPC."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid

import grpc
import nats
import pytest

from nhi.common.v1 import common_pb2
from nhi.integration.v1 import integration_pb2 as pb
from nhi.integration.v1 import integration_pb2_grpc
from nhi_common import config, paging, rpc
from nhi_common.events import Event
from nhi_devtools import message_fuzz, testing
from nhi_integration import bootstrap
from nhi_integration.domain.resident import masked_payload
from nhi_integration.settings import Settings

SUBJECT = "resident.v1.changes"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.fixture
def runtime(tmp_path, nats_server, fake_qualification):
    _servicer, address = fake_qualification
    settings = config.load(
        Settings,
        env={
            "INTEGRATION_DATABASE_URL": f"sqlite:///{tmp_path / 'integration.db'}",
            "QUALIFICATION_ADDR": address,
            "GRPC_DEADLINE_SECONDS": "2",
            "NATS_URL": nats_server.url,
            "NHI_BUSINESS_DATE": "2026-11-24",
            "NHI_MYNUMBER_KEY": base64.b64encode(b"k" * 32).decode(),
        },
    )
    runtime = bootstrap.build(settings, port=0)
    runtime.start()
    yield runtime
    runtime.stop()


@pytest.fixture
def fake(fake_qualification):
    return fake_qualification[0]


def resident_event(data: dict) -> Event:
    return Event.new(
        source="urn:resident-registry:midori",
        type="jp.lg.resident.change.v1",
        subject=data.get("household_id", ""),
        data=data,
    )


def publish(url: str, event: Event, **extra_headers: str):
    """Publish like the resident registry does, optionally overriding headers (e.g. Nats-Msg-Id)."""

    async def _go():
        nc = await nats.connect(url)
        try:
            headers = {**event.headers(), "traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01", **extra_headers}
            return await nc.jetstream().publish(SUBJECT, event.body(), headers=headers)
        finally:
            await nc.close()

    return asyncio.run(_go())


def processed(runtime) -> int:
    [consumer] = [c for c in runtime.consumers if c.durable == "integration-resident"]
    return consumer.processed


def test_a_move_in_reaches_qualification_once_with_mapped_fields(runtime, nats_server, fake, move_in):
    event = resident_event(move_in)
    publish(nats_server.url, event)
    testing.eventually(lambda: processed(runtime) == 1, what="ack")
    [(request, metadata)] = fake.calls
    assert request.context.operator_id == "integration"
    assert request.context.idempotency_key == event.id
    assert request.context.business_date == "2026-11-24"
    [change] = request.changes
    assert (change.change_id, change.change_kind, change.event_date, change.notified_on) == (
        "chg-0001",
        "move_in",
        "2026-11-20",
        "2026-11-24",
    )
    assert (change.household_id, change.head_person_id, change.previous_municipality) == (
        "H90000001",
        "900000001",
        "横浜市",
    )
    assert change.address.address == "みどり市若葉町2丁目3番5号" and change.address.postal_code == "399-0101"
    head, wife = change.persons
    assert (head.person_id, head.name_kanji, head.name_kana, head.birth_date, head.sex) == (
        "900000001",
        "髙橋　太郎",
        "タカハシ　タロウ",
        "1980-04-01",
        "1",
    )
    assert (head.relationship, head.listing_order, head.my_number) == ("世帯主", 1, "123456789018")
    assert (wife.relationship, wife.listing_order, wife.my_number) == ("妻", 2, "")
    # The message's trace context is the parent of the gRPC call.
    assert metadata["traceparent"].split("-")[1] == TRACE_ID
    assert len(fake.calls) == 1


def test_a_republished_event_is_applied_once(runtime, nats_server, fake, move_in):
    event = resident_event(move_in)
    publish(nats_server.url, event)
    assert publish(nats_server.url, event).duplicate  # same Nats-Msg-Id: JetStream drops it
    publish(nats_server.url, event, **{"Nats-Msg-Id": str(uuid.uuid4())})  # same ce-id gets through
    testing.eventually(lambda: processed(runtime) == 2, what="both deliveries acked")
    assert len(fake.calls) == 1
    assert fake.applied == {"chg-0001"}


def test_an_unavailable_qualification_gets_the_event_again(runtime, nats_server, fake, move_in):
    fake.failures.append(grpc.StatusCode.UNAVAILABLE)
    event = resident_event(move_in)
    publish(nats_server.url, event)
    testing.eventually(lambda: processed(runtime) == 1, what="ack after redelivery")
    assert len(fake.calls) == 2
    assert {request.context.idempotency_key for request, _ in fake.calls} == {event.id}
    assert fake.applied == {"chg-0001"}


def dead_subject_messages(url: str) -> list[dict]:
    """Every message on the dead-letter subject, as (headers, data)."""

    async def _go():
        nc = await nats.connect(url)
        try:
            js = nc.jetstream()
            sub = await js.pull_subscribe("resident.v1.changes.dead", stream="RESIDENT")
            try:
                messages = await sub.fetch(100, timeout=2)
            except nats.errors.TimeoutError:
                return []
            return [json.loads(m.data) for m in messages]
        finally:
            await nc.close()

    return asyncio.run(_go())


def test_an_invalid_event_goes_to_the_dead_letter_subject_and_the_next_one_is_applied(
    runtime, nats_server, fake, move_in
):
    broken = dict(move_in, change_id="chg-bad", event_date="20261120")
    bad_event = resident_event(broken)
    publish(nats_server.url, bad_event)
    publish(nats_server.url, resident_event(move_in))
    testing.eventually(lambda: processed(runtime) == 2, what="both events acked")
    time.sleep(1.5)  # a retried message would come back after 1 s and be dead-lettered again
    [letter] = runtime.service.list_dead_letters(state="", page=paging.parse(10, ""))[0]
    assert letter["event_id"] == bad_event.id and letter["change_id"] == "chg-bad"
    assert letter["problems"] == [{"field": "event_date", "message": "must be a date as YYYY-MM-DD"}]
    assert [c.change_id for request, _ in fake.calls for c in request.changes] == ["chg-0001"]
    testing.eventually(lambda: len(dead_subject_messages(nats_server.url)) == 1, what="the dead letter published")
    [published] = dead_subject_messages(nats_server.url)
    assert (published["event_id"], published["reason"], published["payload"]) == (
        bad_event.id,
        "invalid_change",
        masked_payload(broken),  # never a My Number in a message
    )
    assert published["payload"]["persons"][0]["my_number"] == "********9018"


def test_a_change_qualification_refuses_is_dead_lettered(runtime, nats_server, fake, move_in):
    fake.failures.append(grpc.StatusCode.INVALID_ARGUMENT)
    event = resident_event(move_in)
    publish(nats_server.url, event)
    # The refused change alone in its fetch (a batch refused as a whole is tried again one change at a time).
    testing.eventually(lambda: fake.calls, what="the first change sent")
    publish(nats_server.url, resident_event(dict(move_in, change_id="chg-0002")))
    testing.eventually(lambda: processed(runtime) == 2, what="both events acked")
    letters = runtime.service.list_dead_letters(state="open", page=paging.parse(10, ""))[0]
    assert [(r["event_id"], r["reason"]) for r in letters] == [(event.id, "rejected_by_qualification")]
    assert fake.applied == {"chg-0002"}


def stub(runtime):
    channel = grpc.insecure_channel(f"127.0.0.1:{runtime.server.port}")
    return channel, integration_pb2_grpc.IntegrationServiceStub(channel)


def test_import_feed_applies_a_file_and_keeps_the_record(runtime, fake, move_in):
    second = dict(move_in, change_id="chg-0002", change_kind="teleport")
    content = (json.dumps(move_in, ensure_ascii=False) + "\n" + json.dumps(second, ensure_ascii=False) + "\n").encode()
    channel, client = stub(runtime)
    with channel:
        context = common_pb2.RequestContext(operator_id="clerk-1")
        result = client.ImportFeed(
            pb.ImportFeedRequest(
                context=context, source="resident", file_name="resident-20261124.jsonl", content=content, partial=True
            )
        )
        assert (result.state, result.records, result.applied, result.rejected) == ("processed", 2, 1, 1)
        assert [(e.line, e.field) for e in result.errors] == [(2, "change_kind")]
        assert client.GetImport(pb.GetImportRequest(import_id=result.import_id)) == result
        listed = client.ListImports(pb.ListImportsRequest(page=common_pb2.PageRequest(page_size=10)))
        assert [i.import_id for i in listed.imports] == [result.import_id] and listed.page.next_cursor == ""
        with pytest.raises(grpc.RpcError) as caught:
            client.ImportFeed(pb.ImportFeedRequest(context=context, source="weather", content=b""))
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        fields, _ = rpc.unpack_details(rpc.read_status(caught.value))
        assert fields[0].field == "source" and "resident, pension, welfare, income" in fields[0].description
        with pytest.raises(grpc.RpcError) as caught:
            client.GetImport(pb.GetImportRequest(import_id="nope"))
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    [(request, _)] = fake.calls
    assert request.context.idempotency_key == "feed:chg-0001"


def test_a_clerk_lists_fixes_and_replays_a_dead_letter_over_grpc(runtime, nats_server, fake, move_in):
    broken = dict(move_in, change_id="chg-bad", event_date="20261120")
    publish(nats_server.url, resident_event(broken))
    testing.eventually(lambda: processed(runtime) == 1, what="the broken event acked")
    channel, client = stub(runtime)
    clerk = common_pb2.RequestContext(operator_id="clerk-01")
    with channel:
        listed = client.ListDeadLetters(pb.ListDeadLettersRequest(context=clerk, state="open"))
        [letter] = listed.dead_letters
        assert (letter.reason, letter.problems[0].field) == ("invalid_change", "event_date")
        shown = json.loads(letter.payload_json)
        assert shown["persons"][0]["my_number"] == "********9018"  # masked without mynumber:read
        shown["event_date"] = "2026-11-20"
        fixed = client.FixDeadLetter(
            pb.FixDeadLetterRequest(context=clerk, dead_letter_id=letter.dead_letter_id, payload_json=json.dumps(shown))
        )
        assert list(fixed.problems) == []
        replayed = client.ReplayDeadLetter(
            pb.ReplayDeadLetterRequest(context=clerk, dead_letter_id=fixed.dead_letter_id)
        )
        assert (replayed.state, replayed.outcome) == ("replayed", "applied")
        [(request, _)] = fake.calls
        assert request.changes[0].persons[0].my_number == "123456789018"
        with pytest.raises(grpc.RpcError) as again:
            client.ReplayDeadLetter(pb.ReplayDeadLetterRequest(context=clerk, dead_letter_id=fixed.dead_letter_id))
        assert again.value.code() == grpc.StatusCode.FAILED_PRECONDITION


@pytest.mark.parametrize(
    "poison",
    [
        pytest.param({"ce-id": "x" * 101}, id="an id longer than any store keeps"),
        pytest.param({"ce-id": "evt\x01bad"}, id="an id holding a control character"),
        pytest.param({"ce-type": "t" * 201}, id="a type longer than any store keeps"),
        pytest.param({"body": b"[" * 100_000}, id="a body nested deeper than the parser goes"),
        pytest.param({"body": b'{"n": ' + b"9" * 5000 + b"}"}, id="a number of 5,000 digits"),
    ],
)
def test_a_message_no_store_can_take_is_dropped_and_the_stream_goes_on(runtime, nats_server, fake, move_in, poison):
    """One message whose headers or body cannot be read or kept (an id longer than the inbox's key, a body the JSON
    parser refuses with RecursionError) is terminated and logged as unreadable; before, it failed every fetch it
    came in, and the resident stream stood still behind it."""
    bad = resident_event(dict(move_in, change_id="chg-poison"))
    body = poison.pop("body", None)

    async def _go():
        nc = await nats.connect(nats_server.url)
        try:
            headers = {**bad.headers(), **poison}
            await nc.jetstream().publish(SUBJECT, body if body is not None else bad.body(), headers=headers)
        finally:
            await nc.close()

    asyncio.run(_go())
    publish(nats_server.url, resident_event(move_in))
    testing.eventually(
        lambda: [c.change_id for request, _ in fake.calls for c in request.changes] == ["chg-0001"],
        what="the next change applied",
    )


def test_a_change_holding_a_lone_surrogate_is_dropped_as_unreadable_and_the_stream_goes_on(
    runtime, nats_server, fake, move_in, caplog
):
    """JSON may escape half of a UTF-16 pair alone ("\\ud800"): the parser gives a str no UTF-8 store, gRPC message
    or dead letter can carry, and a name holding one failed the whole fetch it came in with UnicodeEncodeError, at
    every delivery. Unreadable now, like a body the parser refuses."""
    person = dict(move_in["persons"][0], name_kanji="髙\ud800橋")
    bad = resident_event(dict(move_in, change_id="chg-surrogate", persons=[person]))

    async def _go():
        nc = await nats.connect(nats_server.url)
        try:
            body = json.dumps(bad.data).encode()  # escaped: the lone surrogate as \ud800
            await nc.jetstream().publish(SUBJECT, body, headers=bad.headers())
        finally:
            await nc.close()

    asyncio.run(_go())
    publish(nats_server.url, resident_event(move_in))
    testing.eventually(
        lambda: [c.change_id for request, _ in fake.calls for c in request.changes] == ["chg-0001"],
        what="the next change applied",
    )
    drained = lambda: message_fuzz.consumer_drained(nats_server.url, "RESIDENT", "integration-resident")  # noqa: E731
    testing.eventually(drained, what="nothing left to deliver again")
    assert any("lone surrogate" in r.getMessage() for r in caplog.records)
