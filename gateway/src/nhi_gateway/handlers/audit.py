"""The audit log (svc-qualification)."""

from __future__ import annotations

from nhi.common.v1 import common_pb2

from ..grpc_clients import page, to_page_json
from . import lists
from ._common import backends

# Headings of the audit log as an auditor's list.
AUDIT_COLUMNS = {
    "occurred_at": "日時",
    "operator_id": "操作者",
    "action": "操作",
    "target_kind": "対象の種類",
    "target_id": "対象",
    "detail": "内容",
    "event_id": "記録番号",
}


def list_events(operator_id=None, action=None, page_size=None, cursor=None):
    """ListAuditEvents."""
    request = common_pb2.ListAuditEventsRequest(
        operator_id=operator_id or "", action=action or "", page=page(page_size, cursor)
    )
    doc = to_page_json(backends().call("qualification", "ListAuditEvents", request))
    return lists.respond(doc, "events", AUDIT_COLUMNS, "audit-events")
