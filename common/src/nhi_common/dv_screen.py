"""Rule DV for a service's lists of persons: svc-qualification's ScreenListedPersons says which persons of a page
the caller may not see listed (under a DV support measure on the caller's business date, without dv:read), and
audits the listing of those it may see. A list that cannot ask is not given out, never given out whole."""

from __future__ import annotations

from collections.abc import Iterable

import grpc

from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as qpb

from . import rpc


def hidden_persons(
    stub, caller: common_pb2.RequestContext, person_ids: Iterable[str], listing: str, *, timeout: float
) -> set[str]:
    """The persons of `person_ids` to leave out of the list `listing` (its name goes into the audit row's detail);
    UNAVAILABLE (reason DV_SCREEN_UNAVAILABLE) when svc-qualification cannot answer."""
    request = qpb.ScreenListedPersonsRequest(context=caller, person_ids=sorted(set(person_ids)), list=listing)
    try:
        answer = stub.ScreenListedPersons(request, timeout=timeout)
    except grpc.RpcError as error:
        message = f"svc-qualification cannot say who is under a DV support measure (rule DV): {error.code().name}"
        raise rpc.ServiceError(grpc.StatusCode.UNAVAILABLE, message, reason="DV_SCREEN_UNAVAILABLE") from None
    return set(answer.hidden_person_ids)
