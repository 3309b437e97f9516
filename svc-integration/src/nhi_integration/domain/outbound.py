"""Feeds out to the other departments (2.7.1), built from svc-qualification's events.

- `resident` 国保資格情報連携データ: every acquisition, loss, change and correction.
- `care` 介護保険システム連携用被保情報: NHI start and end of people aged 40–64 (介護保険第2号 follows the medical
  insurance) and every 住所地特例 period of theirs.
- `healthcheck` 特定健診等システム連携用資格情報データ: acquisitions, losses and corrections of the insured aged 40–74,
  those turning 40 within the fiscal year included.

Rule DV: the address is the household's, so no record of a person whose household holds a DV support-measure
person carries it — whatever the incoming event said.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

FEEDS = ("resident", "care", "healthcheck")
FEED_NAMES = {
    "resident": "国保資格情報連携データ",
    "care": "介護保険システム連携用被保情報",
    "healthcheck": "特定健診等システム連携用資格情報データ",
}
RECORD_KINDS = ("acquired", "lost", "changed", "corrected")
ADDRESS_EXCEPTION = "address_exception"  # 住所地特例
DV_SUPPORT = "dv_support"  # DV支援措置
CARE_AGES, HEALTHCHECK_AGES = (40, 64), (40, 74)

# The fields of a record, in the column order of the daily files (docs/feeds/outbound.md).
FIELDS = (
    "sequence",
    "feed",
    "record_kind",
    "change_id",
    "person_id",
    "household_id",
    "insurer_number",
    "symbol",
    "number",
    "branch_no",
    "name_kanji",
    "name_kana",
    "birth_date",
    "sex",
    "postal_code",
    "address_code",
    "address",
    "building",
    "acquired_on",
    "lost_on",
    "effective_date",
    "reason",
    "change_kind",
    "status_kind",
    "status_start",
    "status_end",
    "address_exception",
    "ratio_percent",
    "dv_support",
    "business_date",
)
ADDRESS_FIELDS = ("postal_code", "address_code", "address", "building")


@dataclasses.dataclass(frozen=True)
class KnownPerson:
    """What the feeds remember of a person from their last period event, to describe later changes."""

    person_id: str
    household_id: str
    name_kanji: str
    name_kana: str
    birth_date: dt.date | None
    sex: str
    address: dict[str, str]  # empty under DV: never kept
    insurer_number: str = ""
    symbol: str = ""
    number: str = ""
    branch_no: str = ""
    acquired_on: dt.date | None = None
    lost_on: dt.date | None = None
    dv_support: bool = False
    address_exception: bool = False


@dataclasses.dataclass(frozen=True)
class OutboundRecord:
    feed: str
    record_kind: str
    person_id: str
    business_date: dt.date
    values: dict[str, Any]  # FIELDS but sequence and feed; None where absent

    def data(self, sequence: int) -> dict[str, Any]:
        """The record as published and listed: every field of FIELDS, dates as ISO text, absent ones null."""
        out = {"sequence": sequence, "feed": self.feed, **self.values}
        return {key: _wire(out.get(key)) for key in FIELDS}


@dataclasses.dataclass(frozen=True)
class Outcome:
    records: list[OutboundRecord]
    person: KnownPerson | None  # what to remember of the person now (None: nothing known)
    dv_household: bool  # the event shows a DV support-measure person in this household


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Age on `day` (年齢計算ニ関スル法律: reached at the end of the day before the birthday)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def fiscal_year_end(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month >= 4), 3, 31)


def for_care(birth_date: dt.date | None, day: dt.date) -> bool:
    return birth_date is not None and CARE_AGES[0] <= age_on(birth_date, day) <= CARE_AGES[1]


def for_healthcheck(birth_date: dt.date | None, day: dt.date) -> bool:
    if birth_date is None:
        return False
    reaches_40 = age_on(birth_date, fiscal_year_end(day)) >= HEALTHCHECK_AGES[0]
    return reaches_40 and age_on(birth_date, day) <= HEALTHCHECK_AGES[1]


def build(
    kind: str, data: dict[str, Any], known: KnownPerson | None, *, dv_household: bool, business_date: dt.date
) -> Outcome:
    """The records one qualification event gives each feed; `kind` is the event's last subject token."""
    if kind in ("acquired", "lost"):
        return _period(kind, data, known, dv_household=dv_household, business_date=business_date)
    if kind == "changed":
        return _changed(data, known, dv_household=dv_household, business_date=business_date)
    if kind == "corrected":
        return _corrected(data, known, dv_household=dv_household, business_date=business_date)
    return Outcome([], known, dv_household)


