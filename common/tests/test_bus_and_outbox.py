"""The NATS adapter and the outbox relay against a real nats-server and a real SQLite database."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time

import pytest
import sqlalchemy as sa

from nhi_common import db
from nhi_common.bus import Bus, BusRuntime, PullConsumer
from nhi_common.events import Event
from nhi_common.outbox import OutboxRelay, RelayPaused
from nhi_common.plumbing import Plumbing, define_tables, operator_key
from nhi_devtools import testing
from nhi_devtools.natsserver import EmbeddedNats


def wait_until(predicate, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_republished_event_is_dropped_as_a_duplicate(tmp_path):
    server = EmbeddedNats(tmp_path / "nats").start()
    runtime = BusRuntime()
    try:
        bus = Bus(server.url, "test")
        runtime.call(bus.connect())
        event = Event.new(source="urn:test", type="t.v1", subject="s", data={"n": 1})
        first = runtime.call(bus.publish("nhi.v1.qualification.acquired", event))
        second = runtime.call(bus.publish("nhi.v1.qualification.acquired", event))
        assert not first.duplicate and second.duplicate
        assert second.seq == first.seq

        async def sent_twice():  # the relay's way: the acknowledgements awaited after sending
            other = Event.new(source="urn:test", type="t.v1", subject="s", data={"n": 2})
            acks = [
                await bus.send_for_ack("nhi.v1.qualification.acquired", other.body(), other.headers()) for _ in "ab"
            ]
            return [await ack for ack in acks]

        third, fourth = runtime.call(sent_twice())
        assert (third.stream, third.seq, third.duplicate) == ("NHI_EVENTS", first.seq + 1, None)
        assert (fourth.stream, fourth.seq, fourth.duplicate) == ("NHI_EVENTS", first.seq + 1, True)
        runtime.call(bus.close())
    finally:
        runtime.stop()
        server.stop()


def _relay_setup(tmp_path):
    server = EmbeddedNats(tmp_path / "nats").start()
    engine = db.make_engine(f"sqlite:///{tmp_path / 'outbox.db'}")
    metadata = sa.MetaData()
    tables = define_tables(metadata)
    metadata.create_all(engine)
    return server, engine, tables, Plumbing(metadata, "urn:test")


def test_outbox_events_are_processed_once_in_order_across_a_server_kill(tmp_path):
    server, engine, tables, plumbing = _relay_setup(tmp_path)
    runtime = BusRuntime()
    received: list[int] = []
    deliveries: list[int] = []
    lock = threading.Lock()

    def handler(event: Event, _headers) -> None:
        # JetStream delivers at least once (an ack not yet on disk when the server dies is redelivered);
        # the inbox turns that into exactly-once processing.
        with lock:
            deliveries.append(event.data["n"])
        with engine.begin() as conn:
            if plumbing.claim_inbox(conn, event_id=event.id, consumer="test"):
                with lock:
                    received.append(event.data["n"])

    try:
        bus = Bus(server.url, "test")
        runtime.call(bus.connect())
        relay = OutboxRelay(engine, tables["outbox"], bus, interval=0.1)
        consumer = PullConsumer(bus, stream="NHI_EVENTS", durable="test-consumer", subject="nhi.v1.>", handler=handler)
        runtime.submit(relay.run())
        runtime.submit(consumer.run())

        def write(n: int) -> None:
            with engine.begin() as conn:
                plumbing.add_event(
                    conn, nats_subject="nhi.v1.qualification.changed", type="t.v1", subject=str(n), data={"n": n}
                )
            relay.notify()

        for n in range(20):
            write(n)
        assert wait_until(lambda: consumer.processed == 20)
        port = server.port
        server.kill()
        for n in range(20, 40):
            write(n)
        time.sleep(1)
        server = EmbeddedNats(tmp_path / "nats", port=port).start()
        assert wait_until(lambda: len(received) >= 40, timeout=30)
        time.sleep(1)
        assert sorted(received) == list(range(40))
        assert received[20:] == list(range(20, 40))
        assert len(deliveries) >= 40
        runtime.call(bus.connect())
        info = runtime.call(bus.js.stream_info("NHI_EVENTS"))
        assert info.state.messages == 40
        with engine.connect() as conn:
            unpublished = conn.execute(
                sa.select(sa.func.count())
                .select_from(tables["outbox"])
                .where(tables["outbox"].c.published_at.is_(None))
            ).scalar_one()
        assert unpublished == 0
    finally:
        runtime.stop()
        server.stop()
        engine.dispose()


def _outbox_state(engine, outbox) -> list[tuple[int, bool, int]]:
    """(n, published, attempts) of every outbox row, in outbox order."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(outbox.c.data, outbox.c.published_at, outbox.c.attempts).order_by(outbox.c.seq)
        ).all()
    return [(json.loads(r.data)["n"], r.published_at is not None, r.attempts) for r in rows]


