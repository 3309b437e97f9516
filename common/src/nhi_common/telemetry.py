"""OpenTelemetry set-up: one tracer provider per process, OTLP only when configured."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping, MutableMapping

from opentelemetry import baggage, context, propagate, trace
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_lock = threading.Lock()
_grpc_instrumented = False


def setup_tracing(service_name: str) -> TracerProvider:
    """Install a tracer provider once; later calls (other services in the same process) reuse it.

    The sampler is the SDK's, from OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (default parentbased_always_on):
    e.g. parentbased_traceidratio with 0.05 records one trace in twenty at the gateway, and the services, being
    parent-based, follow that decision. Unsampled requests still carry trace ids (logs, traceparent).
    """
    with _lock:
        current = trace.get_tracer_provider()
        if isinstance(current, TracerProvider):
            return current
        provider = TracerProvider(
            resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service_name)})
        )
        if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
        return provider


def instrument_grpc() -> None:
    """Trace every gRPC client and server of this process (idempotent)."""
    global _grpc_instrumented
    with _lock:
        if _grpc_instrumented:
            return
        from opentelemetry.instrumentation.grpc import GrpcInstrumentorClient, GrpcInstrumentorServer

        GrpcInstrumentorServer().instrument()
        GrpcInstrumentorClient().instrument()
        _grpc_instrumented = True


def instrument_engine(engine) -> None:
    """Trace the statements of one SQLAlchemy engine."""
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    SQLAlchemyInstrumentor().instrument(engine=engine, enable_commenter=False)


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


# A W3C traceparent: version, trace id, parent span id, flags; a later version may append fields after a dash.
_TRACEPARENT = re.compile(r"[ \t]*([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:(-.*)|[ \t]*)$")
_TRACEPARENT_LONGEST = 512
_NO_TRACE, _NO_SPAN = "0" * 32, "0" * 16
_w3c_default: tuple[object, bool] = (None, False)


def _w3c_only() -> bool:
    """Whether this process propagates as the SDK does when nothing is configured (OTEL_PROPAGATORS unset): W3C trace
    context and W3C baggage, nothing else. Only then do the message paths below read and write a traceparent
    themselves, which costs a fraction of going through the propagators (an event relay or a batch consumer does it
    thousands of times a second); any other set-up (B3, Jaeger, a custom propagator) goes through `propagate`."""
    global _w3c_default
    textmap = propagate.get_global_textmap()
    known, answer = _w3c_default
    if known is not textmap:
        from opentelemetry.baggage.propagation import W3CBaggagePropagator
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        inner = getattr(textmap, "_propagators", None) if isinstance(textmap, CompositePropagator) else None
        answer = inner is not None and sorted(map(type, inner), key=id) == sorted(
            (TraceContextTextMapPropagator, W3CBaggagePropagator), key=id
        )
        _w3c_default = (textmap, answer)
    return answer


def remote_span_context(headers: Mapping[str, str] | None) -> trace.SpanContext:
    """The span context message headers carry, as the W3C propagator reads it (INVALID_SPAN_CONTEXT when none or
    malformed): what a link to the message's trace needs, without building a context for each message."""
    headers = headers or {}
    if not _w3c_only() or "tracestate" in headers:
        return trace.get_current_span(extract(headers)).get_span_context()
    return _parsed(headers.get("traceparent"))


def _parsed(traceparent: str | None) -> trace.SpanContext:
    if not traceparent or len(traceparent) > _TRACEPARENT_LONGEST:
        return trace.INVALID_SPAN_CONTEXT
    found = _TRACEPARENT.match(traceparent)
    if found is None:
        return trace.INVALID_SPAN_CONTEXT
    version, trace_id, span_id, flags, rest = found.groups()
    if trace_id == _NO_TRACE or span_id == _NO_SPAN or version == "ff" or (version == "00" and rest):
        return trace.INVALID_SPAN_CONTEXT
    return trace.SpanContext(
        trace_id=int(trace_id, 16),
        span_id=int(span_id, 16),
        is_remote=True,
        trace_flags=trace.TraceFlags(int(flags, 16)),
    )


def inject(headers: MutableMapping[str, str], span: trace.Span | None = None) -> MutableMapping[str, str]:
    """Write the current trace context (traceparent) into message headers; `span`'s instead, when given (a span
    started without being made current, e.g. one that ends when a send is acknowledged)."""
    if span is not None and _w3c_only() and not baggage.get_all():
        found = span.get_span_context()
        if found.is_valid:  # what the W3C propagators write: the traceparent, the tracestate when there is one
            headers["traceparent"] = f"00-{found.trace_id:032x}-{found.span_id:016x}-{found.trace_flags:02x}"
            if found.trace_state:
                headers["tracestate"] = found.trace_state.to_header()
        return headers
    propagate.inject(headers, context=trace.set_span_in_context(span) if span is not None else None)
    return headers


def extract(headers: Mapping[str, str] | None) -> context.Context:
    """The trace context carried by message headers."""
    headers = headers or {}
    if _w3c_only() and "tracestate" not in headers and "baggage" not in headers:
        found = _parsed(headers.get("traceparent"))
        return (
            trace.set_span_in_context(trace.NonRecordingSpan(found), context.Context())
            if found.is_valid
            else context.Context()
        )
    return propagate.extract(dict(headers))


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")
