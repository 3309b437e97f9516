"""Inbound feeds through the gateway with the real services: a feed file refused by line and field or applied, and a
resident change that could not be applied, listed, fixed and replayed by a clerk."""

from __future__ import annotations

import uuid

import pytest
from scenario_steps import new_person_id

from nhi_simulators.resident import publish

pytestmark = pytest.mark.e2e


def test_a_malformed_income_file_imports_nothing_and_names_line_and_field_unless_partial(running):
    person = new_person_id()
    body = (
        "record_id,person_id,income_year,taxable_income,gross_income\n"
        f"inc-{person}-1,{person},2025,1500000,4000000\n"
        f"inc-{person}-2,{person},2025,lots,4000000\n"
    ).encode()
    headers = {**running.headers("backoffice"), "Content-Type": "text/csv"}

    refused = running.http.post("/api/v1/feeds/income", params={"file_format": "csv"}, content=body, headers=headers)
    assert refused.status_code == 201, refused.text
    doc = refused.json()
    assert (doc["records"], doc["applied"], doc["rejected"], doc["state"]) == (2, 0, 2, "rejected")
    assert [(e["line"], e["field"]) for e in doc["errors"]] == [(3, "taxable_income")]

    again = running.http.get(f"/api/v1/feeds/imports/{doc['import_id']}", headers=running.headers("auditor"))
    assert again.status_code == 200 and again.json() == doc


def test_a_resident_change_that_cannot_be_applied_is_listed_fixed_and_replayed(running):
    change_id = f"chg-{uuid.uuid4()}"
    household_id = f"H9{uuid.uuid4().int % 10**7:07d}"
    person_id = new_person_id()
    change = {
        "change_id": change_id,
        "change_kind": "move_in",
        "event_date": "20261120",  # no ISO date
        "notified_on": "2026-11-20",
        "household_id": household_id,
        "head_person_id": person_id,
        "previous_municipality": "",
        "address": {"postal_code": "1000001", "address_code": "13999001", "address": "みどり市泉町1丁目2番3号"},
        "persons": [
            {
                "person_id": person_id,
                "name_kanji": "配達　不能",
                "name_kana": "ハイタツ　フノウ",
                "birth_date": "1980-02-02",
                "sex": "1",
                "relationship": "世帯主",
                "listing_order": 1,
            }
        ],
    }
    publish(running.env["NATS_URL"], change)
    headers = running.headers("backoffice")

    def listed():
        page = running.http.get("/api/v1/feeds/dead-letters", params={"state": "open"}, headers=headers).json()
        return next((d for d in page["dead_letters"] if d["change_id"] == change_id), None)

    letter = running.wait_for(listed)
    assert letter["reason"] == "invalid_change" and "event_date" in [p["field"] for p in letter["problems"]]

    fixed = running.http.put(
        f"/api/v1/feeds/dead-letters/{letter['dead_letter_id']}",
        json={"payload": {**letter["payload"], "event_date": "2026-11-20"}},
        headers=headers,
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["payload"]["event_date"] == "2026-11-20" and fixed.json()["state"] == "open"

    replayed = running.http.post(f"/api/v1/feeds/dead-letters/{letter['dead_letter_id']}/replay", headers=headers)
    assert replayed.status_code == 200, replayed.text
    assert (replayed.json()["state"], replayed.json()["outcome"]) == ("replayed", "applied")
    household = running.http.get(f"/api/v1/households/{household_id}", headers=running.headers("counter"))
    assert household.status_code == 200 and [m["person_id"] for m in household.json()["members"]] == [person_id]


def test_a_fixed_length_resident_file_with_a_bad_record_imports_nothing_unless_partial(running):
    """docs/feeds/resident-file.md: 600-byte CP932 records, one per person; the bad record is named by line and field."""
    from nhi_integration.domain.resident_files import encode_fixed

    def change(household_id: str, person_id: str, birth_date: str) -> dict:
        return {
            "change_id": f"F{uuid.uuid4().hex[:20]}",
            "change_kind": "move_in",
            "event_date": "2026-11-20",
            "notified_on": "2026-11-21",
            "household_id": household_id,
            "head_person_id": person_id,
            "previous_municipality": "横浜市",
            "address": {"postal_code": "1000001", "address_code": "13999001", "address": "みどり市泉町1丁目2番3号"},
            "persons": [
                {
                    "person_id": person_id,
                    "name_kanji": "髙橋　一郎",
                    "name_kana": "タカハシ　イチロウ",
                    "birth_date": birth_date,
                    "sex": "1",
                    "relationship": "世帯主",
                    "listing_order": 1,
                    "sequence": 1,
                }
            ],
        }

    good = f"H8{uuid.uuid4().int % 10**7:07d}"
    bad = f"H8{uuid.uuid4().int % 10**7:07d}"
    content = encode_fixed(change(good, new_person_id(), "1970-01-01")) + encode_fixed(
        change(bad, new_person_id(), "1971-01-01")
    ).replace(b"19710101", b"19711301")
    headers = {**running.headers("batch"), "Content-Type": "application/octet-stream"}
    counter = running.headers("counter")

    def post(**params):
        answer = running.http.post(
            "/api/v1/feeds/resident",
            params={"file_format": "fixed", "file_name": "JUKI_20261121.dat", **params},
            content=content,
            headers=headers,
        )
        assert answer.status_code == 201, answer.text
        return answer.json()

    refused = post()
    assert (refused["state"], refused["records"], refused["applied"]) == ("rejected", 2, 0)
    assert [(e["line"], e["field"]) for e in refused["errors"]] == [(2, "birth_date")]
    assert running.http.get(f"/api/v1/households/{good}", headers=counter).status_code == 404

    partial = post(partial="true")
    assert (partial["state"], partial["applied"], partial["rejected"]) == ("processed", 1, 1)
    running.wait_for(lambda: running.http.get(f"/api/v1/households/{good}", headers=counter).status_code == 200)
    assert running.http.get(f"/api/v1/households/{bad}", headers=counter).status_code == 404
