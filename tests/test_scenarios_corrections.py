"""資格異動訂正 (2.2.1) end to end: a clerk corrects or undoes a registered change through the gateway."""

from __future__ import annotations

import uuid

import pytest
from scenario_steps import joined, notify

pytestmark = pytest.mark.e2e


def current_version(running, person_id: str) -> dict:
    versions = history(running, person_id)
    return next(v for v in versions if not v["superseded_at"])


def history(running, person_id: str) -> list[dict]:
    response = running.http.get(f"/api/v1/persons/{person_id}/history", headers=running.headers("counter"))
    assert response.status_code == 200, response.text
    return response.json()["versions"]


def correct(running, body: dict):
    headers = running.headers("backoffice", **{"Idempotency-Key": str(uuid.uuid4())})
    return running.http.post("/api/v1/corrections", json=body, headers=headers)


def insured(running, person_id: str, as_of: str) -> bool:
    view = running.http.get(
        f"/api/v1/persons/{person_id}/qualification", params={"as_of": as_of}, headers=running.headers("counter")
    )
    assert view.status_code == 200, view.text
    return view.json()["insured"]


def test_undoing_a_death_registered_in_error_insures_the_person_again_and_keeps_the_mistake_in_the_history(running):
    house = joined(running, event_date="2026-10-01")
    pid = house["person_ids"][0]
    death = notify(
        running,
        {
            "kind": "leave",
            "reason": "death",
            "household_id": house["household_id"],
            "persons": [{"person_id": pid}],
            "event_date": "2026-11-10",
        },
    )
    assert death.status_code == 201, death.text
    died = current_version(running, pid)
    assert died["lost_on"] == "2026-11-11"

    undone = correct(
        running,
        {
            "period_id": died["period_id"],
            "version_id": died["version_id"],
            "undo": True,
            "correction_reason": "死亡の誤登録",
        },
    )

    assert undone.status_code == 201, undone.text
    period = undone.json()["period"]
    assert (period["void"], period["acquired_on"], period["lost_on"]) == (False, "2026-10-01", None)
    assert period["correction_reason"] == "死亡の誤登録"
    assert any(died["change_id"] in r["summary"] or died["change_id"] in r["facts"].values() for r in period["reasons"])
    assert insured(running, pid, "2026-10-15") and insured(running, pid, "2026-11-20")
    versions = history(running, pid)
    mistake = [v for v in versions if v["version_id"] == died["version_id"]]
    assert mistake and mistake[0]["lost_on"] == "2026-11-11" and mistake[0]["superseded_at"]
    assert current_version(running, pid)["version_id"] == period["version_id"]


def test_undoing_a_join_made_in_error_voids_the_period(running):
    house = joined(running, event_date="2026-10-01")
    pid = house["person_ids"][0]
    join = current_version(running, pid)

    undone = correct(
        running,
        {"period_id": join["period_id"], "version_id": join["version_id"], "undo": True, "correction_reason": "誤加入"},
    )

    assert undone.status_code == 201, undone.text
    assert undone.json()["period"]["void"] is True
    assert not insured(running, pid, "2026-10-15")


def test_an_acquisition_date_before_the_person_was_a_resident_or_born_is_refused_naming_the_rule(running):
    house = joined(running, birth_date="1985-04-02", event_date="2026-10-01")  # a resident since 2026-10-01
    version = current_version(running, house["person_ids"][0])
    body = {"period_id": version["period_id"], "version_id": version["version_id"], "correction_reason": "入力誤り"}

    before_residence = correct(running, {**body, "acquired_on": "2026-09-15"})
    before_birth = correct(running, {**body, "acquired_on": "1985-04-01"})

    assert before_residence.status_code == 422, before_residence.text
    assert before_residence.json()["errors"][0]["rule"] == "ACQ-MOVE-IN"
    assert before_birth.status_code == 422, before_birth.text
    assert before_birth.json()["errors"][0]["rule"] == "ACQ-BIRTH"
    assert current_version(running, house["person_ids"][0])["version_id"] == version["version_id"]


def test_correcting_the_notification_date_recomputes_the_lateness(running):
    house = joined(running, event_date="2026-10-01")  # notified the same day
    version = current_version(running, house["person_ids"][0])

    corrected = correct(
        running,
        {
            "period_id": version["period_id"],
            "version_id": version["version_id"],
            "notified_on": "2026-11-20",
            "correction_reason": "届出日の入力誤り",
        },
    )

    assert corrected.status_code == 201, corrected.text
    answer = corrected.json()
    assert (answer["late"], answer["late_days"]) == (True, 50 - 14)
    notify_14 = [r for r in answer["reasons"] if r["rule_id"] == "NOTIFY-14"]
    assert notify_14 and notify_14[0]["facts"]["late_days"] == "36"


def test_a_correction_of_what_a_certificate_shows_says_which_certificates_to_reissue(running):
    house = joined(running, event_date="2026-10-01")
    version = current_version(running, house["person_ids"][0])

    moved = correct(
        running,
        {
            "period_id": version["period_id"],
            "version_id": version["version_id"],
            "acquired_on": "2026-10-05",
            "correction_reason": "資格取得日の入力誤り",
        },
    )
    assert moved.status_code == 201, moved.text
    reissue = moved.json()["certificates_to_reissue"]
    assert [c["kind"] for c in reissue] == ["eligibility_certificate"]
    assert "CORRECTION" in [r["rule_id"] for r in reissue[0]["reasons"]]

    renamed = correct(
        running,
        {
            "period_id": version["period_id"],
            "version_id": moved.json()["period"]["version_id"],
            "relationship": "世帯主",
            "listing_order": 2,
            "correction_reason": "記載順位の誤り",
        },
    )
    assert renamed.status_code == 201, renamed.text
    assert renamed.json()["certificates_to_reissue"] == []
