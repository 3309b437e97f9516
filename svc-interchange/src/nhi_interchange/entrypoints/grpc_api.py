"""gRPC servicer of InterchangeService."""

from __future__ import annotations

from google.protobuf import json_format

from nhi.common.v1 import common_pb2
from nhi.interchange.v1 import interchange_pb2 as pb
from nhi.interchange.v1 import interchange_pb2_grpc as pb_grpc

from ..service_layer.services import InterchangeService


class InterchangeServicer(pb_grpc.InterchangeServiceServicer):
    def __init__(self, service: InterchangeService) -> None:
        self.service = service

    def ListPendingAggregation(self, request, context):
        records, cursor, total = self.service.list_pending(person_id=request.person_id,
                                                           page_size=request.page.page_size, cursor=request.page.cursor)
        return pb.ListPendingAggregationResponse(
            records=[json_format.ParseDict(r, pb.PendingAggregationRecord()) for r in records],
            page=common_pb2.PageInfo(next_cursor=cursor), total=total)
