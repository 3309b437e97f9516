"""Bearer JWTs: verification (the issuer's RS256/ES256 tokens, or local HS256 ones), rate limits, and the any-of role
check per operation.

Which tokens are taken follows the settings: with NHI_OIDC_ISSUER, the issuer's tokens, verified with the keys its
JWKS publishes; with NHI_JWT_SECRET and no issuer (`make run`), tokens minted by `nhi-gateway token`; both only when
NHI_JWT_LOCAL_TOKENS=on says so. A token is verified by the source its `alg` belongs to and no other: an HS256 token
never reaches the issuer's public keys (key confusion), an unsigned one (`alg: none`) no source at all.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
import typing as t

import anyio.to_thread
import jwt
from connexion.exceptions import OAuthProblem
from connexion.security import BearerSecurityHandler

from .jwks import KeySet, KeysUnavailable
from .problems import Problem, field_error
from .ratelimit import RateLimiter
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


def _invalid(exc: Exception) -> OAuthProblem:
    if isinstance(exc, jwt.ExpiredSignatureError):
        return OAuthProblem(detail="the token has expired")
    if isinstance(exc, jwt.ImmatureSignatureError):
        return OAuthProblem(detail="the token is not valid yet (nbf)")
    # The class name says what was wrong (signature, issuer, audience) without echoing the token.
    return OAuthProblem(detail=f"the token is not valid ({type(exc).__name__})")


class LocalTokens:
    """HS256 tokens signed with NHI_JWT_SECRET (`make run`, `make token`); their `scope` holds roles and scopes."""

    algorithms = (ALGORITHM,)
    leeway = 0.0  # minted on the gateway's own machine

    def __init__(self, secret: str, issuer: str, audience: str) -> None:
        self._secret, self._issuer, self._audience = secret, issuer, audience

    def decode(self, token: str, header: dict) -> tuple[dict, t.Any]:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["sub", "scope", "iat", "exp"]},
            )
        except jwt.InvalidTokenError as exc:
            raise _invalid(exc) from None
        if not isinstance(claims.get("scope"), str) or not isinstance(claims.get("sub"), str):
            raise OAuthProblem(detail="the token is not valid (claims)")
        return claims, None

    def still_trusted(self, key: t.Any) -> bool:
        return True


def _claim(claims: dict, path: str) -> t.Any:
    """A claim by name, or a nested one by dotted path (`realm_access.roles`); a claim named with dots wins."""
    if path in claims:
        return claims[path]
    node: t.Any = claims
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _names(value: t.Any) -> list[str]:
    """A claim's values: a list of strings, or one space-separated string."""
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


