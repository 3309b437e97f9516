"""生活保護 periods in: keep each person's periods, then compare that person again (2.4.1)."""

from __future__ import annotations

import datetime as dt
import logging

from ..domain.welfare import WelfareRecord
from .feed_ports import FeedStore
from .inconsistency import Inconsistencies

log = logging.getLogger(__name__)
WELFARE_CONSUMER = "integration-welfare"


class WelfareIntake:
    def __init__(self, *, store: FeedStore, inconsistencies: Inconsistencies) -> None:
        self.store = store
        self.inconsistencies = inconsistencies

    def receive(self, records: list[WelfareRecord], *, receipt_key: str, day: dt.date) -> dict[str, int]:
        """Keep these periods once per receipt key; the persons concerned compared at once. Counts kept and found."""
        with self.store.transaction() as tx:
            if not tx.claim(receipt_key, WELFARE_CONSUMER):
                return {"kept": 0, "findings": 0}
            for record in records:
                tx.record_welfare(record)
        findings = self.inconsistencies.check_persons([r.person_id for r in records], day, source="welfare")
        log.info(
            "welfare periods kept: %d, new findings: %d", len(records), findings, extra={"receipt_key": receipt_key}
        )
        return {"kept": len(records), "findings": findings}
