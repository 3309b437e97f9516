"""Benchmark of svc-qualification on a synthetic large city (1,000,000 insured, 600,000 households).

    python bench/qualification/run.py load     [--database-url URL] [--persons N] [--households N] [--indexes-during]
    python bench/qualification/run.py confirm  [--seconds 30] [--rate 200] [--connections 32] [--gateway-workers N]
                                               [--saturate --step 50 --max-rate 2000]
    python bench/qualification/run.py batch    [--month 2026-12] [--date 2026-08-01] [--workers 1 | 1,2] [--kinds ...]

Each figure is printed beside its raw limit measured in the same run (raw COPY of the same rows) and the ratio.

Not part of `make test`. See README.md beside this file.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import datetime as dt
import io
import json
import os
import pathlib
import random
import signal
import socket
import subprocess
import sys
import tempfile
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
        for _ in range(size):
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
            out["persons"].write(
                f"{pid}\t{hid}\t試験 {pid[-4:]}\tシケン {pid[-4:]}\t{birth.isoformat()}\t"
                f"{1 + order % 2}\t{rel}\t{order}\t{now}\n"
            )
            out["qualification_periods"].write(
                f"{uuid.UUID(int=int(pid))}\t{pid}\t{hid}\t139998\tみどり\t{hid[1:]}\t{order:02d}\t2015-04-01\t"
                f"move_in\t{now}\t{uuid.UUID(int=int(pid) + 10**12)}\n"
            )
            for year in (2024, 2025):
                r = rng.random()
                taxable = (
                    0 if r < 0.55 else rng.randint(100_000, 1_400_000) if r < 0.8 else rng.randint(1_450_000, 8_000_000)
                )
                gross = taxable * 2 + rng.randint(0, 1_500_000)
                kyu = taxable + rng.randint(0, 500_000)
                non_taxed = "t" if taxable == 0 and r < 0.3 else "f"
                out["income_facts"].write(
                    f"{pid}\t{year}\t{taxable}\t{gross}\t{kyu}\t{non_taxed}\t"
                    f"{rng.randint(0, 2_000_000)}\t0\tbench\t{now}\n"
                )
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


def _copy(raw, table: str, columns: str, buf: io.StringIO, *, commit: bool = True) -> tuple[int, float]:
    data = buf.getvalue().encode()
    rows = data.count(b"\n")
    started = time.perf_counter()
    with raw.cursor() as cur:
        with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            view = memoryview(data)
            for start in range(0, len(data), 1 << 20):
                copy.write(view[start : start + (1 << 20)])
    if commit:
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
        raw.commit()
    # The service's tables, as a first load does it (adapters/bulk.indexes_built_after, as the migration import):
    # one transaction, secondary indexes dropped, COPY, indexes built once; the build and the commit are counted.
    from nhi_qualification.adapters import bulk, tables

    engine = _engine(args.database_url)
    with engine.begin() as conn:
        service = conn.connection.driver_connection
        deferring = (
            contextlib.nullcontext(False)
            if args.indexes_during
            else bulk.indexes_built_after(conn, [tables.metadata.tables[t] for t in buffers])
        )
        with deferring as deferred:
            for table, (columns, buf) in buffers.items():
                report[table]["service"] = _copy(service, table, columns, buf, commit=False)
            copied = time.perf_counter()
    built = time.perf_counter() - copied
    engine.dispose()
    print(
        f"service tables: {'secondary indexes built after the COPY' if deferred else 'indexes kept during the COPY'}; "
        f"index builds and commit {built:.2f}s (counted in the total)"
    )
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(
            f'ANALYZE "{SCHEMA}".households, "{SCHEMA}".persons, "{SCHEMA}".qualification_periods, '
            f'"{SCHEMA}".income_facts'
        )
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}_raw" CASCADE')
        # Kept beside the data so that `batch` can put its rates next to the COPY rates of the same rows.
        admin.execute(
            f'CREATE TABLE "{SCHEMA}".bench_copy_rates (tbl text PRIMARY KEY, rows bigint, '
            f"service_seconds float8, raw_seconds float8)"
        )
        with admin.cursor() as cur:
            cur.executemany(
                f'INSERT INTO "{SCHEMA}".bench_copy_rates VALUES (%s, %s, %s, %s)',
                [(t, r["service"][0], r["service"][1], r["raw"][1]) for t, r in report.items()],
            )
    total_rows = sum(r["service"][0] for r in report.values())
    total_s = sum(r["service"][1] for r in report.values()) + built
    raw_s = sum(r["raw"][1] for r in report.values())
    for table, r in report.items():
        (n, s), (_n, rs) = r["service"], r["raw"]
        print(
            f"{table:24s} {n:>9,d} rows  COPY into service table {n / s:>10,.0f} rows/s   raw COPY {n / rs:>10,.0f} rows/s"
            f"   load ÷ raw COPY {rs / s:.2f}"
        )
    print(
        f"{'total':24s} {total_rows:>9,d} rows  COPY into service tables {total_rows / total_s:>8,.0f} rows/s "
        f"({total_s:.1f}s)   raw COPY {total_rows / raw_s:>8,.0f} rows/s ({raw_s:.1f}s)   "
        f"load ÷ raw COPY {raw_s / total_s:.2f} (rate of the load over the rate of raw COPY, measured in this run)"
    )


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
    runtime.start(settle_heap=True)
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


def _cpu_seconds(pid: int | str) -> float:
    """utime + stime of one process (all its threads), in seconds; 0 once it is gone."""
    try:
        fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _process_table() -> list[tuple[int, int, str]]:
    """(pid, ppid, command name) of every process."""
    table = []
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                head, tail = (entry / "stat").read_text().rsplit(")", 1)
            except OSError:
                continue
            table.append((int(entry.name), int(tail.split()[1]), head.split("(", 1)[1]))
    return table


def _tree(pid: int, table) -> list[int]:
    """`pid` and its descendants (uvicorn worker processes of the gateway)."""
    out, frontier = [pid], [pid]
    while frontier:
        children = [p for p, pp, _ in table if pp in frontier]
        out += children
        frontier = children
    return out


APPLICATION_NAME = "bench-confirm"  # svc-qualification's connections in `confirm`, to find their backends


def _own_backends(monitor) -> list[int]:
    """The PostgreSQL backends serving svc-qualification's connections in this run."""
    rows = monitor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", (APPLICATION_NAME,))
    return [pid for (pid,) in rows]


