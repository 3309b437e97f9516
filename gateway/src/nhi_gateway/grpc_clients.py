"""The four backend services: lazy channels, stubs, deadlines, and errors as problems."""

from __future__ import annotations

import typing as t
from concurrent.futures import ThreadPoolExecutor

import grpc
from connexion import context as connexion_context
from google.protobuf import json_format

from nhi.common.v1 import common_pb2, common_pb2_grpc
from nhi.documents.v1 import documents_pb2_grpc
from nhi.integration.v1 import integration_pb2_grpc
from nhi.interchange.v1 import interchange_pb2_grpc
from nhi.qualification.v1 import qualification_pb2_grpc
from nhi_common import rpc

from . import problems
from .settings import Settings

STUBS = {
    "qualification": qualification_pb2_grpc.QualificationServiceStub,
    "documents": documents_pb2_grpc.DocumentServiceStub,
    "integration": integration_pb2_grpc.IntegrationServiceStub,
    "interchange": interchange_pb2_grpc.InterchangeServiceStub,
}


class Backends:
    """One lazily created channel per service and process, and the calls through them."""

    def __init__(self, settings: Settings, deadlines: dict[str, float] | None = None) -> None:
        self.addresses = {
            "qualification": settings.qualification_addr,
            "documents": settings.documents_addr,
            "integration": settings.integration_addr,
            "interchange": settings.interchange_addr,
        }
        self.deadline = settings.grpc_deadline_seconds
        self.deadlines = dict(deadlines or {})  # operationId -> its x-deadline-seconds
        self._channels = {name: rpc.LazyChannel(addr) for name, addr in self.addresses.items()}
        self._stubs: dict[str, tuple[grpc.Channel, t.Any]] = {}

    def stub(self, service: str):
        """The stub of `service`, made once per channel (a stub builds a callable for every method of the service)."""
        channel = self._channels[service].get()
        cached = self._stubs.get(service)
        if cached is None or cached[0] is not channel:
            cached = (channel, STUBS[service](channel))
            self._stubs[service] = cached
        return cached[1]

    def call(self, service: str, method: str, request) -> t.Any:
        """One unary call with the deadline of the operation it serves; a failure becomes a Problem."""
        try:
            return getattr(self.stub(service), method)(request, timeout=self.deadline_now())
        except grpc.RpcError as error:
            raise problems.from_rpc_error(error, service) from None

    def deadline_now(self) -> float:
        """The deadline of a call made now: the current operation's `x-deadline-seconds` when it is longer than the
        default (GRPC_DEADLINE_SECONDS), else the default; raising the default raises every deadline."""
        if not self.deadlines:
            return self.deadline
        try:
            operation_id = connexion_context.scope["extensions"]["connexion_routing"]["operation_id"]
        except (RuntimeError, LookupError, TypeError):  # outside a request (a probe, a test)
            return self.deadline
        return max(self.deadlines.get(operation_id, self.deadline), self.deadline)

    def call_audit(self, service: str, request: common_pb2.ListAuditEventsRequest):
        """ListAuditEvents of one service's own audit chain (nhi.common.v1.AuditService)."""
        try:
            return common_pb2_grpc.AuditServiceStub(self._channels[service].get()).ListAuditEvents(
                request, timeout=self.deadline
            )
        except grpc.RpcError as error:
            raise problems.from_rpc_error(error, service) from None

    def readiness(self, timeout: float = 1.0) -> dict[str, bool]:
        """Which services answer grpc.health.v1 SERVING (checked in parallel)."""
        with ThreadPoolExecutor(max_workers=len(self.addresses)) as pool:
            results = {name: pool.submit(rpc.check_health, addr, timeout) for name, addr in self.addresses.items()}
            return {name: future.result() for name, future in results.items()}

    def close(self) -> None:
        for channel in self._channels.values():
            channel.close()


def deadlines(spec: dict) -> dict[str, float]:
    """operationId -> its `x-deadline-seconds`, for the operations that name one."""
    return {
        op["operationId"]: float(op["x-deadline-seconds"])
        for item in spec.get("paths", {}).values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op and "x-deadline-seconds" in op
    }


def request_context(principal, *, idempotency_key: str | None, business_date: str | None) -> common_pb2.RequestContext:
    return common_pb2.RequestContext(
        operator_id=principal.sub,
        scopes=sorted(principal.scopes),
        idempotency_key=idempotency_key or "",
        business_date=business_date or "",
    )


def page(page_size: int | None, cursor: str | None) -> common_pb2.PageRequest:
    return common_pb2.PageRequest(page_size=page_size or 0, cursor=cursor or "")


def to_json(message) -> dict:
    """A protobuf message as JSON: proto field names, defaults present, int64 as numbers."""
    return json_format.MessageToDict(
        message,
        preserving_proto_field_name=True,
        always_print_fields_with_no_presence=True,
        unquote_int64_if_possible=True,
    )


def to_page_json(message, page_field: str = "page") -> dict:
    """A list response: its items plus `next_cursor` in place of the nested page info."""
    doc = to_json(message)
    info = doc.pop(page_field, {}) or {}
    doc["next_cursor"] = info.get("next_cursor", "")
    return doc
