"""Every operation of the spec, called with a token of each role, against the real gateway and services.

A role the operation's `x-roles` does not list is refused with 403 (problem+json naming the roles allowed); a role it
lists, with the scopes its `x-scopes` lists (and then a purpose), is never refused with 401 or 403, whatever else the
answer is, and without those scopes is refused with 403 scope-required. A POST is sent an empty object, which schema
validation refuses after the role check, so the walk changes nothing.
"""

from __future__ import annotations

import pytest

from nhi_gateway.app import load_spec
from nhi_gateway.tokens import ROLES

pytestmark = pytest.mark.e2e

SPEC = load_spec()
BASE = SPEC["servers"][0]["url"]
OPERATIONS = [
    (
        method.upper(),
        path,
        operation["operationId"].rsplit(".", 1)[-1],
        tuple(operation["x-roles"]),
        tuple(operation.get("x-scopes", ())),
    )
    for path, item in SPEC["paths"].items()
    for method, operation in item.items()
    if method in ("get", "post", "put", "patch", "delete")
]


@pytest.fixture(scope="module")
def tokens(running):
    return {role: running.token(role) for role in ROLES}


def call(running, method: str, path: str, token: str, **extra: str):
    url = BASE + path.replace("{", "").replace("}", "-nobody")  # every path parameter names nothing
    headers = {"Authorization": f"Bearer {token}", **extra}
    if method == "GET":
        return running.http.get(url, headers=headers)
    return running.http.request(method, url, headers=headers, json={})


def test_the_walk_covers_every_operation_and_every_role():
    assert len(OPERATIONS) >= 20 and set(ROLES) == {"counter", "backoffice", "batch", "auditor", "admin"}
    assert all(roles and set(roles) <= set(ROLES) for _m, _p, _o, roles, _s in OPERATIONS)


@pytest.mark.parametrize(
    ("method", "path", "operation", "allowed", "scopes"), OPERATIONS, ids=[o[2] for o in OPERATIONS]
)
def test_each_role_is_let_in_exactly_where_x_roles_lists_it(running, tokens, method, path, operation, allowed, scopes):
    wrong = {}
    for role in ROLES:
        if scopes:
            response = call(running, method, path, running.token(role, scopes=scopes), **{"X-Purpose": "role-walk"})
        else:
            response = call(running, method, path, tokens[role])
        if role in allowed and scopes:
            lacking = call(running, method, path, tokens[role], **{"X-Purpose": "role-walk"})
            if lacking.status_code != 403 or not lacking.json()["type"].endswith("/scope-required"):
                wrong[f"{role} without {' '.join(scopes)}"] = f"{lacking.status_code}: {lacking.text[:300]}"
        if role in allowed:
            if response.status_code in (401, 403):
                wrong[role] = f"{response.status_code} although x-roles lists it: {response.text[:300]}"
        elif response.status_code != 403:
            wrong[role] = f"{response.status_code} although x-roles does not list it: {response.text[:300]}"
        else:
            body = response.json()
            assert response.headers["content-type"].startswith("application/problem+json")
            assert sorted(body["allowed_roles"]) == sorted(allowed)
    assert wrong == {}, f"{method} {path}"
