"""NATS handler: svc-qualification's events (nhi.v1.qualification.*) into the outbound feeds."""

from __future__ import annotations

from collections.abc import Callable

from nhi_common.events import Event

from ..service_layer.outbound import OutboundFeeds

QUALIFICATION_STREAM = "NHI_EVENTS"
QUALIFICATION_SUBJECT = "nhi.v1.qualification.>"
OUTBOUND_DURABLE = "integration-outbound"


def qualification_event_handler(feeds: OutboundFeeds) -> Callable[[Event, dict[str, str]], None]:
    """Events of another type are passed over; anything raised (the database away) is delivered again."""

    def handle(event: Event, _headers: dict[str, str]) -> None:
        feeds.receive(event_id=event.id, ce_type=event.type, data=event.data)

    return handle
