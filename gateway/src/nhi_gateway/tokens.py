"""Minting bearer tokens; kept free of Connexion so that `nhi-gateway token` starts fast and quietly."""

from __future__ import annotations

import datetime as dt
import typing as t

import jwt

ROLES = ("counter", "backoffice", "batch", "auditor", "admin")
MYNUMBER_READ = "mynumber:read"
DV_READ = "dv:read"  # rule DV: the address of a household with a DV support-measure person
SCOPES = (MYNUMBER_READ, DV_READ)
ALGORITHM = "HS256"


def mint_token(
    secret: str,
    *,
    roles: t.Iterable[str],
    scopes: t.Iterable[str] = (),
    sub: str = "local-operator",
    ttl_hours: float = 12,
    issuer: str = "nhi-local",
    audience: str = "nhi-api",
    now: dt.datetime | None = None,
) -> str:
    """A signed bearer token whose `scope` claim holds the roles and extra scopes."""
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in ROLES] + [s for s in scopes if s not in SCOPES]
    if not roles or unknown:
        raise ValueError(f"need one or more roles of {', '.join(ROLES)}; unknown: {', '.join(unknown) or '-'}")
    issued = now or dt.datetime.now(dt.timezone.utc)
    claims = {
        "sub": sub,
        "scope": " ".join([*roles, *dict.fromkeys(scopes)]),
        "iss": issuer,
        "aud": audience,
        "iat": int(issued.timestamp()),
        "exp": int((issued + dt.timedelta(hours=ttl_hours)).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)
