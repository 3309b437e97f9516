"""住民税 income in: record the facts with svc-qualification, then re-decide the households concerned (BURDEN-*, LIMIT-CAT).

A change of share makes svc-qualification publish its burden event, from which svc-documents queues the
高齢受給者証: nothing more to do here.
"""

from __future__ import annotations

import logging
from typing import Any

from ..domain.income import IncomeRecord
from .feed_ports import FeedStore, QualificationPort

log = logging.getLogger(__name__)
INCOME_CONSUMER = "integration-income"
BATCH = 500  # income facts per RecordIncomeFacts call


class IncomeIntake:
    def __init__(self, *, store: FeedStore, qualification: QualificationPort) -> None:
        self.store = store
        self.qualification = qualification

    def receive(self, records: list[IncomeRecord], *, receipt_key: str) -> dict[str, Any]:
        """Record these incomes and re-decide their households, once per receipt key; the determinations."""
        with self.store.transaction() as tx:
            if not tx.claim(receipt_key, INCOME_CONSUMER):
                return {"duplicate": True, "recorded": 0, "determinations": []}
            recorded = 0
            for start in range(0, len(records), BATCH):
                recorded += self.qualification.record_incomes(
                    records[start : start + BATCH], idempotency_key=f"{receipt_key}:{start}"
                )
            determinations = self.redetermine([r.person_id for r in records], receipt_key=receipt_key)
        log.info(
            "income recorded: %d facts, %d households re-decided",
            recorded,
            len(determinations),
            extra={"receipt_key": receipt_key},
        )
        return {"duplicate": False, "recorded": recorded, "determinations": determinations}

    def redetermine(self, person_ids: list[str], *, receipt_key: str) -> list[dict[str, Any]]:
        """DetermineBurdenRatio for each household of these persons (pending when an income it needs is unknown)."""
        households = sorted(set(self.qualification.households_of(sorted(set(person_ids))).values()))
        return [
            self.qualification.determine_burden(household_id, idempotency_key=f"{receipt_key}:burden:{household_id}")
            for household_id in households
        ]
