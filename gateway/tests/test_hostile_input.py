"""Hostile input gets a 4xx problem naming what was wrong, never a 500, and never reaches a backend."""

from __future__ import annotations

import asyncio

import pytest
from gateway_checks import auth, fields, problem

from nhi_gateway import guards
from nhi_gateway.app import load_spec
from nhi_gateway.problems import Problem

BODY_OPERATIONS = ["/api/v1/notifications", "/api/v1/documents", "/api/v1/burden-ratio-determinations"]
BODY_OPERATIONS += ["/api/v1/corrections", "/api/v1/jobs", "/api/v1/income-facts", "/api/v1/certificate-returns"]
JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/persons/x%0A", "person_id"),
        ("/api/v1/persons/x%0A/history", "person_id"),
        ("/api/v1/persons/%0D%0A/qualification", "person_id"),
        ("/api/v1/households/H1%00", "household_id"),
        ("/api/v1/documents/%1F/content", "document_id"),
        ("/api/v1/jobs/J1%7F/results", "job_id"),
        ("/api/v1/persons%0A", "path"),
    ],
)
def test_a_control_character_in_a_path_is_400_naming_the_parameter(client, backends, path, field):
    body = problem(client.get(path, headers=auth("backoffice", "batch")), 400)
    assert fields(body) == [field]
    assert not backends.recorder.requests


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("name_kana=%E3%82%A2%0A", "name_kana"),
        ("name_kana=%E3%82%A2&birth_date=2000-01-01%00", "birth_date"),
        ("name_kana=a%7Fb", "name_kana"),
        ("name_kana=%E3%82%A2&x%1F=1", "x\x1f"),
    ],
)
def test_a_control_character_in_a_query_parameter_is_400_naming_it(client, backends, query, field):
    body = problem(client.get(f"/api/v1/persons?{query}", headers=auth("backoffice")), 400)
    assert fields(body) == [field]
    assert not backends.recorder.requests


def test_a_query_with_percent_escapes_but_no_control_character_goes_through(client, backends):
    answer = client.get("/api/v1/persons?name_kana=%E3%82%A2%20%E3%82%A4", headers=auth("backoffice"))
    assert answer.status_code == 200, answer.text


def test_a_path_no_operation_takes_is_404_not_a_flask_route(client, backends):
    problem(client.get("/api/v1//persons", headers=auth("backoffice")), 404)
    problem(client.get("/api/v1/persons/a%2Fb", headers=auth("backoffice")), 404)
    assert not backends.recorder.requests


@pytest.mark.parametrize("url", BODY_OPERATIONS)
@pytest.mark.parametrize("raw", ["[null, null]", "[]", "12", '"text"', "true", "null"])
def test_a_body_that_is_no_object_is_400_naming_the_body(client, backends, url, raw):
    body = problem(client.post(url, content=raw, headers={**auth("backoffice", "batch"), **JSON}), 400)
    assert fields(body) == ["body"]
    assert not backends.recorder.requests


@pytest.mark.parametrize("url", BODY_OPERATIONS)
def test_json_nested_ten_thousand_deep_is_400(client, backends, url):
    deep = '{"kind": ' + "[" * 10_000 + "]" * 10_000 + "}"
    body = problem(client.post(url, content=deep, headers={**auth("backoffice", "batch"), **JSON}), 400)
    assert fields(body) == ["body"] and "nested too deeply" in body["detail"]
    assert not backends.recorder.requests


@pytest.mark.parametrize("number", ["1" + "0" * 5000, "NaN", "Infinity", "-Infinity"])
def test_a_number_python_cannot_read_is_400(client, backends, number):
    raw = '{"incomes": [{"person_id": "P1", "taxable_income": ' + number + "}]}"
    body = problem(client.post("/api/v1/income-facts", content=raw, headers={**auth("backoffice"), **JSON}), 400)
    assert fields(body) == ["body"]
    assert not backends.recorder.requests


