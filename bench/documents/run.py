"""Benchmark of svc-documents: certificates per second beside raw reportlab, the annual renewal with 1 and 2
workers, and one certificate at the counter through the gateway.

    python bench/documents/run.py render   [--certificates 1000]
    python bench/documents/run.py renewal  [--persons 20000] [--workers 1 2] [--database-url URL]
    python bench/documents/run.py counter  [--requests 200]   (after `renewal`, on its population; or --persons N)
    python bench/documents/run.py all      [--persons 20000] [--certificates 1000] [--requests 200]

Not part of `make test`. See README.md beside this file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import pathlib
import platform
import signal
import subprocess
import tempfile
import threading
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[2]
HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCHEMA_PREFIX = "bench_documents_"
BUSINESS_DATE = "2026-12-06"
RENEWAL_DATE = "2027-08-01"
D = dt.date


def _module(path: pathlib.Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux /proc), 0 when it is gone."""
    try:
        fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_seconds() -> tuple[float, float]:
    """(busy, idle) CPU seconds of the whole machine so far, all cores (/proc/stat; iowait counts as idle)."""
    ticks = [int(v) for v in pathlib.Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK"), idle / os.sysconf("SC_CLK_TCK")


def _pg_ports(pids: dict[str, int]) -> dict[int, str]:
    """The local TCP port -> the process name of each connection these processes hold to PostgreSQL (5432)."""
    owner_of: dict[str, str] = {}
    for name, pid in pids.items():
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                owner_of[link[8:-1]] = name
    ports = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = pathlib.Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[2].rsplit(":", 1)[1], 16) == 5432 and fields[9] in owner_of:
                ports[int(fields[1].rsplit(":", 1)[1], 16)] = owner_of[fields[9]]
    return ports


