"""The documents worker: pulls renewal chunks from `nhi.jobs.v1.documents` and svc-qualification's decisions from
`nhi.v1.qualification.>` (the print queue). Any number of replicas share the durable consumers."""

from __future__ import annotations

import logging
import signal
import threading

from nhi_common import event_fields, heap
from nhi_common.bus import Bus, BusRuntime, PermanentError, PullConsumer, publisher
from nhi_common.errors import NotFound
from nhi_common.event_fields import BadField

from ..service_layer.jobs import JOB_PREFIX, SUBJECT, DocumentJobs
from ..service_layer.print_queue import PrintQueue

log = logging.getLogger(__name__)

JOBS_STREAM, JOBS_DURABLE = "NHI_JOBS", "documents-jobs"
EVENTS_STREAM, EVENTS_DURABLE, EVENTS_SUBJECT = "NHI_EVENTS", "documents-print-queue", "nhi.v1.qualification.>"
# A worker signals "in progress" every third of this while it renders a chunk, so a chunk of any length is never
# handed to a second worker, and the chunk of a worker that died comes back to another after this many seconds.
ACK_WAIT = 15.0
# A plan or chunk that fails this many deliveries (1, 2, 4, 8 s apart) ends its job failed, naming the cause, and is
# kept on nhi.dead.v1.documents-jobs.
MAX_DELIVER = 5
MAX_NUMBER = 999_999  # more chunks or print files than a job ever has, within a database integer


class Worker:
    """A worker process on its own NATS connection: job chunks and the print-queue consumer."""

    def __init__(self, *, jobs: DocumentJobs, print_queue: PrintQueue, nats_url: str, name: str) -> None:
        self.bus_runtime = BusRuntime(name=f"{name}-bus")
        self.bus = Bus(nats_url, name)
        self.jobs, self.print_queue = jobs, print_queue
        jobs.dispatch = publisher(self.bus_runtime, self.bus)
        self.jobs_consumer = PullConsumer(
            self.bus,
            stream=JOBS_STREAM,
            durable=JOBS_DURABLE,
            subject=SUBJECT,
            handler=lambda event, _h: jobs.handle_message(_checked(event)),
            batch=1,  # one chunk at a time, so that other replicas get the rest
            ack_wait=ACK_WAIT,
            max_deliver=MAX_DELIVER,
            on_exhausted=lambda event, reason: jobs.give_up(event.data, reason),
        )
        self.events_consumer = PullConsumer(
            self.bus,
            stream=EVENTS_STREAM,
            durable=EVENTS_DURABLE,
            subject=EVENTS_SUBJECT,
            handler=lambda event, _h: _queue(print_queue, event),
        )
        self._tasks: list = []

    def start(self) -> "Worker":
        self.bus_runtime.call(self.bus.connect(), timeout=None)
        self._tasks = [self.bus_runtime.submit(c.run()) for c in (self.jobs_consumer, self.events_consumer)]
        return self

    def stop(self) -> None:
        for consumer in (self.jobs_consumer, self.events_consumer):
            consumer.stop()
        for task in self._tasks:
            task.cancel()
        try:
            self.bus_runtime.call(self.bus.close(), timeout=5)
        except Exception:  # noqa: BLE001 - the server may be gone already
            log.debug("closing NATS failed", exc_info=True)
        self.bus_runtime.stop()


def _checked(event) -> dict:
    """A job message's data, or PermanentError when it names no job, chunk or print file that could ever be: such a
    message failed each delivery (a job id no statement takes, a chunk number past the column), and then the record
    of its failure too, so it stayed on the work queue; and the job id it names goes into log lines, so it must be one
    (a prefix and a UUID), not a name or an address."""
    data = event.data
    job_id = data.get("job_id")
    if not event_fields.is_prefixed_uuid(job_id, JOB_PREFIX):
        raise PermanentError(f"job message {event.id} names no job (job_id)")
    step = data.get("step")
    number = "file_no" if step == "print" else None if step in ("plan", "assemble") else "chunk_no"
    if number is not None and event_fields.small_count(data.get(number), MAX_NUMBER) is None:
        raise PermanentError(f"job message {event.id} of job {job_id} names no {number.removesuffix('_no')} ({number})")
    return data


def _queue(print_queue: PrintQueue, event) -> None:
    """An event into the print queue; one with a field the queue cannot take is refused for good, naming the field,
    and so is one of a person svc-qualification does not know (its own event: that will not change), without the id
    it named (a field may hold anything, a My Number)."""
    try:
        print_queue.handle_event(event.id, event.type, event.data)
    except BadField as exc:
        raise PermanentError(f"event {event.id} not queued: {exc}") from None
    except NotFound:
        raise PermanentError(f"event {event.id} not queued: svc-qualification knows no such person") from None


def run(worker: Worker) -> int:
    """`nhi-documents work`: work until SIGTERM or SIGINT."""
    worker.start()
    heap.settle()  # fonts, tables, clients: what the worker set up lives as long as it does
    log.info("documents worker pulling %s and %s", SUBJECT, EVENTS_SUBJECT)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    worker.stop()
    return 0
