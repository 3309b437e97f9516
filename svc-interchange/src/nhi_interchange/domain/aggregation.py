"""Which qualification events the daily aggregation link (2.6.1) must carry, and from which date."""

from __future__ import annotations

import dataclasses
from typing import Any

# Event types of svc-qualification that change what the aggregation system holds.
AGGREGATED_TYPES = {
    "jp.nhi.qualification.acquired.v1": "acquired_on",
    "jp.nhi.qualification.lost.v1": "lost_on",
    "jp.nhi.qualification.changed.v1": "effective_date",
    "jp.nhi.qualification.corrected.v1": "effective_date",
}


@dataclasses.dataclass(frozen=True)
class PendingRecord:
    event_id: str
    event_type: str
    person_id: str
    household_id: str
    change_id: str
    effective_date: str


class NotForAggregation(ValueError):
    pass


def pending_record(event_id: str, event_type: str, data: dict[str, Any]) -> PendingRecord:
    """The pending aggregation record an event gives; NotForAggregation when the type is not aggregated."""
    date_field = AGGREGATED_TYPES.get(event_type)
    if date_field is None:
        raise NotForAggregation(event_type)
    missing = [k for k in ("person_id", "household_id", "change_id") if not data.get(k)]
    if missing:
        raise ValueError(f"event {event_id} lacks {missing}")
    return PendingRecord(
        event_id, event_type, data["person_id"], data["household_id"], data["change_id"], data.get(date_field) or ""
    )
