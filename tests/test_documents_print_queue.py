"""The counter's print queue fed by svc-qualification's decisions, through the gateway: the 2024 reform's card triggers
make the 資格確認書 due (CERT-KIND), and births, deaths, special statuses and a 70-74 person joining put their forms
and slips on it, each with its reason and rule."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from scenario_steps import joined, notify

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

REGISTERED = {"kind": "card_registration", "start": "2026-10-01", "evidence": ["national_registration_record"]}


def register_status(running, house: dict, person_id: str, status: dict):
    return notify(
        running,
        {
            "kind": "status",
            "reason": "status",
            "household_id": house["household_id"],
            "persons": [{"person_id": person_id}],
            "event_date": "2026-11-24",
            "statuses": [{"person_id": person_id, **status}],
        },
    )


def queued(running, person_id: str, count: int) -> list[dict]:
    """The person's items once `count` are there (the documents worker hears the events asynchronously)."""
    counter = running.headers("counter")

    def probe():
        page = running.http.get("/api/v1/print-queue", params={"person_id": person_id}, headers=counter)
        assert page.status_code == 200, page.text
        items = page.json()["items"]
        return items if len(items) >= count else None

    return running.wait_for(probe, timeout=60)


def with_reason(running, person_id: str, reason: str) -> list[dict]:
    """The person's items of `reason` once there is one: a notification can queue several items, heard one by one
    (waiting for a count of items could return before the one of interest)."""
    counter = running.headers("counter")

    def probe():
        page = running.http.get("/api/v1/print-queue", params={"person_id": person_id}, headers=counter)
        assert page.status_code == 200, page.text
        return [i for i in page.json()["items"] if i["reason"] == reason] or None

    return running.wait_for(probe, timeout=60)


def of_reason(items: list[dict], *reasons: str) -> list[tuple]:
    return sorted((i["kind"], i["reason"], i["due_on"], tuple(i["rule_ids"])) for i in items if i["reason"] in reasons)


def test_a_card_returned_or_expired_makes_the_eligibility_certificate_due_for_a_registered_person(running):
    returned = joined(running, birth_date="1985-04-02")
    elder = joined(running, birth_date="1954-12-15")  # 71: the 資格確認書 comes with a 高齢受給者証
    for house in (returned, elder):
        registered = register_status(running, house, house["person_ids"][0], REGISTERED)
        assert registered.status_code == 201, registered.text
        queued(running, house["person_ids"][0], 1)  # the join's own items

    answer = register_status(
        running,
        returned,
        returned["person_ids"][0],
        {"kind": "card_returned", "start": "2026-11-20", "evidence": ["card_return_record"]},
    )
    assert answer.status_code == 201, answer.text
    decided = answer.json()["decision"]["certificates_to_issue"]
    assert [c["kind"] for c in decided] == ["eligibility_certificate"]
    assert any(r["facts"].get("card_unusable") == "card_returned" for r in decided[0]["reasons"])
    items = queued(running, returned["person_ids"][0], 2)
    assert of_reason(items, "card_returned") == [
        ("eligibility_certificate", "card_returned", "2026-11-24", ("CERT-KIND",))
    ]

    # The certificate expired on 2026-10-15: the マイナ保険証 works 3 more months, the 資格確認書 is due from 2027-01-16.
    answer = register_status(
        running,
        elder,
        elder["person_ids"][0],
        {"kind": "card_certificate_expired", "start": "2026-10-15", "evidence": ["national_registration_record"]},
    )
    assert answer.status_code == 201, answer.text
    reasons = answer.json()["decision"]["statuses"][0]["reasons"]
    assert any(r["facts"].get("unusable_from") == "2027-01-16" for r in reasons)
    assert answer.json()["decision"]["certificates_to_issue"] == []  # the card still works today
    items = queued(running, elder["person_ids"][0], 4)
    assert of_reason(items, "card_certificate_expired") == [
        ("elderly_recipient_certificate", "card_certificate_expired", "2027-01-16", ("CERT-KIND",)),
        ("eligibility_certificate", "card_certificate_expired", "2027-01-16", ("CERT-KIND",)),
    ]


