"""Limits: the body size each operation takes, the rate of requests per token subject, the deadline of each
operation's backend calls."""

from __future__ import annotations

import asyncio
import time

import pytest
from gateway_checks import auth, fields, problem

from nhi_gateway import guards
from nhi_gateway.app import load_spec
from nhi_gateway.problems import Problem
from nhi_gateway.ratelimit import Rate, RateLimiter, parse_role_limits

JSON = {"content-type": "application/json"}
SPEC = load_spec()
OPERATIONS = {
    op["operationId"].rsplit(".", 2)[-2] + "." + op["operationId"].rsplit(".", 1)[-1]: op
    for item in SPEC["paths"].values()
    for op in item.values()
    if isinstance(op, dict) and "operationId" in op
}


# --- body size per operation --------------------------------------------------------------------


def test_a_body_over_the_operations_own_limit_is_413_naming_that_limit(client, backends):
    limit = OPERATIONS["records.correct"]["x-max-body-bytes"]
    assert limit < guards.MAX_BODY_BYTES
    raw = b" " * (limit + 1)
    body = problem(client.post("/api/v1/corrections", content=raw, headers={**auth("backoffice"), **JSON}), 413)
    assert body["max_bytes"] == limit and fields(body) == ["body"]
    assert f"{limit} bytes this operation takes" in body["detail"]
    # The same body to an operation that takes more is read (and refused for what it is: no JSON object).
    response = client.post("/api/v1/income-facts", content=raw, headers={**auth("backoffice"), **JSON})
    assert problem(response, 400)
    assert not backends.recorder.requests


def test_an_operation_body_without_content_length_is_cut_off_at_the_operations_limit():
    seen: list[int] = []

    async def app(scope, receive, send):
        while True:
            message = await receive()
            seen.append(len(message["body"]))
            if not message.get("more_body"):
                return

    chunks = [{"type": "http.request", "body": b"x" * 400, "more_body": True} for _ in range(10)]

    async def receive():
        return chunks.pop(0)

    scope = {"type": "http", "headers": [], "extensions": {"connexion_routing": {"operation_id": "op"}}}
    with pytest.raises(Problem) as refused:
        asyncio.run(guards.OperationBodyLimit(app, {"op": 1000}, default=10_000)(scope, receive, None))
    assert refused.value.status == 413 and refused.value.ext["max_bytes"] == 1000
    assert sum(seen) <= 1000


def test_an_operation_without_a_limit_of_its_own_takes_the_configured_default(app_with, backends):
    assert "x-max-body-bytes" not in OPERATIONS["feeds.import_feed"]
    with app_with(max_body_bytes=1000).test_client() as client:
        response = client.post(
            "/api/v1/feeds/resident",
            content=b"x" * 1001,
            headers={**auth("backoffice"), "content-type": "text/csv"},
        )
        assert problem(response, 413)["max_bytes"] == 1000
        # The operations that name a larger limit keep it (the limit before routing is the largest of all).
        response = client.post("/api/v1/income-facts", content=b" " * 5000, headers={**auth("backoffice"), **JSON})
        assert problem(response, 400)
    assert not backends.recorder.requests


def test_every_operation_with_a_body_declares_413_and_every_operation_429():
    for name, op in OPERATIONS.items():
        responses = op["responses"]
        assert responses["429"] == {"$ref": "#/components/responses/TooManyRequests"}, name
        if "requestBody" in op:
            assert responses["413"] == {"$ref": "#/components/responses/TooLarge"}, name
    assert "Retry-After" in SPEC["components"]["responses"]["TooManyRequests"]["headers"]


# --- rate per token subject ---------------------------------------------------------------------


def test_a_subject_over_its_rate_is_429_with_retry_after_and_let_in_again_after_it(app_with, backends):
    app = app_with(rate_limit_per_second=2, rate_limit_burst=3, rate_limits_by_role="batch=off,auditor=100/1000")
    with app.test_client() as client:
        for _ in range(3):
            assert client.get("/api/v1/persons/P1", headers=auth("counter", sub="clerk-01")).status_code == 200
        response = client.get("/api/v1/persons/P1", headers=auth("counter", sub="clerk-01"))
        body = problem(response, 429)
        assert body["type"] == "https://nhi.example/problems/too-many-requests"
        assert response.headers["Retry-After"] == "1" and body["retry_after"] == 1
        assert (body["limit_per_second"], body["burst"]) == (2, 3)
        # Another subject has a bucket of its own; a role with a more generous limit gets it; batch has none.
        assert client.get("/api/v1/persons/P1", headers=auth("counter", sub="clerk-02")).status_code == 200
        for _ in range(10):
            assert (
                client.get("/api/v1/persons/P1", headers=auth("counter", "auditor", sub="clerk-03")).status_code == 200
            )
            assert client.get("/api/v1/jobs/J1", headers=auth("batch", sub="night-batch")).status_code == 200
        time.sleep(1.0)
        assert client.get("/api/v1/persons/P1", headers=auth("counter", sub="clerk-01")).status_code == 200


def test_the_bucket_refills_at_its_rate_and_holds_no_more_than_its_burst():
    now = [0.0]
    limiter = RateLimiter(Rate(per_second=10, burst=5), clock=lambda: now[0])
    assert [limiter.wait("s", limiter.default) for _ in range(6)][-2:] == [0.0, pytest.approx(0.1)]
    now[0] += 0.25  # 2.5 requests' worth
    assert [limiter.wait("s", limiter.default) == 0 for _ in range(3)] == [True, True, False]
    now[0] += 60  # a long pause fills the bucket to its burst, no more
    assert sum(limiter.wait("s", limiter.default) == 0 for _ in range(20)) == 5


def test_role_limits_are_read_strictly():
    assert parse_role_limits("batch=200/2000, counter=10/100,admin=off") == {
        "batch": Rate(200, 2000),
        "counter": Rate(10, 100),
        "admin": None,
    }
    for wrong in ("clerk=1/1", "counter=10", "counter=0/10", "counter=fast/10"):
        with pytest.raises(ValueError):
            parse_role_limits(wrong)


# --- deadlines per operation --------------------------------------------------------------------


def test_each_operation_calls_its_backend_with_its_own_deadline(client, backends):
    start_job = OPERATIONS["batches.start_job"]["x-deadline-seconds"]
    assert start_job > backends.settings.grpc_deadline_seconds
    assert client.get("/api/v1/persons/P1", headers=auth("counter")).status_code == 200
    assert client.post("/api/v1/jobs", json={"kind": "age75_loss"}, headers=auth("batch")).status_code in (200, 202)
    left = backends.recorder.time_left
    assert (
        backends.settings.grpc_deadline_seconds - 1 < left["GetPerson"] <= backends.settings.grpc_deadline_seconds + 0.5
    )
    assert start_job - 1 < left["StartJob"] <= start_job + 0.5  # as the server reads it


def test_grpc_deadline_seconds_is_the_deadline_of_the_rest_and_raises_every_deadline_above_it(app_with, backends):
    assert "x-deadline-seconds" not in OPERATIONS["persons.get"]
    with app_with(grpc_deadline_seconds=30.0).test_client() as client:
        assert client.post("/api/v1/jobs", json={"kind": "age75_loss"}, headers=auth("batch")).status_code in (200, 202)
    assert 29 < backends.recorder.time_left["StartJob"] <= 30.5
    with app_with(grpc_deadline_seconds=2.0).test_client() as client:
        assert client.get("/api/v1/persons/P1", headers=auth("counter")).status_code == 200
    assert 1 < backends.recorder.time_left["GetPerson"] <= 2.5
