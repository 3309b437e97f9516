"""Rate limits shared by the worker processes of one gateway: the table in a memory-mapped file, by itself, across
real processes, and in the gateway started with GATEWAY_WORKERS=2."""

from __future__ import annotations

import http.client
import math
import os
import pathlib
import signal
import struct
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

import pytest
from gateway_checks import SECRET, token

from nhi_devtools.suite import free_port
from nhi_gateway.problems import Problem
from nhi_gateway.ratelimit import Rate, RateLimiter, SharedBuckets, shared_file

BIN = pathlib.Path(sys.executable).parent
SLOW = 0.001  # requests a second: nothing worth a request refills while a test runs


@pytest.fixture
def table(tmp_path):
    path = str(tmp_path / "rate-limits")
    SharedBuckets(path).close()
    return path


def limiters(path: str, count: int, rate: Rate, clock):
    return [RateLimiter(rate, clock=clock, shared_file=path) for _ in range(count)]


def slot_offset(path: str, subject: str) -> int:
    with open(path, "rb") as file:
        _, slots = SharedBuckets._HEADER.unpack(file.read(SharedBuckets._HEADER.size))
    return SharedBuckets._HEADER.size + (SharedBuckets.key(subject) % slots) * SharedBuckets._SLOT.size


# --- the table --------------------------------------------------------------------------------------


def test_two_limiters_over_one_file_spend_one_bucket(table):
    now = [0.0]
    first, second = limiters(table, 2, Rate(per_second=10, burst=5), lambda: now[0])
    let_in = [limiter.wait("clerk-01", limiter.default) == 0 for _ in range(4) for limiter in (first, second)]
    assert let_in == [True] * 5 + [False] * 3
    assert second.wait("clerk-01", second.default) == pytest.approx(0.1)
    # Another subject has a bucket of its own; the rate refills the shared one for both.
    assert first.wait("clerk-02", first.default) == 0
    now[0] += 0.25
    assert [first.wait("clerk-01", first.default) == 0, second.wait("clerk-01", second.default) == 0] == [True, True]
    assert first.wait("clerk-01", first.default) > 0
    for limiter in (first, second):
        limiter.close()


def test_the_shared_table_answers_as_the_in_memory_one(table):
    now = [0.0]
    rate = Rate(per_second=3, burst=4)
    in_memory = RateLimiter(rate, clock=lambda: now[0])
    (shared,) = limiters(table, 1, rate, lambda: now[0])
    steps = [0.0, 0.0, 0.1, 0.0, 0.0, 0.0, 0.5, 0.2, 0.0, 1.7, 0.0, 0.0, 0.0, 0.0, 0.0, 60.0, 0.0]
    answers = []
    for step in steps:
        now[0] += step
        for subject in ("a", "b"):
            answers.append((in_memory.wait(subject, rate), shared.wait(subject, rate)))
    assert [pytest.approx(memory) for memory, _ in answers] == [got for _, got in answers]
    shared.close()


def test_the_check_raises_the_same_429_over_the_shared_table(table):
    (limiter,) = limiters(table, 1, Rate(per_second=0.5, burst=1), time.monotonic)
    limiter.check("clerk-01", ["counter"])
    with pytest.raises(Problem) as refused:
        limiter.check("clerk-01", ["counter"])
    problem = refused.value
    assert problem.status == 429 and problem.headers == {"Retry-After": "2"}
    assert problem.ext == {"limit_per_second": 0.5, "burst": 1, "retry_after": 2}
    limiter.close()


def test_a_full_table_forgets_the_subject_seen_least_recently(tmp_path):
    path = str(tmp_path / "small")
    SharedBuckets(path, slots=4).close()
    now = [0.0]
    (limiter,) = limiters(path, 1, Rate(per_second=SLOW, burst=1), lambda: now[0])

    def let_in(subject: str) -> bool:
        now[0] += 1
        return limiter.wait(subject, limiter.default) == 0

    assert [let_in(s) for s in ("s0", "s1", "s2", "s3")] == [True] * 4
    assert [let_in(s) for s in ("s0", "s1", "s2", "s3")] == [False] * 4  # each slot holds its subject's empty bucket
    assert let_in("s4")  # no slot free: s0's, the least recently seen, is taken
    assert let_in("s0")  # s0 starts over with a full bucket, in s1's slot
    assert [let_in(s) for s in ("s2", "s3", "s4", "s0")] == [False] * 4
    assert let_in("s1")
    limiter.close()