@pytest.mark.parametrize(
    ("url", "role", "body"),
    [
        ("/api/v1/jobs", "batch", b'{"kind": "age75_loss"}'),
        ("/api/v1/print-queue/Q1/printed", "counter", b'{"document_id": "D1"}'),
    ],
)
def test_a_body_without_content_type_is_415_naming_the_header(client, backends, url, role, body):
    response = client.post(url, content=body, headers=auth(role))
    assert fields(problem(response, 415)) == ["Content-Type"]
    assert not backends.recorder.requests


def test_an_empty_body_is_400_naming_the_body(client, backends):
    response = client.post("/api/v1/jobs", content=b"", headers={**auth("batch"), **JSON})
    assert fields(problem(response, 400)) == ["body"]


def test_a_charset_nobody_knows_is_415(client, backends):
    headers = {**auth("batch"), "content-type": "application/json;charset=x-nothing"}
    response = client.post("/api/v1/jobs", content=b'{"kind": "age75_loss"}', headers=headers)
    assert fields(problem(response, 415)) == ["Content-Type"]


def test_a_body_over_the_limit_is_413_by_its_content_length(client, backends):
    raw = b" " * (guards.MAX_BODY_BYTES + 1)
    body = problem(client.post("/api/v1/income-facts", content=raw, headers={**auth("backoffice"), **JSON}), 413)
    assert fields(body) == ["body"] and body["max_bytes"] == guards.MAX_BODY_BYTES
    assert not backends.recorder.requests


def test_a_body_without_content_length_is_cut_off_at_the_limit():
    """The streaming limit: chunks are counted as they come, and the app never sees the byte past the limit."""
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

    scope = {"type": "http", "headers": [(b"transfer-encoding", b"chunked")], "path": "/api/v1/income-facts"}
    with pytest.raises(Problem) as refused:
        asyncio.run(guards.BodyLimit(app, max_bytes=1000)(scope, receive, None))
    assert refused.value.status == 413 and refused.value.ext["max_bytes"] == 1000
    assert sum(seen) <= 1000


CORRECTION = {"period_id": "PD1", "version_id": 2, "correction_reason": "typo"}
NOTIFICATION = {
    "kind": "join",
    "reason": "move_in",
    "household_id": "H1",
    "persons": [{"person_id": "P1"}],
    "event_date": "2026-11-10",
    "notified_on": "2026-11-20",
    "identity_check": {"document_kind": "my_number_card", "checked_by": "clerk-01"},
}


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (
            "/api/v1/income-facts",
            {"incomes": [{"person_id": "P1", "taxable_income": 2**63}]},
            "incomes[0].taxable_income",
        ),
        (
            "/api/v1/income-facts",
            {"incomes": [{"person_id": "P1", "total_income": 10**400}]},
            "incomes[0].total_income",
        ),
        ("/api/v1/income-facts", {"incomes": [{"person_id": "P1", "gross_income": -1}]}, "incomes[0].gross_income"),
        (
            "/api/v1/burden-ratio-determinations",
            {"household_id": "H1", "incomes": [{"person_id": "P1", "public_pension_income": 2**64}]},
            "incomes[0].public_pension_income",
        ),
        ("/api/v1/corrections", {**CORRECTION, "version_id": 2**63}, "version_id"),
        ("/api/v1/corrections", {**CORRECTION, "version_id": 2**31}, "version_id"),
        ("/api/v1/corrections", {**CORRECTION, "listing_order": 2**32}, "listing_order"),
        ("/api/v1/notifications", {**NOTIFICATION, "expected_household_version": 2**63}, "expected_household_version"),
        ("/api/v1/notifications", {**NOTIFICATION, "persons": [{"person_id": "P1"}] * 101}, "persons"),
    ],
)
def test_an_integer_beyond_its_bounds_is_400_naming_it(client, backends, url, body, field):
    answer = problem(client.post(url, json=body, headers=auth("backoffice")), 400)
    assert fields(answer) == [field]
    assert not backends.recorder.requests


