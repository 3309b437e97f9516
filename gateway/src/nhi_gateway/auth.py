"""Bearer JWTs (HS256): minting, verification, and the any-of role check per operation."""

from __future__ import annotations

import dataclasses
import threading
import time

import jwt
from connexion.exceptions import OAuthProblem
from connexion.security import BearerSecurityHandler

from .problems import Problem
from .tokens import ALGORITHM, MYNUMBER_READ, ROLES, SCOPES, mint_token

__all__ = ["ALGORITHM", "MYNUMBER_READ", "ROLES", "SCOPES", "mint_token", "Principal", "Verifier"]

BUSINESS_DATE_ROLES = frozenset({"backoffice", "batch", "admin"})


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who calls: the token's subject and scopes."""

    sub: str
    scopes: frozenset[str]

    @property
    def roles(self) -> frozenset[str]:
        return self.scopes & frozenset(ROLES)

    def may_set_business_date(self) -> bool:
        return bool(self.roles & BUSINESS_DATE_ROLES)

    @classmethod
    def from_token_info(cls, info: dict) -> "Principal":
        return cls(sub=info["sub"], scopes=frozenset(info["scope"].split()))


class Verifier:
    """Checks tokens for one app: signature, issuer, audience, expiry, then the operation's roles.

    A client sends the same token with every request, so the claims of a token that passed are kept (up to
    CACHE_SIZE tokens) and reused until its `exp`: the signature, issuer, audience and required claims of a given
    token string cannot change, and expiry is checked again on every use. Failures are never kept.
    """

    CACHE_SIZE = 1024

    def __init__(self, secret: str, issuer: str, audience: str, roles_by_operation: dict[str, list[str]]) -> None:
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self._roles = roles_by_operation
        self._verified: dict[str, tuple[dict, int]] = {}  # token -> (claims, exp)
        self._lock = threading.Lock()

    def decode(self, token: str) -> dict:
        cached = self._verified.get(token)
        if cached is not None:
            if time.time() < cached[1]:  # PyJWT's rule: expired once int(exp) <= now
                return dict(cached[0])
            with self._lock:
                self._verified.pop(token, None)
        claims = self._decode(token)  # raises on anything wrong, expiry included
        with self._lock:
            if len(self._verified) >= self.CACHE_SIZE:
                self._verified.pop(next(iter(self._verified)), None)  # the oldest entry
            self._verified[token] = (dict(claims), int(claims["exp"]))
        return claims

    def _decode(self, token: str) -> dict:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["sub", "scope", "iat", "exp"]},
            )
        except jwt.ExpiredSignatureError:
            raise OAuthProblem(detail="the token has expired") from None
        except jwt.InvalidTokenError as exc:
            # The class name says what was wrong (signature, issuer, audience) without echoing the token.
            raise OAuthProblem(detail=f"the token is not valid ({type(exc).__name__})") from None
        if not isinstance(claims.get("scope"), str) or not isinstance(claims.get("sub"), str):
            raise OAuthProblem(detail="the token is not valid (claims)")
        return claims

    def token_info(self, token: str, request=None) -> dict:
        """Connexion's bearer-info function: the claims, or 401 / 403 problems."""
        claims = self.decode(token)
        routing = (request.scope.get("extensions") or {}).get("connexion_routing", {}) if request is not None else {}
        allowed = self._roles.get(routing.get("operation_id") or "", [])
        held = set(claims["scope"].split())
        if not allowed or not held & set(allowed):
            # Operations without x-roles are closed rather than open: a spec mistake must not grant access.
            raise Problem(
                403,
                "the token does not hold a role this operation allows",
                kind="forbidden",
                extra={"allowed_roles": list(allowed)},
            )
        return claims

    def security_map(self) -> dict:
        """Connexion security handlers bound to this verifier (no module-level state)."""
        verifier = self

        class _Bearer(BearerSecurityHandler):
            def _resolve_func(self, security_scheme):
                return verifier.token_info

            def check_bearer_token(self, token_info_func):
                # Connexion's generic check inspects the function's signature on every request to learn whether it
                # takes `request`; ours does, so call it directly.
                async def check(request, token, required_scopes=None):
                    return token_info_func(token, request=request)

                return check

        return {"bearer": _Bearer}


def roles_by_operation(spec: dict) -> dict[str, list[str]]:
    """operationId -> the roles its x-roles lists."""
    out: dict[str, list[str]] = {}
    for item in spec.get("paths", {}).values():
        for op in item.values():
            if isinstance(op, dict) and "operationId" in op:
                out[op["operationId"]] = list(op.get("x-roles", []))
    return out
