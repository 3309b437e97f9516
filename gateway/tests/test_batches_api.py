"""Burden-ratio determinations, income facts and jobs through the gateway, against the fake servicers."""

from __future__ import annotations

import pytest
from gateway_checks import JOBS, auth, problem

from nhi.common.v1 import common_pb2


def test_a_burden_ratio_determination_is_201_and_passes_incomes_and_the_key(client, backends):
    response = client.post(
        "/api/v1/burden-ratio-determinations",
        headers=auth("backoffice", **{"Idempotency-Key": "k1"}),
        json={
            "household_id": "H1",
            "as_of": "2026-08-01",
            "incomes": [{"person_id": "P1", "taxable_income": 2000000, "income_year": 2025}],
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["ratio_percent"] == 30 and body["limit_category"] == "現役並みⅠ" and body["determination_id"] == "BD1"
    assert body["reasons"][0]["rule_id"] == "BURDEN-3"
    sent = backends.recorder.last("DetermineBurdenRatio")
    assert sent.context.idempotency_key == "k1" and sent.as_of == "2026-08-01"
    assert sent.incomes[0].taxable_income == 2000000 and sent.incomes[0].income_year == 2025


def test_a_dry_run_is_200(client):
    response = client.post(
        "/api/v1/burden-ratio-determinations", headers=auth("admin"), json={"household_id": "H1", "dry_run": True}
    )
    assert response.status_code == 200 and response.json()["dry_run"] is True


def test_burden_ratio_roles_validation_and_not_found(client):
    assert (
        client.post(
            "/api/v1/burden-ratio-determinations", headers=auth("counter"), json={"household_id": "H1"}
        ).status_code
        == 403
    )
    body = problem(
        client.post(
            "/api/v1/burden-ratio-determinations",
            headers=auth("backoffice"),
            json={"household_id": "H1", "as_of": "not-a-date"},
        ),
        400,
    )
    assert body["status"] == 400
    problem(
        client.post(
            "/api/v1/burden-ratio-determinations", headers=auth("backoffice"), json={"household_id": "missing"}
        ),
        404,
    )


def test_income_facts_are_recorded(client, backends):
    response = client.post(
        "/api/v1/income-facts",
        headers=auth("batch"),
        json={
            "incomes": [
                {"person_id": "P1", "income_year": 2025, "non_taxed": True},
                {"person_id": "P2", "gross_income": 1},
            ]
        },
    )
    assert response.status_code == 200 and response.json() == {"recorded": 2}
    assert backends.recorder.last("RecordIncomeFacts").incomes[0].non_taxed is True
    assert (
        client.post(
            "/api/v1/income-facts", headers=auth("auditor"), json={"incomes": [{"person_id": "P1"}]}
        ).status_code
        == 403
    )


def test_starting_a_job_is_202_with_its_location(client, backends):
    response = client.post(
        "/api/v1/jobs", headers=auth("batch"), json={"kind": "age75_loss", "parameters": {"month": "2026-12"}}
    )
    assert response.status_code == 202, response.text
    assert response.headers["Location"] == "/api/v1/jobs/J1"
    assert response.json()["state"] == "queued" and response.json()["parameters"] == {"month": "2026-12"}
    assert dict(backends.recorder.last("StartJob").parameters) == {"month": "2026-12"}
    problem(client.post("/api/v1/jobs", headers=auth("batch"), json={"kind": "renewal"}), 400)
    assert client.post("/api/v1/jobs", headers=auth("counter"), json={"kind": "age75_loss"}).status_code == 403


def test_a_job_shows_its_progress_and_its_target_list(client):
    job = client.get("/api/v1/jobs/J7", headers=auth("auditor")).json()
    assert (job["job_id"], job["total"], job["done"], job["state"]) == ("J7", 10000, 5000, "running")
    problem(client.get("/api/v1/jobs/missing", headers=auth("batch")), 404)
    assert client.get("/api/v1/jobs/J7", headers=auth("counter")).status_code == 403
    listing = client.get("/api/v1/jobs/J7/results?page_size=10", headers=auth("backoffice"))
    assert listing.status_code == 200, listing.text
    body = listing.json()
    assert body["columns"]["lost_on"] == "資格喪失日" and body["rows"][0]["deemed_head"] is True
    assert "資格喪失日" in listing.text  # Japanese as text, not escapes
    problem(client.get("/api/v1/jobs/missing/results", headers=auth("backoffice")), 404)


def _job(job_id: str, kind: str, state: str, created_at: str, **more) -> common_pb2.Job:
    return common_pb2.Job(
        job_id=job_id, kind=kind, state=state, business_date="2026-11-23", created_at=created_at, **more
    )


@pytest.fixture
def jobs_everywhere():
    """Jobs in all four services, their creation times interleaved; two created in the same microsecond."""
    JOBS.update(
        {
            "qualification": [
                _job("a1", "age75_loss", "succeeded", "2026-11-23T15:30:00+00:00", total=3, done=3),
                _job("b2", "burden_redetermination", "running", "2026-11-24T00:10:00.5+00:00", total=10, done=4),
            ],
            "documents": [_job("documents-1", "annual_renewal", "failed", "2026-11-23T20:00:00+00:00", error="x")],
            "integration": [_job("integration-1", "inconsistency_check", "queued", "2026-11-24T00:10:00.5+00:00")],
            "interchange": [
                _job("interchange-1", "daily_aggregation", "succeeded", "2026-11-23T16:30:00+00:00"),
                _job("interchange-2", "daily_aggregation", "failed", "2026-11-24T16:30:00+00:00", error="interrupted"),
            ],
        }
    )
    yield
    JOBS.clear()


NEWEST_FIRST = ["interchange-2", "integration-1", "b2", "documents-1", "interchange-1", "a1"]


def test_the_jobs_of_every_service_are_listed_newest_first_as_each_job_shows(client, jobs_everywhere):
    response = client.get("/api/v1/jobs", headers=auth("batch"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [j["job_id"] for j in body["jobs"]] == NEWEST_FIRST and body["next_cursor"] is None
    running = body["jobs"][2]
    assert (running["state"], running["total"], running["done"], running["finished_at"]) == ("running", 10, 4, None)
    assert running["eta_seconds"] is not None  # as GET /jobs/{id} gives it
    assert body["jobs"][-1]["error"] is None and body["jobs"][0]["error"] == "interrupted"


def test_jobs_come_a_page_at_a_time_each_once_ties_in_time_included(client, jobs_everywhere):
    seen, cursor, pages = [], None, 0
    while True:
        params = {"page_size": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/jobs", params=params, headers=auth("auditor")).json()
        seen += [j["job_id"] for j in body["jobs"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == NEWEST_FIRST and pages == 3


def test_a_kind_is_asked_of_its_own_service_and_a_state_of_every_service(client, backends, jobs_everywhere):
    backends.recorder.requests.clear()
    body = client.get("/api/v1/jobs", params={"kind": "daily_aggregation"}, headers=auth("backoffice")).json()
    assert [j["job_id"] for j in body["jobs"]] == ["interchange-2", "interchange-1"]
    asked = [r for m, r in backends.recorder.requests if m == "ListJobs"]
    assert [r.kind for r in asked] == ["daily_aggregation"]  # its own service only
    failed = client.get("/api/v1/jobs", params={"state": "failed"}, headers=auth("batch")).json()["jobs"]
    assert [j["job_id"] for j in failed] == ["interchange-2", "documents-1"]


def test_the_jobs_list_as_csv_has_japanese_headings(client, jobs_everywhere):
    response = client.get("/api/v1/jobs", params={"format": "csv"}, headers=auth("batch"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "開始日時,処理番号,処理の種類,状態,業務日付,対象件数,処理済,失敗,終了日時,エラー"
    assert len(lines) == 1 + len(NEWEST_FIRST) and lines[1].split(",")[1] == "interchange-2"


def test_the_jobs_list_refuses_an_unknown_state_or_kind_and_a_counter_clerk(client):
    for params, field in (({"state": "lost"}, "state"), ({"kind": "everything"}, "kind")):
        response = client.get("/api/v1/jobs", params=params, headers=auth("batch"))
        assert response.status_code == 400 and field in response.text
    assert client.get("/api/v1/jobs", headers=auth("counter")).status_code == 403
