"""The aggregation link (svc-interchange)."""

from __future__ import annotations

from nhi.interchange.v1 import interchange_pb2 as pb

from ..grpc_clients import page, to_page_json
from . import lists
from ._common import backends

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
