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


class OutboxRelay:
    """Polls the outbox table (and wakes early when told a transaction committed an event)."""

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
        """Publish one batch; returns how many were published."""
        loop = asyncio.get_running_loop()
        rows = await loop.run_in_executor(None, self._pending)
        if not rows:
            return 0
        tracer = telemetry.tracer(__name__)
        done: list[int] = []
        try:
            for row in rows:
                event = Event(
                    id=row.event_id,
                    source=row.ce_source,
                    type=row.ce_type,
                    subject=row.ce_subject,
                    time=row.ce_time,
                    data={},
                )
                parent = telemetry.extract({"traceparent": row.traceparent} if row.traceparent else {})
                with tracer.start_as_current_span(
                    f"{row.nats_subject} publish", context=parent, kind=trace.SpanKind.PRODUCER
                ) as span:
                    span.set_attribute("messaging.system", "nats")
                    span.set_attribute("messaging.destination.name", row.nats_subject)
                    span.set_attribute("messaging.message.id", row.event_id)
                    headers = event.headers()
                    telemetry.inject(headers)
                    await self.bus.js.publish(row.nats_subject, row.data.encode(), headers=headers, timeout=5)
                done.append(row.seq)
        except Exception as exc:  # noqa: BLE001 - NATS unavailable: keep what went out, retry the rest
            if rows and len(done) < len(rows):
                await loop.run_in_executor(None, self._bump_attempts, rows[len(done)].seq)
            log.warning("outbox relay paused after %d events: %s", len(done), type(exc).__name__)
            if done:
                await loop.run_in_executor(None, self._mark, done)
                self.published += len(done)
            raise
        await loop.run_in_executor(None, self._mark, done)
        self.published += len(done)
        return len(done)

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
