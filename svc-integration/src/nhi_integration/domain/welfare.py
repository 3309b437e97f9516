"""生活保護 (public assistance) periods from the welfare system: a recipient is not NHI insured (法6条9号).

A period runs from its 保護開始日 (the first day under protection: LOSS-WELFARE, lost_on = that day) up to its
廃止日 (the first day no longer protected: ACQ-WELFARE-END, acquired_on = that day). A period is named by its person and
start date; a later record of the same period replaces its end (an end equal to the start withdraws the period).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

from .records import ID, PERSON_ID, Fields


@dataclasses.dataclass(frozen=True)
class WelfareRecord:
    change_id: str
    person_id: str  # 宛名番号
    started_on: dt.date  # 保護開始日
    ended_on: dt.date | None  # 廃止日; None while protected
    reason: str = ""  # the welfare system's 事由, as text


@dataclasses.dataclass(frozen=True)
class WelfareStatus:
    """What the welfare system says of a person on a day: protected since `started_on`, or protection ended."""

    started_on: str  # ISO
    ended_on: str  # ISO; "" while protected

    @property
    def protected(self) -> bool:
        return not self.ended_on


def parse_welfare_record(data: Any) -> WelfareRecord:
    """Validate one welfare record in the wire schema (docs/feeds/welfare.md); InvalidChange lists every problem."""
    f = Fields(data, "welfare record")
    change_id = f.text("change_id", pattern=ID, rule="may hold only letters, digits and _.:- (at most 100)")
    person_id = f.text("person_id", pattern=PERSON_ID, rule="a 宛名番号 is digits")
    started_on = f.date("started_on", required=True)
    ended_on = f.date("ended_on", required=False)
    if started_on and ended_on and ended_on < started_on:
        f.fail("ended_on", "the 廃止日 is before the 保護開始日")
    reason = f.text("reason", required=False)
    f.done()
    return WelfareRecord(change_id, person_id, started_on, ended_on, reason)


def status_on(periods: Iterable[tuple[str, dt.date, dt.date | None]], day: dt.date) -> dict[str, WelfareStatus]:
    """person id -> the welfare status on `day`: the period covering it, else the latest one ended by then.

    A period that starts after `day`, or was withdrawn (ends on its start), says nothing yet.
    """
    covering: dict[str, dt.date] = {}
    ended: dict[str, tuple[dt.date, dt.date]] = {}
    for person_id, started_on, ended_on in periods:
        if started_on > day or ended_on == started_on:
            continue
        if ended_on is None or ended_on > day:
            covering[person_id] = min(started_on, covering.get(person_id, started_on))
        elif person_id not in ended or started_on > ended[person_id][0]:
            ended[person_id] = (started_on, ended_on)
    status = {p: WelfareStatus(s.isoformat(), "") for p, s in covering.items()}
    for person_id, (started_on, ended_on) in ended.items():
        status.setdefault(person_id, WelfareStatus(started_on.isoformat(), ended_on.isoformat()))
    return status
