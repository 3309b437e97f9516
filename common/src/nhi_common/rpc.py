"""gRPC plumbing: servers with health and reflection, errors with google.rpc details, lazy channels."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable
from concurrent import futures
from dataclasses import dataclass

import grpc
import sqlalchemy as sa
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from . import audit, telemetry
from .errors import Category, DomainError

DETAILS_KEY = "grpc-status-details-bin"


@dataclass(frozen=True)
class FieldProblem:
    """What was wrong with one field, and the rule it broke."""

    field: str
    description: str
    rule: str = ""


class ServiceError(Exception):
    """An error a servicer turns into a gRPC status with details (and the gateway into problem+json)."""

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        *,
        reason: str = "",
        fields: Iterable[FieldProblem] = (),
        metadata: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason
        self.fields = tuple(fields)
        self.metadata = metadata or {}

    def to_status(self) -> status_pb2.Status:
        status = status_pb2.Status(code=self.code.value[0], message=self.message)
        if self.fields:
            bad = error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(field=f.field, description=f.description, reason=f.rule)
                    for f in self.fields
                ]
            )
            packed = any_pb2.Any()
            packed.Pack(bad)
            status.details.append(packed)
        if self.reason or self.metadata:
            info = error_details_pb2.ErrorInfo(
                reason=self.reason or self.code.name, domain="nhi", metadata=self.metadata
            )
            packed = any_pb2.Any()
            packed.Pack(info)
            status.details.append(packed)
        return status


# The one table from an error's category to its gRPC status (the gateway maps statuses to HTTP).
STATUS_OF = {
    Category.INPUT: grpc.StatusCode.INVALID_ARGUMENT,
    Category.RULE: grpc.StatusCode.FAILED_PRECONDITION,
    Category.NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    Category.CONFLICT: grpc.StatusCode.ABORTED,
    Category.PERMISSION: grpc.StatusCode.PERMISSION_DENIED,
}


def from_domain(error: DomainError) -> ServiceError:
    """A service-layer error as the gRPC status its category calls for, with the field and rule as details."""
    fields = [FieldProblem(error.field, error.message, error.rule)] if error.field else []
    return ServiceError(
        STATUS_OF[error.category], error.detail, reason=error.code, fields=fields, metadata=error.metadata
    )


def translated(method: Callable) -> Callable:
    """Decorate a servicer method: a DomainError or ServiceError becomes its gRPC status with details."""

    @functools.wraps(method)
    def wrapper(self, request, context):
        try:
            return method(self, request, context)
        except DomainError as error:
            abort(context, from_domain(error))
        except ServiceError as error:
            abort(context, error)
        except sa.exc.DataError:
            # PostgreSQL refuses a NUL character in text (SQLite stores it): a request field that holds one is the
            # caller's error, named as such; the transaction it failed in was rolled back whole.
            field = field_with_nul(request)
            if field is None:
                raise
            abort(context, invalid(field, "must not contain a NUL character", reason="INVALID_CHARACTER"))
        except sa.exc.DBAPIError as error:
            if not (error.connection_invalidated or isinstance(error, sa.exc.OperationalError)):
                raise
            # The database went away under the call (a restart, a failover): nothing was committed, and the same
            # request (its Idempotency-Key included) can be sent again. UNAVAILABLE says so; INTERNAL would not.
            abort(context, ServiceError(grpc.StatusCode.UNAVAILABLE, "the database is not available; try again"))

    return wrapper


def field_with_nul(message, prefix: str = "") -> str | None:
    """The path of the first string field of a protobuf message holding a NUL character ("incomes[3].person_id"),
    or None. Looked for only after the database refused one, never on the way in."""
    for descriptor, value in message.ListFields():
        name = prefix + descriptor.name
        if descriptor.message_type is not None and descriptor.message_type.GetOptions().map_entry:
            entries = [(f"{name}[{key!r}]", part) for key, item in value.items() for part in (key, item)]
        elif descriptor.is_repeated:
            entries = [(f"{name}[{index}]", item) for index, item in enumerate(value)]
        else:
            entries = [(name, value)]
        for path, item in entries:
            if isinstance(item, str) and "\x00" in item:
                return path
            if hasattr(item, "ListFields") and (found := field_with_nul(item, path + ".")) is not None:
                return found
    return None


def invalid(field: str, description: str, rule: str = "", reason: str = "INVALID_ARGUMENT") -> ServiceError:
    return ServiceError(
        grpc.StatusCode.INVALID_ARGUMENT,
        f"{field}: {description}",
        reason=reason,
        fields=[FieldProblem(field, description, rule)],
    )


def failed_precondition(message: str, *, reason: str, field: str = "", rule: str = "", metadata=None) -> ServiceError:
    fields = [FieldProblem(field, message, rule)] if field else []
    return ServiceError(grpc.StatusCode.FAILED_PRECONDITION, message, reason=reason, fields=fields, metadata=metadata)


def not_found(kind: str, key: str) -> ServiceError:
    return ServiceError(
        grpc.StatusCode.NOT_FOUND, f"{kind} {key} not found", reason="NOT_FOUND", metadata={"kind": kind, "id": key}
    )


def aborted(message: str, *, reason: str, metadata=None) -> ServiceError:
    return ServiceError(grpc.StatusCode.ABORTED, message, reason=reason, metadata=metadata)


def abort(context: grpc.ServicerContext, error: ServiceError) -> None:
    status = error.to_status()
    context.abort_with_status(_RichStatus(error.code, error.message, ((DETAILS_KEY, status.SerializeToString()),)))


class _RichStatus(grpc.Status):
    def __init__(self, code, details, trailing_metadata):
        self.code = code
        self.details = details
        self.trailing_metadata = trailing_metadata


def read_status(error: grpc.RpcError) -> status_pb2.Status | None:
    """The google.rpc.Status a failed call carried, if any."""
    for key, value in error.trailing_metadata() or ():
        if key == DETAILS_KEY:
            status = status_pb2.Status()
            status.ParseFromString(value)
            return status
    return None


def unpack_details(status: status_pb2.Status) -> tuple[list[FieldProblem], error_details_pb2.ErrorInfo | None]:
    fields: list[FieldProblem] = []
    info = None
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            fields.extend(FieldProblem(v.field, v.description, v.reason) for v in bad.field_violations)
        elif detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
    return fields, info


class Server:
    """A gRPC server with grpc.health.v1 and reflection, reporting SERVING once started."""

    def __init__(
        self, *, port: int, service_names: Iterable[str], max_workers: int = 16, host: str = "0.0.0.0"
    ) -> None:
        telemetry.instrument_grpc()
        self.call_audit = CallAudit()
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=max_workers),
            interceptors=[self.call_audit],
            options=[
                ("grpc.max_receive_message_length", 64 * 1024 * 1024),
                ("grpc.max_send_message_length", 64 * 1024 * 1024),
            ],
        )
        self.health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        self.service_names = list(service_names)
        reflection.enable_server_reflection(
            [*self.service_names, health.SERVICE_NAME, reflection.SERVICE_NAME], self.server
        )
        self.port = self.server.add_insecure_port(f"{host}:{port}")
        if self.port == 0:
            raise RuntimeError(f"cannot listen on {host}:{port}")

    def start(self) -> None:
        self.server.start()
        for name in ["", *self.service_names]:
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)

    def stop(self, grace: float = 5) -> None:
        self.health.enter_graceful_shutdown()
        self.server.stop(grace).wait()


@dataclass(frozen=True)
class AuditedRead:
    """A method that reads personal data: one audit row per call (unless the call wrote its own), never per row.

    `id_field` names the request field holding the target's id; a list names instead its query kind (which of
    `query_fields` were given, never their values) and the count of `list_field` in the response."""

    action: str
    target_kind: str
    id_field: str = ""
    list_field: str = ""
    query_fields: tuple[str, ...] = ()


class CallAudit(grpc.ServerInterceptor):
    """The purpose of a call's RequestContext (the client's X-Purpose) goes into every audit row the call writes;
    a call of a method in `reads` that wrote none gets one row saying who read what, when and why."""

    def __init__(self) -> None:
        self.reads: dict[str, AuditedRead] = {}  # full method name ("/pkg.Service/Method") -> what it reads
        self.record: Callable[..., None] | None = None  # appends one row to the service's chain

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        inner = handler.unary_unary
        read = self.reads.get(handler_call_details.method)

        def behaviour(request, context):
            request_context = getattr(request, "context", None)
            purpose = getattr(request_context, "purpose", "")
            with audit.call_scope(purpose if isinstance(purpose, str) else "") as call:
                response = inner(request, context)
                if read is not None and self.record is not None and not call.audited:
                    self._record(read, request, request_context, response)
                return response

        return grpc.unary_unary_rpc_method_handler(
            behaviour,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )

    def _record(self, read: AuditedRead, request, request_context, response) -> None:
        operator = getattr(request_context, "operator_id", "") or "system"
        if read.list_field:
            given = [name for name in read.query_fields if getattr(request, name, None)]
            target, detail = "+".join(given) or "all", f"{len(getattr(response, read.list_field))} rows"
        else:
            target, detail = str(getattr(request, read.id_field, "")) or "-", ""
        self.record(
            operator_id=operator, action=read.action, target_kind=read.target_kind, target_id=target, detail=detail
        )


class LazyChannel:
    """A channel created on first use in this process (never before a fork)."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._channel: grpc.Channel | None = None
        self._lock = threading.Lock()

    def get(self) -> grpc.Channel:
        with self._lock:
            if self._channel is None:
                telemetry.instrument_grpc()
                self._channel = grpc.insecure_channel(self.target)
            return self._channel

    def close(self) -> None:
        with self._lock:
            if self._channel is not None:
                self._channel.close()
                self._channel = None


def check_health(target: str, timeout: float = 1.0) -> bool:
    """True when the server at `target` answers SERVING."""
    channel = grpc.insecure_channel(target)
    try:
        stub = health_pb2_grpc.HealthStub(channel)
        response = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=timeout)
        return response.status == health_pb2.HealthCheckResponse.SERVING
    except grpc.RpcError:
        return False
    finally:
        channel.close()
