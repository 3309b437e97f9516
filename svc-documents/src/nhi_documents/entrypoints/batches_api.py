"""The batch side of DocumentService: documents jobs, the print queue, reissues (translation only)."""

from __future__ import annotations

import json

from nhi.common.v1 import common_pb2
from nhi.documents.v1 import documents_pb2 as pb
from nhi_common import jobs_rpc, paging, rpc

from ..service_layer import reissue
from ..service_layer.jobs import DocumentJobs, planning
from ..service_layer.print_queue import PrintQueue
from ..service_layer.services import DocumentService


def _business_date(text: str):
    from .grpc_api import _business_date as parse

    return parse(text)


def to_job(job: dict) -> common_pb2.Job:
    return common_pb2.Job(
        job_id=job["job_id"],
        kind=job["kind"],
        state="running" if job["state"] == "assembling" else job["state"],
        total=job["total"],
        done=job["done"],
        failed=job["failed"],
        business_date=job["business_date"],
        created_at=job["created_at"] or "",
        finished_at=job["finished_at"] or "",
        parameters=job["parameters"],
        error=job["error"],
        planning=planning(job),
    )


def to_item(item: dict) -> pb.PrintQueueItem:
    return pb.PrintQueueItem(
        item_id=item["item_id"],
        person_id=item["person_id"],
        household_id=item["household_id"],
        kind=item["kind"],
        reason=item["reason"],
        rule_ids=item["rule_ids"],
        due_on=item["due_on"],
        created_at=item["created_at"] or "",
        printed=item["printed"],
        printed_at=item["printed_at"] or "",
        printed_by=item["printed_by"] or "",
        document_id=item["document_id"] or "",
    )


class BatchServicer:
    def __init__(self, service: DocumentService, jobs: DocumentJobs, print_queue: PrintQueue) -> None:
        self.service = service
        self.jobs = jobs
        self.print_queue = print_queue

    @rpc.translated
    def StartJob(self, request, context):
        job = self.jobs.start(
            kind=request.kind,
            parameters=dict(request.parameters),
            operator_id=request.context.operator_id,
            business_date=_business_date(request.context.business_date),
            idempotency_key=request.context.idempotency_key,
            fingerprint=jobs_rpc.fingerprint(request),
        )
        return to_job(job)

    @rpc.translated
    def GetJob(self, request, context):
        return to_job(self.jobs.get(request.job_id))

    @rpc.translated
    def ListJobs(self, request, context):
        return jobs_rpc.list_jobs(request, self.jobs.list, to_job)

    @rpc.translated
    def GetJobManifest(self, request, context):
        manifest = self.jobs.manifest(request.job_id)
        return pb.JobManifest(
            job_id=request.job_id, manifest_json=json.dumps(manifest, ensure_ascii=False) if manifest else ""
        )

    @rpc.translated
    def ListPrintQueue(self, request, context):
        if request.printed not in ("", "true", "false"):
            raise rpc.invalid("printed", "must be true or false")
        page = paging.parse(request.page.page_size, request.page.cursor)
        items, cursor = self.print_queue.list(
            printed=None if not request.printed else request.printed == "true",
            person_id=request.person_id,
            kind=request.kind,
            page=page,
            caller=request.context,
        )
        return pb.ListPrintQueueResponse(
            items=[to_item(i) for i in items], page=common_pb2.PageInfo(next_cursor=cursor)
        )

    @rpc.translated
    def MarkPrinted(self, request, context):
        item = self.print_queue.mark_printed(
            request.item_id, operator_id=request.context.operator_id, document_id=request.document_id
        )
        return to_item(item)

    @rpc.translated
    def ReissueDocument(self, request, context):
        from .grpc_api import to_meta

        meta = reissue.reissue(
            self.service.store,
            document_id=request.document_id,
            reason=request.reason or "lost",
            operator_id=request.context.operator_id,
            today=self.service.business_date(_business_date(request.context.business_date)),
        )
        return to_meta(meta)
