"""Dead letters against a real nats-server: given up with the subject they came from, listed without their data,
replayed to that subject once the cause is fixed, through the `nhi-dead-letters` command."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import threading
import time

from nhi_common.bus import Bus, PullConsumer
from nhi_common.events import Event
from nhi_devtools.testing import eventually

BIN = pathlib.Path(sys.executable).parent
SUBJECT = "nhi.v1.qualification.acquired"


def _command(bus: Bus, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NATS_URL": bus.url, "LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [str(BIN / "nhi-dead-letters"), *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def _lines(result: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_a_message_given_up_is_listed_without_its_data_and_replayed_to_its_consumer_once_fixed(bus):
    runtime, bus = bus
    broken = threading.Event()
    broken.set()
    taken: list[str] = []
    lock = threading.Lock()

    def handler(event: Event, _headers) -> None:
        if broken.is_set() and event.data["n"] == 2:
            raise RuntimeError("the database is away")
        with lock:
            if event.id not in taken:  # a consumer takes an event once by its id, as every consumer here does
                taken.append(event.id)

    consumer = PullConsumer(bus, stream="NHI_EVENTS", durable="test-ledger", subject=SUBJECT, handler=handler)
    consumer.max_deliver = 1
    runtime.submit(consumer.run())
    events = [
        Event.new(source="urn:test", type="jp.nhi.qualification.acquired.v1", subject=f"p{n}", data={"n": n})
        for n in (1, 2, 3)
    ]
    events[1] = Event(**{**events[1].__dict__, "data": {"n": 2, "name": "山田太郎", "my_number": "123456789018"}})
    for event in events:
        runtime.call(bus.publish(SUBJECT, event))
    eventually(lambda: len(taken) == 2)

    result = _command(bus, "list")
    assert result.returncode == 0, result.stderr
    eventually(lambda: len(_lines(_command(bus, "list"))) == 1)
    [dead] = _lines(_command(bus, "list", "--consumer", "test-ledger"))
    assert dead["consumer"] == "test-ledger" and dead["id"] == events[1].id and dead["from_subject"] == SUBJECT
    assert dead["type"] == "jp.nhi.qualification.acquired.v1" and dead["subject"] == "p2"
    assert dead["reason"].startswith("failed 1 times; last: RuntimeError") and dead["given_up_at"]
    listing = _command(bus, "list").stdout
    assert "山田" not in listing and "123456789018" not in listing  # the data never leaves NHI_DEAD by a listing
    assert _lines(_command(bus, "list", "--consumer", "someone-else")) == []

    refused = _command(bus, "replay", "--seq", "999")
    assert refused.returncode == 1 and _lines(refused)[0]["error"] == "no dead letter with this number"
    assert _command(bus, "replay").returncode == 2  # names nothing to replay

    broken.clear()  # the cause fixed
    replayed = _command(bus, "replay", "--consumer", "test-ledger", "--all")
    assert replayed.returncode == 0, replayed.stderr
    [outcome] = _lines(replayed)
    assert outcome["replayed"] is True and outcome["seq"] == dead["seq"] and outcome["error"] is None
    eventually(lambda: len(taken) == 3)
    assert taken == [events[0].id, events[2].id, events[1].id]
    assert _lines(_command(bus, "list")) == []  # no longer a dead letter
    time.sleep(0.5)
    consumer.stop()
    assert len(taken) == 3


def test_a_replay_that_fails_again_is_a_dead_letter_again_and_nats_away_is_a_clear_error(bus):
    runtime, bus = bus

    def handler(event: Event, _headers) -> None:
        raise RuntimeError("still failing")

    consumer = PullConsumer(bus, stream="NHI_EVENTS", durable="test-broken", subject=SUBJECT, handler=handler)
    consumer.max_deliver = 1
    runtime.submit(consumer.run())
    event = Event.new(source="urn:test", type="jp.nhi.qualification.acquired.v1", subject="p", data={"n": 1})
    runtime.call(bus.publish(SUBJECT, event))
    eventually(lambda: len(_lines(_command(bus, "list"))) == 1)
    [first] = _lines(_command(bus, "list"))
    assert _lines(_command(bus, "replay", "--seq", str(first["seq"])))[0]["replayed"] is True

    def given_up_again():
        listed = _lines(_command(bus, "list"))
        return listed if listed and listed[0]["seq"] != first["seq"] else None

    eventually(given_up_again)
    [second] = _lines(_command(bus, "list"))
    assert second["id"] == event.id and second["from_subject"] == SUBJECT
    consumer.stop()

    env = {**os.environ, "NATS_URL": "nats://127.0.0.1:1", "LOG_LEVEL": "ERROR"}
    away = subprocess.run(
        [str(BIN / "nhi-dead-letters"), "list"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert away.returncode == 2 and "NATS not reachable" in away.stderr
