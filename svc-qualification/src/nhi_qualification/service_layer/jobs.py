"""Population batches run as jobs (2.5.1 age75_loss, 8/1 burden_redetermination), cut into chunks.

A job is planned into chunks of key ranges (person_id for age75_loss, household_id for
burden_redetermination), each published as soon as it is cut. Each chunk is one message on
`nhi.jobs.v1.<kind>` (work queue), taken by any worker replica, and processed in one transaction that also
closes the chunk: a redelivered chunk finds itself done and changes nothing. The job ends once its plan is
complete and every chunk is closed. Without a dispatcher the chunks run in a background thread of this process.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from nhi_common import heap, job_listing, logs, paging
from nhi_common.errors import DATE_OUT_OF_RANGE, DomainError, InvalidInput
from nhi_common.events import Event
from nhi_common.offering import offer_until_taken
from nhi_common.plumbing import dumps, utcnow

from ..domain.commands import StartJob, fingerprint
from ..domain.errors import NotFound
from . import age75, burden, burden_batch, queries, views
from .app import App
from .context import Actor
from .unit_of_work import AbstractUnitOfWork

log = logging.getLogger(__name__)

CHUNK_SIZE = 5000
REACH = dt.timedelta(days=366)  # how far from the business date a job's date may lie, either way
AGE75, BURDEN = age75.KIND, burden_batch.KIND
JOB_KINDS = (AGE75, BURDEN)
SUBJECT_PREFIX = "nhi.jobs.v1."
SOURCE = "urn:nhi:svc-qualification"
CHUNK_TYPE = "jp.nhi.jobs.chunk.v1"
PLAN_TYPE = "jp.nhi.jobs.plan.v1"
UNPLANNED_AFTER = dt.timedelta(minutes=1)  # at start, a job queued this long with no plan has its plan sent again

# Publishes job messages, (subject, event) pairs, to the work queue.
Dispatcher = Callable[[list[tuple[str, Event]]], None]


class Jobs:
    """Starts jobs, plans them and runs their chunks; `dispatch` None runs every chunk in a thread of this process."""

    def __init__(self, app: App, *, dispatch: Dispatcher | None = None, chunk_size: int = CHUNK_SIZE) -> None:
        self.app = app
        self.dispatch = dispatch
        self.chunk_size = chunk_size
        self._threads: list[threading.Thread] = []

    def start(self, cmd: StartJob, actor: Actor) -> dict[str, Any]:
        """Queue a job, once per operator and Idempotency-Key (a replay answers the job it queued)."""
        today = self.app.today(actor)
        _check_within_reach(cmd, today)
        params = {"month": cmd.month} if cmd.month else {"date": (cmd.date or today).isoformat()}
        job_id, queued = self._queue(cmd, params, today, actor)
        if not queued:
            return self.get(job_id)
        if self.dispatch is not None:
            self._publish_plan(job_id, cmd.kind)
        else:
            thread = threading.Thread(target=self.run_in_process, args=(job_id,), name=f"job-{job_id[:8]}", daemon=True)
            self._threads.append(thread)
            thread.start()
        return self.get(job_id)

    def _publish_plan(self, job_id: str, kind: str) -> None:
        """Hand the job's plan step to the work queue; while NATS does not take it, keep offering it (the job stays
        queued meanwhile, and a restart finds it again through resume_unplanned)."""
        message = [
            (
                SUBJECT_PREFIX + kind,
                _message(job_id, PLAN_TYPE, job_id, {"job_id": job_id, "kind": kind, "step": "plan"}),
            )
        ]
        thread = offer_until_taken(
            self.dispatch,
            message,
            still_wanted=lambda: self.get(job_id)["state"] == "queued",
            what=f"the plan of job {job_id}",
        )
        if thread is not None:
            self._threads.append(thread)

    def resume_unplanned(self) -> int:
        """At start: send again the plan of every job queued for a while with no chunk (the number of them)."""
        if self.dispatch is None:
            return 0
        with self.app.uow(read_only=True) as uow:
            waiting = uow.jobs.queued_unplanned(utcnow() - UNPLANNED_AFTER)
        for job_id, kind in waiting:
            self._publish_plan(job_id, kind)
        return len(waiting)

    def reoffer_stalled(self, held: Callable[[str], int], *, idle: dt.timedelta) -> list[str]:
        """Offer again the work of each job that has shown no progress for `idle` while the work queue holds no
        message of its kind: its plan and chunk messages were lost (a NATS server that came back without its
        stream). The plan step, sent again, yields every chunk not done, each sent again; a chunk done already
        changes nothing when it comes twice. The ids of the jobs offered again."""
        if self.dispatch is None:
            return []
        with self.app.uow(read_only=True) as uow:
            stalled = uow.jobs.stalled(utcnow() - idle)
        offered, empty = [], {}
        for job_id, kind in stalled:
            subject = SUBJECT_PREFIX + kind
            if subject not in empty:
                empty[subject] = held(subject) == 0
            if not empty[subject]:
                continue  # messages of this kind are queued or being worked on: slow, not lost
            log.warning("job %s: no progress and nothing queued for it; its work not done is offered again", job_id)
            plan = {"job_id": job_id, "kind": kind, "step": "plan"}
            # A new message id: the plan's own could still be inside the work queue's duplicate window.
            self.dispatch([(subject, _message(f"{job_id}.again.{uuid.uuid4().hex[:8]}", PLAN_TYPE, job_id, plan))])
            offered.append(job_id)
        return offered

    def give_up(self, data: dict[str, Any], reason: str) -> None:
        """The work queue's last delivery of a message failed: the job says why, and ends failed."""
        job_id = data["job_id"]
        if data.get("step") == "plan":
            self._fail(job_id, f"could not be planned: {reason}")
        else:
            self._fail_chunk(job_id, int(data["chunk_no"]), f"chunk {data['chunk_no']}: {reason}")

    def _queue(self, cmd: StartJob, params: dict[str, str], today: dt.date, actor: Actor) -> tuple[str, bool]:
        """The job's id, and whether it was queued now (False: the operator's Idempotency-Key had queued it)."""
        request = dumps(fingerprint(cmd)).encode()
        with self.app.uow() as uow:
            if actor.idempotency_key:
                stored = uow.journal.recall(actor.operator_id, actor.idempotency_key, "StartJob", request)
                if stored is not None:
                    return json.loads(stored)["job_id"], False
            job_id = uow.jobs.add(kind=cmd.kind, parameters=params, business_date=today, operator_id=actor.operator_id)
            uow.journal.audit(
                operator_id=actor.operator_id,
                action=f"job.started.{cmd.kind}",
                target_kind="job",
                target_id=job_id,
                detail=dumps(params),
            )
            if actor.idempotency_key:
                answer = json.dumps({"job_id": job_id}).encode()
                uow.journal.remember(actor.operator_id, actor.idempotency_key, "StartJob", request, answer)
            uow.commit()
        return job_id, True

    def get(self, job_id: str) -> dict[str, Any]:
        with self.app.uow(read_only=True) as uow:
            return views.job_dict(_job(uow, job_id))

    def list(self, *, kind: str, state: str, page: paging.Page) -> tuple[list[dict[str, Any]], bool]:
        """A page of this service's jobs, newest first (GET /jobs); and whether more follow."""
        kinds, states = job_listing.kinds(kind, JOB_KINDS), job_listing.states(state)
        with self.app.uow(read_only=True) as uow:
            rows, more = uow.jobs.page(kinds, states, page)
        return [views.job_dict(row) for row in rows], more

    def wait(self, timeout: float | None = None) -> None:
        """Join the in-process job threads (tests, the CLI)."""
        for thread in list(self._threads):
            thread.join(timeout)

    def run_in_process(self, job_id: str) -> None:
        try:
            for chunk_no, _first, _last in list(self.plan(job_id)):  # cut whole first: no key stream left open
                self.run_chunk(job_id, chunk_no)
        except Exception as exc:  # noqa: BLE001 - a background thread: record the failure on the job
            log.exception("job %s failed", job_id)
            self._fail(job_id, logs.describe(exc))

    def handle_message(self, data: dict[str, Any]) -> None:
        """One message of `nhi.jobs.v1.>`: a plan step (cut into chunks, publish each as it is cut) or a chunk."""
        job_id = data["job_id"]
        if data.get("step") != "plan":
            self.run_chunk(job_id, int(data["chunk_no"]))
            return
        try:
            with self.app.uow(read_only=True) as uow:
                kind = _job(uow, job_id).kind  # the chunks' subject is the stored job's kind, not what a message says
            for no, first, last in self.plan(job_id):
                if self.dispatch is not None:
                    chunk = {"job_id": job_id, "kind": kind, "chunk_no": no, "first_key": first, "last_key": last}
                    self.dispatch([(SUBJECT_PREFIX + kind, _message(f"{job_id}.{no}", CHUNK_TYPE, job_id, chunk))])
        except (DomainError, ValueError) as exc:  # the job's own parameters cannot be planned: a retry changes nothing
            log.exception("job %s could not be planned", job_id)
            self._fail(job_id, logs.describe(exc))

    def plan(self, job_id: str) -> Iterator[tuple[int, str, str]]:
        """Cut the job into key ranges and yield the chunks to do, each as soon as it is stored, so that workers
        start on the first ones while the rest is cut (the key query of a large city takes a while).

        Each chunk goes in a short transaction of its own, its keys counted into the job's total; the job's chunk
        count stays 0 until the last one is cut, and a job does not end before that (close_if_complete). A plan cut
        short (the process died, or a publish failed, and the message came again) yields the chunks it had stored
        that are not done and goes on after the last of them; a plan already cut yields its chunks not done."""
        with self.app.uow(read_only=True) as uow:
            job = _job(uow, job_id)
            existing = uow.jobs.chunks(job_id)
        yield from ((r.chunk_no, r.first_key, r.last_key) for r in existing if r.state in ("queued", "running"))
        if job.chunks or job.state in ("succeeded", "failed"):
            return
        after = existing[-1].last_key if existing else None
        number = len(existing)
        with contextlib.ExitStack() as reading:
            # The keys stream on a connection of their own while each chunk is committed on another; where a read
            # cannot go on beside writers (SQLite), they are all read, and the read left, first.
            reader = reading.enter_context(self.app.uow(reading=True))
            keys = self._keys(reader, job.kind, json.loads(job.parameters))
            if not reader.streaming:
                keys = iter(list(keys))
                reading.close()
            for first, last, count in _ranges(keys, self.chunk_size, after=after):
                with self.app.uow() as uow:
                    uow.jobs.add_chunk(job_id, number, first, last, count)
                    uow.commit()
                yield number, first, last
                number += 1
        with self.app.uow() as uow:
            uow.jobs.planned(job_id)
            uow.jobs.close_if_complete(job_id)
            uow.commit()

    def run_chunk(self, job_id: str, chunk_no: int) -> None:
        with self.app.uow() as uow:
            uow.jobs.mark_running(job_id)
            uow.commit()
        try:
            # A chunk holds tens of thousands of new objects until it commits; each full collection they set off walked
            # all the process's older objects too, about a tenth of a burden chunk's CPU.
            with heap.only_newer_objects(), self.app.uow() as uow:
                chunk = uow.jobs.claim(job_id, chunk_no)
                if chunk is None:
                    return  # done already: a redelivery
                uow.tune_for_batch()
                job = uow.jobs.get(job_id)
                run = age75.run_chunk if job.kind == AGE75 else burden_batch.run_chunk
                done, failed = run(uow, job, json.loads(job.parameters), chunk)
                uow.jobs.finish(job_id, chunk_no, done=done, failed=failed)
                uow.commit()
        except Exception as exc:  # noqa: BLE001 - the chunk fails, the job goes on and ends failed
            log.exception("job %s chunk %d failed", job_id, chunk_no)
            self._fail_chunk(job_id, chunk_no, f"chunk {chunk_no}: {logs.describe(exc)}")

    def _fail_chunk(self, job_id: str, chunk_no: int, error: str) -> None:
        with self.app.uow() as uow:
            if uow.jobs.claim(job_id, chunk_no) is not None:
                uow.jobs.finish(job_id, chunk_no, done=0, failed=0, state="failed", error=error)
            uow.commit()

    def results(
        self,
        job_id: str,
        page: paging.Page,
        *,
        person_id: str | None = None,
        household_id: str | None = None,
        actor: Actor | None = None,
    ) -> dict[str, Any]:
        """The job's results, a page at a time: for age75_loss by person (the 75歳到達 対象者一覧), for
        burden_redetermination by household (the determinations it stored). `person_id` and `household_id` narrow
        them to one person or household; a burden job's rows are households', so a person finds the row of the
        household they belong to now. The summary always counts the whole job. An age75_loss row of a DV
        support-measure person is listed only to an actor with dv:read (rule DV; no actor: a batch's own read)."""
        with self.app.uow(read_only=True) as uow:
            job = _job(uow, job_id)
            if job.kind == BURDEN:
                households = {household_id} if household_id else set()
                if person_id:
                    person = uow.persons.get(person_id)
                    households.add(person.household_id if person is not None else "")
                found, cursor = uow.burden.of_job(job_id, page, households=households or None)
                return {
                    "job": views.job_dict(job),
                    "title": burden_batch.TITLE,
                    "rows": [],
                    # A row names its reasons only while pending (result_row): the others are not explained again.
                    "households": [
                        burden_batch.result_row(r) for r in burden.explained(found, lambda r: bool(r.pending))
                    ],
                    "summary": uow.burden.job_summary(job_id),
                    "next_cursor": cursor,
                }
            found, cursor, summary = uow.jobs.results(job_id, page, person_id=person_id, household_id=household_id)
            rows = [age75.result_row(r) for r in found]
            dv = queries.DvListed()
            if actor is not None:
                listed = [r["person_id"] for r in rows]
                dv = queries.dv_listed(actor, *queries.listed_dv(self.app, uow, actor, listed))
        if actor is not None:
            queries.audit_dv_listed(self.app, actor, dv)
        return {
            "job": views.job_dict(job),
            "title": "75歳到達 対象者一覧",
            "rows": [r for r in rows if r["person_id"] not in dv.hidden],
            "households": [],
            "summary": summary,
            "next_cursor": cursor,
        }

    def _keys(self, uow: AbstractUnitOfWork, kind: str, params: dict[str, str]) -> Iterator[str]:
        return age75.keys(uow, params) if kind == AGE75 else burden_batch.keys(uow, params)

    def _fail(self, job_id: str, error: str) -> None:
        with self.app.uow() as uow:
            uow.jobs.fail(job_id, error)
            uow.commit()


