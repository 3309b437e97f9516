"""PostgreSQL restarted in the middle of running flows (a resident change stream, clerks' joins, a population job):
every service comes back to its database on its own, and nothing is lost or done twice. On a PostgreSQL cluster of
the test's own (the machine's shared server is not restarted)."""

from __future__ import annotations

import itertools
import os

import pytest
import scenario_steps
from fault_steps import fault_round
from pg_cluster import as_postgres, cluster, server_program  # noqa: F401 - the fixture
from support import BUSINESS_DATE, RunningSuite

from nhi_devtools.suite import SERVICES, Suite, free_port

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(600),
    pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="runs once, in the default pass"),
]


def test_a_postgresql_restart_in_the_middle_loses_and_duplicates_nothing(tmp_path, cluster):
    scenario_steps._ids = itertools.count(770000001)
    env = {"NHI_BUSINESS_DATE": BUSINESS_DATE, "GRPC_DEADLINE_SECONDS": "20"}
    for name, _script, prefix in SERVICES:
        env[f"{prefix}_DATABASE_URL"] = cluster.url
        env[f"{prefix}_DATABASE_SCHEMA"] = name
    suite = Suite(var=tmp_path, gateway_port=free_port(), demo_households=40, documents_workers=1, extra_env=env)
    suite.start(timeout=120)
    running = RunningSuite(suite)

    def restart() -> None:
        # -l: the new postmaster writes to its log, not to our pipes (which would keep this call waiting)
        log = str(cluster.root / "server.log")
        as_postgres([server_program("pg_ctl"), "-D", str(cluster.data), "-l", log, "-m", "fast", "-w", "restart"])

    try:
        figures = fault_round(suite, running, 9, restart)
        suite.check_alive()  # no service died of it: each one reconnected
    finally:
        running.http.close()
        suite.stop()
    print("PostgreSQL restart:", figures)
