"""gRPC servicer of InterchangeService: translate requests, responses and errors, nothing more."""

from __future__ import annotations

import concurrent.futures
import datetime as dt

from google.protobuf import json_format

from nhi.common.v1 import common_pb2
from nhi.interchange.v1 import interchange_pb2 as pb
from nhi.interchange.v1 import interchange_pb2_grpc as pb_grpc
from nhi_common import jobs_rpc, paging, rpc
from nhi_common.errors import InvalidInput

from ..service_layer.services import InterchangeService

PENDING_PAGE_SIZE = 100  # records of a page when the caller names no size


class InterchangeServicer(pb_grpc.InterchangeServiceServicer):
    def __init__(self, service: InterchangeService) -> None:
        self.service = service
        self.jobs = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="interchange-job")

    @rpc.translated
    def ListPendingAggregation(self, request, context):
        page = paging.parse(request.page.page_size, request.page.cursor, default_size=PENDING_PAGE_SIZE)
        records, cursor, total = self.service.list_pending(person_id=request.person_id, page=page)
        return pb.ListPendingAggregationResponse(
            records=[json_format.ParseDict(r, pb.PendingAggregationRecord()) for r in records],
            page=common_pb2.PageInfo(next_cursor=cursor),
            total=total,
        )

    @rpc.translated
    def ListAggregationFiles(self, request, context):
        page = paging.parse(request.page.page_size, request.page.cursor, default_size=PENDING_PAGE_SIZE)
        found, cursor = self.service.list_files(page=page)
        return pb.ListAggregationFilesResponse(
            files=[pb.AggregationFile(**f) for f in found], page=common_pb2.PageInfo(next_cursor=cursor)
        )

    @rpc.translated
    def ListSubCopyTransfers(self, request, context):
        page = paging.parse(request.page.page_size, request.page.cursor, default_size=PENDING_PAGE_SIZE)
        found, cursor = self.service.list_transfers(page=page)
        return pb.ListSubCopyTransfersResponse(
            transfers=[pb.SubCopyTransfer(**t) for t in found], page=common_pb2.PageInfo(next_cursor=cursor)
        )

    @rpc.translated
    def QuerySubCopy(self, request, context):
        query = self.service.query_subcopy(
            person_id=request.person_id,
            item=request.item,
            operator_id=request.context.operator_id or "unknown",
            idempotency_key=request.context.idempotency_key,
        )
        return pb.QuerySubCopyResponse(query_id=query["query_id"], state=query["state"])

    @rpc.translated
    def ListSubCopyQueries(self, request, context):
        page = paging.parse(request.page.page_size, request.page.cursor, default_size=PENDING_PAGE_SIZE)
        found, cursor = self.service.list_queries(person_id=request.person_id, page=page, caller=request.context)
        return pb.ListSubCopyQueriesResponse(
            queries=[_query(q) for q in found], page=common_pb2.PageInfo(next_cursor=cursor)
        )

    @rpc.translated
    def GetSubCopyQuery(self, request, context):
        return _query(self.service.get_query(request.query_id))

    @rpc.translated
    def ListManualRequests(self, request, context):
        page = paging.parse(request.page.page_size, request.page.cursor, default_size=PENDING_PAGE_SIZE)
        found, cursor = self.service.list_manual_requests(state=request.state, page=page, caller=request.context)
        return pb.ListManualRequestsResponse(
            requests=[pb.ManualRequest(**r) for r in found], page=common_pb2.PageInfo(next_cursor=cursor)
        )

    @rpc.translated
    def DecideManualRequest(self, request, context):
        decided = self.service.decide_manual_request(
            request_id=request.request_id,
            decision=request.decision,
            note=request.note,
            operator_id=request.context.operator_id or "unknown",
            caller=request.context,
        )
        return pb.ManualRequest(**decided)

    @rpc.translated
    def StartJob(self, request, context):
        job, queued = self.service.start_job_once(
            kind=request.kind,
            parameters=dict(request.parameters),
            business_date=_business_date(request.context.business_date),
            operator_id=request.context.operator_id,
            idempotency_key=request.context.idempotency_key,
            fingerprint=jobs_rpc.fingerprint(request),
        )
        if queued:  # a replayed key answers the job it queued, which runs (or ran) where it was queued
            self.service.held.add(job["job_id"])
            self.jobs.submit(self._run_job, job["job_id"])
        return _job(job)

    def _run_job(self, job_id: str) -> None:
        try:
            self.service.run_job(job_id)
        finally:
            self.service.held.discard(job_id)

    @rpc.translated
    def GetJob(self, request, context):
        return _job(self.service.get_job(request.job_id))

    @rpc.translated
    def ListJobs(self, request, context):
        return jobs_rpc.list_jobs(request, self.service.list_jobs, _job)

    @rpc.translated
    def ListInterchangeRows(self, request, context):
        page = paging.parse(request.page.page_size, request.page.cursor, default_size=PENDING_PAGE_SIZE)
        rows, cursor = self.service.list_report(request.kind, page=page, caller=request.context)
        return pb.ListInterchangeRowsResponse(
            rows=[pb.InterchangeRow(cells={k: str(v) for k, v in row.items() if v is not None}) for row in rows],
            page=common_pb2.PageInfo(next_cursor=cursor),
        )


def _query(query: dict) -> pb.SubCopyQuery:
    """None stays unset: an optional amount is absent, a string empty, a number 0."""
    return pb.SubCopyQuery(**{k: v for k, v in query.items() if v is not None})


def _job(job: dict) -> common_pb2.Job:
    fields = ("job_id", "kind", "state", "total", "done", "failed", "business_date", "created_at", "finished_at")
    return common_pb2.Job(**{k: job[k] for k in fields}, parameters=job["parameters"], error=job["error"])


def _business_date(text: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("context.business_date", f"{text!r} is not a date", code="INVALID_DATE") from None
