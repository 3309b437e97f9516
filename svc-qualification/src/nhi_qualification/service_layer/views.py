"""How records leave the service layer: dicts with the field names of the gRPC messages."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ..domain.model import Period
from ..domain.numbers import mask_my_number
from ..domain.reasons import KIND_LABELS, reason_label
from ..domain.special_statuses import active_on
from .app import MyNumberCipher
from .context import Actor
from .values import aware_iso, iso


def period_dict(period: Period) -> dict[str, Any]:
    """One period version (QualificationPeriod)."""
    return {
        "period_id": period.period_id,
        "person_id": period.person_id,
        "household_id": period.household_id,
        "insurer_number": period.insurer_number,
        "symbol": period.symbol,
        "number": period.number,
        "branch_no": period.branch_no,
        "acquired_on": period.acquired_on.isoformat(),
        "acquired_reason": period.acquired_reason,
        "lost_on": iso(period.lost_on),
        "lost_reason": period.lost_reason or "",
        "recorded_at": aware_iso(period.recorded_at),
        "superseded_at": aware_iso(period.superseded_at),
        "change_id": period.change_id,
        "reasons": [r.as_dict() for r in period.reasons],
        "version_id": period.version_id,
        "coverage_starts_on": iso(period.coverage_starts_on),
        "coverage_ends_on": iso(period.coverage_ends_on),
        "void": period.void,
        "correction_reason": period.correction_reason,
        "operator_id": period.operator_id,
    }


def status_dict(row) -> dict[str, Any]:
    """One stored special status (StatusPeriod)."""
    return {
        "status_id": row.status_id,
        "person_id": row.person_id,
        "kind": row.kind,
        "start": row.start.isoformat(),
        "end": iso(row.end),
        "evidence": json.loads(row.evidence),
        "separation_date": iso(row.separation_date),
        "separation_code": row.separation_code or "",
        "display_name": row.display_name,
        "reasons": json.loads(row.reasons),
    }


def person_dict(
    row, vault: MyNumberCipher, actor: Actor, *, insured: bool, statuses: list, day: dt.date | None = None
) -> dict[str, Any]:
    """The person as the API shows it (Person); the My Number masked unless the caller may read it; `dv_support`
    from the registry's flag or a dv_support status holding on `day` (rule DV)."""
    my_number = ""
    if row.my_number_enc:
        plain = vault.decrypt(row.my_number_enc, getattr(row, "my_number_key_version", None))
        my_number = plain if actor.can_read_my_number() else mask_my_number(plain)
    return {
        "person_id": row.person_id,
        "household_id": row.household_id,
        "name_kanji": row.name_kanji,
        "name_kana": row.name_kana,
        "birth_date": row.birth_date.isoformat(),
        "sex": row.sex,
        "relationship": row.relationship,
        "listing_order": row.listing_order,
        "resident_since": iso(row.resident_since),
        "resident_status": row.resident_status,
        "my_number": my_number,
        "insured": insured,
        "version": row.version,
        "nationality": row.nationality,
        "residence_status": row.residence_status,
        "residence_expires_on": iso(row.residence_expires_on),
        "display_name": row.display_name,
        "card_registered": bool(row.card_registered),
        "dv_support": bool(row.dv_support)
        or (day is not None and any(s.kind == "dv_support" and active_on(s.start, s.end, day) for s in statuses)),
        "statuses": [status_dict(s) for s in statuses],
    }


def certificate_dict(row) -> dict[str, Any]:
    """One ledger row (Certificate)."""
    return {
        "certificate_id": row.certificate_id,
        "kind": row.kind,
        "person_id": row.person_id,
        "household_id": row.household_id,
        "certificate_number": row.certificate_number or "",
        "issued_on": row.issued_on.isoformat(),
        "valid_from": row.valid_from.isoformat(),
        "valid_until": iso(row.valid_until),
        "state": row.state,
        "returned_on": iso(row.returned_on),
        "document_id": row.document_id or "",
        "collect": bool(row.collect),
        "note": row.note or "",
    }


def change_dict(row, people: dict[str, dict[str, str]] | None = None) -> dict[str, Any]:
    """One registered change (ChangeRecord): as stored (before/after also as JSON text), with the labels a clerk
    reads and, when `people` (by person id, `ChangePerson` fields) is given, the persons' names and numbers."""
    person_ids = json.loads(row.person_ids or "[]")
    return {
        "change_id": row.change_id,
        "recorded_at": aware_iso(row.recorded_at),
        "operator_id": row.operator_id,
        "kind": row.kind,
        "reason": row.reason,
        "household_id": row.household_id,
        "person_ids": person_ids,
        "event_date": iso(row.event_date),
        "notified_on": iso(row.notified_on),
        "business_date": iso(row.business_date),
        "before_json": row.before or "{}",
        "after_json": row.after or "{}",
        "kind_label": KIND_LABELS.get(row.kind, row.kind),
        "reason_label": reason_label(row.reason),
        "persons": [people[p] for p in person_ids if p in people] if people else [],
        "before": _readable(row.before, person_ids),
        "after": _readable(row.after, person_ids),
    }


# Keys of a stored before/after that are the system's, not the clerk's: internal ids and the reasons of numbering.
_INTERNAL = {"period_id", "numbering"}


def _readable(text: str | None, person_ids: list[str]) -> dict[str, Any]:
    """A stored before/after by person id, without the internal keys. A correction stores the corrected fields of
    its one person flat: they are put under that person, as every other change has them."""
    values = json.loads(text or "{}")
    if values and person_ids and not all(isinstance(v, dict) for v in values.values()):
        values = {person_ids[0]: values}
    return {
        person: {k: v for k, v in fields.items() if k not in _INTERNAL} if isinstance(fields, dict) else fields
        for person, fields in values.items()
    }


def intake_item_dict(row) -> dict[str, Any]:
    return {
        "item_id": row.item_id,
        "source_change_id": row.source_change_id,
        "kind": row.kind,
        "household_id": row.household_id,
        "person_ids": json.loads(row.person_ids),
        "event_date": row.event_date.isoformat(),
        "state": row.state,
        "created_at": aware_iso(row.created_at),
    }


def audit_dict(row) -> dict[str, Any]:
    return {
        "event_id": row.event_id,
        "occurred_at": aware_iso(row.occurred_at),
        "operator_id": row.operator_id,
        "action": row.action,
        "target_kind": row.target_kind,
        "target_id": row.target_id,
        "detail": row.detail,
    }


def job_dict(row) -> dict[str, Any]:
    return {
        "job_id": row.job_id,
        "kind": row.kind,
        "state": row.state,
        "total": int(row.total),
        "done": int(row.done),
        "failed": int(row.failed),
        "business_date": row.business_date.isoformat(),
        "created_at": aware_iso(row.created_at),
        "finished_at": aware_iso(row.finished_at),
        "parameters": json.loads(row.parameters or "{}"),
        "error": row.error or "",
        # Still being cut into chunks: `total` grows until the plan is complete (its chunk count set), so no time
        # left is promised from it (eta_seconds null) until then.
        "planning": not row.chunks and row.state not in ("succeeded", "failed"),
    }
