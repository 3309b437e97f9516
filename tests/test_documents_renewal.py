"""The annual renewal (一斉更新) with real processes: two workers, one SIGKILLed mid-job; and the print queue."""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import signal
import subprocess
import time

import pytest
import sqlalchemy as sa
from scenario_steps import joined
from support import BIN, RunningSuite, drop_schemas, postgres_env

from nhi_common import db, logs
from nhi_common.bus import Bus, BusRuntime
from nhi_devtools.suite import Suite, free_port

pytestmark = pytest.mark.timeout(600)

# What CERT-KIND gives one person on the renewal date: a 資格確認書, or a 資格情報のお知らせ (マイナ保険証 registered),
# and a 資格確認書 with a 高齢受給者証 for 70-74.
CERT_KIND_COMBINATIONS = {
    frozenset({"eligibility_certificate"}),
    frozenset({"qualification_notice"}),
    frozenset({"eligibility_certificate", "elderly_recipient_certificate"}),
}


def _suite(tmp_path, households: int, chunk_size: int, env: dict[str, str] | None = None):
    extra = env or {}
    env, schemas = postgres_env()
    env.update(
        {
            "NHI_BUSINESS_DATE": "2026-12-06",
            "DOCUMENTS_JOB_CHUNK_SIZE": str(chunk_size),
            "DOCUMENTS_PRINT_FILE_SHEETS": "10",
            **extra,
        }
    )
    suite = Suite(
        var=tmp_path, gateway_port=free_port(), demo_households=households, documents_workers=0, extra_env=env
    )
    suite.start(timeout=120)
    running = RunningSuite(suite)
    yield running
    running.http.close()
    suite.stop()
    drop_schemas(schemas)


@pytest.fixture()
def suite(tmp_path):
    yield from _suite(tmp_path, households=12, chunk_size=4)


@pytest.fixture()
def long_job_suite(tmp_path):
    """Enough chunks that a worker is still at work when the test kills it, however fast this machine is."""
    yield from _suite(tmp_path, households=60, chunk_size=2)


@pytest.fixture()
def stall_suite(tmp_path):
    """A long job, and a service that offers a job's work again after 3 s with no progress and nothing queued."""
    yield from _suite(tmp_path, households=60, chunk_size=2, env={"NHI_JOB_STALL_SECONDS": "3"})


