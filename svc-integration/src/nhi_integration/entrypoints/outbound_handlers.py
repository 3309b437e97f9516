"""NATS consumer: svc-qualification's events (nhi.v1.qualification.*) into the outbound feeds, a fetch at a time."""

from __future__ import annotations

from nhi_common.bus import PermanentError
from nhi_common.event_fields import BadField

from ..service_layer.outbound import OutboundFeeds
from .batch_consumer import BatchConsumer

QUALIFICATION_STREAM = "NHI_EVENTS"
QUALIFICATION_SUBJECT = "nhi.v1.qualification.>"
OUTBOUND_DURABLE = "integration-outbound"


class OutboundConsumer(BatchConsumer):
    """Every qualification event, in stream order, each fetch (up to `batch`, INTEGRATION_OUTBOUND_BATCH) in one
    transaction: a backlog (a batch of the whole population, a busy day) drains at the rate of the database's
    commits, not of one commit an event. Events of another type are passed over; one whose ids no table takes is
    terminated; an event that raises otherwise (the database away) is delivered again."""

    def __init__(self, bus, feeds: OutboundFeeds, *, batch: int = 200) -> None:
        super().__init__(
            bus,
            stream=QUALIFICATION_STREAM,
            durable=OUTBOUND_DURABLE,
            subject=QUALIFICATION_SUBJECT,
            handle_batch=lambda events: [_permanent(o) for o in feeds.receive_many(events)],
            batch=batch,
        )


def _permanent(outcome):
    if not isinstance(outcome, BadField):
        return outcome
    error = PermanentError(f"qualification event refused: {outcome}")
    error.__cause__ = outcome
    return error
