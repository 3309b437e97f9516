"""A durable pull consumer that hands each fetch to the service layer at once (one thread hop, one transaction)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nhi_common import bus

EventTuple = tuple[str, str, Any]  # (event id, CloudEvents type, data)
BatchHandler = Callable[[list[EventTuple]], list[Any]]


class BatchConsumer(bus.BatchConsumer):
    """nhi_common's batch consumer, the service layer given each event as (id, CloudEvents type, data): each
    event's outcome in order (an Exception: that event is delivered again after `retry_delay`)."""

    def __init__(self, nats_bus, *, handle_batch: BatchHandler, **options: Any) -> None:
        super().__init__(
            nats_bus, handle_batch=lambda events: handle_batch([(e.id, e.type, e.data) for e in events]), **options
        )
