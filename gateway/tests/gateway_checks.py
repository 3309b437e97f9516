"""What the gateway tests share: tokens for the test app, the checks of a problem+json answer, the spec's operations."""

from __future__ import annotations

import dataclasses

from nhi_gateway.app import load_spec
from nhi_gateway.auth import mint_token

SECRET = "test-secret-" + "x" * 40  # the secret conftest gives the app
# The jobs each fake service holds, by service name, as a test sets them (GET /jobs merges them; conftest.list_jobs).
JOBS: dict[str, list] = {}


def token(*roles: str, scopes=(), secret: str = SECRET, sub: str = "clerk-01", **kwargs) -> str:
    return mint_token(secret, roles=roles, scopes=scopes, sub=sub, **kwargs)


def auth(*roles: str, scopes=(), sub: str = "clerk-01", **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(*roles, scopes=scopes, sub=sub)}", **headers}


def problem(response, status: int) -> dict:
    """An RFC 9457 answer with this status, a title, a detail and a problem type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["type"].startswith("https://nhi.example/problems/")
    return body


def fields(body: dict) -> list[str]:
    return [e["field"] for e in body.get("errors", [])]


@dataclasses.dataclass(frozen=True)
class Operation:
    method: str
    url: str  # under /api/v1, path parameters filled in with "P1"
    operation_id: str
    roles: tuple[str, ...]
    scopes: tuple[str, ...] = ()  # its x-scopes
    required: tuple[tuple[str, str], ...] = ()  # its other required query parameters, with the spec's example

    def headers(self) -> dict[str, str]:
        """A token of its first role with the scopes it needs (and then a purpose, as rule DV asks)."""
        return auth(self.roles[0], scopes=self.scopes, **({"X-Purpose": "test"} if self.scopes else {}))


def operations_with_query(name: str) -> list[Operation]:
    """Every operation of the spec that takes the query parameter `name`."""
    spec = load_spec()
    shared = spec["components"]["parameters"]
    base = spec["servers"][0]["url"]
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            parameters = [
                shared[p["$ref"].rsplit("/", 1)[-1]] if "$ref" in p else p
                for p in [*item.get("parameters", []), *operation.get("parameters", [])]
            ]
            if any(p["in"] == "query" and p["name"] == name for p in parameters):
                url = base + path
                for p in parameters:
                    if p["in"] == "path":
                        url = url.replace("{" + p["name"] + "}", "P1")
                found.append(
                    Operation(
                        method,
                        url,
                        operation["operationId"].rsplit(".", 1)[-1],
                        tuple(operation["x-roles"]),
                        tuple(operation.get("x-scopes", ())),
                        tuple(
                            (p["name"], str(p.get("example", p.get("schema", {}).get("example", "P1"))))
                            for p in parameters
                            if p["in"] == "query" and p.get("required") and p["name"] != name
                        ),
                    )
                )
    return found
