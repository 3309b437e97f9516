"""Rate limits per token subject: a token bucket for each subject, its size and rate by the token's roles.

A subject may send `burst` requests at once, then `per_second` on average; beyond that the gateway answers 429 with
Retry-After (the seconds until the next request would be let in). One gateway process keeps the buckets in memory;
with GATEWAY_WORKERS=N the worker processes share them through a memory-mapped file that `nhi-gateway serve` creates
(GATEWAY_RATE_LIMIT_FILE), so the limit holds for the whole gateway, whichever worker a connection lands on. It is
per gateway, not per deployment: each pod of a Kubernetes deployment with several replicas keeps its own buckets and
lets a subject in at the full limit.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import fcntl
import hashlib
import logging
import math
import mmap
import os
import shutil
import struct
import tempfile
import threading
import time
import typing as t

from .problems import Problem
from .settings import RATE_LIMIT_FILE_VAR as SHARED_FILE_VAR

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Rate:
    per_second: float
    burst: int


def parse_role_limits(text: str) -> dict[str, Rate | None]:
    """`batch=200/2000,counter=10/100,admin=off` -> role -> Rate (None: no limit). Raises ValueError."""
    from .tokens import ROLES

    limits: dict[str, Rate | None] = {}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        role, _, value = item.partition("=")
        role, value = role.strip(), value.strip()
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
        if value == "off":
            limits[role] = None
            continue
        per_second, _, burst = value.partition("/")
        try:
            rate = Rate(float(per_second), int(burst))
        except ValueError:
            raise ValueError(f"{item!r} is not role=per_second/burst") from None
        if rate.per_second <= 0 or rate.burst < 1:
            raise ValueError(f"{item!r}: the rate must be above 0 and the burst 1 or more (or role=off)")
        limits[role] = rate
    return limits


def _spend(tokens: float, last: float, now: float, rate: Rate) -> tuple[float, float]:
    """The bucket refilled since `last` and one request taken from it if it holds one: (tokens left, seconds to
    wait; 0 when the request may go)."""
    tokens = min(float(rate.burst), tokens + max(0.0, now - last) * rate.per_second)
    if tokens >= 1:
        return tokens - 1, 0.0
    return tokens, (1 - tokens) / rate.per_second


class SharedBuckets:
    """The buckets of every worker process of one gateway, in a fixed-size table of a memory-mapped file.

    A slot holds a subject's 8-byte hash (blake2b; 0: free), its tokens and the time of its last request
    (time.monotonic, which is system-wide on Linux). A subject lives in one of PROBE slots from its hash's position;
    when none is its own or free, it takes the one of them seen least recently, whose subject starts over with a full
    bucket (as the in-memory table forgets beyond MAX_SUBJECTS). Each request locks the whole file (flock, released by
    the kernel if a worker dies holding it) for a few slot reads and one write. A slot that does not hold a sane
    bucket (a garbled file) counts as free: the worst it does is let its subject start over. Each process opens the
    file itself (a descriptor inherited through fork would share its lock with the parent).
    """

    SLOTS = 16_384  # 384 KiB; far more than the operators and batch accounts of one municipality
    PROBE = 8
    MAGIC = b"NHIRATE1"
    _HEADER = struct.Struct("<8sQ")  # magic, number of slots
    _SLOT = struct.Struct("<Qdd")  # subject hash, tokens, last time

    def __init__(self, path: str, slots: int = SLOTS) -> None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                slots = self._prepare(fd, path, slots)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
            self._map = mmap.mmap(fd, self._HEADER.size + slots * self._SLOT.size)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        self.path = path
        self.slots = slots
        self._probe = min(self.PROBE, slots)

    @classmethod
    def _prepare(cls, fd: int, path: str, slots: int) -> int:
        """A new file gets its header and size; an existing one must be such a table (and is taken as it is)."""
        size = os.fstat(fd).st_size
        if size == 0:
            if slots < 1:
                raise ValueError("a rate-limit table needs 1 slot or more")
            os.ftruncate(fd, cls._HEADER.size + slots * cls._SLOT.size)
            os.pwrite(fd, cls._HEADER.pack(cls.MAGIC, slots), 0)
            return slots
        magic, found = cls._HEADER.unpack(os.pread(fd, cls._HEADER.size, 0).ljust(cls._HEADER.size, b"\0"))
        if magic != cls.MAGIC or not 1 <= found <= (size - cls._HEADER.size) // cls._SLOT.size:
            raise ValueError(f"{path} is not a rate-limit table ({SHARED_FILE_VAR})")
        return found

    @staticmethod
    def key(subject: str) -> int:
        """A stable 64-bit hash of the subject, the same in every process (Python's own hash() is not); never 0."""
        digest = hashlib.blake2b(subject.encode("utf-8", "surrogatepass"), digest_size=8, person=b"nhi-rate")
        return int.from_bytes(digest.digest(), "little") or 1

    def wait(self, subject: str, rate: Rate, clock: t.Callable[[], float]) -> float:
        """As RateLimiter.wait, on the shared table. The caller holds its own threading lock: flock does not keep
        apart the threads that share this file descriptor."""
        key = self.key(subject)
        start = key % self.slots
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            now = clock()  # under the lock: no other process stores a later time before this one
            offset, tokens, last = self._find(key, start, now)
            if tokens is None:
                tokens, last = float(rate.burst), now
            tokens, waited = _spend(tokens, last, now, rate)
            self._SLOT.pack_into(self._map, offset, key, tokens, now)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        return waited

    def _find(self, key: int, start: int, now: float) -> tuple[int, float | None, float]:
        """The offset of the subject's slot and its bucket (tokens None: a new one), else of a free slot, else of the
        probed slot seen least recently."""
        free: int | None = None
        oldest, oldest_last = -1, math.inf
        for step in range(self._probe):
            offset = self._HEADER.size + ((start + step) % self.slots) * self._SLOT.size
            held, tokens, last = self._SLOT.unpack_from(self._map, offset)
            sane = math.isfinite(tokens) and math.isfinite(last) and tokens >= 0 and last <= now
            if held == key:
                return (offset, tokens, last) if sane else (offset, None, now)
            if held == 0 or not sane:
                if free is None:
                    free = offset
            elif last < oldest_last:
                oldest, oldest_last = offset, last
        return (free if free is not None else oldest), None, now

    def close(self) -> None:
        self._map.close()
        os.close(self._fd)


_PRIVATE_DIR = "nhi-gateway-"  # + the pid of the gateway that made it + "-" + mkdtemp's random part


@contextlib.contextmanager
def shared_file() -> t.Iterator[str]:
    """A new table for the worker processes of one gateway, in a private temporary directory (0700, the file 0600)
    that is removed when the gateway stops. What a gateway killed outright (SIGKILL, OOM) left behind is removed by
    the next one to start: a directory of ours whose gateway no longer runs."""
    _remove_left_behind(tempfile.gettempdir())
    directory = tempfile.mkdtemp(prefix=f"{_PRIVATE_DIR}{os.getpid()}-")
    try:
        path = os.path.join(directory, "rate-limits")
        SharedBuckets(path).close()
        yield path
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _remove_left_behind(parent: str) -> None:
    for name in os.listdir(parent):
        pid = name[len(_PRIVATE_DIR) :].partition("-")[0]
        if not name.startswith(_PRIVATE_DIR) or not pid.isdigit():
            continue
        path = os.path.join(parent, name)
        try:
            if os.stat(path).st_uid != os.getuid() or _alive(int(pid)):
                continue
        except OSError:
            continue
        log.info("removing a rate-limit table left by gateway %s, which no longer runs", pid)
        shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process holds the pid
    return True


class RateLimiter:
    """Token buckets by subject. `check` lets a request in or raises the 429 problem.

    With `shared_file` the buckets are those of the table in that file (SharedBuckets), shared with every process
    that opens it; without (or when it cannot be opened), a table in this process's memory.
    """

    MAX_SUBJECTS = 10_000  # the least recently seen subjects are forgotten beyond this (they start with a full bucket)

    def __init__(
        self,
        default: Rate | None,
        by_role: dict[str, Rate | None] | None = None,
        clock: t.Callable[[], float] = time.monotonic,
        shared_file: str | None = None,
    ) -> None:
        self.default = default
        self.by_role = dict(by_role or {})
        self._clock = clock
        self._buckets: collections.OrderedDict[str, tuple[float, float]] = collections.OrderedDict()
        self._lock = threading.Lock()
        self._shared: SharedBuckets | None = None
        if shared_file:
            try:
                self._shared = SharedBuckets(shared_file)
            except (OSError, ValueError) as exc:
                # A worker restarted after its table went (a cleaned /tmp) still serves, limited on its own.
                log.warning("rate limits: cannot open the shared table (%s); this process keeps its own buckets", exc)

    @classmethod
    def from_settings(cls, settings) -> "RateLimiter":
        default = (
            Rate(settings.rate_limit_per_second, settings.rate_limit_burst)
            if settings.rate_limit_per_second > 0
            else None
        )
        return cls(default, parse_role_limits(settings.rate_limits_by_role), shared_file=settings.rate_limit_file)

    def rate_for(self, roles: t.Iterable[str]) -> Rate | None:
        """The most generous limit among the token's roles that have one of their own, else the global one."""
        configured = [self.by_role[r] for r in roles if r in self.by_role]
        if not configured:
            return self.default
        if any(rate is None for rate in configured):
            return None
        return max(configured, key=lambda rate: (rate.per_second, rate.burst))

    def wait(self, subject: str, rate: Rate | None) -> float:
        """0 when a request of `subject` may go now (and counts it), else the seconds until one may."""
        if rate is None:
            return 0.0
        with self._lock:
            if self._shared is not None:
                return self._shared.wait(subject, rate, self._clock)
            now = self._clock()
            tokens, last = self._buckets.pop(subject, (float(rate.burst), now))
            tokens, waited = _spend(tokens, last, now, rate)
            self._buckets[subject] = (tokens, now)
            while len(self._buckets) > self.MAX_SUBJECTS:
                self._buckets.popitem(last=False)
        return waited

    def close(self) -> None:
        """Unmap the shared table, if any (the in-memory one needs nothing)."""
        with self._lock:
            if self._shared is not None:
                self._shared.close()
                self._shared = None

    def check(self, subject: str, roles: t.Iterable[str]) -> None:
        rate = self.rate_for(roles)
        waited = self.wait(subject, rate)
        if waited <= 0:
            return
        retry_after = max(1, math.ceil(waited))
        raise Problem(
            429,
            f"this token's subject sent more than {rate.burst} requests at once or {rate.per_second:g} a second "
            f"on average; retry after {retry_after} s",
            kind="too-many-requests",
            title="Too Many Requests",
            headers={"Retry-After": str(retry_after)},
            extra={"limit_per_second": rate.per_second, "burst": rate.burst, "retry_after": retry_after},
        )
