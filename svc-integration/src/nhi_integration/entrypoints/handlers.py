"""NATS handler: resident changes (resident.v1.changes) into the service layer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from opentelemetry import trace

from nhi_common import telemetry
from nhi_common.bus import PullConsumer
from nhi_common.events import Event

from ..service_layer.services import IntegrationService, WaitingForSequence

log = logging.getLogger(__name__)

RESIDENT_STREAM = "RESIDENT"
RESIDENT_SUBJECT = "resident.v1.changes"
RESIDENT_DURABLE = "integration-resident"


def resident_change_handler(service: IntegrationService) -> Callable[[Event, dict[str, str]], None]:
    """A bus handler: a change that can never apply is dead-lettered by the service and acknowledged; anything
    raised (svc-qualification unavailable, a gap in a person's sequence) is delivered again."""

    def handle(event: Event, _headers: dict[str, str]) -> None:
        service.receive_resident_event(event_id=event.id, ce_type=event.type, data=event.data)

    return handle


class ResidentBatchConsumer(PullConsumer):
    """The resident changes' consumer: each fetch (up to `batch` messages) is one call of the service, one
    transaction and one call to svc-qualification; then each message is acked or delivered again on its own.
    Exactly once rests on the inbox claims committed with the receipts, not on the acks: an ack lost in a crash
    brings a duplicate that the inbox drops."""

    def __init__(self, bus, service: IntegrationService, *, batch: int = 50) -> None:
        super().__init__(
            bus,
            stream=RESIDENT_STREAM,
            durable=RESIDENT_DURABLE,
            subject=RESIDENT_SUBJECT,
            handler=resident_change_handler(service),
            batch=batch,
        )
        self.service = service

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
                f"{RESIDENT_SUBJECT} process", context=contexts[0], kind=trace.SpanKind.CONSUMER, links=links
            ) as span:
                span.set_attribute("messaging.system", "nats")
                span.set_attribute("messaging.destination.name", RESIDENT_SUBJECT)
                span.set_attribute("messaging.batch.message_count", len(events))
                return self.service.receive_resident_events(events)

        try:
            results = await loop.run_in_executor(None, work)
        except Exception as exc:  # noqa: BLE001 - the database is away: every message again later
            log.warning("consumer %s: batch of %d failed: %s", self.durable, len(events), type(exc).__name__)
            results = [exc] * len(events)
        failed = [r for r in results if isinstance(r, Exception) and not isinstance(r, WaitingForSequence)]
        if failed:
            log.warning(
                "consumer %s: %d of %d changes to be delivered again: %s",
                self.durable,
                len(failed),
                len(results),
                type(failed[0]).__name__,
            )
        for msg, result in zip(readable, results, strict=True):
            if isinstance(result, Exception):
                delay = 1.0 if isinstance(result, WaitingForSequence) else min(30.0, 2.0 ** (_delivered(msg) - 1))
                await msg.nak(delay=delay)
            else:
                await msg.ack()
                self.processed += 1


def _delivered(msg) -> int:
    try:
        return int(msg.metadata.num_delivered)
    except Exception:  # noqa: BLE001 - a message without JetStream metadata
        return 1
