"""The outbox relay: publish committed events in order, mark them published, survive NATS restarts."""

from __future__ import annotations

import asyncio
import logging

import sqlalchemy as sa
from opentelemetry import trace

from . import telemetry
from .bus import Bus
from .events import Event
from .plumbing import utcnow

log = logging.getLogger(__name__)


class RelayPaused(Exception):
    """A batch stopped at an event NATS did not take (or did not acknowledge in time); it is tried again."""


def _end_publish_span(span: trace.Span, ack: asyncio.Future) -> None:
    if ack.cancelled():
        span.set_status(trace.StatusCode.ERROR, "no acknowledgement")
    elif ack.exception() is not None:
        span.record_exception(ack.exception())
        span.set_status(trace.StatusCode.ERROR)
    span.end()


def _why_not(ack: asyncio.Future) -> str:
    return "no acknowledgement" if not ack.done() or ack.cancelled() else type(ack.exception()).__name__


class OutboxRelay:
    """Polls the outbox table (and wakes early when told a transaction committed an event)."""

    ack_timeout = 5.0  # for the acknowledgements of a batch, after its last event was sent

    def __init__(
        self, engine: sa.Engine, outbox: sa.Table, bus: Bus, *, batch: int = 500, interval: float = 0.5
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.bus = bus
        self.batch = batch
        self.interval = interval
        self.published = 0
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def notify(self) -> None:
        """Called from any thread after a commit that wrote events."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def _pending(self) -> list[sa.Row]:
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(self.outbox)
                    .where(self.outbox.c.published_at.is_(None))
                    .order_by(self.outbox.c.seq)
                    .limit(self.batch)
                )
            )

    def _mark(self, seqs: list[int]) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.update(self.outbox).where(self.outbox.c.seq.in_(seqs)).values(published_at=utcnow()))

    def _bump_attempts(self, seq: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(self.outbox).where(self.outbox.c.seq == seq).values(attempts=self.outbox.c.attempts + 1)
            )

    async def run_once(self) -> int:
        """Publish one batch; returns how many were published.

        The batch goes out pipelined: every event is sent before any acknowledgement is awaited, so one socket write
        carries many events and the acks come back together (one at a time, each publish waited a round trip and
        paid a write and a read of its own). NATS stores what one connection sends in the order sent. Only the run
        of events acknowledged from the first one on is marked published; the rest goes again from the first one
        not acknowledged, and what of it was stored already (an ack lost or late) is dropped by JetStream as a
        duplicate of its Nats-Msg-Id. Only an event the stream refused outright while it took the next one could
        come out of order, where before it held the relay up (it still does: it is tried again, first)."""
        loop = asyncio.get_running_loop()
        rows = await loop.run_in_executor(None, self._pending)
        if not rows:
            return 0
        tracer = telemetry.tracer(__name__)
        acks: list[asyncio.Future] = []
        refused = ""
        try:
            for row in rows:
                acks.append(await self._send(tracer, row))
        except Exception as exc:  # noqa: BLE001 - not even sent (NATS gone): what was sent is still awaited below
            refused = f"not sent: {type(exc).__name__}"
        if acks:
            await asyncio.wait(acks, timeout=self.ack_timeout)
        done: list[int] = []
        for row, ack in zip(rows, acks, strict=False):
            if not ack.done() or ack.cancelled() or ack.exception() is not None:
                break
            done.append(row.seq)
        for ack in acks:
            if not ack.done():
                ack.cancel()  # no longer awaited; it goes again
        if done:
            await loop.run_in_executor(None, self._mark, done)
            self.published += len(done)
        if len(done) < len(rows):
            reason = _why_not(acks[len(done)]) if len(done) < len(acks) else refused
            await loop.run_in_executor(None, self._bump_attempts, rows[len(done)].seq)
            log.warning("outbox relay paused after %d events: %s", len(done), reason)
            raise RelayPaused(reason)
        return len(done)

    async def _send(self, tracer: trace.Tracer, row: sa.Row) -> asyncio.Future:
        """Send one outbox row; the future of its acknowledgement, whose arrival ends the row's publish span."""
        event = Event(
            id=row.event_id, source=row.ce_source, type=row.ce_type, subject=row.ce_subject, time=row.ce_time, data={}
        )
        parent = telemetry.extract({"traceparent": row.traceparent} if row.traceparent else {})
        span = tracer.start_span(
            f"{row.nats_subject} publish",
            context=parent,
            kind=trace.SpanKind.PRODUCER,
            attributes={
                "messaging.system": "nats",
                "messaging.destination.name": row.nats_subject,
                "messaging.message.id": row.event_id,
            },
        )
        headers = event.headers()
        telemetry.inject(headers, span)
        try:
            ack = await self.bus.send_for_ack(row.nats_subject, row.data.encode(), headers)
        except BaseException as exc:
            span.record_exception(exc)
            span.set_status(trace.StatusCode.ERROR)
            span.end()
            raise
        ack.add_done_callback(lambda future: _end_publish_span(span, future))
        return ack

    async def run(self) -> None:
        """Relay until cancelled."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        while True:
            try:
                count = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - logged in run_once; back off and retry
                await asyncio.sleep(self.interval)
                continue
            if count == self.batch:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
