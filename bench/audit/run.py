"""Benchmark of audit chain appends and of `nhi-audit verify` (rows verified per second).

    python bench/audit/run.py [--database-url URL] [--rows N]

Without --database-url: a fresh SQLite file in a temporary directory; with a PostgreSQL URL: the schema
bench_audit, dropped first. The database is migrated as svc-documents' (any service's audit_log is the same),
N rows are appended through the chain (one transaction per row for the first 1,000, to time single appends as a
request makes them, then 1,000 a transaction), and `nhi-audit verify` walks them. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import pathlib
import subprocess
import sys
import tempfile
import time

import sqlalchemy as sa

from nhi_common import audit, db, plumbing
from nhi_documents.bootstrap import MIGRATIONS

SCHEMA = "bench_audit"


def main() -> None:
    from nhi_devtools.suite import exit_on_sigterm

    exit_on_sigterm()  # a killed run still stops what it started and drops what it created
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    temp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{pathlib.Path(temp.name) / 'audit.db'}"
    schema = SCHEMA if url.startswith("postgresql") else None
    if schema:
        admin = sa.create_engine(url)
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()
    engine = db.make_engine(url, schema=schema)
    db.migrate(engine, MIGRATIONS)
    metadata = sa.MetaData()
    plumbing.define_tables(metadata)
    journal = plumbing.Plumbing(metadata, "bench")
    table = journal.tables["audit_log"]

    def row(i: int) -> dict:
        return dict(operator_id=f"clerk-{i % 40:02d}", action="person.read", target_kind="person",
                    target_id=f"{i:09d}", detail="", purpose="窓口での資格確認")  # fmt: skip

    single = min(1000, args.rows)
    started = time.perf_counter()
    for i in range(single):
        with engine.begin() as conn:
            audit.append(conn, table, **row(i))
    single_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for first in range(single, args.rows, 1000):
        with engine.begin() as conn:
            for i in range(first, min(first + 1000, args.rows)):
                audit.append(conn, table, **row(i))
    batch_seconds = time.perf_counter() - started
    engine.dispose()
    print(f"{engine.dialect.name}: {single} appends one a transaction in {single_seconds:.2f} s "
          f"({single / single_seconds:,.0f}/s); {args.rows - single} more, 1,000 a transaction, in "
          f"{batch_seconds:.2f} s ({(args.rows - single) / max(batch_seconds, 1e-9):,.0f}/s)")  # fmt: skip
    command = [str(pathlib.Path(sys.executable).parent / "nhi-audit"), "verify", "--database-url", url]
    if schema:
        command += ["--schema", schema]
    done = subprocess.run(command, capture_output=True, text=True)
    print(done.stdout.strip())
    if done.returncode != 0:
        raise SystemExit(done.returncode)


if __name__ == "__main__":
    main()
