"""Publishing one CloudEvent on a JetStream subject, as the pension and tax systems do."""

from __future__ import annotations

import asyncio
from typing import Any

from nhi_common.bus import Bus
from nhi_common.events import Event


def publish(nats_url: str, subject: str, event: Event, *, timeout: float = 15) -> Event:
    """Publish `event` on `subject` (the streams are created if missing) with its id as Nats-Msg-Id."""

    async def _go() -> None:
        bus = Bus(nats_url, "nhi-sim")
        await asyncio.wait_for(bus.connect(), timeout)
        try:
            await bus.publish(subject, event)
        finally:
            await bus.close()

    asyncio.run(_go())
    return event


def new_event(*, source: str, type: str, subject: str, data: dict[str, Any]) -> Event:
    return Event.new(source=source, type=type, subject=subject, data=data)
