"""Guards around Connexion's router: the body's size, path segments it cannot route, paths it did not route.

A body over the limit is refused by its Content-Length without being read (and while being read, when it comes
without one): before routing, over the largest body any operation takes; after routing, over the operation's own
limit (`x-max-body-bytes` in the spec, else GATEWAY_MAX_BODY_BYTES). A path under the API that no operation of the
spec took never falls through to Flask, whose router is more lenient than Connexion's and would call a handler
without the operation's checks (token, roles, schema).
"""

from __future__ import annotations

import re
import typing as t
import urllib.parse

from connexion.middleware.abstract import ROUTING_CONTEXT
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nhi_common.text import CONTROL_CHARACTER

from .problems import Problem, field_error

# The default limit (GATEWAY_MAX_BODY_BYTES): /income-facts at its maxItems is 10,000 facts, about 3 MB as sent.
MAX_BODY_BYTES = 8 * 1024 * 1024
# A query string that may hold a control character, raw or percent-encoded (%00-%1F, %7F); only such a one is parsed.
ENCODED_CONTROL = re.compile(rb"[\x00-\x1f\x7f]|%[01][0-9a-fA-F]|%7[fF]")


def _too_large(max_bytes: int, size: int | None = None, taker: str = "this API") -> Problem:
    told = f" ({size} bytes)" if size is not None else ""
    return Problem(
        413,
        f"the request body{told} is larger than the {max_bytes} bytes {taker} takes",
        errors=[field_error("body", f"must not be larger than {max_bytes} bytes", "maxBytes")],
        extra={"max_bytes": max_bytes},
    )


def body_limits(spec: dict) -> dict[str, int]:
    """operationId -> its `x-max-body-bytes`, for the operations that name one."""
    return {
        op["operationId"]: int(op["x-max-body-bytes"])
        for item in spec.get("paths", {}).values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op and "x-max-body-bytes" in op
    }


def _counted(receive: Receive, max_bytes: int, taker: str) -> Receive:
    """`receive` that raises 413 once more than `max_bytes` came."""
    received = 0

    async def limited() -> Message:
        nonlocal received
        message = await receive()
        received += len(message.get("body", b""))
        if received > max_bytes:
            raise _too_large(max_bytes, taker=taker)
        return message

    return limited


class BodyLimit:
    """413 for a body over MAX_BODY_BYTES: by Content-Length before reading, else once that many bytes came."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            raise _too_large(self.max_bytes, int(length))
        if length.isdigit() and int(length) and b"content-type" not in headers:
            # A body that does not say what it is, on any operation (one whose body is optional too).
            raise Problem(
                415,
                "the request body needs Content-Type: application/json",
                errors=[field_error("Content-Type", "is required: application/json", "required")],
            )
        await self.app(scope, _counted(receive, self.max_bytes, "this API"), send)


class OperationBodyLimit:
    """413 naming the operation's limit for a body over it (after routing: the operation is known)."""

    def __init__(self, app: ASGIApp, limits: dict[str, int], default: int) -> None:
        self.app = app
        self.limits = limits
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routing = scope.get("extensions", {}).get(ROUTING_CONTEXT, {}) if scope["type"] == "http" else {}
        operation_id = routing.get("operation_id")
        if operation_id is None:
            await self.app(scope, receive, send)
            return
        max_bytes = self.limits.get(operation_id, self.default)
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > max_bytes:
            raise _too_large(max_bytes, int(length), "this operation")
        await self.app(scope, _counted(receive, max_bytes, "this operation"), send)


class PathGuard:
    """400 naming the path parameter that holds a control character; such a path matches no route of Connexion
    (a line feed ends its match) while Flask's router would still dispatch it, without the operation's checks.
    Likewise a query parameter (name or value) holding one: no parameter of the API takes a control character,
    and a free-text one (a kana search, a purpose) would otherwise carry it into a statement, a log or a list."""

    def __init__(self, app: ASGIApp, base_path: str, paths: t.Iterable[str]) -> None:
        self.app = app
        self.base_path = base_path.rstrip("/")
        self.templates = [_template(self.base_path + p) for p in paths]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if CONTROL_CHARACTER.search(scope.get("path", "")):
                raise self._refusal(scope["path"])
            query = scope.get("query_string", b"")
            if query and ENCODED_CONTROL.search(query):
                names = [
                    name or "query"
                    for name, value in urllib.parse.parse_qsl(query.decode("latin-1"), keep_blank_values=True)
                    if CONTROL_CHARACTER.search(name) or CONTROL_CHARACTER.search(value)
                ]
                if names:
                    errors = [field_error(n, "must not contain control characters", "pattern") for n in names]
                    raise Problem(
                        400, f"{names[0]} must not contain control characters", kind="validation", errors=errors
                    )
        await self.app(scope, receive, send)

    def _refusal(self, path: str) -> Problem:
        names = ["path"]
        for regex in self.templates:
            match = regex.fullmatch(path)
            if match:
                names = [name for name, value in match.groupdict().items() if CONTROL_CHARACTER.search(value)] or names
                break
        errors = [field_error(name, "must not contain control characters", "pattern") for name in names]
        return Problem(400, f"{names[0]} must not contain control characters", kind="validation", errors=errors)


class Unrouted:
    """404 for a path under the API that Connexion's router gave no operation (after routing, before security)."""

    def __init__(self, app: ASGIApp, base_path: str) -> None:
        self.app = app
        self.prefix = base_path.rstrip("/") + "/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith(self.prefix):
            routing = scope.get("extensions", {}).get(ROUTING_CONTEXT, {})
            if routing.get("operation_id") is None:
                raise Problem(404, "no such resource")
        await self.app(scope, receive, send)


def _template(path: str) -> re.Pattern[str]:
    """A spec path ("/persons/{person_id}") as a regex whose groups take any segment, control characters too."""
    parts = re.split(r"\{([A-Za-z_][A-Za-z0-9_-]*)\}", path)
    pattern = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part.replace('-', '_')}>[^/]+)" for i, part in enumerate(parts)
    )
    return re.compile(pattern, re.DOTALL)
