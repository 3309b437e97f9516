"""A mutation fuzz of what the documents worker consumes (svc-qualification's events into the print queue, the
renewal work queue nhi.jobs.v1.documents) through the real worker, embedded NATS, the database and svc-qualification
faked over gRPC: each mutated message is handled once (queued, refused or its job failed, never delivered again),
the valid messages after it are processed, and no log line names a person.

MESSAGE_FUZZ_CASES (default 30 a consumer) and MESSAGE_FUZZ_SEED: see nhi_devtools.message_fuzz."""

from __future__ import annotations

import dataclasses
import logging
import random

import pytest
import sqlalchemy as sa

from nhi.qualification.v1 import qualification_pb2 as qpb
from nhi.qualification.v1 import qualification_pb2_grpc
from nhi_devtools import message_fuzz, testing
from nhi_documents import bootstrap
from nhi_documents.adapters.store import metadata
from nhi_documents.entrypoints import jobs_worker
from nhi_documents.service_layer.jobs import SUBJECT
from nhi_documents.service_layer.print_queue import CONSUMER

CHANGED = {
    "person_id": "900000001",
    "household_id": "H90000001",
    "change_id": "chg-1",
    "change_kind": "status",
    "effective_date": "2025-08-01",
    "business_date": "2025-08-01",
    "status_kind": "card_registration",
    "status_start": "2025-07-01",
    "status_end": "2025-07-31",
    "name_kanji": message_fuzz.PERSONAL[0],
    "address": {"address": message_fuzz.PERSONAL[1]},
    "birth_date": "1953-05-10",
    "certificates_to_reissue": ["eligibility_certificate"],
    "rule_ids": ["CORRECTION"],
}
TYPES = ("acquired", "lost", "changed", "corrected")


def listing_insured(fake_class):
    """The fake svc-qualification of these tests, with nobody insured: a renewal plans nothing and ends."""

    class Insured(fake_class):
        def ListInsuredPersons(self, request, context):
            return qpb.ListInsuredPersonsResponse(persons=[])

    return Insured()


@pytest.fixture
def fake_qualification(fake_qualification):
    servicer = listing_insured(type(fake_qualification[0]))
    with testing.grpc_server(servicer, qualification_pb2_grpc.add_QualificationServiceServicer_to_server) as address:
        yield servicer, address


@pytest.fixture
def worker(settings, nats_server, tmp_path):
    worker = bootstrap.build_worker(
        dataclasses.replace(
            settings, nats_url=nats_server.url, blob_dir=str(tmp_path / "blobs"), print_dir=str(tmp_path / "print")
        )
    )
    yield worker
    worker.stop()


def claimed(worker) -> set[str]:
    inbox = metadata.tables["inbox"]
    with worker.print_queue.store.engine.connect() as conn:
        return set(conn.scalars(sa.select(inbox.c.event_id).where(inbox.c.consumer == CONSUMER)))


def test_a_hostile_qualification_event_holds_back_no_print_queue_item(worker, nats_server, caplog):
    deliveries = message_fuzz.Deliveries()
    deliveries.watch(worker.events_consumer)
    rng = random.Random(f"{message_fuzz.SEED}-print-queue")
    messages, cases, valid = [], {}, []
    for n, mutation in enumerate(message_fuzz.mutations(CHANGED, rng)):
        kind = TYPES[n % len(TYPES)]
        headers = message_fuzz.headers(type=f"jp.nhi.qualification.{kind}.v1", subject="900000001")
        cases[headers["ce-id"]] = f"{kind}: {mutation.label}"
        messages.append((f"nhi.v1.qualification.{kind}", headers, mutation.body))
        good = message_fuzz.headers(type=f"jp.nhi.qualification.{kind}.v1", subject="900000001")
        valid.append(good["ce-id"])
        messages.append((f"nhi.v1.qualification.{kind}", good, message_fuzz.encode(CHANGED)))
    caplog.set_level(logging.DEBUG)
    worker.start()
    message_fuzz.publish(nats_server.url, messages)
    message_fuzz.check(
        url=nats_server.url,
        stream=jobs_worker.EVENTS_STREAM,
        durable=jobs_worker.EVENTS_DURABLE,
        deliveries=deliveries,
        cases=cases,
        done=lambda: set(valid) <= claimed(worker),
        records=caplog.records,
    )


def test_a_hostile_job_message_holds_back_no_renewal(worker, nats_server, caplog):
    deliveries = message_fuzz.Deliveries()
    deliveries.watch(worker.jobs_consumer)
    caplog.set_level(logging.DEBUG)
    worker.start()
    first = worker.jobs.start(kind="annual_renewal", parameters={}, operator_id="batch-01")["job_id"]
    testing.eventually(lambda: worker.jobs.get(first)["state"] in ("succeeded", "failed"), what="the first job")
    rng = random.Random(f"{message_fuzz.SEED}-documents-jobs")
    messages, cases = [], {}
    for base in (
        {"job_id": first, "step": "plan"},
        {"job_id": first, "chunk_no": 1},
        {"job_id": first, "step": "print", "file_no": 1},
    ):
        for mutation in message_fuzz.mutations(base, rng, max(1, message_fuzz.CASES // 3)):
            headers = message_fuzz.headers(type="jp.nhi.jobs.chunk.v1")
            cases[headers["ce-id"]] = f"{base.get('step', 'chunk')}: {mutation.label}"
            messages.append((SUBJECT, headers, mutation.body))
    message_fuzz.publish(nats_server.url, messages)
    later = [
        worker.jobs.start(kind="annual_renewal", parameters={}, operator_id="batch-01")["job_id"] for _ in range(2)
    ]
    message_fuzz.check(
        url=nats_server.url,
        stream=jobs_worker.JOBS_STREAM,
        durable=jobs_worker.JOBS_DURABLE,
        deliveries=deliveries,
        cases=cases,
        done=lambda: all(worker.jobs.get(j)["state"] in ("succeeded", "failed") for j in later),
        records=caplog.records,
    )
