"""One round of the fault tests: flows running (a resident change stream being consumed, clerks' joins through the
gateway with a client that retries with its Idempotency-Key, a population job), a fault injected in the middle, and
the checks that nothing was lost or done twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable

import httpx
import nats
import sqlalchemy as sa
from nats.js.errors import NotFoundError
from scenario_steps import household_of
from support import RunningSuite

from nhi_common import db
from nhi_devtools.suite import Suite
from nhi_simulators import stream

STREAM_CHANGES = 120  # resident changes per round
JOINS = 6  # clerks' joins per round


def _engine(suite: Suite, name: str) -> sa.Engine:
    prefix = name.upper()
    url = suite.env.get(f"{prefix}_DATABASE_URL") or f"sqlite:///{suite.var / (name + '.db')}"
    return db.make_engine(url, schema=suite.env.get(f"{prefix}_DATABASE_SCHEMA"))


def _count(engine: sa.Engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


def wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except (httpx.HTTPError, sa.exc.OperationalError):
            value = None
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


def _call(running: RunningSuite, method: str, path: str, **kwargs) -> httpx.Response:
    """A client that retries what did not get an answer (gateway down, 502-504) with the same request, key included."""
    deadline = time.monotonic() + 120
    while True:
        try:
            response = running.http.request(method, path, **kwargs)
            if response.status_code not in (502, 503, 504):
                return response
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{method} {path} got no answer within 120 s"
        time.sleep(1)


def _joins(running: RunningSuite, households: list[dict], results: list) -> None:
    for house in households:
        body = {
            "kind": "join",
            "reason": "move_in",
            "household_id": house["household_id"],
            "persons": [{"person_id": house["person_ids"][0]}],
            "event_date": "2026-10-01",
            "notified_on": "2026-10-01",
            "identity_check": {"document_kind": "my_number_card", "checked_by": "clerk-07"},
        }
        headers = running.headers("counter", **{"Idempotency-Key": str(uuid.uuid4())})
        response = _call(running, "POST", "/api/v1/notifications", json=body, headers=headers)
        results.append(response.status_code if response.status_code == 201 else (response.status_code, response.text))


def _pending(url: str) -> dict[str, tuple[int, int]] | None:
    """(pending, waiting for their ack) of every consumer; None while a stream is not there (yet): a nats-server just
    started again answers 'stream not found' until it has read its streams back from disk."""

    async def read():
        connection = await nats.connect(url)
        stream = connection.jetstream()
        found = {}
        try:
            for name in ("NHI_EVENTS", "RESIDENT", "NHI_JOBS"):
                for consumer in await stream.consumers_info(name):
                    found[consumer.name] = (consumer.num_pending, consumer.num_ack_pending)
        except NotFoundError:
            return None
        finally:
            await connection.close()
        return found

    return asyncio.run(read())


def _all_delivered(url: str) -> bool:
    pending = _pending(url)
    return pending is not None and all(p == (0, 0) for p in pending.values())


def _renumber(value, round_no: int):
    """nhi-sim's stream numbers its persons 7xxxxxxxx and households H7xxxxxxx from 0 on every run: each round gets
    its own range (5r…, H5r…), so that no round's changes land on another's people."""
    if isinstance(value, dict):
        return {k: _renumber(v, round_no) for k, v in value.items()}
    if isinstance(value, list):
        return [_renumber(v, round_no) for v in value]
    if isinstance(value, str) and len(value) == 9 and value.startswith("7") and value.isdigit():
        return f"5{round_no}{value[2:]}"
    if isinstance(value, str) and len(value) == 9 and value.startswith("H7") and value[2:].isdigit():
        return f"H5{round_no}{value[3:]}"
    if isinstance(value, str) and value.startswith("S") and "-" in value:  # change ids
        return f"R{round_no}{value}"
    return value


def fault_round(suite: Suite, running: RunningSuite, round_no: int, inject: Callable[[], None]) -> dict:
    """Run the flows, call `inject` in their middle (it returns once the fault is over: the process is back), check
    exactly-once everywhere; the figures of the round."""
    integration, qualification = _engine(suite, "integration"), _engine(suite, "qualification")
    received_before = _count(integration, "SELECT count(*) FROM received_changes")
    households = [household_of(running, [{"birth_date": "1985-04-02"}]) for _ in range(JOINS)]
    joined_people = [h["person_ids"][0] for h in households]
    received_before += JOINS  # household_of publishes one change each

    started = time.monotonic()
    published = stream.publish_all(
        suite.env["NATS_URL"],
        (
            _renumber(change, round_no)
            for change in stream.generate(
                STREAM_CHANGES, profile="peak", event_date=dt.date(2026, 4, 1), seed=round_no + 10
            )
        ),
    )
    assert published == STREAM_CHANGES
    job = _call(
        running,
        "POST",
        "/api/v1/jobs",
        json={"kind": "age75_loss", "parameters": {"month": "2026-12"}},
        headers=running.headers("batch", **{"Idempotency-Key": str(uuid.uuid4())}),
    )
    assert job.status_code == 202, job.text
    statuses: list[int] = []
    clerk = threading.Thread(target=_joins, args=(running, households, statuses))
    clerk.start()

    # The fault: in the middle of the stream, the joins and the job.
    wait_until(
        lambda: _count(integration, "SELECT count(*) FROM received_changes") >= received_before + STREAM_CHANGES // 4,
        60,
        "a quarter of the stream applied",
    )
    injected_at = time.monotonic()
    inject()
    recovered_after = time.monotonic() - injected_at

    clerk.join(180)
    assert not clerk.is_alive()
    assert statuses == [201] * JOINS, statuses

    # Every resident change applied exactly once.
    total = received_before + STREAM_CHANGES
    wait_until(
        lambda: _count(integration, "SELECT count(*) FROM received_changes") >= total,
        180,
        "the whole stream applied",
    )
    job_id = job.json()["job_id"]
    finished = wait_until(
        lambda: (
            (j := _call(running, "GET", f"/api/v1/jobs/{job_id}", headers=running.headers("batch")).json())["state"]
            in ("succeeded", "failed")
            and j
        ),
        180,
        "the job finished",
    )
    assert finished["state"] == "succeeded", finished
    wait_until(lambda: _all_delivered(suite.env["NATS_URL"]), 120, "every event delivered")
    settled = time.monotonic() - started
    time.sleep(2)  # anything redelivered late would show now

    assert _count(integration, "SELECT count(*) FROM received_changes") == total
    assert _count(integration, "SELECT count(DISTINCT change_id) FROM received_changes") == total
    assert _count(qualification, "SELECT count(*) FROM inbox WHERE consumer = 'resident-changes'") == total
    # Every join decided once, every decision heard once downstream.
    counter = running.headers("counter")
    backoffice = running.headers("backoffice")
    for person_id in joined_people:
        periods = _call(running, "GET", f"/api/v1/persons/{person_id}/history", headers=counter).json()
        assert len([v for v in periods["versions"] if not v["void"]]) == 1, periods
        queue = wait_until(
            lambda p=person_id: _call(
                running, "GET", "/api/v1/print-queue", params={"person_id": p}, headers=counter
            ).json()["items"],
            60,
            "the join on the print queue",
        )
        assert len([i for i in queue if i["kind"] == "eligibility_certificate"]) == 1, queue
        pending = _call(
            running,
            "GET",
            "/api/v1/interchange/aggregation/pending",
            params={"person_id": person_id},
            headers=backoffice,
        ).json()
        assert len(pending["records"]) == 1, pending
    return {
        "recovered_after_s": round(recovered_after, 1),
        "settled_s": round(settled, 1),
        "resident_changes": STREAM_CHANGES,
        "joins": JOINS,
        "lost": 0,
        "duplicated": 0,
    }
