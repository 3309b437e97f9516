"""Each 異動事由 end to end: the registry publishes, a clerk notifies through the gateway, the decision is checked."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from scenario_steps import household_of, joined, new_person_id, notify

from nhi_simulators.resident import publish

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("reason", "event_date", "expected", "rule", "extra"),
    [
        ("move_in", "2026-10-01", {"acquired_on": "2026-10-01"}, "ACQ-MOVE-IN", {}),
        ("emp_leave", "2026-10-16", {"acquired_on": "2026-10-16"}, "ACQ-EMP-LEAVE", {}),
        ("welfare_end", "2026-09-30", {"acquired_on": "2026-09-30"}, "ACQ-WELFARE-END", {}),
        (
            "move_in_same_pref",
            "2026-10-01",
            {"acquired_on": "2018-04-01", "coverage_starts_on": "2026-10-01"},
            "ACQ-MOVE-IN-PREF",
            {"prefecture_acquired_on": "2018-04-01"},
        ),
    ],
)
def test_join_reasons(running, reason, event_date, expected, rule, extra):
    house = household_of(running, [{"birth_date": "1985-04-02"}], event_date=event_date)
    response = notify(
        running,
        {
            "kind": "join",
            "reason": reason,
            "household_id": house["household_id"],
            "persons": [{"person_id": house["person_ids"][0]}],
            "event_date": event_date,
            **extra,
        },
    )
    assert response.status_code == 201, response.text
    person = response.json()["decision"]["persons"][0]
    assert {k: person[k] for k in expected} == expected
    assert person["reasons"][0]["rule_id"] == rule


@pytest.mark.parametrize(
    ("reason", "excluded_status"),
    [
        ("foreign_resident", "短期滞在"),
        ("move_in", "短期滞在"),
        ("move_in", "特定活動(医療滞在)"),
    ],
)
def test_a_foreign_resident_joins_unless_the_status_is_excluded_whatever_the_reason(running, reason, excluded_status):
    allowed = household_of(
        running,
        [
            {
                "birth_date": "1995-01-01",
                "nationality": "ベトナム",
                "residence_status": "技能実習",
                "residence_expires_on": "2028-03-31",
            }
        ],
    )
    response = notify(
        running,
        {
            "kind": "join",
            "reason": reason,
            "household_id": allowed["household_id"],
            "persons": [{"person_id": allowed["person_ids"][0]}],
            "event_date": "2026-10-01",
        },
    )
    assert response.status_code == 201, response.text
    certificate = response.json()["decision"]["certificates_to_issue"][0]
    assert certificate["valid_until"] == "2027-07-31"
    person = running.http.get(f"/api/v1/persons/{allowed['person_ids'][0]}", headers=running.headers("counter"))
    assert person.json()["residence_status"] == "technical_intern_training"
    excluded = household_of(
        running,
        [
            {
                "birth_date": "1995-01-01",
                "nationality": "米国",
                "residence_status": excluded_status,
                "residence_expires_on": "2026-12-01",
            }
        ],
    )
    refused = notify(
        running,
        {
            "kind": "join",
            "reason": reason,
            "household_id": excluded["household_id"],
            "persons": [{"person_id": excluded["person_ids"][0]}],
            "event_date": "2026-10-01",
        },
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["rule"] == "ACQ-FOREIGN"


@pytest.mark.parametrize(
    ("reason", "event_date", "birth_date", "lost_on", "coverage_ends_on", "rule"),
    [
        ("move_out", "2026-11-10", "1985-04-02", "2026-11-10", None, "LOSS-MOVE-OUT"),
        ("move_out_same_pref", "2026-11-10", "1985-04-02", None, "2026-11-10", "END-MOVE-OUT-PREF"),
        ("death", "2026-11-10", "1985-04-02", "2026-11-11", None, "LOSS-DEATH"),
        ("emp_join", "2026-11-10", "1985-04-02", "2026-11-11", None, "LOSS-EMP-JOIN"),
        ("welfare_start", "2026-11-10", "1985-04-02", "2026-11-10", None, "LOSS-WELFARE"),
        ("kumiai_join", "2026-11-10", "1985-04-02", "2026-11-10", None, "LOSS-KUMIAI"),
        ("later_elderly_disability", "2026-11-10", "1958-01-01", "2026-11-10", None, "LOSS-LATER-ELDERLY-DISABILITY"),
    ],
)
def test_leave_reasons(running, reason, event_date, birth_date, lost_on, coverage_ends_on, rule):
    house = joined(running, birth_date=birth_date)
    response = notify(
        running,
        {
            "kind": "leave",
            "reason": reason,
            "household_id": house["household_id"],
            "persons": [{"person_id": house["person_ids"][0]}],
            "event_date": event_date,
        },
    )
    assert response.status_code == 201, response.text
    person = response.json()["decision"]["persons"][0]
    assert (person["lost_on"], person["coverage_ends_on"]) == (lost_on, coverage_ends_on)
    assert person["reasons"][0]["rule_id"] == rule
    counter = running.headers("counter")
    view = running.http.get(
        f"/api/v1/persons/{house['person_ids'][0]}/qualification", params={"as_of": "2026-11-12"}, headers=counter
    ).json()
    assert view["insured"] is False


def test_a_birth_registered_in_an_nhi_household_is_reflected_with_the_childbirth_form(running):
    house = joined(running)
    change = {
        "change_id": str(uuid.uuid4()),
        "change_kind": "birth",
        "event_date": "2026-11-18",
        "notified_on": "2026-11-18",
        "household_id": house["household_id"],
        "head_person_id": house["person_ids"][0],
        "previous_municipality": "",
        "address": {},
        "persons": [
            {
                "person_id": new_person_id(),
                "name_kanji": "山﨑 陽",
                "name_kana": "ヤマサキ　ヒナタ",
                "birth_date": "2026-11-18",
                "sex": "1",
                "relationship": "子",
                "listing_order": 2,
                "nationality": "",
                "residence_status": "",
                "residence_expires_on": "",
                "dv_support": False,
            }
        ],
    }
    publish(running.env["NATS_URL"], change)
    baby = change["persons"][0]["person_id"]
    counter = running.headers("counter")

    def insured():
        view = running.http.get(f"/api/v1/persons/{baby}/qualification", headers=counter)
        return view.json() if view.status_code == 200 and view.json()["insured"] else None

    view = running.wait_for(insured)
    assert view["period"]["acquired_on"] == "2026-11-18"
    assert view["period"]["reasons"][0]["rule_id"] == "ACQ-BIRTH"


def test_age75_is_not_a_counter_reason(running):
    house = joined(running, birth_date="1952-01-15")
    response = notify(
        running,
        {
            "kind": "leave",
            "reason": "age75",
            "household_id": house["household_id"],
            "persons": [{"person_id": house["person_ids"][0]}],
            "event_date": "2026-11-10",
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "LOSS-AGE75"


def test_a_late_notification_is_accepted_and_flagged_and_an_old_one_is_flagged_for_premiums(running):
    house = household_of(running, [{"birth_date": "1985-04-02"}], event_date="2024-06-01")
    response = notify(
        running,
        {
            "kind": "join",
            "reason": "move_in",
            "household_id": house["household_id"],
            "persons": [{"person_id": house["person_ids"][0]}],
            "event_date": "2024-06-01",
            "notified_on": "2026-11-20",
        },
    )
    assert response.status_code == 201, response.text
    decision = response.json()["decision"]
    elapsed = (dt.date(2026, 11, 20) - dt.date(2024, 6, 1)).days
    assert decision["late"] is True and decision["late_days"] == elapsed - 14
    assert decision["retroactive_flag"] is True
    assert {"NOTIFY-14", "RETRO-LIMIT"} <= {r["rule_id"] for r in decision["reasons"]}


def test_a_special_status_through_the_gateway(running):
    house = joined(running)
    pid = house["person_ids"][0]
    response = notify(
        running,
        {
            "kind": "status",
            "reason": "status",
            "household_id": house["household_id"],
            "persons": [{"person_id": pid}],
            "event_date": "2026-11-20",
            "statuses": [
                {"person_id": pid, "kind": "dv_support", "start": "2026-11-20", "evidence": ["support_measure_record"]}
            ],
        },
    )
    assert response.status_code == 201, response.text
    person = running.http.get(f"/api/v1/persons/{pid}", headers=running.headers("counter")).json()
    assert person["dv_support"] is True
    assert [s["kind"] for s in person["statuses"]] == ["dv_support"]


def test_reaching_75_loses_the_qualification_through_the_batch(running):
    house = household_of(running, [{"birth_date": "1951-11-24"}, {"birth_date": "1988-02-29"}])
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
    batch = running.headers("batch")
    job = running.http.post(
        "/api/v1/jobs", json={"kind": "age75_loss", "parameters": {"date": "2026-11-24"}}, headers=batch
    )
    assert job.status_code == 202, job.text
    job_id = job.json()["job_id"]
    done = running.wait_for(
        lambda: (lambda j: j if j["state"] in ("succeeded", "failed") else None)(
            running.http.get(f"/api/v1/jobs/{job_id}", headers=batch).json()
        )
    )
    assert done["state"] == "succeeded"
    elder, younger = house["person_ids"]
    counter = running.headers("counter")
    view = running.http.get(f"/api/v1/persons/{elder}/qualification", params={"as_of": "2026-11-24"}, headers=counter)
    assert view.json()["insured"] is False
    assert (
        running.http.get(f"/api/v1/persons/{elder}/history", headers=counter).json()["versions"][-1]["lost_on"]
        == "2026-11-24"
    )
    assert running.http.get(f"/api/v1/persons/{younger}/qualification", headers=counter).json()["insured"] is True
    results = running.http.get(f"/api/v1/jobs/{job_id}/results", headers=running.headers("backoffice")).json()
    mine = [r for r in results["rows"] if r["person_id"] == elder]
    assert mine and mine[0]["lost_on"] == "2026-11-24" and mine[0]["deemed_head"] is True
    assert results["columns"]["lost_on"] == "資格喪失日"


def test_the_nhi_head_is_the_registers_head_once_insured_and_null_before(running):
    house = household_of(running, [{"birth_date": "1980-01-01"}, {"birth_date": "2010-01-01"}])
    head, child = house["person_ids"]
    counter = running.headers("counter")
    before = running.http.get(f"/api/v1/households/{house['household_id']}", headers=counter).json()
    assert before["nhi_head_person_id"] is None and before["symbol"] is None and before["number"] is None

    response = notify(
        running,
        {
            "kind": "join",
            "reason": "move_in",
            "household_id": house["household_id"],
            "persons": [{"person_id": head}, {"person_id": child}],
            "event_date": "2026-10-01",
        },
    )
    assert response.status_code == 201, response.text
    after = running.http.get(f"/api/v1/households/{house['household_id']}", headers=counter).json()
    assert (after["head_person_id"], after["nhi_head_person_id"], after["deemed_head"]) == (head, head, False)
    assert after["symbol"] and after["number"]
