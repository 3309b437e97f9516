"""Burden-ratio determinations, income facts and jobs through the gateway, against the fake servicers."""

from __future__ import annotations

from gateway_checks import auth, problem


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
