"""Per-person order of resident changes: each person's changes carry the registry's sequence number.

Policy (docs/feeds/resident.md): a change whose sequence, for any of its persons, is not above the last one
applied for that person is stale and dropped (a later state is already recorded); a change that skips a number
waits for the missing one, and is applied anyway once it has waited the configured time (the registry may have
sent the missing change to nobody, or it may lie in the dead letters). A person never seen before counts from 0: their
first change is expected to be number 1 (a later one waits too, as it may have overtaken number 1 after a crash).
"""

from __future__ import annotations

import dataclasses
import enum
from typing import TypeVar

T = TypeVar("T")


class Order(enum.Enum):
    IN_ORDER = "in_order"
    STALE = "stale"
    GAP = "gap"


@dataclasses.dataclass(frozen=True)
class OrderCheck:
    verdict: Order
    person_id: str = ""  # the person whose sequence decided a stale or gapped verdict
    expected: int = 0
    got: int = 0


def check_order(sequences: dict[str, int], last_applied: dict[str, int]) -> OrderCheck:
    """Where a change with `sequences` (person -> number) stands after `last_applied` (person -> number)."""
    gap = None
    for person_id, number in sorted(sequences.items()):
        last = last_applied.get(person_id, 0)
        if number <= last:
            return OrderCheck(Order.STALE, person_id, last + 1, number)
        if number > last + 1 and gap is None:
            gap = OrderCheck(Order.GAP, person_id, last + 1, number)
    return gap or OrderCheck(Order.IN_ORDER)


def in_sequence_order(items: list[T]) -> list[T]:
    """The changes of a file (anything with a `.change`) in an order that keeps each person's sequence numbers rising:
    file order, except that a change waits behind a change of the same person with a lower number later in the file.
    Changes without sequences keep their place; a file already in order keeps its order."""
    numbers: dict[str, list[int]] = {}
    for item in items:
        for person_id, number in item.change.sequences.items():
            numbers.setdefault(person_id, []).append(number)
    for values in numbers.values():
        values.sort()
    taken = dict.fromkeys(numbers, 0)

    def ready(item) -> bool:
        return all(numbers[p][taken[p]] == n for p, n in item.change.sequences.items())

    def take(item) -> None:
        for person_id in item.change.sequences:
            taken[person_id] += 1
        ordered.append(item)

    ordered: list[T] = []
    waiting: list[T] = []
    for item in items:
        if not ready(item):
            waiting.append(item)
            continue
        take(item)
        progress = bool(waiting)
        while progress:
            progress = False
            for held in list(waiting):
                if ready(held):
                    waiting.remove(held)
                    take(held)
                    progress = True
    return ordered + waiting  # what is left holds two changes each behind the other: file order