def _cpu_snapshot(groups: dict[str, int], monitor=None) -> dict[str, float]:
    """CPU seconds used so far per process tree, by the backends of this run's connections and by all PostgreSQL
    processes (other work on the same server included), and by the machine (busy time)."""
    table = _process_table()
    snap = {name: sum(_cpu_seconds(p) for p in _tree(pid, table)) for name, pid in groups.items()}
    if monitor is not None:
        snap["postgres (this run)"] = sum(_cpu_seconds(p) for p in _own_backends(monitor))
    snap["postgres"] = sum(_cpu_seconds(p) for p, _pp, name in table if name.startswith("postgres"))
    cpu = pathlib.Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(v) for v in cpu]
    snap["machine busy"] = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle, iowait
    return snap


def confirm(args) -> None:
    import psycopg

    from nhi_gateway.auth import mint_token

    grpc_port, http_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "QUALIFICATION_DATABASE_URL": args.database_url
        + ("&" if "?" in args.database_url else "?")
        + f"application_name={APPLICATION_NAME}",
        "QUALIFICATION_DATABASE_SCHEMA": SCHEMA,
        "QUALIFICATION_GRPC_PORT": str(grpc_port),
        "NHI_MYNUMBER_KEY": KEY,
        "NHI_BUSINESS_DATE": BUSINESS_DATE,
        "NHI_JWT_SECRET": JWT_SECRET,
        "GATEWAY_PORT": str(http_port),
        "GATEWAY_RATE_LIMIT_PER_SECOND": "0",  # one subject sends every request: measure the path, not the limit
        "QUALIFICATION_ADDR": f"127.0.0.1:{grpc_port}",
        "LOG_LEVEL": "WARNING",
    }
    if args.gateway_workers:
        env["GATEWAY_WORKERS"] = str(args.gateway_workers)
    if args.traces_sampler:
        env["OTEL_TRACES_SAMPLER"] = args.traces_sampler
    logs = pathlib.Path(tempfile.mkdtemp(prefix="bench-q-"))
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "_serve-qualification"],
            env=env,
            stdout=open(logs / "qualification.log", "w"),
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [sys.executable, "-m", "nhi_gateway.entrypoints.cli", "serve"],
            env=env,
            stdout=open(logs / "gateway.log", "w"),
            stderr=subprocess.STDOUT,
        ),
    ]
    monitor = psycopg.connect(_dsn(args.database_url), autocommit=True)
    try:
        _wait_port(grpc_port)
        _wait_port(http_port)
        time.sleep(1)  # gateway worker processes finish importing
        token = mint_token(JWT_SECRET, roles=["counter"], scopes=(), sub="bench")
        if args.saturate:
            _saturate(args, procs, http_port, token, logs, monitor)
            return
        result, used, wall = _measure(args, procs, http_port, token, logs, args.rate, args.seconds, monitor)
        latencies, errors = result["latencies"], result["errors"]
        print(
            f"GET /api/v1/persons/{{id}}/qualification at {args.rate}/s for {args.seconds}s (open loop, "
            f"latency from the scheduled send time): n={len(latencies)} errors={errors} "
            f"p50={_pct(latencies, 0.5):.1f}ms p95={_pct(latencies, 0.95):.1f}ms p99={_pct(latencies, 0.99):.1f}ms "
            f"max={max(latencies):.1f}ms; sends late by >1 ms: {result['late']}"
        )
        per_request = 1000 / max(1, len(latencies))
        print(
            f"  CPU over the {wall:.1f}s measured, in cores (2 = the whole machine) and ms per request: "
            + ", ".join(
                f"{name} {seconds / wall:.2f} ({seconds * per_request:.2f} ms)" for name, seconds in used.items()
            )
            + f"; load average {os.getloadavg()[0]:.2f}"
        )
        print(
            f"  service RSS {_rss_mb(procs[0].pid):.0f} MB, gateway RSS "
            f"{sum(_rss_mb(p) for p in _tree(procs[1].pid, _process_table())):.0f} MB (all its processes)"
        )
        bare = _bare_statements(args, result["ids"][:2000])
        ours = sum(used[k] for k in ("svc-qualification", "gateway", "postgres (this run)")) * per_request
        statements = bare["reads"] + bare["audit"]
        print(
            f"  CPU per confirmation (svc-qualification + gateway + this run's PostgreSQL backends) {ours:.2f} ms; "
            f"its bare statements (reads + audit row) {statements:.2f} ms: {ours / statements:.1f}× the statements; "
            f"the bare reads alone {bare['reads']:.2f} ms: {ours / bare['reads']:.1f}×"
        )
    finally:
        monitor.close()
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


