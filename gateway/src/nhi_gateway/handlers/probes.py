"""Liveness and readiness probes."""

from __future__ import annotations

import json

import flask

from .. import problems
from ._common import backends


def to_console():
    """`/`: the clerks' console (a client trying the API finds the Swagger UI at /api/v1/ui/)."""
    return flask.redirect("/console/", code=302)


def healthz():
    """The process answers."""
    return {"status": "ok"}, 200


def readyz():
    """Ready when every backend service answers SERVING."""
    states = backends().readiness()
    services = {name: "serving" if up else "not_serving" for name, up in states.items()}
    not_ready = sorted(name for name, up in states.items() if not up)
    if not_ready:
        # Outside the spec, so outside Connexion's error middleware: answer the problem directly.
        doc = problems.body(
            503,
            type_=problems.kind_url("not-ready"),
            title=None,
            detail="not ready: " + ", ".join(not_ready),
            ext={"not_ready": not_ready, "services": services},
        )
        return flask.Response(json.dumps(doc), status=503, mimetype=problems.MEDIA_TYPE)
    return {"status": "ok", "services": services}, 200