def test_every_integer_of_the_spec_has_a_format_and_every_input_integer_its_bounds():
    """What the spec bounds, validation refuses with 400 before a protobuf field overflows."""
    spec = load_spec()

    def integers(node, where, seen=()):
        if isinstance(node, dict):
            if "$ref" in node and node["$ref"] not in seen:
                target = spec
                for part in node["$ref"].lstrip("#/").split("/"):
                    target = target[part]
                yield from integers(target, where, (*seen, node["$ref"]))
            if node.get("type") == "integer":
                yield where, node
            for key, value in node.items():
                yield from integers(value, f"{where}/{key}", seen)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from integers(value, f"{where}/{index}", seen)

    assert [where for where, schema in integers(spec, "") if "format" not in schema] == []
    inputs = [
        (f"{method} {path}", part)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        for part in (operation.get("parameters", []), operation.get("requestBody", {}))
    ]
    unbounded = [
        f"{operation}{where}"
        for operation, part in inputs
        for where, schema in integers(part, "")
        if "minimum" not in schema or "maximum" not in schema
    ]
    assert unbounded == []


def test_a_job_date_out_of_reach_is_400_naming_it(client, backends):
    from nhi_common import errors, rpc

    refusal = errors.InvalidInput("parameters.date", "must lie within a year", code=errors.DATE_OUT_OF_RANGE)
    backends.recorder.fail_with = rpc.from_domain(refusal)
    body = {"kind": "age75_loss", "parameters": {"date": "9999-12-31"}}
    answer = problem(client.post("/api/v1/jobs", json=body, headers=auth("batch")), 400)
    assert fields(answer) == ["parameters.date"] and answer["code"] == errors.DATE_OUT_OF_RANGE


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"date": "2026-02-30"}, "parameters.date"),
        ({"month": "2026-13"}, "parameters.month"),
        ({"x": "1"}, "parameters.x"),
        ({"date": "2026-12-01", "month": "2026-12"}, "parameters"),
    ],
)
def test_a_job_parameter_the_spec_does_not_take_is_400_naming_it(client, backends, parameters, field):
    body = {"kind": "age75_loss", "parameters": parameters}
    answer = problem(client.post("/api/v1/jobs", json=body, headers=auth("batch")), 400)
    assert fields(answer) == [field]
    assert not backends.recorder.requests


@pytest.mark.parametrize("day", ["0034-01-01", "1988-12-31", "2101-01-01", "9999-12-31"])
def test_a_business_date_out_of_the_years_the_rules_know_is_400_naming_the_header(client, backends, day):
    answer = problem(client.get("/api/v1/persons/P1", headers=auth("backoffice", **{"X-Business-Date": day})), 400)
    assert fields(answer) == ["X-Business-Date"]
    assert not backends.recorder.requests


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/income-facts", {"incomes": [{"person_id": "P1"}, {"person_id": "P2\x00"}]}, "incomes[1].person_id"),
        (
            "/api/v1/burden-ratio-determinations",
            {"household_id": "H1\n", "incomes": [{"person_id": "P1"}]},
            "household_id",
        ),
        (
            "/api/v1/burden-ratio-determinations",
            {"household_id": "H1", "incomes": [{"person_id": "\x1fP1"}]},
            "incomes[0].person_id",
        ),
        ("/api/v1/notifications", {**NOTIFICATION, "household_id": "H\x001"}, "household_id"),
        ("/api/v1/notifications", {**NOTIFICATION, "persons": [{"person_id": "P\x7f1"}]}, "persons[0].person_id"),
        ("/api/v1/corrections", {**CORRECTION, "period_id": "Q\r"}, "period_id"),
    ],
)
def test_a_control_character_in_an_id_of_a_body_is_400_naming_it(client, backends, url, body, field):
    """An id in a body is held to what a path's id is (PostgreSQL refuses a NUL in text outright)."""
    answer = problem(client.post(url, json=body, headers=auth("backoffice")), 400)
    assert fields(answer) == [field]
    assert not backends.recorder.requests