@pytest.mark.parametrize(
    "tokens, last",
    [(math.nan, 0.0), (-3.0, 0.0), (2.0, math.inf), (2.0, 1e300), (math.inf, 0.0)],
    ids=["nan", "negative", "infinite-time", "future-time", "infinite-tokens"],
)
def test_a_garbled_slot_of_the_subject_counts_as_a_new_bucket(table, tokens, last):
    with open(table, "r+b") as file:
        file.seek(slot_offset(table, "clerk-01"))
        file.write(SharedBuckets._SLOT.pack(SharedBuckets.key("clerk-01"), tokens, last))
    now = [100.0]
    (limiter,) = limiters(table, 1, Rate(per_second=SLOW, burst=3), lambda: now[0])
    assert [limiter.wait("clerk-01", limiter.default) == 0 for _ in range(4)] == [True, True, True, False]
    limiter.close()


def test_random_bytes_in_the_table_never_crash_and_let_a_new_subject_in(table):
    size = os.path.getsize(table)
    with open(table, "r+b") as file:
        file.seek(SharedBuckets._HEADER.size)
        file.write(os.urandom(size - SharedBuckets._HEADER.size))
    now = [1000.0]
    (limiter,) = limiters(table, 1, Rate(per_second=SLOW, burst=2), lambda: now[0])
    for n in range(2000):
        assert limiter.wait(f"clerk-{n}", limiter.default) == 0
    limiter.close()


def test_a_file_that_is_not_a_table_is_refused_not_overwritten(tmp_path):
    other = tmp_path / "other"
    other.write_bytes(b"somebody else's data" * 100)
    with pytest.raises(ValueError, match="not a rate-limit table"):
        SharedBuckets(str(other))
    assert other.read_bytes() == b"somebody else's data" * 100
    short = tmp_path / "short"
    short.write_bytes(struct.pack("<8sQ", SharedBuckets.MAGIC, 1000))
    with pytest.raises(ValueError, match="not a rate-limit table"):
        SharedBuckets(str(short))


def test_a_table_that_cannot_be_opened_leaves_the_process_its_own_buckets(tmp_path, caplog):
    now = [0.0]
    limiter = RateLimiter(
        Rate(per_second=SLOW, burst=2), clock=lambda: now[0], shared_file=str(tmp_path / "gone" / "x")
    )
    assert "cannot open the shared table" in caplog.text
    assert [limiter.wait("clerk-01", limiter.default) == 0 for _ in range(3)] == [True, True, False]


def test_the_gateways_file_is_private_and_removed_afterwards():
    with shared_file() as path:
        assert os.stat(path).st_mode & 0o777 == 0o600
        assert os.stat(os.path.dirname(path)).st_mode & 0o777 == 0o700
        (limiter,) = limiters(path, 1, Rate(per_second=SLOW, burst=1), time.monotonic)
        assert limiter.wait("clerk-01", limiter.default) == 0
        limiter.close()
    assert not os.path.exists(os.path.dirname(path))


def test_a_table_left_by_a_killed_gateway_is_removed_by_the_next_and_a_running_ones_is_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = tmp_path / f"nhi-gateway-{gone.stdout.strip()}-x1y2"  # a gateway SIGKILLed: no cleanup ran
    running = tmp_path / f"nhi-gateway-{os.getppid()}-a3b4"  # a gateway still serving (its pid alive)
    other = tmp_path / "nhi-gateway-notes"
    for folder in (left, running, other):
        folder.mkdir()
        (folder / "rate-limits").write_bytes(b"")
    with shared_file() as path:
        assert pathlib.Path(path).parent.parent == tmp_path
        assert not left.exists()
        assert running.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([running.name, other.name])


