"""gRPC methods of the batch side: burden ratio, income facts, jobs.

grpc_api imports this module at its top, so grpc_api's helpers are looked up at call time.
"""

from __future__ import annotations

import functools


from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as pb
from nhi_common import rpc

from ..domain.errors import RuleViolation

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

    @translated
    def ListJobResults(self, request, context):
        if not request.job_id:
            raise rpc.invalid("job_id", "the job id is required")
        doc = self.batches.target_list(request.job_id, request.page.page_size or 100, request.page.cursor)
        return _api().to_message({"job": doc["job"], "title": doc["title"], "rows": doc["rows"],
                                  "summary": doc["summary"], "page": {"next_cursor": doc["next_cursor"]}},
                                 pb.ListJobResultsResponse())
