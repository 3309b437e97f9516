"""The console's way to the public API: each call goes through the gateway's own ASGI stack in this process (auth,
roles, limits, validation, audit, problems), exactly as any other client's request would, with the signed-in clerk's
bearer token. No rule or query is repeated here.

A console page runs in one of the WSGI worker threads; the API call it makes runs on the server's event loop and
needs a worker thread of its own. So that pages waiting for API calls can never hold every worker, at most
MAX_PAGES_IN_FLIGHT pages are served at once per process (the others wait, then get 503).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
import typing as t
import urllib.parse

import httpx

API_BASE = "/api/v1"
MAX_PAGES_IN_FLIGHT = 4  # of a2wsgi's 10 worker threads per process; the rest serve the API calls
CALL_TIMEOUT_SECONDS = 120.0  # a job start or a list as PDF may take long; the API's own deadlines come first


@dataclasses.dataclass
class Answer:
    status: int
    headers: httpx.Headers
    content: bytes

    @property
    def json(self) -> t.Any:
        return json.loads(self.content) if self.content else None


class ApiError(Exception):
    """A problem+json answer: status, title, detail and the `errors` naming fields."""

    def __init__(self, status: int, problem: dict | None) -> None:
        self.status = status
        self.problem = problem or {}
        super().__init__(f"{status} {self.problem.get('detail') or self.problem.get('title') or ''}")

    @property
    def detail(self) -> str:
        return str(self.problem.get("detail") or self.problem.get("title") or f"HTTP {self.status}")

    def field_errors(self) -> dict[str, list[str]]:
        """The problem's errors by the field they name: body.persons[0].person_id -> persons[0].person_id."""
        out: dict[str, list[str]] = {}
        for error in self.problem.get("errors") or []:
            field = str(error.get("field") or error.get("name") or "")
            for prefix in ("body.", "query.", "path.", "header."):
                field = field.removeprefix(prefix)
            out.setdefault(field, []).append(str(error.get("message") or error.get("detail") or error.get("rule")))
        return out


class Loop:
    """The server's event loop, noted by the first request that passes (see LoopCapture)."""

    loop: asyncio.AbstractEventLoop | None = None


class LoopCapture:
    """ASGI middleware noting the running event loop, so console pages (in worker threads) can call the API on it."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if Loop.loop is None or Loop.loop.is_closed():
            Loop.loop = asyncio.get_running_loop()
        await self.app(scope, receive, send)


_pages = threading.BoundedSemaphore(MAX_PAGES_IN_FLIGHT)


def page_slot(timeout: float = 30.0) -> bool:
    return _pages.acquire(timeout=timeout)


def release_page_slot() -> None:
    _pages.release()


class Api:
    """The public API as the signed-in clerk: `get`/`post`/`put` answer JSON or raise ApiError."""

    def __init__(self, asgi_app, token: str, *, purpose: str = "", business_date: str | None = None) -> None:
        self._app, self._token, self.purpose, self.business_date = asgi_app, token, purpose, business_date

    def get(self, path: str, params: dict | None = None) -> t.Any:
        return self.call("GET", path, params=params).json

    def post(self, path: str, body: t.Any = None, *, idempotency_key: str | None = None) -> t.Any:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self.call("POST", path, body=body, headers=headers).json

    def put(self, path: str, body: t.Any = None) -> t.Any:
        return self.call("PUT", path, body=body).json

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        body: t.Any = None,
        headers: dict | None = None,
        accept: str = "application/json",
    ) -> Answer:
        request = (method, API_BASE + path, self._query(params), body, self._headers(headers, accept))
        return self._checked(self._send([request])[0])

    def get_all(self, *requests: tuple[str, dict | None]) -> list[t.Any]:
        """Several GETs at once (a page that shows several resources waits for the slowest, not for the sum);
        the JSON answers in order, or the first failure's ApiError."""
        answers = self._send(
            [("GET", API_BASE + path, self._query(params), None, self._headers()) for path, params in requests]
        )
        return [self._checked(answer).json for answer in answers]

    def _headers(self, extra: dict | None = None, accept: str = "application/json") -> dict:
        sent = {"Authorization": f"Bearer {self._token}", "Accept": accept, **(extra or {})}
        if self.purpose:
            sent["X-Purpose"] = urllib.parse.quote(self.purpose, safe="")
        if self.business_date:
            sent["X-Business-Date"] = self.business_date
        return sent

    @staticmethod
    def _query(params: dict | None) -> dict:
        return {k: v for k, v in (params or {}).items() if v not in (None, "")}

    @staticmethod
    def _checked(answer: Answer) -> Answer:
        if answer.status >= 400:
            try:
                problem = json.loads(answer.content)
            except ValueError:
                problem = {"detail": answer.content[:200].decode("utf-8", "replace")}
            raise ApiError(answer.status, problem if isinstance(problem, dict) else None)
        return answer

    def _send(self, requests: list[tuple[str, str, dict, t.Any, dict]]) -> list[Answer]:
        loop = Loop.loop
        if loop is None:
            raise ApiError(503, {"detail": "the API is not ready yet"})

        async def send_all() -> list[Answer]:
            transport = httpx.ASGITransport(app=self._app, client=("127.0.0.1", 0))
            async with httpx.AsyncClient(transport=transport, base_url="http://console.internal") as client:

                async def one(method: str, url: str, params: dict, body: t.Any, headers: dict) -> Answer:
                    response = await client.request(method, url, params=params, json=body, headers=headers)
                    return Answer(response.status_code, response.headers, response.content)

                return list(await asyncio.gather(*(one(*request) for request in requests)))

        return asyncio.run_coroutine_threadsafe(send_all(), loop).result(CALL_TIMEOUT_SECONDS)
