"""Which qualification events the daily aggregation link (2.6.1) must carry, and from which date."""

from __future__ import annotations

import dataclasses
from typing import Any

from nhi_common import event_fields as fields

# Event types of svc-qualification that change what the aggregation system holds.
AGGREGATED_TYPES = {
    "jp.nhi.qualification.acquired.v1": "acquired_on",
    "jp.nhi.qualification.lost.v1": "lost_on",
    "jp.nhi.qualification.changed.v1": "effective_date",
    "jp.nhi.qualification.corrected.v1": "effective_date",
}

# The longest id of each kind an aggregation record carries.
ID_LIMITS = {"person_id": 20, "household_id": 20, "change_id": 36}


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
    # As the pending records keep them (BadField, a ValueError naming the field, when they cannot).
    ids = {field: fields.text(data, field, limit=limit) for field, limit in ID_LIMITS.items()}
    day = fields.date(data, date_field)
    return PendingRecord(event_id, event_type, **ids, effective_date=day.isoformat() if day else "")


# The person facts an aggregation record carries; an event updates those it names (merge_snapshot).
SNAPSHOT_KEYS = (
    "person_id",
    "household_id",
    "head_person_id",
    "name_kanji",
    "name_kana",
    "birth_date",
    "sex",
    "dv_support",
    "insurer_number",
    "symbol",
    "number",
    "branch_no",
    "acquired_on",
    "lost_on",
    "coverage_starts_on",
    "coverage_ends_on",
    "reason",
    "period_id",
    "change_id",
)
ADDRESS_KEYS = ("postal_code", "address_code", "district_code")

# LIMIT-CAT categories as the OQS codes the aggregation file carries (domain.md §3.7); Z = 限度額適用不可.
LIMIT_CODES = {
    "ア": "A01",
    "イ": "A02",
    "ウ": "A03",
    "エ": "A04",
    "オ": "A05",
    "現役並みⅢ": "B01",
    "現役並みⅡ": "B02",
    "現役並みⅠ": "B03",
    "一般": "B04",
    "低所得Ⅱ": "B05",
    "低所得Ⅰ": "B06",
}
LIMIT_NOT_APPLICABLE = "Z"

ACTIONS = {"acquired": "1", "changed": "2", "corrected": "2", "lost": "3"}


def merge_snapshot(previous: dict[str, Any] | None, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The person's facts after this event: what the event names replaces what was known, the rest stays."""
    snapshot = dict(previous or {})
    for key in SNAPSHOT_KEYS:
        if data.get(key) not in (None, ""):
            snapshot[key] = data[key]
    if event_type.endswith(".lost.v1") or event_type.endswith(".corrected.v1"):
        snapshot["lost_on"] = data.get("lost_on") or ""
        snapshot["coverage_ends_on"] = data.get("coverage_ends_on") or snapshot.get("coverage_ends_on", "")
    if event_type.endswith(".acquired.v1"):
        snapshot["lost_on"], snapshot["coverage_ends_on"] = "", ""
    address = data.get("address")
    if isinstance(address, dict):
        snapshot["address"] = {k: address.get(k) or "" for k in ADDRESS_KEYS}
    if data.get("dv_support"):
        snapshot["address"] = {}
    if data.get("limit_category_new"):
        snapshot["limit_category"] = data["limit_category_new"]
    snapshot["void"] = bool(data.get("void"))
    snapshot["event_kind"] = event_type.split(".")[-2]
    return snapshot


def limit_code(snapshot: dict[str, Any]) -> str:
    """LIMIT-CAT in the file: the OQS code of the last determination heard; Z when lost or none was heard."""
    if snapshot.get("lost_on"):
        return LIMIT_NOT_APPLICABLE
    return LIMIT_CODES.get(snapshot.get("limit_category") or "", LIMIT_NOT_APPLICABLE)
