"""Rule DV in search results and lists, through the gateway: a person under a DV support measure is found and listed
only with the dv:read scope (with a purpose, audited); the restriction ends with the status period (X-Business-Date),
and nhi-qualification announce-dv-ends tells svc-integration, whose later records carry the address again."""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest
from support import BIN
from test_dv_everywhere import household_at, join, records_of, register_dv

pytestmark = pytest.mark.e2e

STATUS_END, AFTER_END = "2026-12-10", "2026-12-11"  # the suite's business date is 2026-11-24
PURPOSE = "dv-list-check"


def dv_reader(running, role: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {running.token(role, scopes=('dv:read',))}", **extra}


def found(running, household_id: str, headers: dict) -> list[dict]:
    answer = running.http.get("/api/v1/persons", params={"household_id": household_id}, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["persons"]


def changes_naming(running, person_id: str, headers: dict) -> list[dict]:
    answer = running.http.get(
        "/api/v1/reports/qualification-changes", params={"from": "2026-11-24", "page_size": 200}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    return [c for c in answer.json()["changes"] if person_id in c["person_ids"] or person_id in json.dumps(c)]


def household_with_dv(running, marker: str, births: list[str]) -> tuple[dict, list[str]]:
    address = {"postal_code": "3990779", "address_code": "13999079", "address": marker, "building": ""}
    house = household_at(running, address, births)
    return house, house["person_ids"]


def test_a_dv_person_is_found_and_listed_only_with_the_dv_read_scope_and_a_purpose(running):
    house, (first, dv_person, third) = household_with_dv(
        running, f"DV一覧町{uuid.uuid4().int % 10**6:06d}", ["1975-04-01", "1978-06-02", "2001-08-03"]
    )
    join(running, house, [first, dv_person, third])
    register_dv(running, house, dv_person, "2026-11-01", end=STATUS_END)
    household_id = house["household_id"]

    for role in ("counter", "backoffice", "auditor", "admin"):
        ids = [p["person_id"] for p in found(running, household_id, running.headers(role))]
        assert ids == [first, third], role  # the others of the household are found, the DV person is not
    refused = running.http.get(
        "/api/v1/persons", params={"household_id": household_id}, headers=dv_reader(running, "counter")
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "X-Purpose", refused.text
    shown = found(running, household_id, dv_reader(running, "counter", **{"X-Purpose": PURPOSE}))
    assert [(p["person_id"], p["dv_support"]) for p in shown] == [(first, False), (dv_person, True), (third, False)]

    backoffice = running.headers("backoffice")
    assert changes_naming(running, dv_person, backoffice) == []
    assert changes_naming(running, first, backoffice)  # the household's join is listed, without the DV person
    named = changes_naming(running, dv_person, dv_reader(running, "backoffice", **{"X-Purpose": PURPOSE}))
    assert {"join", "status"} <= {c["kind"] for c in named}

    report = running.http.get(
        "/api/v1/reports/qualification_change_list", params={"from": "2026-11-24"}, headers=backoffice
    )
    assert report.status_code == 200, report.text
    rows = [r for r in report.json()["rows"] if r["household_id"] == household_id]
    with_scope = running.http.get(
        "/api/v1/reports/qualification_change_list",
        params={"from": "2026-11-24"},
        headers=dv_reader(running, "backoffice", **{"X-Purpose": PURPOSE}),
    ).json()["rows"]
    # the DV person's rows (their join and their status) are there only with the scope
    assert len([r for r in with_scope if r["household_id"] == household_id]) - len(rows) == 2

    items = running.http.get("/api/v1/intake-items", params={"page_size": 200}, headers=running.headers("counter"))
    assert items.status_code == 200, items.text
    ours = [i for i in items.json()["items"] if i["household_id"] == household_id]
    assert ours and all(dv_person not in i["person_ids"] and first in i["person_ids"] for i in ours)

    audit = running.http.get(
        "/api/v1/audit-events",
        params={"action": "dv.person_listed", "purpose": PURPOSE, "page_size": 200},
        headers=running.headers("auditor"),
    )
    assert audit.status_code == 200, audit.text
    listed = [e for e in audit.json()["events"] if dv_person in e["target_id"].split(",")]
    assert len(listed) >= 3 and all(e["purpose"] == PURPOSE for e in listed)  # search, JSON list, report


def test_after_the_status_end_the_person_is_listed_to_all_and_the_address_is_back_in_later_records(running):
    marker = f"DV明け町{uuid.uuid4().int % 10**6:06d}"
    house, (first, dv_person, late) = household_with_dv(running, marker, ["1975-04-01", "1978-06-02", "1980-01-04"])
    join(running, house, [first, dv_person])
    register_dv(running, house, dv_person, "2026-11-01", end=STATUS_END)
    household_id = house["household_id"]
    running.wait_for(lambda: len(records_of(running, [first, dv_person])) >= 2)

    last_day = running.headers("backoffice", **{"X-Business-Date": STATUS_END})
    assert dv_person not in [p["person_id"] for p in found(running, household_id, last_day)]
    after = running.headers("backoffice", **{"X-Business-Date": AFTER_END})
    assert [(p["person_id"], p["dv_support"]) for p in found(running, household_id, after)][1] == (dv_person, False)
    address = running.http.get(f"/api/v1/households/{household_id}", headers=after).json()["address"]
    assert address["address"] == marker

    announce = [str(BIN / "nhi-qualification"), "announce-dv-ends", "--date", AFTER_END]
    done = subprocess.run(announce, env=running.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["announced"] >= 1
    again = subprocess.run(announce, env=running.env, capture_output=True, text=True, timeout=120)
    assert json.loads(again.stdout.strip().splitlines()[-1])["announced"] == 0  # once per status

    body = {
        "kind": "join",
        "reason": "move_in",
        "household_id": household_id,
        "persons": [{"person_id": late}],
        "event_date": "2026-10-01",
        "notified_on": "2026-10-01",
        "identity_check": {"document_kind": "my_number_card", "checked_by": "clerk-07"},
    }
    joined = running.http.post(
        "/api/v1/notifications", json=body, headers={**after, "Idempotency-Key": str(uuid.uuid4())}
    )
    assert joined.status_code == 201, joined.text
    records = running.wait_for(lambda: [r for r in records_of(running, [late]) if r["address"]], timeout=60)
    assert records[0]["address"] == marker and records[0]["dv_support"] is False
    earlier = records_of(running, [first, dv_person])
    assert earlier and all(r["address"] is None for r in earlier)  # what was withheld stays so
