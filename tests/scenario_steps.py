"""Steps of the end-to-end scenarios: the registry publishes a household, a clerk notifies through the gateway."""

from __future__ import annotations

import itertools
import uuid

from nhi_simulators.resident import publish

_ids = itertools.count(700000001)


def new_person_id() -> str:
    """A 宛名番号 no other scenario of this run uses."""
    return f"{next(_ids):09d}"


def household_of(running, members: list[dict], kind: str = "move_in", event_date: str = "2026-10-01") -> dict:
    """Publish a resident change with these members on resident.v1.changes; wait until qualification holds it."""
    # Every digit of the number: the fault tests restart `_ids` in another range (760…, 770…) in the middle of the
    # session, and the last seven digits alone would then name a household an earlier test made in the shared suite.
    household_id = f"H{next(_ids)}"
    people = []
    for order, member in enumerate(members, 1):
        people.append(
            {
                "person_id": new_person_id(),
                "name_kanji": "山﨑 花子",
                "name_kana": "ヤマサキ　ハナコ",
                "sex": "2",
                "relationship": "世帯主" if order == 1 else "子",
                "listing_order": order,
                "nationality": "",
                "residence_status": "",
                "residence_expires_on": "",
                "dv_support": False,
                **member,
            }
        )
    change = {
        "change_id": str(uuid.uuid4()),
        "change_kind": kind,
        "event_date": event_date,
        "notified_on": event_date,
        "household_id": household_id,
        "head_person_id": people[0]["person_id"],
        "previous_municipality": "",
        "address": {
            "postal_code": "1000001",
            "address_code": "13999001",
            "address": "みどり市泉町1丁目2番3号",
            "building": "",
            "district_code": "01",
        },
        "persons": people,
    }
    counter = running.headers("counter")
    before = running.http.get(f"/api/v1/households/{household_id}", headers=counter)
    assert before.status_code == 404, f"household {household_id} exists already: a scenario's ids must be new"
    publish(running.env["NATS_URL"], change)
    running.wait_for(lambda: running.http.get(f"/api/v1/households/{household_id}", headers=counter).status_code == 200)
    return {"household_id": household_id, "person_ids": [p["person_id"] for p in people]}


def notify(running, body: dict, role: str = "counter"):
    base = {
        "notified_on": body["event_date"],
        "identity_check": {"document_kind": "my_number_card", "checked_by": "clerk-07"},
    }
    return running.http.post(
        "/api/v1/notifications",
        json={**base, **body},
        headers=running.headers(role, **{"Idempotency-Key": str(uuid.uuid4())}),
    )


def joined(running, birth_date="1985-04-02", reason="move_in", event_date="2026-10-01", **member):
    house = household_of(running, [{"birth_date": birth_date, **member}], event_date=event_date)
    response = notify(
        running,
        {
            "kind": "join",
            "reason": reason,
            "household_id": house["household_id"],
            "persons": [{"person_id": house["person_ids"][0]}],
            "event_date": event_date,
        },
    )
    assert response.status_code == 201, response.text
    return house
