"""Benchmark of the whole-population inconsistency check (国保資格不整合一覧, 2.4.1) beside a raw COPY of the same rows.

    python bench/integration/run.py [--database-url URL] [--persons N] [--households N] [--no-load]

Loads a synthetic city with bench/qualification's loader (schema bench_qualification), gives a tenth of the persons
a pension category (1号/2号/3号), starts svc-qualification over gRPC in a child process, then measures in one run:
  raw    COPY (the ExportCoverageFacts query of every person) TO STDOUT, read and thrown away;
  job    svc-integration's check: every page over gRPC, parsed, compared with the pension categories, findings kept.
Not part of `make test`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import pathlib
import random
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
DAY = dt.date(2026, 11, 24)
INTEGRATION_SCHEMA = "bench_integration"


def _qualification_bench():
    spec = importlib.util.spec_from_file_location("bench_qualification", ROOT / "bench/qualification/run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def raw_copy_seconds(url: str) -> tuple[int, float]:
    """COPY of exactly the rows the job reads (the same query, no paging), to nowhere."""
    from nhi_qualification.adapters.repositories.periods import coverage_facts_query
    from nhi_qualification.domain import residence

    qb = _qualification_bench()
    engine = qb._engine(url)
    excluded = [s.code for s in residence.RESIDENCE_STATUSES if s.excluded]
    query = coverage_facts_query(DAY, after="", limit=10**9, excluded=excluded)
    with engine.connect() as conn:
        compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        started = time.perf_counter()
        size = 0
        with conn.connection.driver_connection.cursor() as cur:
            with cur.copy(f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv)", compiled.params) as copy:
                for chunk in copy:
                    size += len(chunk)
        seconds = time.perf_counter() - started
        rows = conn.exec_driver_sql("SELECT count(*) FROM persons").scalar()
    engine.dispose()
    return rows, seconds


def job_seconds(url: str, port: int, persons: int) -> tuple[dict, float]:
    import sqlalchemy as sa

    from nhi_common import db, rpc
    from nhi_integration.adapters.feed_store import SqlFeedStore
    from nhi_integration.adapters.feed_tables import pension_categories
    from nhi_integration.adapters.qualification_reads import QualificationFeedClient
    from nhi_integration.bootstrap import MIGRATIONS
    from nhi_integration.service_layer.inconsistency import Inconsistencies

    engine = db.make_engine(url, schema=INTEGRATION_SCHEMA)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{INTEGRATION_SCHEMA}" CASCADE')
        conn.exec_driver_sql(f'CREATE SCHEMA "{INTEGRATION_SCHEMA}"')
    engine.dispose()
    engine = db.make_engine(url, schema=INTEGRATION_SCHEMA)
    db.migrate(engine, MIGRATIONS)
    rng = random.Random(11)
    now = dt.datetime.now(dt.timezone.utc)
    ids = rng.sample(range(1, persons + 1), persons // 10)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(pension_categories),
            [
                {
                    "person_id": f"{i:09d}",
                    "category": rng.choice("1112233"),
                    "changed_on": dt.date(2026, 4, 1),
                    "change_id": f"p-{i}",
                    "updated_at": now,
                }
                for i in ids
            ],
        )
    channel = rpc.LazyChannel(f"127.0.0.1:{port}")
    client = QualificationFeedClient(channel, deadline=120)
    check = Inconsistencies(store=SqlFeedStore(engine), qualification=client)
    started = time.perf_counter()
    counts = check.check_population(DAY, job_id="integration-bench")
    seconds = time.perf_counter() - started
    channel.close()
    return counts, seconds


def main() -> None:
    from nhi_devtools.suite import exit_on_sigterm

    exit_on_sigterm()  # a killed run still stops what it started and drops what it created
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--households", type=int, default=120_000)
    parser.add_argument("--no-load", action="store_true")
    args = parser.parse_args()
    qb = _qualification_bench()
    if not args.no_load:
        qb.load(argparse.Namespace(database_url=args.database_url, persons=args.persons, households=args.households))
    port = qb._free_port()
    env = {
        **os.environ,
        "QUALIFICATION_DATABASE_URL": args.database_url,
        "QUALIFICATION_DATABASE_SCHEMA": qb.SCHEMA,
        "QUALIFICATION_GRPC_PORT": str(port),
        "NHI_MYNUMBER_KEY": qb.KEY,
        "NHI_BUSINESS_DATE": DAY.isoformat(),
        "NATS_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "bench/qualification/run.py"), "_serve-qualification"], env=env
    )
    try:
        qb._wait_port(port)
        rows, raw = raw_copy_seconds(args.database_url)
        counts, job = job_seconds(args.database_url, port, rows)
        rows2, raw2 = raw_copy_seconds(args.database_url)
    finally:
        server.terminate()
        server.wait(timeout=30)
    raw_best = min(raw, raw2)
    print(f"persons {rows:,d}; findings {counts['findings']:,d}")
    print(
        f"raw COPY of the same rows  {raw_best:6.2f}s  {rows / raw_best:>10,.0f} rows/s  (runs {raw:.2f}s, {raw2:.2f}s)"
    )
    print(f"inconsistency job          {job:6.2f}s  {rows / job:>10,.0f} rows/s")
    print(f"ratio job / raw COPY       {job / raw_best:6.2f}x  (target <= 5x)")


if __name__ == "__main__":
    main()