P99_LIMIT_MS = 50.0


def _saturate(args, procs, http_port: int, token: str, logs: pathlib.Path, monitor) -> None:
    """Step the rate up (--rate, then + --step each time) for --seconds each: the highest rate served with
    p99 < 50 ms and no error; it stops after the first rate that misses (or at --max-rate)."""
    rows, best, rate = [], None, args.rate
    while rate <= args.max_rate:
        result, used, wall = _measure(args, procs, http_port, token, logs, rate, args.seconds, monitor)
        latencies, errors = result["latencies"], result["errors"]
        p99 = _pct(latencies, 0.99)
        ok = p99 < P99_LIMIT_MS and errors == 0
        ours = sum(used[k] for k in ("svc-qualification", "gateway", "postgres (this run)"))
        rows.append(
            f"  {rate:7.0f}/s  n={len(latencies):6d} errors={errors:4d} p50={_pct(latencies, 0.5):8.1f}ms "
            f"p99={p99:8.1f}ms  {'served' if ok else 'missed'}  CPU {ours / wall:.2f} cores "
            f"({ours * 1000 / max(1, len(latencies)):.2f} ms per request; everything else "
            f"{used['everything else'] / wall:.2f} cores)"
        )
        print(rows[-1], flush=True)
        if not ok:
            break
        best = rate
        rate += args.step
        time.sleep(2)  # let queues drain between steps
    workers = args.gateway_workers or 1
    print(
        f"saturation with {workers} gateway worker(s), {args.seconds:.0f}s per step: highest rate served with "
        f"p99 < {P99_LIMIT_MS:.0f} ms: " + (f"{best:.0f}/s" if best is not None else f"none (from {args.rate:.0f}/s)")
    )


