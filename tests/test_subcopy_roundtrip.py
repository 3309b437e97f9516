"""Sub-copies with the intermediate server against its simulator, with the real processes: changes → 副本 file → the
simulator registers it → transfer result and the 副本データ対象者一覧; a 副本照会 → answer → the household's pending
burden decision (BURDEN-PENDING) of a mover, which
asked by itself, re-decided; a DV support-measure person never answered automatically (the request
lands in the manual queue and the clerk's decision goes back)."""

from __future__ import annotations

import json
import pathlib
import random
import subprocess
import uuid

import pytest
from scenario_steps import joined
from support import BIN

from nhi_simulators.mynumber import random_my_number

pytestmark = pytest.mark.e2e


def run_job(running, kind: str) -> dict:
    headers = running.headers("batch", **{"Idempotency-Key": str(uuid.uuid4())})
    response = running.http.post("/api/v1/jobs", json={"kind": kind}, headers=headers)
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    assert job_id.startswith("interchange-")

    def finished():
        job = running.http.get(f"/api/v1/jobs/{job_id}", headers=running.headers("batch")).json()
        return job if job["state"] in ("succeeded", "failed") else None

    job = running.wait_for(finished, timeout=60)
    assert job["state"] == "succeeded", job
    return job


def sim(running, *args: str) -> dict:
    """nhi-sim intermediate, on the suite's file directory and one state file for the session."""
    state = pathlib.Path(running.env["INTERCHANGE_FILE_DIR"]).parent / "simulators" / "intermediate.json"
    result = subprocess.run(
        [str(BIN / "nhi-sim"), "intermediate", *args, "--file-dir", running.env["INTERCHANGE_FILE_DIR"]]
        + ["--state", str(state)],
        env=running.env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout) if result.stdout.strip() else {}


def heard(running, person_id: str) -> None:
    """Wait until svc-interchange heard the person's qualification change."""
    backoffice = running.headers("backoffice")

    def pending():
        page = running.http.get(
            "/api/v1/interchange/aggregation/pending", params={"person_id": person_id}, headers=backoffice
        )
        return page.json()["records"]

    running.wait_for(pending)


def transfer_of(running, file_name: str) -> dict:
    page = running.http.get("/api/v1/interchange/subcopy/transfers", headers=running.headers("backoffice"))
    assert page.status_code == 200, page.text
    return next(t for t in page.json()["transfers"] if t["file_name"] == file_name)


def registered(running, person_id: str) -> dict:
    """Transfer the 副本 of every changed person; the simulator registers them; receive the result."""
    heard(running, person_id)
    outbox = pathlib.Path(running.env["INTERCHANGE_FILE_DIR"]) / "intermediate" / "outbox"
    before = {p.name for p in outbox.glob("SUB_*.dat")} if outbox.is_dir() else set()
    job = run_job(running, "subcopy_registration")
    assert job["done"] >= 1
    [name] = {p.name for p in outbox.glob("SUB_*.dat")} - before
    assert transfer_of(running, name)["state"] == "sent"
    assert transfer_of(running, name)["accepted"] is None
    sim(running, "receive")  # or the suite's serve loop took it first: the result is there either way
    assert (outbox.parent / "inbox" / f"RES_{name}").exists()
    run_job(running, "intermediate_receipt")
    return transfer_of(running, name)


