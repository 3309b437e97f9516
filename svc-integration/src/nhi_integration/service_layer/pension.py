"""国民年金 category changes in: keep the category each person holds, then compare that person again (2.4.1)."""

from __future__ import annotations

import datetime as dt
import logging

from ..domain.pension import PensionChange
from .feed_ports import FeedStore
from .inconsistency import Inconsistencies

log = logging.getLogger(__name__)
PENSION_CONSUMER = "integration-pension"


class PensionIntake:
    def __init__(self, *, store: FeedStore, inconsistencies: Inconsistencies) -> None:
        self.store = store
        self.inconsistencies = inconsistencies

    def receive(self, changes: list[PensionChange], *, receipt_key: str, day: dt.date) -> dict[str, int]:
        """Keep these changes once per receipt key (an older-dated change never overrides a newer one); findings."""
        with self.store.transaction() as tx:
            if not tx.claim(receipt_key, PENSION_CONSUMER):
                return {"kept": 0, "findings": 0}
            kept = [c.person_id for c in changes if tx.record_pension(c)]
        findings = self.inconsistencies.check_persons(kept, day, source="pension")
        log.info("pension changes kept: %d, new findings: %d", len(kept), findings, extra={"receipt_key": receipt_key})
        return {"kept": len(kept), "findings": findings}
