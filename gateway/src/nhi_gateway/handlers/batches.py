"""Burden-ratio determinations, income facts and batch jobs (svc-qualification)."""

from __future__ import annotations

from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as pb

from ..grpc_clients import page, to_json, to_page_json
from . import lists
from ._common import backends, call_context, ok

_INCOME_FIELDS = (
    "taxable_income",
    "gross_income",
    "kyu_tadashigaki_income",
    "non_taxed",
    "income_year",
    "public_pension_income",
    "total_income",
)


def _income(fact: dict) -> pb.IncomeFact:
    return pb.IncomeFact(person_id=fact["person_id"], **{k: fact[k] for k in _INCOME_FIELDS if k in fact})


def determine_burden_ratio(body):
    """DetermineBurdenRatio; 201 when stored, 200 for a dry run."""
    request = pb.DetermineBurdenRatioRequest(
        context=call_context(),
        household_id=body["household_id"],
        as_of=body.get("as_of") or "",
        incomes=[_income(f) for f in body.get("incomes") or []],
        dry_run=bool(body.get("dry_run", False)),
    )
    response = backends().call("qualification", "DetermineBurdenRatio", request)
    return ok(to_json(response), 200 if request.dry_run else 201)


def record_income_facts(body):
    """RecordIncomeFacts."""
    request = pb.RecordIncomeFactsRequest(context=call_context(), incomes=[_income(f) for f in body["incomes"]])
    return ok(to_json(backends().call("qualification", "RecordIncomeFacts", request)))


def start_job(body):
    """StartJob; 202 with the queued job and its Location."""
    request = common_pb2.StartJobRequest(
        context=call_context(), kind=body["kind"], parameters=body.get("parameters") or {}
    )
    job = to_json(backends().call("qualification", "StartJob", request))
    return ok(job, 202, {"Location": f"/api/v1/jobs/{job['job_id']}"})


def get_job(job_id):
    """GetJob."""
    return ok(to_json(backends().call("qualification", "GetJob", common_pb2.GetJobRequest(job_id=job_id))))


# Headings of the 75歳到達 対象者一覧 (2.5.1) and other job result lists, as printed for clerks.
RESULT_COLUMNS = {
    "person_id": "宛名番号",
    "household_id": "世帯番号",
    "birth_date": "生年月日",
    "age_75_birthday": "75歳到達日（誕生日）",
    "lost_on": "資格喪失日",
    "outcome": "処理結果",
    "deemed_head": "擬制世帯主",
    "specific_same_household": "特定同一世帯所属者",
    "remaining_insured": "残る被保険者",
    "burden_redetermined": "負担割合再判定",
    "certificates_ended": "証の有効期限終了件数",
}


def job_results(job_id, page_size=None, cursor=None):
    """The per-person results of a job (for age75_loss: the 75歳到達 対象者一覧), with Japanese column labels."""
    request = pb.ListJobResultsRequest(job_id=job_id, page=page(page_size, cursor))
    doc = to_page_json(backends().call("qualification", "ListJobResults", request))
    doc["columns"] = RESULT_COLUMNS
    return lists.respond(doc, "rows", doc["columns"], f"job-{job_id}-results")
