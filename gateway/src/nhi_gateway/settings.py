"""Settings of the gateway, read once from the environment."""

from __future__ import annotations

import dataclasses

from nhi_common.config import ConfigError, Var, setting

# Named by `nhi-gateway serve` to its worker processes (ratelimit.shared_file), read by each as a setting.
RATE_LIMIT_FILE_VAR = "GATEWAY_RATE_LIMIT_FILE"

LOCAL_TOKEN_MODES = ("auto", "on", "off")
# Asymmetric algorithms only: a shared-secret (HS*) or unsigned ("none") token is never taken on an issuer's word.
ASYMMETRIC = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"})


def _var(name: str, default: str | None, typed: object, help: str) -> dataclasses.Field:
    """A setting with a default of its own, so that code building Settings directly need not name it."""
    return dataclasses.field(default=typed, metadata={"var": Var(name, default, help)})


@dataclasses.dataclass(frozen=True)
class Settings:
    jwt_secret: str | None = setting(
        "NHI_JWT_SECRET",
        None,
        "HS256 secret of locally minted tokens (`make run`, `make token`); taken only without NHI_OIDC_ISSUER "
        "(see NHI_JWT_LOCAL_TOKENS)",
        secret=True,
    )
    host: str = setting("GATEWAY_HOST", "127.0.0.1", "address the HTTP server listens on")
    port: int = setting("GATEWAY_PORT", "8080", "HTTP port")
    jwt_issuer: str = setting("NHI_JWT_ISSUER", "nhi-local", "expected `iss` of locally minted (HS256) tokens")
    jwt_audience: str = setting("NHI_JWT_AUDIENCE", "nhi-api", "expected `aud` of bearer tokens (local and OIDC)")
    qualification_addr: str = setting("QUALIFICATION_ADDR", "127.0.0.1:50051", "address of svc-qualification")
    documents_addr: str = setting("DOCUMENTS_ADDR", "127.0.0.1:50052", "address of svc-documents")
    integration_addr: str = setting("INTEGRATION_ADDR", "127.0.0.1:50053", "address of svc-integration")
    interchange_addr: str = setting("INTERCHANGE_ADDR", "127.0.0.1:50054", "address of svc-interchange")
    grpc_deadline_seconds: float = setting(
        "GRPC_DEADLINE_SECONDS",
        "5",
        "deadline of every outgoing gRPC call (the gateway's operations with a longer `x-deadline-seconds` in the "
        "spec take that)",
    )
    log_level: str = setting("LOG_LEVEL", "INFO", "log level")
    # Last and with a default of its own, so that code building Settings directly need not name it.
    workers: int = dataclasses.field(
        default=1,
        metadata={
            "var": Var(
                "GATEWAY_WORKERS",
                "1",
                "uvicorn worker processes; 2 or more spreads requests over as many processes (cores)",
            )
        },
    )
    # ---- tokens from the municipality's OpenID Connect issuer ----
    oidc_issuer: str | None = _var(
        "NHI_OIDC_ISSUER",
        None,
        None,
        "URL of the OpenID Connect issuer whose tokens (RS256/ES256, verified with its JWKS) the gateway takes; "
        "tokens must name it as `iss` exactly",
    )
    oidc_jwks_url: str | None = _var(
        "NHI_OIDC_JWKS_URL",
        None,
        None,
        "the issuer's JWKS; default the `jwks_uri` of `<issuer>/.well-known/openid-configuration`",
    )
    oidc_algorithms: str = _var(
        "NHI_OIDC_ALGORITHMS", "RS256,ES256", "RS256,ES256", "signature algorithms taken from the issuer (asymmetric)"
    )
    oidc_roles_claim: str = _var(
        "NHI_OIDC_ROLES_CLAIM",
        "roles",
        "roles",
        "claim holding the roles (a list or space-separated; dotted for a nested one, e.g. `realm_access.roles`)",
    )
    oidc_scope_claim: str = _var(
        "NHI_OIDC_SCOPE_CLAIM",
        "scope",
        "scope",
        "claim holding further scopes such as `mynumber:read` (`scope`, or `scp`)",
    )
    oidc_jwks_refresh_seconds: float = _var(
        "NHI_OIDC_JWKS_REFRESH_SECONDS",
        "300",
        300.0,
        "the JWKS is read again this often: a key the issuer stopped publishing is refused from then on",
    )
    oidc_jwks_min_refresh_seconds: float = _var(
        "NHI_OIDC_JWKS_MIN_REFRESH_SECONDS",
        "30",
        30.0,
        "a token naming an unknown key (`kid`) has the JWKS read again at most this often",
    )
    oidc_leeway_seconds: float = _var(
        "NHI_OIDC_LEEWAY_SECONDS", "30", 30.0, "clock skew allowed on `exp` and `nbf` of the issuer's tokens"
    )
    jwt_local_tokens: str = _var(
        "NHI_JWT_LOCAL_TOKENS",
        "auto",
        "auto",
        "HS256 tokens signed with NHI_JWT_SECRET: `auto` takes them only when no NHI_OIDC_ISSUER is set (both set "
        "is a configuration error), `on` takes them beside the issuer's, `off` never",
    )
    # ---- limits ----
    max_body_bytes: int = _var(
        "GATEWAY_MAX_BODY_BYTES",
        "8388608",
        8 * 1024 * 1024,
        "largest request body of an operation without an `x-max-body-bytes` in the spec (413 beyond)",
    )
    rate_limit_per_second: float = _var(
        "GATEWAY_RATE_LIMIT_PER_SECOND",
        "50",
        50.0,
        "requests per second one token subject may sustain (per gateway, all its workers; 0 = no limit); 429 beyond",
    )
    rate_limit_burst: int = _var(
        "GATEWAY_RATE_LIMIT_BURST", "500", 500, "requests one token subject may send at once before the rate applies"
    )
    rate_limits_by_role: str = _var(
        "GATEWAY_RATE_LIMITS_BY_ROLE",
        "",
        "",
        "per-role limits as `role=per_second/burst` (or `role=off`), comma-separated, e.g. `batch=200/2000,"
        "counter=10/100`; a token gets the most generous of its roles' limits, the global one for other roles",
    )
    rate_limit_file: str | None = _var(
        RATE_LIMIT_FILE_VAR,
        None,
        None,
        "set by `nhi-gateway serve` for its worker processes (GATEWAY_WORKERS of 2 or more), not by hand: the file of "
        "the rate-limit buckets they share; unset, a process keeps its own",
    )

    # ---- the clerks' console (/console/) ----
    console_local_signin: str = _var(
        "NHI_CONSOLE_LOCAL_SIGNIN",
        "off",
        "off",
        "`on`: the console offers a role picker that mints a local token (the demo, `make run`); needs NHI_JWT_SECRET. "
        "Never on in production",
    )
    console_session_secret: str | None = _var(
        "NHI_CONSOLE_SESSION_SECRET",
        None,
        None,
        "key signing the console's session cookie; default derived from NHI_JWT_SECRET; required with "
        "NHI_CONSOLE_OIDC_CLIENT_ID when there is no NHI_JWT_SECRET",
    )
    console_cookie_secure: str = _var(
        "NHI_CONSOLE_COOKIE_SECURE",
        "auto",
        "auto",
        "the session cookie's Secure flag: `auto` when the request came over TLS (uvicorn's proxy headers), `on`, `off`",
    )
    console_oidc_client_id: str | None = _var(
        "NHI_CONSOLE_OIDC_CLIENT_ID",
        None,
        None,
        "the console's client id at NHI_OIDC_ISSUER: clerks sign in there (authorization code with PKCE)",
    )
    console_oidc_client_secret: str | None = _var(
        "NHI_CONSOLE_OIDC_CLIENT_SECRET",
        None,
        None,
        "the console's client secret, when the provider registers it as a confidential client",
    )
    console_oidc_redirect_url: str | None = _var(
        "NHI_CONSOLE_OIDC_REDIRECT_URL",
        None,
        None,
        "the redirect URL registered at the provider; default <the request's origin>/console/callback",
    )
    console_oidc_scopes: str = _var(
        "NHI_CONSOLE_OIDC_SCOPES", "openid profile", "openid profile", "scopes the console asks the provider for"
    )

    def __post_init__(self) -> None:
        problems = []
        if self.jwt_local_tokens not in LOCAL_TOKEN_MODES:
            problems.append(f"NHI_JWT_LOCAL_TOKENS must be one of {', '.join(LOCAL_TOKEN_MODES)}")
        elif self.jwt_local_tokens == "on" and not self.jwt_secret:
            problems.append("NHI_JWT_LOCAL_TOKENS=on needs NHI_JWT_SECRET")
        elif self.jwt_local_tokens == "off" and not self.oidc_issuer:
            problems.append("NHI_JWT_LOCAL_TOKENS=off needs NHI_OIDC_ISSUER")
        elif self.jwt_local_tokens == "auto" and self.oidc_issuer and self.jwt_secret:
            problems.append(
                "both NHI_OIDC_ISSUER and NHI_JWT_SECRET are set: unset NHI_JWT_SECRET, or say which tokens to take "
                "with NHI_JWT_LOCAL_TOKENS=off (the issuer's only) or =on (both)"
            )
        elif not self.oidc_issuer and not self.jwt_secret:
            problems.append("NHI_OIDC_ISSUER or NHI_JWT_SECRET is required (the tokens the gateway takes)")
        wrong = [a for a in self.oidc_algorithm_list if a not in ASYMMETRIC]
        if wrong or not self.oidc_algorithm_list:
            problems.append(f"NHI_OIDC_ALGORITHMS takes asymmetric algorithms only, not {', '.join(wrong) or '-'}")
        if self.console_local_signin not in ("on", "off"):
            problems.append("NHI_CONSOLE_LOCAL_SIGNIN must be on or off")
        elif self.console_local_signin == "on" and not self.jwt_secret:
            problems.append("NHI_CONSOLE_LOCAL_SIGNIN=on needs NHI_JWT_SECRET")
        if self.console_cookie_secure not in ("auto", "on", "off"):
            problems.append("NHI_CONSOLE_COOKIE_SECURE must be auto, on or off")
        if self.console_oidc_client_id and not self.oidc_issuer:
            problems.append("NHI_CONSOLE_OIDC_CLIENT_ID needs NHI_OIDC_ISSUER")
        if self.console_oidc_client_id and not (self.console_session_secret or self.jwt_secret):
            problems.append("NHI_CONSOLE_OIDC_CLIENT_ID needs NHI_CONSOLE_SESSION_SECRET (the session cookie's key)")
        if self.max_body_bytes < 1:
            problems.append("GATEWAY_MAX_BODY_BYTES must be 1 or more")
        if self.rate_limit_per_second < 0 or self.rate_limit_burst < 1:
            problems.append("GATEWAY_RATE_LIMIT_PER_SECOND must be 0 or more and GATEWAY_RATE_LIMIT_BURST 1 or more")
        from .ratelimit import parse_role_limits  # here: settings stay importable without the rest of the gateway

        try:
            parse_role_limits(self.rate_limits_by_role)
        except ValueError as exc:
            problems.append(f"GATEWAY_RATE_LIMITS_BY_ROLE: {exc}")
        if problems:
            raise ConfigError("invalid configuration: " + "; ".join(problems))

    @property
    def oidc_algorithm_list(self) -> tuple[str, ...]:
        return tuple(a.strip() for a in self.oidc_algorithms.split(",") if a.strip())

    @property
    def local_tokens_enabled(self) -> bool:
        if self.jwt_local_tokens == "auto":
            return not self.oidc_issuer
        return self.jwt_local_tokens == "on"