def _measure(args, procs, http_port: int, token: str, logs: pathlib.Path, rate: float, seconds: float, monitor):
    """One open-loop run by the load generator (a process of its own, one asyncio loop, keep-alive connections, so
    that its CPU is measured apart and it never competes for a GIL with what it measures): its result, the CPU
    seconds used per group over the measured window, and that window's length."""
    out = logs / f"latencies-{rate:.0f}.json"
    driver = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--persons",
            str(args.persons),
            "_drive",
            "--port",
            str(http_port),
            "--token",
            token,
            "--rate",
            str(rate),
            "--seconds",
            str(seconds),
            "--connections",
            str(args.connections),
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        groups = {"svc-qualification": procs[0].pid, "gateway": procs[1].pid, "load generator": driver.pid}
        before = after = None
        started = ended = 0.0
        for line in driver.stdout:
            if line.startswith("MEASURE"):
                before, started = _cpu_snapshot(groups, monitor), time.perf_counter()
            elif line.startswith("DONE"):
                after, ended = _cpu_snapshot(groups, monitor), time.perf_counter()
        if driver.wait() != 0 or before is None or after is None:
            raise RuntimeError("the load generator failed")
    finally:
        if driver.poll() is None:
            driver.kill()
    used = {name: after[name] - before[name] for name in after}
    # "postgres (this run)" is part of "postgres": not counted twice.
    used["everything else"] = used["machine busy"] - sum(
        v for k, v in used.items() if k not in ("machine busy", "postgres (this run)")
    )
    return json.loads(out.read_text()), used, ended - started


def drive(args) -> None:
    """Internal: the open-loop load generator (a process of its own); latencies go to --out as JSON."""
    import asyncio

    from nhi_common import heap

    rng = random.Random(3)
    ids = [f"{rng.randint(1, args.persons):010d}" for _ in range(int(args.rate * args.seconds) + 200)]
    requests = [
        (
            f"GET /api/v1/persons/{pid}/qualification HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {args.token}\r\n\r\n"
        ).encode()
        for pid in ids
    ]

    async def run() -> None:
        pool: asyncio.Queue = asyncio.Queue()
        for _ in range(args.connections):  # opened up front, used in turn: spread over the gateway's workers
            pool.put_nowait(await asyncio.open_connection("127.0.0.1", args.port))
        await _open_loop(pool, args.port, requests[:200], rate=50)  # warm-up
        # Its own full collections would hold the sends back (20-30 ms each): what it holds now is set aside.
        heap.settle()
        print("MEASURE", flush=True)
        latencies, errors, late = await _open_loop(pool, args.port, requests[200:], rate=args.rate)
        print("DONE", flush=True)
        pathlib.Path(args.out).write_text(
            json.dumps({"latencies": latencies, "errors": errors, "late": late, "ids": ids[200:]})
        )
        while not pool.empty():
            pool.get_nowait()[1].close()

    asyncio.run(run())


