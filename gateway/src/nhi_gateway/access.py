"""The gateway's access log: one line per request with method, route template, status, duration and trace id.

It is the outermost layer and opens the request's SERVER span, so requests Connexion refuses before a handler runs
(401, 403, 400 from the schema, 413, 404) are logged and traced too; the handler runs in a worker thread with a
copy of this context, so its gRPC client spans are children of this span. The line carries the route as the spec writes it (`/persons/{person_id}`),
never the path as sent, so no identifier, name or My Number of a query or path reaches the log.
"""

from __future__ import annotations

import logging
import time

from connexion.middleware.abstract import ROUTING_CONTEXT
from opentelemetry import propagate, trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("nhi_gateway.access")
UNTRACED = frozenset({"/healthz", "/readyz"})  # probes: neither logged nor traced
TRACE_HEADERS = (b"traceparent", b"tracestate")


def route_templates(spec: dict) -> dict[str, str]:
    """operationId -> the route as the spec writes it, base path included."""
    base = spec["servers"][0]["url"].rstrip("/")
    return {
        operation["operationId"]: base + path
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "operationId" in operation
    }


class AccessLog:
    def __init__(self, app: ASGIApp, routes: dict[str, str]) -> None:
        self.app = app
        self.routes = routes
        self.tracer = trace.get_tracer(__name__)

    def _route(self, scope: Scope) -> str:
        routing = scope.get("extensions", {}).get(ROUTING_CONTEXT, {})
        operation = routing.get("operation_id")
        if operation in self.routes:
            return self.routes[operation]
        path = scope.get("path", "")
        if path.startswith("/api/v1/ui") or path == "/api/v1/openapi.json":
            return path  # the spec's own pages: no personal data in these paths
        return "(unrouted)"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in UNTRACED:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope.get("method", "")
        incoming = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"] if k in TRACE_HEADERS}
        status = {"code": 500}

        async def recording(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        with self.tracer.start_as_current_span(
            method, context=propagate.extract(incoming), kind=trace.SpanKind.SERVER
        ) as span:
            span.set_attribute("http.request.method", method)
            try:
                await self.app(scope, receive, recording)
            finally:
                route = self._route(scope)
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status["code"])
                fields = {
                    "method": method,
                    "route": route,
                    "status": status["code"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                }
                context = span.get_span_context()
                if context.is_valid:
                    fields["trace_id"] = format(context.trace_id, "032x")
                log.info("%s %s %s", method, route, status["code"], extra=fields)
