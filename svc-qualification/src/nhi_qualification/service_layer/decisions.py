"""Decisions as resources: every decision kept with its change — a clerk's, an automatic reflection of the resident
registry, a batch's, a correction — with its dates, rule ids, facts and what it made due."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from nhi_common import paging

from ..domain.errors import NotFound
from . import queries
from .app import App
from .context import Actor
from .values import aware_iso, iso

# The parts of a stored notification decision that the Decision message declares.
DECISION_KEYS = (
    "change_id",
    "business_date",
    "persons",
    "documents",
    "late",
    "late_days",
    "retroactive_flag",
    "reasons",
    "dry_run",
    "certificates_to_issue",
    "certificates_to_collect",
    "income_inquiry_needed",
    "statuses",
)
CORRECTION_KEYS = (
    "period_id",
    "corrected_version_id",
    "version_id",
    "corrected_change_id",
    "corrected_fields",
    "correction_reason",
    "effective_date",
    "retroactive_flag",
    "resend_required",
    "certificates_marked_for_collection",
    "reasons",
    "certificates_to_reissue",
    "late",
    "late_days",
)
# The per-person parts of a decision (each entry names its person_id), left out for a person not listed (rule DV).
PERSON_PARTS = {
    "decision": ("persons", "documents", "certificates_to_issue", "certificates_to_collect", "statuses"),
    "correction": ("certificates_to_reissue",),
}


def list_decisions(
    app: App,
    *,
    person_id: str = "",
    household_id: str = "",
    from_date: dt.date | None = None,
    to_date: dt.date | None = None,
    page: paging.Page = paging.Page(),
    actor: Actor | None = None,
) -> tuple[list[dict[str, Any]], str]:
    """The decisions about a person or a household (business dates from..to, inclusive), oldest first, without
    the DV support-measure persons the actor may not see (rule DV; no actor: the service's own read): asked for
    such a person, none (the others' decisions would tell that the person is there)."""
    with app.uow(read_only=True) as uow:
        found, cursor = uow.changes.decisions_page(
            person_id=person_id, household_id=household_id, from_date=from_date, to_date=to_date, page=page
        )
        records = [record(r) for r in found]
        dv = queries.DvListed()
        if actor is not None:
            named = [p for r in records for p in _named(r)] + ([person_id] if person_id else [])
            dv = queries.dv_listed(actor, *queries.listed_dv(app, uow, actor, named))
    if actor is not None:
        queries.audit_dv_listed(app, actor, dv)
    if person_id in dv.hidden:
        return [], ""
    return [r for r in (without(r, dv.hidden) for r in records) if r is not None], cursor


def get_decision(app: App, decision_id: str) -> dict[str, Any]:
    with app.uow(read_only=True) as uow:
        row = uow.changes.get(decision_id)
    if row is None:
        raise NotFound("decision", decision_id)
    return record(row)


def _named(out: dict[str, Any]) -> list[str]:
    """Every person a DecisionRecord names: its person_ids and those of its per-person parts."""
    named = list(out["person_ids"])
    for part, keys in PERSON_PARTS.items():
        for key in keys:
            named += [e["person_id"] for e in (out.get(part) or {}).get(key, []) if e.get("person_id")]
    return named


def without(out: dict[str, Any], hidden: frozenset[str]) -> dict[str, Any] | None:
    """Rule DV: the decision as listed without the `hidden` persons: out of person_ids, out of the per-person parts,
    and the decision's own reasons whose facts name them; None when every person it names is hidden."""
    if not hidden & set(_named(out)):
        return out
    kept = [p for p in out["person_ids"] if p not in hidden]
    if out["person_ids"] and not kept:
        return None
    listed = {**out, "person_ids": kept}
    for part, keys in PERSON_PARTS.items():
        if out.get(part) is None:
            continue
        body = {**out[part]}
        for key in keys:
            if key in body:
                body[key] = [e for e in body[key] if e.get("person_id") not in hidden]
        if "reasons" in body:
            body["reasons"] = [
                r for r in body["reasons"] if not hidden & {str(v) for v in (r.get("facts") or {}).values()}
            ]
        listed[part] = body
    return listed


def record(row) -> dict[str, Any]:
    """One stored change as a DecisionRecord."""
    stored = json.loads(row.decision or "{}")
    origin = _origin(row)
    out: dict[str, Any] = {
        "decision_id": row.change_id,
        "kind": row.kind,
        "reason": row.reason,
        "household_id": row.household_id,
        "person_ids": json.loads(row.person_ids or "[]"),
        "business_date": iso(row.business_date),
        "event_date": iso(row.event_date),
        "notified_on": iso(row.notified_on),
        "recorded_at": aware_iso(row.recorded_at),
        "operator_id": row.operator_id,
        "origin": origin,
        "automatic": origin != "counter",
        "job_id": stored.get("job_id") or "",
    }
    if row.kind == "correction":
        out["correction"] = {k: stored[k] for k in CORRECTION_KEYS if k in stored}
    else:
        out["decision"] = {k: stored[k] for k in DECISION_KEYS if k in stored}
    return out


def _origin(row) -> str:
    if row.operator_id.startswith("batch:"):
        return "batch"
    if json.loads(row.identity_check or "{}").get("document_kind") == "resident_registry":
        return "resident_registry"
    return "counter"
