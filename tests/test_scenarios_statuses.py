"""Special statuses end to end: what a status does to the household, and what the resident registry may not undo."""

from __future__ import annotations

import uuid

import pytest
from scenario_steps import household_of, notify

from nhi_simulators.resident import publish

pytestmark = pytest.mark.e2e


def test_a_registry_move_out_leaves_an_address_exception_person_in_their_own_household(running):
    members = [{"birth_date": "1958-05-01"}, {"birth_date": "1960-07-15", "relationship": "妻"}]
    house = household_of(running, members)
    head, resident = house["person_ids"]
    joined = notify(
        running,
        {
            "kind": "join",
            "reason": "move_in",
            "household_id": house["household_id"],
            "persons": [{"person_id": head}, {"person_id": resident}],
            "event_date": "2026-10-01",
        },
    )
    assert joined.status_code == 201, joined.text
    status = notify(
        running,
        {
            "kind": "status",
            "reason": "status",
            "household_id": house["household_id"],
            "persons": [{"person_id": resident}],
            "event_date": "2026-11-01",
            "statuses": [
                {
                    "person_id": resident,
                    "kind": "address_exception",
                    "start": "2026-11-01",
                    "evidence": ["facility_admission_certificate"],
                }
            ],
        },
    )
    assert status.status_code == 201, status.text
    own = f"S{resident}"
    counter = running.headers("counter")

    move_out = {
        "change_id": str(uuid.uuid4()),
        "change_kind": "move_out",
        "event_date": "2026-11-15",
        "notified_on": "2026-11-15",
        "household_id": house["household_id"],
        "head_person_id": head,
        "previous_municipality": "",
        "address": {},
        "persons": [
            {
                "person_id": resident,
                "name_kanji": "山﨑 花子",
                "name_kana": "ヤマサキ　ハナコ",
                "birth_date": "1960-07-15",
                "sex": "2",
                "relationship": "妻",
                "listing_order": 2,
                "nationality": "",
                "residence_status": "",
                "residence_expires_on": "",
                "dv_support": False,
            }
        ],
    }
    publish(running.env["NATS_URL"], move_out)

    def intake_item():
        items = running.http.get(
            "/api/v1/intake-items", params={"state": "open", "page_size": 500}, headers=counter
        ).json()["items"]
        return [i for i in items if i["source_change_id"] == move_out["change_id"]]

    assert running.wait_for(intake_item)[0]["kind"] == "move_out"
    person = running.http.get(f"/api/v1/persons/{resident}", headers=counter).json()
    assert person["household_id"] == own
    household = running.http.get(f"/api/v1/households/{own}", headers=counter).json()
    assert [m["person_id"] for m in household["members"]] == [resident]
    view = running.http.get(f"/api/v1/persons/{resident}/qualification", headers=counter).json()
    assert view["insured"] is True and view["period"]["household_id"] == own
