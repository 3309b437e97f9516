"""The resident registry (住民記録システム) as seen from the NHI: resident changes on resident.v1.changes."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import pathlib
import random
import uuid
from typing import Any

from nhi_common.bus import Bus
from nhi_common.events import Event

from . import municipality
from .municipality import Counter, Namer

SUBJECT = "resident.v1.changes"
EVENT_TYPE = "jp.lg.resident.change.v1"
PREVIOUS_MUNICIPALITIES = ("横浜市", "札幌市", "さいたま市", "千葉市", "名古屋市", "大阪市", "福岡市", "仙台市")
PERSON_FIELDS = (
    "person_id",
    "name_kanji",
    "name_kana",
    "birth_date",
    "sex",
    "relationship",
    "listing_order",
    "my_number",
    "nationality",
    "residence_status",
    "residence_expires_on",
    "dv_support",
)


class UnknownResident(LookupError):
    """The simulator has no record of that household or person."""


def source_of(municipality_id: str) -> str:
    return f"urn:resident-registry:{municipality_id}"


def wire_person(member: dict[str, Any]) -> dict[str, Any]:
    """A member in the ResidentPerson wire schema (no NHI fields, no nulls)."""
    person = {key: member.get(key) for key in PERSON_FIELDS}
    person["residence_expires_on"] = person["residence_expires_on"] or ""
    person["dv_support"] = bool(person["dv_support"])
    return person


def change(
    kind: str,
    household: dict[str, Any],
    persons: list[dict[str, Any]],
    *,
    event_date: dt.date,
    notified_on: dt.date,
    previous_municipality: str = "",
) -> dict[str, Any]:
    return {
        "change_id": str(uuid.uuid4()),
        "change_kind": kind,
        "event_date": event_date.isoformat(),
        "notified_on": notified_on.isoformat(),
        "household_id": household["household_id"],
        "head_person_id": household["head_person_id"],
        "address": household["address"],
        "previous_municipality": previous_municipality,
        "persons": [wire_person(p) for p in persons],
    }


def move_in_household(
    rng: random.Random, *, members: int | None, event_date: dt.date, household_id: str | None = None
) -> dict[str, Any]:
    """A household arriving from elsewhere; ids in ranges the demo municipality never uses (H9…, 8xxxxxxxx)."""
    counter = Counter()
    kind = {1: "single", 2: "couple"}.get(members or 0, "couple_children")
    if members is None:
        kind = rng.choice(("single", "couple", "couple_children"))
    namer = Namer(rng, foreign=rng.random() < 0.1)
    shape = municipality.compose(rng, kind)
    if members is not None:
        while len(shape) < members:
            shape.append(("子", rng.randint(0, 15), rng.choice("12")))
        shape = shape[:members]
    persons = []
    for order, (relationship, age, sex) in enumerate(shape, 1):
        person = municipality.make_person(
            rng,
            counter,
            namer,
            relationship=relationship,
            age=age,
            sex=sex,
            order=order,
            today=event_date,
            person_id=f"8{rng.randrange(10**8):08d}",
        )
        person["resident_since"] = event_date.isoformat()
        persons.append(person)
    return {
        "household_id": household_id or f"H9{rng.randrange(10**7):07d}",
        "head_person_id": persons[0]["person_id"],
        "address": municipality.random_address(rng),
        "members": persons,
    }


def newborn(rng: random.Random, household: dict[str, Any], event_date: dt.date) -> dict[str, Any]:
    """A baby born into `household` on `event_date`, taking the head's surname."""
    head = next(m for m in household["members"] if m["person_id"] == household["head_person_id"])
    surname_kanji, surname_kana = head["name_kanji"].split("\u3000")[0], head["name_kana"].split("\u3000")[0]
    namer = Namer(rng, foreign=False)
    namer.surname = (surname_kanji, surname_kana)
    order = 1 + max(int(m.get("listing_order") or 0) for m in household["members"])
    baby = municipality.make_person(
        rng,
        Counter(),
        namer,
        relationship="子",
        age=0,
        sex=rng.choice("12"),
        order=order,
        today=event_date,
        person_id=f"8{rng.randrange(10**8):08d}",
    )
    baby["birth_date"] = event_date.isoformat()
    baby["nationality"], baby["residence_status"] = head.get("nationality") or "", ""
    baby["resident_since"] = event_date.isoformat()
    return baby


class Registry:
    """What the simulator knows of its residents: a state file it appends to, plus optional roster files."""

    def __init__(self, state_file: str | pathlib.Path, rosters: list[str] | None = None) -> None:
        self.state_file = pathlib.Path(state_file)
        self.rosters = [pathlib.Path(r) for r in rosters or []]

    def save(self, household: dict[str, Any]) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        with self.state_file.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(household, ensure_ascii=False) + "\n")

    def household(self, household_id: str | None = None, person_id: str | None = None) -> dict[str, Any]:
        """The latest record of the household with that id, or holding that person."""
        found = None
        for path in [*self.rosters, self.state_file]:
            if not path.exists():
                continue
            with path.open(encoding="utf-8") as handle:
                for line in handle:
                    if not line.strip():
                        continue
                    record = json.loads(line)
                    if household_id and record["household_id"] != household_id:
                        continue
                    if person_id and not any(m["person_id"] == person_id for m in record["members"]):
                        continue
                    found = record
        if found is None:
            wanted = [household_id or "", f"with person {person_id}" if person_id else ""]
            raise UnknownResident(" ".join(["no household", *filter(None, wanted)]))
        return found


def publish(nats_url: str, data: dict[str, Any], *, municipality_id: str = "midori", timeout: float = 15) -> Event:
    """Publish one resident change (the RESIDENT stream is created if missing); return its CloudEvent."""
    event = Event.new(source=source_of(municipality_id), type=EVENT_TYPE, subject=data["household_id"], data=data)

    async def _go() -> None:
        bus = Bus(nats_url, "nhi-sim")
        await asyncio.wait_for(bus.connect(), timeout)
        try:
            await bus.publish(SUBJECT, event)
        finally:
            await bus.close()

    asyncio.run(_go())
    return event
