"""Liveness and readiness probes."""

from __future__ import annotations

from ..problems import Problem
from ._common import backends


def healthz():
    """The process answers."""
    return {"status": "ok"}, 200


def readyz():
    """Ready when every backend service answers SERVING."""
    states = backends().readiness()
    services = {name: "serving" if ok else "not_serving" for name, ok in states.items()}
    not_ready = sorted(name for name, ok in states.items() if not ok)
    if not_ready:
        raise Problem(503, "not ready: " + ", ".join(not_ready), kind="not-ready",
                      extra={"not_ready": not_ready, "services": services})
    return {"status": "ok", "services": services}, 200