async def _open_loop(pool, port: int, requests: list[bytes], *, rate: float) -> tuple[list[float], int, int]:
    """Open loop: request i is due at start + i/rate whatever happened before; latency counts from that time."""
    import asyncio

    latencies: list[float] = []
    errors = late = 0

    async def one(request: bytes, due: float) -> None:
        nonlocal errors
        reader, writer = await pool.get()
        ok = False
        try:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
            await reader.readexactly(length)
            ok = lines[0].split()[1] == "200"
        except Exception:  # noqa: BLE001 - counted as an error; reconnect
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        latencies.append((time.perf_counter() - due) * 1000)
        if not ok:
            errors += 1
        pool.put_nowait((reader, writer))

    tasks = []
    start = time.perf_counter() + 0.2
    for i, request in enumerate(requests):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if time.perf_counter() - due > 0.001:
            late += 1  # the generator itself fell behind (its latency still counts from `due`)
        tasks.append(asyncio.ensure_future(one(request, due)))
    await asyncio.gather(*tasks)
    return latencies, errors, late


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _bare_statements(args, ids: list[str]) -> dict[str, float]:
    """The statements a confirmation needs, run bare on one connection (SQLAlchemy Core, no service around them):
    the person by key and the period as of the date (what it reads), then the audit row it appends (chain lock, head,
    insert, commit). Wall time per request, and CPU per request of this process and of its PostgreSQL backend."""
    from nhi_common import audit, plumbing
    from nhi_qualification.adapters.repositories.periods import PeriodRepository
    from nhi_qualification.adapters.repositories.persons import PersonRepository

    engine = _engine(args.database_url)
    table = plumbing.define_tables(sa.MetaData())["audit_log"]
    day = dt.date.fromisoformat(BUSINESS_DATE)
    cpu: dict[str, float] = {}

    def measure(name: str, conn, backend: int, one) -> list[float]:
        for pid in ids[:50]:  # warm-up: compiled statements, server-side prepared ones
            one(pid)
        times = []
        client, server = time.process_time(), _cpu_seconds(backend)
        for pid in ids:
            t0 = time.perf_counter()
            one(pid)
            times.append((time.perf_counter() - t0) * 1000)
        cpu[name] = (time.process_time() - client + _cpu_seconds(backend) - server) * 1000 / len(ids)
        return times

    with engine.connect() as conn:
        backend = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        conn.commit()
        persons, periods = PersonRepository(conn), PeriodRepository(conn)
        reads = measure("reads", conn, backend, lambda pid: (persons.get(pid), periods.as_of(pid, day, None)))
        conn.rollback()

        def append(pid: str) -> None:
            with conn.begin():
                audit.append(conn, table, operator_id="bench", action="bench.bare", target_kind="person", target_id=pid)

        appends = measure("audit", conn, backend, append)
        conn.rollback()
        # The same row as the service writes it (lock and insert in one pipeline, one round trip, no BEGIN/COMMIT
        # of its own), straight on the driver's connection in autocommit.
        driver = conn.connection.driver_connection
        driver.autocommit = True

        def append_one(pid: str) -> None:
            values = {"operator_id": "bench", "action": "bench.bare", "target_kind": "person", "target_id": pid}
            audit.write_alone(driver, table.name, audit._with_defaults(values))  # noqa: SLF001

        one_trip = measure("audit one trip", conn, backend, append_one)
        driver.autocommit = False
    engine.dispose()
    print(
        f"bare statements of the same rows, one connection, SQLAlchemy Core: person by key + period as of: "
        f"n={len(reads)} p50={_pct(reads, 0.5):.2f}ms p99={_pct(reads, 0.99):.2f}ms, CPU {cpu['reads']:.2f} ms "
        f"(this process + its backend); the audit row (lock, head, insert, commit): p50={_pct(appends, 0.5):.2f}ms "
        f"p99={_pct(appends, 0.99):.2f}ms, CPU {cpu['audit']:.2f} ms; the audit row in one round trip (as the "
        f"service writes it, on the driver's connection): p50={_pct(one_trip, 0.5):.2f}ms "
        f"p99={_pct(one_trip, 0.99):.2f}ms, CPU {cpu['audit one trip']:.2f} ms"
    )
    cpu["audit"] = min(cpu["audit"], cpu.pop("audit one trip"))  # the cheaper way to write the same row
    return cpu


# ----- batch -----


def _raw_persons_copy(url: str, repeat: int = 3) -> tuple[int, float]:
    """The raw limit, measured now: the persons rows as they are in the database, COPYed into an unlogged table
    without indexes or constraints (as `load` does). Rows and the median seconds of `repeat` COPYs."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        buf = bytearray()
        with conn.cursor() as cur:
            with cur.copy(f'COPY "{SCHEMA}".persons TO STDOUT') as copy:
                for block in copy:
                    buf += block
        rows = bytes(buf).count(b"\n")
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}_raw"')
        times = []
        try:
            for _ in range(repeat):
                conn.execute(f'DROP TABLE IF EXISTS "{SCHEMA}_raw".persons')
                conn.execute(
                    f'CREATE UNLOGGED TABLE "{SCHEMA}_raw".persons (LIKE "{SCHEMA}".persons INCLUDING DEFAULTS)'
                )
                started = time.perf_counter()
                with conn.transaction(), conn.cursor() as cur:
                    with cur.copy(f'COPY "{SCHEMA}_raw".persons FROM STDIN') as copy:
                        view = memoryview(buf)
                        for start in range(0, len(buf), 1 << 20):
                            copy.write(view[start : start + (1 << 20)])
                times.append(time.perf_counter() - started)
        finally:
            conn.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}_raw" CASCADE')
    return rows, sorted(times)[len(times) // 2]


def _job_seconds(engine, job_id: str) -> float:
    """From the job's creation to its end, by the database clock (no polling granularity)."""
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT extract(epoch FROM finished_at - created_at) FROM jobs WHERE job_id = :j"), {"j": job_id}
        ).scalar()


