"""A household's past burden-ratio determinations through the gateway (GET /api/v1/burden-ratio-determinations): what
POST answered, listed newest first with every reason, paged, as CSV, audited, and rule DV as in GET /decisions."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from test_dv_everywhere import register_dv
from test_scenarios_burden import ELDER, elder_household

pytestmark = pytest.mark.e2e

URL = "/api/v1/burden-ratio-determinations"
# Another 70–74 member, and a member under 70, whose share is the law's (BURDEN-UNDER70, not a rule of Part A).
SECOND_ELDER = "1954-09-09"
UNDER_70 = "1985-05-05"
# What a listed determination repeats of POST's answer.
ANSWERED = ("household_id", "as_of", "income_year", "ratio_percent", "limit_category", "pending", "reasons", "persons")


def determine(running, household_id: str, incomes: list[dict] | None = None) -> dict:
    body = {"household_id": household_id, **({"incomes": incomes} if incomes else {})}
    headers = {**running.headers("backoffice"), "Idempotency-Key": str(uuid.uuid4())}
    answer = running.http.post(URL, json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def listed(running, household_id: str, role: str = "counter", headers: dict | None = None, **params) -> dict:
    answer = running.http.get(
        URL, params={"household_id": household_id, **params}, headers=headers or running.headers(role)
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def income(person_id: str, taxable: int, gross: int, kyu: int) -> dict:
    return {
        "person_id": person_id,
        "income_year": 2025,
        "taxable_income": taxable,
        "gross_income": gross,
        "kyu_tadashigaki_income": kyu,
        "non_taxed": False,
    }


def test_determinations_made_through_post_are_listed_newest_first_as_they_were_answered(running):
    house = elder_household(running, (ELDER, SECOND_ELDER))
    household_id, (elder, second) = house["household_id"], house["person_ids"]
    pending = determine(running, household_id)  # nobody's income known: pending at a provisional 2割
    decided = determine(
        running,
        household_id,
        [income(elder, 1_500_000, 4_000_000, 2_350_000), income(second, 3_000_000, 4_500_000, 3_000_000)],
    )
    assert (pending["pending"], decided["pending"], decided["ratio_percent"]) == (True, False, 30)

    purpose = f"share-explained-{uuid.uuid4().hex[:8]}"
    page = listed(running, household_id, headers={**running.headers("counter"), "X-Purpose": purpose})
    newest, oldest = page["determinations"]
    assert page["next_cursor"] is None
    assert [newest["determination_id"], oldest["determination_id"]] == [
        decided["determination_id"],
        pending["determination_id"],
    ]
    assert {k: newest[k] for k in ANSWERED} == {k: decided[k] for k in ANSWERED}
    assert {k: oldest[k] for k in ANSWERED} == {k: pending[k] for k in ANSWERED}
    assert "BURDEN-3" in [r["rule_id"] for r in newest["reasons"]]
    assert "BURDEN-PENDING" in [r["rule_id"] for r in oldest["reasons"]] and oldest["limit_category"] is None
    assert [p["person_id"] for p in newest["persons"]] == [elder, second] and newest["persons"][0]["reasons"]
    assert (newest["changed"], oldest["changed"], newest["job_id"], newest["business_date"]) == (
        True,
        True,
        None,
        "2026-11-24",
    )
    assert newest["operator_id"] and newest["recorded_at"] >= oldest["recorded_at"]

    first = listed(running, household_id, page_size=1)
    second = listed(running, household_id, page_size=1, cursor=first["next_cursor"])
    assert [d["determination_id"] for d in first["determinations"] + second["determinations"]] == [
        decided["determination_id"],
        pending["determination_id"],
    ] and second["next_cursor"] is None

    reads = running.http.get(
        "/api/v1/audit-events",
        params={"action": "burden.read", "target_id": household_id},
        headers=running.headers("auditor"),
    ).json()["events"]
    assert purpose in [r["purpose"] for r in reads] and {r["target_kind"] for r in reads} == {"household"}


def test_the_list_as_csv_an_unknown_household_and_a_missing_one(running):
    house = elder_household(running)
    determine(running, house["household_id"])
    answer = running.http.get(
        URL, params={"household_id": house["household_id"], "format": "csv"}, headers=running.headers("backoffice")
    )
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/csv; charset=utf-8"
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))
    assert table[0][:3] == ["判定番号", "世帯番号", "判定日"] and len(table) == 2
    assert table[1][1] == house["household_id"] and table[1][6] == "はい"  # 判定保留

    unknown = running.http.get(URL, params={"household_id": "H-NOT-THERE"}, headers=running.headers("counter"))
    assert unknown.status_code == 404, unknown.text
    missing = running.http.get(URL, headers=running.headers("counter"))
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "household_id", missing.text
    control = running.http.get(URL, params={"household_id": "H\x00"}, headers=running.headers("counter"))
    assert control.status_code == 400 and control.json()["errors"][0]["field"] == "household_id", control.text
    refused = running.http.get(URL, params={"household_id": house["household_id"]}, headers=running.headers("batch"))
    assert refused.status_code == 403


def test_a_dv_person_is_left_out_of_the_listed_determinations_without_the_dv_read_scope(running):
    house = elder_household(running, (ELDER, SECOND_ELDER))
    household_id, (elder, second) = house["household_id"], house["person_ids"]
    determine(
        running,
        household_id,
        [income(elder, 1_500_000, 4_000_000, 2_350_000), income(second, 3_000_000, 4_500_000, 3_000_000)],
    )
    register_dv(running, house, second, "2026-11-01")

    for role in ("counter", "backoffice", "auditor", "admin"):
        [determination] = listed(running, household_id, role)["determinations"]
        assert [p["person_id"] for p in determination["persons"]] == [elder], role
        assert second not in str(determination), role

    purpose = f"dv-burden-{uuid.uuid4().hex[:8]}"
    reader = {"Authorization": f"Bearer {running.token('counter', scopes=('dv:read',))}"}
    refused = running.http.get(URL, params={"household_id": household_id}, headers=reader)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "X-Purpose"
    [shown] = listed(running, household_id, headers={**reader, "X-Purpose": purpose})["determinations"]
    assert [p["person_id"] for p in shown["persons"]] == [elder, second]
    rows = running.http.get(
        "/api/v1/audit-events", params={"purpose": purpose}, headers=running.headers("auditor")
    ).json()["events"]
    assert [(r["action"], r["target_id"]) for r in rows] == [("dv.person_listed", second)]


def test_a_member_under_70_is_answered_within_the_spec_a_reason_outside_the_rule_table_naming_no_rule_id(running):
    house = elder_household(running, (ELDER, UNDER_70))
    household_id, (_elder, younger) = house["household_id"], house["person_ids"]
    decided = determine(running, household_id)  # the client checks the answer against the spec
    member = next(p for p in decided["persons"] if p["person_id"] == younger)
    law = [r for r in member["reasons"] if r["facts"].get("rule") == "BURDEN-UNDER70"]
    assert law and law[0]["rule_id"] is None and law[0]["basis"].startswith("国民健康保険法第42条")
    listed_member = next(
        p for p in listed(running, household_id)["determinations"][0]["persons"] if p["person_id"] == younger
    )
    assert listed_member["reasons"] == member["reasons"]