def test_a_card_status_for_a_person_without_registration_is_refused(running):
    house = joined(running, birth_date="1985-04-02")
    refused = register_status(
        running,
        house,
        house["person_ids"][0],
        {"kind": "card_expired", "start": "2026-08-31", "evidence": ["national_registration_record"]},
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    error = refused.json()["errors"][0]
    assert (error["field"], error["rule"]) == ("statuses[0].kind", "CERT-KIND")


def test_births_deaths_statuses_and_a_70_74_join_put_their_forms_and_slips_on_the_queue(running):
    newborn = joined(running, birth_date="2026-11-20", reason="birth", event_date="2026-11-20")
    items = with_reason(running, newborn["person_ids"][0], "birth")
    assert of_reason(items, "birth") == [("childbirth_lump_sum_application", "birth", "2026-11-24", ("ACQ-BIRTH",))]

    deceased = joined(running, birth_date="1985-04-02")
    queued(running, deceased["person_ids"][0], 1)
    died = notify(
        running,
        {
            "kind": "leave",
            "reason": "death",
            "household_id": deceased["household_id"],
            "persons": [{"person_id": deceased["person_ids"][0]}],
            "event_date": "2026-11-22",
        },
    )
    assert died.status_code == 201, died.text
    [funeral] = with_reason(running, deceased["person_ids"][0], "death")
    assert (funeral["kind"], funeral["rule_ids"]) == ("funeral_expense_application", ["LOSS-DEATH"])

    elder = joined(running, birth_date="1955-03-10")  # 71 on joining: the household's share is decided again
    person_id = elder["person_ids"][0]
    items = with_reason(running, person_id, "elder_joined")
    assert of_reason(items, "elder_joined") == [("burden_category_slip", "elder_joined", "2026-11-24", ("BURDEN-3",))]
    former = {
        "kind": "former_dependant",
        "start": "2026-10-01",
        "end": "2028-09-30",
        "evidence": ["application", "dependant_loss_certificate"],
    }
    assert register_status(running, elder, person_id, former).status_code == 201
    items = with_reason(running, person_id, "former_dependant")
    assert of_reason(items, "former_dependant") == [
        ("former_dependant_slip", "former_dependant", "2026-11-24", ("SPECIAL-STATUS",))
    ]

    mother = joined(running, birth_date="1992-06-01", sex="2")
    prenatal = {
        "kind": "prenatal_reduction",
        "start": "2026-11-01",
        "end": "2027-02-28",  # due in December 2026: November to February
        "evidence": ["application", "maternal_health_handbook"],
    }
    assert register_status(running, mother, mother["person_ids"][0], prenatal).status_code == 201
    items = with_reason(running, mother["person_ids"][0], "prenatal_reduction")
    assert of_reason(items, "prenatal_reduction") == [
        ("prenatal_reduction_slip", "prenatal_reduction", "2026-11-24", ("SPECIAL-STATUS",))
    ]

    # The clerk prints the funeral form due for the deceased (as of the day of death) and marks the item printed.
    counter = running.headers("counter")
    document = running.http.post(
        "/api/v1/documents",
        json={
            "kind": "funeral_expense_application",
            "person_id": deceased["person_ids"][0],
            "options": {"as_of": "2026-11-22"},
        },
        headers=counter,
    )
    assert document.status_code == 201, document.text
    printed = running.http.post(
        f"/api/v1/print-queue/{funeral['item_id']}/printed",
        json={"document_id": document.json()["document_id"]},
        headers=counter,
    )
    assert printed.status_code == 200, printed.text
    assert printed.json()["printed"] is True and printed.json()["document_id"] == document.json()["document_id"]


def reasons_queued(running, person_id: str, reason: str, count: int) -> list[tuple]:
    """The person's items of `reason` once `count` of them are there."""
    counter = running.headers("counter")

    def probe():
        page = running.http.get("/api/v1/print-queue", params={"person_id": person_id}, headers=counter)
        assert page.status_code == 200, page.text
        found = of_reason(page.json()["items"], reason)
        return found if len(found) >= count else None

    return running.wait_for(probe, timeout=60)


def test_a_dv_measure_or_a_cancellation_from_a_later_day_queues_both_certificates_due_that_day(running):
    """Registered on the business date (2026-11-24) for a 71-year-old with a マイナ保険証: a DV support measure from
    2026-12-01, and a 利用登録 cancelled from 2026-12-16 (its last day 12-15), each make the 資格確認書 and the
    高齢受給者証 due on that day, as CERT-KIND gives them then (the お知らせ until then)."""
    dv_house = joined(running, birth_date="1954-12-15")
    cancel_house = joined(running, birth_date="1954-12-15")
    ids = {}
    for house in (dv_house, cancel_house):
        registered = register_status(running, house, house["person_ids"][0], REGISTERED)
        assert registered.status_code == 201, registered.text
        ids[house["household_id"]] = registered.json()["decision"]["statuses"][0]["status_id"]

    dv = {"kind": "dv_support", "start": "2026-12-01", "evidence": ["support_measure_record"]}
    answer = register_status(running, dv_house, dv_house["person_ids"][0], dv)
    assert answer.status_code == 201, answer.text
    assert reasons_queued(running, dv_house["person_ids"][0], "dv_support", 2) == [
        ("elderly_recipient_certificate", "dv_support", "2026-12-01", ("DV", "CERT-KIND")),
        ("eligibility_certificate", "dv_support", "2026-12-01", ("DV", "CERT-KIND")),
    ]

    cancelled = {**REGISTERED, "status_id": ids[cancel_house["household_id"]], "end": "2026-12-15"}
    answer = register_status(running, cancel_house, cancel_house["person_ids"][0], cancelled)
    assert answer.status_code == 201, answer.text
    assert reasons_queued(running, cancel_house["person_ids"][0], "registration_cancelled", 2) == [
        ("elderly_recipient_certificate", "registration_cancelled", "2026-12-16", ("CERT-KIND",)),
        ("eligibility_certificate", "registration_cancelled", "2026-12-16", ("CERT-KIND",)),
    ]


def test_an_involuntary_unemployment_status_queues_its_slip_and_the_slip_prints_what_was_recorded(running):
    """非自発的失業者 (SPECIAL-STATUS): separated on 2026-09-30 with code 11, the reduction runs from October 2026 to
    March 2028; the status queues the slip to the assessment section, which prints the separation and the months."""
    house = joined(running, birth_date="1985-04-02")
    person_id = house["person_ids"][0]
    status = {
        "kind": "involuntary_unemployment",
        "start": "2026-10-01",
        "end": "2028-03-31",
        "separation_date": "2026-09-30",
        "separation_code": "11",
        "evidence": ["employment_insurance_eligibility_card"],
    }
    answer = register_status(running, house, person_id, status)
    assert answer.status_code == 201, answer.text
    assert reasons_queued(running, person_id, "involuntary_unemployment", 1) == [
        ("involuntary_unemployment_slip", "involuntary_unemployment", "2026-11-24", ("SPECIAL-STATUS",))
    ]
    counter = running.headers("counter")
    document = running.http.post(
        "/api/v1/documents", json={"kind": "involuntary_unemployment_slip", "person_id": person_id}, headers=counter
    )
    assert document.status_code == 201, document.text
    assert document.json()["title"] == "非自発的失業者保険料（税）軽減異動連絡票"
    if shutil.which("pdftotext"):
        pdf = running.http.get(document.json()["links"]["content"], headers=counter).content
        text = "".join(
            subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode().split()
        )
        assert "離職年月日令和8年9月30日" in text and "特定受給資格者" in text
        assert "令和8年10月分から令和10年3月分まで" in text
