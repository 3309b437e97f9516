"""A small OpenID Connect provider on a local port, for the console's sign-in tests (real HTTP, in a thread).

It does what the console relies on a real provider to do: discovery, an authorization endpoint that redirects back
to the registered redirect URI with a one-time code (or with error=access_denied), a token endpoint that refuses a
code whose PKCE verifier does not hash (S256) to the challenge it was issued for, checks the client's secret (basic
or post) and the redirect URI, and answers an RS256 access token for the API, an ID token for the client and a refresh token; the
refresh grant with rotating refresh tokens (each is good once: a reused one is refused, as a provider revoking
refresh tokens on use does), answering a token with the user's roles and scopes as they are now; its JWKS; and an
end-session endpoint. Knobs let a test make it misbehave (an ID token with other claims, a slow refresh), shorten the
access tokens' lifetime, and revoke a user's refresh tokens (signed out at the provider, or disabled).
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import secrets
import threading
import time
import urllib.parse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

API_AUDIENCE = "nhi-api"
CLIENT_ID = "nhi-console"


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def at_hash(token: str) -> str:
    digest = hashlib.sha256(token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


class TestProvider:
    """http.server in a thread; `users` are who may sign in (sub -> roles and scopes), `user` who does next."""

    __test__ = False  # not a test class

    def __init__(
        self,
        *,
        redirect_uris: tuple[str, ...] = ("http://testserver/console/callback",),
        client_secret: str | None = None,
        auth_methods: list[str] | None = None,
        end_session: bool = True,
    ) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "provider-rsa-1"
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        self.jwk = {**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}
        self.redirect_uris = redirect_uris
        self.client_secret = client_secret
        self.auth_methods = auth_methods
        self.end_session = end_session
        self.users: dict[str, dict] = {
            "clerk-07": {"roles": ["counter"], "scope": "openid profile mynumber:read"},
            "officer-02": {"roles": ["backoffice"], "scope": "openid profile"},
            "outsider-01": {"roles": ["offline_access"], "scope": "openid"},
        }
        self.user = "clerk-07"
        self.deny = False  # the next authorization is refused (the clerk pressed 取消, or is not allowed)
        self.id_token_claims: dict = {}  # claims put into (or over) the next ID tokens
        self.cut_token_answers = False  # the token endpoint drops the connection instead of answering
        self.access_ttl = 600  # seconds the access tokens it issues are good for
        self.refresh_delay = 0.0  # seconds the token endpoint takes to answer a refresh
        self.refresh_tokens: dict[str, str] = {}  # refresh tokens good (once each) -> whose
        self._refresh_lock = threading.Lock()
        self.codes: dict[str, dict] = {}  # one-time codes -> what they were issued for
        self.token_requests: list[dict] = []  # what the token endpoint received, and what it answered
        self.authorize_requests: list[dict] = []
        provider = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/realms/nhi/.well-known/openid-configuration":
                    self._json(200, provider.discovery())
                elif url.path == "/realms/nhi/certs":
                    self._json(200, {"keys": [provider.jwk]})
                elif url.path == "/realms/nhi/auth":
                    status, headers, body = provider.authorize(query)
                    self._send(status, headers, body)
                elif url.path == "/realms/nhi/logout":
                    self._send(200, {"Content-Type": "text/plain"}, b"signed out")
                else:
                    self.send_error(404)

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                if self.path == "/realms/nhi/token" and provider.cut_token_answers:
                    self.close_connection = True  # the connection drops without an answer
                elif self.path == "/realms/nhi/token":
                    if form.get("grant_type") == "refresh_token" and provider.refresh_delay:
                        time.sleep(provider.refresh_delay)
                    status, doc = provider.token(form, self.headers.get("Authorization"))
                    self._json(status, doc)
                else:
                    self.send_error(404)

            def _json(self, status, doc):
                self._send(status, {"Content-Type": "application/json", "Cache-Control": "no-store"},
                           json.dumps(doc).encode())  # fmt: skip

            def _send(self, status, headers, body):
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.issuer = self.base + "/realms/nhi"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    # ---- endpoints ----

    def discovery(self) -> dict:
        doc = {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/auth",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/certs",
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }
        if self.auth_methods is not None:
            doc["token_endpoint_auth_methods_supported"] = self.auth_methods
        if self.end_session:
            doc["end_session_endpoint"] = self.issuer + "/logout"
        return doc

    def authorize(self, query: dict) -> tuple[int, dict, bytes]:
        self.authorize_requests.append(query)
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != CLIENT_ID or redirect_uri not in self.redirect_uris:
            return 400, {"Content-Type": "text/plain"}, b"unknown client or redirect_uri"  # never redirect then
        back: dict[str, str] = {"state": query.get("state", "")}
        if self.deny:
            back["error"] = "access_denied"
        elif (
            query.get("response_type") != "code"
            or query.get("code_challenge_method") != "S256"
            or not query.get("code_challenge")
            or "openid" not in query.get("scope", "").split()
        ):
            back["error"] = "invalid_request"
        else:
            code = secrets.token_urlsafe(24)
            self.codes[code] = {
                "challenge": query["code_challenge"],
                "nonce": query.get("nonce"),
                "redirect_uri": redirect_uri,
                "user": self.user,
            }
            back["code"] = code
        return 302, {"Location": redirect_uri + "?" + urllib.parse.urlencode(back)}, b""

    def token(self, form: dict, authorization: str | None) -> tuple[int, dict]:
        record = {"form": dict(form), "authorization": authorization}
        self.token_requests.append(record)
        answer = self._token(form, authorization)
        record["answer"] = answer
        return answer

    def _token(self, form: dict, authorization: str | None) -> tuple[int, dict]:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.startswith("Basic "):
            pair = base64.b64decode(authorization[6:]).decode()
            client_id, secret = (urllib.parse.unquote(part) for part in pair.split(":", 1))
        if client_id != CLIENT_ID or (self.client_secret is not None and secret != self.client_secret):
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") == "refresh_token":
            with self._refresh_lock:  # rotation: the refresh token is used up whatever is answered
                sub = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if sub is None:
                return 400, {"error": "invalid_grant", "error_description": "unknown, used or revoked refresh token"}
            return 200, self._tokens_for(sub)
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        issued = self.codes.pop(form.get("code", ""), None)  # a code is good once
        if issued is None or issued["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant", "error_description": "unknown code or redirect_uri"}
        if s256(form.get("code_verifier", "")) != issued["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        answer = self._tokens_for(issued["user"])
        id_claims = {
            "sub": issued["user"],
            "aud": CLIENT_ID,
            "nonce": issued["nonce"],
            "at_hash": at_hash(answer["access_token"]),
        }
        answer["id_token"] = self.sign({**id_claims, **self.id_token_claims}, ttl=300)
        return 200, answer

    def _tokens_for(self, sub: str) -> dict:
        """An access token with the user's roles and scopes as they are now, and a new refresh token."""
        access_token = self.access_token(sub)
        refresh_token = secrets.token_urlsafe(32)
        with self._refresh_lock:
            self.refresh_tokens[refresh_token] = sub
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": self.access_ttl,
            "refresh_token": refresh_token,
        }

    def access_token(self, sub: str, *, ttl: int | None = None) -> str:
        user = self.users[sub]
        claims = {"sub": sub, "aud": API_AUDIENCE, "roles": user["roles"], "scope": user["scope"]}
        return self.sign(claims, ttl=self.access_ttl if ttl is None else ttl)

    def revoke(self, sub: str) -> None:
        """The user's refresh tokens are good no more (signed out at the provider, or the account disabled)."""
        with self._refresh_lock:
            for token in [token for token, whose in self.refresh_tokens.items() if whose == sub]:
                del self.refresh_tokens[token]

    def refreshes(self) -> list[dict]:
        return [r for r in self.token_requests if r["form"].get("grant_type") == "refresh_token"]

    def sign(self, claims: dict, *, ttl: int) -> str:
        now = int(time.time())
        payload = {"iss": self.issuer, "iat": now, "exp": now + ttl, **claims}
        return jwt.encode(payload, self.private, algorithm="RS256", headers={"kid": self.kid})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
