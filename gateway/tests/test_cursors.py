"""Every list of the spec that takes a cursor hands it to its service as it came, and answers the service's refusal
of a cursor no list gave out as 400 problem+json naming cursor."""

from __future__ import annotations

import pytest
from gateway_checks import auth, fields, operations_with_query, problem

from nhi_common import paging, rpc
from nhi_common.errors import InvalidInput

OPERATIONS = operations_with_query("cursor")
NOT_CURSORS = ["abc", "1" * 30]
MERGED_LISTS = {"/api/v1/audit-events"}  # lists merged from every service, under a cursor of the gateway's
REQUIRED = {"/api/v1/burden-ratio-determinations": {"household_id": "H1"}}  # the query a list cannot go without


def refusal_of(cursor: str) -> rpc.ServiceError:
    """What a service answers for this cursor: the refusal of paging.parse at its gRPC edge."""
    with pytest.raises(InvalidInput) as refused:
        paging.parse(0, cursor)
    return rpc.from_domain(refused.value)


def test_the_spec_has_lists_with_cursors():
    assert {"/api/v1/persons", "/api/v1/interchange/aggregation/pending"} <= {o.url for o in OPERATIONS}


@pytest.mark.parametrize("cursor", NOT_CURSORS)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: f"{o.method.upper()} {o.url}")
def test_a_cursor_no_list_gave_out_is_400_naming_the_cursor(client, backends, operation, cursor):
    backends.recorder.fail_with = refusal_of(cursor)
    response = client.request(
        operation.method,
        operation.url,
        params={"cursor": cursor, **REQUIRED.get(operation.url, {})},
        headers=operation.headers(),
    )
    body = problem(response, 400)
    assert fields(body) == ["cursor"] and body["code"] == "INVALID_CURSOR"
    assert body["type"] == "https://nhi.example/problems/invalid-cursor"
    if operation.url in MERGED_LISTS:  # its cursor is the gateway's own: refused before any service is asked
        assert not backends.recorder.requests
        return
    _method, request = backends.recorder.requests[-1]
    assert request.page.cursor == cursor


def test_a_negative_page_size_the_service_refuses_is_400_too(client, backends):
    with pytest.raises(InvalidInput) as refused:
        paging.parse(-1, "")
    backends.recorder.fail_with = rpc.from_domain(refused.value)
    body = problem(client.get("/api/v1/interchange/aggregation/pending", headers=auth("backoffice")), 400)
    assert fields(body) == ["page_size"]
