"""Tokens of an OpenID Connect issuer: a test issuer on a local port publishes its discovery document and JWKS, with
RSA and EC keys made here; the gateway verifies with what it publishes, follows a key rotation and refuses what an
attacker or a misconfigured client would send."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from gateway_checks import SECRET, problem
from gateway_checks import token as local_token

from nhi_common import config
from nhi_common.config import ConfigError
from nhi_gateway.jwks import KeySet
from nhi_gateway.settings import Settings

AUDIENCE = "nhi-api"
REFRESH_SECONDS = 1.0  # the test app reads the JWKS again this often


class SigningKey:
    """A key pair of the issuer and the JWK it publishes for it."""

    def __init__(self, kid: str, kind: str = "RSA") -> None:
        self.kid = kid
        if kind == "RSA":
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self.alg = "RS256"
            self.jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        else:
            self.private = ec.generate_private_key(ec.SECP256R1())
            self.alg = "ES256"
            self.jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.private.public_key()))
        self.jwk.update(kid=kid, use="sig", alg=self.alg)

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


class Issuer:
    """http.server in a thread: the discovery document and the JWKS (the keys published now), at the paths an
    issuer with a realm path publishes them."""

    def __init__(self) -> None:
        self.published: list[SigningKey] = []
        self.jwks_reads = 0
        issuer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                if self.path == "/realms/nhi/.well-known/openid-configuration":
                    doc = {"issuer": issuer.url, "jwks_uri": issuer.url + "/protocol/openid-connect/certs"}
                elif self.path == "/realms/nhi/protocol/openid-connect/certs":
                    issuer.jwks_reads += 1
                    doc = {"keys": [key.jwk for key in issuer.published]}
                else:
                    self.send_error(404)
                    return
                raw = json.dumps(doc).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/realms/nhi"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def token(self, key: SigningKey, *, realm_roles=("counter",), scp="openid", sub="clerk-07", **claims) -> str:
        now = int(time.time())
        payload = {
            "iss": self.url,
            "aud": AUDIENCE,
            "sub": sub,
            "iat": now,
            "exp": now + 300,
            "realm_access": {"roles": list(realm_roles)},
            "scp": scp,
            **claims,
        }
        return jwt.encode(payload, key.private, algorithm=key.alg, headers={"kid": key.kid})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def forged(header: dict, claims: dict, key: bytes | None) -> str:
    """A token PyJWT would not make: unsigned, or HMAC-signed with a public key as the secret."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = _b64(hmac.new(key, signing_input.encode(), hashlib.sha256).digest()) if key else ""
    return f"{signing_input}.{signature}"


@pytest.fixture(scope="module")
def issuer():
    issuer = Issuer()
    issuer.rsa, issuer.ec = SigningKey("rsa-2026-11"), SigningKey("ec-2026-11", "EC")
    issuer.published = [issuer.rsa, issuer.ec]
    yield issuer
    issuer.close()


@pytest.fixture(scope="module")
def oidc_app(issuer, app_with):
    """The gateway taking the issuer's tokens only (no local secret), roles from realm_access.roles, scopes from scp."""
    return app_with(
        jwt_secret=None,
        oidc_issuer=issuer.url,
        oidc_roles_claim="realm_access.roles",
        oidc_scope_claim="scp",
        oidc_jwks_refresh_seconds=REFRESH_SECONDS,
        oidc_jwks_min_refresh_seconds=0.0,
    )


@pytest.fixture
def client(oidc_app, backends, issuer):
    backends.recorder.requests.clear()
    issuer.published = [issuer.rsa, issuer.ec]
    with oidc_app.test_client() as test_client:
        yield test_client


def get(client, token: str, path: str = "/api/v1/persons/P1", **params):
    return client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})


