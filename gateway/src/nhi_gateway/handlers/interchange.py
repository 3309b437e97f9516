"""The aggregation link and the intermediate server's sub-copies (svc-interchange)."""

from __future__ import annotations

from nhi.interchange.v1 import interchange_pb2 as pb

from ..grpc_clients import page, to_json, to_page_json
from ..tokens import DV_READ
from . import lists
from ._common import backends, call_context, list_context, ok

# Headings of the changes waiting for the aggregation file, as a clerk's list.
PENDING_COLUMNS = {
    "record_id": "レコード番号",
    "person_id": "宛名番号",
    "household_id": "世帯番号",
    "event_type": "異動の種類",
    "change_id": "異動番号",
    "effective_date": "効力発生日",
    "received_at": "受信日時",
    "state": "状態",
}


def pending_aggregation(person_id=None, page_size=None, cursor=None):
    """ListPendingAggregation."""
    request = pb.ListPendingAggregationRequest(person_id=person_id or "", page=page(page_size, cursor))
    doc = to_page_json(backends().call("interchange", "ListPendingAggregation", request))
    return lists.respond(doc, "records", PENDING_COLUMNS, "aggregation-pending")


FILE_COLUMNS = {
    "business_date": "処理日",
    "kind": "ファイル種別",
    "file_name": "ファイル名",
    "records": "件数",
    "bytes": "バイト数",
    "sha256": "SHA-256",
    "cutoff_at": "抽出基準日時",
    "degraded_characters": "代替文字数",
    "created_at": "作成日時",
}


def aggregation_files(page_size=None, cursor=None):
    """ListAggregationFiles."""
    request = pb.ListAggregationFilesRequest(page=page(page_size, cursor))
    doc = to_page_json(backends().call("interchange", "ListAggregationFiles", request))
    return lists.respond(doc, "files", FILE_COLUMNS, "aggregation-files")


# ---- sub-copies with the intermediate server (2.8, 2.9) ----

TRANSFER_COLUMNS = {
    "business_date": "処理日",
    "file_name": "ファイル名",
    "state": "転送状況",
    "records": "件数",
    "accepted": "登録件数",
    "rejected": "登録不可件数",
    "no_auto_answer": "自動応答不可件数",
    "retried": "再送件数",
    "retry_exhausted": "再送上限到達件数",
    "result_at": "結果受領日時",
    "result_note": "結果内容",
    "created_at": "作成日時",
}
# Counts that mean nothing until the intermediate server's result arrived.
RESULT_COUNTS = ("accepted", "rejected", "retry_exhausted")
QUERY_COLUMNS = {
    "query_id": "照会番号",
    "person_id": "宛名番号",
    "item": "照会項目",
    "state": "状態",
    "income_year": "所得年",
    "sent_at": "送付日時",
    "answered_at": "回答日時",
    "result_code": "結果コード",
    "result_note": "結果",
    "determination_id": "負担割合判定",
    "ratio_percent": "負担割合（%）",
    "pending": "判定保留",
    "operator_id": "依頼者",
    "created_at": "依頼日時",
}
MANUAL_COLUMNS = {
    "request_id": "依頼番号",
    "person_id": "宛名番号",
    "item": "照会項目",
    "requester": "照会元",
    "reason": "手動応答理由",
    "state": "状態",
    "received_at": "受付日時",
    "decided_at": "回答日時",
    "decided_by": "回答者",
    "note": "備考",
}
QUERY_AMOUNTS = ("taxable_income", "gross_income", "kyu_tadashigaki_income", "public_pension_income", "total_income")


def subcopy_transfers(page_size=None, cursor=None):
    """ListSubCopyTransfers."""
    request = pb.ListSubCopyTransfersRequest(page=page(page_size, cursor))
    doc = to_page_json(backends().call("interchange", "ListSubCopyTransfers", request))
    for transfer in doc["transfers"]:
        if not transfer["result_at"]:
            transfer.update(dict.fromkeys(RESULT_COUNTS))
    return lists.respond(doc, "transfers", TRANSFER_COLUMNS, "subcopy-transfers")


def query_subcopy(body):
    """QuerySubCopy: queue a 副本照会; the subcopy_query_send job sends it."""
    request = pb.QuerySubCopyRequest(context=call_context(), person_id=body["person_id"], item=body["item"])
    queued = backends().call("interchange", "QuerySubCopy", request)
    query = _query(to_json(_get_query(queued.query_id)))
    return ok(query, 202, {"Location": f"/api/v1/interchange/subcopy/queries/{query['query_id']}"})


def subcopy_queries(person_id=None, page_size=None, cursor=None):
    """ListSubCopyQueries."""
    request = pb.ListSubCopyQueriesRequest(
        person_id=person_id or "", page=page(page_size, cursor), context=list_context()
    )
    doc = to_page_json(backends().call("interchange", "ListSubCopyQueries", request))
    doc["queries"] = [_query(q) for q in doc["queries"]]
    return lists.respond(doc, "queries", QUERY_COLUMNS, "subcopy-queries")


def subcopy_query(query_id):
    """GetSubCopyQuery."""
    return ok(_query(to_json(_get_query(query_id))))


def _manual_answer_context(what: str):
    """Rule DV: the requests waiting for a manual answer are about persons under a DV support measure (or a
    defective copy): read and decided only with the dv:read scope (the spec's x-scopes), giving X-Purpose."""
    return call_context(purpose_required_because=f"the scope {DV_READ} reads {what} (rule DV)")


def manual_requests(state=None, page_size=None, cursor=None):
    """ListManualRequests."""
    context = _manual_answer_context("the requests for a manual answer")
    request = pb.ListManualRequestsRequest(state=state or "", page=page(page_size, cursor), context=context)
    doc = to_page_json(backends().call("interchange", "ListManualRequests", request))
    return lists.respond(doc, "requests", MANUAL_COLUMNS, "subcopy-manual-requests")


def decide_manual_request(request_id, body):
    """DecideManualRequest: the clerk's answer to a request the intermediate server could not answer itself."""
    request = pb.DecideManualRequestRequest(
        context=_manual_answer_context("a request for a manual answer"),
        request_id=request_id,
        decision=body["decision"],
        note=body.get("note") or "",
    )
    return ok(to_json(backends().call("interchange", "DecideManualRequest", request)))


def _get_query(query_id: str):
    return backends().call("interchange", "GetSubCopyQuery", pb.GetSubCopyQueryRequest(query_id=query_id))


def _query(query: dict) -> dict:
    """Numbers that are not known yet as null: the year until sent, the amounts and ratio until answered."""
    for key in QUERY_AMOUNTS:
        query.setdefault(key, None)
    answered = query["state"] == "answered"
    if not query["income_year"]:
        query["income_year"] = None
    if not query["determination_id"]:
        query["ratio_percent"] = query["pending"] = None
    if not answered:
        query["non_taxed"] = None
    return query
