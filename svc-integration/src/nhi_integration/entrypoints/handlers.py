"""NATS consumer: resident changes (resident.v1.changes) into the service layer, a fetch at a time."""

from __future__ import annotations

from ..service_layer.services import IntegrationService, WaitingForSequence
from .batch_consumer import BatchConsumer

RESIDENT_STREAM = "RESIDENT"
RESIDENT_SUBJECT = "resident.v1.changes"
RESIDENT_DURABLE = "integration-resident"


class ResidentBatchConsumer(BatchConsumer):
    """The resident changes' consumer: each fetch (up to `batch` messages, INTEGRATION_RESIDENT_BATCH) is one call of the service, one
    transaction and one call to svc-qualification. A change that can never apply is dead-lettered by the service
    and acknowledged; anything raised (svc-qualification unavailable) is delivered again, and a change waiting for
    an earlier one of its person's sequence comes again after a second."""

    def __init__(self, bus, service: IntegrationService, *, batch: int = 1000) -> None:
        super().__init__(
            bus,
            stream=RESIDENT_STREAM,
            durable=RESIDENT_DURABLE,
            subject=RESIDENT_SUBJECT,
            handle_batch=service.receive_resident_events,
            batch=batch,
            retry_delay=_retry_delay,
            expected=(WaitingForSequence,),
        )
        self.service = service


def _retry_delay(exc: Exception, delivered: int) -> float:
    return 1.0 if isinstance(exc, WaitingForSequence) else min(30.0, 2.0 ** (delivered - 1))
