"""A mutation fuzz of the subjects svc-qualification consumes (nhi.v1.document.issued, its job work queues) through
the real runtime, embedded NATS and the database: each mutated message is handled once (recorded, refused or its
job failed, never delivered again), the valid messages after it are processed, and no log line names a person.

MESSAGE_FUZZ_CASES (default 30 a consumer) and MESSAGE_FUZZ_SEED: see nhi_devtools.message_fuzz."""

from __future__ import annotations

import base64
import logging
import random

import pytest
import sqlalchemy as sa
from clients import Qualification
from records_steps import resident_move_in

from nhi_common import config
from nhi_devtools import message_fuzz, testing
from nhi_qualification import bootstrap
from nhi_qualification.adapters.tables import certificates
from nhi_qualification.domain.commands import StartJob
from nhi_qualification.entrypoints import jobs_worker
from nhi_qualification.service_layer.context import Actor
from nhi_qualification.settings import Settings

ISSUED = {
    "kind": "eligibility_certificate",
    "person_id": "000000001",
    "household_id": "H00000001",
    "certificate_number": "0001",
    "issued_on": "2026-11-05",
    "valid_until": "2027-07-31",
    "document_id": "D0001",
    "name_kanji": message_fuzz.PERSONAL[0],
    "address": message_fuzz.PERSONAL[1],
}
BATCH = Actor("batch-01")


@pytest.fixture(params=testing.backends())
def database(request, tmp_path):
    with testing.database(request.param, tmp_path, "qualification") as found:
        yield found


@pytest.fixture
def runtime(database, nats_server):
    url, schema = database
    env = {
        "QUALIFICATION_DATABASE_URL": url,
        "NATS_URL": nats_server.url,
        "NHI_BUSINESS_DATE": "2026-11-24",
        "NHI_MYNUMBER_KEY": base64.b64encode(b"k" * 32).decode(),
    }
    if schema:
        env["QUALIFICATION_DATABASE_SCHEMA"] = schema
    runtime = bootstrap.build(config.load(Settings, env=env), port=0)
    yield runtime
    runtime.stop()


def hostile(valid: dict, ce_type: str, subject: str, name: str) -> tuple[list, dict]:
    rng = random.Random(f"{message_fuzz.SEED}-{name}")
    messages, cases = [], {}
    for mutation in message_fuzz.mutations(valid, rng):
        headers = message_fuzz.headers(type=ce_type, source="urn:fuzz")
        cases[headers["ce-id"]] = mutation.label
        messages.append((subject, headers, mutation.body))
    return messages, cases


def test_a_hostile_document_event_holds_back_no_certificate(runtime, nats_server, caplog):
    resident_move_in(Qualification(runtime.app))
    [consumer] = [c for c in runtime.consumers if c.durable == "qualification-documents"]
    deliveries = message_fuzz.Deliveries()
    deliveries.watch(consumer)
    messages, cases = hostile(ISSUED, "nhi.v1.document.issued", "nhi.v1.document.issued", "documents")
    documents = [f"V{n:04d}" for n in range(5)]
    for document_id in documents:
        body = message_fuzz.encode({**ISSUED, "document_id": document_id})
        messages.append(("nhi.v1.document.issued", message_fuzz.headers(type="nhi.v1.document.issued"), body))
    caplog.set_level(logging.DEBUG)
    runtime.start()
    message_fuzz.publish(nats_server.url, messages)

    def done() -> bool:
        with runtime.engine.connect() as conn:
            return set(documents) <= set(conn.scalars(sa.select(certificates.c.document_id)))

    message_fuzz.check(
        url=nats_server.url,
        stream="NHI_EVENTS",
        durable="qualification-documents",
        deliveries=deliveries,
        cases=cases,
        done=done,
        records=caplog.records,
    )


def test_a_hostile_job_message_holds_back_no_job(runtime, nats_server, caplog):
    [consumer] = [c for c in runtime.consumers if c.durable == jobs_worker.DURABLE]
    deliveries = message_fuzz.Deliveries()
    deliveries.watch(consumer)
    caplog.set_level(logging.DEBUG)
    runtime.start()
    victim = runtime.jobs.start(StartJob(kind="burden_redetermination"), BATCH)["job_id"]
    testing.eventually(lambda: runtime.jobs.get(victim)["state"] in ("succeeded", "failed"), what="the first job")
    plan = {"job_id": victim, "kind": "burden_redetermination", "step": "plan"}
    chunk = {"job_id": victim, "kind": "burden_redetermination", "chunk_no": 1, "first_key": "", "last_key": "~"}
    messages, cases = hostile(plan, "jp.nhi.jobs.plan.v1", "nhi.jobs.v1.burden_redetermination", "plan")
    more, more_cases = hostile(chunk, "jp.nhi.jobs.chunk.v1", "nhi.jobs.v1.age75_loss", "chunk")
    message_fuzz.publish(nats_server.url, messages + more)
    jobs = [runtime.jobs.start(StartJob(kind="burden_redetermination"), BATCH)["job_id"] for _ in range(3)]

    def done() -> bool:
        return all(runtime.jobs.get(j)["state"] == "succeeded" for j in jobs)

    message_fuzz.check(
        url=nats_server.url,
        stream=jobs_worker.STREAM,
        durable=jobs_worker.DURABLE,
        deliveries=deliveries,
        cases=cases | more_cases,
        done=done,
        records=caplog.records,
    )
