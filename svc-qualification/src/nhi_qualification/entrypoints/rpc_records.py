"""gRPC methods of the records side: corrections, certificate ledger, change review list."""

from __future__ import annotations

import grpc

from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as pb
from nhi_common import rpc

from ..domain.corrections import INPUT_CODES
from ..domain.errors import RuleViolation
from ..service_layer.records import StalePeriodVersion


def records_method(method):
    """grpc_api.translate plus the errors of the records side.

    grpc_api imports this module, so it is imported at call time (by then it is in sys.modules).
    """

    def checked(self, request, context):
        try:
            return method(self, request, context)
        except StalePeriodVersion as exc:
            raise rpc.aborted(str(exc), reason="STALE_VERSION", metadata={
                "period_id": exc.period_id, "version_id": str(exc.version_id),
                "current_version_id": str(exc.current_version_id)}) from None
        except RuleViolation as exc:
            if exc.code in INPUT_CODES:
                raise rpc.ServiceError(grpc.StatusCode.INVALID_ARGUMENT, f"{exc.field}: {exc.message}",
                                       reason=exc.code, fields=[rpc.FieldProblem(exc.field, exc.message, exc.rule)]
                                       ) from None
            raise

    def wrapper(self, request, context):
        from . import grpc_api

        return grpc_api.translate(checked)(self, request, context)

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


def _grpc_api():
    from . import grpc_api

    return grpc_api


class RecordsRpc:
    """Mixed into QualificationServicer; `self.records` is the RecordsService."""

    @records_method
    def CorrectQualification(self, request, context):
        api = _grpc_api()
        data = api.as_dict(request)
        data.pop("context", None)
        result = self.records.correct_qualification(data, api.actor_of(request.context))
        return api.to_message(result, pb.CorrectQualificationResponse())

    @records_method
    def RecordCertificateIssued(self, request, context):
        api = _grpc_api()
        result = self.records.record_certificate_issued(api.as_dict(request.certificate),
                                                        api.actor_of(request.context))
        return api.to_message(result, pb.Certificate())

    @records_method
    def RegisterCertificateReturn(self, request, context):
        api = _grpc_api()
        result = self.records.register_certificate_return(request.certificate_id, request.outcome,
                                                          request.returned_on, request.note,
                                                          api.actor_of(request.context))
        return api.to_message(result, pb.RegisterCertificateReturnResponse())

    @records_method
    def ListCertificates(self, request, context):
        api = _grpc_api()
        found, cursor = self.records.list_certificates(
            person_id=request.person_id, state=request.state, outstanding_after_loss=request.outstanding_after_loss,
            page_size=request.page.page_size, cursor=request.page.cursor)
        return pb.ListCertificatesResponse(certificates=[api.to_message(c, pb.Certificate()) for c in found],
                                           page=common_pb2.PageInfo(next_cursor=cursor))

    @records_method
    def ListChanges(self, request, context):
        api = _grpc_api()
        found, cursor = self.records.list_changes(
            from_date=request.from_date, to_date=request.to_date, operator_id=request.operator_id,
            reason=request.reason, kind=request.kind, page_size=request.page.page_size, cursor=request.page.cursor)
        return pb.ListChangesResponse(changes=[api.to_message(c, pb.ChangeRecord()) for c in found],
                                      page=common_pb2.PageInfo(next_cursor=cursor))
