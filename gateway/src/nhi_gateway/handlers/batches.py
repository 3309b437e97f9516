"""Burden-ratio determinations, income facts and batch jobs (svc-qualification)."""

from __future__ import annotations

import json

import grpc
from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as pb

from .. import problems
from ..grpc_clients import to_json
from ._common import backends, call_context, ok

# Served by svc-qualification as JSON over gRPC until the contract has a ListJobResults message.
JOB_RESULTS_METHOD = "/nhi.qualification.v1.QualificationJobResults/ListJobResults"

_INCOME_FIELDS = ("taxable_income", "gross_income", "kyu_tadashigaki_income", "non_taxed", "income_year",
                  "public_pension_income", "total_income")


def _income(fact: dict) -> pb.IncomeFact:
    return pb.IncomeFact(person_id=fact["person_id"], **{k: fact[k] for k in _INCOME_FIELDS if k in fact})


def determine_burden_ratio(body):
    """DetermineBurdenRatio; 201 when stored, 200 for a dry run."""
    request = pb.DetermineBurdenRatioRequest(
        context=call_context(), household_id=body["household_id"], as_of=body.get("as_of") or "",
        incomes=[_income(f) for f in body.get("incomes") or []], dry_run=bool(body.get("dry_run", False)))
    response = backends().call("qualification", "DetermineBurdenRatio", request)
    return ok(to_json(response), 200 if request.dry_run else 201)


def record_income_facts(body):
    """RecordIncomeFacts."""
    request = pb.RecordIncomeFactsRequest(context=call_context(), incomes=[_income(f) for f in body["incomes"]])
    return ok(to_json(backends().call("qualification", "RecordIncomeFacts", request)))


def start_job(body):
    """StartJob; 202 with the queued job and its Location."""
    request = common_pb2.StartJobRequest(context=call_context(), kind=body["kind"],
                                         parameters=body.get("parameters") or {})
    job = to_json(backends().call("qualification", "StartJob", request))
    return ok(job, 202, {"Location": f"/api/v1/jobs/{job['job_id']}"})


def get_job(job_id):
    """GetJob."""
    return ok(to_json(backends().call("qualification", "GetJob", common_pb2.GetJobRequest(job_id=job_id))))


def job_results(job_id, page_size=None, cursor=None):
    """The per-person results of a job (for age75_loss: the 75歳到達 対象者一覧), with Japanese column labels."""
    gateway = backends()
    call = gateway._channels["qualification"].get().unary_unary(
        JOB_RESULTS_METHOD, request_serializer=lambda doc: json.dumps(doc).encode(),
        response_deserializer=lambda data: json.loads(data))
    try:
        doc = call({"job_id": job_id, "page_size": page_size or 50, "cursor": cursor or ""}, timeout=gateway.deadline)
    except grpc.RpcError as error:
        raise problems.from_rpc_error(error, "qualification") from None
    return ok(doc)
