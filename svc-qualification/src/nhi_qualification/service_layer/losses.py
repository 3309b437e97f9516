"""Losing a qualification: the one way a period ends, whether a clerk records a leave or the age75 batch runs.

The counter writes through the unit of work's period repository at once; the batch hands in a deferred
writer with the same `replace` (`DeferredPeriods`), flushed once per chunk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol

from ..domain import decide as rules
from ..domain.errors import StaleVersion
from ..domain.events import PersonRef, QualificationLost
from ..domain.model import Period, Reason


class PeriodWriter(Protocol):
    def replace(self, old: Period, new: Period) -> Period | None: ...


class DeferredPeriods:
    """`replace` kept for one set-based write (`PeriodRepository.replace_many`) at the end of a batch chunk."""

    def __init__(self) -> None:
        self.pairs: list[tuple[Period, Period]] = []

    def replace(self, old: Period, new: Period) -> Period:
        self.pairs.append((old, new))
        return new


def lose(
    periods: PeriodWriter,
    current: Period,
    *,
    lost_on: dt.date | None,
    reason_code: str,
    reasons: Iterable[Reason],
    change_id: str,
    at: dt.datetime,
    operator_id: str,
    coverage_ends_on: dt.date | None = None,
) -> Period:
    """Close `current` and store the version that ends it on `lost_on` (or, within the prefecture, only its
    coverage on `coverage_ends_on`), with the reasons appended. StaleVersion when someone else closed it first."""
    ended = current.next_version(
        change_id=change_id,
        at=at,
        operator_id=operator_id,
        lost_on=lost_on,
        lost_reason=reason_code if lost_on else None,
        coverage_ends_on=coverage_ends_on,
        reasons=(*current.reasons, *reasons),
    )
    stored = periods.replace(current, ended)
    if stored is None:
        raise StaleVersion(current.household_id, 0)
    return stored


def lost_event(
    person: PersonRef,
    version: Period,
    *,
    reason_code: str,
    rule_ids: Iterable[str],
    business_date: dt.date,
    operator_id: str,
    job_id: str | None = None,
    deemed_head: bool | None = None,
    specific_same_household: bool | None = None,
) -> QualificationLost:
    return QualificationLost.of(
        person,
        version,
        reason=reason_code,
        rule_ids=rule_ids,
        feeds=rules.REASONS[reason_code].feeds,
        business_date=business_date,
        operator_id=operator_id,
        job_id=job_id,
        deemed_head=deemed_head,
        specific_same_household=specific_same_household,
    )
