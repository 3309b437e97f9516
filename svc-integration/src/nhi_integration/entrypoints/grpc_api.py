"""IntegrationService servicer: translate requests and errors, nothing more."""

from __future__ import annotations

import datetime as dt

import grpc

from nhi.common.v1 import common_pb2
from nhi.integration.v1 import integration_pb2 as pb
from nhi.integration.v1 import integration_pb2_grpc
from nhi_common import rpc

from ..domain.feed import SOURCES
from ..service_layer.services import IntegrationService, UnsupportedSource


def to_response(record: dict) -> pb.ImportFeedResponse:
    return pb.ImportFeedResponse(
        import_id=record["import_id"], source=record["source"], state=record["state"],
        records=record["records"], applied=record["applied"], rejected=record["rejected"],
        errors=[pb.RecordError(line=e["line"], field=e["field"], message=e["message"]) for e in record["errors"]],
        received_at=_utc(record["received_at"]).isoformat())


def _utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


class IntegrationServicer(integration_pb2_grpc.IntegrationServiceServicer):
    def __init__(self, service: IntegrationService) -> None:
        self.service = service

    @rpc.guarded
    def ImportFeed(self, request, context):
        if not request.source:
            raise rpc.invalid("source", "is required; expected one of " + ", ".join(SOURCES))
        try:
            record = self.service.import_feed(source=request.source, file_name=request.file_name,
                                              content=request.content,
                                              operator_id=request.context.operator_id or "unknown")
        except UnsupportedSource as exc:
            raise rpc.invalid("source", exc.message) from None
        return to_response(record)

    @rpc.guarded
    def GetImport(self, request, context):
        if not request.import_id:
            raise rpc.invalid("import_id", "is required")
        record = self.service.get_import(request.import_id)
        if record is None:
            raise rpc.not_found("import", request.import_id)
        return to_response(record)

    @rpc.guarded
    def ListImports(self, request, context):
        if request.source and request.source not in SOURCES:
            raise rpc.invalid("source", "unknown source; expected one of " + ", ".join(SOURCES))
        if request.page.cursor and not request.page.cursor.isdigit():
            raise rpc.invalid("page.cursor", "is not a cursor this service gave out")
        if request.page.page_size < 0:
            raise rpc.invalid("page.page_size", "must not be negative")
        rows, cursor = self.service.list_imports(source=request.source, page_size=request.page.page_size,
                                                 cursor=request.page.cursor)
        return pb.ListImportsResponse(imports=[to_response(r) for r in rows],
                                      page=common_pb2.PageInfo(next_cursor=cursor))

    @rpc.guarded
    def StartJob(self, request, context):
        raise rpc.ServiceError(grpc.StatusCode.UNIMPLEMENTED, "svc-integration runs no jobs yet", reason="UNIMPLEMENTED")

    @rpc.guarded
    def GetJob(self, request, context):
        raise rpc.ServiceError(grpc.StatusCode.UNIMPLEMENTED, "svc-integration runs no jobs yet", reason="UNIMPLEMENTED")