def _start_workers(count: int, env: dict[str, str]) -> list[subprocess.Popen]:
    """`count` extra `nhi-qualification work` processes beside the bench's in-process worker."""
    extra = [
        # cli.py has no __main__ block: `python -m ...cli work` exits at once (the old bench's extra workers never ran).
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from nhi_qualification.entrypoints.cli import main; sys.exit(main(['work']))",
            ],
            env=env,
        )
        for _ in range(count)
    ]
    time.sleep(3 if extra else 0)
    dead = [p.pid for p in extra if p.poll() is not None]
    if dead:
        raise SystemExit(f"extra workers {dead} exited at start")
    return extra


def _stop_workers(extra: list[subprocess.Popen]) -> None:
    for proc in extra:
        proc.send_signal(signal.SIGTERM)
    for proc in extra:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


BATCH_APPLICATION = "bench-batch"  # the batch's connections (this process, the extra workers): their backends' CPU


def _with_application(url: str) -> str:
    return url + ("&" if "?" in url else "?") + f"application_name={BATCH_APPLICATION}"


def _backends_cpu(monitor) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving the batch's connections (not other work on the server)."""
    rows = monitor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", (BATCH_APPLICATION,))
    return {pid: _cpu_seconds(pid) for (pid,) in rows}


def _undo_burden(engine, job_id: str, outbox_seq: int) -> None:
    """Take back what a burden_redetermination job wrote (its determinations, the outbox rows after `outbox_seq`),
    so that the next worker count starts from the same data. The bench's schema is its own: nothing else writes."""
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM burden_determinations WHERE job_id = :j"), {"j": job_id})
        conn.execute(sa.text("DELETE FROM outbox WHERE seq > :s"), {"s": outbox_seq})
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "VACUUM ANALYZE burden_determinations, outbox"
        )


