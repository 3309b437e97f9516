"""The outbox relay: an issued document reaches NATS as a CloudEvent (embedded NATS, in-process service)."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import grpc
import nats
import pytest

from nhi.common.v1 import common_pb2
from nhi.documents.v1 import documents_pb2 as pb
from nhi.documents.v1 import documents_pb2_grpc
from nhi_documents import bootstrap


async def _fetch_issued(url: str, timeout: float = 15) -> list:
    client = await nats.connect(url)
    try:
        js = client.jetstream()
        subscription = await js.pull_subscribe("nhi.v1.document.issued", stream="NHI_EVENTS")
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                return await subscription.fetch(1, timeout=1)
            except nats.errors.TimeoutError:
                if asyncio.get_running_loop().time() > deadline:
                    raise
    finally:
        await client.close()


def test_an_issued_document_is_published(settings, nats_server):
    if settings.database_schema:
        pytest.skip("the relay is exercised once, on SQLite")
    runtime = bootstrap.build(dataclasses.replace(settings, nats_url=nats_server.url), port=0)
    runtime.start()
    try:
        channel = grpc.insecure_channel(f"127.0.0.1:{runtime.port}")
        meta = documents_pb2_grpc.DocumentServiceStub(channel).RenderDocument(
            pb.RenderDocumentRequest(
                kind="eligibility_certificate",
                person_id="900000001",
                context=common_pb2.RequestContext(operator_id="clerk-7"),
            ),
            timeout=30,
        )
        channel.close()
        messages = asyncio.run(_fetch_issued(nats_server.url))
    finally:
        runtime.stop()
    message = messages[0]
    assert message.headers["ce-type"] == "jp.nhi.document.issued.v1"
    assert message.headers["ce-subject"] == meta.document_id
    data = json.loads(message.data)
    assert data["document_id"] == meta.document_id and data["certificate_number"] == meta.certificate_number
