"""The gateway's process sets aside what it holds once its app has started, and only then."""

from __future__ import annotations

import asyncio

from nhi_common import heap
from nhi_gateway.entrypoints import cli


def _run(app, scope: dict, incoming: list[dict], settles: list) -> list[tuple[str, bool]]:
    """Messages the server got from app, each with whether the process had settled when it was sent."""
    sent: list[tuple[str, bool]] = []

    async def receive() -> dict:
        return incoming.pop(0)

    async def send(message: dict) -> None:
        sent.append((message["type"], bool(settles)))

    asyncio.run(app(scope, receive, send))
    return sent


def test_the_process_settles_after_the_app_started_and_not_per_request(monkeypatch):
    built: list[str] = []
    settles: list[list[str]] = []  # what the app had built when the process settled
    monkeypatch.setattr(heap, "settle", lambda: settles.append(list(built)))

    async def inner(scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await receive()
            built.append("middleware stack")  # what Connexion builds on the lifespan's startup
            await send({"type": "lifespan.startup.complete"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    app = cli.SettledOnStartup(inner)
    started = _run(app, {"type": "lifespan"}, [{"type": "lifespan.startup"}], settles)
    assert started == [("lifespan.startup.complete", True)]
    assert settles == [["middleware stack"]]
    answer = _run(app, {"type": "http", "path": "/healthz"}, [], settles)
    assert answer == [("http.response.start", True), ("http.response.body", True)]
    assert settles == [["middleware stack"]]  # a request does not settle again
