"""The 国保資格不整合一覧 (2.4.1): compare, keep the findings, resolve a finding by the correction that fixed it."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from nhi_common.errors import Conflict, DomainError, InvalidInput, NotFound
from nhi_common.paging import Page

from ..domain.inconsistency import KINDS, Finding, compare
from ..domain.welfare import WelfareStatus, status_on
from .feed_ports import FeedRecords, FeedStore, QualificationPort

log = logging.getLogger(__name__)
STATES = ("open", "resolved")
LISTING = "integration.inconsistencies"  # the list's name in svc-qualification's audit row (rule DV)


class Inconsistencies:
    """Runs the comparison over the population or a few persons, and keeps the list."""

    def __init__(self, *, store: FeedStore, qualification: QualificationPort) -> None:
        self.store = store
        self.qualification = qualification

    def check_population(self, day: dt.date, *, job_id: str, progress=lambda done: None) -> dict[str, int]:
        """Every person, a page at a time; the findings kept once at the end. Counts of persons and findings."""
        with self.store.transaction() as tx:
            pension, welfare = _other_records(tx, None, day)
        findings: list[Finding] = []
        persons = 0
        for index, rows in self.qualification.coverage_pages(day):
            findings += compare(rows, index, pension, day, welfare)
            persons += len(rows)
            progress(persons)
        added = self._keep(findings, person_ids=None, source="job", job_id=job_id)
        return {"persons": persons, "findings": len(findings), "new": added}

    def check_persons(self, person_ids: list[str], day: dt.date, *, source: str) -> int:
        """The comparison for a few persons (a feed just told us something about them); new findings kept."""
        ids = sorted(set(person_ids))
        if not ids:
            return 0
        with self.store.transaction() as tx:
            pension, welfare = _other_records(tx, ids, day)
        findings: list[Finding] = []
        for start in range(0, len(ids), 1000):
            for index, rows in self.qualification.coverage_pages(day, person_ids=ids[start : start + 1000]):
                findings += compare(rows, index, pension, day, welfare)
        return self._keep(findings, person_ids=ids, source=source, job_id=None)

    def _keep(self, findings: list[Finding], *, person_ids, source: str, job_id: str | None) -> int:
        """Add what is new, mark what was already open as seen again; resolved findings stay as they were."""
        with self.store.transaction() as tx:
            open_ = tx.open_findings(person_ids)
            new = [f for f in findings if (f.person_id, f.kind) not in open_]
            seen = [open_[(f.person_id, f.kind)] for f in findings if (f.person_id, f.kind) in open_]
            tx.add_findings(new, source=source, job_id=job_id)
            tx.touch_findings(seen)
        return len(new)

    def list(
        self, *, state: str, kind: str, person_id: str, page: Page, caller: Any = None
    ) -> tuple[list[dict[str, Any]], str]:
        """A page of the findings, without the rows of the DV support-measure persons `caller` may not see listed
        (rule DV; no caller: the service's own read)."""
        if state and state not in STATES:
            raise InvalidInput("state", "must be open or resolved", code="UNKNOWN_KIND")
        if kind and kind not in KINDS:
            raise InvalidInput("kind", "must be one of " + ", ".join(KINDS), code="UNKNOWN_KIND")
        with self.store.transaction() as tx:
            rows, cursor = tx.list_findings(state=state, kind=kind, person_id=person_id, page=page)
        found = [view(r) for r in rows]
        if caller is None or not found:
            return found, cursor
        hidden = self.qualification.hidden_persons(caller, [r["person_id"] for r in found], LISTING)
        return [r for r in found if r["person_id"] not in hidden], cursor

    def resolve(self, inconsistency_id: str, *, change_id: str, note: str, operator_id: str, day: dt.date) -> dict:
        """Link the correction that fixed the finding; refused while the records still disagree."""
        with self.store.transaction() as tx:
            found = tx.get_finding(inconsistency_id)
        if found is None:
            raise NotFound("inconsistency", inconsistency_id)
        if found["state"] != "open":
            raise Conflict(f"inconsistency {inconsistency_id} was resolved already", code="ALREADY_RESOLVED")
        if not change_id:
            raise InvalidInput("change_id", "name the correction (its change id) that fixed this", code="REQUIRED")
        decision = self.qualification.decision(change_id)
        if decision is None:
            raise DomainError(
                "change_id", "svc-qualification holds no change with this id", rule="STD-2.2.1", code="UNKNOWN_CHANGE"
            )
        if found["person_id"] not in decision.get("person_ids", []):
            raise DomainError(
                "change_id",
                "this change does not concern the person of the finding",
                rule="STD-2.2.1",
                code="OTHER_PERSON",
            )
        with self.store.transaction() as tx:
            pension, welfare = _other_records(tx, [found["person_id"]], day)
        still = [
            f
            for index, rows in self.qualification.coverage_pages(day, person_ids=[found["person_id"]])
            for f in compare(rows, index, pension, day, welfare)
            if f.kind == found["kind"]
        ]
        if still:
            raise DomainError(
                "change_id",
                "after this change the records still disagree in the same way",
                rule=KINDS[found["kind"]].rule,
                code="STILL_INCONSISTENT",
            )
        with self.store.transaction() as tx:
            tx.resolve_finding(inconsistency_id, change_id=change_id, note=note, operator_id=operator_id)
            tx.audit(
                operator_id=operator_id,
                action="inconsistency.resolved",
                target_kind="inconsistency",
                target_id=inconsistency_id,
                detail=f"{found['kind']} by change {change_id}",
            )
            return view(tx.get_finding(inconsistency_id))


def _other_records(
    tx: FeedRecords, person_ids: list[str] | None, day: dt.date
) -> tuple[dict[str, str], dict[str, WelfareStatus]]:
    """What the pension and welfare systems say of everyone (or of `person_ids`) on `day`."""
    return tx.pension_categories(person_ids), status_on(tx.welfare_periods(person_ids), day)


def view(row: dict[str, Any]) -> dict[str, Any]:
    """A stored finding as the API shows it, with its mismatch, action and rule from the kind."""
    kind = KINDS[row["kind"]]
    return {
        "inconsistency_id": row["inconsistency_id"],
        "person_id": row["person_id"],
        "household_id": row["household_id"],
        "name": row["name"],
        "kind": row["kind"],
        "nhi_status": row["nhi_status"],
        "other_status": row["other_status"],
        "mismatch": kind.mismatch,
        "action": kind.action,
        "rule": kind.rule,
        "state": row["state"],
        "source": row["source"],
        "detected_at": _iso(row["detected_at"]),
        "last_seen_at": _iso(row["last_seen_at"]),
        "resolved_at": _iso(row["resolved_at"]),
        "resolved_by": row["resolved_by"] or "",
        "change_id": row["change_id"] or "",
        "note": row["note"] or "",
    }


def _iso(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)).isoformat()
