"""What a request to start a job may ask: dates within reach of the business date, once per Idempotency-Key.

The business date of these tests is 2026-11-24 (conftest); SQLite always, PostgreSQL too when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

import pytest
import sqlalchemy as sa
from clients import Batches

from nhi_common.bus import PermanentError
from nhi_common.errors import DATE_OUT_OF_RANGE, Category
from nhi_qualification.adapters.tables import jobs as job_table
from nhi_qualification.domain.commands import StartJob
from nhi_qualification.domain.errors import IdempotencyReuse
from nhi_qualification.entrypoints import jobs_worker
from nhi_qualification.service_layer.context import Actor
from nhi_qualification.service_layer.jobs import Jobs

BATCH = Actor("batch-01")


@pytest.fixture
def batches(service):
    batches = Batches(service.app)
    yield batches
    batches.jobs.wait(10)


def job_count(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(job_table))


@pytest.mark.parametrize(
    ("kind", "parameters", "field"),
    [
        ("age75_loss", {"date": "9999-12-31"}, "parameters.date"),
        ("age75_loss", {"date": "0001-01-01"}, "parameters.date"),
        ("age75_loss", {"date": "2027-11-26"}, "parameters.date"),
        ("age75_loss", {"month": "2100-01"}, "parameters.month"),
        ("burden_redetermination", {"date": "2025-11-22"}, "parameters.date"),
    ],
)
def test_a_job_date_out_of_a_years_reach_of_the_business_date_is_refused_as_input(
    batches, engine, kind, parameters, field
):
    with pytest.raises(Exception) as refused:
        batches.start_job(kind, parameters, BATCH)
    assert refused.value.field == field and refused.value.code == DATE_OUT_OF_RANGE
    assert refused.value.category is Category.INPUT
    assert job_count(engine) == 0


@pytest.mark.parametrize(
    ("kind", "parameters"),
    [
        ("age75_loss", {"date": "2027-11-24"}),
        ("age75_loss", {"date": "2025-11-24"}),
        ("age75_loss", {"month": "2025-11"}),
        ("age75_loss", {}),
        ("burden_redetermination", {"date": "2026-08-01"}),
    ],
)
def test_a_job_date_within_a_year_is_queued(batches, engine, kind, parameters):
    assert batches.start_job(kind, parameters, BATCH)["state"] in ("queued", "running", "succeeded")
    assert job_count(engine) == 1


def test_a_replayed_key_answers_the_job_it_queued_and_queues_no_other(batches, engine):
    keyed = Actor("batch-01", idempotency_key="run-1")
    first = batches.start_job("age75_loss", {"date": "2026-12-01"}, keyed)
    batches.jobs.wait(10)
    again = batches.start_job("age75_loss", {"date": "2026-12-01"}, keyed)
    assert again["job_id"] == first["job_id"]
    assert job_count(engine) == 1
    with pytest.raises(IdempotencyReuse):
        batches.start_job("age75_loss", {"date": "2026-12-02"}, keyed)
    batches.jobs.wait(10)
    other = batches.start_job("age75_loss", {"date": "2026-12-01"}, Actor("batch-02", idempotency_key="run-1"))
    assert other["job_id"] != first["job_id"]
    assert job_count(engine) == 2


def test_a_job_that_cannot_be_planned_fails_instead_of_being_retried_forever(service, engine):
    """The plan step of a job on the work queue: an error of the job's own parameters ends it failed (and the
    message is acknowledged), where raising would have the queue redeliver it again and again."""
    queued = []
    jobs = Jobs(service.app, dispatch=queued.extend)
    ancient = Actor("batch-01", business_date=dt.date(34, 1, 1))  # persons born in the year -41 reach 75 then
    job = jobs.start(StartJob("age75_loss"), ancient)
    jobs.handle_message(queued[0][1].data)
    failed = jobs.get(job["job_id"])
    assert failed["state"] == "failed" and "ValueError" in failed["error"]


def test_a_plan_nats_does_not_take_is_offered_again_while_the_job_waits_queued(service):
    sent: list = []
    refusals = [2]

    def dispatch(messages):
        if refusals[0]:
            refusals[0] -= 1
            raise ConnectionError("no NATS")
        sent.extend(messages)

    jobs = Jobs(service.app, dispatch=dispatch)
    job = jobs.start(StartJob("age75_loss"), Actor("batch-01"))
    assert job["state"] == "queued" and not job["error"]
    deadline = time.monotonic() + 15
    while not sent and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [(subject, event.data) for subject, event in sent] == [
        ("nhi.jobs.v1.age75_loss", {"job_id": job["job_id"], "kind": "age75_loss", "step": "plan"})
    ]
    assert jobs.get(job["job_id"])["state"] == "queued"


def test_the_last_failed_delivery_ends_the_job_failed_naming_the_cause(service):
    queued: list = []
    jobs = Jobs(service.app, dispatch=queued.extend)
    job = jobs.start(StartJob("age75_loss"), Actor("batch-01"))
    jobs.give_up(queued[0][1].data, "failed 5 times; last: OperationalError: database is locked")
    failed = jobs.get(job["job_id"])
    assert failed["state"] == "failed"
    assert failed["error"] == "could not be planned: failed 5 times; last: OperationalError: database is locked"


def test_at_start_a_job_left_queued_without_a_plan_gets_its_plan_again(service, engine):
    queued: list = []
    jobs = Jobs(service.app, dispatch=lambda messages: None)  # the plan is lost, as when the process died
    old = jobs.start(StartJob("age75_loss"), Actor("batch-01"))["job_id"]
    recent = jobs.start(StartJob("age75_loss", date=dt.date(2026, 12, 1)), Actor("batch-02"))["job_id"]
    with engine.begin() as conn:
        conn.execute(
            sa.update(job_table)
            .where(job_table.c.job_id == old)
            .values(created_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5))
        )
    restarted = Jobs(service.app, dispatch=queued.extend)
    assert restarted.resume_unplanned() == 1
    assert [event.data["job_id"] for _subject, event in queued] == [old]
    assert recent != old


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"job_id": "\x00"}, "field job_id is not a job id"),
        ({"step": "plan", "job_id": "j\x00b"}, "field job_id is not a job id"),
        ({"step": "plan", "job_id": "みどり市若葉町2丁目3番5号"}, "field job_id is not a job id"),
        ({"chunk_no": "0\x00"}, "names no chunk (chunk_no)"),
        ({"chunk_no": 2**63}, "names no chunk (chunk_no)"),
        ({"chunk_no": [1]}, "names no chunk (chunk_no)"),
        ({"chunk_no": 1.5}, "names no chunk (chunk_no)"),
        ({"job_id": None}, "names no job (job_id)"),
    ],
)
def test_a_job_message_naming_no_job_or_chunk_that_could_run_is_refused_for_good(service, change, reason):
    """On PostgreSQL a job id holding a NUL failed each delivery and then the recording of the failure too (the
    message was left on the queue, neither run nor recorded): refused up front, saying why, while the job's own
    messages run as ever."""
    queued: list = []
    jobs = Jobs(service.app, dispatch=queued.extend)
    job = jobs.start(StartJob("age75_loss"), BATCH)
    handle = jobs_worker._handler(jobs)
    [(_subject, plan)] = queued
    chunk = {"job_id": job["job_id"], "kind": "age75_loss", "chunk_no": 0, "first_key": "0", "last_key": "9"}
    with pytest.raises(PermanentError) as refused:
        handle(dataclasses.replace(plan, data={**chunk, **change}), {})
    assert str(refused.value).endswith(reason)
    handle(plan, {})
    assert jobs.get(job["job_id"])["state"] == "succeeded"