def _worker(running: RunningSuite, name: str) -> subprocess.Popen:
    log = open(running.suite.var / "log" / f"{name}.log", "ab")  # noqa: SIM115 - the child's for its lifetime
    return subprocess.Popen(
        [str(BIN / "nhi-documents"), "work"],
        env=running.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _documents_db(running: RunningSuite) -> sa.Engine:
    url = running.env.get("DOCUMENTS_DATABASE_URL") or f"sqlite:///{running.suite.var / 'documents.db'}"
    schema = running.env.get("DOCUMENTS_DATABASE_SCHEMA")
    return db.make_engine(url, schema=schema)  # on PostgreSQL in the service's schema, plain SQL text included


def test_a_renewal_worker_killed_mid_job_loses_nothing_and_duplicates_nothing(long_job_suite):
    suite = long_job_suite
    headers = suite.headers("batch")
    first, second = _worker(suite, "documents-worker-a"), _worker(suite, "documents-worker-b")
    try:
        started = suite.http.post(
            "/api/v1/jobs", json={"kind": "annual_renewal", "parameters": {"date": "2027-08-01"}}, headers=headers
        )
        assert started.status_code == 202, started.text
        job_id = started.json()["job_id"]
        assert job_id.startswith("documents-")

        def progressing():
            job = suite.http.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
            return job if job["done"] > 0 else None

        job = suite.wait_for(progressing, timeout=120, interval=0.05)
        assert job["state"] == "running"
        os.killpg(first.pid, signal.SIGKILL)  # mid-job: other chunks are queued or rendering
        first.wait(10)

        def finished():
            job = suite.http.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
            return job if job["state"] in ("succeeded", "failed") else None

        job = suite.wait_for(finished, timeout=400, interval=0.5)  # the dead worker's chunk comes back after ack_wait
        assert job["state"] == "succeeded", job
        assert job["done"] + job["failed"] == job["total"] > 0
    finally:
        for worker in (first, second):
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(15)

    _assert_each_person_considered_and_each_document_issued_once(suite, job_id, job)


def test_a_renewal_whose_queued_chunks_were_lost_with_the_stream_is_offered_again_and_issues_each_document_once(
    stall_suite,
):
    """A NATS server that comes back without NHI_JOBS (a corrupt store, seen in the fault matrix) loses the chunks
    queued and the one a worker was on. svc-documents finds the job with no progress and nothing queued, and offers
    its plan again: the chunks not done go out once more and the job ends as if nothing had happened."""
    suite = stall_suite
    headers = suite.headers("batch")
    first = _worker(suite, "documents-worker-a")
    second = None
    try:
        started = suite.http.post(
            "/api/v1/jobs", json={"kind": "annual_renewal", "parameters": {"date": "2027-08-01"}}, headers=headers
        )
        assert started.status_code == 202, started.text
        job_id = started.json()["job_id"]

        def progressing():
            job = suite.http.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
            return job if job["done"] > 0 else None

        suite.wait_for(progressing, timeout=120, interval=0.05)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        _delete_jobs_stream(suite.env["NATS_URL"])
        second = _worker(suite, "documents-worker-b")

        def finished():
            job = suite.http.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
            return job if job["state"] in ("succeeded", "failed") else None

        job = suite.wait_for(finished, timeout=300, interval=0.5)
        assert job["state"] == "succeeded", job
        assert job["done"] + job["failed"] == job["total"] > 0
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(15)
    log = (suite.suite.var / "log" / "documents.log").read_text()
    # As every log line, masked where twelve digits stand alone (a My Number's shape): a job id whose last group is
    # all digits (one in three hundred) is logged masked.
    assert f"job {logs.redact(job_id)}: no progress and nothing queued for it" in log
    _assert_each_person_considered_and_each_document_issued_once(suite, job_id, job)


def _delete_jobs_stream(nats_url: str) -> None:
    """What a server restarted on a corrupt store does to the work queue: NHI_JOBS, its messages and consumers gone
    (the processes that use it make it again, empty)."""
    runtime = BusRuntime()
    bus = Bus(nats_url, "test-stream-loss")
    try:
        runtime.call(bus.connect())
        runtime.call(bus.js.delete_stream("NHI_JOBS"))
        runtime.call(bus.close())
    finally:
        runtime.stop()


def _assert_each_person_considered_and_each_document_issued_once(suite: RunningSuite, job_id: str, job: dict) -> None:
    engine = _documents_db(suite)
    with engine.connect() as conn:
        items = conn.execute(
            sa.text("SELECT person_id, kind, outcome FROM document_job_items WHERE job_id = :j"), {"j": job_id}
        ).all()
        docs = conn.execute(
            sa.text("SELECT person_id, kind, count(*) FROM documents WHERE job_id = :j GROUP BY person_id, kind"),
            {"j": job_id},
        ).all()
    engine.dispose()
    assert len({i.person_id for i in items}) == job["total"]  # every insured person considered
    issued = {(i.person_id, i.kind) for i in items if i.outcome == "issued"}
    assert issued and {(p, k): n for p, k, n in docs} == dict.fromkeys(issued, 1)  # one document per due kind
    kinds_of: dict[str, set[str]] = {}
    for person_id, kind in issued:
        kinds_of.setdefault(person_id, set()).add(kind)
    assert {frozenset(k) for k in kinds_of.values()} <= CERT_KIND_COMBINATIONS

    print_dir = pathlib.Path(suite.env["DOCUMENTS_PRINT_DIR"]) / job_id
    manifest = json.loads((print_dir / "manifest.json").read_text())
    assert manifest["totals"]["documents"] == len(issued) == sum(manifest["counts_per_kind"].values())
    assert manifest["counts_per_kind"]["eligibility_certificate"] > 0
    assert manifest["totals"]["persons"] == len(kinds_of)
    assert sum(f["documents"] for f in manifest["files"]) == len(issued)
    assert all(f["sheets"] <= 10 for f in manifest["files"])
    assert sorted(p.name for p in print_dir.glob("print-*.pdf")) == [f["name"] for f in manifest["files"]]
    postal = [f["first_postal_code"] for f in manifest["files"]]
    assert postal == sorted(postal)


def test_the_monthly_job_gives_a_elderly_recipient_certificate_to_whoever_becomes_70_74_in_the_month(suite):
    turning_70 = joined(suite, birth_date="1956-12-15", event_date="2026-12-01")  # ELDER-START 2027-01-01
    aged_69 = joined(suite, birth_date="1957-05-10", event_date="2026-12-01")
    aged_72 = joined(suite, birth_date="1954-12-15", event_date="2026-12-01")
    headers = suite.headers("batch")
    worker = _worker(suite, "documents-worker-elderly")
    try:
        started = suite.http.post("/api/v1/jobs", json={"kind": "elderly_certificates"}, headers=headers)
        assert started.status_code == 202, started.text
        job_id = started.json()["job_id"]
        assert started.json()["parameters"] == {"month": "2027-01"}  # the month after the business date

        def finished():
            job = suite.http.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
            return job if job["state"] in ("succeeded", "failed") else None

        job = suite.wait_for(finished, timeout=120, interval=0.2)
        assert job["state"] == "succeeded", job
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(15)

    engine = _documents_db(suite)
    with engine.connect() as conn:
        docs = conn.execute(sa.text("SELECT person_id, kind, id FROM documents WHERE job_id = :j"), {"j": job_id}).all()
    engine.dispose()
    mine = [
        d for d in docs if d.person_id in {*turning_70["person_ids"], *aged_69["person_ids"], *aged_72["person_ids"]}
    ]
    assert [(d.person_id, d.kind) for d in mine] == [(turning_70["person_ids"][0], "elderly_recipient_certificate")]
    assert all(d.kind == "elderly_recipient_certificate" for d in docs)
    document = suite.http.get(f"/api/v1/documents/{mine[0].id}", headers=suite.headers("counter")).json()
    assert (document["issued_on"], document["valid_until"]) == ("2026-12-06", "2027-07-31")  # ELDER-CERT-EXPIRY


def test_an_unknown_job_kind_or_an_impossible_date_is_refused_and_queues_nothing(suite):
    headers = suite.headers("batch")
    unknown = suite.http.post("/api/v1/jobs", json={"kind": "annual_renewals"}, headers=headers)
    assert unknown.status_code == 400
    assert unknown.headers["content-type"].startswith("application/problem+json")
    far = suite.http.post(
        "/api/v1/jobs", json={"kind": "annual_renewal", "parameters": {"date": "2031-08-01"}}, headers=headers
    )
    assert far.status_code == 400, far.text
    assert far.headers["content-type"].startswith("application/problem+json")
    assert far.json()["errors"][0]["field"] == "parameters.date"
    far_month = suite.http.post(
        "/api/v1/jobs", json={"kind": "elderly_certificates", "parameters": {"month": "2028-03"}}, headers=headers
    )
    assert far_month.status_code == 400, far_month.text
    assert far_month.json()["errors"][0]["field"] == "parameters.month"
    engine = _documents_db(suite)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM document_jobs")).scalar() == 0
    engine.dispose()


def test_a_dv_support_measure_puts_an_eligibility_certificate_on_the_print_queue(suite):
    worker = _worker(suite, "documents-worker-q")
    try:
        counter = suite.headers("counter")
        persons = suite.http.get("/api/v1/persons", params={"page_size": 100}, headers=counter).json()["persons"]
        person = next(p for p in persons if p["insured"] and not p["dv_support"])
        notification = {
            "kind": "status",
            "reason": "status",
            "household_id": person["household_id"],
            "persons": [{"person_id": person["person_id"]}],
            "event_date": "2026-12-01",
            "notified_on": "2026-12-06",
            "identity_check": {"document_kind": "my_number_card", "checked_by": "clerk-07"},
            "statuses": [
                {
                    "person_id": person["person_id"],
                    "kind": "dv_support",
                    "start": "2026-12-01",
                    "evidence": ["support_measure_record"],
                }
            ],
        }
        answer = suite.http.post("/api/v1/notifications", json=notification, headers=counter)
        assert answer.status_code in (200, 201), answer.text

        # rule DV: from the status start the person's items are listed only to dv:read, with a purpose
        reader = {"Authorization": f"Bearer {suite.token('counter', scopes=('dv:read',))}", "X-Purpose": "dv-print"}

        def queued():
            page = suite.http.get(
                "/api/v1/print-queue", params={"person_id": person["person_id"]}, headers=reader
            ).json()
            return page["items"] or None

        items = suite.wait_for(queued, timeout=60)
        assert [(i["kind"], i["reason"], i["printed"]) for i in items] == [
            ("eligibility_certificate", "dv_support", False)
        ]
        hidden = suite.http.get("/api/v1/print-queue", params={"person_id": person["person_id"]}, headers=counter)
        assert hidden.status_code == 200 and hidden.json()["items"] == []
        printed = suite.http.post(f"/api/v1/print-queue/{items[0]['item_id']}/printed", json={}, headers=counter)
        assert printed.status_code == 200, printed.text
        assert printed.json()["printed"] is True and printed.json()["printed_by"]
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(15)
    time.sleep(0)


def test_a_job_start_replayed_while_a_worker_renews_answers_and_the_counter_is_served(suite):
    # On SQLite a replayed job start (same Idempotency-Key) once read the stored job in a second transaction while its
    # first still held the write lock: it waited for itself until busy_timeout, a 504 at the gateway, and every other
    # write of svc-documents (the counter's certificates, the worker's chunks) waited behind it.
    person = joined(suite)["person_ids"][0]
    headers = suite.headers("batch", **{"Idempotency-Key": "renewal-2027-08-01"})
    body = {"kind": "annual_renewal", "parameters": {"date": "2027-08-01"}}
    worker = _worker(suite, "documents-worker-replay")
    try:
        started = suite.http.post("/api/v1/jobs", json=body, headers=headers)
        assert started.status_code == 202, started.text
        job_id = started.json()["job_id"]
        again = suite.http.post("/api/v1/jobs", json=body, headers=headers)
        assert again.status_code == 202, again.text
        assert again.json()["job_id"] == job_id

        counter = suite.headers("counter")
        issued = suite.http.post(
            "/api/v1/documents", json={"kind": "eligibility_certificate", "person_id": person}, headers=counter
        )
        assert issued.status_code == 201, issued.text
        fetched = suite.http.get(f"/api/v1/documents/{issued.json()['document_id']}", headers=counter)
        assert fetched.status_code == 200, fetched.text

        def finished():
            job = suite.http.get(f"/api/v1/jobs/{job_id}", headers=suite.headers("batch")).json()
            return job if job["state"] in ("succeeded", "failed") else None

        assert suite.wait_for(finished, timeout=120, interval=0.2)["state"] == "succeeded"
        replayed_after = suite.http.post("/api/v1/jobs", json=body, headers=headers)
        assert replayed_after.status_code == 202, replayed_after.text
        assert (replayed_after.json()["job_id"], replayed_after.json()["state"]) == (job_id, "succeeded")
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(15)

    # A chunk's documents share one blob file; each is fetched by id as its own PDF, the bytes its checksum names.
    engine = _documents_db(suite)
    with engine.connect() as conn:
        issued_ids = (
            conn.execute(
                sa.text("SELECT id FROM documents WHERE job_id = :j ORDER BY certificate_number"), {"j": job_id}
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert len(issued_ids) > 4  # more than one chunk of 4 persons
    for document_id in (issued_ids[0], issued_ids[len(issued_ids) // 2], issued_ids[-1]):
        meta = suite.http.get(f"/api/v1/documents/{document_id}", headers=counter).json()
        content = suite.http.get(f"/api/v1/documents/{document_id}/content", headers=counter)
        assert content.status_code == 200, content.text
        assert content.content.startswith(b"%PDF-") and content.content.rstrip().endswith(b"%%EOF")
        assert hashlib.sha256(content.content).hexdigest() == meta["sha256"]
        assert len(content.content) == meta["size_bytes"]
