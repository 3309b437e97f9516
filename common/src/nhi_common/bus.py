"""NATS JetStream adapter: streams, publishing with Nats-Msg-Id, durable pull consumers with explicit ack.

nats-py is asyncio; the services are threaded (gRPC, SQLAlchemy). A BusRuntime runs one event loop in
a background thread, and everything here runs on it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any

import nats
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import api
from nats.js.errors import APIError, NoStreamResponseError, NotFoundError

from . import logs, nats_quick, telemetry
from .event_fields import BadField
from .events import Event

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    work_queue: bool = False
    # Seconds a message is kept (None: until the stream's other limits). The inbound feeds carry My Numbers, names
    # and addresses: once svc-integration has taken a change into its own store, the broker need not keep it.
    max_age: float | None = None


def _days(variable: str, default: int) -> float:
    try:
        return float(os.environ.get(variable) or default) * 86400
    except ValueError:
        return default * 86400.0


# How long the inbound streams keep a message (NHI_INBOUND_RETENTION_DAYS, default 14): long enough for a
# consumer to be down over a long weekend and catch up, short enough that processed changes do not pile up.
INBOUND_MAX_AGE = _days("NHI_INBOUND_RETENTION_DAYS", 14)

STREAMS = (
    StreamSpec("NHI_EVENTS", ("nhi.v1.>",)),
    StreamSpec("NHI_JOBS", ("nhi.jobs.v1.>",), work_queue=True),
    StreamSpec("RESIDENT", ("resident.v1.>",), max_age=INBOUND_MAX_AGE),
    StreamSpec("PENSION", ("pension.v1.>",), max_age=INBOUND_MAX_AGE),
    StreamSpec("WELFARE", ("welfare.v1.>",), max_age=INBOUND_MAX_AGE),
    StreamSpec("TAX", ("tax.v1.>",), max_age=INBOUND_MAX_AGE),
    # Messages a consumer gave up on after its bounded deliveries, with the reason (nhi.dead.v1.<consumer>).
    StreamSpec("NHI_DEAD", ("nhi.dead.v1.>",), max_age=_days("NHI_DEAD_LETTER_RETENTION_DAYS", 90)),
)
DEAD_SUBJECT_PREFIX = "nhi.dead.v1."
DEFAULT_MAX_ACK_PENDING = 1000  # nats-server's, for a consumer created without one
DEAD_REASON_HEADER = "Nhi-Dead-Reason"
DEAD_SUBJECT_HEADER = "Nhi-Dead-Subject"  # the subject the message was taken from: where a replay sends it
RETRY_MAX_DELAY = 30.0
# How often a consumer tries to have the failure of a message's last delivery recorded (backing off from 1 s to
# RETRY_MAX_DELAY: about three and a half minutes in all) before it leaves the message to the stream.
EXHAUSTED_ATTEMPTS = 12


class BusRuntime:
    """One asyncio event loop in a daemon thread, for all NATS work of a process."""

    def __init__(self, name: str = "bus") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def submit(self, coro: Awaitable[Any]) -> Future:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call(self, coro: Awaitable[Any], timeout: float | None = 30) -> Any:
        return self.submit(coro).result(timeout)

    def stop(self) -> None:
        async def _cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        if self.loop.is_running():
            try:
                self.call(_cancel_all(), timeout=10)
            except Exception:  # noqa: BLE001 - shutting down; nothing left to report to
                log.debug("bus runtime cancel failed", exc_info=True)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)


class Bus:
    """A NATS connection that reconnects forever, with its JetStream context."""

    def __init__(self, url: str, name: str) -> None:
        self.url = url
        self.name = name
        self.nc: nats.NATS | None = None
        self.js = None
        self.streams: tuple[StreamSpec, ...] = STREAMS
        self._closing = False
        # send_for_ack: the reply subjects' prefix on the current connection, and the acks not arrived yet by token
        self._acks_on: tuple[nats.NATS, str] | None = None
        self._acks: dict[str, asyncio.Future] = {}
        self._ack_tokens = itertools.count()

    async def connect(self, *, streams: tuple[StreamSpec, ...] = STREAMS) -> None:
        """Connect (retrying until the server answers) and make sure the streams exist."""
        delay = 0.2
        while True:
            try:
                self.nc = await nats.connect(
                    servers=[self.url],
                    name=self.name,
                    allow_reconnect=True,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    connect_timeout=2,
                    disconnected_cb=self._on_disconnect,
                    reconnected_cb=self._on_reconnect,
                    error_cb=self._on_error,
                )
                break
            except Exception as exc:  # noqa: BLE001 - any failure to reach the server: try again
                log.warning("NATS not reachable at %s (%s); retrying", self.url, type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5)
        nats_quick.install_header_parser(self.nc)
        self.js = self.nc.jetstream(timeout=5)
        self.streams = streams
        await ensure_streams(self.js, streams)

    async def restore_streams(self) -> None:
        """Make sure the streams exist again: a server killed mid-write may come back without one (it refuses a
        stream whose state file it finds corrupt), and every consumer of it would look for it in vain."""
        await ensure_streams(self.js, self.streams)

    async def _on_disconnect(self) -> None:
        if not self._closing:
            log.warning("disconnected from NATS")

    async def _on_reconnect(self) -> None:
        log.info("reconnected to NATS")
        asyncio.get_running_loop().create_task(self._restore_after_reconnect())

    async def _restore_after_reconnect(self) -> None:
        try:
            await self.restore_streams()
        except Exception as exc:  # noqa: BLE001 - a consumer that finds its stream missing tries again
            log.warning("streams not checked after reconnecting (%s)", type(exc).__name__)

    async def _on_error(self, exc: Exception) -> None:
        log.debug("NATS client error: %s", exc)

    async def publish(
        self, subject: str, event: Event, *, traceparent: str | None = None, timeout: float = 5
    ) -> api.PubAck:
        """Publish one event with its id as Nats-Msg-Id, so a re-publish is dropped as a duplicate."""
        headers = event.headers()
        if traceparent:
            headers["traceparent"] = traceparent
        else:
            telemetry.inject(headers)
        return await self.js.publish(subject, event.body(), headers=headers, timeout=timeout)

    async def send_for_ack(self, subject: str, payload: bytes, headers: dict[str, str]) -> asyncio.Future:
        """Publish to JetStream without waiting for the acknowledgement: the future of its PubAck (or of the error
        the stream answered), sent in the order of the calls. A publish the client refuses (the buffer full while
        reconnecting, a payload above the server's limit) raises here and leaves nothing waiting."""
        if self._acks_on is None or self._acks_on[0] is not self.nc:
            prefix = f"{self.nc.new_inbox()}."
            await self.nc.subscribe(prefix + "*", cb=self._on_ack)
            self._acks_on = (self.nc, prefix)
        token = str(next(self._ack_tokens))
        future = asyncio.get_running_loop().create_future()
        self._acks[token] = future
        future.add_done_callback(lambda _done: self._acks.pop(token, None))
        try:
            await self.nc.publish(subject, payload, reply=self._acks_on[1] + token, headers=headers)
        except BaseException:
            future.cancel()
            raise
        return future

    @property
    def acks_awaited(self) -> int:
        """How many sends wait for their acknowledgement."""
        return len(self._acks)

    async def _on_ack(self, msg) -> None:
        future = self._acks.get(msg.subject.rpartition(".")[2])
        if future is None or future.done():
            return  # late: its sender stopped waiting
        if msg.headers and msg.headers.get("Status") == "503":
            future.set_exception(NoStreamResponseError())
            return
        try:
            answer = json.loads(msg.data)
        except ValueError as exc:
            future.set_exception(exc)
            return
        if "error" in answer:
            future.set_exception(APIError.from_error(answer["error"]))
        else:
            # Built directly: PubAck.from_response walks the dataclass's fields for every acknowledgement, a
            # measurable part of the relay's time when a batch publishes thousands of events.
            future.set_result(
                api.PubAck(stream=answer.get("stream", ""), seq=answer.get("seq", 0), duplicate=answer.get("duplicate"))
            )

    async def close(self) -> None:
        # No drain: consumers are already stopped and anything unacked is redelivered, while drain would
        # wait on the cancelled pull subscriptions.
        self._closing = True
        if self.nc is not None and not self.nc.is_closed:
            try:
                await self.nc.flush(timeout=2)
            except Exception:  # noqa: BLE001 - the server may be gone; closing anyway
                pass
            await self.nc.close()


def held_on(bus_runtime: BusRuntime, bus: Bus, stream: str) -> Callable[[str], int]:
    """How many messages `stream` holds on a subject, blocking: on a work queue, the messages not acked yet (taken by
    a worker or waiting for one), which is how a job sweeper tells a slow job from one whose messages are gone."""

    async def _held(subject: str) -> int:
        info = await bus.js.stream_info(stream, subjects_filter=subject)
        return sum((info.state.subjects or {}).values())

    def held(subject: str) -> int:
        return bus_runtime.call(_held(subject), timeout=10)

    return held


def publisher(bus_runtime: BusRuntime, bus: Bus) -> Callable[[list[tuple[str, Event]]], None]:
    """A blocking publish of (subject, event) pairs with acks, up to 500 in flight at once: how a job hands its
    chunks to the work queue."""

    async def _publish_all(messages: list[tuple[str, Event]]) -> None:
        await asyncio.gather(*(bus.publish(subject, event) for subject, event in messages))

    def dispatch(messages: list[tuple[str, Event]]) -> None:
        for start in range(0, len(messages), 500):
            bus_runtime.call(_publish_all(messages[start : start + 500]), timeout=60)

    return dispatch


async def ensure_streams(js, streams: tuple[StreamSpec, ...] = STREAMS) -> None:
    """Create each stream, or bring its subjects up to date; safe to run from every process."""
    for spec in streams:
        config = api.StreamConfig(
            name=spec.name,
            subjects=list(spec.subjects),
            storage=api.StorageType.FILE,
            retention=api.RetentionPolicy.WORK_QUEUE if spec.work_queue else api.RetentionPolicy.LIMITS,
            duplicate_window=120.0,
            max_age=spec.max_age,
        )
        try:
            await js.stream_info(spec.name)
            await js.update_stream(config)
        except NotFoundError:
            try:
                await js.add_stream(config)
            except Exception:  # noqa: BLE001 - another process created it first
                await js.stream_info(spec.name)


Handler = Callable[[Event, dict[str, str]], None]


class PullConsumer:
    """A durable pull consumer: fetch, hand each event to a blocking handler in a thread, ack or retry."""

    def __init__(
        self,
        bus: Bus,
        *,
        stream: str,
        durable: str,
        subject: str,
        handler: Handler,
        batch: int = 50,
        ack_wait: float = 30,
        max_deliver: int = -1,
        subjects: tuple[str, ...] = (),
        on_exhausted: Callable[[Event, str], None] | None = None,
    ) -> None:
        self.bus = bus
        self.subjects = subjects  # several filter subjects instead of `subject` (work-queue consumers must not overlap)
        self.stream = stream
        self.durable = durable
        self.subject = subject
        self.handler = handler
        self.batch = batch
        self.ack_wait = ack_wait
        self.max_deliver = max_deliver
        # Called (in a worker thread) with the event and the reason when its last allowed delivery failed, before
        # the message goes to the dead-letter subject; e.g. a job records the failure on the job itself.
        self.on_exhausted = on_exhausted
        self.processed = 0
        self._stopping = False
        self.fetch_ahead = False

    @property
    def max_ack_pending(self) -> int:
        """Messages the server lets this consumer hold unacknowledged: the fetch being handled and the one asked
        ahead, never below the server's default. At the default alone, a fetch asked ahead of a batch of more than
        half of it got nothing until the batch was acknowledged, and a fetch larger than it waited out its timeout
        every time for the messages the server would not send."""
        return max(DEFAULT_MAX_ACK_PENDING, 2 * self.batch)

    def _config(self) -> api.ConsumerConfig:
        return api.ConsumerConfig(
            ack_policy=api.AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait,
            max_deliver=self.max_deliver,
            max_ack_pending=self.max_ack_pending,
            filter_subject=None if self.subjects else self.subject,
            filter_subjects=list(self.subjects) or None,
        )

    async def _subscribe(self):
        js = self.bus.js
        sub = await js.pull_subscribe(self.subject, durable=self.durable, stream=self.stream, config=self._config())
        nats_quick.quick_next_msg(sub._sub)  # noqa: SLF001 - a fetch takes the messages queued without a task each
        # A durable made by an earlier release (or with a smaller batch) keeps its limit until told otherwise.
        held = (await js.consumer_info(self.stream, self.durable)).config.max_ack_pending
        if held is not None and 0 < held < self.max_ack_pending:
            config = self._config()
            config.name = config.durable_name = self.durable
            try:
                await js.add_consumer(self.stream, config=config)  # the server updates a durable of that name
            except APIError as exc:  # an update it refuses: consume with the old limit rather than not at all
                log.warning("consumer %s: max_ack_pending stays %d (%s)", self.durable, held, exc.description)
            else:
                log.info("consumer %s: max_ack_pending %d -> %d", self.durable, held, self.max_ack_pending)
        return sub

    async def run(self) -> None:
        """Consume until cancelled; re-create the subscription after any NATS trouble (e.g. a restart).

        With `fetch_ahead`, the next fetch is asked for as soon as a fetch brought messages, while they are handled:
        reading and parsing the next messages overlaps the handler's waits (a batch consumer waits on its database
        and on other services most of the time), instead of following them."""
        loop = asyncio.get_running_loop()
        sub = None
        ahead: asyncio.Task | None = None
        while not self._stopping:
            try:
                if sub is None:
                    sub = await self._subscribe()
                try:
                    fetching, ahead = ahead or asyncio.ensure_future(sub.fetch(self.batch, timeout=1)), None
                    messages = await fetching
                except (NatsTimeoutError, asyncio.TimeoutError):
                    continue  # nothing to do: an idle consumer stays quiet
                if self.fetch_ahead and not self._stopping:
                    ahead = asyncio.ensure_future(sub.fetch(self.batch, timeout=1))
                await self._handle_fetched(loop, messages)
            except asyncio.CancelledError:
                _drop(ahead)
                raise
            except Exception as exc:  # noqa: BLE001 - connection lost, consumer gone, server restarting
                ahead = _drop(ahead)
                log.warning("consumer %s: %s; re-subscribing", self.durable, type(exc).__name__)
                if isinstance(exc, NotFoundError):  # the stream itself may be gone (a server restarted without it)
                    try:
                        await self.bus.restore_streams()
                    except Exception as again:  # noqa: BLE001 - the server is not back yet: the next round tries
                        log.warning("consumer %s: streams not restored (%s)", self.durable, type(again).__name__)
                if sub is not None:
                    try:
                        await sub.unsubscribe()
                    except Exception:  # noqa: BLE001 - the old subscription may be dead already
                        pass
                sub = None
                await asyncio.sleep(0.5)

    async def _handle_fetched(self, loop: asyncio.AbstractEventLoop, messages: list) -> None:
        """What one fetch brought: each message on its own (a batch consumer overrides this to take them together)."""
        for msg in messages:
            await self._handle(loop, msg)

    async def _handle(self, loop: asyncio.AbstractEventLoop, msg) -> None:
        headers = dict(msg.headers or {})
        try:
            event = Event.from_message(headers, msg.data)
        except ValueError as exc:
            log.error("consumer %s: unreadable message on %s terminated: %s", self.durable, msg.subject, exc)
            await msg.term()
            return
        parent = telemetry.extract(headers)
        tracer = telemetry.tracer(__name__)

        def _work() -> None:
            from opentelemetry import trace

            with tracer.start_as_current_span(
                f"{msg.subject} process", context=parent, kind=trace.SpanKind.CONSUMER
            ) as span:
                span.set_attribute("messaging.system", "nats")
                span.set_attribute("messaging.destination.name", msg.subject)
                span.set_attribute("messaging.message.id", event.id)
                self.handler(event, headers)

        # While the handler works, tell the server so (in progress) every third of the ack wait: a long chunk is
        # not redelivered to another worker, and a worker that dies is noticed after one ack wait, not later.
        keeper = asyncio.create_task(self._keep_in_progress(msg))
        try:
            await loop.run_in_executor(None, _work)
        except PermanentError as exc:
            log.error("consumer %s: event %s rejected: %s", self.durable, event.id, exc, extra={"event_id": event.id})
            await msg.term()
            return
        except Exception as exc:  # noqa: BLE001 - transient: redeliver later, a bounded number of times
            if unprocessable(exc):
                await self._give_up(loop, msg, event, f"unprocessable: {type(exc).__name__}")
                return
            delivered = _deliveries(msg)
            if 0 < self.max_deliver <= delivered:
                await self._give_up(loop, msg, event, f"failed {delivered} times; last: {logs.describe(exc)}")
                return
            delay = min(RETRY_MAX_DELAY, 2.0 ** (delivered - 1))
            log.exception(
                "consumer %s: event %s failed (delivery %d); will retry in %.0f s",
                self.durable,
                event.id,
                delivered,
                delay,
                extra={"event_id": event.id},
            )
            await msg.nak(delay=delay)
            return
        finally:
            keeper.cancel()
        await msg.ack_sync(timeout=5)
        self.processed += 1

    async def _keep_in_progress(self, *messages) -> None:
        while True:
            await asyncio.sleep(max(0.5, self.ack_wait / 3))
            try:
                for msg in messages:
                    await msg.in_progress()
            except Exception:  # noqa: BLE001 - the connection may be down; the ack wait decides then
                log.debug("consumer %s: in-progress signal failed", self.durable, exc_info=True)

    async def _give_up(self, loop: asyncio.AbstractEventLoop, msg, event: Event, reason: str) -> None:
        """The last allowed delivery failed: let the owner record it, keep the message as a dead letter, drop it."""
        log.error("consumer %s: event %s %s; giving up", self.durable, event.id, reason, extra={"event_id": event.id})
        if self.on_exhausted is not None and not await self._record_exhausted(loop, msg, event, reason):
            await msg.nak(delay=RETRY_MAX_DELAY)  # redelivered only where the stream still allows it
            return
        headers = {**event.headers(), DEAD_REASON_HEADER: reason[:1000], DEAD_SUBJECT_HEADER: msg.subject}
        # One dead letter per message given up: the same message given up again (its term lost) is a duplicate, the
        # same event replayed and given up again is a message of its own and a dead letter of its own.
        headers["Nats-Msg-Id"] = f"{event.id}.dead.{msg.metadata.sequence.stream}"
        try:
            await self.bus.js.publish(DEAD_SUBJECT_PREFIX + self.durable, event.body(), headers=headers, timeout=5)
        except Exception:  # noqa: BLE001 - NATS trouble: try the whole thing again on the next delivery
            log.exception("consumer %s: dead letter of %s not published", self.durable, event.id)
            await msg.nak(delay=RETRY_MAX_DELAY)
            return
        await msg.term()

    async def _record_exhausted(self, loop: asyncio.AbstractEventLoop, msg, event: Event, reason: str) -> bool:
        """Let the owner record the failure (a job marks itself failed), trying again while the message is kept in
        progress: this was its last delivery, and the stream does not deliver a message again past `max_deliver`,
        so a database away for a moment here would leave the failure unrecorded and the job waiting for good."""
        keeper = asyncio.create_task(self._keep_in_progress(msg))
        try:
            for attempt in range(EXHAUSTED_ATTEMPTS):
                try:
                    await loop.run_in_executor(None, self.on_exhausted, event, reason)
                    return True
                except Exception as exc:  # noqa: BLE001 - e.g. the database is down: the verdict stays the same, try again
                    if unprocessable(exc):  # the event's own data: trying again changes nothing, it is kept dead
                        log.error(
                            "consumer %s: failure of %s not recordable: %s", self.durable, event.id, type(exc).__name__
                        )
                        return True
                    log.exception("consumer %s: recording the failure of %s failed", self.durable, event.id)
                    if attempt + 1 == EXHAUSTED_ATTEMPTS or self._stopping:
                        return False
                    await asyncio.sleep(min(RETRY_MAX_DELAY, 2.0**attempt))
            return False
        finally:
            keeper.cancel()

    def stop(self) -> None:
        self._stopping = True


class BatchConsumer(PullConsumer):
    """A durable pull consumer that hands each fetch (up to `batch` events) to `handle_batch` at once, in a worker
    thread: one transaction for the lot, not one per event, under one trace span (the first message's trace its
    parent, the others linked). `handle_batch` answers each event's outcome in order: anything but an exception when
    done (acked); a PermanentError when it can never be (terminated); another exception when it may be later
    (delivered again after `retry_delay`; every event of the fetch when the batch itself failed, e.g. the database
    away). `expected`: exceptions that are waits, not failures, and are not logged. Exactly once rests on what the
    handler records with what the events did (inbox claims, a ledger keeping a document once), not on the acks: an ack
    lost in a crash brings a duplicate that changes nothing."""

    def __init__(
        self,
        bus: Bus,
        *,
        stream: str,
        durable: str,
        subject: str,
        handle_batch: Callable[[list[Event]], list[Any]],
        batch: int = 50,
        retry_delay: Callable[[Exception, int], float] | None = None,
        expected: tuple[type[Exception], ...] = (),
        ack_wait: float = 30,
    ) -> None:
        super().__init__(
            bus,
            stream=stream,
            durable=durable,
            subject=subject,
            handler=lambda event, _headers: _raise_first(handle_batch([event])),
            batch=batch,
            ack_wait=ack_wait,
        )
        self.handle_batch = handle_batch
        self.fetch_ahead = True
        self.retry_delay = retry_delay or (lambda _exc, delivered: min(RETRY_MAX_DELAY, 2.0 ** (delivered - 1)))
        self.expected = expected

    async def _handle_fetched(self, loop: asyncio.AbstractEventLoop, messages: list) -> None:
        from opentelemetry import trace

        readable, events, carried = [], [], []
        for msg in messages:
            headers = dict(msg.headers or {})
            try:
                event = Event.from_message(headers, msg.data)
            except ValueError as exc:
                log.error("consumer %s: unreadable message on %s terminated: %s", self.durable, msg.subject, exc)
                await msg.term()
                continue
            readable.append(msg)
            events.append(event)
            carried.append(headers)
        if not events:
            return

        def work() -> list[Any]:
            links = [trace.Link(telemetry.remote_span_context(h)) for h in carried[1:]]
            with telemetry.tracer(__name__).start_as_current_span(
                f"{self.subject} process",
                context=telemetry.extract(carried[0]),
                kind=trace.SpanKind.CONSUMER,
                links=links,
            ) as span:
                span.set_attribute("messaging.system", "nats")
                span.set_attribute("messaging.destination.name", self.subject)
                span.set_attribute("messaging.batch.message_count", len(events))
                return self.handle_batch(events)

        # A large batch on a busy machine may outlast the ack wait: every message of it is kept in progress.
        keeper = asyncio.create_task(self._keep_in_progress(*readable))
        try:
            outcomes = await loop.run_in_executor(None, work)
        except Exception as exc:  # noqa: BLE001 - e.g. the database is away: every event again later
            log.warning("consumer %s: batch of %d failed: %s", self.durable, len(events), type(exc).__name__)
            outcomes = [exc] * len(events)
            if unprocessable(exc) and len(events) > 1:  # one event's data may fail the lot: each alone
                outcomes = await loop.run_in_executor(None, self._one_by_one, events)
        finally:
            keeper.cancel()
        failed = [
            o
            for o in outcomes
            if isinstance(o, Exception) and not isinstance(o, (PermanentError, *self.expected)) and not unprocessable(o)
        ]
        if failed:
            log.warning(
                "consumer %s: %d of %d events to be delivered again: %s",
                self.durable,
                len(failed),
                len(outcomes),
                type(failed[0]).__name__,
            )
        for msg, event, outcome in zip(readable, events, outcomes, strict=True):
            if isinstance(outcome, PermanentError):
                log.error(
                    "consumer %s: event %s rejected: %s", self.durable, event.id, outcome, extra={"event_id": event.id}
                )
                await msg.term()
            elif unprocessable(outcome):
                await self._give_up(loop, msg, event, f"unprocessable: {type(outcome).__name__}")
            elif isinstance(outcome, Exception):
                await msg.nak(delay=self.retry_delay(outcome, _deliveries(msg)))
            else:
                await msg.ack()
                self.processed += 1

    def _one_by_one(self, events: list[Event]) -> list[Any]:
        outcomes: list[Any] = []
        for event in events:
            try:
                outcomes += self.handle_batch([event])
            except Exception as exc:  # noqa: BLE001 - this event's outcome
                outcomes.append(exc)
        return outcomes


def unprocessable(exc: BaseException) -> bool:
    """A handler's failure on the event's own data (a field of the wrong type, a value no column takes): delivering
    it again changes nothing, so it is kept as a dead letter instead, naming the error's type only (its text may
    quote the data: a name, an address)."""
    from sqlalchemy.exc import DataError

    data_errors = (TypeError, KeyError, AttributeError, IndexError, OverflowError, UnicodeError, BadField, DataError)
    return isinstance(exc, data_errors) or type(exc) is ValueError


def _drop(ahead: asyncio.Task | None) -> None:
    """A fetch asked ahead and not to be handled: cancelled, or its error taken; messages it brought are delivered
    again after the ack wait (what each was handled for is recorded with its effect, not with its ack)."""
    if ahead is not None:
        if ahead.done():
            if not ahead.cancelled():
                ahead.exception()
        else:
            ahead.cancel()


def _raise_first(outcomes: list[Any]) -> None:
    if outcomes and isinstance(outcomes[0], Exception):
        raise outcomes[0]


def _deliveries(msg) -> int:
    try:
        return int(msg.metadata.num_delivered)
    except Exception:  # noqa: BLE001 - a message without JetStream metadata
        return 1


class PermanentError(Exception):
    """A handler's verdict that an event can never be processed: it is terminated, not retried."""
