"""The national pension system (国民年金): a category change of a person (1号, 2号, 3号) on pension.v1.changes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from nhi_common.events import Event

from . import feed_publish

SUBJECT = "pension.v1.changes"
EVENT_TYPE = "jp.lg.pension.category.change.v1"
EVENTS = ("acquired", "changed", "lost")
CATEGORIES = ("1", "2", "3")
# The 事由 the pension system states, by event and category (as text; the NHI side does not interpret it).
REASONS = {
    ("acquired", "1"): "20歳到達",
    ("changed", "1"): "厚生年金喪失（退職）",
    ("changed", "2"): "厚生年金取得（就職）",
    ("changed", "3"): "被扶養配偶者認定",
    ("acquired", "2"): "厚生年金取得（就職）",
    ("acquired", "3"): "被扶養配偶者認定",
    ("lost", "1"): "60歳到達",
    ("lost", "2"): "厚生年金喪失",
    ("lost", "3"): "被扶養配偶者非該当",
}


def change(person_id: str, *, category: str, changed_on: dt.date, event: str = "changed", reason: str = "") -> dict:
    """One category change in the feed's wire schema (docs/feeds/pension.md)."""
    return {
        "change_id": f"pen-{uuid.uuid4()}",
        "person_id": person_id,
        "event": event,
        "category": category,
        "changed_on": changed_on.isoformat(),
        "reason": reason or REASONS.get((event, category), ""),
    }


def publish(nats_url: str, data: dict[str, Any], *, municipality_id: str = "midori") -> Event:
    event = feed_publish.new_event(
        source=f"urn:pension:{municipality_id}", type=EVENT_TYPE, subject=data["person_id"], data=data
    )
    return feed_publish.publish(nats_url, SUBJECT, event)
