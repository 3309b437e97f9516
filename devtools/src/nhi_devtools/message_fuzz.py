"""A seeded mutation fuzz of the messages a consumer takes: a valid CloudEvent's body with one field (at any depth)
given a hostile value (another type, a huge or control-character string, a number past every column, a date that
does not exist, a name where a code belongs), taken away, or joined by an extra one; and a check that the consumer
handled each message once (acked or terminated, never delivered again) and logged none of the personal data.

MESSAGE_FUZZ_CASES (default 30 a consumer) and MESSAGE_FUZZ_SEED choose how many mutations and which.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import random
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import nats

from nhi_common.bus import BatchConsumer

from .testing import eventually

CASES = int(os.environ.get("MESSAGE_FUZZ_CASES", "30"))
SEED = int(os.environ.get("MESSAGE_FUZZ_SEED", "20261207"))

# A name, an address and a My Number: none of them may reach a log line, wherever a mutation puts them.
PERSONAL = ("髙橋　太郎", "みどり市若葉町2丁目3番5号", "123456789018")
_DIGITS = "9" * 5000
_SENTINEL = "\ue000five-thousand-digits\ue000"

HOSTILE: tuple[tuple[str, Any], ...] = (
    ("a number", 12345),
    ("a fraction", 1.5),
    ("a list", ["x", 1]),
    ("an object", {"k": "v"}),
    ("null", None),
    ("true", True),
    ("an empty string", ""),
    ("10,000 characters", "あ" * 10_000),
    ("a NUL", "2026\x00-01"),
    ("control characters", "a\x1b[31m\r\nb"),
    ("a lone surrogate", "a\ud800b"),
    ("a 5,000-digit number", _SENTINEL),
    ("-1", -1),
    ("2^63", 2**63),
    ("-2^63-1", -(2**63) - 1),
    ("2026-02-30", "2026-02-30"),
    ("a name", PERSONAL[0]),
    ("an address", PERSONAL[1]),
    ("a My Number", PERSONAL[2]),
)


@dataclasses.dataclass(frozen=True)
class Mutation:
    label: str
    body: bytes


def _paths(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every place in a JSON value (but the root): keys of objects and indexes of lists, at any depth."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, child in items:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


def encode(data: Any) -> bytes:
    """A message body of `data`, a 5,000-digit number where a mutation put one."""
    text = json.dumps(data)  # escaped: a lone surrogate is legal JSON, though no UTF-8
    return text.replace(json.dumps(_SENTINEL), _DIGITS).encode()


def mutations(valid: dict[str, Any], rng: random.Random, count: int = CASES) -> list[Mutation]:
    """`count` mutations of `valid`, each changing one place: another value, the place removed, or an extra field."""
    paths = list(_paths(valid))
    found = []
    for _ in range(count):
        data = json.loads(json.dumps(valid))
        path = rng.choice(paths)
        *parents, last = path
        holder = data
        for key in parents:
            holder = holder[key]
        choice = rng.random()
        name = ".".join(str(p) for p in path)
        if choice < 0.1 and isinstance(holder, dict):
            del holder[last]
            label = f"{name} missing"
        elif choice < 0.15 and isinstance(holder, dict):
            holder[f"extra_{rng.randrange(100)}"] = rng.choice(HOSTILE)[1]
            label = f"an extra field beside {name}"
        else:
            what, value = rng.choice(HOSTILE)
            holder[last] = value
            label = f"{name} = {what}"
        found.append(Mutation(label, encode(data)))
    return found


def publish(url: str, messages: list[tuple[str, dict[str, str], bytes]]) -> None:
    """Publish (subject, headers, body) to JetStream in order, each with a Nats-Msg-Id of its own."""

    async def _go() -> None:
        nc = await nats.connect(url)
        try:
            js = nc.jetstream()
            for subject, headers, body in messages:
                await js.publish(subject, body, headers={**headers, "Nats-Msg-Id": str(uuid.uuid4())})
        finally:
            await nc.close()

    asyncio.run(_go())


def headers(*, type: str, source: str = "urn:fuzz", subject: str = "", event_id: str | None = None) -> dict[str, str]:
    return {
        "ce-specversion": "1.0",
        "ce-id": event_id or str(uuid.uuid4()),
        "ce-source": source,
        "ce-type": type,
        "ce-subject": subject,
        "ce-time": "2026-12-07T00:00:00+00:00",
        "content-type": "application/json",
    }


class Deliveries:
    """Counts each event id the consumer's handler is given: an id given twice was delivered again (or its batch,
    failing as a whole, was taken apart: what the handler should have refused up front)."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def watch(self, consumer) -> None:
        if isinstance(consumer, BatchConsumer):
            inner = consumer.handle_batch

            def handle_batch(events):
                for event in events:
                    self.seen[event.id] = self.seen.get(event.id, 0) + 1
                return inner(events)

            consumer.handle_batch = handle_batch
            return
        inner_one = consumer.handler

        def handler(event, message_headers):
            self.seen[event.id] = self.seen.get(event.id, 0) + 1
            return inner_one(event, message_headers)

        consumer.handler = handler

    def again(self) -> list[str]:
        return sorted(i for i, n in self.seen.items() if n > 1)


def consumer_drained(url: str, stream: str, durable: str) -> bool:
    """Nothing left to deliver or waiting for its ack."""

    async def _go() -> bool:
        nc = await nats.connect(url)
        try:
            info = await nc.jetstream().consumer_info(stream, durable)
            return info.num_pending == 0 and info.num_ack_pending == 0
        finally:
            await nc.close()

    return asyncio.run(_go())


def check(
    *,
    url: str,
    stream: str,
    durable: str,
    deliveries: Deliveries,
    cases: dict[str, str],
    done: Callable[[], object],
    records: list[logging.LogRecord],
    settle: float = 1.2,
) -> None:
    """The valid messages' effect reached (`done`), the consumer drained, no event delivered twice (`cases`: event id
    -> the mutation it carries), no personal data in any log line."""
    eventually(done, timeout=30, what="the valid messages processed")
    try:
        eventually(lambda: consumer_drained(url, stream, durable), timeout=20, what=f"consumer {durable} drained")
        time.sleep(settle)  # a message put back for later would come again within this
    except AssertionError:
        pass  # told below by which messages came again
    again = deliveries.again()
    assert not again, "delivered again: " + "; ".join(cases.get(i, i) for i in again)
    # Dead-lettered as unprocessable: the consumer's safety net caught what its handler should have refused, naming
    # the field (a TypeError or a DataError from deep inside says nothing a clerk can act on).
    caught = [
        cases.get(i, i) for r in records for i in cases if "unprocessable" in r.getMessage() and i in r.getMessage()
    ]
    assert not caught, "refused only by the consumer's safety net: " + "; ".join(sorted(set(caught)))
    leaks = []
    for record in records:
        text = record.getMessage() + (logging.Formatter().formatException(record.exc_info) if record.exc_info else "")
        leaks += [f"{record.name}: {text[:300]}" for marker in PERSONAL if marker in text]
    assert not leaks, "personal data in the log:\n" + "\n".join(leaks)
