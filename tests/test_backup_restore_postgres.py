"""PostgreSQL point-in-time recovery of the suite's database, as docs/operations/backup.md describes it, on a
PostgreSQL cluster of the test's own (initdb, WAL archiving, pg_basebackup, recovery_target_time): the changes up to
the target instant are back, the one after it is not, and the suite serves from the recovered database."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import tempfile
import time

import pytest
import sqlalchemy as sa
from scenario_steps import joined
from support import BUSINESS_DATE, RunningSuite

from nhi_devtools.suite import SERVICES, Suite, free_port

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(600),
    pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="runs once, in the default pass"),
]

BINARIES = pathlib.Path("/usr/lib/postgresql")


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(BINARIES.glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None


def _as_postgres(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a server program as the postgres user when we are root (initdb and postgres refuse root)."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


class Cluster:
    def __init__(self, root: pathlib.Path) -> None:
        self.root = root
        self.data = root / "data"
        self.archive = root / "archive"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> None:
        self.archive.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.archive, "postgres")
        _as_postgres([_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"])
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.root}'\n"
                "wal_level = replica\narchive_mode = on\n"
                f"archive_command = 'test ! -f {self.archive}/%f && cp %p {self.archive}/%f'\n"
                "fsync = off\n"  # a test cluster: speed over durability against a power cut
            )

    def start(self) -> None:
        _as_postgres([_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "start"])

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            _as_postgres([_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def scalar(self, sql: str):
        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as conn:
                value = conn.execute(sa.text(sql)).scalar()
                conn.commit()
                return value
        finally:
            engine.dispose()


@pytest.fixture()
def cluster(tmp_path):
    if not (_bin("initdb") and _bin("pg_ctl") and _bin("pg_basebackup")):
        pytest.skip("PostgreSQL server programs (initdb, pg_ctl, pg_basebackup) are not installed")
    # Outside pytest's temporary directory: the postgres user must be able to reach it.
    root = pathlib.Path(tempfile.mkdtemp(prefix="nhi-pg-"))
    root.chmod(0o755)
    cluster = Cluster(root)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


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
        _as_postgres(
            [_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "-D", str(base)]
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