def batch(args) -> None:
    import psycopg

    from nhi.common.v1 import common_pb2
    from nhi_devtools.natsserver import EmbeddedNats
    from nhi_qualification import bootstrap
    from nhi_qualification.entrypoints import parse
    from nhi_qualification.entrypoints.jobs_worker import Worker
    from nhi_qualification.service_layer.context import Actor

    counts = [int(x) for x in str(args.workers).split(",")]
    kinds = args.kinds.split(",")
    engine = _engine(_with_application(args.database_url))
    monitor = psycopg.connect(args.database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    app = bootstrap.make_app(
        engine,
        mynumber_key=KEY,
        insurer_number="139998",
        insured_symbol="みどり",
        business_date=dt.date.fromisoformat(BUSINESS_DATE),
    )
    store_dir = pathlib.Path(tempfile.mkdtemp(prefix="bench-nats-"))
    nats = EmbeddedNats(store_dir).start()
    worker = Worker(app, nats.url, chunk_size=args.chunk_size).start()
    jobs = worker.jobs
    env = {
        **os.environ,
        "QUALIFICATION_DATABASE_URL": _with_application(args.database_url),
        "QUALIFICATION_DATABASE_SCHEMA": SCHEMA,
        "NHI_MYNUMBER_KEY": KEY,
        "NATS_URL": nats.url,
        "NHI_BUSINESS_DATE": BUSINESS_DATE,
        "LOG_LEVEL": "WARNING",
    }
    summary: list[str] = []
    extra: list[subprocess.Popen] = []
    try:
        with engine.connect() as conn:
            population = conn.execute(sa.text("SELECT count(*) FROM persons")).scalar()
        raw_rows, raw_s = _raw_persons_copy(args.database_url)
        print(
            f"population {population:,} persons; raw limit measured now: COPY of the {raw_rows:,} persons rows into an "
            f"unlogged table without indexes {raw_s:.3f}s ({raw_rows / raw_s:,.0f} rows/s, median of 3)"
        )
        runs = [(kind, n) for n in counts for kind in kinds if kind != "age75_loss" or n == counts[0]]
        for index, (kind, workers) in enumerate(runs):
            if len(extra) != workers - 1:
                _stop_workers(extra)
                extra = _start_workers(workers - 1, env)
            params = {"month": args.month} if kind == "age75_loss" else {"date": args.date}
            with engine.connect() as conn:
                outbox_seq = conn.execute(sa.text("SELECT coalesce(max(seq), 0) FROM outbox")).scalar()
            samples: list[tuple[float, float, list[float]]] = []
            # The bench's own process alone: the extra workers and the NATS server are its children.
            groups = {f"worker {p.pid}": p.pid for p in extra}
            cpu_before, backends_before = _cpu_snapshot(groups), _backends_cpu(monitor)
            cpu_before["bench with its worker"] = _cpu_seconds(os.getpid())
            started = time.perf_counter()
            job = jobs.start(parse.start_job(common_pb2.StartJobRequest(kind=kind, parameters=params)), Actor("bench"))
            while job["state"] not in ("succeeded", "failed"):
                time.sleep(0.1)
                job = jobs.get(job["job_id"])
                samples.append((time.perf_counter() - started, _rss_mb(), [_rss_mb(p.pid) for p in extra]))
            wall = time.perf_counter() - started
            cpu_after, backends_after = _cpu_snapshot(groups), _backends_cpu(monitor)
            cpu_after["bench with its worker"] = _cpu_seconds(os.getpid())
            used = {name: cpu_after[name] - cpu_before[name] for name in cpu_after}
            used["everything else"] = used["machine busy"] - sum(v for k, v in used.items() if k != "machine busy")
            # Only the backends of the batch's own connections (all PostgreSQL processes include other work).
            used["postgres (the batch's backends)"] = sum(
                cpu - backends_before.get(pid, 0.0) for pid, cpu in backends_after.items()
            )
            elapsed = float(_job_seconds(engine, job["job_id"]) or wall)
            with engine.connect() as conn:

                def q(sql: str, job_id: str = job["job_id"], seq: int = outbox_seq):
                    return conn.execute(sa.text(sql), {"j": job_id, "s": seq}).scalar()

                written = {
                    "burden_determinations": q("SELECT count(*) FROM burden_determinations WHERE job_id = :j"),
                    "outbox": q("SELECT count(*) FROM outbox WHERE seq > :s"),
                }
                result_bytes = q(
                    "SELECT coalesce(sum(octet_length(result)), 0) FROM burden_determinations WHERE job_id = :j"
                )
                # Since migration 0016 a batch keeps the facts it decided on instead of the explanation text.
                facts_bytes = q(
                    "SELECT coalesce(sum(octet_length(facts)), 0) FROM burden_determinations WHERE job_id = :j"
                )
                if kind == "age75_loss":
                    acted = q("SELECT count(*) FROM job_results WHERE job_id = :j AND outcome = 'lost'")
                    what = (
                        f"{job['total']:,} persons reaching 75 in {args.month} (the job's keys), {acted:,} lost; "
                        f"{written['burden_determinations']:,} household re-determinations"
                    )
                else:
                    acted = q(
                        "SELECT count(*) FROM persons p JOIN burden_determinations d "
                        "ON d.household_id = p.household_id WHERE d.job_id = :j"
                    )
                    what = (
                        f"{job['done']:,} households with a 70–74 member decided, "
                        f"{written['burden_determinations']:,} determinations stored (new or changed), "
                        f"{acted:,} persons in them"
                    )
            ratio = elapsed / raw_s
            print(
                f"{kind} {params}, {workers} worker(s): {job['state']} in {elapsed:.2f}s (job created → finished; "
                f"wall {wall:.2f}s) — {what}; failed={job['failed']}"
            )
            print(
                f"  persons acted on: {acted / elapsed:,.0f} persons/s;  population examined: "
                f"{population / elapsed:,.0f} persons/s;  keys: {job['done'] / elapsed:,.0f}/s"
            )
            print(f"  job ÷ raw COPY of the same {raw_rows:,} persons rows ({raw_s:.3f}s): {ratio:.1f}×")
            print(
                f"  CPU seconds over the job's {wall:.1f}s (2 cores = {2 * wall:.1f}): "
                + ", ".join(f"{name} {seconds:.2f}" for name, seconds in used.items())
                + " (everything else ≉ 0: other work on the machine, the figures are not a quiet run's)"
            )
            rows_out = sum(written.values())
            print(
                f"  rows written: {written} ({rows_out / elapsed:,.0f} rows/s); "
                f"stored explanation text {result_bytes / 1e6:.1f} MB, facts decided on {facts_bytes / 1e6:.1f} MB"
            )
            peaks = [max((r for _t, r, _x in samples), default=_rss_mb())] + [
                max((xs[i] for _t, _r, xs in samples), default=0.0) for i in range(len(extra))
            ]
            trace = ", ".join(
                f"{t:.0f}s:{r:.0f}MB" + (f"/{'/'.join(f'{x:.0f}' for x in xs)}" if xs else "")
                for t, r, xs in samples[:: max(1, len(samples) // 12)]
            )
            print(
                f"  worker RSS over time (bench's in-process worker/extra workers): {trace}; peak RSS per worker "
                + " / ".join(f"{p:.0f} MB" for p in peaks)
                + f" (VmHWM of the bench process {_hwm_mb():.0f} MB"
                + "".join(f", worker {p.pid} {_hwm_mb(p.pid):.0f} MB" for p in extra)
                + ")"
            )
            ours = sum(v for k, v in used.items() if k not in ("machine busy", "everything else", "postgres"))
            summary.append(
                f"{kind:24s} workers={workers}  {elapsed:7.2f}s  raw COPY {raw_s:.3f}s  ratio {ratio:6.1f}×  "
                f"CPU {ours:6.2f}s (workers + PostgreSQL; others {used['everything else']:.2f}s)  "
                f"peak RSS " + " / ".join(f"{p:.0f} MB" for p in peaks)
            )
            later = [k for k, _n in runs[index + 1 :]]
            if kind == "burden_redetermination" and "burden_redetermination" in later:
                _undo_burden(engine, job["job_id"], outbox_seq)
        print(
            f"\nsummary (N = {population:,} persons, raw limit = COPY of the same persons rows, measured in this run):"
        )
        for line in summary:
            print("  " + line)
    finally:
        _stop_workers(extra)
        worker.stop()
        nats.stop()
        engine.dispose()
        monitor.close()


def main() -> None:
    from nhi_devtools.suite import exit_on_sigterm

    exit_on_sigterm()  # a killed run still stops what it started and drops what it created
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument(
        "--households", type=int, default=None, help="default: 3 for every 5 persons (600,000 for 1,000,000)"
    )
    parser.add_argument(
        "--schema",
        default=os.environ.get("BENCH_SCHEMA", "bench_qualification"),
        help="PostgreSQL schema of the synthetic city (another one keeps runs apart)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    ld = commands.add_parser("load")
    ld.add_argument(
        "--indexes-during",
        action="store_true",
        help="keep the secondary indexes during the COPY (the old way; by default they are built after it)",
    )
    c = commands.add_parser("confirm")
    c.add_argument("--seconds", type=float, default=30)
    c.add_argument("--rate", type=float, default=200)
    c.add_argument(
        "--connections", "--threads", type=int, default=32, help="keep-alive connections of the load generator"
    )
    c.add_argument(
        "--saturate",
        action="store_true",
        help="step the rate from --rate by --step (--seconds each) up to --max-rate: the highest with p99 < 50 ms",
    )
    c.add_argument("--step", type=float, default=50)
    c.add_argument("--max-rate", type=float, default=2000)
    c.add_argument("--gateway-workers", type=int, default=0, help="GATEWAY_WORKERS of the gateway (0: its default, 1)")
    c.add_argument(
        "--traces-sampler",
        default="",
        help="OTEL_TRACES_SAMPLER of both processes (empty: the SDK default, parentbased_always_on)",
    )
    d = commands.add_parser("_drive")
    for name in ("--port", "--rate", "--seconds", "--connections"):
        d.add_argument(name, type=float if name in ("--rate", "--seconds") else int, required=True)
    d.add_argument("--token", required=True)
    d.add_argument("--out", required=True)
    b = commands.add_parser("batch")
    b.add_argument("--month", default="2026-12")
    b.add_argument("--date", default="2026-08-01")
    b.add_argument(
        "--workers",
        default="1",
        help="worker processes, or a list (1,2): burden_redetermination runs once per count, its writes undone between",
    )
    b.add_argument("--kinds", default="age75_loss,burden_redetermination", help="jobs to run, in order")
    b.add_argument("--chunk-size", type=int, default=5000)
    commands.add_parser("_serve-qualification")
    args = parser.parse_args()
    if args.households is None:
        args.households = args.persons * 3 // 5
    if not 0 < args.households <= args.persons:
        parser.error(f"--households must be between 1 and --persons ({args.persons:,d}), got {args.households:,d}")
    globals()["SCHEMA"] = args.schema
    {"load": load, "confirm": confirm, "batch": batch, "_serve-qualification": serve_qualification, "_drive": drive}[
        args.command
    ](args)


if __name__ == "__main__":
    main()
