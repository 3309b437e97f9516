"""Rate limits per token subject: a token bucket for each subject, its size and rate by the token's roles.

A subject may send `burst` requests at once, then `per_second` on average; beyond that the gateway answers 429 with
Retry-After (the seconds until the next request would be let in). The buckets live in each gateway process: with
GATEWAY_WORKERS=N a subject may get up to N times the limit, by as many connections.
"""

from __future__ import annotations

import collections
import dataclasses
import math
import threading
import time
import typing as t

from .problems import Problem


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


class RateLimiter:
    """Token buckets by subject. `check` lets a request in or raises the 429 problem."""

    MAX_SUBJECTS = 10_000  # the least recently seen subjects are forgotten beyond this (they start with a full bucket)

    def __init__(
        self,
        default: Rate | None,
        by_role: dict[str, Rate | None] | None = None,
        clock: t.Callable[[], float] = time.monotonic,
    ) -> None:
        self.default = default
        self.by_role = dict(by_role or {})
        self._clock = clock
        self._buckets: collections.OrderedDict[str, tuple[float, float]] = collections.OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> "RateLimiter":
        default = (
            Rate(settings.rate_limit_per_second, settings.rate_limit_burst)
            if settings.rate_limit_per_second > 0
            else None
        )
        return cls(default, parse_role_limits(settings.rate_limits_by_role))

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
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop(subject, (float(rate.burst), now))
            tokens = min(float(rate.burst), tokens + (now - last) * rate.per_second)
            if tokens >= 1:
                tokens -= 1
                waited = 0.0
            else:
                waited = (1 - tokens) / rate.per_second
            self._buckets[subject] = (tokens, now)
            while len(self._buckets) > self.MAX_SUBJECTS:
                self._buckets.popitem(last=False)
        return waited

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
