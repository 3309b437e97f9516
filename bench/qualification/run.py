"""Benchmark of svc-qualification on a synthetic large city (1,000,000 insured, 600,000 households).

    python bench/qualification/run.py load     [--database-url URL] [--persons N] [--households N]
    python bench/qualification/run.py confirm  [--seconds 30] [--rate 200]
    python bench/qualification/run.py batch    [--month 2026-12] [--date 2026-08-01] [--workers 1]

Not part of `make test`. See README.md beside this file.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime as dt
import http.client
import io
import json
import os
import pathlib
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import sqlalchemy as sa

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_qualification"
KEY = base64.b64encode(b"b" * 32).decode()
JWT_SECRET = "bench-secret-" + "x" * 40
BUSINESS_DATE = "2026-11-24"
ROOT = pathlib.Path(__file__).resolve().parents[2]


def _engine(url: str):
    from nhi_common import db

    return db.make_engine(url, schema=SCHEMA)


def _rss_mb(pid: int | str = "self") -> float:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _hwm_mb(pid: int | str = "self") -> float:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ----- load -----

def _population(persons: int, households: int, seed: int = 7):
    """Household sizes 1–3 (+ the rest), birth years weighted towards the elderly, like an NHI population."""
    rng = random.Random(seed)
    sizes = [1] * households
    extra = persons - households
    pairs = min(households, int(extra * 0.625))
    for i in range(pairs):
        sizes[i] = 2
    triples = min(households - pairs, (extra - pairs) // 2)
    for i in range(pairs, pairs + triples):
        sizes[i] = 3
    sizes[-1] += extra - pairs - 2 * triples
    pid = 0
    for h, size in enumerate(sizes):
        hid = f"H{h + 1:09d}"
        members = []
        for k in range(size):
            pid += 1
            roll = rng.random()
            if roll < 0.22:
                year = rng.randint(1951, 1956)  # 70–75 around 2026
            elif roll < 0.35:
                year = rng.randint(1957, 1961)
            else:
                year = rng.randint(1962, 2022)
            birth = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
            members.append((f"{pid:010d}", birth))
        yield hid, members


def _buffers(persons: int, households: int) -> dict[str, tuple[str, io.StringIO]]:
    rng = random.Random(11)
    now = "2026-11-01 00:00:00+00"
    out = {name: io.StringIO() for name in ("households", "persons", "qualification_periods", "income_facts")}
    for hid, members in _population(persons, households):
        head = members[0][0]
        out["households"].write(f"{hid}\t{head}\tみどり\t{hid[1:]}\t{len(members) + 1}\t{now}\n")
        for order, (pid, birth) in enumerate(members, start=1):
            rel = "世帯主" if order == 1 else "世帯員"
            out["persons"].write(f"{pid}\t{hid}\t試験 {pid[-4:]}\tシケン {pid[-4:]}\t{birth.isoformat()}\t"
                                 f"{1 + order % 2}\t{rel}\t{order}\t{now}\n")
            out["qualification_periods"].write(
                f"{uuid.UUID(int=int(pid))}\t{pid}\t{hid}\t139998\tみどり\t{hid[1:]}\t{order:02d}\t2015-04-01\t"
                f"move_in\t{now}\t{uuid.UUID(int=int(pid) + 10**12)}\n")
            for year in (2024, 2025):
                r = rng.random()
                taxable = 0 if r < 0.55 else rng.randint(100_000, 1_400_000) if r < 0.8 else rng.randint(1_450_000, 8_000_000)
                gross = taxable * 2 + rng.randint(0, 1_500_000)
                kyu = taxable + rng.randint(0, 500_000)
                non_taxed = "t" if taxable == 0 and r < 0.3 else "f"
                out["income_facts"].write(f"{pid}\t{year}\t{taxable}\t{gross}\t{kyu}\t{non_taxed}\t"
                                          f"{rng.randint(0, 2_000_000)}\t0\tbench\t{now}\n")
    columns = {
        "households": "household_id, head_person_id, symbol, number, next_branch, updated_at",
        "persons": "person_id, household_id, name_kanji, name_kana, birth_date, sex, relationship, listing_order, "
                   "updated_at",
        "qualification_periods": "period_id, person_id, household_id, insurer_number, symbol, number, branch_no, "
                                 "acquired_on, acquired_reason, recorded_at, change_id",
        "income_facts": "person_id, income_year, taxable_income, gross_income, kyu_tadashigaki_income, non_taxed, "
                        "public_pension_income, total_income, source, recorded_at",
    }
    return {name: (columns[name], buf) for name, buf in out.items()}


def _copy(raw, table: str, columns: str, buf: io.StringIO) -> tuple[int, float]:
    data = buf.getvalue().encode()
    rows = data.count(b"\n")
    started = time.perf_counter()
    with raw.cursor() as cur:
        with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            view = memoryview(data)
            for start in range(0, len(data), 1 << 20):
                copy.write(view[start:start + (1 << 20)])
    raw.commit()
    return rows, time.perf_counter() - started


def load(args) -> None:
    import psycopg

    from nhi_common import db
    from nhi_qualification import bootstrap

    dsn = args.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
        admin.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}_raw" CASCADE')
    engine = _engine(args.database_url)
    db.migrate(engine, bootstrap.MIGRATIONS)
    engine.dispose()
    started = time.perf_counter()
    buffers = _buffers(args.persons, args.households)
    print(f"generated rows in {time.perf_counter() - started:.1f}s", flush=True)
    report = {}
    with psycopg.connect(dsn) as raw:
        raw.execute(f'CREATE SCHEMA "{SCHEMA}_raw"')
        for table in buffers:
            raw.execute(f'CREATE UNLOGGED TABLE "{SCHEMA}_raw".{table} (LIKE "{SCHEMA}".{table} INCLUDING DEFAULTS)')
        raw.commit()
        # Raw rate: the same rows into unlogged tables without indexes or constraints.
        raw.execute(f'SET search_path TO "{SCHEMA}_raw"')
        for table, (columns, buf) in buffers.items():
            report.setdefault(table, {})["raw"] = _copy(raw, table, columns, buf)
        raw.execute(f'SET search_path TO "{SCHEMA}"')
        for table, (columns, buf) in buffers.items():
            report[table]["service"] = _copy(raw, table, columns, buf)
        raw.execute("ANALYZE")
        raw.commit()
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}_raw" CASCADE')
    total_rows = sum(r["service"][0] for r in report.values())
    total_s = sum(r["service"][1] for r in report.values())
    raw_s = sum(r["raw"][1] for r in report.values())
    for table, r in report.items():
        (n, s), (_n, rs) = r["service"], r["raw"]
        print(f"{table:24s} {n:>9,d} rows  COPY into service table {n / s:>10,.0f} rows/s   raw COPY {n / rs:>10,.0f} rows/s")
    print(f"{'total':24s} {total_rows:>9,d} rows  COPY into service tables {total_rows / total_s:>8,.0f} rows/s "
          f"({total_s:.1f}s)   raw COPY {total_rows / raw_s:>8,.0f} rows/s ({raw_s:.1f}s)")


# ----- confirm -----

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_qualification(args) -> None:
    """Internal: svc-qualification on the benchmark schema, without NATS."""
    from nhi_common import config
    from nhi_qualification import bootstrap
    from nhi_qualification.settings import Settings

    settings = dataclasses.replace(config.load_or_exit(Settings), nats_url=None)
    runtime = bootstrap.build(settings)
    runtime.start()
    runtime.wait()


def _wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port}")


def confirm(args) -> None:
    from nhi_gateway.auth import mint_token

    grpc_port, http_port = _free_port(), _free_port()
    env = {**os.environ, "QUALIFICATION_DATABASE_URL": args.database_url, "QUALIFICATION_DATABASE_SCHEMA": SCHEMA,
           "QUALIFICATION_GRPC_PORT": str(grpc_port), "NHI_MYNUMBER_KEY": KEY, "NHI_BUSINESS_DATE": BUSINESS_DATE,
           "NHI_JWT_SECRET": JWT_SECRET, "GATEWAY_PORT": str(http_port), "QUALIFICATION_ADDR": f"127.0.0.1:{grpc_port}",
           "LOG_LEVEL": "WARNING"}
    logs = pathlib.Path(tempfile.mkdtemp(prefix="bench-q-"))
    procs = [subprocess.Popen([sys.executable, __file__, "_serve-qualification"], env=env,
                              stdout=open(logs / "qualification.log", "w"), stderr=subprocess.STDOUT),
             subprocess.Popen([sys.executable, "-m", "nhi_gateway.entrypoints.cli", "serve"], env=env,
                              stdout=open(logs / "gateway.log", "w"), stderr=subprocess.STDOUT)]
    try:
        _wait_port(grpc_port)
        _wait_port(http_port)
        token = mint_token(JWT_SECRET, roles=["counter"], scopes=(), sub="bench")
        rng = random.Random(3)
        ids = [f"{rng.randint(1, args.persons):010d}" for _ in range(int(args.rate * args.seconds) + 200)]
        # warm-up
        _drive(http_port, token, ids[:200], rate=50, threads=4)
        latencies, errors, late = _drive(http_port, token, ids[200:], rate=args.rate, threads=args.threads)
        print(f"GET /api/v1/persons/{{id}}/qualification at {args.rate}/s for {args.seconds}s (open loop, "
              f"latency from the scheduled send time): n={len(latencies)} errors={errors} "
              f"p50={_pct(latencies, .5):.1f}ms p95={_pct(latencies, .95):.1f}ms p99={_pct(latencies, .99):.1f}ms "
              f"max={max(latencies):.1f}ms")
        print(f"  service RSS {_rss_mb(procs[0].pid):.0f} MB, gateway RSS {_rss_mb(procs[1].pid):.0f} MB")
        _bare_select(args, ids[200:2200])
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


def _drive(port: int, token: str, ids: list[str], *, rate: float, threads: int) -> tuple[list[float], int, int]:
    """Open loop: request i is due at start + i/rate whatever happened before; latency counts from that time."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    start = time.perf_counter() + 0.2
    counter = iter(range(len(ids)))

    def worker() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Authorization": f"Bearer {token}"}
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            try:
                conn.request("GET", f"/api/v1/persons/{ids[i]}/qualification", headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except Exception:  # noqa: BLE001 - counted as an error; reconnect
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            took = (time.perf_counter() - due) * 1000
            with lock:
                latencies.append(took)
                if not ok:
                    errors += 1

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return latencies, errors, 0


def _bare_select(args, ids: list[str]) -> None:
    from nhi_qualification.adapters import store

    engine = _engine(args.database_url)
    day = dt.date.fromisoformat(BUSINESS_DATE)
    times = []
    with engine.connect() as conn:
        for pid in ids:
            t0 = time.perf_counter()
            store.get_person(conn, pid)
            store.period_as_of(conn, pid, day, None)
            times.append((time.perf_counter() - t0) * 1000)
    engine.dispose()
    print(f"bare indexed SELECTs of the same rows (person by key + period as of, SQLAlchemy Core): n={len(times)} "
          f"p50={_pct(times, .5):.2f}ms p99={_pct(times, .99):.2f}ms")


# ----- batch -----

def batch(args) -> None:
    from nhi_common.natsserver import EmbeddedNats
    from nhi_qualification.adapters.vault import MyNumberVault
    from nhi_qualification.entrypoints.jobs_worker import Worker
    from nhi_qualification.service_layer.batches import BatchService
    from nhi_qualification.service_layer.context import Actor
    from nhi_qualification.service_layer.services import QualificationService

    engine = _engine(args.database_url)
    core = QualificationService(engine=engine, vault=MyNumberVault(KEY), insurer_number="139998",
                                insured_symbol="みどり", fixed_business_date=dt.date.fromisoformat(BUSINESS_DATE))
    batches = BatchService(core=core, chunk_size=args.chunk_size)
    store_dir = pathlib.Path(tempfile.mkdtemp(prefix="bench-nats-"))
    nats = EmbeddedNats(store_dir).start()
    worker = Worker(batches, nats.url).start()
    extra = []
    env = {**os.environ, "QUALIFICATION_DATABASE_URL": args.database_url, "QUALIFICATION_DATABASE_SCHEMA": SCHEMA,
           "NHI_MYNUMBER_KEY": KEY, "NATS_URL": nats.url, "NHI_BUSINESS_DATE": BUSINESS_DATE, "LOG_LEVEL": "WARNING"}
    for _ in range(args.workers - 1):
        extra.append(subprocess.Popen([sys.executable, "-m", "nhi_qualification.entrypoints.cli", "work"], env=env))
    time.sleep(2 if extra else 0)
    try:
        with engine.connect() as conn:
            population = conn.execute(sa.text("SELECT count(*) FROM persons")).scalar()
        for kind, params in (("age75_loss", {"month": args.month}), ("burden_redetermination", {"date": args.date})):
            samples: list[tuple[float, float, list[float]]] = []
            started = time.perf_counter()
            job = batches.start_job(kind, params, Actor("bench"))
            while job["state"] not in ("succeeded", "failed"):
                time.sleep(0.5)
                job = batches.get_job(job["job_id"])
                samples.append((time.perf_counter() - started, _rss_mb(), [_rss_mb(p.pid) for p in extra]))
            elapsed = time.perf_counter() - started
            with engine.connect() as conn:
                if kind == "age75_loss":
                    persons_done = job["done"]
                    what = f"{job['done']:,} persons reaching 75 in {args.month}"
                else:
                    persons_done = conn.execute(sa.text(
                        "SELECT count(*) FROM persons p JOIN burden_determinations d ON d.household_id = p.household_id "
                        "WHERE d.job_id = :j"), {"j": job["job_id"]}).scalar()
                    what = f"{job['done']:,} households with a 70–74 member, {persons_done:,} persons in them"
            print(f"{kind} {params}: {job['state']} in {elapsed:.1f}s — {what}; "
                  f"{persons_done / elapsed:,.0f} persons/s, {job['done'] / elapsed:,.0f} keys/s, "
                  f"population scanned {population / elapsed:,.0f} persons/s; failed={job['failed']}")
            trace = ", ".join(f"{t:.0f}s:{r:.0f}MB" for t, r, _x in samples[:: max(1, len(samples) // 12)])
            print(f"  worker RSS over time: {trace}; peak (VmHWM) {_hwm_mb():.0f} MB")
    finally:
        for proc in extra:
            proc.send_signal(signal.SIGTERM)
            proc.wait(15)
        worker.stop()
        nats.stop()
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--households", type=int, default=600_000)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("load")
    c = commands.add_parser("confirm")
    c.add_argument("--seconds", type=float, default=30)
    c.add_argument("--rate", type=float, default=200)
    c.add_argument("--threads", type=int, default=32)
    b = commands.add_parser("batch")
    b.add_argument("--month", default="2026-12")
    b.add_argument("--date", default="2026-08-01")
    b.add_argument("--workers", type=int, default=1)
    b.add_argument("--chunk-size", type=int, default=5000)
    commands.add_parser("_serve-qualification")
    args = parser.parse_args()
    {"load": load, "confirm": confirm, "batch": batch, "_serve-qualification": serve_qualification}[args.command](args)


if __name__ == "__main__":
    main()