def test_changes_become_registered_sub_copies_and_a_query_answer_resolves_the_pending_burden(running):
    rng = random.Random(2026)
    my_number = random_my_number(rng)
    house = joined(running, birth_date="1955-03-10", my_number=my_number)  # 71: 高齢受給者, income unknown
    person_id, household_id = house["person_ids"][0], house["household_id"]
    backoffice = running.headers("backoffice")

    transfer = registered(running, person_id)
    # The file holds every person changed since the last transfer, other tests' of this suite too, whose data the
    # simulator may reject on its own grounds: the file's counts add up, and this person's sub-copy is registered
    # (the target list below).
    assert transfer["state"] in ("registered", "partly_rejected") and transfer["result_at"]
    assert transfer["accepted"] + transfer["rejected"] == transfer["records"] and transfer["accepted"] >= 1
    targets = running.http.get("/api/v1/reports/subcopy_target_list", headers=backoffice).json()
    assert targets["source_connected"] is True
    [row] = [r for r in targets["rows"] if r["person_id"] == person_id]
    assert (row["change_type"], row["transfer_status"], row["item_type"]) == ("新規", "登録済", "国民健康保険資格")
    as_csv = running.http.get("/api/v1/reports/subcopy_target_list", params={"format": "csv"}, headers=backoffice)
    assert as_csv.status_code == 200 and person_id in as_csv.content.decode("utf-8-sig")
    as_pdf = running.http.get("/api/v1/reports/subcopy_target_list", params={"format": "pdf"}, headers=backoffice)
    assert as_pdf.status_code == 200 and as_pdf.content.startswith(b"%PDF")

    # the household's decision is pending: the mover's income is unknown here (2.1.5)
    determination = running.http.post(
        "/api/v1/burden-ratio-determinations",
        json={"household_id": household_id},
        headers=running.headers("backoffice", **{"Idempotency-Key": str(uuid.uuid4())}),
    )
    assert determination.status_code == 201, determination.text
    assert determination.json()["pending"] is True and determination.json()["income_year"] == 2025

    def queries_of_person():
        page = running.http.get(
            "/api/v1/interchange/subcopy/queries", params={"person_id": person_id}, headers=backoffice
        )
        assert page.status_code == 200, page.text
        return page.json()["queries"]

    # the pending decision of a mover asks the previous municipality by itself (2.1.5)
    [automatic] = running.wait_for(queries_of_person)
    assert (automatic["operator_id"], automatic["item"], automatic["state"]) == ("svc-interchange", "income", "queued")

    counter = running.headers("counter", **{"Idempotency-Key": str(uuid.uuid4())})
    queued = running.http.post(
        "/api/v1/interchange/subcopy/queries", json={"person_id": person_id, "item": "income"}, headers=counter
    )
    assert queued.status_code == 202, queued.text
    query = queued.json()
    assert (query["state"], query["income_year"], query["determination_id"]) == ("queued", None, None)
    again = running.http.post(
        "/api/v1/interchange/subcopy/queries", json={"person_id": person_id, "item": "income"}, headers=counter
    )
    assert again.status_code == 202 and again.json()["query_id"] == query["query_id"]  # the same Idempotency-Key
    unknown = running.http.post(
        "/api/v1/interchange/subcopy/queries",
        json={"person_id": "999999999", "item": "income"},
        headers=running.headers("counter"),
    )
    assert unknown.status_code == 404

    # the previous municipality holds the income of 2025 as its 副本
    sim(
        running,
        "seed-income",
        "--my-number",
        my_number,
        "--income-year",
        "2025",
        "--taxable-income",
        "2000000",
        "--gross-income",
        "6000000",
        "--kyu-tadashigaki-income",
        "4000000",
        "--total-income",
        "4000000",
        "--public-pension-income",
        "0",
    )
    sent = run_job(running, "subcopy_query_send")
    assert sent["done"] >= 1
    url = f"/api/v1/interchange/subcopy/queries/{query['query_id']}"
    assert running.http.get(url, headers=backoffice).json()["state"] == "sent"
    sim(running, "receive")
    inbox = pathlib.Path(running.env["INTERCHANGE_FILE_DIR"]) / "intermediate" / "inbox"
    assert list(inbox.glob("ANS_QRY_*.dat"))
    run_job(running, "intermediate_receipt")

    result = running.http.get(url, headers=backoffice).json()
    assert (result["state"], result["income_year"], result["taxable_income"]) == ("answered", 2025, 2000000)
    assert result["pending"] is False and result["ratio_percent"] == 30 and result["determination_id"]
    decided = running.http.post(
        "/api/v1/burden-ratio-determinations",
        json={"household_id": household_id, "dry_run": True},
        headers=backoffice,
    ).json()
    assert (decided["pending"], decided["ratio_percent"]) == (False, 30)
    listed = queries_of_person()
    assert [q["query_id"] for q in listed] == [automatic["query_id"], query["query_id"]]
    assert all(q["state"] == "answered" and q["pending"] is False for q in listed)


