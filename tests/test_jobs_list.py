"""GET /jobs with the real services: the jobs of all four, started by anyone, listed newest first and a page at a time,
as each one's GET /jobs/{id} shows it."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

pytestmark = pytest.mark.e2e

# One job of each service: svc-qualification, svc-documents, svc-integration, svc-interchange.
STARTED = (
    ("age75_loss", {"month": "2026-12"}),
    ("elderly_certificates", {"month": "2027-01"}),
    ("inconsistency_check", {}),
    ("aggregation_import", {}),
)


def _start(running, kind: str, parameters: dict) -> str:
    headers = running.headers("batch", **{"Idempotency-Key": str(uuid.uuid4())})
    response = running.http.post("/api/v1/jobs", json={"kind": kind, "parameters": parameters}, headers=headers)
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


def _moment(job: dict) -> tuple[dt.datetime, str]:
    return dt.datetime.fromisoformat(job["created_at"]), job["job_id"]


def test_the_jobs_of_all_four_services_are_listed_newest_first_a_page_at_a_time(running):
    started = [_start(running, kind, parameters) for kind, parameters in STARTED]
    reader = running.headers("auditor")  # who did not start them

    listed = running.http.get("/api/v1/jobs", params={"page_size": 500}, headers=reader)
    assert listed.status_code == 200, listed.text
    jobs = listed.json()["jobs"]
    ids = [j["job_id"] for j in jobs]
    assert [ids.index(job_id) for job_id in reversed(started)] == sorted(ids.index(j) for j in started)
    assert [_moment(j) for j in jobs] == sorted((_moment(j) for j in jobs), reverse=True)
    for job in jobs:
        if job["job_id"] in started:  # as GET /jobs/{id} shows it, what moved on meanwhile aside
            alone = running.http.get(f"/api/v1/jobs/{job['job_id']}", headers=reader).json()
            assert {k: alone[k] for k in ("kind", "business_date", "created_at", "parameters")} == {
                k: job[k] for k in ("kind", "business_date", "created_at", "parameters")
            }

    walked, cursor = [], None
    while True:
        params = {"page_size": 2, **({"cursor": cursor} if cursor else {})}
        page = running.http.get("/api/v1/jobs", params=params, headers=reader).json()
        assert len(page["jobs"]) <= 2
        walked += [j["job_id"] for j in page["jobs"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    newer = [j for j in walked if j not in ids]  # started by other tests while this one walked
    assert [j for j in walked if j not in newer] == ids and len(set(walked)) == len(walked)


def test_a_kind_lists_its_own_jobs_and_a_bad_cursor_or_state_is_refused(running):
    job_id = _start(running, "aggregation_import", {})
    headers = running.headers("backoffice")
    only = running.http.get("/api/v1/jobs", params={"kind": "aggregation_import"}, headers=headers).json()["jobs"]
    assert job_id in [j["job_id"] for j in only] and {j["kind"] for j in only} == {"aggregation_import"}
    for params, field in (({"cursor": "k.bm90LWEta2V5"}, "cursor"), ({"state": "assembling"}, "state")):
        refused = running.http.get("/api/v1/jobs", params=params, headers=headers)
        assert refused.status_code == 400 and refused.headers["content-type"].startswith("application/problem+json")
        assert field in refused.text


@pytest.mark.parametrize(
    ("kind", "parameters", "other"),
    [
        ("inconsistency_check", {}, {"date": "2026-11-25"}),  # svc-integration
        ("aggregation_import", {}, None),  # svc-interchange (it takes no parameter: another kind is another request)
    ],
)
def test_post_jobs_retried_with_its_idempotency_key_answers_the_job_it_queued(running, kind, parameters, other):
    """A retried POST /jobs (a timeout, a CronJob's retry) must not start the job twice, whichever service runs it."""
    headers = running.headers("batch", **{"Idempotency-Key": str(uuid.uuid4())})
    sent = {"kind": kind, "parameters": parameters}
    first = running.http.post("/api/v1/jobs", json=sent, headers=headers)
    again = running.http.post("/api/v1/jobs", json=sent, headers=headers)
    assert (first.status_code, again.status_code) == (202, 202), again.text
    job_id = first.json()["job_id"]
    assert again.json()["job_id"] == job_id
    listed = running.http.get("/api/v1/jobs", params={"kind": kind, "page_size": 500}, headers=headers).json()
    assert [j["job_id"] for j in listed["jobs"]].count(job_id) == 1
    changed = {"kind": kind, "parameters": other} if other else {"kind": "subcopy_query_send", "parameters": {}}
    reused = running.http.post("/api/v1/jobs", json=changed, headers=headers)
    assert reused.status_code == 422 and reused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