class _Backends:
    """The PostgreSQL backends serving the suite's processes, sampled while a job runs: their CPU seconds and what
    the active ones were doing (on CPU, or waiting: Lock, IO, LWLock, ...), per process they serve."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
        self.ports: dict[int, str] = {}
        self.first: dict[int, tuple[str, float]] = {}  # backend pid -> (owner, CPU seconds when first seen)
        self.samples: dict[str, dict[str, int]] = {}
        self.refreshed = 0.0

    def sample(self, pids: dict[str, int]) -> None:
        if time.monotonic() - self.refreshed > 2:
            self.ports, self.refreshed = _pg_ports(pids), time.monotonic()
        rows = self.conn.execute(
            "SELECT pid, client_port, state, coalesce(wait_event_type || ':' || wait_event, '') FROM pg_stat_activity"
            " WHERE client_port = ANY(%s)",
            (list(self.ports),),
        ).fetchall()
        for pid, port, state, wait in rows:
            owner = self.ports.get(port, "?")
            self.first.setdefault(pid, (owner, _cpu_seconds(pid)))
            if state == "active":
                tally = self.samples.setdefault(owner, {})
                tally[wait or "CPU"] = tally.get(wait or "CPU", 0) + 1

    def cpu(self) -> dict[str, float]:
        used: dict[str, float] = {}
        for pid, (owner, first) in self.first.items():
            used[owner] = used.get(owner, 0.0) + max(0.0, _cpu_seconds(pid) - first)
        self.conn.close()
        return used


class _Autoanalyze(threading.Thread):
    """autovacuum's analyze rule, applied by the bench when the server runs without autovacuum (this one does):
    every `autovacuum_naptime`, a table of the run's schemas changed by more than `autovacuum_analyze_threshold` +
    `autovacuum_analyze_scale_factor` x its rows since its last ANALYZE is analyzed, as a production server (autovacuum
    on, PostgreSQL's default) would. Without it the planner keeps the statistics of tables that were empty when the
    run began while a renewal fills them (a ledger look-up by person then reads every issued certificate)."""

    def __init__(self, url: str, schemas: list[str]) -> None:
        super().__init__(daemon=True)
        import psycopg

        self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
        self.schemas, self.stopping, self.analyzed = schemas, threading.Event(), 0
        settings = dict(
            self.conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN ('autovacuum', 'autovacuum_naptime',"
                " 'autovacuum_analyze_threshold', 'autovacuum_analyze_scale_factor')"
            ).fetchall()
        )
        self.needed = settings["autovacuum"] != "on"
        self.naptime = float(settings["autovacuum_naptime"])
        self.threshold = float(settings["autovacuum_analyze_threshold"])
        self.scale = float(settings["autovacuum_analyze_scale_factor"])

    def run(self) -> None:
        while not self.stopping.wait(self.naptime):
            due = self.conn.execute(
                "SELECT format('%%I.%%I', s.schemaname, s.relname) FROM pg_stat_user_tables s"
                " JOIN pg_class c ON c.oid = s.relid WHERE s.schemaname = ANY(%s)"
                " AND s.n_mod_since_analyze > %s + %s * greatest(c.reltuples, 0)",
                (self.schemas, self.threshold, self.scale),
            ).fetchall()
            for (table,) in due:
                if self.stopping.is_set():
                    break
                self.conn.execute(f"ANALYZE {table}")
                self.analyzed += 1

    def __enter__(self) -> _Autoanalyze:
        if self.needed:
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        if self.is_alive():
            self.join(120)
        self.conn.close()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ----- (a) rendering: one worker's drawing path beside raw reportlab -----


FAMILY = (
    "佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 斎藤 清水 山崎 森 池田 橋本"
    " 阿部 石川 山下 中島 石井 小川 前田"
).split()
GIVEN = (
    "翔太 陽菜 蓮 結衣 大翔 美咲 悠真 葵 湊 凛 健一 恵子 誠 裕子 浩二 和子 隆 幸子 勇気 明美 直樹 智子 大輔 由美 拓也"
    " 真由美 剛 久美子 修"
).split()
TOWNS = ("泉町", "若葉町", "桜台", "緑ケ丘", "東山田", "西原", "北新町")


def _facts(n: int, start: int = 0):
    """N synthetic persons' facts with a 資格確認書 due (from the `start`-th), names and addresses of realistic
    length."""
    from nhi_documents.domain.documents import PersonFacts
    from nhi_documents.domain.model import (
        Address,
        CertificateDue,
        CertificatesDue,
        HouseholdInfo,
        PersonInfo,
        QualificationInfo,
        Reason,
    )

    day = D.fromisoformat(RENEWAL_DATE)
    for i in range(start, start + n):
        pid, hid, h = f"{i + 1:010d}", f"H{i // 2 + 1:09d}", i // 2
        # every household its own address, every person their own name (up to 6,293) in common kanji: nothing a
        # renderer caches by text is met twice except a household's address
        address = Address(
            f"{1000000 + h % 8999999:07d}",
            f"みどり市{TOWNS[h % len(TOWNS)]}{h % 9 + 1}丁目{h // 9 % 30 + 1}番{h // 270 + 1}号",
            "",
        )
        given = GIVEN[i // len(FAMILY) % len(GIVEN)] + ("", *"子郎美也介代")[i // (len(FAMILY) * len(GIVEN)) % 7]
        person = PersonInfo(
            pid,
            hid,
            f"{FAMILY[i % len(FAMILY)]}　{given}",
            "シケン　ハナコ",
            D(1950 + i % 60, 1 + i % 12, 1 + i % 28),
            "2",
            address,
        )
        household = HouseholdInfo(hid, pid, "みどり", hid[1:], address, (person,))
        qualification = QualificationInfo(pid, day, True, "139998", "みどり", hid[1:], "01", D(2015, 4, 1))
        due = CertificatesDue(
            pid,
            day,
            (
                CertificateDue(
                    "eligibility_certificate",
                    pid,
                    day,
                    D(2028, 7, 31),
                    (Reason("CERT-KIND", "マイナ保険証の利用登録なしのため資格確認書を申請によらず交付"),),
                ),
            ),
        )
        yield PersonFacts(person, qualification, household, person.name_kanji, due)


def _renderer():
    from nhi_common import config
    from nhi_documents import bootstrap
    from nhi_documents.adapters.fonts import find_font
    from nhi_documents.settings import Settings

    settings = config.load(Settings, {"QUALIFICATION_ADDR": "127.0.0.1:1"})
    return bootstrap.make_renderer(settings), find_font(settings.pdf_font)


def render(args) -> dict[str, float]:
    """Certificates/s of the renewal's drawing path (model, fitting, fallback runs, one PDF each, sha256) beside raw
    reportlab drawing the same rows with the same font into one merged PDF."""
    from nhi_documents.domain import documents, kinds
    from nhi_documents.service_layer import renewal
    from nhi_documents.service_layer.services import DocumentService

    raw_module = _module(HERE / "raw_reportlab.py", "raw_reportlab")
    renderer, font = _renderer()
    service = DocumentService(
        store=None, qualification=None, renderer=renderer, insurer_number="139998", municipality_name="みどり市"
    )
    day = D.fromisoformat(RENEWAL_DATE)
    now = dt.datetime.now(dt.timezone.utc)
    spec = kinds.KINDS["eligibility_certificate"]
    rounds = []  # (raw wall, raw CPU, ours wall, ours CPU) seconds, one after the other, other persons each round
    profiler = None
    for number in range(max(1, args.rounds)):
        facts = list(_facts(args.certificates, start=number * args.certificates))
        models = [
            documents.person_document(spec, f, service.printing, day=day, created_at=now, options={}, number="R9-1")
            for f in facts
        ]
        cpu = time.process_time()
        _pdf, raw_seconds = raw_module.draw(models, font)
        raw_cpu = time.process_time() - cpu
        if args.profile and number == args.rounds - 1:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        started, cpu = time.perf_counter(), time.process_time()
        for index, f in enumerate(facts):
            issued = renewal.issue(
                service, f, kind="eligibility_certificate", day=day, number=f"R9-{index:06d}", document_id=str(index)
            )
            assert not isinstance(issued, str), issued
        rounds.append((raw_seconds, raw_cpu, time.perf_counter() - started, time.process_time() - cpu))
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    n = len(facts)
    best = [min(r[i] for r in rounds) for i in range(4)]  # the least disturbed round of each, on a shared machine
    result = {"raw": n / best[0], "worker_render": n / best[2], "raw_cpu": n / best[1], "worker_cpu": n / best[3]}
    print(f"(a) {n} certificates (2 pages each), best of {len(rounds)} rounds; load average {os.getloadavg()[0]:.1f}")
    print(
        f"    raw reportlab, one merged PDF      {result['raw']:8.1f} certificates/s wall, {result['raw_cpu']:8.1f} CPU"
    )
    print(
        f"    renewal drawing path, PDF each     {result['worker_render']:8.1f} certificates/s wall,"
        f" {result['worker_cpu']:8.1f} CPU   = {result['worker_render'] / result['raw']:.2f} × raw (wall),"
        f" {result['worker_cpu'] / result['raw_cpu']:.2f} × raw (CPU)"
    )
    return result


# ----- (b) the renewal end to end, real processes -----


def _schemas() -> dict[str, str]:
    """Schemas of this run's own (`bench_documents_<pid>_<service>`): two runs at once on one PostgreSQL (two
    engineers on one machine) must not drop each other's tables."""
    from nhi_devtools.suite import SERVICES

    return {prefix: f"{SCHEMA_PREFIX}{os.getpid()}_{name.replace('-', '_')}" for name, _script, prefix in SERVICES}