def test_a_dv_person_is_never_answered_automatically_and_the_clerks_decision_is_recorded(running):
    dv = joined(running, birth_date="1980-06-01", dv_support=True)["person_ids"][0]
    other = joined(running, birth_date="1982-02-11")["person_ids"][0]
    heard(running, other)
    transfer = registered(running, dv)
    # The file holds other tests' changed persons too, whose data the simulator may reject on its own grounds (as
    # in the test above): this person's registration is read from the target list below.
    assert transfer["state"] in ("registered", "partly_rejected") and transfer["no_auto_answer"] >= 1
    # rule DV: the person is in the target list only for the dv:read scope, with a purpose
    reader = {
        "Authorization": f"Bearer {running.token('backoffice', scopes=('dv:read',))}",
        "X-Purpose": "subcopy-check",
    }
    answer = running.http.get("/api/v1/reports/subcopy_target_list", headers=reader)
    assert answer.status_code == 200, answer.text
    [row] = [r for r in answer.json()["rows"] if r["person_id"] == dv]
    assert row["transfer_status"] == "登録済・自動応答不可"

    automatic = sim(running, "ask", "--person-id", other)
    assert automatic["state"] == "answered_automatically"
    held = sim(running, "ask", "--person-id", dv)
    assert held["state"] == "waiting" and "answer" not in held
    run_job(running, "intermediate_receipt")

    # rule DV: the queue (of DV support-measure persons) is read and decided with dv:read and a purpose only
    queue = "/api/v1/interchange/subcopy/manual-requests"
    without_scope = running.http.get(queue, headers=running.headers("backoffice"))
    assert without_scope.status_code == 403 and without_scope.json()["type"].endswith("/scope-required")
    no_purpose = running.http.get(queue, headers={"Authorization": reader["Authorization"]})
    assert no_purpose.status_code == 400 and no_purpose.json()["type"].endswith("/purpose-required")
    manual_reader = {**reader, "X-Purpose": "manual-answer-check"}
    waiting = running.http.get(queue, params={"state": "waiting"}, headers=manual_reader)
    assert waiting.status_code == 200, waiting.text
    [request] = [r for r in waiting.json()["requests"] if r["request_id"] == held["request_id"]]
    assert (request["person_id"], request["reason"], request["decided_at"]) == (dv, "dv_support", None)
    assert not [r for r in waiting.json()["requests"] if r["person_id"] == other]
    counter = running.http.get(
        queue, headers={**manual_reader, "Authorization": running.headers("counter")["Authorization"]}
    )
    assert counter.status_code == 403

    url = f"{queue}/{held['request_id']}/decision"
    body = {"decision": "refuse", "note": "支援措置中のため提供しない"}
    refused = running.http.post(url, json=body, headers=running.headers("backoffice"))
    assert refused.status_code == 403  # without dv:read
    decided = running.http.post(url, json=body, headers=manual_reader)
    assert decided.status_code == 200, decided.text
    answer = decided.json()
    assert (answer["state"], answer["note"]) == ("refused", body["note"])
    assert answer["decided_by"] and answer["decided_at"] and answer["answer_file"].startswith("MAN_")
    twice = running.http.post(url, json={"decision": "provide"}, headers=manual_reader)
    assert twice.status_code == 409
    wrong = running.http.post(url, json={"decision": "maybe"}, headers=manual_reader)
    assert wrong.status_code == 400

    # svc-interchange's audit log: who listed the person and who decided, and why
    audit = running.http.get(
        "/api/v1/audit-events",
        params={"purpose": "manual-answer-check", "page_size": 100},
        headers=running.headers("auditor"),
    )
    assert audit.status_code == 200, audit.text
    ours = {(e["service"], e["action"], e["detail"]) for e in audit.json()["events"] if dv in e["target_id"].split(",")}
    assert ("interchange", "dv.person_listed", "interchange.subcopy_manual_requests") in ours
    assert ("interchange", "subcopy.manual_decided", f"refused: request {held['request_id']}") in ours

    sim(running, "receive")
    status = sim(running, "status")
    assert status["requests"][held["request_id"]]["state"] == "refused"
    assert held["request_id"] not in status["unexpected_answers"]
