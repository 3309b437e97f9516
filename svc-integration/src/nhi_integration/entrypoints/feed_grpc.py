"""The pension, welfare and income imports, the inconsistency list and the jobs over gRPC: translate, nothing more."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from nhi.common.v1 import common_pb2
from nhi.integration.v1 import integration_pb2 as pb
from nhi_common import jobs_rpc, paging
from nhi_common.errors import InvalidInput

from ..service_layer.feed_imports import FeedImports
from ..service_layer.inconsistency import Inconsistencies
from ..service_layer.jobs import Jobs
from ..service_layer.outbound import OutboundFeeds

JST = dt.timezone(dt.timedelta(hours=9))


def business_day(fixed: dt.date | None) -> Callable[[str], dt.date]:
    """The business date of a request: its context's, else the configured one, else today in Japan."""

    def day(requested: str = "") -> dt.date:
        if requested:
            try:
                return dt.date.fromisoformat(requested)
            except ValueError:
                raise InvalidInput("context.business_date", "must be a date", code="INVALID_DATE") from None
        return fixed or dt.datetime.now(JST).date()

    return day


class FeedsApi:
    def __init__(
        self,
        *,
        imports: FeedImports,
        inconsistencies: Inconsistencies,
        jobs: Jobs,
        day: Callable[[str], dt.date],
        outbound: OutboundFeeds | None = None,
    ) -> None:
        self.outbound = outbound
        self.imports = imports
        self.inconsistencies = inconsistencies
        self.jobs = jobs
        self.day = day

    def import_feed(self, request) -> dict:
        return self.imports.import_file(
            source=request.source,
            file_name=request.file_name,
            content=request.content,
            partial=request.partial,
            operator_id=request.context.operator_id or "unknown",
            day=self.day(request.context.business_date),
        )

    def start_job(self, request) -> common_pb2.Job:
        job = self.jobs.start(
            request.kind,
            dict(request.parameters),
            operator_id=request.context.operator_id or "unknown",
            today=self.day(request.context.business_date),
            idempotency_key=request.context.idempotency_key,
            fingerprint=jobs_rpc.fingerprint(request),
        )
        return to_job(job)

    def get_job(self, request) -> common_pb2.Job:
        return to_job(self.jobs.get(request.job_id))

    def list_jobs(self, request) -> common_pb2.ListJobsResponse:
        return jobs_rpc.list_jobs(request, self.jobs.list, to_job)

    def list_inconsistencies(self, request) -> pb.ListInconsistenciesResponse:
        rows, cursor = self.inconsistencies.list(
            state=request.state,
            kind=request.kind,
            person_id=request.person_id,
            page=paging.parse(request.page.page_size, request.page.cursor),
            caller=request.context,
        )
        return pb.ListInconsistenciesResponse(
            inconsistencies=[pb.Inconsistency(**r) for r in rows], page=common_pb2.PageInfo(next_cursor=cursor)
        )

    def resolve_inconsistency(self, request) -> pb.Inconsistency:
        if not request.inconsistency_id:
            raise InvalidInput("inconsistency_id", "is required", code="REQUIRED")
        found = self.inconsistencies.resolve(
            request.inconsistency_id,
            change_id=request.change_id,
            note=request.note[:2000],
            operator_id=request.context.operator_id or "unknown",
            day=self.day(request.context.business_date),
        )
        return pb.Inconsistency(**found)


def to_job(job: dict) -> common_pb2.Job:
    """A job of svc-integration as GET /jobs shows it. Its total is known only as it goes (the population a page at
    a time, the records as they are written): until the job ends it is `planning`, so that no time left is
    promised from a total that is not final."""
    return common_pb2.Job(
        job_id=job["job_id"],
        kind=job["kind"],
        state=job["state"],
        total=job["total"],
        done=job["done"],
        failed=job["failed"],
        business_date=job["business_date"].isoformat(),
        created_at=_iso(job["created_at"]),
        finished_at=_iso(job["finished_at"]),
        parameters=job["parameters"],
        error=job["error"],
        planning=job["state"] in ("queued", "running"),
    )


def _iso(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)).isoformat()
