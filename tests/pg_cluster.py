"""A PostgreSQL cluster of a test's own (initdb, pg_ctl): to restart it, archive its WAL and recover it, which the
shared server of the machine must not be put through."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest
import sqlalchemy as sa

from nhi_devtools.suite import free_port

BINARIES = pathlib.Path("/usr/lib/postgresql")


def server_program(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(BINARIES.glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None


def as_postgres(args: list[str], **kwargs) -> subprocess.CompletedProcess:
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
        as_postgres([server_program("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"])
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.root}'\n"
                "wal_level = replica\narchive_mode = on\n"
                f"archive_command = 'test ! -f {self.archive}/%f && cp %p {self.archive}/%f'\n"
                "fsync = off\n"  # a test cluster: speed over durability against a power cut
            )

    def start(self) -> None:
        as_postgres(
            [server_program("pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "start"]
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            as_postgres([server_program("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])

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
def cluster():
    if not (server_program("initdb") and server_program("pg_ctl") and server_program("pg_basebackup")):
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
