"""The vertical slice through every hop, driven as a clerk would, against the real processes."""

from __future__ import annotations

import shutil
import subprocess
import uuid

import httpx
import pytest
from support import move_in

pytestmark = pytest.mark.e2e

EVENT_DATE = "2026-11-10"


def move_in_household(running, members: int = 3) -> dict:
    """The resident registry publishes a 転入; wait until the counter sees it as an intake item."""
    return move_in(running, members=members, event_date=EVENT_DATE)


def join(running, moved: dict, **overrides) -> "httpx.Response":
    body = {
        "kind": "join",
        "reason": "move_in",
        "household_id": moved["household_id"],
        "persons": [{"person_id": pid} for pid in moved["person_ids"]],
        "event_date": EVENT_DATE,
        "notified_on": "2026-11-20",
        "identity_check": {"document_kind": "my_number_card", "checked_by": "clerk-01"},
    }
    body.update(overrides)
    headers = running.headers("counter", **{"Idempotency-Key": str(uuid.uuid4())})
    return running.http.post("/api/v1/notifications", json=body, headers=headers)


def test_move_in_flows_from_registry_to_certificate_and_aggregation(running):
    moved = move_in_household(running)
    counter = running.headers("counter")

    items = running.http.get("/api/v1/intake-items", params={"state": "open"}, headers=counter).json()
    assert any(item["household_id"] == moved["household_id"] and item["kind"] == "move_in" for item in items["items"])

    key = str(uuid.uuid4())
    body = {
        "kind": "join",
        "reason": "move_in",
        "household_id": moved["household_id"],
        "persons": [{"person_id": pid} for pid in moved["person_ids"]],
        "event_date": EVENT_DATE,
        "notified_on": "2026-11-20",
        "identity_check": {"document_kind": "my_number_card", "checked_by": "clerk-01"},
    }
    response = running.http.post("/api/v1/notifications", json=body, headers={**counter, "Idempotency-Key": key})
    assert response.status_code == 201, response.text
    decision = response.json()["decision"]
    assert [p["acquired_on"] for p in decision["persons"]] == [EVENT_DATE] * len(moved["person_ids"])
    assert all(p["reasons"][0]["rule_id"] == "ACQ-MOVE-IN" for p in decision["persons"])
    assert sorted(p["branch_no"] for p in decision["persons"]) == ["01", "02", "03"]
    certificates = decision["certificates_to_issue"]
    eligibility = [c for c in certificates if c["kind"] == "eligibility_certificate"]
    assert sorted(c["person_id"] for c in eligibility) == sorted(moved["person_ids"])
    assert {c["kind"] for c in certificates} <= {"eligibility_certificate", "elderly_recipient_certificate"}
    # The renewal date, unless cut short by the 70th-birthday month or a residence period (CERT-EXPIRY).
    assert all("2026-11-24" <= c["valid_until"] <= "2027-07-31" for c in certificates)
    assert {r["rule_id"] for c in certificates for r in c["reasons"]} >= {"CERT-KIND", "CERT-EXPIRY"}
    assert decision["late_days"] == 0

    replay = running.http.post("/api/v1/notifications", json=body, headers={**counter, "Idempotency-Key": key})
    assert replay.status_code in (200, 201)
    assert replay.json()["decision"]["change_id"] == decision["change_id"]

    person_id = moved["person_ids"][0]
    view = running.http.get(f"/api/v1/persons/{person_id}/qualification", headers=counter).json()
    assert view["insured"] is True
    assert view["period"]["acquired_on"] == EVENT_DATE
    before = running.http.get(
        f"/api/v1/persons/{person_id}/qualification", params={"as_of": "2026-11-09"}, headers=counter
    ).json()
    assert before["insured"] is False

    document = running.http.post(
        "/api/v1/documents", json={"kind": "eligibility_certificate", "person_id": person_id}, headers=counter
    )
    assert document.status_code == 201, document.text
    content = running.http.get(f"/api/v1/documents/{document.json()['document_id']}/content", headers=counter)
    assert content.status_code == 200
    assert content.headers["content-type"].startswith("application/pdf")
    assert content.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=content.content, capture_output=True, check=True).stdout
        assert "資格確認書" in text.decode()

    def in_ledger():
        listed = running.http.get("/api/v1/certificates", params={"person_id": person_id}, headers=counter).json()
        return listed["certificates"] or None

    ledger = running.wait_for(in_ledger)
    assert [(c["document_id"], c["state"]) for c in ledger] == [(document.json()["document_id"], "issued")]
    assert ledger[0]["valid_until"] == document.json()["valid_until"]

    backoffice = running.headers("backoffice")

    def pending_for_household():
        # By person: the session's other scenarios leave more pending records than one page holds.
        mine = [
            r
            for pid in moved["person_ids"]
            for r in running.http.get(
                "/api/v1/interchange/aggregation/pending", params={"person_id": pid}, headers=backoffice
            ).json()["records"]
        ]
        return mine if len(mine) >= len(moved["person_ids"]) else None

    pending = running.wait_for(pending_for_household)
    assert sorted(r["person_id"] for r in pending) == sorted(moved["person_ids"])
    assert {r["event_type"] for r in pending} == {"jp.nhi.qualification.acquired.v1"}


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"]
    return body


