"""Use cases of svc-interchange: collect qualification changes for the next daily aggregation file."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import sqlalchemy as sa

from nhi_common.events import Event
from nhi_common.plumbing import Plumbing, utcnow

from ..adapters.tables import metadata, pending
from ..domain.aggregation import NotForAggregation, pending_record

log = logging.getLogger(__name__)
CONSUMER = "interchange-qualification"


class InterchangeService:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.plumbing = Plumbing(metadata, "urn:nhi:svc-interchange")

    def record_qualification_event(self, event: Event) -> bool:
        """Keep the change as pending for the aggregation link; False when it was seen before or is not aggregated."""
        try:
            record = pending_record(event.id, event.type, event.data)
        except NotForAggregation:
            return False
        with self.engine.begin() as conn:
            if not self.plumbing.claim_inbox(conn, event_id=event.id, consumer=CONSUMER):
                log.info("event already recorded", extra={"event_id": event.id})
                return False
            conn.execute(sa.insert(pending).values(
                record_id=str(uuid.uuid4()), event_id=record.event_id, event_type=record.event_type,
                person_id=record.person_id, household_id=record.household_id, change_id=record.change_id,
                effective_date=record.effective_date, payload=json.dumps(event.data, ensure_ascii=False),
                received_at=utcnow()))
        return True

    def list_pending(self, *, person_id: str, page_size: int, cursor: str) -> tuple[list[dict[str, Any]], str, int]:
        size = max(1, min(page_size or 100, 1000))
        query = sa.select(pending).where(pending.c.state == "pending")
        total_query = sa.select(sa.func.count()).select_from(pending).where(pending.c.state == "pending")
        if person_id:
            query = query.where(pending.c.person_id == person_id)
            total_query = total_query.where(pending.c.person_id == person_id)
        if cursor:
            query = query.where(pending.c.seq > int(cursor))
        with self.engine.connect() as conn:
            rows = list(conn.execute(query.order_by(pending.c.seq).limit(size + 1)))
            total = conn.execute(total_query).scalar_one()
        more = len(rows) > size
        rows = rows[:size]
        records = [{"record_id": r.record_id, "event_id": r.event_id, "event_type": r.event_type,
                    "person_id": r.person_id, "household_id": r.household_id, "change_id": r.change_id,
                    "effective_date": r.effective_date, "received_at": _iso(r.received_at), "state": r.state}
                   for r in rows]
        return records, (str(rows[-1].seq) if more else ""), total


def _iso(value) -> str:
    return value.isoformat() if value.tzinfo else value.isoformat() + "+00:00"
