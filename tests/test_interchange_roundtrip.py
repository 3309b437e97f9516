"""The daily aggregation link against the aggregation-system simulator, with the real processes: changes → files →
the simulator accepts and rejects → import → reflection → lists; a re-run of the day from the CronJob's command
gives the same bytes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import pathlib
import subprocess
import uuid
from zoneinfo import ZoneInfo

import pytest
from support import BIN, move_in

pytestmark = pytest.mark.e2e

EVENT_DATE = "2026-11-10"


def join(running, moved: dict) -> dict:
    body = {
        "kind": "join",
        "reason": "move_in",
        "household_id": moved["household_id"],
        "persons": [{"person_id": pid} for pid in moved["person_ids"]],
        "event_date": EVENT_DATE,
        "notified_on": "2026-11-20",
        "identity_check": {"document_kind": "my_number_card", "checked_by": "clerk-01"},
    }
    headers = running.headers("counter", **{"Idempotency-Key": str(uuid.uuid4())})
    response = running.http.post("/api/v1/notifications", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def run_job(running, kind: str, **parameters) -> dict:
    headers = running.headers("batch", **{"Idempotency-Key": str(uuid.uuid4())})
    response = running.http.post("/api/v1/jobs", json={"kind": kind, "parameters": parameters}, headers=headers)
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    assert job_id.startswith("interchange-")

    def finished():
        job = running.http.get(f"/api/v1/jobs/{job_id}", headers=running.headers("batch")).json()
        assert "state" in job, job
        return job if job["state"] in ("succeeded", "failed") else None

    job = running.wait_for(finished, timeout=60)
    assert job["state"] == "succeeded", job
    return job


def outbox(running) -> dict[str, str]:
    root = pathlib.Path(running.env["INTERCHANGE_FILE_DIR"]) / "outbox"
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.iterdir())}


def report(running, kind: str) -> dict:
    response = running.http.get(f"/api/v1/reports/{kind}", headers=running.headers("backoffice"))
    assert response.status_code == 200, response.text
    return response.json()


def test_changes_go_to_the_simulator_and_come_back_as_imported_and_reflected_lists(running, tmp_path):
    moved = move_in(running, members=2, event_date=EVENT_DATE, seed=1010)
    join(running, moved)
    backoffice = running.headers("backoffice")

    def pending():
        found = [
            running.http.get(
                "/api/v1/interchange/aggregation/pending", params={"person_id": pid}, headers=backoffice
            ).json()["records"]
            for pid in moved["person_ids"]
        ]
        return all(found)

    running.wait_for(pending)
    today = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat()
    job = run_job(running, "daily_aggregation", date=today)
    assert job["done"] >= 2
    files = running.http.get("/api/v1/interchange/aggregation/files", headers=backoffice).json()["files"]
    person_file = next(f for f in files if f["kind"] == "person" and f["business_date"] == today)
    assert person_file["records"] >= 2
    delivered = outbox(running)
    assert delivered[person_file["file_name"]] == person_file["sha256"]
    assert not [name for name in delivered if name.startswith(".tmp-")]

    # the aggregation system already holds an open period of the second person at another municipality
    my_number = _my_number(running, moved["person_ids"][1])
    sim_state = str(tmp_path / "aggregation.json")
    _sim(
        running,
        "seed-period",
        "--my-number",
        my_number,
        "--insurer",
        "139006",
        "--acquired-on",
        "20200401",
        "--state",
        sim_state,
    )
    received = _sim(running, "receive", "--state", sim_state)["received"]
    assert received and received[-1]["rejected"] >= 1

    run_job(running, "aggregation_import")
    imports = report(running, "interchange_import_list")
    assert imports["source_connected"] and imports["rows"][-1]["status"] == "取込済"
    results = report(running, "interchange_registration_result_list")["rows"]
    by_key = {r["record_key"].split("/")[0]: r for r in results}
    assert by_key[moved["person_ids"][0]]["applied"] == "反映"
    assert by_key[moved["person_ids"][1]]["applied"] == "不能"
    assert by_key[moved["person_ids"][1]]["reason"].startswith("K101")
    csv = running.http.get(
        "/api/v1/reports/interchange_registration_result_list", params={"format": "csv"}, headers=backoffice
    )
    assert csv.status_code == 200 and "レコード" in csv.content.decode("utf-8-sig").splitlines()[0]

    # the CronJob's command re-runs the same business day: the same bytes
    rerun = subprocess.run(
        [str(BIN / "nhi-interchange"), "run-job", "daily-aggregation", "--date", today],
        env=running.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(rerun.stdout)["state"] == "succeeded"
    assert outbox(running) == delivered


def _my_number(running, person_id: str) -> str:
    headers = {
        "Authorization": f"Bearer {running.token('backoffice', scopes=('mynumber:read',))}",
        "X-Purpose": "aggregation-test-fixture",  # a My Number read says why (audited)
    }
    person = running.http.get(f"/api/v1/persons/{person_id}", headers=headers).json()
    assert person["my_number"] and person["my_number"].isdigit()
    return person["my_number"]


def _sim(running, *args: str) -> dict:
    result = subprocess.run(
        [str(BIN / "nhi-sim"), "aggregation", *args, "--file-dir", running.env["INTERCHANGE_FILE_DIR"]],
        env=running.env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)
