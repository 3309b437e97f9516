"""The counter's print queue: which certificates svc-qualification's decisions made due, for whom, printed or not.

Each event of `nhi.v1.qualification.*` is handled once (inbox, in the transaction of its queue items). The 2024
reform's triggers map to events as follows: a new qualification (acquired) -> the kinds CERT-KIND gives on that day;
利用登録 ended (status card_registration with an end) -> 資格確認書; DV support measure started (status dv_support)
-> 資格確認書 (DV); a share change for a 70-74 person (burden, ratio changed) -> 高齢受給者証. My Number card or
certificate expiry and card return have no event in svc-qualification yet."""

from __future__ import annotations

import datetime as dt
from typing import Any

from nhi_common.errors import NotFound
from nhi_common.paging import Page
from nhi_common.plumbing import utcnow

from ..domain import certificate
from .job_ports import JobStore
from .ports import QualificationSource

CONSUMER = "documents-print-queue"
ELIGIBILITY = certificate.KIND
ELDERLY = certificate.ELDERLY_RECIPIENT_CERTIFICATE


def due_items(event_type: str, data: dict[str, Any], due_kinds) -> list[dict[str, Any]]:
    """The queue items an event makes due; `due_kinds(person_id, day)` asks CERT-KIND for a new qualification."""
    person_id = data.get("person_id", "")
    household_id = data.get("household_id", "")
    day = dt.date.fromisoformat(data.get("business_date") or data.get("effective_date"))

    def item(kind: str, reason: str, rules: list[str]) -> dict[str, Any]:
        return {
            "person_id": person_id,
            "household_id": household_id,
            "kind": kind,
            "reason": reason,
            "rule_ids": rules,
            "due_on": day,
        }

    if event_type.endswith(".acquired.v1"):
        start = dt.date.fromisoformat(data.get("acquired_on") or day.isoformat())
        return [item(kind, "acquired", ["CERT-KIND"]) for kind in due_kinds(person_id, max(start, day))]
    if not event_type.endswith(".changed.v1"):
        return []
    if data.get("change_kind") == "status":
        kind, ended = data.get("status_kind"), bool(data.get("status_end"))
        if kind == "card_registration" and ended:
            return [item(ELIGIBILITY, "registration_cancelled", ["CERT-KIND"])]
        if kind == "dv_support" and not ended:
            return [item(ELIGIBILITY, "dv_support", ["DV", "CERT-KIND"])]
        return []
    if data.get("change_kind") == "burden" and data.get("ratio_percent_new") not in (
        None,
        data.get("ratio_percent_old"),
    ):
        return [item(ELDERLY, "share_changed", ["ELDER-CERT-EXPIRY", "BURDEN-3"])]
    return []


class PrintQueue:
    def __init__(self, *, store: JobStore, qualification: QualificationSource) -> None:
        self.store = store
        self.qualification = qualification

    def _due_kinds(self, person_id: str, day: dt.date) -> tuple[str, ...]:
        try:
            return self.qualification.certificates_due(person_id, operator_id="system", business_date=day).kinds
        except certificate.NotInsured:
            return ()

    def handle_event(self, event_id: str, event_type: str, data: dict[str, Any]) -> int:
        """Queue what the event makes due, once per event id; returns how many items were added."""
        rows = [{**row, "source_event_id": event_id} for row in due_items(event_type, data, self._due_kinds)]
        with self.store.transaction() as tx:
            if not tx.claim_event(event_id, CONSUMER):
                return 0
            return tx.add_due(rows)

    def list(
        self, *, printed: bool | None = None, person_id: str = "", kind: str = "", page: Page = Page()
    ) -> tuple[list[dict[str, Any]], str]:
        with self.store.transaction() as tx:
            return tx.list_due(printed=printed, person_id=person_id, kind=kind, page=page)

    def mark_printed(self, item_id: str, *, operator_id: str, document_id: str = "") -> dict[str, Any]:
        """Printed by whom and when; marking an item printed twice keeps the first mark."""
        with self.store.transaction() as tx:
            found = tx.mark_printed(item_id, operator_id=operator_id or "system", document_id=document_id, at=utcnow())
            if found is not None:
                tx.audit(
                    operator_id=operator_id,
                    action="print_queue.printed",
                    target_kind="print_queue_item",
                    target_id=item_id,
                    detail=f"{found['kind']} person {found['person_id']}",
                )
        if found is None:
            raise NotFound("print queue item", item_id)
        return found
