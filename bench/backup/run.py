"""Backup and point-in-time recovery of 1,000,000 insured on PostgreSQL (not part of `make test`).

On a PostgreSQL cluster of its own (tests/pg_cluster.py: initdb, WAL archiving): the qualification bench's synthetic
city is loaded (bench/qualification/run.py load), then `pg_basebackup` is timed, a change is made after a noted instant,
the cluster is destroyed and recovered to that instant from the base backup and the WAL archive (timed), and the rows
are counted again.

    .venv/bin/python bench/backup/run.py --persons 1000000 --households 600000
"""

from __future__ import annotations

import argparse
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from pg_cluster import Cluster, as_postgres, server_program  # noqa: E402

SCHEMA = "bench_backup"


def main() -> None:
    from nhi_devtools.suite import exit_on_sigterm

    exit_on_sigterm()  # a killed run still stops what it started and drops what it created
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--households", type=int, default=600_000)
    args = parser.parse_args()
    root = pathlib.Path(tempfile.mkdtemp(prefix="nhi-pg-bench-"))
    root.chmod(0o755)
    cluster = Cluster(root)
    cluster.init()
    cluster.start()
    try:
        started = time.monotonic()
        subprocess.run(
            [sys.executable, str(ROOT / "bench/qualification/run.py"), "--database-url", cluster.url]
            + ["--persons", str(args.persons), "--households", str(args.households), "--schema", SCHEMA, "load"],
            check=True,
        )
        print(f"loaded in {time.monotonic() - started:.1f} s")
        persons = cluster.scalar(f"SELECT count(*) FROM {SCHEMA}.persons")
        size = cluster.scalar("SELECT pg_size_pretty(pg_database_size('postgres'))")
        base = root / "base"
        started = time.monotonic()
        as_postgres(
            [server_program("pg_basebackup"), "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres"]
            + ["-D", str(base), "-X", "stream", "-c", "fast"],
            cwd="/",
        )
        backup_s = time.monotonic() - started
        time.sleep(1)
        target = cluster.scalar("SELECT now()::text")
        time.sleep(1)
        cluster.scalar(
            f"DELETE FROM {SCHEMA}.persons WHERE person_id IN (SELECT person_id FROM {SCHEMA}.persons LIMIT 1000) RETURNING 1"
        )
        cluster.scalar("SELECT pg_switch_wal()::text")
        last = cluster.scalar("SELECT pg_walfile_name(pg_current_wal_lsn())")
        while (cluster.scalar("SELECT last_archived_wal FROM pg_stat_archiver") or "") < last:
            cluster.scalar("SELECT pg_switch_wal()::text")
            time.sleep(0.5)
        cluster.stop()
        shutil.rmtree(cluster.data)
        started = time.monotonic()
        shutil.copytree(base, cluster.data)
        subprocess.run(["chown", "-R", "postgres", str(cluster.data)], check=False)
        with (cluster.data / "postgresql.auto.conf").open("a") as conf:
            conf.write(
                f"restore_command = 'cp {cluster.archive}/%f %p'\n"
                f"recovery_target_time = '{target}'\nrecovery_target_action = 'promote'\n"
            )
        (cluster.data / "recovery.signal").touch()
        subprocess.run(["chown", "-R", "postgres", str(cluster.data)], check=False)
        cluster.start()
        while cluster.scalar("SELECT pg_is_in_recovery()"):
            time.sleep(0.2)
        restore_s = time.monotonic() - started
        recovered = cluster.scalar(f"SELECT count(*) FROM {SCHEMA}.persons")
        print(
            f"database {size}, {persons:,} persons: pg_basebackup {backup_s:.1f} s; "
            f"recovery to {target} (copy of the base backup, WAL replay, open) {restore_s:.1f} s; "
            f"persons after recovery {recovered:,} (the 1,000 deleted after the instant are back: "
            f"{recovered == persons})"
        )
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
