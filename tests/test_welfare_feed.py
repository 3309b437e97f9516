"""The welfare (生活保護) feed end to end: a protection period from the welfare system, on its stream or as a file,
finds the insured person on the 国保資格不整合一覧 with its suggested action (LOSS-WELFARE), and the loss recorded on
the start date resolves the finding."""

from __future__ import annotations

import pytest
from scenario_steps import joined, notify

pytestmark = pytest.mark.e2e


def findings_of(running, person_id: str) -> list[dict] | None:
    page = running.http.get(
        "/api/v1/inconsistencies", params={"person_id": person_id}, headers=running.headers("backoffice")
    )
    assert page.status_code == 200, page.text
    return page.json()["inconsistencies"] or None


def test_a_welfare_start_of_an_insured_person_is_an_inconsistency(running):
    person_id = joined(running, birth_date="1979-08-20")["person_ids"][0]

    running.simulate("welfare", "--person-id", person_id, "--started-on", "2026-11-01")

    [finding] = running.wait_for(lambda: findings_of(running, person_id), timeout=60)
    assert (finding["kind"], finding["state"], finding["source"]) == ("welfare_insured", "open", "welfare")
    assert (finding["rule"], finding["other_status"]) == ("LOSS-WELFARE", "生活保護 2026-11-01開始")
    assert finding["action"] == "保護開始日で資格喪失の訂正（2.2）"


def test_a_welfare_file_finds_the_insured_person_and_the_loss_on_the_start_date_resolves_it(running):
    house = joined(running, birth_date="1983-02-14")
    person_id = house["person_ids"][0]
    body = f"change_id,person_id,started_on,ended_on,reason\nwel-{person_id},{person_id},2026-11-05,,保護開始\n"
    headers = {**running.headers("backoffice"), "Content-Type": "text/csv"}

    imported = running.http.post(
        "/api/v1/feeds/welfare", params={"file_name": "welfare.csv"}, content=body.encode(), headers=headers
    )
    assert imported.status_code == 201, imported.text
    assert (imported.json()["source"], imported.json()["applied"], imported.json()["errors"]) == ("welfare", 1, [])
    [finding] = running.wait_for(lambda: findings_of(running, person_id), timeout=60)
    assert (finding["kind"], finding["other_status"]) == ("welfare_insured", "生活保護 2026-11-05開始")
    # Found by the file's own check, or by the incremental check of the move-in when that one (every half second)
    # ran after the file's records were stored: the first check that sees the record keeps the finding.
    assert finding["source"] in ("welfare", "resident")

    left = notify(
        running,
        {
            "kind": "leave",
            "reason": "welfare_start",
            "household_id": house["household_id"],
            "persons": [{"person_id": person_id}],
            "event_date": "2026-11-05",
        },
    )
    assert left.status_code == 201, left.text
    assert left.json()["decision"]["persons"][0]["lost_on"] == "2026-11-05"  # LOSS-WELFARE: the same day
    resolved = running.http.post(
        f"/api/v1/inconsistencies/{finding['inconsistency_id']}/resolution",
        json={"change_id": left.json()["decision"]["change_id"], "note": "保護開始日で資格喪失"},
        headers=running.headers("backoffice"),
    )
    assert resolved.status_code == 200, resolved.text
    assert (resolved.json()["state"], resolved.json()["change_id"]) == (
        "resolved",
        left.json()["decision"]["change_id"],
    )


def test_a_malformed_welfare_file_names_line_and_field_and_imports_nothing(running):
    body = b"change_id,person_id,started_on,ended_on\nwel-x1,123,2026-11-05,2026-11-01\n"
    headers = {**running.headers("backoffice"), "Content-Type": "text/csv"}
    refused = running.http.post("/api/v1/feeds/welfare", content=body, headers=headers)
    assert refused.status_code == 201, refused.text
    doc = refused.json()
    assert (doc["state"], doc["applied"]) == ("rejected", 0)
    assert [(e["line"], e["field"]) for e in doc["errors"]] == [(2, "ended_on")]
