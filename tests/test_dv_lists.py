"""Rule DV in search results and lists, through the gateway: a person under a DV support measure is found and listed
only with the dv:read scope (with a purpose, audited); the restriction ends with the status period (X-Business-Date),
and nhi-qualification announce-dv-ends tells svc-integration, whose later records carry the address again. The lists
the other services own (inconsistencies, print queue, undrawable characters, sub-copy targets and queries) and the
decisions follow the same rule."""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest
from support import BIN
from test_dv_everywhere import household_at, join, records_of, register_dv
from test_subcopy_roundtrip import heard, run_job

pytestmark = pytest.mark.e2e

STATUS_END, AFTER_END = "2026-12-10", "2026-12-11"  # the suite's business date is 2026-11-24
PURPOSE = "dv-list-check"


def dv_reader(running, *roles: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {running.token(*roles, scopes=('dv:read',))}", **extra}


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


UNDRAWABLE = "\U000f0000"  # a character no configured font draws (文字要件)
SCREENED_LISTS = (  # the lists other services own, as svc-qualification's audit rows name them
    "documents.print_queue",
    "documents.undrawable_characters",
    "integration.inconsistencies",
    "interchange.subcopy_target_list",
    "interchange.subcopy_queries",
)


def listed_ids(answer, key: str) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [row["person_id"] for row in answer.json()[key]]


def test_decisions_and_the_lists_of_the_other_services_name_a_dv_person_only_with_the_dv_read_scope(running):
    # only the DV person's name is undrawable: the suite's other lists (a change list as PDF) never show it
    names = ["試験 花子", f"試験 {UNDRAWABLE}美", "試験 花子"]
    address = {"postal_code": "3990779", "address_code": "13999079", "address": "DV他一覧町", "building": ""}
    house = household_at(running, address, ["1975-04-01", "1978-06-02", "2001-08-03"], names=names)
    first, dv_person, third = house["person_ids"]
    household_id = house["household_id"]
    join(running, house, [first, dv_person, third])
    register_dv(running, house, dv_person, "2026-11-01", end=STATUS_END)
    backoffice, counter = running.headers("backoffice"), running.headers("counter")
    reader = dv_reader(running, "counter", "backoffice", **{"X-Purpose": PURPOSE})

    # GET /decisions: the join is listed without the DV person's part, the DV status (theirs only) not at all
    def decisions(headers: dict, **params: str) -> list[dict]:
        answer = running.http.get("/api/v1/decisions", params={"page_size": 100, **params}, headers=headers)
        assert answer.status_code == 200, answer.text
        return [d for d in answer.json()["decisions"] if d["kind"] in ("join", "status")]

    shown = decisions(reader, household_id=household_id)
    assert [(d["kind"], d["person_ids"]) for d in shown] == [
        ("join", [first, dv_person, third]),
        ("status", [dv_person]),
    ]
    [joined] = decisions(counter, household_id=household_id)
    assert joined["person_ids"] == [first, third]
    parts = [joined["decision"][k] for k in ("persons", "certificates_to_issue", "documents")]
    assert all(dv_person not in {e["person_id"] for e in part} for part in parts) and joined["decision"]["persons"]
    assert dv_person not in json.dumps(joined)
    assert decisions(counter, person_id=dv_person) == []
    refused = running.http.get(
        "/api/v1/decisions", params={"household_id": household_id}, headers=dv_reader(running, "counter")
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "X-Purpose", refused.text
    after = running.headers("backoffice", **{"X-Business-Date": AFTER_END})
    assert [d["person_ids"] for d in decisions(after, household_id=household_id)] == [
        [first, dv_person, third],
        [dv_person],
    ]

    # the print queue (svc-documents): the DV person's certificates are there, listed only with the scope
    def queued(headers: dict, person_id: str) -> list[str]:
        return listed_ids(
            running.http.get("/api/v1/print-queue", params={"person_id": person_id}, headers=headers), "items"
        )

    running.wait_for(lambda: queued(reader, dv_person) and queued(counter, first), timeout=60)
    assert queued(counter, dv_person) == [] and queued(backoffice, dv_person) == []
    assert queued(after, dv_person)

    # the 国保資格不整合一覧 (svc-integration): a pension 2号 change of each makes a finding
    for person_id in (first, dv_person):
        running.simulate("pension", "--person-id", person_id, "--category", "2", "--changed-on", "2026-11-01")

    def findings(headers: dict, person_id: str) -> list[str]:
        return listed_ids(
            running.http.get("/api/v1/inconsistencies", params={"person_id": person_id}, headers=headers),
            "inconsistencies",
        )

    running.wait_for(lambda: findings(reader, dv_person) and findings(backoffice, first), timeout=60)
    assert findings(backoffice, dv_person) == [] and findings(running.headers("auditor"), dv_person) == []

    def report(kind: str, headers: dict) -> set[str]:
        answer = running.http.get(f"/api/v1/reports/{kind}", headers=headers)
        assert answer.status_code == 200, answer.text
        return {r["person_id"] for r in answer.json()["rows"]}

    assert first in report("qualification_inconsistency_list", backoffice)
    assert dv_person not in report("qualification_inconsistency_list", backoffice)
    assert dv_person in report("qualification_inconsistency_list", reader)

    # the 文字要件エラー対象者一覧 (svc-documents): the name is refused, and listed only with the scope
    body = {"kind": "eligibility_certificate", "person_id": dv_person}
    issued = running.http.post(
        "/api/v1/documents", json=body, headers={**counter, "Idempotency-Key": str(uuid.uuid4())}
    )
    assert issued.status_code == 422 and "undrawable" in issued.json()["type"], issued.text
    assert dv_person not in report("undrawable_character_list", backoffice)
    assert dv_person in report("undrawable_character_list", reader)

    # the 副本データ対象者一覧 (svc-interchange): both are in the next transfer
    heard(running, first)
    heard(running, dv_person)
    run_job(running, "subcopy_registration")
    assert first in report("subcopy_target_list", backoffice)
    assert dv_person not in report("subcopy_target_list", backoffice)
    assert dv_person in report("subcopy_target_list", reader)
    assert dv_person in report("subcopy_target_list", after)  # the status has ended
    for kind in ("qualification_data_error_list", "interchange_registration_result_list"):  # lists of persons too
        unexplained = running.http.get(f"/api/v1/reports/{kind}", headers=dv_reader(running, "backoffice"))
        assert unexplained.status_code == 400 and unexplained.json()["errors"][0]["field"] == "X-Purpose"

    # the 副本照会 requests (svc-interchange): a query of the DV person is listed only with the scope
    for person_id in (first, dv_person):
        queued = running.http.post(
            "/api/v1/interchange/subcopy/queries",
            json={"person_id": person_id, "item": "income"},
            headers={**counter, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert queued.status_code == 202, queued.text

    def queried(headers: dict, person_id: str) -> list[str]:
        return listed_ids(
            running.http.get("/api/v1/interchange/subcopy/queries", params={"person_id": person_id}, headers=headers),
            "queries",
        )

    assert first in queried(backoffice, first)
    assert queried(backoffice, dv_person) == [] and queried(counter, dv_person) == []
    assert dv_person in queried(reader, dv_person) and dv_person in queried(after, dv_person)

    # a list no font can draw (the DV person's name, listed with the scope) is refused as a PDF; the problem names
    # no person (a list has none): null, as the spec says of an absent value, never ""
    pdf = running.http.get(
        "/api/v1/reports/qualification_change_list", params={"from": "2026-11-24", "format": "pdf"}, headers=reader
    )
    assert pdf.status_code == 422, pdf.text
    refusal = pdf.json()  # running.http checked it against the spec
    assert refusal["type"].endswith("/undrawable-character") and refusal["person_id"] is None
    assert refusal["character"].startswith("U+") and refusal["errors"][0]["rule"] == "STD-文字"

    audit = running.http.get(
        "/api/v1/audit-events",
        params={"action": "dv.person_listed", "purpose": PURPOSE, "page_size": 500},
        headers=running.headers("auditor"),
    )
    assert audit.status_code == 200, audit.text
    rows = [e for e in audit.json()["events"] if dv_person in e["target_id"].split(",")]
    assert set(SCREENED_LISTS) <= {e["detail"] for e in rows}, rows  # each list named in its row
    assert all(e["purpose"] == PURPOSE for e in rows)