def error_fields(body: dict) -> set[str]:
    return {e["field"] for e in body.get("errors", [])}


def test_bad_input_is_refused_with_problem_json_and_nothing_is_stored(running):
    moved = move_in_household(running, members=1)
    counter = running.headers("counter")
    household_before = running.http.get(f"/api/v1/households/{moved['household_id']}", headers=counter).json()

    malformed = running.http.post(
        "/api/v1/notifications", content=b'{"kind": "join",', headers={**counter, "Content-Type": "application/json"}
    )
    problem(malformed, 400)

    wrong_type = join(running, moved, persons="everyone")
    assert "persons" in " ".join(error_fields(problem(wrong_type, 400)))

    unknown_enum = join(running, moved, reason="moved_by_magic")
    assert "reason" in " ".join(error_fields(problem(unknown_enum, 400)))

    impossible = join(running, moved, event_date="2025-02-30")
    assert "event_date" in " ".join(error_fields(problem(impossible, 400)))

    bad_check_digit = join(running, moved, persons=[{"person_id": moved["person_ids"][0], "my_number": "123456789012"}])
    body = problem(bad_check_digit, 422)
    assert body["errors"][0]["field"] == "persons[0].my_number"
    assert body["errors"][0]["rule"] == "NUM-MYNUMBER"

    no_token = running.http.post("/api/v1/notifications", json={})
    problem(no_token, 401)
    wrong_role = running.http.post(
        "/api/v1/notifications", json={}, headers={"Authorization": f"Bearer {running.token('auditor')}"}
    )
    problem(wrong_role, 403)

    household_after = running.http.get(f"/api/v1/households/{moved['household_id']}", headers=counter).json()
    assert household_after["version"] == household_before["version"]
    assert not any(m["insured"] for m in household_after["members"])
    history = running.http.get(f"/api/v1/persons/{moved['person_ids'][0]}/history", headers=counter).json()
    assert history["versions"] == []


def test_two_clerks_on_one_household_one_wins_the_other_gets_409(running):
    moved = move_in_household(running, members=2)
    counter = running.headers("counter")
    version = running.http.get(f"/api/v1/households/{moved['household_id']}", headers=counter).json()["version"]
    first = join(running, moved, persons=[{"person_id": moved["person_ids"][0]}], expected_household_version=version)
    assert first.status_code == 201, first.text
    second = join(running, moved, persons=[{"person_id": moved["person_ids"][1]}], expected_household_version=version)
    body = problem(second, 409)
    assert str(body.get("current_version")) == str(version + 1)


def test_the_demo_municipality_is_loaded_and_searchable(running):
    counter = running.headers("counter")
    found = running.http.get("/api/v1/persons", params={"page_size": 5}, headers=counter)
    assert found.status_code == 200, found.text
    persons = found.json()["persons"]
    assert len(persons) == 5
    assert found.json()["next_cursor"]
    assert all(p["my_number"] == "" or p["my_number"].startswith("********") for p in persons)
