"""NATS consumer of svc-interchange: svc-qualification's events into the pending aggregation records, a fetch at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nhi_common.bus import BatchConsumer, PermanentError
from nhi_common.events import Event

from ..service_layer.services import InterchangeService

QUALIFICATION_STREAM = "NHI_EVENTS"
QUALIFICATION_SUBJECT = "nhi.v1.qualification.>"
QUALIFICATION_DURABLE = "interchange-qualification"


class QualificationConsumer(BatchConsumer):
    """Every qualification event, in stream order, each fetch (up to 200) in one call of the service: a burst (a
    batch of births) costs a few statements a fetch, not four round trips and a commit an event, and leaves the CPU
    to the services on the hot path. A malformed event is terminated; one that raised otherwise (the database away)
    is delivered again."""

    def __init__(self, bus, service: InterchangeService, *, batch: int = 200) -> None:
        super().__init__(
            bus,
            stream=QUALIFICATION_STREAM,
            durable=QUALIFICATION_DURABLE,
            subject=QUALIFICATION_SUBJECT,
            handle_batch=qualification_batch_handler(service),
            batch=batch,
        )


def qualification_batch_handler(service: InterchangeService) -> Callable[[list[Event]], list[Any]]:
    """The service's outcomes as the consumer takes them: a ValueError (a malformed event) can never succeed."""

    def handle(events: list[Event]) -> list[Any]:
        return [_permanent(o) if isinstance(o, ValueError) else o for o in service.record_qualification_events(events)]

    return handle


def _permanent(exc: ValueError) -> PermanentError:
    error = PermanentError(str(exc))
    error.__cause__ = exc
    return error
