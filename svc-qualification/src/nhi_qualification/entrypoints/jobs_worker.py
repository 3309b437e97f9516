"""The job worker: pulls chunks from the NHI_JOBS work queue (`nhi.jobs.v1.>`) and runs them.

Any number of replicas share the durable consumer "qualification-jobs"; JetStream hands each message to
one of them. Inside `nhi-qualification serve` the worker rides on the ServiceRuntime (`consume`); on its own
(`nhi-qualification work`) it is a `Worker` with a NATS connection of its own.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from nhi_common import event_fields, heap
from nhi_common.bus import Bus, BusRuntime, PermanentError, PullConsumer, publisher
from nhi_common.events import Event

from ..service_layer.app import App
from ..service_layer.jobs import CHUNK_SIZE, JOB_KINDS, Jobs

log = logging.getLogger(__name__)

STREAM = "NHI_JOBS"
DURABLE = "qualification-jobs"
SUBJECT = "nhi.jobs.v1.>"
# Only this service's kinds: on a work-queue stream consumers may not overlap, and svc-documents pulls its own.
SUBJECTS = tuple(f"nhi.jobs.v1.{kind}" for kind in JOB_KINDS)
# A worker signals "in progress" every third of this while it works on a chunk, so a chunk of any length is never
# handed to a second worker, and the chunk of a worker that died comes back to another after this many seconds.
ACK_WAIT = 15.0
# A chunk or plan that fails this many deliveries (1, 2, 4, 8 s apart) ends the job failed, naming the cause, and is
# kept on nhi.dead.v1.qualification-jobs.
MAX_DELIVER = 5
# More chunks than a job is ever cut into (a city's population in chunks of CHUNK_SIZE); within a database integer.
MAX_CHUNK_NO = 999_999


def _handler(jobs: Jobs):
    def handle(event: Event, _headers: dict[str, str]) -> None:
        jobs.handle_message(_checked(event))

    return handle


def _checked(event: Event) -> dict[str, Any]:
    """A job message's data, or PermanentError when it names no job or chunk that could ever run: a job id holding a
    NUL fails every statement on PostgreSQL, recording the failure on the job included, so the message would fail
    each delivery and then be left on the queue, neither run nor recorded. A job id is a UUID and a chunk number a
    small count, so nothing else a message holds (a name, an address) reaches a log line as either."""
    data = event.data
    job_id = data.get("job_id")
    if not isinstance(job_id, str) or not job_id:
        raise PermanentError(f"job message {event.id} names no job (job_id)")
    if not event_fields.is_prefixed_uuid(job_id):
        raise PermanentError(f"job message {event.id}: field job_id is not a job id")
    if data.get("step") != "plan" and event_fields.small_count(data.get("chunk_no"), MAX_CHUNK_NO) is None:
        raise PermanentError(f"job message {event.id} of job {job_id} names no chunk (chunk_no)")
    return data


def _tune(consumer: PullConsumer, jobs: Jobs) -> PullConsumer:
    consumer.batch = 1  # take one chunk at a time, so that other replicas get the rest
    consumer.ack_wait = ACK_WAIT
    consumer.max_deliver = MAX_DELIVER
    consumer.on_exhausted = lambda event, reason: jobs.give_up(event.data, reason)
    return consumer


def consume(runtime, jobs: Jobs) -> PullConsumer:
    """Inside `serve`, with NATS: this process works on job chunks too."""
    return _tune(
        runtime.consume(stream=STREAM, durable=DURABLE, subject=SUBJECT, subjects=SUBJECTS, handler=_handler(jobs)),
        jobs,
    )


class Worker:
    """A stand-alone worker (and dispatcher) on its own NATS connection; `jobs` starts and follows jobs."""

    def __init__(
        self, app: App, nats_url: str, *, chunk_size: int = CHUNK_SIZE, name: str = "svc-qualification-worker"
    ) -> None:
        self.bus_runtime = BusRuntime(name=f"{name}-bus")
        self.bus = Bus(nats_url, name)
        self.jobs = Jobs(app, dispatch=publisher(self.bus_runtime, self.bus), chunk_size=chunk_size)
        self.consumer = _tune(
            PullConsumer(
                self.bus,
                stream=STREAM,
                durable=DURABLE,
                subject=SUBJECT,
                subjects=SUBJECTS,
                handler=_handler(self.jobs),
            ),
            self.jobs,
        )
        self._task = None

    def start(self) -> "Worker":
        self.bus_runtime.call(self.bus.connect(), timeout=None)
        self._task = self.bus_runtime.submit(self.consumer.run())
        return self

    def stop(self) -> None:
        self.consumer.stop()
        if self._task is not None:
            self._task.cancel()
        try:
            self.bus_runtime.call(self.bus.close(), timeout=5)
        except Exception:  # noqa: BLE001 - the server may be gone already
            log.debug("closing NATS failed", exc_info=True)
        self.bus_runtime.stop()


def run(app: App, nats_url: str) -> int:
    """`nhi-qualification work`: work until SIGTERM or SIGINT."""
    worker = Worker(app, nats_url).start()
    heap.settle()  # what the worker set up lives as long as it does
    log.info("job worker pulling %s as %s", ", ".join(SUBJECTS), DURABLE)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    worker.stop()
    return 0