def test_threads_of_two_limiters_let_in_the_burst_once(table):
    shared = limiters(table, 2, Rate(per_second=SLOW, burst=50), time.monotonic)
    admitted = []

    def hammer(limiter):
        admitted.append(sum(limiter.wait("clerk-01", limiter.default) == 0 for _ in range(500)))

    threads = [threading.Thread(target=hammer, args=(shared[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(admitted) == 50
    for limiter in shared:
        limiter.close()


# --- real processes ---------------------------------------------------------------------------------

HAMMER = textwrap.dedent(
    """
    import sys
    from nhi_gateway.ratelimit import Rate, RateLimiter

    limiter = RateLimiter(Rate(float(sys.argv[2]), int(sys.argv[3])), shared_file=sys.argv[1])
    print("ready", flush=True)
    sys.stdin.readline()  # all start together
    admitted = {"clerk-01": 0, "clerk-02": 0}
    for _ in range(int(sys.argv[4])):
        for subject in admitted:
            admitted[subject] += limiter.wait(subject, limiter.default) == 0
    print(admitted["clerk-01"], admitted["clerk-02"], flush=True)
    """
)


def test_processes_over_one_file_let_in_each_subjects_burst_once_in_all(table):
    burst, attempts = 300, 3000
    started = time.monotonic()
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", HAMMER, table, str(SLOW), str(burst), str(attempts)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    try:
        for process in processes:
            assert process.stdout.readline().strip() == "ready"
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        counts = [tuple(map(int, process.stdout.readline().split())) for process in processes]
    finally:
        for process in processes:
            process.stdin.close()
            process.wait(timeout=60)
    # What refills during the test (SLOW a second) is below one request: each subject gets its burst, no more.
    assert time.monotonic() - started < 1 / SLOW
    assert [sum(c[0] for c in counts), sum(c[1] for c in counts)] == [burst, burst]
    assert all(process.returncode == 0 for process in processes)


# --- the gateway with two workers -------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = pathlib.Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _mapped_table(pid: int) -> str | None:
    try:
        maps = pathlib.Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return None
    return next((line.split()[-1] for line in maps.splitlines() if line.endswith("/rate-limits")), None)


def _serving_worker(workers: list[int], server_port: int, client_port: int) -> int | None:
    """The worker holding the server side of the connection from `client_port` (from /proc/net/tcp and its fds)."""
    inode = None
    for line in pathlib.Path("/proc/net/tcp").read_text().splitlines()[1:]:
        cells = line.split()
        if cells[3] != "01":  # ESTABLISHED only (a closed connection's TIME_WAIT has no socket)
            continue
        local, remote = int(cells[1].split(":")[1], 16), int(cells[2].split(":")[1], 16)
        if (local, remote) == (server_port, client_port):
            inode = cells[9]
    for pid in workers:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="needs Linux /proc to tell the workers apart")
def test_a_gateway_with_two_workers_lets_a_subject_in_burst_times_in_all(backends, tmp_path):
    burst, port = 4, free_port()
    settings = backends.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "NHI_", "OTEL_"))}
    env.update(
        NHI_JWT_SECRET=SECRET,
        NHI_VAR_DIR=str(tmp_path),
        GATEWAY_HOST="127.0.0.1",
        GATEWAY_PORT=str(port),
        GATEWAY_WORKERS="2",
        GATEWAY_RATE_LIMIT_PER_SECOND=str(SLOW),
        GATEWAY_RATE_LIMIT_BURST=str(burst),
        QUALIFICATION_ADDR=settings.qualification_addr,
        DOCUMENTS_ADDR=settings.documents_addr,
        INTEGRATION_ADDR=settings.integration_addr,
        INTERCHANGE_ADDR=settings.interchange_addr,
        LOG_LEVEL="WARNING",
    )
    log_file = open(tmp_path / "gateway.log", "wb")
    gateway = subprocess.Popen([str(BIN / "nhi-gateway"), "serve"], env=env, cwd=tmp_path, stderr=log_file)
    connections: list[http.client.HTTPConnection] = []
    try:
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while len(workers) < 2:
            assert gateway.poll() is None and time.monotonic() < deadline, (tmp_path / "gateway.log").read_text()
            time.sleep(0.2)
            workers = [pid for pid in _children(gateway.pid) if _mapped_table(pid)]
        tables = {_mapped_table(pid) for pid in workers}
        assert len(tables) == 1 and "/nhi-gateway-" in next(iter(tables))  # both map the one file
        while True:  # until the port answers
            assert time.monotonic() < deadline, (tmp_path / "gateway.log").read_text()
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                probe.request("GET", "/healthz")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
            finally:
                probe.close()

        headers = {"Authorization": f"Bearer {token('counter', sub='clerk-01')}"}
        statuses: dict[int, list[int]] = {pid: [] for pid in workers}
        # A new connection each request, kept open until we know which worker took it; until each worker has
        # answered more than the burst (per-worker buckets would then let 2 x burst in).
        while min(len(s) for s in statuses.values()) <= burst:
            assert sum(map(len, statuses.values())) < 400, statuses
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/api/v1/persons/P1", headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status == 429:
                assert int(response.headers["Retry-After"]) >= 1
            else:
                assert response.status == 200
            connections.append(connection)
            worker = _serving_worker(workers, port, connection.sock.getsockname()[1])
            assert worker in statuses
            statuses[worker].append(response.status)
        admitted = sum(s.count(200) for s in statuses.values())
        assert admitted == burst, statuses
    finally:
        for connection in connections:
            connection.close()
        gateway.send_signal(signal.SIGTERM)
        gateway.wait(timeout=60)
        log_file.close()
    assert gateway.returncode == 0
    assert not any(os.path.exists(path) for path in tables)  # removed when the gateway stopped
