"""Flask under the ASGI server with one thread hop per request.

Connexion runs Flask through a2wsgi's WSGIMiddleware, which hands every piece of the answer (the status line, each
body chunk, the end) from the worker thread back to the event loop one at a time, the thread waiting for each: four
hops across threads for a small JSON answer, a fifth of the gateway's CPU for a confirmation. Every answer of this
gateway is built in memory (JSON, a CSV or PDF of bytes), so the worker thread here collects the whole answer and
the loop sends it once the thread is done: the answer, its status and its headers are the same, and an error raised
by Flask still reaches Connexion's exception middleware (nothing was sent yet, so it can still answer a problem).
The request body is read as a2wsgi reads it (its `Body`, asking the loop for each part).
"""

from __future__ import annotations

import asyncio
import contextvars
import typing as t
from concurrent.futures import ThreadPoolExecutor

from a2wsgi.wsgi import Body, build_environ
from starlette.types import Receive, Scope, Send

WORKERS = 10  # as a2wsgi's default: the console's pages call the API from these threads too

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


class BufferedWSGI:
    """ASGI app around a WSGI app whose answers are not streamed."""

    def __init__(self, app: t.Callable, workers: int = WORKERS) -> None:
        self.app = app
        self.executor = ThreadPoolExecutor(thread_name_prefix="WSGI", max_workers=workers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            loop = asyncio.get_running_loop()
            environ = build_environ(scope, Body(loop, receive))
            context = contextvars.copy_context()  # Connexion's request context and the request's span
            status, headers, body = await loop.run_in_executor(self.executor, context.run, self._answer, environ)
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1000})
        elif scope["type"] == "lifespan":
            message = await receive()
            assert message["type"] == "lifespan.startup"
            await send({"type": "lifespan.startup.complete"})
            message = await receive()
            assert message["type"] == "lifespan.shutdown"
            await send({"type": "lifespan.shutdown.complete"})

    def _answer(self, environ: dict) -> Answer:
        """Run the WSGI app to the end of its answer (in a worker thread)."""
        started: list = []
        chunks: list[bytes] = []

        def start_response(status: str, response_headers: list[tuple[str, str]], exc_info=None):
            # Nothing is sent before the app is done, so a second call (with exc_info) just replaces the first.
            started[:] = [status, response_headers]
            return chunks.append  # the WSGI write() callable

        iterable = self.app(environ, start_response)
        try:
            for chunk in iterable:
                if chunk:
                    chunks.append(chunk)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
        if not started:
            raise RuntimeError("the WSGI app returned without calling start_response")
        status, response_headers = started
        headers = [
            (name.strip().encode("latin1").lower(), value.strip().encode("latin1")) for name, value in response_headers
        ]
        return int(status.split(" ", 1)[0]), headers, b"".join(chunks)
