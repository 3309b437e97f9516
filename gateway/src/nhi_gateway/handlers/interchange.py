"""The aggregation link (svc-interchange)."""

from __future__ import annotations

from nhi.interchange.v1 import interchange_pb2 as pb

from ..grpc_clients import page, to_page_json
from ._common import backends, ok


def pending_aggregation(person_id=None, page_size=None, cursor=None):
    """ListPendingAggregation."""
    request = pb.ListPendingAggregationRequest(person_id=person_id or "", page=page(page_size, cursor))
    return ok(to_page_json(backends().call("interchange", "ListPendingAggregation", request)))
