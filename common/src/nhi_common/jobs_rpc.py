"""ListJobs, once for the four services: a page of jobs as the gateway merges them (nhi_common.job_listing)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from nhi.common.v1 import common_pb2

from . import job_listing, paging


def list_jobs(
    request: common_pb2.ListJobsRequest,
    listed: Callable[..., tuple[list[dict[str, Any]], bool]],
    render: Callable[[dict[str, Any]], common_pb2.Job],
) -> common_pb2.ListJobsResponse:
    """A service's ListJobs: the page `listed(kind=, state=, page=)` gives, each job as `render` makes its GetJob."""
    page = paging.parse(request.page.page_size, request.page.cursor, numeric=False)
    found, more = listed(kind=request.kind, state=request.state, page=page)
    return response([render(job) for job in found], more)


def response(jobs: Sequence[common_pb2.Job], more: bool) -> common_pb2.ListJobsResponse:
    """A service's page of jobs, newest first, with the cursor of its last job when more follow."""
    last = jobs[-1] if jobs else None
    return common_pb2.ListJobsResponse(
        jobs=jobs,
        page=common_pb2.PageInfo(
            next_cursor=job_listing.cursor(last.created_at, last.job_id) if more and last is not None else ""
        ),
    )


def fingerprint(request: common_pb2.StartJobRequest) -> bytes:
    """What an Idempotency-Key of StartJob stands for: the request without the key itself (same kind, parameters,
    operator and business date: the same job)."""
    canonical = common_pb2.StartJobRequest()
    canonical.CopyFrom(request)
    canonical.context.idempotency_key = ""
    return canonical.SerializeToString(deterministic=True)
