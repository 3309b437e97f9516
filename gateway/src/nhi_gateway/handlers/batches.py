"""Burden-ratio determinations, income facts and batch jobs (svc-qualification)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as pb
from nhi_common import job_listing, paging, progress

from ..grpc_clients import page, to_json, to_page_json
from . import lists
from ._common import backends, call_context, list_context, ok

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


# Headings of a household's stored determinations as a clerk's list.
BURDEN_DETERMINATION_COLUMNS = {
    "determination_id": "判定番号",
    "household_id": "世帯番号",
    "as_of": "判定日",
    "income_year": "所得年",
    "ratio_percent": "負担割合（%）",
    "limit_category": "限度額適用区分",
    "pending": "判定保留",
    "changed": "変更あり",
    "business_date": "業務日付",
    "operator_id": "処理者",
    "job_id": "バッチ番号",
    "recorded_at": "記録日時",
}


def list_burden_determinations(household_id, page_size=None, cursor=None):
    """ListBurdenDeterminations: the household's stored determinations, newest first."""
    request = pb.ListBurdenDeterminationsRequest(
        household_id=household_id, page=page(page_size, cursor), context=list_context()
    )
    doc = to_page_json(backends().call("qualification", "ListBurdenDeterminations", request))
    return lists.respond(doc, "determinations", BURDEN_DETERMINATION_COLUMNS, "burden_determinations")


def record_income_facts(body):
    """RecordIncomeFacts."""
    request = pb.RecordIncomeFactsRequest(context=call_context(), incomes=[_income(f) for f in body["incomes"]])
    return ok(to_json(backends().call("qualification", "RecordIncomeFacts", request)))


def start_job(body):
    """StartJob; 202 with the queued job and its Location."""
    request = common_pb2.StartJobRequest(
        context=call_context(), kind=body["kind"], parameters=body.get("parameters") or {}
    )
    job = _with_eta(to_json(backends().call(_owner(body["kind"]), "StartJob", request)))
    return ok(job, 202, {"Location": f"/api/v1/jobs/{job['job_id']}"})


# Job kinds svc-documents runs (its job ids start with "documents-"); every other kind is svc-qualification's.
DOCUMENTS_JOB_KINDS = ("annual_renewal", "elderly_certificates")


# Job kinds svc-integration runs (its job ids start with "integration-").
INTEGRATION_JOB_KINDS = ("inconsistency_check", "outbound_files")

# Job kinds svc-interchange runs (its job ids start with "interchange-").
INTERCHANGE_JOB_KINDS = (
    "daily_aggregation",
    "aggregation_import",
    "subcopy_registration",
    "subcopy_query_send",
    "intermediate_receipt",
)


def _owner(kind: str) -> str:
    if kind in INTEGRATION_JOB_KINDS:
        return "integration"
    if kind in INTERCHANGE_JOB_KINDS:
        return "interchange"
    return "documents" if kind in DOCUMENTS_JOB_KINDS else "qualification"


# Headings of the jobs list (GET /jobs as CSV).
JOB_COLUMNS = {
    "created_at": "開始日時",
    "job_id": "処理番号",
    "kind": "処理の種類",
    "state": "状態",
    "business_date": "業務日付",
    "total": "対象件数",
    "done": "処理済",
    "failed": "失敗",
    "finished_at": "終了日時",
    "error": "エラー",
}
JOB_SERVICES = ("qualification", "documents", "integration", "interchange")


def list_jobs(kind=None, state=None, page_size=None, cursor=None):
    """ListJobs of every service (of the one running `kind` when given), merged newest first: each service answers
    its newest page after the cursor's key, and the page is the newest of them all."""
    size = max(1, min(page_size or paging.DEFAULT_SIZE, paging.MAX_SIZE))
    request = common_pb2.ListJobsRequest(
        context=list_context(), kind=kind or "", state=state or "", page=page(size, cursor)
    )
    owners = [_owner(kind)] if kind else list(JOB_SERVICES)
    clients = backends()  # the pool's threads have no application context
    with ThreadPoolExecutor(max_workers=len(owners)) as pool:
        answers = list(pool.map(lambda owner: clients.call(owner, "ListJobs", request), owners))
    found = [job for answer in answers for job in answer.jobs]
    found.sort(key=lambda job: job_listing.order(job.created_at, job.job_id), reverse=True)
    kept, more = found[:size], len(found) > size or any(answer.page.next_cursor for answer in answers)
    doc = {
        "jobs": [_with_eta(to_json(job)) for job in kept],
        "next_cursor": job_listing.cursor(kept[-1].created_at, kept[-1].job_id) if more and kept else None,
    }
    return lists.respond(doc, "jobs", JOB_COLUMNS, "jobs")


def get_job(job_id):
    """GetJob."""
    owner = "documents" if job_id.startswith("documents-") else "qualification"
    if job_id.startswith("integration-"):
        owner = "integration"
    if job_id.startswith("interchange-"):
        owner = "interchange"
    return ok(_with_eta(to_json(backends().call(owner, "GetJob", common_pb2.GetJobRequest(job_id=job_id)))))


def _with_eta(job: dict) -> dict:
    job["eta_seconds"] = progress.eta_seconds(job)
    return job


# Headings of the 75歳到達 対象者一覧 (2.5.1), the age75_loss result list, as printed for clerks.
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


# Headings of the burden_redetermination result list: the households whose determination the job stored.
BURDEN_RESULT_COLUMNS = {
    "household_id": "世帯番号",
    "as_of": "判定日",
    "income_year": "所得年度",
    "burden_ratio": "負担割合",
    "limit_category": "限度額適用区分",
    "pending": "判定保留",
    "pending_reason": "保留理由",
    "changed": "変更あり",
    "determination_id": "判定番号",
}


def job_results(job_id, page_size=None, cursor=None, person_id=None, household_id=None):
    """The results of a job, with Japanese column labels: for age75_loss the 75歳到達 対象者一覧 (by person), for
    burden_redetermination the households it decided (by household); only one person's or household's when asked."""
    request = pb.ListJobResultsRequest(
        job_id=job_id,
        page=page(page_size, cursor),
        person_id=person_id or "",
        household_id=household_id or "",
        context=list_context(),
    )
    doc = to_page_json(backends().call("qualification", "ListJobResults", request))
    households = doc.pop("households", [])
    if doc["job"]["kind"] == "burden_redetermination":
        doc["rows"], doc["columns"] = households, BURDEN_RESULT_COLUMNS
    else:
        doc["columns"] = RESULT_COLUMNS
    return lists.respond(doc, "rows", doc["columns"], f"job-{job_id}-results")