class IssuerTokens:
    """Tokens of the OpenID Connect issuer, signed with a key its JWKS publishes; roles and scopes from the claims
    the settings name (only the names the API knows: ROLES, SCOPES)."""

    def __init__(
        self,
        keys: KeySet,
        *,
        audience: str,
        algorithms: t.Iterable[str],
        roles_claim: str = "roles",
        scope_claim: str = "scope",
        leeway: float = 30,
    ) -> None:
        self.keys = keys
        self.algorithms = tuple(algorithms)
        self._audience = audience
        self._roles_claim, self._scope_claim = roles_claim, scope_claim
        self.leeway = leeway

    @classmethod
    def from_settings(cls, settings, keys: KeySet | None = None) -> "IssuerTokens":
        """The issuer's tokens as the settings describe them (the API's audience, algorithms and claims)."""
        if keys is None:
            keys = KeySet(
                settings.oidc_issuer,
                settings.oidc_jwks_url,
                refresh_seconds=settings.oidc_jwks_refresh_seconds,
                min_refresh_seconds=settings.oidc_jwks_min_refresh_seconds,
            )
        return cls(
            keys,
            audience=settings.jwt_audience,
            algorithms=settings.oidc_algorithm_list,
            roles_claim=settings.oidc_roles_claim,
            scope_claim=settings.oidc_scope_claim,
            leeway=settings.oidc_leeway_seconds,
        )

    def verify(
        self, token: str, header: dict, *, audience: str | None = None, require: t.Iterable[str] = ()
    ) -> tuple[dict, t.Any]:
        """All the claims of a token signed with a key the issuer publishes, for `audience` (default the API's),
        with its issuer, expiry and `sub` checked; raises OAuthProblem (401) or Problem (503) otherwise."""
        alg, kid = header["alg"], header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise OAuthProblem(detail="the token is not valid (kid)")
        try:
            key = self.keys.get(kid)
        except KeysUnavailable:
            raise Problem(503, "the identity provider's keys could not be read; try again later") from None
        if key is None:
            raise OAuthProblem(detail="the token is signed with a key the issuer does not publish")
        family = {"RS": "RSA", "PS": "RSA", "ES": "EC"}.get(alg[:2])
        published_alg = getattr(key, "_jwk_data", {}).get("alg")  # the JWK's own `alg`, when it names one
        if key.key_type != family or published_alg not in (None, alg):
            raise OAuthProblem(detail="the token is not valid (the key is not one for its algorithm)")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                issuer=self.keys.issuer,
                audience=audience or self._audience,
                leeway=self.leeway,
                options={"require": ["sub", "iss", "aud", "exp", *require]},
            )
        except jwt.InvalidTokenError as exc:
            raise _invalid(exc) from None
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise OAuthProblem(detail="the token is not valid (sub)")
        return claims, key

    def decode(self, token: str, header: dict) -> tuple[dict, t.Any]:
        claims, key = self.verify(token, header)
        roles = [r for r in dict.fromkeys(_names(_claim(claims, self._roles_claim))) if r in ROLES]
        scopes = [s for s in dict.fromkeys(_names(_claim(claims, self._scope_claim))) if s in SCOPES]
        info = {"sub": claims["sub"], "scope": " ".join([*roles, *scopes]), "iss": claims["iss"], "exp": claims["exp"]}
        return info, key

    def still_trusted(self, key: t.Any) -> bool:
        return self.keys.holds(key)


