"""The audit log (svc-qualification)."""

from __future__ import annotations

from nhi.common.v1 import common_pb2

from ..grpc_clients import page, to_page_json
from ._common import backends, ok


def list_events(operator_id=None, action=None, page_size=None, cursor=None):
    """ListAuditEvents."""
    request = common_pb2.ListAuditEventsRequest(
        operator_id=operator_id or "", action=action or "", page=page(page_size, cursor)
    )
    return ok(to_page_json(backends().call("qualification", "ListAuditEvents", request)))