def _orphans(url: str) -> list[str]:
    """Schemas left by runs whose process is gone (a run killed before its cleanup)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        names = conn.exec_driver_sql(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %(prefix)s", {"prefix": SCHEMA_PREFIX + "%"}
        ).scalars()
        found = []
        for name in names:
            pid = name[len(SCHEMA_PREFIX) :].split("_", 1)[0]
            if not pid.isdigit():
                continue
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                found.append(name)
            except PermissionError:
                pass
    engine.dispose()
    return found


def _drop(url: str, schemas) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for schema in schemas:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


def _load(url: str, schema: str, persons: int) -> float:
    """The qualification bench's synthetic city (COPY), with an address on every household; seconds taken."""
    import psycopg

    qualification_bench = _module(ROOT / "bench" / "qualification" / "run.py", "bench_qualification_run")
    started = time.perf_counter()
    buffers = qualification_bench._buffers(persons, max(1, int(persons / 1.67)))
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as raw:
        raw.execute(f'SET search_path TO "{schema}"')
        raw.commit()
        for table, (columns, buf) in buffers.items():
            qualification_bench._copy(raw, table, columns, buf)
        raw.execute(
            "UPDATE households SET address = json_build_object("
            "'postal_code', lpad((1000000 + abs(hashtext(household_id)) % 8999999)::text, 7, '0'),"
            "'address_code', '13999001', 'address', 'みどり市泉町' || (abs(hashtext(household_id)) % 9 + 1) || '丁目'"
            " || (abs(hashtext(household_id)) % 30 + 1) || '番' || (abs(hashtext(household_id)) % 20 + 1) || '号',"
            "'building', '', 'district_code', '01')::text"
        )
        # Only the tables loaded: a whole-database ANALYZE would also record the other services' tables as empty, and
        # on a server without autovacuum the planner would keep believing so while a renewal fills them.
        raw.execute("ANALYZE " + ", ".join(f'"{schema}".{table}' for table in buffers))
        raw.commit()
    return time.perf_counter() - started


