"""NATS is killed (SIGKILL) while events flow and restarted on the same store: nothing is lost or doubled."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import nats
import pytest
from support import RunningSuite, drop_schemas, move_in, start_suite

pytestmark = pytest.mark.e2e

EVENT_DATE = "2026-11-10"


def stream_count(url: str, stream: str, subjects: str) -> int:
    """The messages of `stream` on `subjects` (the stream also carries what others derive from them, e.g. the
    outbound feeds)."""

    async def _count() -> int:
        nc = await nats.connect(url)
        try:
            info = await nc.jetstream().stream_info(stream, subjects_filter=subjects)
            return sum((info.state.subjects or {}).values())
        finally:
            await nc.close()

    return asyncio.run(_count())


def test_every_outbox_event_arrives_exactly_once_across_a_nats_crash(tmp_path, nats_factory):
    server = nats_factory()
    port = server.port
    suite, schemas = start_suite(tmp_path / "suite", nats_url=server.url, households=0)
    running = RunningSuite(suite)
    try:
        households = [move_in(running, members=2, event_date=EVENT_DATE, seed=i) for i in range(12)]
        counter = running.headers("counter")

        accepted: list[str] = []
        failures: list[str] = []

        def clerk() -> None:
            for moved in households:
                body = {
                    "kind": "join",
                    "reason": "move_in",
                    "household_id": moved["household_id"],
                    "persons": [{"person_id": pid} for pid in moved["person_ids"]],
                    "event_date": EVENT_DATE,
                    "notified_on": EVENT_DATE,
                    "identity_check": {"document_kind": "driver_license", "checked_by": "clerk-02"},
                }
                response = running.http.post(
                    "/api/v1/notifications", json=body, headers={**counter, "Idempotency-Key": str(uuid.uuid4())}
                )
                if response.status_code == 201:
                    accepted.extend(p["person_id"] for p in response.json()["decision"]["persons"])
                else:
                    failures.append(response.text)
                time.sleep(0.15)

        worker = threading.Thread(target=clerk)
        worker.start()
        time.sleep(0.6)
        server.kill()
        time.sleep(1.5)
        server = nats_factory(port)
        worker.join(60)
        assert not failures, failures
        assert len(accepted) == 24

        backoffice = running.headers("backoffice")

        def all_recorded():
            response = running.http.get(
                "/api/v1/interchange/aggregation/pending", params={"page_size": 500}, headers=backoffice
            ).json()
            return response if int(response["total"]) >= len(accepted) else None

        pending = running.wait_for(all_recorded, timeout=60)
        assert int(pending["total"]) == len(accepted)
        assert sorted(r["person_id"] for r in pending["records"]) == sorted(accepted)
        assert len({r["event_id"] for r in pending["records"]}) == len(accepted)
        assert stream_count(server.url, "NHI_EVENTS", "nhi.v1.qualification.>") == len(accepted)
    finally:
        running.http.close()
        suite.stop()
        drop_schemas(schemas)