@contextlib.contextmanager
def _connected_relay_world(tmp_path):
    """A NATS server, an outbox database and a connected bus; everything stopped afterwards."""
    server, engine, tables, plumbing = _relay_setup(tmp_path)
    runtime = BusRuntime()
    try:
        bus = Bus(server.url, "test")
        runtime.call(bus.connect())
        yield engine, tables, plumbing, runtime, bus
        runtime.call(bus.close())
    finally:
        runtime.stop()
        server.stop()
        engine.dispose()


def test_the_relay_sends_a_whole_batch_at_once_and_the_stream_keeps_the_outbox_order(tmp_path):
    with _connected_relay_world(tmp_path) as (engine, tables, plumbing, runtime, bus):
        with engine.begin() as conn:  # more than two of the relay's batches, written before it starts
            for n in range(1200):
                plumbing.add_event(
                    conn, nats_subject="nhi.v1.qualification.changed", type="t.v1", subject=str(n), data={"n": n}
                )
        relay = OutboxRelay(engine, tables["outbox"], bus, batch=500)
        assert [runtime.call(relay.run_once()) for _ in range(4)] == [500, 500, 200, 0]
        assert all(published for _n, published, _a in _outbox_state(engine, tables["outbox"]))

        async def stored() -> list[int]:
            info = await bus.js.stream_info("NHI_EVENTS")
            first = info.state.first_seq
            return [
                json.loads((await bus.js.get_msg("NHI_EVENTS", seq)).data)["n"]
                for seq in range(first, first + info.state.messages)
            ]

        assert runtime.call(stored(), timeout=60) == list(range(1200))


def test_the_relay_marks_published_only_what_was_acknowledged_up_to_the_first_refusal(tmp_path):
    with _connected_relay_world(tmp_path) as (engine, tables, plumbing, runtime, bus):
        with engine.begin() as conn:
            for n in range(10):  # the sixth goes to a subject no stream takes: NATS answers "no responders"
                subject = "nowhere.v1.changed" if n == 5 else "nhi.v1.qualification.changed"
                plumbing.add_event(conn, nats_subject=subject, type="t.v1", subject=str(n), data={"n": n})
        relay = OutboxRelay(engine, tables["outbox"], bus)
        with pytest.raises(RelayPaused, match="NoStreamResponseError"):
            runtime.call(relay.run_once())
        state = _outbox_state(engine, tables["outbox"])
        assert [n for n, published, _a in state if published] == [0, 1, 2, 3, 4]
        assert [(n, attempts) for n, _p, attempts in state if attempts] == [(5, 1)]
        with pytest.raises(RelayPaused):  # tried again, first, and still refused: nothing after it is marked
            runtime.call(relay.run_once())
        assert [(n, attempts) for n, _p, attempts in _outbox_state(engine, tables["outbox"]) if attempts] == [(5, 2)]
        assert relay.published == 5