def _period(kind, data, known, *, dv_household, business_date) -> Outcome:
    dv = bool(data.get("dv_support")) or dv_household
    birth_date = _date(data.get("birth_date"))
    acquired_on = _date(data.get("acquired_on")) or _date(data.get("coverage_starts_on"))
    lost_on = _date(data.get("lost_on")) or _date(data.get("coverage_ends_on"))
    address = {} if dv else _address(data.get("address"))
    person = KnownPerson(
        person_id=str(data.get("person_id") or ""),
        household_id=str(data.get("household_id") or ""),
        name_kanji=str(data.get("name_kanji") or ""),
        name_kana=str(data.get("name_kana") or ""),
        birth_date=birth_date,
        sex=str(data.get("sex") or ""),
        address=address,
        insurer_number=str(data.get("insurer_number") or ""),
        symbol=str(data.get("symbol") or ""),
        number=str(data.get("number") or ""),
        branch_no=str(data.get("branch_no") or ""),
        acquired_on=acquired_on,
        lost_on=lost_on if kind == "lost" else None,
        dv_support=bool(data.get("dv_support")) or (known.dv_support if known else False),
        address_exception=known.address_exception if known else False,
    )
    # A loss is the department's business if the person was of age on the last insured day.
    effective = (lost_on - dt.timedelta(days=1)) if (kind == "lost" and lost_on) else acquired_on
    values = _values(person, kind, data, dv=dv)
    values["effective_date"] = (lost_on if kind == "lost" else acquired_on) or business_date
    values["reason"] = data.get("reason") or None
    feeds = ["resident"]
    if effective and for_care(birth_date, effective):
        feeds.append("care")
    if effective and for_healthcheck(birth_date, effective):
        feeds.append("healthcheck")
    return Outcome(_records(feeds, kind, person, values, business_date), person, dv)


def _changed(data, known, *, dv_household, business_date) -> Outcome:
    status_kind = data.get("status_kind") or None
    status_end = _date(data.get("status_end"))
    effective = _date(data.get("effective_date")) or business_date
    active = status_end is None or status_end > effective
    dv = dv_household or (status_kind == DV_SUPPORT) or (known.dv_support if known else False)
    person = known
    if known is not None:
        updates: dict[str, Any] = {"household_id": str(data.get("household_id") or known.household_id)}
        if status_kind == DV_SUPPORT:
            updates |= {"dv_support": True, "address": {}}  # never forgotten: an address once withheld stays so
        if status_kind == ADDRESS_EXCEPTION:
            updates["address_exception"] = active
        person = dataclasses.replace(known, **updates)
    base = person or KnownPerson(
        str(data.get("person_id") or ""), str(data.get("household_id") or ""), "", "", None, "", {}
    )
    values = _values(base, "changed", data, dv=dv)
    values |= {
        "effective_date": effective,
        "change_kind": data.get("change_kind") or None,
        "status_kind": status_kind,
        "status_start": _date(data.get("status_start")),
        "status_end": status_end,
        "ratio_percent": data.get("ratio_percent_new"),
    }
    feeds = ["resident"]
    if status_kind == ADDRESS_EXCEPTION and for_care(base.birth_date, effective):
        feeds.append("care")
    return Outcome(_records(feeds, "changed", base, values, business_date), person, dv)


def _corrected(data, known, *, dv_household, business_date) -> Outcome:
    dv = dv_household or (known.dv_support if known else False)
    acquired_on = _date(data.get("acquired_on"))
    lost_on = None if data.get("void") else _date(data.get("lost_on"))
    base = known or KnownPerson(
        str(data.get("person_id") or ""), str(data.get("household_id") or ""), "", "", None, "", {}
    )
    numbers = {k: str(data.get(k) or getattr(base, k)) for k in ("insurer_number", "symbol", "number", "branch_no")}
    person = dataclasses.replace(base, acquired_on=acquired_on, lost_on=lost_on, **numbers)
    values = _values(person, "corrected", data, dv=dv)
    values |= {
        "effective_date": _date(data.get("effective_date")) or business_date,
        "reason": data.get("correction_reason") or None,
        "change_kind": "void" if data.get("void") else "correction",
    }
    feeds = ["resident"]
    day = (lost_on - dt.timedelta(days=1)) if lost_on else acquired_on
    if day and for_care(person.birth_date, day):
        feeds.append("care")
    if day and for_healthcheck(person.birth_date, day):
        feeds.append("healthcheck")
    return Outcome(_records(feeds, "corrected", person, values, business_date), person if known else None, dv)


def _values(person: KnownPerson, kind: str, data: dict[str, Any], *, dv: bool) -> dict[str, Any]:
    address = {} if dv else person.address
    return {
        "record_kind": kind,
        "change_id": data.get("change_id") or None,
        "person_id": person.person_id,
        "household_id": person.household_id or None,
        "insurer_number": person.insurer_number or None,
        "symbol": person.symbol or None,
        "number": person.number or None,
        "branch_no": person.branch_no or None,
        "name_kanji": person.name_kanji or None,
        "name_kana": person.name_kana or None,
        "birth_date": person.birth_date,
        "sex": person.sex or None,
        **{key: (address.get(key) or None) for key in ADDRESS_FIELDS},
        "acquired_on": person.acquired_on,
        "lost_on": person.lost_on,
        "reason": None,
        "change_kind": None,
        "status_kind": None,
        "status_start": None,
        "status_end": None,
        "address_exception": person.address_exception,
        "ratio_percent": None,
        "dv_support": dv,
    }


def _records(feeds, kind, person, values, business_date) -> list[OutboundRecord]:
    values = {**values, "business_date": business_date}
    return [OutboundRecord(feed, kind, person.person_id, business_date, values) for feed in feeds]


def _address(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {key: str(value[key]) for key in ADDRESS_FIELDS if value.get(key)}


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if not value or not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _wire(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value
