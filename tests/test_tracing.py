"""One trace from the gateway request through gRPC, the database, the outbox, NATS and the consumer."""

from __future__ import annotations

import base64
import time

import pytest
from clients import Qualification
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from nhi_common import config, telemetry
from nhi_devtools.natsserver import EmbeddedNats
from nhi_gateway.app import create_app
from nhi_gateway.settings import Settings as GatewaySettings
from nhi_gateway.tokens import mint_token
from nhi_interchange import bootstrap as interchange_bootstrap
from nhi_interchange.settings import Settings as InterchangeSettings
from nhi_qualification import bootstrap as qualification_bootstrap
from nhi_qualification.service_layer.context import Actor
from nhi_qualification.settings import Settings as QualificationSettings

SECRET = "trace-test-" + "s" * 40


@pytest.fixture
def exporter():
    """Spans of this process, captured in memory (the provider can be set once per process)."""
    provider = telemetry.setup_tracing("tests")
    assert isinstance(provider, TracerProvider)
    memory = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    yield memory
    memory.shutdown()


def test_one_trace_runs_from_the_gateway_to_the_event_consumer(tmp_path, exporter):
    nats_server = EmbeddedNats(tmp_path / "nats").start()
    env = {
        "NATS_URL": nats_server.url,
        "NHI_BUSINESS_DATE": "2026-11-24",
        "NHI_MYNUMBER_KEY": base64.b64encode(b"t" * 32).decode(),
        "QUALIFICATION_DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}",
        "INTERCHANGE_DATABASE_URL": f"sqlite:///{tmp_path / 'i.db'}",
    }
    qualification = qualification_bootstrap.build(config.load(QualificationSettings, env), port=0)
    interchange = interchange_bootstrap.build(config.load(InterchangeSettings, env), port=0)
    qualification.start()
    interchange.start()
    try:
        Qualification(qualification.app).apply_resident_changes(
            [
                {
                    "change_id": "rc-trace",
                    "change_kind": "move_in",
                    "event_date": "2026-11-10",
                    "notified_on": "2026-11-10",
                    "household_id": "H00000077",
                    "head_person_id": "000000077",
                    "persons": [
                        {
                            "person_id": "000000077",
                            "name_kanji": "髙橋 花子",
                            "name_kana": "タカハシ ハナコ",
                            "birth_date": "1990-01-01",
                            "sex": "2",
                            "relationship": "世帯主",
                            "listing_order": 1,
                        }
                    ],
                }
            ],
            Actor("test"),
        )
        settings = config.load(
            GatewaySettings,
            {
                "NHI_JWT_SECRET": SECRET,
                "QUALIFICATION_ADDR": f"127.0.0.1:{qualification.server.port}",
                "INTERCHANGE_ADDR": f"127.0.0.1:{interchange.server.port}",
            },
        )
        app = create_app(settings)
        exporter.clear()
        token = mint_token(SECRET, roles=["counter"])
        response = app.test_client().post(
            "/api/v1/notifications",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "kind": "join",
                "reason": "move_in",
                "household_id": "H00000077",
                "persons": [{"person_id": "000000077"}],
                "event_date": "2026-11-10",
                "notified_on": "2026-11-12",
                "identity_check": {"document_kind": "my_number_card", "checked_by": "clerk-01"},
            },
        )
        assert response.status_code == 201, response.text

        # The consumer on a loaded CI machine; the loop ends as soon as its span ended (after its insert's) and the
        # publish span ended too (that one ends when the stream's acknowledgement reaches the relay, which may come
        # after the consumer has run).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _consumed_and_acknowledged(exporter.get_finished_spans()):
            time.sleep(0.1)
        spans = exporter.get_finished_spans()
    finally:
        interchange.stop()
        qualification.stop()
        nats_server.stop()

    request = _one(spans, lambda s: s.kind == SpanKind.SERVER and "notifications" in s.name)
    trace_id = request.context.trace_id
    client = _child(spans, request, lambda s: s.kind == SpanKind.CLIENT and s.name.endswith("/SubmitNotification"))
    server = _child(spans, client, lambda s: s.kind == SpanKind.SERVER and s.name.endswith("/SubmitNotification"))
    _child(
        spans,
        server,
        lambda s: (
            s.attributes.get("db.system") == "sqlite"
            and "INSERT INTO outbox" in str(s.attributes.get("db.statement", ""))
        ),
    )
    publish = _child(spans, server, lambda s: s.kind == SpanKind.PRODUCER and "nhi.v1.qualification.acquired" in s.name)
    # The consumer takes a fetch of events as one batch, whose span continues the first event's trace and links
    # the others: the acquired event may come second, behind another event of the same notification.
    consume = _one(
        spans,
        lambda s: (
            s.kind == SpanKind.CONSUMER
            and (
                (s.parent is not None and s.parent.span_id == publish.context.span_id)
                or any(link.context.span_id == publish.context.span_id for link in s.links)
            )
        ),
    )
    insert = _consumer_insert(spans)
    assert insert is not None and insert.parent.span_id == consume.context.span_id
    for span in (client, server, publish, consume, insert):
        assert span.context.trace_id == trace_id


def _consumed_and_acknowledged(spans) -> bool:
    published = [s for s in spans if s.kind == SpanKind.PRODUCER and "nhi.v1.qualification.acquired" in s.name]
    insert = _consumer_insert(spans)
    consumed = insert is not None and any(s.context.span_id == insert.parent.span_id for s in spans)
    return bool(published) and consumed


def _consumer_insert(spans):
    found = [s for s in spans if "INSERT INTO pending_aggregation" in str(s.attributes.get("db.statement", ""))]
    return found[0] if found else None


def _one(spans, predicate):
    matches = [s for s in spans if predicate(s)]
    assert len(matches) == 1, [s.name for s in spans]
    return matches[0]


def _child(spans, parent, predicate):
    children = [
        s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id and predicate(s)
    ]
    assert children, f"no child of {parent.name!r} matched; children: " + str(
        [s.name for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]
    )
    return children[0]
