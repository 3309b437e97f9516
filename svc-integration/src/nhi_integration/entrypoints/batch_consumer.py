"""A durable pull consumer that hands each fetch to the service layer at once (one thread hop, one transaction)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from opentelemetry import trace

from nhi_common import telemetry
from nhi_common.bus import PullConsumer
from nhi_common.events import Event

log = logging.getLogger(__name__)

EventTuple = tuple[str, str, Any]  # (event id, CloudEvents type, data)
BatchHandler = Callable[[list[EventTuple]], list[Any]]


class BatchConsumer(PullConsumer):
    """Each fetch (up to `batch` messages) is one call of `handle_batch` in a worker thread, which answers each
    event's outcome in order (an Exception: that event is delivered again after `retry_delay`); then each message is
    acked or delivered again on its own. Exactly once rests on the inbox claims committed with what the events did,
    not on the acks: an ack lost in a crash brings a duplicate that the inbox drops."""

    def __init__(
        self,
        bus,
        *,
        stream: str,
        durable: str,
        subject: str,
        handle_batch: BatchHandler,
        batch: int = 50,
        retry_delay: Callable[[Exception, int], float] | None = None,
        expected: tuple[type[Exception], ...] = (),
    ) -> None:
        super().__init__(
            bus,
            stream=stream,
            durable=durable,
            subject=subject,
            handler=lambda event, _headers: _raise_first(handle_batch([(event.id, event.type, event.data)])),
            batch=batch,
        )
        self.handle_batch = handle_batch
        self.retry_delay = retry_delay or (lambda _exc, delivered: min(30.0, 2.0 ** (delivered - 1)))
        self.expected = expected  # outcomes that are waits, not failures: not logged as such

    async def _handle_fetched(self, loop: asyncio.AbstractEventLoop, messages: list) -> None:
        readable, events, contexts = [], [], []
        for msg in messages:
            headers = dict(msg.headers or {})
            try:
                event = Event.from_message(headers, msg.data)
            except ValueError as exc:
                log.error("consumer %s: unreadable message on %s terminated: %s", self.durable, msg.subject, exc)
                await msg.term()
                continue
            readable.append(msg)
            events.append((event.id, event.type, event.data))
            contexts.append(telemetry.extract(headers))
        if not events:
            return

        def work():
            # The first message's trace is the batch's parent; the others are linked to the batch's span.
            links = [trace.Link(trace.get_current_span(c).get_span_context()) for c in contexts[1:]]
            with telemetry.tracer(__name__).start_as_current_span(
                f"{self.subject} process", context=contexts[0], kind=trace.SpanKind.CONSUMER, links=links
            ) as span:
                span.set_attribute("messaging.system", "nats")
                span.set_attribute("messaging.destination.name", self.subject)
                span.set_attribute("messaging.batch.message_count", len(events))
                return self.handle_batch(events)

        try:
            results = await loop.run_in_executor(None, work)
        except Exception as exc:  # noqa: BLE001 - the database is away: every message again later
            log.warning("consumer %s: batch of %d failed: %s", self.durable, len(events), type(exc).__name__)
            results = [exc] * len(events)
        failed = [r for r in results if isinstance(r, Exception) and not isinstance(r, self.expected)]
        if failed:
            log.warning(
                "consumer %s: %d of %d events to be delivered again: %s",
                self.durable,
                len(failed),
                len(results),
                type(failed[0]).__name__,
            )
        for msg, result in zip(readable, results, strict=True):
            if isinstance(result, Exception):
                await msg.nak(delay=self.retry_delay(result, _delivered(msg)))
            else:
                await msg.ack()
                self.processed += 1


def _raise_first(results: list[Any]) -> None:
    if results and isinstance(results[0], Exception):
        raise results[0]


def _delivered(msg) -> int:
    try:
        return int(msg.metadata.num_delivered)
    except Exception:  # noqa: BLE001 - a message without JetStream metadata
        return 1
