"""My Numbers for the 個人 file, read from svc-qualification (each read is audited there as svc-interchange's)."""

from __future__ import annotations

import grpc

from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as qpb
from nhi.qualification.v1 import qualification_pb2_grpc
from nhi_common import rpc

OPERATOR = "svc-interchange"
DEADLINE = 5.0


class QualificationNumbers:
    def __init__(self, address: str) -> None:
        self.channel = rpc.LazyChannel(address)

    def my_number(self, person_id: str) -> str:
        stub = qualification_pb2_grpc.QualificationServiceStub(self.channel.get())
        context = common_pb2.RequestContext(operator_id=OPERATOR, scopes=["mynumber:read"])
        try:
            person = stub.GetPerson(qpb.GetPersonRequest(person_id=person_id, context=context), timeout=DEADLINE)
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return ""
            raise
        return person.my_number
