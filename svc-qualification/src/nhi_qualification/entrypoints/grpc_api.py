"""gRPC servicer of QualificationService: translate requests and errors, nothing else."""

from __future__ import annotations

import datetime as dt

import grpc
from google.protobuf import json_format

from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as pb
from nhi.qualification.v1 import qualification_pb2_grpc as pb_grpc
from nhi_common import rpc

from ..domain.errors import RuleViolation
from ..service_layer.context import Actor
from ..service_layer.batches import BatchService
from ..service_layer.records import RecordsService
from ..service_layer.errors import IdempotencyReuse, NotFound, StaleVersion
from ..service_layer.services import QualificationService
from .rpc_batches import BatchesRpc
from .rpc_records import RecordsRpc


def actor_of(context: common_pb2.RequestContext) -> Actor:
    business_date = None
    if context.business_date:
        try:
            business_date = dt.date.fromisoformat(context.business_date)
        except ValueError:
            raise rpc.invalid("business_date", f"{context.business_date!r} is not a date") from None
    return Actor(operator_id=context.operator_id or "anonymous", scopes=frozenset(context.scopes),
                 business_date=business_date, idempotency_key=context.idempotency_key)


def to_message(data: dict, message):
    return json_format.ParseDict(data, message, ignore_unknown_fields=True)


def as_dict(message) -> dict:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def translate(method):
    """Domain and service errors become gRPC statuses with details."""

    def wrapper(self, request, context):
        try:
            return method(self, request, context)
        except RuleViolation as exc:
            error = rpc.ServiceError(grpc.StatusCode.INVALID_ARGUMENT if exc.code in _INPUT_CODES
                                     else grpc.StatusCode.FAILED_PRECONDITION,
                                     f"{exc.field}: {exc.message}", reason=exc.code,
                                     fields=[rpc.FieldProblem(exc.field, exc.message, exc.rule)])
        except NotFound as exc:
            error = rpc.not_found(exc.kind, exc.key)
        except StaleVersion as exc:
            error = rpc.aborted(str(exc), reason="STALE_VERSION",
                                metadata={"household_id": exc.household_id, "current_version": str(exc.current_version)})
        except IdempotencyReuse:
            error = rpc.failed_precondition("the Idempotency-Key was already used with a different request",
                                            reason="IDEMPOTENCY_KEY_REUSED", field="Idempotency-Key")
        except PermissionError as exc:
            error = rpc.ServiceError(grpc.StatusCode.PERMISSION_DENIED, str(exc), reason="SCOPE_REQUIRED")
        except rpc.ServiceError as exc:
            error = exc
        rpc.abort(context, error)

    wrapper.__name__ = method.__name__
    return wrapper


_INPUT_CODES = {"UNKNOWN_REASON", "REASON_KIND_MISMATCH", "INVALID_MY_NUMBER", "INVALID_DATE", "REQUIRED",
                "EVENT_IN_FUTURE", "NOTIFIED_IN_FUTURE", "INVALID_JSON"}


def _date(field: str, value: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise rpc.invalid(field, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _datetime(field: str, value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise rpc.invalid(field, f"{value!r} is not an RFC 3339 date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


class QualificationServicer(RecordsRpc, BatchesRpc, pb_grpc.QualificationServiceServicer):
    def __init__(self, service: QualificationService, records: RecordsService, batches: BatchService) -> None:
        self.service = service
        self.records = records
        self.batches = batches

    @translate
    def ApplyResidentChanges(self, request, context):
        changes = [as_dict(c) for c in request.changes]
        results = self.service.apply_resident_changes(changes, actor_of(request.context))
        return pb.ApplyResidentChangesResponse(results=[to_message(r, pb.AppliedChange()) for r in results])

    @translate
    def SubmitNotification(self, request, context):
        data = as_dict(request)
        data.pop("context", None)
        result = self.service.submit_notification(data, actor_of(request.context))
        return to_message(result, pb.SubmitNotificationResponse())

    @translate
    def GetQualification(self, request, context):
        view = self.service.get_qualification(request.person_id, _date("as_of", request.as_of),
                                              _datetime("known_at", request.known_at), actor_of(request.context))
        return to_message(view, pb.QualificationView())

    @translate
    def GetPerson(self, request, context):
        return to_message(self.service.get_person(request.person_id, actor_of(request.context)), pb.Person())

    @translate
    def GetHousehold(self, request, context):
        view = self.service.get_household(request.household_id, actor_of(request.context), _date("as_of", request.as_of),
                                          _datetime("known_at", request.known_at))
        return to_message(view, pb.Household())

    @translate
    def SearchPersons(self, request, context):
        criteria = {k: getattr(request, k) for k in ("name_kana", "birth_date", "symbol", "number", "branch_no",
                                                     "my_number", "household_id")}
        if criteria["birth_date"]:
            _date("birth_date", criteria["birth_date"])
        found, cursor = self.service.search_persons(criteria, request.page.page_size, request.page.cursor,
                                                    actor_of(request.context))
        return pb.SearchPersonsResponse(persons=[to_message(p, pb.Person()) for p in found],
                                        page=common_pb2.PageInfo(next_cursor=cursor))

    @translate
    def GetHistory(self, request, context):
        return to_message(self.service.get_history(request.person_id), pb.GetHistoryResponse())

    @translate
    def GetCertificatesDue(self, request, context):
        due = self.service.certificates_due_now(request.person_id, actor_of(request.context))
        return to_message(due, pb.GetCertificatesDueResponse())

    @translate
    def ListIntakeItems(self, request, context):
        items, cursor = self.service.list_intake_items(request.state, request.page.page_size, request.page.cursor)
        return pb.ListIntakeItemsResponse(items=[to_message(i, pb.IntakeItem()) for i in items],
                                          page=common_pb2.PageInfo(next_cursor=cursor))

    @translate
    def ListAuditEvents(self, request, context):
        events, cursor = self.service.list_audit_events(request.operator_id, request.action, request.page.page_size,
                                                        request.page.cursor)
        return common_pb2.ListAuditEventsResponse(events=[to_message(e, common_pb2.AuditEvent()) for e in events],
                                                  page=common_pb2.PageInfo(next_cursor=cursor))
