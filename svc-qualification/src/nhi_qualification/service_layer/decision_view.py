"""A decision as the counter gets it back (and as it is kept with the change): persons with their numbers and
reasons, documents, certificates to issue and to collect, statuses, lateness."""

from __future__ import annotations

from typing import Any

from ..domain.model import Decision
from . import statuses
from .values import iso


def response(
    decision: Decision,
    change_id: str | None,
    household_version: int,
    numbers: dict,
    due: list[dict],
    collect: list[dict],
    accepted: list,
    *,
    dry_run: bool,
) -> dict[str, Any]:
    persons_out = []
    for p in decision.persons:
        entry = {
            "person_id": p.person_id,
            "acquired_on": iso(p.acquired_on),
            "lost_on": iso(p.lost_on),
            "coverage_starts_on": iso(p.coverage_starts_on),
            "coverage_ends_on": iso(p.coverage_ends_on),
            "reasons": [r.as_dict() for r in p.reasons],
        }
        numbered = numbers.get(p.person_id, {})
        entry.update({k: v for k, v in numbered.items() if k not in ("period_id", "numbering")})
        if "numbering" in numbered:
            entry["reasons"].append(numbered["numbering"])
        persons_out.append(entry)
    return {
        "decision": {
            "change_id": change_id or "",
            "business_date": decision.business_date.isoformat(),
            "persons": persons_out,
            "documents": [
                {"kind": d.kind, "person_id": d.person_id, "reason": d.reason.as_dict()} for d in decision.documents
            ],
            "certificates_to_issue": [c for c in due if c["kind"] != "none"],
            "certificates_to_collect": collect,
            "income_inquiry_needed": decision.income_inquiry_needed,
            "statuses": statuses.decision_dicts(accepted, numbers),
            "late": decision.late_days > 0,
            "late_days": decision.late_days,
            "retroactive_flag": decision.retroactive,
            "reasons": [r.as_dict() for r in decision.reasons]
            + [r for c in due if c["kind"] == "none" for r in c["reasons"]],
            "dry_run": dry_run,
        },
        "household_version": household_version,
    }
