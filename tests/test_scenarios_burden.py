"""The burden ratio (5.6) end to end: a clerk's determination, and the 8/1 re-determination batch with its list."""

from __future__ import annotations

import pytest
from scenario_steps import household_of, notify

pytestmark = pytest.mark.e2e

ELDER = "1955-03-10"  # 71 on the business date 2026-11-24: 高齢受給者


def elder_household(running, members=(ELDER,)) -> dict:
    house = household_of(running, [{"birth_date": b} for b in members])
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
    return house


def record_incomes(running, *facts: dict) -> None:
    response = running.http.post(
        "/api/v1/income-facts", json={"incomes": list(facts)}, headers=running.headers("backoffice")
    )
    assert response.status_code == 200, response.text


def run_job(running, kind: str, date: str) -> str:
    batch = running.headers("batch")
    job = running.http.post("/api/v1/jobs", json={"kind": kind, "parameters": {"date": date}}, headers=batch)
    assert job.status_code == 202, job.text
    job_id = job.json()["job_id"]
    done = running.wait_for(
        lambda: (lambda j: j if j["state"] in ("succeeded", "failed") else None)(
            running.http.get(f"/api/v1/jobs/{job_id}", headers=batch).json()
        )
    )
    assert done["state"] == "succeeded", done
    return job_id


def all_rows(running, job_id: str, page_size: int = 2) -> tuple[list[dict], dict]:
    rows, cursor, first = [], "", None
    while True:
        params = {"page_size": page_size, **({"cursor": cursor} if cursor else {})}
        page = running.http.get(f"/api/v1/jobs/{job_id}/results", params=params, headers=running.headers("backoffice"))
        assert page.status_code == 200, page.text
        doc = page.json()
        first = first or doc
        rows += doc["rows"]
        cursor = doc["next_cursor"]
        if not cursor:
            return rows, first


def test_the_burden_redetermination_lists_the_households_it_decided_with_their_share_and_why(running):
    decided = elder_household(running)
    pending = elder_household(running)
    record_incomes(
        running,
        {
            "person_id": decided["person_ids"][0],
            "income_year": 2025,
            "taxable_income": 0,
            "gross_income": 1_200_000,
            "kyu_tadashigaki_income": 0,
        },
    )

    job_id = run_job(running, "burden_redetermination", "2026-11-24")

    rows, first = all_rows(running, job_id)
    assert len({r["household_id"] for r in rows}) == len(rows) >= 2
    assert first["columns"]["burden_ratio"] == "負担割合" and first["columns"]["household_id"] == "世帯番号"
    assert "75歳" not in "".join(first["columns"].values())
    assert first["summary"]["stored"] == len(rows)
    by_household = {r["household_id"]: r for r in rows}
    mine = by_household[decided["household_id"]]
    assert (mine["burden_ratio"], mine["limit_category"], mine["pending"], mine["changed"]) == (
        "2割",
        "一般",
        False,
        True,
    )
    waiting = by_household[pending["household_id"]]
    assert (waiting["burden_ratio"], waiting["pending"]) == ("判定保留", True)
    assert pending["person_ids"][0] in waiting["pending_reason"]


def test_the_redetermination_results_of_one_person_or_household_are_their_household_row_only(running):
    mine = elder_household(running)
    other = elder_household(running)
    job_id = run_job(running, "burden_redetermination", "2026-11-24")
    url, headers = f"/api/v1/jobs/{job_id}/results", running.headers("backoffice")

    by_person = running.http.get(url, params={"person_id": mine["person_ids"][0]}, headers=headers).json()
    by_household = running.http.get(url, params={"household_id": other["household_id"]}, headers=headers).json()
    nobody = running.http.get(url, params={"person_id": "P-NOT-THERE"}, headers=headers).json()

    assert [r["household_id"] for r in by_person["rows"]] == [mine["household_id"]]
    assert [r["household_id"] for r in by_household["rows"]] == [other["household_id"]]
    assert nobody["rows"] == [] and nobody["next_cursor"] is None
    whole_job = by_person["summary"]["stored"]
    assert whole_job >= 2 and nobody["summary"]["stored"] == whole_job


@pytest.mark.parametrize("kyu_tadashigaki", ["absent", None])
def test_an_unknown_kyu_tadashigaki_income_leaves_the_share_pending_naming_it(running, kyu_tadashigaki):
    house = elder_household(running)
    person_id = house["person_ids"][0]
    fact = {"person_id": person_id, "income_year": 2025, "taxable_income": 1_500_000, "gross_income": 4_000_000}
    if kyu_tadashigaki != "absent":
        fact["kyu_tadashigaki_income"] = kyu_tadashigaki

    response = running.http.post(
        "/api/v1/burden-ratio-determinations",
        json={"household_id": house["household_id"], "incomes": [fact]},
        headers=running.headers("backoffice"),
    )

    assert response.status_code == 201, response.text
    decided = response.json()
    assert decided["pending"] is True and decided["limit_category"] is None
    pending = [r for r in decided["reasons"] if r["rule_id"] == "BURDEN-PENDING"]
    assert pending and "旧ただし書所得" in pending[0]["summary"] and person_id in pending[0]["summary"]
    assert f"{person_id}.kyu_tadashigaki_income" in pending[0]["facts"]["unknown_income"]
