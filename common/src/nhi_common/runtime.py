"""One running service: its gRPC server, its NATS work (outbox relay, consumers), its lifecycle."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable

import sqlalchemy as sa

from . import audit_rpc, heap
from .bus import Bus, BusRuntime, PullConsumer, held_on
from .offering import StallSweeper, sweep_interval
from .outbox import OutboxRelay
from .rpc import Server

log = logging.getLogger(__name__)


class ServiceRuntime:
    """Wires the plumbing around a service's own servicer; start() and stop() bracket its life."""

    def __init__(
        self,
        *,
        name: str,
        nats_url: str | None,
        server: Server,
        engine: sa.Engine | None = None,
        outbox: sa.Table | None = None,
    ) -> None:
        self.name = name
        self.server = server
        self.engine = engine
        self.bus_runtime = BusRuntime(name=f"{name}-bus") if nats_url else None
        self.bus = Bus(nats_url, name) if nats_url else None
        self.relay = OutboxRelay(engine, outbox, self.bus) if (nats_url and outbox is not None) else None
        self.consumers: list[PullConsumer] = []
        self.sweepers: list[StallSweeper] = []
        self._tasks: list = []
        self._stopped = threading.Event()
        if engine is not None:  # every service answers for its own audit chain
            audit_rpc.register(server, engine, name.removeprefix("svc-"))

    def consume(
        self, *, stream: str, durable: str, subject: str, handler: Callable, subjects: tuple[str, ...] = ()
    ) -> PullConsumer:
        if self.bus is None:
            raise RuntimeError("a consumer needs NATS_URL")
        consumer = PullConsumer(
            self.bus, stream=stream, durable=durable, subject=subject, handler=handler, subjects=subjects
        )
        self.consumers.append(consumer)
        return consumer

    def sweep_stalled_jobs(self, reoffer: Callable, *, stream: str, stall_seconds: float, what: str) -> None:
        """While this service runs, `reoffer(held, idle=...)` every little while: the jobs whose work-queue messages
        were lost have their work offered again (`held(subject)`: the messages `stream` holds on a subject)."""
        if self.bus is None:
            return
        held = held_on(self.bus_runtime, self.bus, stream)
        idle = dt.timedelta(seconds=stall_seconds)
        self.sweepers.append(
            StallSweeper(lambda: reoffer(held, idle=idle), every=sweep_interval(stall_seconds), what=what)
        )

    def notify_outbox(self) -> None:
        if self.relay is not None:
            self.relay.notify()

    def start(self, *, settle_heap: bool = False) -> None:
        """Connect, start the NATS work and the sweepers, then serve. settle_heap: the process is this service's own
        (its entry point), and what it set up lives as long as it does, so later collections need not walk it
        (nhi_common.heap); a test starting a runtime in its own process leaves it off."""
        if self.bus is not None:
            self.bus_runtime.call(self.bus.connect(), timeout=None)
            if self.relay is not None:
                self._tasks.append(self.bus_runtime.submit(self.relay.run()))
            for consumer in self.consumers:
                self._tasks.append(self.bus_runtime.submit(consumer.run()))
        for sweeper in self.sweepers:
            sweeper.start()
        if settle_heap:
            heap.settle()
        self.server.start()
        log.info("%s serving gRPC on port %d", self.name, self.server.port)

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.server.stop()
        for sweeper in self.sweepers:
            sweeper.stop()
        for consumer in self.consumers:
            consumer.stop()
        if self.bus is not None:
            for task in self._tasks:
                task.cancel()
            try:
                self.bus_runtime.call(self.bus.close(), timeout=5)
            except Exception:  # noqa: BLE001 - the server may be gone already
                log.debug("closing NATS failed", exc_info=True)
            self.bus_runtime.stop()
        if self.engine is not None:
            self.engine.dispose()
        log.info("%s stopped", self.name)

    def wait(self) -> None:
        """Block until SIGTERM or SIGINT, then stop."""
        done = threading.Event()

        def _handler(signum, _frame):
            log.info("%s received signal %d", self.name, signum)
            done.set()

        signal.signal(signal.SIGTERM, _handler)
        signal.signal(signal.SIGINT, _handler)
        done.wait()
        self.stop()
