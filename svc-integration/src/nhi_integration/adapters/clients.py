"""gRPC client of svc-qualification: resident changes go to ApplyResidentChanges with a deadline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import grpc
from google.protobuf import json_format

from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as pb
from nhi.qualification.v1 import qualification_pb2_grpc
from nhi_common import rpc

from ..domain.resident import ResidentChange
from ..service_layer.ports import ApplyRejected, ApplyUnavailable

OPERATOR_ID = "integration"
PER_CHANGE_SECONDS = 0.25  # added to the deadline for each change of a batch after the first
# Worth another delivery: the receiver may come back or catch up.
TRANSIENT = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.CANCELLED,
    }
)


def to_message(change: ResidentChange) -> pb.ResidentChange:
    return json_format.ParseDict(change.forwarded(), pb.ResidentChange())


class QualificationClient:
    """ResidentSink over gRPC (QualificationService.ApplyResidentChanges)."""

    def __init__(self, channel: rpc.LazyChannel, *, deadline: float, business_date: dt.date | None = None) -> None:
        self.channel = channel
        self.deadline = deadline
        self.business_date = business_date

    def apply(self, change: ResidentChange, *, idempotency_key: str) -> list[dict[str, Any]]:
        return self.apply_many([change], idempotency_key=idempotency_key)

    def apply_many(self, changes: list[ResidentChange], *, idempotency_key: str) -> list[dict[str, Any]]:
        """Several changes in one call, applied by svc-qualification in one unit of work (each claimed by its
        change id there): the outcomes in order; one refusal refuses them all."""
        stub = qualification_pb2_grpc.QualificationServiceStub(self.channel.get())
        context = common_pb2.RequestContext(
            operator_id=OPERATOR_ID,
            idempotency_key=idempotency_key,
            business_date=self.business_date.isoformat() if self.business_date else "",
        )
        request = pb.ApplyResidentChangesRequest(context=context, changes=[to_message(c) for c in changes])
        try:
            # The deadline grows with the batch: svc-qualification applies the changes one after another.
            timeout = self.deadline + PER_CHANGE_SECONDS * (len(changes) - 1)
            response = stub.ApplyResidentChanges(request, timeout=timeout)
        except grpc.RpcError as error:
            code = error.code()
            if code in TRANSIENT:
                raise ApplyUnavailable(f"svc-qualification: {code.name}") from None
            fields, _info = rpc.unpack_details(rpc.read_status(error)) if rpc.read_status(error) else ([], None)
            field = fields[0].field if fields else ""
            message = fields[0].description if fields else (error.details() or code.name)
            raise ApplyRejected(f"{message} ({code.name})", field) from None
        return [json_format.MessageToDict(r, preserving_proto_field_name=True) for r in response.results]
