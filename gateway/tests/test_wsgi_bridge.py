"""Flask behind the buffered bridge answers exactly what it answers behind a2wsgi: status, headers, body (a
generator's chunks joined), the request body read, and an error raised to the ASGI side before anything was sent."""

from __future__ import annotations

import asyncio

import flask
import pytest
from a2wsgi import WSGIMiddleware

from nhi_gateway.wsgi_bridge import BufferedWSGI

app = flask.Flask(__name__)
app.config["PROPAGATE_EXCEPTIONS"] = True


@app.get("/json")
def _json():
    return {"名前": "山﨑", "n": 1}


@app.post("/echo")
def _echo():
    return flask.Response(flask.request.get_data()[::-1], status=201, headers={"X-Seen": "yes"})


@app.get("/chunks")
def _chunks():
    return flask.Response((part for part in (b"a,", b"", b"b,", b"c")), mimetype="text/csv")


@app.get("/boom")
def _boom():
    raise RuntimeError("boom")


def _call(asgi, method: str, path: str, body: bytes = b"") -> tuple[int, list, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"test"), (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 1234),
        "server": ("test", 80),
    }
    parts = [{"type": "http.request", "body": body[:3], "more_body": True}, {"type": "http.request", "body": body[3:]}]
    sent: list[dict] = []

    async def receive():
        return parts.pop(0) if parts else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    asyncio.run(asgi(scope, receive, send))
    start = sent[0]
    return start["status"], start["headers"], b"".join(m.get("body", b"") for m in sent[1:])


@pytest.mark.parametrize(("method", "path", "body"), [("GET", "/json", b""), ("POST", "/echo", b"hello body"),
                                                       ("GET", "/chunks", b""), ("GET", "/missing", b"")])  # fmt: skip
def test_the_answer_is_the_one_a2wsgi_gives(method, path, body):
    assert _call(BufferedWSGI(app.wsgi_app), method, path, body) == _call(
        WSGIMiddleware(app.wsgi_app), method, path, body
    )


def test_an_error_reaches_the_asgi_side_with_nothing_sent():
    sent = []

    async def run():
        async def receive():
            return {"type": "http.request", "body": b""}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "http_version": "1.1", "method": "GET", "path": "/boom", "root_path": "",
                 "query_string": b"", "headers": []}  # fmt: skip
        await BufferedWSGI(app.wsgi_app)(scope, receive, send)

    with pytest.raises(RuntimeError, match="boom"):
        asyncio.run(run())
    assert sent == []
