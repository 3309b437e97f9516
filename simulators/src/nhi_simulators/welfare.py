"""The welfare system (生活保護): a person's protection period (保護開始日, 廃止日) on welfare.v1.changes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from nhi_common.events import Event

from . import feed_publish

SUBJECT = "welfare.v1.changes"
EVENT_TYPE = "jp.lg.welfare.protection.period.v1"
# The 事由 the welfare system states (as text; the NHI side does not interpret it).
STARTED, ENDED = "保護開始", "保護廃止（収入増）"


def period(person_id: str, *, started_on: dt.date, ended_on: dt.date | None = None, reason: str = "") -> dict:
    """One protection period in the feed's wire schema (docs/feeds/welfare.md)."""
    return {
        "change_id": f"wel-{uuid.uuid4()}",
        "person_id": person_id,
        "started_on": started_on.isoformat(),
        "ended_on": ended_on.isoformat() if ended_on else None,
        "reason": reason or (ENDED if ended_on else STARTED),
    }


def publish(nats_url: str, data: dict[str, Any], *, municipality_id: str = "midori") -> Event:
    event = feed_publish.new_event(
        source=f"urn:welfare:{municipality_id}", type=EVENT_TYPE, subject=data["person_id"], data=data
    )
    return feed_publish.publish(nats_url, SUBJECT, event)
