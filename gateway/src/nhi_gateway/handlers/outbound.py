"""The outbound feeds (2.7.1) for systems that poll: the records of a feed after the last sequence they read."""

from __future__ import annotations

from nhi.common.v1 import common_pb2
from nhi.integration.v1 import integration_pb2 as ipb

from ..grpc_clients import to_json
from ._common import backends, call_context, ok


def list_outbound(feed, after=None, page_size=None):
    """ListOutbound."""
    request = ipb.ListOutboundRequest(
        context=call_context(),
        feed=feed,
        after_sequence=after or 0,
        page=common_pb2.PageRequest(page_size=page_size or 0),
    )
    doc = to_json(backends().call("integration", "ListOutbound", request))
    doc.setdefault("records", [])
    for record in doc["records"]:
        record.setdefault("ratio_percent", None)  # unset unless the record is a burden change
    return ok({"feed": feed, **doc})
