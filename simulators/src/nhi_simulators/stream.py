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

# Share of each 異動事由 among the changes of a day: the peak is moves in and out (school and work years).
PROFILES = {
    "normal": {"move_in": 0.35, "move_within": 0.25, "name_change": 0.15, "move_out": 0.25},
    "peak": {"move_in": 0.5, "move_within": 0.1, "name_change": 0.05, "move_out": 0.35},
}


def generate(count: int, *, profile: str, event_date: dt.date, seed: int = 1) -> Iterator[dict[str, Any]]:
    """`count` changes: a person's first change is a 転入; later ones follow the profile, in sequence order."""
    rng = random.Random(seed)
    weights = PROFILES[profile]
    kinds, shares = list(weights), list(weights.values())
    people: list[dict[str, Any]] = []  # households with a person still resident, and the person's last sequence
    for index in range(count):
        kind = rng.choices(kinds, shares)[0] if people else "move_in"
        if kind == "move_in":
            household = resident.move_in_household(rng, members=1, event_date=event_date)
            person = household["members"][0]
            person["person_id"] = f"7{index:08d}"
            household.update(household_id=f"H7{index:07d}", head_person_id=person["person_id"])
            entry = {"household": household, "sequence": 0}
            people.append(entry)
        else:
            entry = people.pop(rng.randrange(len(people))) if kind == "move_out" else rng.choice(people)
        household = entry["household"]
        entry["sequence"] += 1
        data = resident.change(kind, household, household["members"], event_date=event_date, notified_on=event_date)
        data["change_id"] = f"S{seed}-{index:08d}"
        data["persons"][0]["sequence"] = entry["sequence"]
        yield data


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
