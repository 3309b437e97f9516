"""The jobs of svc-integration (ids "integration-…"), run in a thread: the whole-population inconsistency check and
the daily files of the outbound feeds."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

from nhi_common import job_listing, logs, offering
from nhi_common.errors import DATE_OUT_OF_RANGE, DomainError, InvalidInput, NotFound
from nhi_common.paging import Page
from nhi_common.plumbing import utcnow

from .feed_ports import FeedStore
from .inconsistency import Inconsistencies
from .outbound import OutboundFeeds

log = logging.getLogger(__name__)
JOB_PREFIX = "integration-"
JOB_KINDS = ("inconsistency_check", "outbound_files")
PARAMETERS = {"inconsistency_check": ("date",), "outbound_files": ("date",)}
REACH = dt.timedelta(days=366)  # how far from the business date a job's day may lie, either way, as in every service


class Jobs:
    def __init__(
        self,
        *,
        store: FeedStore,
        inconsistencies: Inconsistencies,
        outbound: OutboundFeeds | None = None,
        spawn: Callable[[Callable[[], None]], None] = None,
        abandonment: offering.Abandonment = offering.Abandonment(),
    ) -> None:
        self.store = store
        self.abandonment = abandonment
        self.inconsistencies = inconsistencies
        self.outbound = outbound
        self.spawn = spawn or (lambda work: threading.Thread(target=work, daemon=True, name="integration-job").start())

    def start(
        self,
        kind: str,
        parameters: dict[str, str],
        *,
        operator_id: str,
        today: dt.date,
        idempotency_key: str = "",
        fingerprint: bytes = b"",
    ) -> dict[str, Any]:
        """Queue the job and run it in the background; the job as stored. Once per operator and Idempotency-Key: a
        replay answers the job the key queued, as it is now, and starts nothing."""
        if kind not in JOB_KINDS:
            raise DomainError("kind", "must be one of " + ", ".join(JOB_KINDS), code="UNKNOWN_JOB_KIND")
        unknown = sorted(set(parameters) - set(PARAMETERS[kind]))
        if unknown:
            raise DomainError(f"parameters.{unknown[0]}", "is not a parameter of this job", code="UNKNOWN_PARAMETER")
        day = today
        if parameters.get("date"):
            try:
                day = dt.date.fromisoformat(parameters["date"])
            except ValueError:
                raise DomainError("parameters.date", "must be a date as YYYY-MM-DD", code="INVALID_DATE") from None
            if not today - REACH <= day <= today + REACH:
                # The year 26 is a date, but the 75th birthdays before it (AGE-75) are not: refused here, not as a
                # job that fails once started.
                raise InvalidInput(
                    "parameters.date",
                    f"must lie within a year of the business date {today}: from {today - REACH} to {today + REACH}",
                    code=DATE_OUT_OF_RANGE,
                )
        job_id = JOB_PREFIX + str(uuid.uuid4())
        with self.store.transaction() as tx:
            if idempotency_key:
                replayed = tx.replayed_job(operator_id, idempotency_key, fingerprint)
                if replayed is not None:
                    return tx.get_job(replayed)
            tx.create_job(job_id=job_id, kind=kind, business_date=day, parameters=parameters, operator_id=operator_id)
            tx.audit(operator_id=operator_id, action="job.started", target_kind="job", target_id=job_id, detail=kind)
            if idempotency_key:
                tx.remember_job(operator_id, idempotency_key, fingerprint, job_id)
            job = tx.get_job(job_id)
        self.spawn(lambda: self.run(job_id, day, kind))
        return job

    def run(self, job_id: str, day: dt.date, kind: str = "inconsistency_check") -> None:
        """Run the job to the end, keeping its progress and beating its heartbeat; a failure is recorded on the job,
        never raised."""
        self._update(job_id, state="running")
        with offering.heartbeat(lambda: self._update(job_id, heartbeat_at=utcnow()), every=self.abandonment.every):
            self._run(job_id, day, kind)

    def fail_abandoned(self) -> list[str]:
        """End failed the jobs whose process is gone (no heartbeat for `abandonment.after` seconds, two minutes by
        default): run by the service's sweeper."""
        with self.store.transaction() as tx:
            ended = tx.fail_abandoned_jobs(self.abandonment.silent_since(utcnow()), self.abandonment.error)
        for job_id in ended:
            log.warning("job %s: no heartbeat for %s; ended failed (interrupted)", job_id, self.abandonment.span)
        return ended

    def _run(self, job_id: str, day: dt.date, kind: str) -> None:
        if kind == "outbound_files":
            self._run_outbound_files(job_id, day)
            return
        try:
            counts = self.inconsistencies.check_population(
                day, job_id=job_id, progress=lambda done: self._update(job_id, done=done, total=done)
            )
        except Exception as exc:  # the job records why it stopped; the operator starts another
            log.exception("job %s failed", job_id)
            self._update(job_id, state="failed", error=logs.describe(exc))
            return
        self._update(job_id, state="succeeded", total=counts["persons"], done=counts["persons"])
        log.info(
            "job %s: %d persons, %d findings (%d new)", job_id, counts["persons"], counts["findings"], counts["new"]
        )

    def _run_outbound_files(self, job_id: str, day: dt.date) -> None:
        try:
            written = self.outbound.write_daily_files(day, progress=lambda done: self._update(job_id, done=done))
        except Exception as exc:  # the job records why it stopped; the operator starts another
            log.exception("job %s failed", job_id)
            self._update(job_id, state="failed", error=logs.describe(exc))
            return
        self._update(job_id, state="succeeded", total=written["records"], done=written["records"])
        log.info("job %s: outbound files %s, %d records", job_id, sorted(written["files"].values()), written["records"])

    def _update(self, job_id: str, **values) -> None:
        with self.store.transaction() as tx:
            tx.update_job(job_id, **values)

    def list(self, *, kind: str, state: str, page: Page) -> tuple[list[dict[str, Any]], bool]:
        """A page of this service's jobs, newest first (GET /jobs); and whether more follow."""
        kinds, states = job_listing.kinds(kind, JOB_KINDS), job_listing.states(state)
        with self.store.transaction() as tx:
            return tx.list_jobs(kinds, states, page)

    def get(self, job_id: str) -> dict[str, Any]:
        with self.store.transaction() as tx:
            job = tx.get_job(job_id)
        if job is None:
            raise NotFound("job", job_id)
        return job
