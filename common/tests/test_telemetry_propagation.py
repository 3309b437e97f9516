"""The message paths read and write a traceparent themselves when the process propagates W3C trace context and
baggage only (the SDK's default): what they read and write must be what the propagators would."""

from __future__ import annotations

import random

import pytest
from opentelemetry import baggage, context, propagate, trace
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import DefaultGetter, DefaultSetter, TextMapPropagator
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, TraceState

from nhi_common import telemetry

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"


def _by_propagator(headers: dict[str, str]) -> SpanContext:
    return trace.get_current_span(propagate.extract(dict(headers))).get_span_context()


def _random_traceparent(rng: random.Random) -> str:
    """Mostly well formed, often a little wrong: the cases a propagator has to refuse."""
    version = rng.choice(["00", "00", "00", "01", "ff", "0g", "0"])
    trace_id = rng.choice([f"{rng.getrandbits(128):032x}", "0" * 32, TRACE.upper(), TRACE[:-1]])
    span_id = rng.choice([f"{rng.getrandbits(64):016x}", "0" * 16, SPAN + "0"])
    flags = rng.choice(["01", "00", "ff", "1", "0x"])
    tail = rng.choice(["", "", "-extra", "-", "  ", "\t", " x", "\n"])
    head = rng.choice(["", "", " ", "\t "])
    return f"{head}{version}-{trace_id}-{span_id}-{flags}{tail}"


CASES = [
    f"00-{TRACE}-{SPAN}-01",
    f"00-{TRACE}-{SPAN}-00",
    f"00-{TRACE}-{SPAN}-01-extra",  # version 00 has exactly four fields
    f"01-{TRACE}-{SPAN}-01-extra",  # a later version may add fields
    f"ff-{TRACE}-{SPAN}-01",
    f"00-{'0' * 32}-{SPAN}-01",
    f"00-{TRACE}-{'0' * 16}-01",
    f"00-{TRACE.upper()}-{SPAN}-01",
    f"  00-{TRACE}-{SPAN}-01  ",
    f"00-{TRACE}-{SPAN}-01\n",
    f"00-{TRACE}-{SPAN}-01" + "-x" * 300,  # longer than a traceparent may be
    "",
    "garbage",
]


@pytest.mark.parametrize("traceparent", CASES)
def test_a_traceparent_is_read_as_the_w3c_propagator_reads_it(traceparent):
    headers = {"ce-id": "e1", "traceparent": traceparent}
    expected = _by_propagator(headers)
    assert telemetry.remote_span_context(headers) == expected
    assert trace.get_current_span(telemetry.extract(headers)).get_span_context() == expected


def test_random_traceparents_are_read_as_the_w3c_propagator_reads_them():
    rng = random.Random(20261207)
    valid = 0
    for _ in range(3000):
        headers = {"traceparent": _random_traceparent(rng)}
        expected = _by_propagator(headers)
        valid += expected.is_valid
        assert telemetry.remote_span_context(headers) == expected, headers
        assert trace.get_current_span(telemetry.extract(headers)).get_span_context() == expected, headers
    assert 20 < valid < 2980  # both kinds were tried


def test_headers_without_a_traceparent_carry_no_context():
    assert telemetry.remote_span_context({}) == trace.INVALID_SPAN_CONTEXT
    assert telemetry.remote_span_context(None) == trace.INVALID_SPAN_CONTEXT
    assert trace.get_current_span(telemetry.extract(None)).get_span_context() == trace.INVALID_SPAN_CONTEXT


def test_a_tracestate_and_baggage_still_come_through():
    headers = {"traceparent": f"00-{TRACE}-{SPAN}-01", "tracestate": "vendor=x,other=y", "baggage": "tenant=city-1"}
    assert telemetry.remote_span_context(headers).trace_state == TraceState([("vendor", "x"), ("other", "y")])
    extracted = telemetry.extract(headers)
    assert trace.get_current_span(extracted).get_span_context() == _by_propagator(headers)
    assert baggage.get_baggage("tenant", extracted) == "city-1"


@pytest.fixture
def tracer():
    return TracerProvider().get_tracer(__name__)


@pytest.mark.parametrize("state", [None, TraceState([("vendor", "x")])])
@pytest.mark.parametrize("flags", [TraceFlags(TraceFlags.SAMPLED), TraceFlags(TraceFlags.DEFAULT)])
def test_a_span_is_written_as_the_w3c_propagators_write_it(tracer, state, flags):
    parent = trace.set_span_in_context(
        NonRecordingSpan(
            SpanContext(int(TRACE, 16), int(SPAN, 16), is_remote=True, trace_flags=flags, trace_state=state)
        )
    )
    span = tracer.start_span("publish", context=parent)
    expected: dict[str, str] = {}
    propagate.inject(expected, context=trace.set_span_in_context(span))
    assert telemetry.inject({"ce-id": "e1"}, span) == {"ce-id": "e1", **expected}
    assert expected["traceparent"].startswith(f"00-{TRACE}-")
    assert ("tracestate" in expected) == (state is not None)


def test_baggage_in_the_current_context_is_written_too(tracer):
    span = tracer.start_span("publish")
    token = context.attach(baggage.set_baggage("tenant", "city-1"))
    try:
        written = telemetry.inject({}, span)
    finally:
        context.detach(token)
    assert written["baggage"] == "tenant=city-1"
    assert written["traceparent"].split("-")[2] == f"{span.get_span_context().span_id:016x}"


def test_an_invalid_span_writes_nothing():
    assert telemetry.inject({"ce-id": "e1"}, trace.INVALID_SPAN) == {"ce-id": "e1"}


class _Custom(TextMapPropagator):
    """A propagator of another format (as B3 would be): headers of its own."""

    def extract(self, carrier, context=None, getter=DefaultGetter()):
        found = getter.get(carrier, "x-custom")
        if not found:
            return context or Context()
        span_context = SpanContext(
            int(found[0], 16), int(SPAN, 16), is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED)
        )
        return trace.set_span_in_context(NonRecordingSpan(span_context), context)

    def inject(self, carrier, context=None, setter=DefaultSetter()):
        found = trace.get_current_span(context).get_span_context()
        if found.is_valid:
            setter.set(carrier, "x-custom", f"{found.trace_id:032x}")

    @property
    def fields(self):
        return {"x-custom"}


def test_another_propagator_configured_is_used_instead(tracer):
    before = propagate.get_global_textmap()
    propagate.set_global_textmap(_Custom())
    try:
        span = tracer.start_span("publish")
        assert telemetry.inject({}, span) == {"x-custom": f"{span.get_span_context().trace_id:032x}"}
        carried = {"x-custom": TRACE, "traceparent": f"00-{'1' * 32}-{SPAN}-01"}
        assert telemetry.remote_span_context(carried).trace_id == int(TRACE, 16)
        assert trace.get_current_span(telemetry.extract(carried)).get_span_context().trace_id == int(TRACE, 16)
    finally:
        propagate.set_global_textmap(before)
    headers = {"traceparent": f"00-{'1' * 32}-{SPAN}-01"}
    assert telemetry.remote_span_context(headers).trace_id == int("1" * 32, 16)  # the default again
