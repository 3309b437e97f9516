"""Streams of resident changes as the registry sends them on a normal day or in the March-April peak.

Each change carries the person's sequence number, so the consumer can keep per-person order. Ids lie in ranges
the demo municipality and single simulated changes never use (households H7…, persons 7xxxxxxxx).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from nhi_common.bus import Bus
from nhi_common.events import Event

from . import resident

# Share of each 異動事由 among a day's changes. A normal day: moves in, within and out, births, deaths, name and
# household changes, a few foreign residents' period renewals. The March-April peak (school and work years): moves in
# and out are three quarters of the changes, and 転出予定 (a notice before leaving) comes with them.
PROFILES = {
    "normal": {
        "move_in": 0.28,
        "move_within": 0.20,
        "move_out_planned": 0.04,
        "move_out": 0.20,
        "birth": 0.07,
        "death": 0.08,
        "name_change": 0.06,
        "household_change": 0.04,
        "residence_period_change": 0.03,
    },
    "peak": {
        "move_in": 0.44,
        "move_within": 0.08,
        "move_out_planned": 0.06,
        "move_out": 0.35,
        "birth": 0.03,
        "death": 0.02,
        "name_change": 0.01,
        "household_change": 0.01,
    },
}
LEAVING = {"move_out", "death"}


def generate(count: int, *, profile: str, event_date: dt.date, seed: int = 1) -> Iterator[dict[str, Any]]:
    """`count` changes of one person each: a person's first change is a 転入 (or their 出生 into a household of the
    stream); later ones follow the profile, in sequence order; nobody changes after a 転出 or 死亡."""
    rng = random.Random(seed)
    weights = PROFILES[profile]
    kinds, shares = list(weights), list(weights.values())
    people: list[dict[str, Any]] = []  # persons still resident, with their household and last sequence
    for index in range(count):
        kind = rng.choices(kinds, shares)[0] if people else "move_in"
        parent = _parent(rng, people) if kind == "birth" else None
        if kind == "birth" and parent is None:
            kind = "move_in"
        if kind == "move_in":
            household = resident.move_in_household(rng, members=1, event_date=event_date)
            person = household["members"][0]
            person["person_id"] = f"7{index:08d}"
            household.update(household_id=f"H7{index:07d}", head_person_id=person["person_id"])
            entry = {"household": household, "sequence": 0}
            people.append(entry)
        elif kind == "birth":
            baby = resident.newborn(rng, parent, event_date)
            baby["person_id"] = f"7{index:08d}"
            entry = {"household": {**parent, "members": [baby]}, "sequence": 0}
            people.append(entry)
        else:
            entry = people.pop(rng.randrange(len(people))) if kind in LEAVING else rng.choice(people)
        household = entry["household"]
        entry["sequence"] += 1
        data = resident.change(kind, household, household["members"], event_date=event_date, notified_on=event_date)
        data["change_id"] = f"S{seed}-{index:08d}"
        data["persons"][0]["sequence"] = entry["sequence"]
        yield data


def _parent(rng: random.Random, people: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The household of a head of household still resident (a few draws, so a long stream stays linear)."""
    for _ in range(8):
        household = rng.choice(people)["household"]
        if household["members"][0]["person_id"] == household["head_person_id"]:
            return household
    return None


def publish_all(nats_url: str, changes: Iterator[dict[str, Any]], *, batch: int = 500) -> int:
    """Publish every change on resident.v1.changes, `batch` acknowledgements awaited together; the count."""

    async def _go() -> int:
        bus = Bus(nats_url, "nhi-sim-stream")
        await bus.connect()
        sent = 0
        try:
            pending = []
            for data in changes:
                event = Event.new(
                    source=resident.source_of("midori"),
                    type=resident.EVENT_TYPE,
                    subject=data["household_id"],
                    data=data,
                )
                pending.append(bus.publish(resident.SUBJECT, event, timeout=30))
                if len(pending) >= batch:
                    await asyncio.gather(*pending)
                    sent += len(pending)
                    pending = []
            await asyncio.gather(*pending)
            return sent + len(pending)
        finally:
            await bus.close()

    return asyncio.run(_go())
