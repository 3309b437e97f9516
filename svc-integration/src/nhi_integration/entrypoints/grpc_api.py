"""IntegrationService servicer: translate requests and errors, nothing more."""

from __future__ import annotations

import datetime as dt
import json

import grpc

from nhi.common.v1 import common_pb2
from nhi.integration.v1 import integration_pb2 as pb
from nhi.integration.v1 import integration_pb2_grpc
from nhi_common import paging, rpc

from ..domain.feed import SOURCES
from ..domain.resident import masked_payload
from ..service_layer.feed_imports import SOURCES as FILE_SOURCES
from ..service_layer.services import IntegrationService
from .feed_grpc import FeedsApi
from .outbound_grpc import list_outbound

MY_NUMBER_SCOPE = "mynumber:read"


def to_response(record: dict) -> pb.ImportFeedResponse:
    return pb.ImportFeedResponse(
        import_id=record["import_id"],
        source=record["source"],
        state=record["state"],
        records=record["records"],
        applied=record["applied"],
        rejected=record["rejected"],
        errors=[pb.RecordError(line=e["line"], field=e["field"], message=e["message"]) for e in record["errors"]],
        received_at=_utc(record["received_at"]).isoformat(),
    )


def to_dead_letter(record: dict, *, reveal_my_number: bool) -> pb.DeadLetter:
    payload = record["payload"] if reveal_my_number else masked_payload(record["payload"])
    return pb.DeadLetter(
        dead_letter_id=record["dead_letter_id"],
        event_id=record["event_id"],
        ce_type=record["ce_type"],
        change_id=record["change_id"],
        reason=record["reason"],
        state=record["state"],
        problems=[pb.RecordError(field=p["field"], message=p["message"]) for p in record["problems"]],
        payload_json=json.dumps(payload, ensure_ascii=False, sort_keys=True),
        attempts=record["attempts"],
        outcome=record["outcome"],
        updated_by=record["updated_by"],
        created_at=_utc(record["created_at"]).isoformat(),
        updated_at=_utc(record["updated_at"]).isoformat(),
    )


def _reveals(request) -> bool:
    return MY_NUMBER_SCOPE in request.context.scopes


def _utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


class IntegrationServicer(integration_pb2_grpc.IntegrationServiceServicer):
    def __init__(self, service: IntegrationService, feeds: FeedsApi | None = None) -> None:
        self.service = service
        self.feeds = feeds

    @rpc.translated
    def ImportFeed(self, request, context):
        if not request.source:
            raise rpc.invalid("source", "is required; expected one of " + ", ".join(SOURCES))
        if request.source in FILE_SOURCES and self.feeds is not None:
            return to_response(self.feeds.import_feed(request))
        record = self.service.import_feed(
            source=request.source,
            file_name=request.file_name,
            content=request.content,
            operator_id=request.context.operator_id or "unknown",
            file_format=request.format,
            partial=request.partial,
        )
        return to_response(record)

    @rpc.translated
    def GetImport(self, request, context):
        if not request.import_id:
            raise rpc.invalid("import_id", "is required")
        return to_response(self.service.get_import(request.import_id))

    @rpc.translated
    def ListImports(self, request, context):
        if request.source and request.source not in SOURCES:
            raise rpc.invalid("source", "unknown source; expected one of " + ", ".join(SOURCES))
        page = paging.parse(request.page.page_size, request.page.cursor)
        rows, cursor = self.service.list_imports(source=request.source, page=page)
        return pb.ListImportsResponse(
            imports=[to_response(r) for r in rows], page=common_pb2.PageInfo(next_cursor=cursor)
        )

    @rpc.translated
    def StartJob(self, request, context):
        return self._feeds().start_job(request)

    @rpc.translated
    def GetJob(self, request, context):
        return self._feeds().get_job(request)

    @rpc.translated
    def ListJobs(self, request, context):
        return self._feeds().list_jobs(request)

    @rpc.translated
    def ListInconsistencies(self, request, context):
        return self._feeds().list_inconsistencies(request)

    @rpc.translated
    def ResolveInconsistency(self, request, context):
        return self._feeds().resolve_inconsistency(request)

    @rpc.translated
    def ListOutbound(self, request, context):
        return list_outbound(self._feeds().outbound, request)

    def _feeds(self) -> FeedsApi:
        if self.feeds is None:
            raise rpc.ServiceError(grpc.StatusCode.UNIMPLEMENTED, "no job runner configured", reason="UNIMPLEMENTED")
        return self.feeds

    @rpc.translated
    def ListDeadLetters(self, request, context):
        page = paging.parse(request.page.page_size, request.page.cursor)
        rows, cursor = self.service.list_dead_letters(state=request.state, page=page)
        return pb.ListDeadLettersResponse(
            dead_letters=[to_dead_letter(r, reveal_my_number=_reveals(request)) for r in rows],
            page=common_pb2.PageInfo(next_cursor=cursor),
        )

    @rpc.translated
    def FixDeadLetter(self, request, context):
        if not request.dead_letter_id:
            raise rpc.invalid("dead_letter_id", "is required", "required")
        try:
            payload = json.loads(request.payload_json)
        except json.JSONDecodeError:
            raise rpc.invalid("payload", "is not JSON", "format") from None
        record = self.service.fix_dead_letter(
            dead_letter_id=request.dead_letter_id,
            payload=payload,
            operator_id=request.context.operator_id or "unknown",
        )
        return to_dead_letter(record, reveal_my_number=_reveals(request))

    @rpc.translated
    def ReplayDeadLetter(self, request, context):
        if not request.dead_letter_id:
            raise rpc.invalid("dead_letter_id", "is required", "required")
        record = self.service.replay_dead_letter(
            dead_letter_id=request.dead_letter_id, operator_id=request.context.operator_id or "unknown"
        )
        return to_dead_letter(record, reveal_my_number=_reveals(request))
