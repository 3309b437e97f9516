"""gRPC servicer of InterchangeService: translate requests, responses and errors, nothing more."""

from __future__ import annotations

from google.protobuf import json_format

from nhi.common.v1 import common_pb2
from nhi.interchange.v1 import interchange_pb2 as pb
from nhi.interchange.v1 import interchange_pb2_grpc as pb_grpc
from nhi_common import paging, rpc

from ..service_layer.services import InterchangeService

PENDING_PAGE_SIZE = 100  # records of a page when the caller names no size


class InterchangeServicer(pb_grpc.InterchangeServiceServicer):
    def __init__(self, service: InterchangeService) -> None:
        self.service = service

    @rpc.translated
    def ListPendingAggregation(self, request, context):
        page = paging.parse(request.page.page_size, request.page.cursor, default_size=PENDING_PAGE_SIZE)
        records, cursor, total = self.service.list_pending(person_id=request.person_id, page=page)
        return pb.ListPendingAggregationResponse(
            records=[json_format.ParseDict(r, pb.PendingAggregationRecord()) for r in records],
            page=common_pb2.PageInfo(next_cursor=cursor),
            total=total,
        )
