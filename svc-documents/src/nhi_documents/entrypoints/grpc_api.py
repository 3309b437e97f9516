"""DocumentService servicer: translate requests, responses and errors, nothing more."""

from __future__ import annotations

import datetime as dt
from typing import Any

import grpc

from nhi.common.v1 import common_pb2
from nhi.documents.v1 import documents_pb2 as pb
from nhi.documents.v1 import documents_pb2_grpc
from nhi_common import paging, rpc

from ..domain.certificate import MissingExpiry
from ..domain.kinds import KINDS
from ..service_layer.services import DocumentService
from .batches_api import BatchServicer


def to_meta(meta: dict[str, Any]) -> pb.DocumentMeta:
    return pb.DocumentMeta(
        document_id=meta["id"],
        kind=meta["kind"],
        title=meta["title"],
        person_id=meta["person_id"],
        household_id=meta["household_id"],
        media_type=meta["media_type"],
        size_bytes=meta["size"],
        sha256=meta["sha256"],
        issued_on=meta["issued_on"].isoformat(),
        valid_until=meta["valid_until"].isoformat() if meta["valid_until"] else "",
        created_at=meta["created_at"].isoformat(),
        certificate_number=meta["certificate_number"] or "",
        replaced_characters=meta.get("replaced_characters", 0),
        template_version=meta.get("template_version") or "",
        reissue_of=meta.get("reissue_of") or "",
        reissue_count=meta.get("reissue_count") or 0,
        job_id=meta.get("job_id") or "",
    )


def fingerprint(request: pb.RenderDocumentRequest) -> bytes:
    """The request as idempotency compares it: deterministic bytes, with the idempotency key cleared."""
    canonical = pb.RenderDocumentRequest()
    canonical.CopyFrom(request)
    canonical.context.idempotency_key = ""
    return canonical.SerializeToString(deterministic=True)


def _business_date(text: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise rpc.invalid("context.business_date", "must be an ISO date (YYYY-MM-DD)") from None


class DocumentServicer(documents_pb2_grpc.DocumentServiceServicer):
    def __init__(self, service: DocumentService, jobs=None, print_queue=None) -> None:
        self.service = service
        self.batches = BatchServicer(service, jobs, print_queue) if jobs is not None else None

    def StartJob(self, request, context):
        return self.batches.StartJob(request, context)

    def GetJob(self, request, context):
        return self.batches.GetJob(request, context)

    def ListJobs(self, request, context):
        return self.batches.ListJobs(request, context)

    def GetJobManifest(self, request, context):
        return self.batches.GetJobManifest(request, context)

    def ListPrintQueue(self, request, context):
        return self.batches.ListPrintQueue(request, context)

    def MarkPrinted(self, request, context):
        return self.batches.MarkPrinted(request, context)

    def ReissueDocument(self, request, context):
        return self.batches.ReissueDocument(request, context)

    @rpc.translated
    def RenderDocument(self, request, context):
        try:
            meta = self.service.render_document(
                kind=request.kind,
                person_id=request.person_id,
                household_id=request.household_id,
                format=request.format or "pdf",
                operator_id=request.context.operator_id,
                business_date=_business_date(request.context.business_date),
                idempotency_key=request.context.idempotency_key,
                fingerprint=fingerprint(request),
                options=dict(request.parameters),
                rows=[dict(row.cells) for row in request.rows],
            )
        except MissingExpiry as exc:  # svc-qualification broke its own rule (CERT-EXPIRY): not the caller's fault
            raise rpc.ServiceError(grpc.StatusCode.INTERNAL, str(exc), reason="QUALIFICATION_FAILED") from None
        return to_meta(meta)

    @rpc.translated
    def ListDocumentKinds(self, request, context):
        return pb.ListDocumentKindsResponse(
            kinds=[
                pb.DocumentKindInfo(
                    code=kind.code,
                    title=kind.title,
                    group=kind.group,
                    formats=list(kind.formats),
                    options=[pb.DocumentKindOption(name=n, values=list(v)) for n, v in kind.options.items()],
                    roles=list(kind.roles),
                    columns=[pb.DocumentKindColumn(key=k, heading=h) for k, h in kind.columns],
                    source_connected=kind.source_connected,
                )
                for kind in KINDS.values()
            ]
        )

    @rpc.translated
    def ListUndrawableCharacters(self, request, context):
        page = paging.parse(request.page.page_size, request.page.cursor)
        rows, cursor = self.service.list_undrawable_characters(
            person_id=request.person_id, page=page, caller=request.context
        )
        return pb.ListUndrawableCharactersResponse(
            characters=[
                pb.UndrawableCharacter(
                    person_id=r["person_id"],
                    field=r["field"],
                    character=r["character"],
                    kind=r["kind"],
                    first_seen_at=r["first_seen_at"].isoformat(),
                    last_seen_at=r["last_seen_at"].isoformat(),
                    refusals=r["refusals"],
                    outcome=r.get("outcome") or "refused",
                )
                for r in rows
            ],
            page=common_pb2.PageInfo(next_cursor=cursor),
        )

    @rpc.translated
    def GetDocument(self, request, context):
        return to_meta(self.service.get_document(request.document_id))

    @rpc.translated
    def GetDocumentContent(self, request, context):
        meta = self.service.get_document(
            request.document_id, with_content=True, operator_id=request.context.operator_id
        )
        return pb.DocumentContent(meta=to_meta(meta), content=meta["content"])

    @rpc.translated
    def ListDocuments(self, request, context):
        page = paging.parse(request.page.page_size, request.page.cursor)
        rows, cursor = self.service.list_documents(person_id=request.person_id, kind=request.kind, page=page)
        return pb.ListDocumentsResponse(
            documents=[to_meta(r) for r in rows], page=common_pb2.PageInfo(next_cursor=cursor)
        )
