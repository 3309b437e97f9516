"""NATS handler: resident changes (resident.v1.changes) into the service layer."""

from __future__ import annotations

from collections.abc import Callable

from nhi_common.bus import PermanentError
from nhi_common.events import Event

from ..domain.resident import InvalidChange
from ..service_layer.ports import ApplyRejected
from ..service_layer.services import IntegrationService

RESIDENT_STREAM = "RESIDENT"
RESIDENT_SUBJECT = "resident.v1.changes"
RESIDENT_DURABLE = "integration-resident"


def resident_change_handler(service: IntegrationService) -> Callable[[Event, dict[str, str]], None]:
    """A bus handler: a change that can never apply is terminated; anything else raised is redelivered."""

    def handle(event: Event, _headers: dict[str, str]) -> None:
        try:
            service.receive_resident_event(event_id=event.id, ce_type=event.type, data=event.data)
        except (InvalidChange, ApplyRejected) as exc:
            # Field names and rule texts only: the problems never carry the values.
            raise PermanentError(f"resident change rejected: {exc}") from None

    return handle
