"""国保資格不整合一覧 (2.4.1): the findings of svc-integration's inconsistency check and their resolution."""

from __future__ import annotations

from nhi.integration.v1 import integration_pb2 as ipb

from ..grpc_clients import page, to_json, to_page_json
from . import lists
from ._common import backends, call_context, list_context, ok

# Headings of the list as printed for clerks.
COLUMNS = {
    "inconsistency_id": "不整合番号",
    "person_id": "宛名番号",
    "household_id": "世帯番号",
    "name": "氏名",
    "kind": "不整合区分",
    "nhi_status": "国保資格",
    "other_status": "他業務の状態",
    "mismatch": "不整合内容",
    "action": "対応案",
    "rule": "規則",
    "state": "状態",
    "detected_at": "検出日時",
    "resolved_at": "解消日時",
    "resolved_by": "解消者",
    "change_id": "訂正の異動番号",
    "note": "備考",
}


def list_inconsistencies(state=None, kind=None, person_id=None, page_size=None, cursor=None):
    """ListInconsistencies."""
    request = ipb.ListInconsistenciesRequest(
        state=state or "",
        kind=kind or "",
        person_id=person_id or "",
        page=page(page_size, cursor),
        context=list_context(),
    )
    doc = to_page_json(backends().call("integration", "ListInconsistencies", request))
    doc.setdefault("inconsistencies", [])
    return lists.respond(doc, "inconsistencies", COLUMNS, "inconsistencies")


def resolve_inconsistency(inconsistency_id, body):
    """ResolveInconsistency: link the correction that fixed the finding."""
    request = ipb.ResolveInconsistencyRequest(
        context=call_context(),
        inconsistency_id=inconsistency_id,
        change_id=body["change_id"],
        note=body.get("note") or "",
    )
    return ok(to_json(backends().call("integration", "ResolveInconsistency", request)))


def report_rows(*, limit: int):
    """The open findings as rows of the report qualification_inconsistency_list (its columns in svc-documents)."""
    cursor, count, context = "", 0, list_context()
    while True:
        request = ipb.ListInconsistenciesRequest(state="open", page=page(500, cursor), context=context)
        doc = to_page_json(backends().call("integration", "ListInconsistencies", request))
        for row in doc.get("inconsistencies", []):
            if count == limit:
                return
            count += 1
            yield {k: row.get(k) for k in ("person_id", "name", "nhi_status", "other_status", "mismatch", "action")}
        cursor = doc.get("next_cursor") or ""
        if not cursor:
            return
