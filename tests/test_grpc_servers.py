"""Every service answers grpc.health.v1 and lists its services through reflection."""

from __future__ import annotations

import base64
import dataclasses

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from nhi_common import config

SERVICES = {
    "qualification": ("nhi_qualification", "nhi.qualification.v1.QualificationService"),
    "documents": ("nhi_documents", "nhi.documents.v1.DocumentService"),
    "integration": ("nhi_integration", "nhi.integration.v1.IntegrationService"),
    "interchange": ("nhi_interchange", "nhi.interchange.v1.InterchangeService"),
}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_health_and_reflection(name, tmp_path):
    import importlib

    package, full_name = SERVICES[name]
    bootstrap = importlib.import_module(f"{package}.bootstrap")
    settings_module = importlib.import_module(f"{package}.settings")
    env = {
        f"{name.upper()}_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "NHI_MYNUMBER_KEY": base64.b64encode(b"h" * 32).decode(),
    }
    settings = dataclasses.replace(config.load(settings_module.Settings, env), nats_url=None)
    runtime = bootstrap.build(settings, port=0)
    runtime.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{runtime.server.port}")
    try:
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", full_name):
            answer = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            assert answer.status == health_pb2.HealthCheckResponse.SERVING
        reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
        responses = reflection.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5
        )
        listed = {s.name for r in responses for s in r.list_services_response.service}
        assert {full_name, "grpc.health.v1.Health"} <= listed
    finally:
        channel.close()
        runtime.stop()
