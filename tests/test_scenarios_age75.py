"""LOSS-AGE75 end to end: the qualification ends on the 75th birthday whether or not the month's batch has run."""

from __future__ import annotations

import pytest
from scenario_steps import household_of, notify

pytestmark = pytest.mark.e2e

BORN = "1951-11-20"  # 75th birthday 2026-11-20, before the business date 2026-11-24


def join(running, house, event_date="2026-10-01"):
    return notify(
        running,
        {
            "kind": "join",
            "reason": "move_in",
            "household_id": house["household_id"],
            "persons": [{"person_id": house["person_ids"][0]}],
            "event_date": event_date,
        },
    )


def confirmation(running, person_id, as_of):
    response = running.http.get(
        f"/api/v1/persons/{person_id}/qualification", params={"as_of": as_of}, headers=running.headers("counter")
    )
    assert response.status_code == 200, response.text
    return response.json()


def wait_for_job(running, job_id):
    batch = running.headers("batch")
    return running.wait_for(
        lambda: (lambda j: j if j["state"] in ("succeeded", "failed") else None)(
            running.http.get(f"/api/v1/jobs/{job_id}", headers=batch).json()
        )
    )


def test_a_back_dated_join_before_the_75th_birthday_ends_on_it_and_the_batch_finds_it_lost(running):
    house = household_of(running, [{"birth_date": BORN}])
    person_id = house["person_ids"][0]
    response = join(running, house)
    assert response.status_code == 201, response.text
    decided = response.json()["decision"]["persons"][0]
    assert (decided["acquired_on"], decided["lost_on"]) == ("2026-10-01", "2026-11-20")
    assert "LOSS-AGE75" in [r["rule_id"] for r in decided["reasons"]]
    history = running.http.get(f"/api/v1/persons/{person_id}/history", headers=running.headers("counter")).json()
    assert [(v["lost_on"], v["lost_reason"]) for v in history["versions"]] == [("2026-11-20", "age75")]

    job = running.http.post(
        "/api/v1/jobs",
        json={"kind": "age75_loss", "parameters": {"date": "2026-11-20"}},
        headers=running.headers("batch"),
    )
    assert job.status_code == 202, job.text
    assert wait_for_job(running, job.json()["job_id"])["state"] == "succeeded"
    results = running.http.get(
        f"/api/v1/jobs/{job.json()['job_id']}/results",
        params={"person_id": person_id},
        headers=running.headers("backoffice"),
    ).json()
    assert [(r["person_id"], r["outcome"]) for r in results["rows"]] == [(person_id, "skipped_already_lost")]


def test_a_confirmation_on_or_after_the_75th_birthday_says_not_insured_and_why(running):
    house = household_of(running, [{"birth_date": BORN}])
    person_id = house["person_ids"][0]
    assert join(running, house).status_code == 201

    assert confirmation(running, person_id, "2026-11-19")["insured"] is True
    view = confirmation(running, person_id, "2026-11-24")
    assert view["insured"] is False
    why = [r for r in view["reasons"] if r["rule_id"] == "LOSS-AGE75"]
    assert why and why[0]["facts"]["lost_on"] == "2026-11-20"


def test_a_leave_after_the_75th_birthday_is_refused_naming_loss_age75_and_the_loss_date(running):
    house = household_of(running, [{"birth_date": BORN}])
    assert join(running, house).status_code == 201
    refused = notify(
        running,
        {
            "kind": "leave",
            "reason": "death",
            "household_id": house["household_id"],
            "persons": [{"person_id": house["person_ids"][0]}],
            "event_date": "2026-11-22",
        },
    )
    assert refused.status_code == 422, refused.text
    error = refused.json()["errors"][0]
    assert error["rule"] == "LOSS-AGE75" and "2026-11-20" in error["message"]


def test_a_join_on_or_after_the_75th_birthday_is_refused(running):
    house = household_of(running, [{"birth_date": BORN}], event_date="2026-11-20")
    refused = join(running, house, event_date="2026-11-20")
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["rule"] == "LOSS-AGE75"


def test_the_age75_target_list_prints_the_share_of_the_70_74_who_remain_or_that_it_is_pending(running):
    decided = household_of(running, [{"birth_date": "1951-11-24"}, {"birth_date": "1955-03-10", "relationship": "妻"}])
    pending = household_of(running, [{"birth_date": "1951-11-24"}, {"birth_date": "1955-03-10", "relationship": "妻"}])
    for house in (decided, pending):
        response = notify(
            running,
            {
                "kind": "join",
                "reason": "move_in",
                "household_id": house["household_id"],
                "persons": [{"person_id": p} for p in house["person_ids"]],
                "event_date": "2026-10-01",
            },
        )
        assert response.status_code == 201, response.text
    incomes = [
        {
            "person_id": p,
            "income_year": 2025,
            "taxable_income": 0,
            "gross_income": 1_200_000,
            "kyu_tadashigaki_income": 0,
        }
        for p in decided["person_ids"]
    ]
    recorded = running.http.post(
        "/api/v1/income-facts", json={"incomes": incomes}, headers=running.headers("backoffice")
    )
    assert recorded.status_code == 200, recorded.text

    job = running.http.post(
        "/api/v1/jobs",
        json={"kind": "age75_loss", "parameters": {"date": "2026-11-24"}},
        headers=running.headers("batch"),
    )
    assert job.status_code == 202, job.text
    assert wait_for_job(running, job.json()["job_id"])["state"] == "succeeded"
    rows = running.http.get(
        f"/api/v1/jobs/{job.json()['job_id']}/results", params={"page_size": 500}, headers=running.headers("backoffice")
    ).json()["rows"]
    printed = {r["person_id"]: r["burden_redetermined"] for r in rows}
    assert printed[decided["person_ids"][0]] == "2割 一般"
    assert printed[pending["person_ids"][0]] == "判定保留"
