"""NATS handler: resident changes (resident.v1.changes) into the service layer."""

from __future__ import annotations

from collections.abc import Callable

from nhi_common.events import Event

from ..service_layer.services import IntegrationService

RESIDENT_STREAM = "RESIDENT"
RESIDENT_SUBJECT = "resident.v1.changes"
RESIDENT_DURABLE = "integration-resident"


def resident_change_handler(service: IntegrationService) -> Callable[[Event, dict[str, str]], None]:
    """A bus handler: a change that can never apply is dead-lettered by the service and acknowledged; anything
    raised (svc-qualification unavailable, a gap in a person's sequence) is delivered again."""

    def handle(event: Event, _headers: dict[str, str]) -> None:
        service.receive_resident_event(event_id=event.id, ce_type=event.type, data=event.data)

    return handle
