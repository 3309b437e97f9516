"""NATS handlers of svc-qualification: events of other services that change our records."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from opentelemetry import trace

from nhi_common import telemetry
from nhi_common.bus import RETRY_MAX_DELAY, PermanentError, PullConsumer
from nhi_common.errors import DomainError
from nhi_common.events import Event

from ..domain.commands import RecordCertificateIssued
from ..service_layer import ledger
from ..service_layer.app import App
from ..service_layer.context import Actor

log = logging.getLogger(__name__)

CERTIFICATE_KINDS = {"eligibility_certificate", "qualification_notice", "elderly_recipient_certificate"}

# What became of each event of a batch, in order: None = done (acked), PermanentError = never (terminated), any other
# exception = not now (delivered again later).
BatchHandler = Callable[[list[Event]], list[Exception | None]]


def _issued(event: Event) -> tuple[RecordCertificateIssued, Actor]:
    data = event.data
    issued_on = dt.date.fromisoformat(data["issued_on"])
    valid_until = data.get("valid_until") or ""
    command = RecordCertificateIssued(
        kind=data["kind"],
        person_id=data["person_id"],
        household_id=data.get("household_id", ""),
        certificate_number=data.get("certificate_number", ""),
        issued_on=issued_on,
        valid_from=issued_on,
        valid_until=dt.date.fromisoformat(valid_until) if valid_until else None,
        document_id=data.get("document_id", ""),
    )
    return command, Actor("svc-documents", business_date=issued_on)


def documents_issued_handler(app: App) -> BatchHandler:
    """nhi.v1.document.issued: the certificates svc-documents issued go into the ledger (2.1.3), each once, the
    events of one fetch in one transaction (ledger.record_certificates_issued)."""

    def handle(events: list[Event]) -> list[Exception | None]:
        outcomes: list[Exception | None] = [None] * len(events)
        wanted: list[tuple[int, RecordCertificateIssued, Actor]] = []
        for index, event in enumerate(events):
            if event.data.get("kind") not in CERTIFICATE_KINDS:
                continue  # slips and lists are documents too, but no certificate to collect
            try:
                wanted.append((index, *_issued(event)))
            except (KeyError, ValueError) as exc:
                outcomes[index] = PermanentError(f"document event {event.id} cannot go into the ledger: {exc}")
        recorded = ledger.record_certificates_issued(app, [(command, actor) for _i, command, actor in wanted])
        for (index, _command, _actor), result in zip(wanted, recorded, strict=True):
            if isinstance(result, DomainError):
                outcomes[index] = PermanentError(
                    f"document event {events[index].id} cannot go into the ledger: {result}"
                )
        return outcomes

    return handle


class BatchedConsumer(PullConsumer):
    """A durable pull consumer that hands each fetch (up to `batch` events) to `handle_batch` at once, in a worker
    thread: one transaction for the lot, not one per event. Then each message on its own: acked when done,
    terminated when it can never be (PermanentError), delivered again later otherwise (and all of them when the
    batch itself failed, e.g. the database away). Exactly once rests on what the handler records (the ledger keeps a
    document once), not on the acks: an ack lost brings a duplicate that changes nothing."""

    def __init__(self, bus, *, stream: str, durable: str, subject: str, handle_batch: BatchHandler) -> None:
        super().__init__(
            bus,
            stream=stream,
            durable=durable,
            subject=subject,
            handler=lambda event, _headers: _first(handle_batch([event])),
        )
        self.handle_batch = handle_batch

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
            events.append(event)
            contexts.append(telemetry.extract(headers))
        if not events:
            return

        def work() -> list[Exception | None]:
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
            outcomes = await loop.run_in_executor(None, work)
        except Exception as exc:  # noqa: BLE001 - e.g. the database is away: every event again later
            log.warning("consumer %s: batch of %d failed: %s", self.durable, len(events), type(exc).__name__)
            outcomes = [exc] * len(events)
        for msg, event, outcome in zip(readable, events, outcomes, strict=True):
            if outcome is None:
                await msg.ack()
                self.processed += 1
            elif isinstance(outcome, PermanentError):
                log.error(
                    "consumer %s: event %s rejected: %s", self.durable, event.id, outcome, extra={"event_id": event.id}
                )
                await msg.term()
            else:
                await msg.nak(delay=min(RETRY_MAX_DELAY, 2.0 ** (_deliveries(msg) - 1)))


def _first(outcomes: list[Exception | None]) -> None:
    if outcomes and outcomes[0] is not None:
        raise outcomes[0]


def _deliveries(msg) -> int:
    try:
        return int(msg.metadata.num_delivered)
    except Exception:  # noqa: BLE001 - a message without JetStream metadata
        return 1
