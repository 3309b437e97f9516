"""The daily aggregation files (2.6.5) from validated records: names, cut-off, and the records of each file."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from . import layout
from .address import AddressTable
from .aggregation import ACTIONS, limit_code

JST = ZoneInfo("Asia/Tokyo")


def cutoff_of(business_date: dt.date, now: dt.datetime) -> dt.datetime:
    """The cut-off of a business day: the end of that day in JST, or now when the day has not ended yet.

    The first run of a day fixes it and records it; a re-run reuses the recorded one."""
    end = dt.datetime.combine(business_date + dt.timedelta(days=1), dt.time(), JST)
    return min(end, now.astimezone(JST))


def file_name(insurer_number: str, kind: str, business_date: dt.date) -> str:
    """NHI_<保険者番号>_<H|P>_<YYYYMMDD>.dat"""
    return f"NHI_{insurer_number}_{kind}_{business_date:%Y%m%d}.dat"


def manifest_name(insurer_number: str, business_date: dt.date) -> str:
    return f"NHI_{insurer_number}_{business_date:%Y%m%d}.manifest.json"


@dataclasses.dataclass(frozen=True)
class FileHeader:
    insurer_number: str
    business_date: dt.date
    cutoff: dt.datetime
    file_sequence: int


@dataclasses.dataclass
class Tally:
    """What writing a file found: data records and degraded characters (field, person, character, written)."""

    records: int = 0
    degraded: list[dict[str, str]] = dataclasses.field(default_factory=list)


def person_values(serial: int, snapshot: dict[str, Any], my_number: str) -> dict[str, Any]:
    return {
        "record_type": "2",
        "serial": serial,
        "action": ACTIONS.get(snapshot.get("event_kind", ""), "2"),
        **{k: snapshot.get(k, "") for k in PERSON_KEYS},
        "my_number": my_number,
        "limit_category": limit_code(snapshot),
    }


def household_values(serial: int, household: dict[str, Any], addresses: AddressTable | None = None) -> dict[str, Any]:
    """A 世帯 record's values; with the municipality's table, its 地区別統計コード, 行政区 and 集約住所コード from it
    (validation held back every record whose address code the table lacks: error E08)."""
    address = household.get("address") or {}
    values = {
        "record_type": "2",
        "serial": serial,
        **{k: household.get(k, "") for k in HOUSEHOLD_KEYS},
        **{k: address.get(k, "") for k in ("postal_code", "address_code", "district_code")},
    }
    values["postal_code"] = (values["postal_code"] or "").replace("-", "")
    if addresses is not None:
        code = values["address_code"] or ""
        found = addresses.convert(code) if code else None
        values.update(
            district_code=found.district_code if found else "",
            ward_code=found.ward_code if found else "",
            aggregation_address_code=found.aggregation_address_code if found else "",
        )
    return values


def layout_keys(of: layout.Layout) -> tuple[str, ...]:
    """The fields a record takes from its snapshot as they are."""
    return tuple(f.name for f in of.fields if f.name not in ("record_type", "serial", "action", "filler"))


PERSON_KEYS = layout_keys(layout.PERSON)
HOUSEHOLD_KEYS = layout_keys(layout.HOUSEHOLD)


def households_of(snapshots: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One household record per household, from its members' latest snapshots in the run, by household id."""
    found: dict[str, dict[str, Any]] = {}
    lost: dict[str, bool] = {}
    for s in snapshots:
        hid = s.get("household_id") or ""
        found[hid] = {**s, "address": {} if s.get("dv_support") else (s.get("address") or {})}
        latest = found[hid].get("changed_on") or ""
        found[hid]["changed_on"] = max(latest, s.get("effective_date") or "")
        lost[hid] = lost.get(hid, True) and bool(s.get("lost_on"))
    return [{**found[h], "action": "3" if lost[h] else "2"} for h in sorted(found)]


def records(
    kind: str, header: FileHeader, rows: Iterable[dict[str, Any]], tally: Tally, *, key: str = "person_id"
) -> Iterator[bytes]:
    """Header, the data records of `rows` (already in values form, serial set), trailer; each RECORD_SIZE bytes."""
    head, _ = layout.encode(
        layout.HEADER,
        {
            "record_type": "1",
            "serial": 0,
            "file_kind": kind,
            "insurer_number": header.insurer_number,
            "business_date": header.business_date.isoformat(),
            "cutoff": header.cutoff.astimezone(JST).strftime("%Y%m%d%H%M%S"),
            "file_sequence": header.file_sequence,
        },
    )
    yield head
    of = layout.PERSON if kind == "P" else layout.HOUSEHOLD
    for values in rows:
        data, degraded = layout.encode(of, values)
        tally.records += 1
        tally.degraded += [
            {
                "file": kind,
                "key": str(values.get(key, "")),
                "field": d.field,
                "character": d.character,
                "written": d.written,
            }
            for d in degraded
        ]
        yield data
    trailer, _ = layout.encode(
        layout.TRAILER, {"record_type": "8", "serial": tally.records + 1, "record_count": tally.records}
    )
    yield trailer