class Bench:
    """The suite on PostgreSQL with an embedded NATS, no demo data, the population loaded by COPY."""

    def __init__(self, url: str, persons: int) -> None:
        from nhi_devtools.suite import Suite, free_port

        self.url, self.persons = url, persons
        self.schemas = _schemas()
        _drop(url, [*self.schemas.values(), *_orphans(url)])
        env = {"NHI_BUSINESS_DATE": BUSINESS_DATE, "LOG_LEVEL": "WARNING", "DOCUMENTS_JOB_CHUNK_SIZE": "200"}
        env["GATEWAY_RATE_LIMIT_PER_SECOND"] = "0"  # one subject drives the whole load: measure the work, not the limit
        for prefix, schema in self.schemas.items():
            env[f"{prefix}_DATABASE_URL"] = url
            env[f"{prefix}_DATABASE_SCHEMA"] = schema
        self.var = pathlib.Path(tempfile.mkdtemp(prefix="bench-documents-"))
        self.suite = Suite(self.var, gateway_port=free_port(), demo_households=0, documents_workers=0, extra_env=env)
        self.workers: list[subprocess.Popen] = []
        self.runs = 0  # renewals run so far: each renews another day (see renewal)

    def __enter__(self) -> Bench:
        import httpx

        from nhi_gateway.tokens import mint_token

        self.suite.start(timeout=180)
        try:
            self.load_seconds = _load(self.url, self.schemas["QUALIFICATION"], self.persons)
            self.autoanalyze = _Autoanalyze(self.url, list(self.schemas.values())).__enter__()
        except BaseException:  # no __exit__ after a failed __enter__: the suite's processes must not outlive the bench
            self.suite.stop()
            raise
        secret = self.suite.env["NHI_JWT_SECRET"]
        self.http = httpx.Client(base_url=self.suite.url, timeout=60)
        self.tokens = {role: mint_token(secret, roles=[role], sub="bench") for role in ("batch", "counter")}
        return self

    def __exit__(self, *exc) -> None:
        self.stop_workers()
        self.autoanalyze.__exit__()
        self.http.close()
        self.suite.stop()
        _drop(self.url, self.schemas.values())

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}", "Idempotency-Key": str(uuid.uuid4())}

    def start_workers(self, count: int) -> None:
        from nhi_devtools.suite import BIN

        for number in range(count):
            log = open(self.var / "log" / f"bench-worker-{number}.log", "ab")  # noqa: SIM115 - the child's
            self.workers.append(
                subprocess.Popen(
                    [str(BIN / "nhi-documents"), "work"],
                    env=self.suite.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        time.sleep(3)  # imports, migrations checked, consumers bound

    def stop_workers(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(30)
        self.workers.clear()

    def pids(self) -> dict[str, int]:
        """svc-qualification, svc-documents, the gateway and each worker."""
        names = ("qualification", "documents", "gateway")
        pids = {name: process.pid for name, process in self.suite.processes.items() if name in names}
        return pids | {f"worker-{number}": worker.pid for number, worker in enumerate(self.workers)}

    def cpu(self) -> dict[str, float]:
        """CPU seconds (user + system) used so far by each of `pids`, and by the embedded NATS server (`nats`)."""
        used = {name: _cpu_seconds(pid) for name, pid in self.pids().items()}
        if self.suite.nats is not None and self.suite.nats.process is not None:
            used["nats"] = _cpu_seconds(self.suite.nats.process.pid)
        return used

    def renewal(self, workers: int) -> dict[str, float]:
        import sqlalchemy as sa

        # Each renewal of a bench renews another day: the same date again would print what the run before issued
        # and issue nothing (a renewal started again issues each certificate once).
        day = (D.fromisoformat(RENEWAL_DATE) + dt.timedelta(days=self.runs)).isoformat()
        self.runs += 1
        self.start_workers(workers)
        phases: dict[str, float] = {}
        backends = _Backends(self.url)
        try:
            backends.sample(self.pids())
            cpu_before = self.cpu()
            machine_before = _machine_seconds()
            analyzed_before = self.autoanalyze.analyzed
            started = time.perf_counter()
            answer = self.http.post(
                "/api/v1/jobs",
                json={"kind": "annual_renewal", "parameters": {"date": day}},
                headers=self.headers("batch"),
            )
            answer.raise_for_status()
            job_id = answer.json()["job_id"]
            refused: list[int] = []
            while True:
                polled = self.http.get(f"/api/v1/jobs/{job_id}", headers=self.headers("batch"))
                if polled.status_code != 200:  # a poll refused (503 while a service is busy, 429): asked again
                    refused.append(polled.status_code)
                    if len(refused) > 240:
                        raise RuntimeError(f"GET /api/v1/jobs/{job_id} refused {len(refused)} times: {polled.text}")
                    print(f"  poll answered {polled.status_code}: {polled.text[:200]}", flush=True)
                    time.sleep(0.25)
                    continue
                job = polled.json()
                phases.setdefault(job["state"], time.perf_counter() - started)  # when each state was first seen
                if job["total"] and job["done"] + job["failed"] >= job["total"]:
                    phases.setdefault("chunks_done", time.perf_counter() - started)  # then the print files
                if job["state"] in ("succeeded", "failed"):
                    break
                backends.sample(self.pids())
                time.sleep(0.25)
            seconds = time.perf_counter() - started
            machine = [now - before for now, before in zip(_machine_seconds(), machine_before, strict=True)]
            cpu = {name: used - cpu_before.get(name, 0.0) for name, used in self.cpu().items()}
            cpu |= {f"pg:{name}": used for name, used in backends.cpu().items()}
        finally:
            self.stop_workers()
        engine = sa.create_engine(self.url)
        with engine.connect() as conn:
            schema = self.schemas["DOCUMENTS"]
            certificates = conn.execute(
                sa.text(f'SELECT count(*) FROM "{schema}".documents WHERE job_id = :j'), {"j": job_id}
            ).scalar()
        engine.dispose()
        return {
            "state": job["state"],
            "persons": job["total"],
            "certificates": certificates,
            "seconds": seconds,
            "phases": phases,
            "cpu": cpu,
            "machine": {"busy": machine[0], "idle": machine[1]},
            "waits": backends.samples,
            "analyzed": self.autoanalyze.analyzed - analyzed_before if self.autoanalyze.needed else None,
        }

    def counter(self, requests: int) -> dict[str, float]:
        persons = [f"{i:010d}" for i in range(1, self.persons + 1, max(1, self.persons // requests))][:requests]
        latencies = []
        for person_id in persons:
            started = time.perf_counter()
            answer = self.http.post(
                "/api/v1/documents",
                json={"kind": "eligibility_certificate", "person_id": person_id},
                headers=self.headers("counter"),
            )
            latencies.append(time.perf_counter() - started)
            if answer.status_code != 201:
                latencies.pop()  # a person of 75 or over has no certificate: not a counter issue
        return {"requests": len(latencies), "p50": _pct(latencies, 0.5) * 1000, "p99": _pct(latencies, 0.99) * 1000}


def renewal(args) -> None:
    with Bench(args.database_url, args.persons) as bench:
        print(f"population: {args.persons} insured loaded in {bench.load_seconds:.1f}s")
        _renewals(bench, args.workers)
        if args.requests:
            _counter(bench, args.requests)


def _renewals(bench: Bench, worker_counts: list[int]) -> dict[int, dict]:
    results = {}
    for count in worker_counts:
        result = bench.renewal(count)
        results[count] = result
        rate = result["certificates"] / result["seconds"]
        print(
            f"(b) renewal, {count} worker(s): {result['persons']} persons, {result['certificates']} certificates in"
            f" {result['seconds']:.1f}s = {rate:.1f} certificates/s ({result['state']})",
            flush=True,
        )
        phases = result["phases"]
        chunks = phases.get("chunks_done", result["seconds"]) - phases.get("running", 0.0)
        print(
            f"    planned after {phases.get('running', 0.0):.1f}s, chunks {chunks:.1f}s, print files and manifest"
            f" {result['seconds'] - phases.get('chunks_done', result['seconds']):.1f}s;"
            f" CPU seconds: {', '.join(f'{name} {used:.1f}' for name, used in sorted(result['cpu'].items()))}"
            f"; load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        busy, idle = result["machine"]["busy"], result["machine"]["idle"]
        print(
            f"    the machine: {busy:.1f} CPU seconds busy, {idle:.1f} idle ({busy / (busy + idle):.0%} busy);"
            f" not charged to the processes above: {busy - sum(result['cpu'].values()):.1f}"
            " (the kernel's work for the loopback traffic and the disk, PostgreSQL's own processes, anything else)",
            flush=True,
        )
        waits = "; ".join(
            f"{owner}: " + ", ".join(f"{what} {n}" for what, n in sorted(tally.items(), key=lambda kv: -kv[1]))
            for owner, tally in sorted(result["waits"].items())
        )
        print(f"    PostgreSQL backends seen active (samples every 0.25 s, by wait event): {waits}", flush=True)
        if result["analyzed"] is not None:
            print(
                f"    the server runs without autovacuum: the bench applied its analyze rule, {result['analyzed']}"
                " ANALYZE(s) during the job",
                flush=True,
            )
    if 1 in results and 2 in results:
        one, two = (results[c]["certificates"] / results[c]["seconds"] for c in (1, 2))
        print(f"    2 workers / 1 worker = {two / one:.2f}")
    return results


def _counter(bench: Bench, requests: int) -> None:
    result = bench.counter(requests)
    print(
        f"(c) counter, POST /api/v1/documents (eligibility_certificate), {result['requests']} sequential:"
        f" p50 {result['p50']:.0f} ms, p99 {result['p99']:.0f} ms",
        flush=True,
    )


def counter(args) -> None:
    with Bench(args.database_url, args.persons) as bench:
        _counter(bench, args.requests)


def everything(args) -> None:
    print(
        f"{dt.date.today()} on {platform.node()}: {os.cpu_count()} cores, {platform.processor() or platform.machine()}"
    )
    render(args)
    renewal(args)


def main() -> None:
    from nhi_devtools.suite import exit_on_sigterm

    exit_on_sigterm()  # a killed run still stops what it started and drops what it created
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, handler in (("render", render), ("renewal", renewal), ("counter", counter), ("all", everything)):
        command = commands.add_parser(name)
        command.set_defaults(handler=handler)
        command.add_argument("--certificates", type=int, default=1000)
        command.add_argument("--persons", type=int, default=20000)
        command.add_argument("--workers", type=int, nargs="+", default=[1, 2])
        command.add_argument("--requests", type=int, default=200 if name != "renewal" else 0)
        command.add_argument("--database-url", default=DEFAULT_URL)
        command.add_argument("--profile", action="store_true", help="cProfile the drawing path (render)")
        command.add_argument("--rounds", type=int, default=3, help="render: raw and ours in turn, the best of each")
    args = parser.parse_args()
    args.handler(args)


if __name__ == "__main__":
    main()
