"""ListOutbound over gRPC: translate, nothing more."""

from __future__ import annotations

from nhi.integration.v1 import integration_pb2 as pb
from nhi_common import paging

from ..service_layer.outbound import OutboundFeeds

DEFAULT_PAGE = 100


def list_outbound(feeds: OutboundFeeds, request) -> pb.ListOutboundResponse:
    page = paging.parse(request.page.page_size, "", default_size=DEFAULT_PAGE)
    listed = feeds.list(request.feed, after=request.after_sequence, size=page.size)
    return pb.ListOutboundResponse(
        records=[to_record(r) for r in listed["records"]], last_sequence=listed["last_sequence"], more=listed["more"]
    )


def to_record(record: dict) -> pb.OutboundRecord:
    message = pb.OutboundRecord()
    for field in pb.OutboundRecord.DESCRIPTOR.fields:
        value = record.get(field.name)
        if value is None:
            continue
        setattr(message, field.name, value)
    return message
