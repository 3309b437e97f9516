"""The gRPC edge of svc-integration: its refusals as statuses with the field they concern."""

from __future__ import annotations

import socket

import grpc
import pytest

from nhi.common.v1 import common_pb2
from nhi.integration.v1 import integration_pb2 as pb
from nhi.integration.v1 import integration_pb2_grpc
from nhi_common import rpc
from nhi_integration import bootstrap
from nhi_integration.adapters.store import SqlStore
from nhi_integration.entrypoints.grpc_api import IntegrationServicer
from nhi_integration.service_layer.services import IntegrationService


class RefusingSink:
    def apply(self, change, *, idempotency_key):
        raise AssertionError("no change is applied in these tests")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def stub(engine):
    server = rpc.Server(port=free_port(), service_names=[bootstrap.SERVICE_NAME], host="127.0.0.1", max_workers=2)
    service = IntegrationService(store=SqlStore(engine), sink=RefusingSink())
    integration_pb2_grpc.add_IntegrationServiceServicer_to_server(IntegrationServicer(service), server.server)
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    yield integration_pb2_grpc.IntegrationServiceStub(channel)
    channel.close()
    server.stop(grace=0)


def refusal(call) -> tuple[grpc.StatusCode, list[str], str]:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    fields, info = rpc.unpack_details(rpc.read_status(caught.value))
    return caught.value.code(), [f.field for f in fields], info.reason if info else ""


@pytest.mark.parametrize("cursor", ["abc", "9" * 30])
def test_a_cursor_no_list_gave_out_is_invalid_argument_naming_the_cursor(stub, cursor):
    request = pb.ListImportsRequest(page=common_pb2.PageRequest(cursor=cursor))
    assert refusal(lambda: stub.ListImports(request, timeout=10)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        ["cursor"],
        "INVALID_CURSOR",
    )


def test_a_source_not_read_yet_is_invalid_argument_naming_the_source(stub):
    request = pb.ImportFeedRequest(source="pension", file_name="p.jsonl", content=b"{}")
    assert refusal(lambda: stub.ImportFeed(request, timeout=10)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        ["source"],
        "INVALID_ARGUMENT",
    )


def test_an_unknown_import_is_not_found(stub):
    assert refusal(lambda: stub.GetImport(pb.GetImportRequest(import_id="nope"), timeout=10)) == (
        grpc.StatusCode.NOT_FOUND,
        [],
        "NOT_FOUND",
    )
