"""OpenTelemetry set-up: one tracer provider per process, OTLP only when configured."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, MutableMapping

from opentelemetry import context, propagate, trace
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


def inject(headers: MutableMapping[str, str], span: trace.Span | None = None) -> MutableMapping[str, str]:
    """Write the current trace context (traceparent) into message headers; `span`'s instead, when given (a span
    started without being made current, e.g. one that ends when a send is acknowledged)."""
    propagate.inject(headers, context=trace.set_span_in_context(span) if span is not None else None)
    return headers


def extract(headers: Mapping[str, str] | None) -> context.Context:
    """The trace context carried by message headers."""
    return propagate.extract(dict(headers or {}))


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")
