"""What the gateway tests share: tokens for the test app, and the checks of a problem+json answer."""

from __future__ import annotations

from nhi_gateway.auth import mint_token

SECRET = "test-secret-" + "x" * 40  # the secret conftest gives the app


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
