"""Use cases of svc-interchange: collect qualification changes for the next daily aggregation file."""

from __future__ import annotations

import logging
from typing import Any

from nhi_common.events import Event
from nhi_common.paging import Page

from ..domain.aggregation import NotForAggregation, pending_record
from .ports import Store

log = logging.getLogger(__name__)
CONSUMER = "interchange-qualification"


class InterchangeService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def record_qualification_event(self, event: Event) -> bool:
        """Keep the change as pending for the aggregation link; False when it was seen before or is not aggregated."""
        try:
            record = pending_record(event.id, event.type, event.data)
        except NotForAggregation:
            return False
        with self.store.transaction() as records:
            if not records.claim(event.id, CONSUMER):
                log.info("event already recorded", extra={"event_id": event.id})
                return False
            records.add_pending(record, event.data)
        return True

    def list_pending(self, *, person_id: str, page: Page) -> tuple[list[dict[str, Any]], str, int]:
        """A page of the records still pending, oldest first, the cursor of the next page and how many there are."""
        with self.store.transaction() as records:
            return records.list_pending(person_id=person_id, page=page)
