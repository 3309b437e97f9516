"""A pull consumer against a real nats-server: a long handler keeps its message (in progress), a message that
keeps failing is given up after its bounded deliveries, recorded by its owner and kept as a dead letter."""

from __future__ import annotations

import threading
import time

from nhi_common.bus import (
    DEAD_REASON_HEADER,
    DEAD_SUBJECT_PREFIX,
    BatchConsumer,
    PullConsumer,
    held_on,
)
from nhi_common.events import Event
from nhi_common.offering import StallSweeper


def wait_until(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _publish(runtime, bus, n: int) -> Event:
    event = Event.new(source="urn:test", type="t.v1", subject=str(n), data={"n": n})
    runtime.call(bus.publish(f"nhi.jobs.v1.test_{n}", event))
    return event


def test_a_handler_longer_than_the_ack_wait_keeps_its_message(bus):
    runtime, nats_bus = bus
    calls: list[int] = []

    def slow(event: Event, _headers) -> None:
        calls.append(event.data["n"])
        time.sleep(3.5)  # more than three ack waits

    consumer = PullConsumer(
        nats_bus, stream="NHI_JOBS", durable="slow", subject="nhi.jobs.v1.>", handler=slow, ack_wait=1, batch=1
    )
    runtime.submit(consumer.run())
    _publish(runtime, nats_bus, 1)
    assert wait_until(lambda: consumer.processed == 1)
    time.sleep(1.5)  # a redelivery would show now
    consumer.stop()
    assert calls == [1]


def test_a_batch_longer_than_the_ack_wait_keeps_every_message_of_it(bus):
    runtime, nats_bus = bus
    batches: list[list[int]] = []

    def slow(events: list[Event]) -> list[None]:
        batches.append(sorted(e.data["n"] for e in events))
        time.sleep(3.5)  # more than three ack waits
        return [None] * len(events)

    for n in range(5):
        _publish(runtime, nats_bus, n)
    consumer = BatchConsumer(
        nats_bus, stream="NHI_JOBS", durable="slow-batch", subject="nhi.jobs.v1.>", handle_batch=slow, ack_wait=1
    )
    runtime.submit(consumer.run())
    assert wait_until(lambda: consumer.processed == 5)
    time.sleep(1.5)  # a redelivery would show now
    consumer.stop()
    assert batches == [[0, 1, 2, 3, 4]]


class _Watched(BatchConsumer):
    """A batch consumer that notes when each fetch is asked for."""

    def __init__(self, *args, log: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.log = log

    async def _subscribe(self):
        sub = await super()._subscribe()
        fetch = sub.fetch

        async def noted(*args, **kwargs):
            self.log.append("fetch")
            return await fetch(*args, **kwargs)

        sub.fetch = noted
        return sub


def test_a_batch_consumer_asks_for_the_next_fetch_while_it_handles_one(bus):
    runtime, nats_bus = bus
    log: list = []

    def handle(events: list[Event]) -> list[None]:
        log.append(("start", [e.data["n"] for e in events]))
        time.sleep(0.5)
        log.append("end")
        return [None] * len(events)

    for n in range(6):
        _publish(runtime, nats_bus, n)
    consumer = _Watched(
        nats_bus, stream="NHI_JOBS", durable="ahead", subject="nhi.jobs.v1.>", handle_batch=handle, batch=3, log=log
    )
    task = runtime.submit(consumer.run())
    assert wait_until(lambda: consumer.processed == 6)
    consumer.stop()
    task.cancel()
    batches = [entry[1] for entry in log if isinstance(entry, tuple)]
    assert sorted(n for batch in batches for n in batch) == list(range(6))  # each once
    first_end = log.index("end")
    assert log[:first_end].count("fetch") == 2  # the second fetch went out before the first batch was done


def test_messages_fetched_ahead_by_a_consumer_that_stops_come_again_to_the_next(bus):
    runtime, nats_bus = bus
    handled: list[int] = []
    release = threading.Event()

    def stuck(events: list[Event]) -> list[None]:
        release.wait(10)
        return [RuntimeError("stopped")] * len(events)

    def handle(events: list[Event]) -> list[None]:
        handled.extend(e.data["n"] for e in events)
        return [None] * len(events)

    for n in range(6):
        _publish(runtime, nats_bus, n)
    log: list = []
    first = _Watched(
        nats_bus, stream="NHI_JOBS", durable="handover", subject="nhi.jobs.v1.>", handle_batch=stuck, batch=3, log=log
    )
    first.ack_wait = 1
    task = runtime.submit(first.run())
    assert wait_until(lambda: log.count("fetch") >= 2)  # one batch in hand, the next fetched ahead
    time.sleep(0.3)
    first.stop()
    task.cancel()
    release.set()
    second = BatchConsumer(
        nats_bus, stream="NHI_JOBS", durable="handover", subject="nhi.jobs.v1.>", handle_batch=handle, ack_wait=1
    )
    runtime.submit(second.run())
    assert wait_until(lambda: len(set(handled)) == 6)
    second.stop()
    assert sorted(set(handled)) == list(range(6))


def test_a_message_that_keeps_failing_is_given_up_recorded_and_kept_as_a_dead_letter(bus):
    runtime, nats_bus = bus
    attempts: list[float] = []
    exhausted: list[tuple[str, str]] = []
    done = threading.Event()

    def failing(_event: Event, _headers) -> None:
        attempts.append(time.monotonic())
        raise RuntimeError("the database is gone")

    def record(event: Event, reason: str) -> None:
        exhausted.append((event.id, reason))
        done.set()

    consumer = PullConsumer(
        nats_bus,
        stream="NHI_JOBS",
        durable="failing",
        subject="nhi.jobs.v1.>",
        handler=failing,
        max_deliver=3,
        on_exhausted=record,
    )
    runtime.submit(consumer.run())
    event = _publish(runtime, nats_bus, 2)
    assert done.wait(30)
    time.sleep(1.5)
    consumer.stop()
    assert len(attempts) == 3
    assert attempts[2] - attempts[1] > attempts[1] - attempts[0] >= 0.9  # backing off: about 1 s, then 2 s
    assert exhausted == [(event.id, "failed 3 times; last: RuntimeError: the database is gone")]

    async def dead_letter():
        sub = await nats_bus.js.pull_subscribe(DEAD_SUBJECT_PREFIX + "failing", durable="reader", stream="NHI_DEAD")
        (message,) = await sub.fetch(1, timeout=5)
        return message

    message = runtime.call(dead_letter())
    assert message.headers[DEAD_REASON_HEADER] == exhausted[0][1]
    assert Event.from_message(dict(message.headers), message.data).id == event.id
    info = runtime.call(nats_bus.js.stream_info("NHI_JOBS"))
    assert info.state.messages == 0  # the work queue let it go


def test_the_inbound_streams_keep_messages_for_a_bounded_time(bus):
    runtime, nats_bus = bus
    for name in ("RESIDENT", "PENSION", "TAX"):
        info = runtime.call(nats_bus.js.stream_info(name))
        assert info.config.max_age == 14 * 86400, name
    assert runtime.call(nats_bus.js.stream_info("NHI_DEAD")).config.max_age == 90 * 86400


def test_the_failure_of_a_last_delivery_is_recorded_though_the_database_was_away_a_moment(bus):
    """The stream does not deliver a message again past its max_deliver: recording the failure of its last delivery
    is tried again while the consumer keeps the message, and only then is it kept as a dead letter and let go.
    Before, one failed try left the failure unrecorded (a job waiting for good) and the message in the work queue."""
    runtime, nats_bus = bus
    tries: list[float] = []
    done = threading.Event()

    def failing(_event: Event, _headers) -> None:
        raise RuntimeError("the chunk failed")

    def record(event: Event, reason: str) -> None:
        tries.append(time.monotonic())
        if len(tries) < 3:
            raise RuntimeError("the database is away")
        done.set()

    consumer = PullConsumer(
        nats_bus,
        stream="NHI_JOBS",
        durable="recording",
        subject="nhi.jobs.v1.>",
        handler=failing,
        max_deliver=2,
        ack_wait=1,  # kept in progress while the recording is tried again, not delivered to anyone else
        on_exhausted=record,
    )
    runtime.submit(consumer.run())
    _publish(runtime, nats_bus, 3)
    assert done.wait(30)
    assert tries[2] - tries[1] > tries[1] - tries[0] >= 0.9  # backing off: about 1 s, then 2 s
    assert wait_until(lambda: runtime.call(nats_bus.js.stream_info("NHI_JOBS")).state.messages == 0)
    consumer.stop()


def test_an_event_whose_data_breaks_its_batch_is_kept_as_a_dead_letter_and_the_rest_of_the_batch_is_done(bus):
    """A handler that raised a TypeError on one event's data (a list where text belongs) failed its whole fetch, and
    every event of it came again together, failing again, forever. Now the fetch is taken one event at a time, and
    an event whose own data raises (a TypeError, a KeyError, a database's DataError) is dead-lettered at once, its
    reason naming the error's type and not its text (which may quote a name)."""
    runtime, nats_bus = bus
    batches: list[list[int]] = []

    def handle(events: list[Event]) -> list[None]:
        batches.append([e.data["n"] for e in events])
        if any(e.data["n"] == 2 for e in events):
            raise TypeError("unhashable type: '髙橋'")
        return [None] * len(events)

    events = [_publish(runtime, nats_bus, n) for n in range(5)]
    consumer = BatchConsumer(
        nats_bus, stream="NHI_JOBS", durable="breaking", subject="nhi.jobs.v1.>", handle_batch=handle, batch=10
    )
    runtime.submit(consumer.run())
    assert wait_until(lambda: consumer.processed == 4)
    time.sleep(1.5)  # a redelivery would show now
    consumer.stop()
    assert batches[0] == [0, 1, 2, 3, 4] and sorted(map(tuple, batches[1:])) == [(0,), (1,), (2,), (3,), (4,)]

    async def dead_letter():
        sub = await nats_bus.js.pull_subscribe(DEAD_SUBJECT_PREFIX + "breaking", durable="reader", stream="NHI_DEAD")
        return await sub.fetch(1, timeout=5)

    [message] = runtime.call(dead_letter())
    assert Event.from_message(dict(message.headers), message.data).id == events[2].id
    assert message.headers[DEAD_REASON_HEADER] == "unprocessable: TypeError"


def test_an_event_whose_data_breaks_its_handler_is_kept_as_a_dead_letter_without_retries(bus):
    runtime, nats_bus = bus
    attempts: list[int] = []

    def handle(event: Event, _headers) -> None:
        attempts.append(event.data["n"])
        if event.data["n"] == 1:
            raise KeyError("髙橋")

    consumer = PullConsumer(nats_bus, stream="NHI_JOBS", durable="keyerror", subject="nhi.jobs.v1.>", handler=handle)
    runtime.submit(consumer.run())
    for n in range(3):
        _publish(runtime, nats_bus, n)
    assert wait_until(lambda: consumer.processed == 2)
    time.sleep(1.5)  # a redelivery would show now
    consumer.stop()
    assert sorted(attempts) == [0, 1, 2]
    info = runtime.call(nats_bus.js.stream_info("NHI_DEAD"))
    assert info.state.messages == 1


def test_a_consumer_whose_stream_is_gone_makes_it_again_and_goes_on(bus):
    """A nats-server killed mid-write may start again without a stream (it refuses a stream whose state file it finds
    corrupt: seen in the SIGKILL fault matrix). Its consumers looked for it in vain for good; now the stream is made
    again and the consumer takes what is published to it from then on."""
    runtime, nats_bus = bus
    seen: list[int] = []
    consumer = PullConsumer(
        nats_bus,
        stream="NHI_JOBS",
        durable="survivor",
        subject="nhi.jobs.v1.>",
        handler=lambda event, _headers: seen.append(event.data["n"]),
    )
    runtime.submit(consumer.run())
    _publish(runtime, nats_bus, 1)
    assert wait_until(lambda: seen == [1])
    runtime.call(nats_bus.js.delete_stream("NHI_JOBS"))  # as the restarted server left it: no stream at all

    def published_again() -> bool:
        try:
            _publish(runtime, nats_bus, 2)
        except Exception:  # noqa: BLE001 - no stream yet: nothing takes the subject
            return False
        return True

    assert wait_until(published_again)
    assert wait_until(lambda: seen == [1, 2])
    consumer.stop()


def test_a_work_queue_holds_a_message_until_it_is_acked_and_a_sweeper_sees_what_it_holds(bus):
    """held_on counts what a work-queue stream still holds on a subject: the messages waiting and the one a worker
    is on, not the acked ones; a job sweeper tells a slow job from one whose messages are gone by it."""
    runtime, nats_bus = bus
    held = held_on(runtime, nats_bus, "NHI_JOBS")
    assert held("nhi.jobs.v1.test_1") == 0  # nothing ever published on it
    first = _publish(runtime, nats_bus, 1)
    _publish(runtime, nats_bus, 1)
    _publish(runtime, nats_bus, 2)
    runtime.call(nats_bus.publish("nhi.jobs.v1.test_1", first))  # dropped as a duplicate
    assert held("nhi.jobs.v1.test_1") == 2 and held("nhi.jobs.v1.test_2") == 1

    working, release = threading.Event(), threading.Event()

    def handler(event: Event, _headers) -> None:
        working.set()
        release.wait(10)

    consumer = PullConsumer(
        nats_bus, stream="NHI_JOBS", durable="one", subject="nhi.jobs.v1.test_1", handler=handler, batch=1
    )
    runtime.submit(consumer.run())
    assert working.wait(10)
    assert held("nhi.jobs.v1.test_1") == 2  # one waiting, one being worked on and not acked yet
    release.set()
    assert wait_until(lambda: held("nhi.jobs.v1.test_1") == 0)
    consumer.stop()
    assert held("nhi.jobs.v1.test_2") == 1

    swept: list[int] = []

    def sweep() -> None:
        swept.append(held("nhi.jobs.v1.test_2"))
        if len(swept) == 2:
            raise ConnectionError("NATS away")  # logged; the next tick sweeps again

    sweeper = StallSweeper(sweep, every=0.1, what="test").start()
    assert wait_until(lambda: len(swept) >= 4)
    sweeper.stop()
    stopped_at = len(swept)
    time.sleep(0.4)
    assert len(swept) <= stopped_at + 1 and set(swept) == {1}


def _publish_events(runtime, nats_bus, subject: str, n: int) -> list[Event]:
    """n events numbered 0 to n-1 (data n; a CloudEvents subject in kanji, a header value that is not ASCII)."""
    events = [Event.new(source="urn:test", type="t.v1", subject=f"氏名{i}", data={"n": i}) for i in range(n)]

    async def go():
        for event in events:
            await nats_bus.publish(subject, event)

    runtime.call(go(), timeout=120)
    return events


def _documents_consumer(runtime, nats_bus, durable: str, handle, *, batch: int) -> BatchConsumer:
    """A batch consumer of nhi.v1.document.issued on NHI_EVENTS, running."""
    consumer = BatchConsumer(
        nats_bus,
        stream="NHI_EVENTS",
        durable=durable,
        subject="nhi.v1.document.issued",
        handle_batch=handle,
        batch=batch,
    )
    runtime.submit(consumer.run())
    return consumer


def test_a_batch_consumer_hands_over_each_event_once_with_its_headers(bus):
    """Fetches of 250 through nhi_common.nats_quick's fetch and header parser: each event once, in order, with the
    id and subject its headers carried."""
    runtime, nats_bus = bus
    got: list[Event] = []

    def handle(events: list[Event]) -> list[None]:
        got.extend(events)
        return [None] * len(events)

    sent = _publish_events(runtime, nats_bus, "nhi.v1.document.issued", 600)
    consumer = _documents_consumer(runtime, nats_bus, "quick-batch", handle, batch=250)
    wait_until(lambda: consumer.processed == 600)
    consumer.stop()
    assert [(e.id, e.subject, e.data["n"]) for e in got] == [(e.id, e.subject, e.data["n"]) for e in sent]


def test_a_batch_larger_than_the_servers_default_pending_limit_comes_whole(bus):
    """A consumer may hold its batch and the one asked ahead unacknowledged: fetches of 1,500 bring 1,500 (at the
    server's default limit of 1,000 they brought at most 1,000, after waiting out their timeout)."""
    runtime, nats_bus = bus
    _publish_events(runtime, nats_bus, "nhi.v1.document.issued", 4500)
    sizes: list[int] = []

    def handle(events: list[Event]) -> list[None]:
        sizes.append(len(events))
        return [None] * len(events)

    consumer = _documents_consumer(runtime, nats_bus, "large-batches", handle, batch=1500)
    assert wait_until(lambda: consumer.processed == 4500)
    consumer.stop()
    info = runtime.call(nats_bus.js.consumer_info("NHI_EVENTS", "large-batches"))
    assert info.config.max_ack_pending == 3000
    assert max(sizes) == 1500


def _consume_ten_from_a_durable_made_before(runtime, nats_bus, name: str, ack_policy) -> tuple[list[int], int]:
    """A durable made with a pending limit of 100, then a batch consumer of 800 on it, ten events published: the
    events' numbers handled, and the durable's pending limit afterwards."""
    from nats.js import api

    made = api.ConsumerConfig(
        name=name,
        durable_name=name,
        ack_policy=ack_policy,
        filter_subject="nhi.v1.document.issued",
        max_ack_pending=100,
    )
    runtime.call(nats_bus.js.add_consumer("NHI_EVENTS", config=made))
    got: list[int] = []

    def handle(events: list[Event]) -> list[None]:
        got.extend(e.data["n"] for e in events)
        return [None] * len(events)

    consumer = _documents_consumer(runtime, nats_bus, name, handle, batch=800)
    _publish_events(runtime, nats_bus, "nhi.v1.document.issued", 10)
    wait_until(lambda: consumer.processed == 10, timeout=15)
    consumer.stop()
    return sorted(got), runtime.call(nats_bus.js.consumer_info("NHI_EVENTS", name)).config.max_ack_pending


def test_a_durable_made_with_a_smaller_pending_limit_is_raised_to_what_its_batch_needs(bus):
    from nats.js import api

    got, limit = _consume_ten_from_a_durable_made_before(*bus, "older", api.AckPolicy.EXPLICIT)
    assert got == list(range(10))
    assert limit == 1600


def test_a_durable_whose_update_the_server_refuses_is_consumed_with_its_old_limit(bus):
    """A durable the server will not update (its ack policy cannot change) still has its messages handled: the
    higher pending limit is given up, not the consumer."""
    from nats.js import api

    got, limit = _consume_ten_from_a_durable_made_before(*bus, "fixed", api.AckPolicy.ALL)
    assert got == list(range(10))
    assert limit == 100