class Verifier:
    """Checks tokens for one app: signature, issuer, audience, expiry, the subject's rate, then the operation's roles.

    A client sends the same token with every request, so the claims of a token that passed are kept (up to
    CACHE_SIZE tokens) and reused until its `exp`: the signature, issuer, audience and required claims of a given
    token string cannot change, and expiry is checked again on every use, as is (for the issuer's tokens) that the
    key that signed it is still published. Failures are never kept.
    """

    CACHE_SIZE = 1024

    def __init__(
        self,
        sources: t.Iterable[LocalTokens | IssuerTokens],
        roles_by_operation: dict[str, list[str]],
        rate_limiter: RateLimiter | None = None,
        scopes_by_operation: dict[str, list[str]] | None = None,
    ) -> None:
        self._by_alg = {alg: source for source in sources for alg in source.algorithms}
        self._issuers = [source for source in self._by_alg.values() if isinstance(source, IssuerTokens)]
        self._roles = roles_by_operation
        self._scopes = scopes_by_operation or {}
        self._limiter = rate_limiter
        self._verified: dict[str, tuple[dict, float, t.Any, t.Any]] = {}  # token -> (claims, until, source, key)
        self._lock = threading.Lock()

    @classmethod
    def local(cls, secret: str, issuer: str, audience: str, roles_by_operation: dict[str, list[str]]) -> "Verifier":
        return cls([LocalTokens(secret, issuer, audience)], roles_by_operation)

    @classmethod
    def from_settings(
        cls,
        settings,
        roles_by_operation: dict[str, list[str]],
        scopes_by_operation: dict[str, list[str]] | None = None,
    ) -> "Verifier":
        sources: list[LocalTokens | IssuerTokens] = []
        if settings.oidc_issuer:
            sources.append(IssuerTokens.from_settings(settings))
        if settings.local_tokens_enabled:
            sources.append(LocalTokens(settings.jwt_secret, settings.jwt_issuer, settings.jwt_audience))
        return cls(sources, roles_by_operation, RateLimiter.from_settings(settings), scopes_by_operation)

    def decode(self, token: str) -> dict:
        cached = self._verified.get(token)
        if cached is not None:
            claims, until, source, key = cached
            if time.time() < until and source.still_trusted(key):  # PyJWT's rule: expired once int(exp) <= now
                return dict(claims)
            with self._lock:
                self._verified.pop(token, None)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise _invalid(exc) from None
        alg = header.get("alg")
        source = self._by_alg.get(alg) if isinstance(alg, str) else None
        if source is None:
            raise OAuthProblem(detail="the token is not valid (its algorithm is not one this API takes)")
        claims, key = source.decode(token, header)  # raises on anything wrong, expiry included
        with self._lock:
            if len(self._verified) >= self.CACHE_SIZE:
                self._verified.pop(next(iter(self._verified)), None)  # the oldest entry
            self._verified[token] = (dict(claims), int(claims["exp"]) + source.leeway, source, key)
        return claims

    def may_wait(self, token: str) -> bool:
        """Whether verifying `token` may read the issuer's JWKS over the network: a token not seen before (its
        `kid` may be new), or a periodic read that is due. Such a check runs off the event loop."""
        if not self._issuers:
            return False
        return token not in self._verified or any(source.keys.due() for source in self._issuers)

    def token_info(self, token: str, request=None) -> dict:
        """Connexion's bearer-info function: the claims, or 401 / 403 / 429 problems."""
        claims = self.decode(token)
        held = set(claims["scope"].split())
        if self._limiter is not None:
            self._limiter.check(claims["sub"], held & set(ROLES))
        routing = (request.scope.get("extensions") or {}).get("connexion_routing", {}) if request is not None else {}
        operation_id = routing.get("operation_id") or ""
        allowed = self._roles.get(operation_id, [])
        if not allowed or not held & set(allowed):
            # Operations without x-roles are closed rather than open: a spec mistake must not grant access.
            raise Problem(
                403,
                "the token does not hold a role this operation allows",
                kind="forbidden",
                extra={"allowed_roles": list(allowed)},
            )
        missing = [s for s in self._scopes.get(operation_id, []) if s not in held]
        if missing:
            message = f"this operation needs the scope {' '.join(missing)} besides the role"
            raise Problem(403, message, kind="scope-required", errors=[field_error("scope", message, "scope")])
        return claims

    def security_map(self) -> dict:
        """Connexion security handlers bound to this verifier (no module-level state)."""
        verifier = self

        class _Bearer(BearerSecurityHandler):
            def _resolve_func(self, security_scheme):
                return verifier.token_info

            def check_bearer_token(self, token_info_func):
                # Connexion's generic check inspects the function's signature on every request to learn whether it
                # takes `request`; ours does, so call it directly. A check that may read the issuer's JWKS runs in a
                # worker thread, so that a slow issuer holds up that request only, not the event loop.
                async def check(request, token, required_scopes=None):
                    if verifier.may_wait(token):
                        return await anyio.to_thread.run_sync(
                            functools.partial(token_info_func, token, request=request)
                        )
                    return token_info_func(token, request=request)

                return check

        return {"bearer": _Bearer}


def scopes_by_operation(spec: dict) -> dict[str, list[str]]:
    """operationId -> the scopes its x-scopes lists (every one of them is needed, besides a role)."""
    out: dict[str, list[str]] = {}
    for item in spec.get("paths", {}).values():
        for op in item.values():
            if isinstance(op, dict) and op.get("x-scopes"):
                out[op["operationId"]] = list(op["x-scopes"])
    return out


def roles_by_operation(spec: dict) -> dict[str, list[str]]:
    """operationId -> the roles its x-roles lists."""
    out: dict[str, list[str]] = {}
    for item in spec.get("paths", {}).values():
        for op in item.values():
            if isinstance(op, dict) and "operationId" in op:
                out[op["operationId"]] = list(op.get("x-roles", []))
    return out
