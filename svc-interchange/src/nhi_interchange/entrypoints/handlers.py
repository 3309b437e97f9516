"""NATS handlers of svc-interchange."""

from __future__ import annotations

from nhi_common.bus import PermanentError
from nhi_common.events import Event

from ..service_layer.services import InterchangeService


def qualification_event_handler(service: InterchangeService):
    def handle(event: Event, _headers: dict[str, str]) -> None:
        try:
            service.record_qualification_event(event)
        except ValueError as exc:
            raise PermanentError(str(exc)) from exc

    return handle