def test_rs256_and_es256_tokens_of_the_issuer_are_taken_with_roles_and_scopes_from_the_configured_claims(
    client, issuer, backends
):
    assert get(client, issuer.token(issuer.rsa)).status_code == 200
    assert get(client, issuer.token(issuer.ec)).status_code == 200
    # mynumber:read comes from `scp`; a name the API does not know (openid, a role of another system) is dropped.
    token = issuer.token(issuer.ec, realm_roles=("counter", "realm-admin"), scp="openid mynumber:read", sub="clerk-09")
    response = client.get("/api/v1/persons/P1", headers={"Authorization": f"Bearer {token}", "X-Purpose": "test"})
    assert response.status_code == 200, response.text
    context = backends.recorder.last("GetPerson").context
    assert (context.operator_id, list(context.scopes)) == ("clerk-09", ["counter", "mynumber:read"])
    # Without a role of the operation in realm_access.roles: 403.
    assert problem(get(client, issuer.token(issuer.rsa, realm_roles=("offline_access",))), 403)["allowed_roles"]


def test_a_rotated_key_is_taken_beside_the_old_one_and_the_old_one_refused_once_withdrawn(client, issuer):
    old, new = issuer.rsa, SigningKey("rsa-2026-12")
    before_rotation = issuer.token(old)
    assert get(client, before_rotation).status_code == 200
    # The issuer publishes the new key beside the old one and signs with the new one: a kid the gateway has not
    # seen has it read the JWKS again; tokens of both keys are taken while both are published.
    issuer.published = [old, new, issuer.ec]
    assert get(client, issuer.token(new)).status_code == 200
    assert get(client, issuer.token(old)).status_code == 200
    assert get(client, before_rotation).status_code == 200
    # The old key is withdrawn; after the next periodic read of the JWKS its tokens are refused, a token verified
    # (and kept) before as well, while the new key's are still taken.
    issuer.published = [new, issuer.ec]
    time.sleep(REFRESH_SECONDS + 0.2)
    assert get(client, issuer.token(new)).status_code == 200
    for token in (before_rotation, issuer.token(old)):
        body = problem(get(client, token), 401)
        assert body["type"] == "https://nhi.example/problems/unauthenticated"
        assert "key" in body["detail"]
    issuer.rsa = new


@pytest.mark.parametrize(
    ("claims", "detail"),
    [
        ({"iss": "https://idp.example/realms/other"}, "InvalidIssuerError"),
        ({"aud": "another-api"}, "InvalidAudienceError"),
        # times relative to the moment the test runs (not when it was collected): beyond the 30 s leeway
        ({"exp": -120}, "expired"),
        ({"nbf": +120}, "not valid yet"),
        ({"sub": None}, "MissingRequiredClaimError"),
    ],
)
def test_a_token_of_another_issuer_or_audience_or_out_of_its_time_is_401(client, issuer, backends, claims, detail):
    claims = {k: int(time.time()) + v if k in ("exp", "nbf") else v for k, v in claims.items()}
    token = issuer.token(issuer.rsa, **claims)
    if claims == {"sub": None}:
        payload = jwt.decode(token, options={"verify_signature": False})
        del payload["sub"]
        token = jwt.encode(payload, issuer.rsa.private, algorithm="RS256", headers={"kid": issuer.rsa.kid})
    body = problem(get(client, token), 401)
    assert detail in body["detail"]
    assert not backends.recorder.requests


def test_a_token_within_the_leeway_is_taken(client, issuer):
    assert get(client, issuer.token(issuer.ec, exp=int(time.time()) - 5, nbf=int(time.time()) + 5)).status_code == 200


def test_an_unsigned_token_and_an_hs256_token_keyed_with_the_public_key_are_refused(client, issuer, backends):
    claims = jwt.decode(issuer.token(issuer.rsa, realm_roles=("admin",)), options={"verify_signature": False})
    attempts = [
        forged({"alg": "none", "typ": "JWT", "kid": issuer.rsa.kid}, claims, None),
        forged({"alg": "none", "typ": "JWT"}, claims, None),
        # Key confusion: HMAC with the issuer's public key (PEM and JWK text) as the shared secret.
        forged({"alg": "HS256", "typ": "JWT", "kid": issuer.rsa.kid}, claims, issuer.rsa.public_pem()),
        forged({"alg": "HS256", "typ": "JWT", "kid": issuer.rsa.kid}, claims, json.dumps(issuer.rsa.jwk).encode()),
        # A local token signed with a secret: this gateway takes no local tokens.
        local_token("admin"),
        # An RS256 header on a key the JWKS publishes for ES256.
        jwt.encode(claims, issuer.rsa.private, algorithm="RS256", headers={"kid": issuer.ec.kid}),
        # A key the issuer never published.
        issuer.token(SigningKey("rsa-stolen")),
    ]
    for token in attempts:
        body = problem(get(client, token, "/api/v1/audit-events"), 401)
        assert body["type"] == "https://nhi.example/problems/unauthenticated", body
    assert not backends.recorder.requests


