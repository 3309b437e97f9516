"""The counter's print queue and reissues (svc-documents)."""

from __future__ import annotations

from nhi.documents.v1 import documents_pb2 as pb

from ..grpc_clients import page, to_json, to_page_json
from . import documents, lists
from ._common import backends, call_context, list_context, ok

COLUMNS = {
    "item_id": "項目番号",
    "person_id": "宛名番号",
    "household_id": "世帯番号",
    "kind": "証の種類",
    "reason": "交付事由",
    "rule_ids": "規則",
    "due_on": "交付予定日",
    "created_at": "登録日時",
    "printed": "印刷済",
    "printed_at": "印刷日時",
    "printed_by": "印刷者",
    "document_id": "文書番号",
}


def list_items(printed=None, person_id=None, kind=None, page_size=None, cursor=None):
    """ListPrintQueue: what is due, for whom, printed or not."""
    request = pb.ListPrintQueueRequest(
        page=page(page_size, cursor),
        printed="" if printed is None else ("true" if printed else "false"),
        person_id=person_id or "",
        kind=kind or "",
        context=list_context(),
    )
    doc = to_page_json(backends().call("documents", "ListPrintQueue", request))
    return lists.respond(doc, "items", COLUMNS, "print-queue")


def mark_printed(item_id, body=None):
    """MarkPrinted: by the calling operator, now."""
    request = pb.MarkPrintedRequest(
        context=call_context(), item_id=item_id, document_id=(body or {}).get("document_id") or ""
    )
    return ok(to_json(backends().call("documents", "MarkPrinted", request)))


def reissue(document_id, body):
    """ReissueDocument: 201 with the new record."""
    request = pb.ReissueDocumentRequest(context=call_context(), document_id=document_id, reason=body["reason"])
    doc = documents.with_links(backends().call("documents", "ReissueDocument", request))
    return ok(doc, 201, {"Location": doc["links"]["self"]})
