"""Stored rows as domain values: periods, reasons, statuses, moments."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from ..domain.model import Period, Reason
from ..domain.special_statuses import StatusPeriod


def reasons_of(text: str | None) -> tuple[Reason, ...]:
    return tuple(
        Reason(r["rule_id"], r["summary"], r.get("basis", ""), r.get("facts", {})) for r in json.loads(text or "[]")
    )


def reasons_json(reasons: Iterable[Reason]) -> str:
    return json.dumps([r.as_dict() for r in reasons], ensure_ascii=False)


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; everything is stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def period(row: Any) -> Period:
    return Period(
        period_id=row.period_id,
        person_id=row.person_id,
        household_id=row.household_id,
        insurer_number=row.insurer_number,
        symbol=row.symbol,
        number=row.number,
        branch_no=row.branch_no,
        acquired_on=row.acquired_on,
        acquired_reason=row.acquired_reason,
        lost_on=row.lost_on,
        lost_reason=row.lost_reason,
        recorded_at=aware(row.recorded_at),
        superseded_at=aware(row.superseded_at),
        change_id=row.change_id,
        reasons=reasons_of(row.reasons),
        version_id=row.version_id,
        coverage_starts_on=row.coverage_starts_on,
        coverage_ends_on=row.coverage_ends_on,
        void=bool(row.void),
        correction_reason=row.correction_reason or "",
        operator_id=row.operator_id or "",
    )


def period_values(version: Period) -> dict[str, Any]:
    """The row of a new version (its version_id is the database's to give)."""
    return {
        "period_id": version.period_id,
        "person_id": version.person_id,
        "household_id": version.household_id,
        "insurer_number": version.insurer_number,
        "symbol": version.symbol,
        "number": version.number,
        "branch_no": version.branch_no,
        "acquired_on": version.acquired_on,
        "acquired_reason": version.acquired_reason,
        "lost_on": version.lost_on,
        "lost_reason": version.lost_reason,
        "recorded_at": version.recorded_at,
        "superseded_at": None,
        "change_id": version.change_id,
        "reasons": reasons_json(version.reasons),
        "coverage_starts_on": version.coverage_starts_on,
        "coverage_ends_on": version.coverage_ends_on,
        "void": version.void,
        "correction_reason": version.correction_reason,
        "operator_id": version.operator_id,
    }


def status(row: Any) -> StatusPeriod:
    return StatusPeriod(
        person_id=row.person_id,
        kind=row.kind,
        start=row.start,
        end=row.end,
        evidence=tuple(json.loads(row.evidence)),
        separation_date=row.separation_date,
        separation_code=row.separation_code,
    )
