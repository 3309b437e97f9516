"""gRPC methods of the batch side: burden ratio, income facts, jobs.

grpc_api imports this module at its top, so grpc_api's helpers are looked up at call time.
"""

from __future__ import annotations

import functools
import json

import grpc

from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as pb
from nhi_common import rpc

from ..domain.errors import RuleViolation

# The 75歳到達 対象者一覧 has no message in the (fixed) proto yet: it is served as JSON over gRPC on this path.
JOB_RESULTS_METHOD = "/nhi.qualification.v1.QualificationJobResults/ListJobResults"
_INPUT = {"INVALID_DATE", "REQUIRED", "UNKNOWN_JOB_KIND"}


def _api():
    from . import grpc_api

    return grpc_api


def translated(method):
    """grpc_api.translate, resolved on first call (no import cycle); job parameter problems are INVALID_ARGUMENT."""

    @functools.wraps(method)
    def wrapper(self, request, context):
        def inner(self, request, context):
            try:
                return method(self, request, context)
            except RuleViolation as exc:
                if exc.code in _INPUT:
                    raise rpc.invalid(exc.field, exc.message, exc.rule, reason=exc.code) from None
                raise

        return _api().translate(inner)(self, request, context)

    return wrapper


class BatchesRpc:
    """Mixed into QualificationServicer; `self.batches` is the BatchService."""

    @translated
    def RecordIncomeFacts(self, request, context):
        api = _api()
        incomes = [api.as_dict(i) for i in request.incomes]
        count = self.batches.record_income_facts(incomes, api.actor_of(request.context))
        return pb.RecordIncomeFactsResponse(recorded=count)

    @translated
    def DetermineBurdenRatio(self, request, context):
        api = _api()
        data = {"household_id": request.household_id, "as_of": request.as_of, "dry_run": request.dry_run,
                "incomes": [api.as_dict(i) for i in request.incomes]}
        result = self.batches.determine_burden_ratio(data, api.actor_of(request.context))
        return api.to_message(result, pb.DetermineBurdenRatioResponse())

    @translated
    def StartJob(self, request, context):
        api = _api()
        job = self.batches.start_job(request.kind, dict(request.parameters), api.actor_of(request.context))
        return api.to_message(job, common_pb2.Job())

    @translated
    def GetJob(self, request, context):
        if not request.job_id:
            raise rpc.invalid("job_id", "the job id is required")
        return _api().to_message(self.batches.get_job(request.job_id), common_pb2.Job())


def job_results_handler(batches) -> grpc.GenericRpcHandler:
    """ListJobResults as JSON over gRPC: {"job_id", "page_size", "cursor"} → BatchService.target_list."""

    class _Holder:
        def __init__(self) -> None:
            self.batches = batches

        @translated
        def list_results(self, request, context):
            if not request.get("job_id"):
                raise rpc.invalid("job_id", "the job id is required")
            return self.batches.target_list(request["job_id"], int(request.get("page_size") or 100),
                                            str(request.get("cursor") or ""))

    holder = _Holder()
    handler = grpc.unary_unary_rpc_method_handler(
        holder.list_results,
        request_deserializer=lambda data: json.loads(data or b"{}"),
        response_serializer=lambda doc: json.dumps(doc, ensure_ascii=False).encode())
    service, method = JOB_RESULTS_METHOD.strip("/").split("/")
    return grpc.method_handlers_generic_handler(service, {method: handler})
