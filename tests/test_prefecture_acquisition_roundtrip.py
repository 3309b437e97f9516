"""ACQ-MOVE-IN-PREF end to end, against the aggregation-system simulator, on a suite of its own (its daily runs go
forward in date order, which the shared suite's other tests must not see): a move within the prefecture registered
with a provisional acquisition date → the daily files → the simulator returns the prefecture acquisition date →
連携データ取込 writes it back into svc-qualification → the 連携データ登録結果リスト shows it → the corrected record of the
next day's files is accepted as continuous."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import uuid
from zoneinfo import ZoneInfo

import pytest
from support import BIN, RunningSuite, drop_schemas, move_in, start_suite

pytestmark = pytest.mark.e2e

EVENT_DATE = "2026-11-10"  # the move-in; the other municipality's coverage ended that day
PREFECTURE_ACQUIRED_ON = "2015-04-01"  # what the aggregation system holds for the person in the prefecture


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    started, schemas = start_suite(tmp_path_factory.mktemp("prefecture-suite"), households=5)
    running = RunningSuite(started)
    yield running
    running.http.close()
    started.stop()
    drop_schemas(schemas)


def run_job(running, kind: str, **parameters) -> dict:
    headers = running.headers("batch", **{"Idempotency-Key": str(uuid.uuid4())})
    response = running.http.post("/api/v1/jobs", json={"kind": kind, "parameters": parameters}, headers=headers)
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]

    def finished():
        job = running.http.get(f"/api/v1/jobs/{job_id}", headers=running.headers("batch")).json()
        return job if job.get("state") in ("succeeded", "failed") else None

    job = running.wait_for(finished, timeout=60)
    assert job["state"] == "succeeded", job
    return job


def sim(running, *args: str) -> dict:
    state = str(running.suite.var / "aggregation-sim.json")
    result = subprocess.run(
        [
            str(BIN / "nhi-sim"),
            "aggregation",
            *args,
            "--state",
            state,
            "--file-dir",
            running.env["INTERCHANGE_FILE_DIR"],
        ],
        env=running.env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def pending_records(running, person_id: str) -> list[dict]:
    response = running.http.get(
        "/api/v1/interchange/aggregation/pending",
        params={"person_id": person_id},
        headers=running.headers("backoffice"),
    )
    return response.json()["records"]


def results(running) -> list[dict]:
    response = running.http.get(
        "/api/v1/reports/interchange_registration_result_list", headers=running.headers("backoffice")
    )
    assert response.status_code == 200, response.text
    return response.json()["rows"]


def test_the_prefecture_acquisition_date_returned_is_written_back_listed_and_sent_again_as_continuous(suite):
    running = suite
    moved = move_in(running, members=1, event_date=EVENT_DATE, seed=4711)
    [person_id] = moved["person_ids"]
    join = {
        "kind": "join",
        "reason": "move_in_same_pref",
        "household_id": moved["household_id"],
        "persons": [{"person_id": person_id}],
        "event_date": EVENT_DATE,
        "notified_on": "2026-11-20",
        "identity_check": {"document_kind": "my_number_card", "checked_by": "clerk-01"},
        "prefecture_acquired_on": EVENT_DATE,  # not known at the counter: the move-in date until 集約 answers
    }
    headers = running.headers("counter", **{"Idempotency-Key": str(uuid.uuid4())})
    joined = running.http.post("/api/v1/notifications", json=join, headers=headers)
    assert joined.status_code == 201, joined.text
    running.wait_for(lambda: pending_records(running, person_id))

    reader = {
        "Authorization": f"Bearer {running.token('backoffice', scopes=('mynumber:read',))}",
        "X-Purpose": "aggregation-test-fixture",
    }
    my_number = running.http.get(f"/api/v1/persons/{person_id}", headers=reader).json()["my_number"]
    sim(
        running,
        "seed-period",
        "--my-number",
        my_number,
        "--insurer",
        "139006",
        "--acquired-on",
        PREFECTURE_ACQUIRED_ON.replace("-", ""),
        "--lost-on",
        EVENT_DATE.replace("-", ""),
    )
    today = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date()
    run_job(running, "daily_aggregation", date=today.isoformat())
    [received] = sim(running, "receive")["received"]
    assert (received["accepted"], received["rejected"]) == (1, 0)

    imported = run_job(running, "aggregation_import")
    assert imported["failed"] == 0  # every date returned was taken by svc-qualification
    [row] = [r for r in results(running) if r["record_key"].startswith(f"{person_id}/")]
    assert row["applied"] == "反映"
    assert row["pref_acquired_on"] == f"{PREFECTURE_ACQUIRED_ON}（資格取得日へ反映済）"

    confirmed = running.http.get(
        f"/api/v1/persons/{person_id}/qualification", params={"as_of": "2026-11-20"}, headers=running.headers("counter")
    ).json()
    assert confirmed["insured"] is True
    assert (confirmed["period"]["acquired_on"], confirmed["period"]["coverage_starts_on"]) == (
        PREFECTURE_ACQUIRED_ON,
        EVENT_DATE,
    )
    before = running.http.get(
        f"/api/v1/persons/{person_id}/qualification", params={"as_of": "2026-11-09"}, headers=running.headers("counter")
    ).json()
    assert before["insured"] is False  # covered here from the move-in only
    csv = running.http.get(
        "/api/v1/reports/interchange_registration_result_list",
        params={"format": "csv"},
        headers=running.headers("backoffice"),
    )
    assert csv.status_code == 200 and "都道府県資格取得年月日" in csv.content.decode("utf-8-sig").splitlines()[0]
    decisions = running.http.get(
        "/api/v1/decisions", params={"person_id": person_id}, headers=running.headers("backoffice")
    ).json()["decisions"]
    [written] = [d for d in decisions if d["kind"] == "correction"]
    assert (written["origin"], written["automatic"]) == ("batch", True)
    assert written["correction"]["corrected_fields"] == ["acquired_on"]
    assert written["correction"]["reasons"][0]["rule_id"] == "ACQ-MOVE-IN-PREF"
    # the 資格確認書 prints the 資格取得年月日: issued again, as after a clerk's correction of it
    assert [c["kind"] for c in written["correction"]["certificates_to_reissue"]] == ["eligibility_certificate"]

    def reissue_queued():
        items = running.http.get(
            "/api/v1/print-queue", params={"person_id": person_id}, headers=running.headers("counter")
        ).json()["items"]
        return [i for i in items if i["reason"] == "corrected"]

    [queued] = running.wait_for(reissue_queued, timeout=60)
    assert (queued["kind"], queued["rule_ids"], queued["printed"]) == (
        "eligibility_certificate",
        ["ACQ-MOVE-IN-PREF", "CERT-KIND"],
        False,
    )

    # the correction reaches svc-interchange and the next day's file; the simulator finds it continuous
    running.wait_for(lambda: pending_records(running, person_id))
    run_job(running, "daily_aggregation", date=(today + dt.timedelta(days=1)).isoformat())
    [again] = sim(running, "receive")["received"]
    assert (again["accepted"], again["rejected"]) == (1, 0)
    run_job(running, "aggregation_import")
    rows = [r for r in results(running) if r["record_key"].startswith(f"{person_id}/")]
    assert [r["applied"] for r in rows] == ["反映", "反映"]
    assert rows[1]["pref_acquired_on"] is None  # the file carried the prefecture date already
