"""svc-integration SIGKILLed in the middle of its whole-population inconsistency check, with real processes.

The job runs in a thread of the service, so it dies with it. What an operator must see: the job ends `failed`, saying it
was interrupted, once the restarted service finds its heartbeat silent (NHI_JOB_ABANDONED_SECONDS, 4 s here); the
interrupted check stored no finding; the check started again stores each finding once.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
import sqlalchemy as sa
from support import BIN, RunningSuite, drop_schemas, start_suite

from nhi_common import db

pytestmark = pytest.mark.timeout(600)

ABANDONED_SECONDS = 4
# Within a year of the business date: the persons insured now who turn 75 by then are insured at 75 or over on that
# day (LOSS-AGE75 not yet processed), which only the whole-population check finds.
CHECK_DATE = "2027-11-20"


@pytest.fixture()
def suite(tmp_path):
    env = {
        "NHI_JOB_ABANDONED_SECONDS": str(ABANDONED_SECONDS),
        # One person a page: one call to svc-qualification and one progress update each, so that the check is still
        # running when the test kills its process, however fast this machine is.
        "INTEGRATION_CHECK_PAGE": "1",
    }
    suite, schemas = start_suite(tmp_path, households=150, env=env, documents_workers=0)
    running = RunningSuite(suite)
    yield running
    running.http.close()
    suite.stop()
    drop_schemas(schemas)


def _engine(running: RunningSuite, prefix: str, name: str) -> sa.Engine:
    url = running.env.get(f"{prefix}_DATABASE_URL") or f"sqlite:///{running.suite.var / (name + '.db')}"
    return db.make_engine(url, schema=running.env.get(f"{prefix}_DATABASE_SCHEMA"))


def _findings(integration: sa.Engine) -> list[tuple[str, str, str, str | None]]:
    with integration.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                sa.text("SELECT person_id, kind, state, job_id FROM inconsistencies ORDER BY person_id, kind")
            )
        ]


def _start_check(running: RunningSuite) -> str:
    started = running.http.post(
        "/api/v1/jobs",
        json={"kind": "inconsistency_check", "parameters": {"date": CHECK_DATE}},
        headers=running.headers("batch"),
    )
    assert started.status_code == 202, started.text
    return started.json()["job_id"]


def _ended(running: RunningSuite, job_id: str, timeout: float) -> dict:
    """The job once it has ended; asked as a client would, again while svc-integration is starting (503)."""

    def ended() -> dict | None:
        answer = running.http.get(f"/api/v1/jobs/{job_id}", headers=running.headers("batch"))
        if answer.status_code == 503:
            return None
        assert answer.status_code == 200, answer.text
        job = answer.json()
        return job if job["state"] in ("succeeded", "failed") else None

    return running.wait_for(ended, timeout=timeout)


def test_a_check_whose_process_is_killed_ends_interrupted_stores_nothing_and_runs_again_once(suite):
    integration = _engine(suite, "INTEGRATION", "integration")
    qualification = _engine(suite, "QUALIFICATION", "qualification")
    with qualification.connect() as conn:
        persons = conn.execute(sa.text("SELECT count(*) FROM persons")).scalar_one()
    assert _findings(integration) == []

    killed = _start_check(suite)
    with integration.connect() as conn:

        def progress() -> tuple[str, int]:
            return tuple(
                conn.execute(
                    sa.text("SELECT state, done FROM integration_jobs WHERE job_id = :id"), {"id": killed}
                ).one()
            )

        deadline = time.monotonic() + 60
        while progress()[1] == 0:
            assert time.monotonic() < deadline, progress()
            conn.rollback()  # a fresh snapshot for the next look
            time.sleep(0.02)
        victim = suite.suite.processes["integration"]
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(10)
        conn.rollback()
        state, done_at_kill = progress()
    assert state == "running" and 0 < done_at_kill < persons, (state, done_at_kill, persons)

    suite.suite._spawn("integration", [str(BIN / "nhi-integration"), "serve"])
    restarted = time.monotonic()
    interrupted = _ended(suite, killed, timeout=60)
    assert interrupted["state"] == "failed"
    assert interrupted["error"].startswith("interrupted: the process running it stopped")
    assert f"no heartbeat for {ABANDONED_SECONDS} s" in interrupted["error"]
    assert interrupted["finished_at"] is not None and interrupted["done"] == done_at_kill
    # Found by the restarted service's sweeper, once the last beat is older than the span, not minutes later.
    assert time.monotonic() - restarted < 30
    assert _findings(integration) == []  # the interrupted check kept nothing

    again = _start_check(suite)
    finished = _ended(suite, again, timeout=300)
    assert finished["state"] == "succeeded", finished
    assert finished["done"] == finished["total"] == persons
    found = _findings(integration)
    assert found, "the demo municipality has insured persons who turn 75 by the check's date"
    assert {kind for _person, kind, _state, _job in found} >= {"insured_aged_75"}
    assert {job for *_rest, job in found} == {again}
    assert len({(person, kind) for person, kind, *_rest in found}) == len(found)

    print(
        "inconsistency check with a SIGKILL:",
        {"persons": persons, "done_at_kill": done_at_kill, "findings": len(found)},
    )
    # A third check finds the same and stores nothing twice.
    third = _ended(suite, _start_check(suite), timeout=300)
    assert third["state"] == "succeeded" and third["done"] == persons
    assert _findings(integration) == found