def test_an_event_the_client_refuses_to_send_pauses_the_relay_and_leaves_nothing_awaited(tmp_path):
    """An event larger than the server takes is refused by the client before it is sent (as a publish is while
    reconnecting with the buffer full): what was sent before it is marked, it is tried again first, and no
    acknowledgement is left awaited however often that happens."""
    with _connected_relay_world(tmp_path) as (engine, tables, plumbing, runtime, bus):
        with engine.begin() as conn:
            for n in range(4):
                data = {"n": n, "blob": "x" * (2 * 1024 * 1024 if n == 2 else 1)}
                plumbing.add_event(
                    conn, nats_subject="nhi.v1.qualification.changed", type="t.v1", subject=str(n), data=data
                )
        relay = OutboxRelay(engine, tables["outbox"], bus)
        for attempt in (1, 2, 3):
            with pytest.raises(RelayPaused, match="not sent: MaxPayloadError"):
                runtime.call(relay.run_once())
            state = _outbox_state(engine, tables["outbox"])
            assert [n for n, published, _a in state if published] == [0, 1]
            assert [(n, attempts) for n, _p, attempts in state if attempts] == [(2, attempt)]
            assert bus.acks_awaited == 0


def test_the_inbox_claims_an_event_once(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'inbox.db'}")
    metadata = sa.MetaData()
    define_tables(metadata)
    metadata.create_all(engine)
    plumbing = Plumbing(metadata, "urn:test")
    with engine.begin() as conn:
        assert plumbing.claim_inbox(conn, event_id="e1", consumer="c")
        assert not plumbing.claim_inbox(conn, event_id="e1", consumer="c")
        assert plumbing.claim_inbox(conn, event_id="e1", consumer="other")


@pytest.mark.parametrize("backend", testing.backends())
def test_a_batch_of_claims_takes_each_event_once_whatever_was_claimed_before_or_repeats(backend, tmp_path):
    with testing.database(backend, tmp_path, "inbox_many") as (url, schema):
        engine = db.make_engine(url, schema=schema)
        metadata = sa.MetaData()
        define_tables(metadata)
        metadata.create_all(engine)
        plumbing = Plumbing(metadata, "urn:test")
        many = [f"e{n}" for n in range(1500)]  # more than one IN list's worth on SQLite
        try:
            with engine.begin() as conn:
                assert plumbing.claim_inbox(conn, event_id="e1", consumer="c")
                claims = plumbing.claim_inbox_many(conn, ["e0", "e1", "e0", "e2", *many], "c")
                assert claims[:4] == [True, False, False, True]
                assert claims[4:] == [False, False, False] + [True] * 1497  # e0, e1, e2 were claimed just before
                assert plumbing.claim_inbox_many(conn, ["e2", "e3"], "other") == [True, True]
            with engine.begin() as conn:
                assert plumbing.claim_inbox_many(conn, [*many, "new"], "c") == [False] * 1500 + [True]
                inbox = metadata.tables["inbox"]
                stored = conn.execute(sa.select(inbox.c.consumer, sa.func.count()).group_by(inbox.c.consumer)).all()
            assert sorted(stored) == [("c", 1501), ("other", 2)]
        finally:
            engine.dispose()


def test_an_idempotency_key_is_kept_per_operator_and_fits_its_column_whatever_the_operator_id(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'keys.db'}")
    metadata = sa.MetaData()
    define_tables(metadata)
    metadata.create_all(engine)
    plumbing = Plumbing(metadata, "urn:test")
    long_operator = "o" * 1000
    with engine.begin() as conn:
        for operator, answer in (("clerk-a", b"a"), (long_operator, b"long")):
            plumbing.remember_idempotent(
                conn, operator_id=operator, key="k" * 128, operation="Op", request=b"r", response=answer
            )
        assert (
            plumbing.recall_idempotent(conn, operator_id="clerk-a", key="k" * 128, operation="Op", request=b"r") == b"a"
        )
        assert (
            plumbing.recall_idempotent(conn, operator_id="clerk-b", key="k" * 128, operation="Op", request=b"r") is None
        )
        stored = conn.scalars(sa.select(metadata.tables["idempotency_keys"].c.key)).all()
    assert len(stored) == 2 and max(len(key) for key in stored) <= 200  # the column is String(200)
    assert operator_key(long_operator, "k") != operator_key("clerk-a", "k")


def test_an_event_without_cloudevents_headers_is_refused():
    import pytest

    with pytest.raises(ValueError):
        Event.from_message({"content-type": "application/json"}, b"{}")
    with pytest.raises(ValueError):
        Event.from_message({"ce-id": "1", "ce-source": "s", "ce-type": "t"}, b"[1]")
    assert asyncio is not None
