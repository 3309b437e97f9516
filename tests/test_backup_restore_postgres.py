"""PostgreSQL point-in-time recovery of the suite's database, as docs/operations/backup.md describes it, on a
PostgreSQL cluster of the test's own (initdb, WAL archiving, pg_basebackup, recovery_target_time): the changes up to
the target instant are back, the one after it is not, and the suite serves from the recovered database."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import time

import pytest
from pg_cluster import Cluster, as_postgres, cluster, server_program  # noqa: F401 - the fixture
from scenario_steps import joined
from support import BUSINESS_DATE, RunningSuite

from nhi_devtools.suite import SERVICES, Suite, free_port

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(600),
    pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="runs once, in the default pass"),
]


def _suite(var: pathlib.Path, cluster: Cluster) -> tuple[Suite, RunningSuite]:
    env = {"NHI_BUSINESS_DATE": BUSINESS_DATE}
    for name, _script, prefix in SERVICES:
        env[f"{prefix}_DATABASE_URL"] = cluster.url
        env[f"{prefix}_DATABASE_SCHEMA"] = name
    suite = Suite(var=var, gateway_port=free_port(), demo_households=0, documents_workers=0, extra_env=env)
    suite.start(timeout=120)
    return suite, RunningSuite(suite)


def _insured(running: RunningSuite, person_id: str) -> int:
    return running.http.get(
        f"/api/v1/persons/{person_id}/qualification", headers=running.headers("counter")
    ).status_code


def test_point_in_time_recovery_brings_back_the_changes_up_to_the_instant_and_not_after(tmp_path, cluster):
    var = tmp_path / "var"
    suite, running = _suite(var, cluster)
    try:
        before_base = joined(running)["person_ids"][0]
        base = cluster.root / "base"
        started = time.monotonic()
        as_postgres(
            [
                server_program("pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(cluster.port),
                "-U",
                "postgres",
                "-D",
                str(base),
            ]
            + ["-X", "stream", "-c", "fast"],
            cwd="/",
        )
        base_seconds = time.monotonic() - started
        after_base = joined(running)["person_ids"][0]
        time.sleep(1)
        target = cluster.scalar("SELECT now()::text")
        time.sleep(1)
        after_target = joined(running)["person_ids"][0]
        assert all(_insured(running, p) == 200 for p in (before_base, after_base, after_target))
        cluster.scalar("SELECT pg_switch_wal()::text")
        last = cluster.scalar("SELECT pg_walfile_name(pg_current_wal_lsn())")
        deadline = time.monotonic() + 60
        while (cluster.scalar("SELECT last_archived_wal FROM pg_stat_archiver") or "") < last:
            assert time.monotonic() < deadline, "the WAL was not archived"
            cluster.scalar("SELECT pg_switch_wal()::text")
            time.sleep(0.5)
    finally:
        running.http.close()
        suite.stop()

    # The database server is lost; the base backup and the WAL archive are what is left.
    cluster.stop()
    shutil.rmtree(cluster.data)
    shutil.copytree(base, cluster.data)
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres", str(cluster.data)], check=True)
    (cluster.data).chmod(0o700)
    with (cluster.data / "postgresql.auto.conf").open("a") as conf:
        conf.write(
            f"restore_command = 'cp {cluster.archive}/%f %p'\n"
            f"recovery_target_time = '{target}'\nrecovery_target_action = 'promote'\n"
        )
    (cluster.data / "recovery.signal").touch()
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres", str(cluster.data)], check=True)
    started = time.monotonic()
    cluster.start()
    deadline = time.monotonic() + 60
    while cluster.scalar("SELECT pg_is_in_recovery()"):
        assert time.monotonic() < deadline, "recovery did not finish"
        time.sleep(0.3)
    recovery_seconds = time.monotonic() - started
    print(f"PITR: base backup {base_seconds:.1f} s, recovery to {target} {recovery_seconds:.1f} s")

    suite, running = _suite(var, cluster)
    try:
        assert _insured(running, before_base) == 200
        assert _insured(running, after_base) == 200  # replayed from the archived WAL
        assert _insured(running, after_target) == 404  # after the target instant: not recovered
        assert joined(running)["person_ids"]  # and the recovered suite takes new changes
    finally:
        running.http.close()
        suite.stop()