def test_made_up_key_ids_have_the_jwks_read_at_most_once_per_interval(issuer):
    keys = KeySet(issuer.url, refresh_seconds=300, min_refresh_seconds=60)
    reads = issuer.jwks_reads
    assert keys.get(issuer.ec.kid) is not None
    for n in range(50):
        assert keys.get(f"made-up-{n}") is None
    assert issuer.jwks_reads - reads == 1


def test_an_unreachable_issuer_is_503_not_401(app_with, backends, issuer):
    app = app_with(jwt_secret=None, oidc_issuer="http://127.0.0.1:9/realms/nowhere")
    with app.test_client() as client:
        body = problem(get(client, issuer.token(issuer.rsa)), 503)
    assert "identity provider" in body["detail"]
    assert not backends.recorder.requests


def test_local_tokens_and_the_issuers_are_taken_together_only_when_said(app_with, issuer):
    local = {"NHI_JWT_SECRET": SECRET}
    assert config.load(Settings, local).local_tokens_enabled
    for env, said in [
        ({**local, "NHI_OIDC_ISSUER": issuer.url}, "NHI_JWT_LOCAL_TOKENS"),  # both set, nothing said: refused
        ({}, "NHI_OIDC_ISSUER or NHI_JWT_SECRET"),
        ({**local, "NHI_JWT_LOCAL_TOKENS": "off"}, "needs NHI_OIDC_ISSUER"),
        ({"NHI_OIDC_ISSUER": issuer.url, "NHI_OIDC_ALGORITHMS": "RS256,HS256"}, "asymmetric"),
        ({"NHI_OIDC_ISSUER": issuer.url, "NHI_OIDC_ALGORITHMS": "none"}, "asymmetric"),
    ]:
        with pytest.raises(ConfigError) as error:
            config.load(Settings, env)
        assert said in str(error.value)
    both = app_with(oidc_issuer=issuer.url, jwt_local_tokens="on", oidc_roles_claim="realm_access.roles")
    with both.test_client() as client:
        assert get(client, issuer.token(issuer.ec)).status_code == 200
        assert get(client, local_token("counter")).status_code == 200
        confused = forged({"alg": "HS256", "kid": issuer.ec.kid}, {"sub": "x"}, issuer.ec.public_pem())
        problem(get(client, confused), 401)
    only_issuer = app_with(oidc_issuer=issuer.url, jwt_local_tokens="off")  # roles from the default claim `roles`
    with only_issuer.test_client() as client:
        assert get(client, issuer.token(issuer.ec, realm_roles=(), roles=["auditor"])).status_code == 200
        problem(get(client, local_token("counter")), 401)


def test_an_issuer_down_for_a_while_leaves_the_keys_held_in_use():
    """A failed periodic read keeps the keys held; reads are retried no more often than the minimum interval."""
    now, reads, down = [0.0], [], [False]
    key = SigningKey("rsa-held")

    def fetch(url: str) -> dict:
        reads.append(url)
        if down[0]:
            raise OSError("connection refused")
        return {"keys": [key.jwk]}

    keys = KeySet("https://idp.example/realms/nhi", "https://idp.example/jwks", refresh_seconds=300,
                  min_refresh_seconds=30, fetch=fetch, clock=lambda: now[0])  # fmt: skip
    held = keys.get(key.kid)
    assert held is not None and len(reads) == 1
    down[0] = True
    now[0] = 301  # the periodic read is due and fails: the key held is still used
    assert keys.get(key.kid) is held and len(reads) == 2
    now[0] = 310  # within the minimum interval: no new read, not even for an unknown kid
    assert keys.get(key.kid) is held and keys.get("unknown") is None and len(reads) == 2
    down[0] = False
    now[0] = 332
    assert keys.get(key.kid) is held and len(reads) == 3  # read again, the same key: the same key object