def _check_within_reach(cmd: StartJob, today: dt.date) -> None:
    """A job's date or month lies within REACH of the business date: a batch over the population for the year 9999
    is a typing error, refused before anything is queued."""
    first, last = today - REACH, today + REACH
    if cmd.month:
        year, month = (int(x) for x in cmd.month.split("-"))
        day, field = dt.date(year, month, 1), "parameters.month"
        first = first.replace(day=1)
    elif cmd.date is not None:
        day, field = cmd.date, "parameters.date"
    else:
        return
    if not first <= day <= last:
        raise InvalidInput(
            field,
            f"must lie within a year of the business date {today}: from {first} to {last}",
            code=DATE_OUT_OF_RANGE,
        )


def _ranges(keys: Iterator[str], size: int, *, after: str | None) -> Iterator[tuple[str, str, int]]:
    """(first, last, count) of each run of `size` keys of an ordered key stream (the last run may be shorter),
    leaving out the keys up to `after` (those of the chunks a plan cut short had stored)."""
    first = last = None
    count = 0
    for key in keys:
        if after is not None and key <= after:
            continue
        if first is None:
            first = key
        last, count = key, count + 1
        if count == size:
            yield first, last, count
            first, count = None, 0
    if first is not None:
        yield first, last, count


def _job(uow: AbstractUnitOfWork, job_id: str):
    job = uow.jobs.get(job_id)
    if job is None:
        raise NotFound("job", job_id)
    return job


def _message(event_id: str, type_: str, job_id: str, data: dict[str, Any]) -> Event:
    return Event(id=event_id, source=SOURCE, type=type_, subject=job_id, time=utcnow().isoformat(), data=data)
