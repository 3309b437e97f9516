"""Decisions are resources: an automatic reflection's decision can be read through the gateway like a clerk's."""

from __future__ import annotations

import uuid

import pytest
from support import move_in

from nhi_simulators.resident import publish

pytestmark = pytest.mark.e2e


def test_an_automatic_birth_and_the_childbirth_form_it_made_due_can_be_read_back(running):
    moved = move_in(running, members=2, event_date="2026-11-01", seed=41)
    counter = running.headers("counter")
    joined = running.http.post(
        "/api/v1/notifications",
        headers=counter,
        json={
            "kind": "join",
            "reason": "move_in",
            "household_id": moved["household_id"],
            "persons": [{"person_id": p} for p in moved["person_ids"]],
            "event_date": "2026-11-01",
            "notified_on": "2026-11-05",
            "identity_check": {"document_kind": "my_number_card", "checked_by": "clerk-01"},
        },
    )
    assert joined.status_code == 201, joined.text
    baby = f"9{uuid.uuid4().int % 10**8:08d}"
    publish(
        running.env["NATS_URL"],
        {
            "change_id": str(uuid.uuid4()),
            "change_kind": "birth",
            "event_date": "2026-11-18",
            "notified_on": "2026-11-19",
            "household_id": moved["household_id"],
            "head_person_id": moved["person_ids"][0],
            "previous_municipality": "",
            "address": {},
            "persons": [
                {
                    "person_id": baby,
                    "name_kanji": "髙橋　陽",
                    "name_kana": "タカハシ　ヒナタ",
                    "birth_date": "2026-11-18",
                    "sex": "1",
                    "relationship": "子",
                    "listing_order": 3,
                    "nationality": "",
                    "residence_status": "",
                    "residence_expires_on": "",
                    "dv_support": False,
                }
            ],
        },
    )

    def decided():
        response = running.http.get("/api/v1/decisions", params={"person_id": baby}, headers=counter)
        return response.json()["decisions"] if response.status_code == 200 else None

    [decision] = running.wait_for(decided)
    assert (decision["kind"], decision["reason"], decision["origin"], decision["automatic"]) == (
        "join",
        "birth",
        "resident_registry",
        True,
    )
    assert decision["correction"] is None and decision["job_id"] is None
    assert decision["notified_on"] == "2026-11-19" and decision["event_date"] == "2026-11-18"
    assert {(d["kind"], d["person_id"]) for d in decision["decision"]["documents"]} >= {
        ("childbirth_lump_sum_application", baby)
    }
    assert decision["decision"]["persons"][0]["reasons"][0]["rule_id"] == "ACQ-BIRTH"

    one = running.http.get(f"/api/v1/decisions/{decision['decision_id']}", headers=running.headers("backoffice"))
    assert one.status_code == 200 and one.json() == decision

    household = running.http.get(
        "/api/v1/decisions", params={"household_id": moved["household_id"]}, headers=counter
    ).json()["decisions"]
    assert [d["origin"] for d in household] == ["counter", "resident_registry"]
    assert household[0]["decision_id"] == joined.json()["decision"]["change_id"]


def test_a_decision_list_needs_a_person_or_a_household_and_an_unknown_decision_is_not_found(running):
    counter = running.headers("counter")
    unnamed = running.http.get("/api/v1/decisions", headers=counter)
    assert unnamed.status_code in (400, 422)
    assert unnamed.headers["content-type"].startswith("application/problem+json")
    assert unnamed.json()["errors"][0]["field"] == "person_id"
    missing = running.http.get("/api/v1/decisions/no-such-decision", headers=counter)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
