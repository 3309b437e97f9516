"""The check every end-to-end test runs on the gateway's JSON answers catches what a client would trip over."""

from __future__ import annotations

import pytest

from nhi_devtools.spec_check import ResponseChecker, SpecViolation
from nhi_gateway.app import load_spec

CHECKER = ResponseChecker(load_spec())
JOB = {
    "job_id": "J1",
    "kind": "age75_loss",
    "state": "queued",
    "total": 0,
    "done": 0,
    "failed": 0,
    "business_date": "2026-11-24",
    "created_at": "2026-11-24T09:00:00+09:00",
    "finished_at": None,
    "parameters": {"date": "2026-11-24"},
    "error": None,
}


def check(body, status=200, path="/api/v1/jobs/J1", content_type="application/json"):
    CHECKER.check("GET", path, status, content_type, body)


def test_an_answer_as_the_spec_declares_it_passes():
    check(JOB)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"owner": "clerk-01"}, "Additional properties"),  # a field the spec does not declare
        ({"error": ""}, "empty string"),  # "" standing for an absent value
        ({"business_date": "2026-13-01"}, "date"),  # a date that is no date
        ({"total": 1.5}, "integer"),
        ({"finished_at": "yesterday"}, "date-time"),
        ({"state": "paused"}, "paused"),
    ],
)
def test_an_answer_outside_the_spec_is_caught_naming_the_field(change, says):
    with pytest.raises(SpecViolation) as caught:
        check({**JOB, **change})
    assert says in str(caught.value) and f"/{next(iter(change))}" in str(caught.value)


def test_a_status_or_media_type_the_operation_does_not_declare_is_caught():
    with pytest.raises(SpecViolation, match="no text/html answer"):
        check({}, status=200, content_type="text/html")
    check(
        {"type": "https://nhi.example/problems/not-found", "title": "Not Found", "status": 404},
        404,
        content_type="application/problem+json",
    )
