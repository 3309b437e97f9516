"""The fault matrix: each process of the suite SIGKILLed in the middle of running flows, under the supervisor of
`make run`, which starts it again. Flows in every round: a resident change stream being consumed, clerks' joins
through the gateway (a client retrying with its Idempotency-Key, as a real one does), and a population job.
Afterwards every resident change is applied exactly once, every join is decided once, every event is delivered
(no consumer has anything pending) and processed once (the print queue and the aggregation link hold exactly one
entry per decision), and every job has finished.

A PostgreSQL restart in the middle of the same flows, on a cluster of the test's own: test_fault_postgres_restart.py.
"""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time

import pytest
import scenario_steps
from fault_steps import fault_round, wait_until
from support import BUSINESS_DATE, RunningSuite

from nhi_devtools.suite import Suite, free_port

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(900),
    pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="runs once, in the default pass"),
]

VICTIMS = ["nats-server", "qualification", "integration", "interchange", "documents", "documents-worker-1", "gateway"]
FIGURES: dict[str, dict] = {}


@pytest.fixture(scope="module")
def supervised(tmp_path_factory):
    # The clerks' households beside the stream's (nhi-sim's stream numbers its own H7…/7xxxxxxxx from 0).
    scenario_steps._ids = itertools.count(760000001)
    suite = Suite(
        var=tmp_path_factory.mktemp("fault-matrix"),
        gateway_port=free_port(),
        demo_households=40,
        documents_workers=1,
        supervise=True,
        extra_env={"NHI_BUSINESS_DATE": BUSINESS_DATE, "GRPC_DEADLINE_SECONDS": "20"},
    )
    suite.start(timeout=120)
    events: list[str] = []
    stop = threading.Event()

    def supervise() -> None:
        while not stop.is_set():
            suite.supervise_once(events.append)
            time.sleep(0.3)

    supervisor = threading.Thread(target=supervise, daemon=True)
    supervisor.start()
    running = RunningSuite(suite)
    yield suite, running, events
    stop.set()
    supervisor.join(5)
    running.http.close()
    suite.stop()
    for victim, figures in FIGURES.items():
        print(f"fault matrix: {victim}: {figures}")


def _pid(suite: Suite, victim: str) -> int:
    if victim == "nats-server":
        return suite.nats.process.pid
    return suite.processes[victim].pid


@pytest.mark.parametrize("victim", VICTIMS)
def test_a_sigkill_in_the_middle_loses_and_duplicates_nothing(supervised, victim):
    suite, running, supervisor_log = supervised

    def kill() -> None:
        victim_pid = _pid(suite, victim)
        os.kill(victim_pid, signal.SIGKILL)
        wait_until(lambda: _pid(suite, victim) != victim_pid, 60, f"{victim} started again by the supervisor")

    FIGURES[victim] = fault_round(suite, running, VICTIMS.index(victim) + 1, kill)
    assert any(victim in line for line in supervisor_log)
