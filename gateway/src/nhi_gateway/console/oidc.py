"""Clerks sign in to the console at the municipality's OpenID Connect provider: the authorization code flow with PKCE
(S256), as NHI_CONSOLE_OIDC_CLIENT_ID and NHI_OIDC_ISSUER configure it.

`/console/oidc/start` reads the provider's discovery document (cached), keeps a fresh `state`, `nonce` and PKCE
`code_verifier` in the signed session cookie and sends the browser to the authorization endpoint with the verifier's
S256 challenge. The provider sends it back to `/console/callback` with a code: the state is taken once (from the
session, and never again in this process), the code is exchanged at the token endpoint with the verifier (and the
client secret when one is configured), the ID token is verified (signature with the issuer's JWKS, `iss`, `aud` = our
client id, `exp`, `nonce`, `at_hash`), and the access token is verified exactly as the API verifies every client's
token (auth.IssuerTokens with the API's audience and the role and scope claims of the settings): it becomes the
clerk's bearer token for the API, its roles and scopes what the pages offer.

The refresh token the token endpoint answers with is kept in the session, encrypted (Fernet, with a key derived from
the session secret: the cookie is only signed, and a refresh token read from it would mint tokens at the provider).
Before a page runs with an access token that expires within REFRESH_BEFORE_SECONDS, the refresh token is sent to the
token endpoint (grant_type=refresh_token, the client authenticated as for the code); the new access token is
verified as at sign-in and its roles and scopes replace the session's. The provider refusing (invalid_grant: revoked,
expired, the clerk signed out there) ends the session; a new token without a console role ends it too; a provider
that cannot be reached leaves the current token in use until it expires. Two pages refreshing the same token at once
in a process share one request to the provider (a provider rotating refresh tokens would refuse the second); each
page stores the answer in its cookie, and the one the browser receives last stays (both hold the same tokens).

Anything that goes wrong (the clerk or the provider refused, a state not ours or used, a failed exchange, a token that
does not verify, the provider unreachable) ends on a Japanese page saying what to do, never a 500. The log names what
failed, never a code, a token, a state or a verifier.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import logging
import re
import secrets
import threading
import time
import typing as t
import urllib.error
import urllib.parse
import urllib.request

import flask
import jwt
from connexion.exceptions import ProblemException
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..auth import IssuerTokens, Principal, Verifier
from ..jwks import DISCOVERY, FETCH_TIMEOUT_SECONDS, MAX_DOCUMENT_BYTES, KeySet, fetch_json
from . import security
from .blueprint import bp, config, render

log = logging.getLogger(__name__)

DISCOVERY_SECONDS = 3600.0  # the discovery document is read again after this long (the old one kept if that fails)
FLOW_SECONDS = 600  # a sign-in must come back from the provider within this long
MAX_FLOWS = 3  # sign-ins started in one browser and not finished (several tabs); the oldest is dropped beyond
FLOWS_KEY = "oidc_flows"  # session key: state -> {nonce, verifier, next, at}
VIA_KEY = "signed_in_via"  # session key: "oidc" once signed in at the provider
REFRESH_KEY = "refresh"  # session key: the provider's refresh token, encrypted (see seal)
REFRESH_BEFORE_SECONDS = 60  # an access token expiring within this long is refreshed before the page runs
REFRESH_SHARED_SECONDS = 30  # a refresh's answer is given to the same refresh token's other pages for this long
CONSOLE_ROLES = frozenset({"counter", "backoffice", "auditor", "admin"})
_ERROR_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class SignInFailed(Exception):
    """Why a sign-in ended: a Japanese title and detail for the clerk, a reason for the log (nothing secret)."""

    def __init__(self, status: int, title: str, detail: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.title, self.detail, self.reason = status, title, detail, reason


def _unreachable(reason: str) -> SignInFailed:
    return SignInFailed(
        503,
        "認証基盤に接続できません",
        "認証基盤（サインインの画面）に接続できませんでした。しばらく待ってから、もう一度サインインしてください。"
        "続くときは管理者に連絡してください。",
        reason,
    )


def _refused(reason: str) -> SignInFailed:
    return SignInFailed(
        400,
        "サインインできませんでした",
        "認証基盤からの応答を確認できなかったため、サインインを完了できませんでした。もう一度サインインしてください。"
        "続くときは管理者に連絡してください。",
        reason,
    )


def _safe_code(value: t.Any) -> str:
    """An OAuth error code fit for the log (they are short ASCII words); anything else is not repeated."""
    return value if isinstance(value, str) and _ERROR_CODE.match(value) else "(unreadable)"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def s256(verifier: str) -> str:
    """The PKCE code challenge of a verifier (RFC 7636, 4.2)."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def post_form(url: str, form: dict[str, str], headers: dict[str, str]) -> tuple[int, dict]:
    """POST a form, answer (status, JSON object); an HTTP error status is an answer too, not an exception."""
    data = urllib.parse.urlencode(form).encode("ascii")
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310 - discovered URL
            status, raw = response.status, response.read(MAX_DOCUMENT_BYTES + 1)
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read(MAX_DOCUMENT_BYTES + 1)
    try:
        doc = json.loads(raw[:MAX_DOCUMENT_BYTES])
    except ValueError:
        doc = None
    return status, doc if isinstance(doc, dict) else {}


@dataclasses.dataclass(frozen=True)
class Provider:
    """The endpoints of the provider's discovery document."""

    authorization_endpoint: str
    token_endpoint: str
    end_session_endpoint: str | None
    token_auth_methods: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Clerk:
    """Who signed in, as the API will see them."""

    sub: str
    roles: frozenset[str]
    scopes: frozenset[str]
    expires_at: float


@dataclasses.dataclass(frozen=True)
class Refreshed:
    """What a refresh gave: the new access token verified, and the refresh token to use next time."""

    access_token: str
    refresh_token: str
    clerk: Clerk


class _Shared:
    """One refresh in flight or just done, for every page that comes with the same refresh token."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Refreshed | SignInFailed | None = None
        self.at = float("inf")  # when it was done


class Client:
    """The console as a client of the provider (one per gateway process)."""

    def __init__(
        self,
        *,
        client_id: str,
        access_tokens: IssuerTokens,
        client_secret: str | None = None,
        redirect_url: str | None = None,
        scopes: str = "openid profile",
        fetch: t.Callable[[str], dict] = fetch_json,
        post: t.Callable[[str, dict[str, str], dict[str, str]], tuple[int, dict]] = post_form,
        clock: t.Callable[[], float] = time.monotonic,
    ) -> None:
        self.client_id = client_id
        self.issuer = access_tokens.keys.issuer
        self._secret = client_secret
        self.redirect_url = redirect_url
        scope_list = scopes.split()
        self.scopes = " ".join(scope_list if "openid" in scope_list else ["openid", *scope_list])
        self._tokens = access_tokens
        # The API's own verification of the issuer's tokens (alg dispatch, key, audience, claims), nothing repeated.
        self._verifier = Verifier([access_tokens], {})
        self._fetch, self._post, self._clock = fetch, post, clock
        self._provider: Provider | None = None
        self._provider_read_at = float("-inf")
        self._lock = threading.Lock()
        self._used_states: dict[str, float] = {}  # state -> when it may be forgotten (its flow expired)
        self._refreshes: dict[str, _Shared] = {}  # sha256 of a refresh token -> its refresh

    @classmethod
    def from_settings(cls, settings) -> "Client":
        keys = KeySet(
            settings.oidc_issuer,
            settings.oidc_jwks_url,
            refresh_seconds=settings.oidc_jwks_refresh_seconds,
            min_refresh_seconds=settings.oidc_jwks_min_refresh_seconds,
        )
        return cls(
            client_id=settings.console_oidc_client_id,
            client_secret=settings.console_oidc_client_secret,
            redirect_url=settings.console_oidc_redirect_url,
            scopes=settings.console_oidc_scopes,
            access_tokens=IssuerTokens.from_settings(settings, keys),
        )

    # ---- discovery ----

    def provider(self) -> Provider:
        """The discovery document's endpoints, read at most every DISCOVERY_SECONDS (kept when a re-read fails)."""
        now = self._clock()
        if self._provider is not None and now - self._provider_read_at < DISCOVERY_SECONDS:
            return self._provider
        with self._lock:
            if self._provider is not None and self._clock() - self._provider_read_at < DISCOVERY_SECONDS:
                return self._provider
            try:
                self._provider = self._discover()
                self._provider_read_at = self._clock()
            except Exception as exc:  # noqa: BLE001 - any failure to read: the document held, or a page saying so
                if self._provider is None:
                    raise _unreachable(f"discovery failed ({type(exc).__name__}: {exc})") from None
                log.warning("reading the provider's discovery document failed (%s); the one held is used", exc)
            return self._provider

    def _discover(self) -> Provider:
        doc = self._fetch(self.issuer.rstrip("/") + DISCOVERY)
        if doc.get("issuer") != self.issuer:
            raise ValueError("the discovery document names another issuer")
        for name in ("authorization_endpoint", "token_endpoint"):
            if not isinstance(doc.get(name), str) or not doc[name].startswith(("https://", "http://")):
                raise ValueError(f"the discovery document has no {name}")
        methods = doc.get("code_challenge_methods_supported")
        if isinstance(methods, list) and "S256" not in methods:
            raise ValueError("the provider does not support PKCE with S256")
        auth_methods = doc.get("token_endpoint_auth_methods_supported")
        end_session = doc.get("end_session_endpoint")
        return Provider(
            authorization_endpoint=doc["authorization_endpoint"],
            token_endpoint=doc["token_endpoint"],
            end_session_endpoint=end_session if isinstance(end_session, str) and end_session else None,
            # OpenID Connect Discovery 1.0, 3: client_secret_basic when the document names none.
            token_auth_methods=tuple(m for m in auth_methods if isinstance(m, str))
            if isinstance(auth_methods, list)
            else ("client_secret_basic",),
        )

    # ---- the flow ----

    def authorization_url(self, *, redirect_uri: str, state: str, nonce: str, verifier: str) -> str:
        endpoint = self.provider().authorization_endpoint
        query = urllib.parse.urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": self.scopes,
                "state": state,
                "nonce": nonce,
                "code_challenge": s256(verifier),
                "code_challenge_method": "S256",
            }
        )
        return endpoint + ("&" if "?" in endpoint else "?") + query

    def take_state(self, state: str) -> bool:
        """Whether `state` is taken for the first time in this process (a state comes back once; a replayed
        cookie with it in is refused here even though the cookie itself still holds it)."""
        now = time.time()
        with self._lock:
            for old in [s for s, until in self._used_states.items() if until < now]:
                del self._used_states[old]
            if state in self._used_states:
                return False
            self._used_states[state] = now + FLOW_SECONDS
            return True

    def exchange(self, *, code: str, verifier: str, redirect_uri: str) -> dict:
        """The token endpoint's answer for the code (access_token, id_token, perhaps refresh_token); SignInFailed
        otherwise."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
            "client_id": self.client_id,
        }
        answer = self._token_request(form)
        if not isinstance(answer.get("id_token"), str) or not answer["id_token"]:
            raise _refused("token endpoint answered no id_token")
        return answer

    def _token_request(self, form: dict[str, str]) -> dict:
        """POST to the token endpoint with the client's authentication; the answer with a bearer access_token, or
        SignInFailed: 503 when the provider cannot be reached or answers 5xx, 400 when it refuses or answers badly."""
        provider = self.provider()
        headers: dict[str, str] = {}
        if self._secret:
            if "client_secret_basic" in provider.token_auth_methods:
                # RFC 6749, 2.3.1: both form-encoded before they are joined.
                pair = f"{urllib.parse.quote(self.client_id, safe='')}:{urllib.parse.quote(self._secret, safe='')}"
                headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
            else:
                form = {**form, "client_secret": self._secret}
        try:
            status, answer = self._post(provider.token_endpoint, form, headers)
        except Exception as exc:  # noqa: BLE001 - refused connection, timeout, a cut answer: a page, not a 500
            raise _unreachable(f"token endpoint unreachable ({type(exc).__name__})") from None
        if status >= 500:
            raise _unreachable(f"token endpoint answered {status} {_safe_code(answer.get('error'))}")
        if status != 200:
            raise _refused(f"token endpoint answered {status} {_safe_code(answer.get('error'))}")
        if str(answer.get("token_type", "")).lower() != "bearer":
            raise _refused("token endpoint answered no bearer token")
        if not isinstance(answer.get("access_token"), str) or not answer["access_token"]:
            raise _refused("token endpoint answered no access_token")
        return answer

    def refresh(self, refresh_token: str) -> Refreshed:
        """A new access token for the refresh token, verified as at sign-in (SignInFailed otherwise: 503 the
        provider could not be reached, 400 it refused). Pages coming with the same refresh token while its refresh
        is in flight, or within REFRESH_SHARED_SECONDS after, get the same answer instead of asking again."""
        key = hashlib.sha256(refresh_token.encode()).hexdigest()
        now = time.monotonic()
        with self._lock:
            for old in [k for k, s in self._refreshes.items() if now - s.at > REFRESH_SHARED_SECONDS]:
                del self._refreshes[old]
            shared = self._refreshes.get(key)
            mine = shared is None
            if mine:
                shared = self._refreshes[key] = _Shared()
        if not mine:
            if not shared.done.wait(FETCH_TIMEOUT_SECONDS * 3):
                raise _unreachable("another page's refresh of the same token did not finish")
        else:
            try:
                shared.result = self._refresh(refresh_token)
            except SignInFailed as exc:
                shared.result = exc
            finally:
                shared.at = time.monotonic()
                shared.done.set()
                if not isinstance(shared.result, Refreshed) and (shared.result is None or shared.result.status == 503):
                    with self._lock:  # the provider may be back for the next page: not kept beyond those waiting
                        self._refreshes.pop(key, None)
        if isinstance(shared.result, Refreshed):
            return shared.result
        raise shared.result or _unreachable("the refresh failed")

    def _refresh(self, refresh_token: str) -> Refreshed:
        answer = self._token_request(
            {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": self.client_id}
        )
        # RFC 6749, 6: the provider may answer a new refresh token (rotation), else the old one stays good.
        new_refresh = answer.get("refresh_token")
        return Refreshed(
            access_token=answer["access_token"],
            refresh_token=new_refresh if isinstance(new_refresh, str) and new_refresh else refresh_token,
            clerk=self.clerk(answer["access_token"]),
        )

    def verify_id_token(self, id_token: str, *, nonce: str, access_token: str) -> dict:
        """The ID token's claims: signed by the issuer, for this client, not expired, with our nonce."""
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.InvalidTokenError:
            raise _refused("the ID token is not a JWT") from None
        if header.get("alg") not in self._tokens.algorithms:
            raise _refused("the ID token's algorithm is not one taken from the issuer")
        try:
            claims, _ = self._tokens.verify(id_token, header, audience=self.client_id, require=["iat"])
        except ProblemException as exc:
            if exc.status == 503:
                raise _unreachable("the issuer's keys could not be read") from None
            raise _refused(f"the ID token does not verify ({exc.detail})") from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != self.client_id:
            raise _refused("the ID token was issued to another party (azp)")
        if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(claims["nonce"], nonce):
            raise _refused("the ID token's nonce is not the one sent")
        if "at_hash" in claims and not hmac.compare_digest(
            str(claims["at_hash"]), _token_hash(access_token, header["alg"])
        ):
            raise _refused("the ID token's at_hash does not match the access token")
        return claims

    def clerk(self, access_token: str) -> Clerk:
        """The access token verified as the API verifies it: who it is, roles and scopes, until when."""
        try:
            info = self._verifier.decode(access_token)
        except ProblemException as exc:
            if exc.status == 503:
                raise _unreachable("the issuer's keys could not be read") from None
            raise _refused(f"the access token is not one the API takes ({exc.detail})") from None
        principal = Principal.from_token_info(info)
        return Clerk(
            sub=principal.sub,
            roles=principal.roles,
            scopes=principal.scopes - principal.roles,
            expires_at=float(info["exp"]),
        )

    def end_session_url(self, post_logout_redirect_uri: str) -> str | None:
        """The provider's sign-out (RP-Initiated Logout), when its discovery document names one."""
        try:
            endpoint = self.provider().end_session_endpoint
        except SignInFailed:
            return None
        if endpoint is None:
            return None
        query = urllib.parse.urlencode(
            {"client_id": self.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        )
        return endpoint + ("&" if "?" in endpoint else "?") + query


def _token_hash(token: str, alg: str) -> str:
    """at_hash: the left half of the token's hash with the hash of the signature's algorithm (OIDC Core, 3.1.3.6)."""
    digest = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}[alg[-3:]](token.encode()).digest()
    return _b64url(digest[: len(digest) // 2])


# ---- the console's routes ----


def _client() -> Client:
    client = config().oidc
    if client is None:
        flask.abort(404)
    return client


def _fernet() -> Fernet:
    """The key sealing the refresh token in the session: derived from the key signing the session cookie (so every
    replica has it, and changing the session secret makes the old ones unreadable along with the cookies)."""
    secret = flask.current_app.secret_key
    secret = secret.encode() if isinstance(secret, str) else bytes(secret)
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"nhi-console-refresh-token").derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(refresh_token: str) -> str:
    return _fernet().encrypt(refresh_token.encode()).decode("ascii")


def unseal(sealed: str) -> str | None:
    """The refresh token of the session, or None when it cannot be read (another key, or older than a session)."""
    try:
        return _fernet().decrypt(sealed.encode("ascii"), ttl=security.SESSION_HOURS * 3600).decode()
    except (InvalidToken, ValueError):
        return None


def _redirect_uri(client: Client) -> str:
    return client.redirect_url or flask.url_for("console.oidc_callback", _external=True)


def _failed(exc: SignInFailed) -> flask.Response:
    log.warning("console sign-in at the provider ended: %s", exc.reason)
    return render("oidc_error.html", exc.status, title=exc.title, detail=exc.detail)


@bp.get("/oidc/start")
def oidc_start():
    client = _client()
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    try:
        target = client.authorization_url(
            redirect_uri=_redirect_uri(client), state=state, nonce=nonce, verifier=verifier
        )
    except SignInFailed as exc:
        return _failed(exc)
    now = time.time()
    flows = {s: f for s, f in (flask.session.get(FLOWS_KEY) or {}).items() if now - f.get("at", 0) < FLOW_SECONDS}
    for old in sorted(flows, key=lambda s: flows[s]["at"])[: max(0, len(flows) - MAX_FLOWS + 1)]:
        del flows[old]
    flows[state] = {"nonce": nonce, "verifier": verifier, "next": flask.request.args.get("next") or "", "at": now}
    flask.session[FLOWS_KEY] = flows
    return flask.redirect(target, code=302)


@bp.get("/callback")
def oidc_callback():
    client = _client()
    args = flask.request.args
    state = args.get("state") or ""
    flows = dict(flask.session.get(FLOWS_KEY) or {})
    flow = flows.pop(state, None) if state else None
    flask.session[FLOWS_KEY] = flows  # the state is used up whatever happens next
    if flow is None or time.time() - flow.get("at", 0) >= FLOW_SECONDS or not client.take_state(state):
        return _failed(
            SignInFailed(
                400,
                "サインインの手続きが見つかりません",
                "この画面からのサインインの手続きが見つからないか、期限が切れているか、すでに使われています。"
                "もう一度サインインしてください。",
                "callback with a state this browser did not start, expired or already used",
            )
        )
    if "error" in args:
        error = _safe_code(args.get("error"))
        if error == "access_denied":
            return _failed(
                SignInFailed(
                    403,
                    "サインインが取り消されました",
                    "認証基盤でサインインが取り消されたか、この画面を使う許可がありません。"
                    "必要なときは管理者に利用の許可を依頼してください。",
                    "the provider answered access_denied",
                )
            )
        return _failed(_refused(f"the provider answered error {error}"))
    code = args.get("code") or ""
    if not code:
        return _failed(_refused("callback without a code"))
    try:
        redirect_uri = _redirect_uri(client)
        tokens = client.exchange(code=code, verifier=flow["verifier"], redirect_uri=redirect_uri)
        client.verify_id_token(tokens["id_token"], nonce=flow["nonce"], access_token=tokens["access_token"])
        clerk = client.clerk(tokens["access_token"])
    except SignInFailed as exc:
        return _failed(exc)
    if not clerk.roles & CONSOLE_ROLES:
        return _failed(_no_console_role())
    security.sign_in(
        token=tokens["access_token"],
        sub=clerk.sub,
        roles=clerk.roles,
        scopes=clerk.scopes,
        expires_at=clerk.expires_at,
    )
    flask.session[VIA_KEY] = "oidc"
    if isinstance(tokens.get("refresh_token"), str) and tokens["refresh_token"]:
        flask.session[REFRESH_KEY] = seal(tokens["refresh_token"])
    log.info("console sign-in at the provider: %s", clerk.sub)
    return flask.redirect(security.safe_next(flow.get("next")), code=303)


_NOT_REFRESHED = frozenset(
    {"console.static", "console.login", "console.logout", "console.oidc_start", "console.oidc_callback"}
)


def _no_console_role() -> SignInFailed:
    return SignInFailed(
        403,
        "この画面を使う役割がありません",
        "認証基盤でのサインインはできましたが、窓口・後方事務・監査・管理者のいずれの役割もありません。"
        "管理者に役割の付与を依頼してください。",
        "signed in without a console role",
    )


def _to_sign_in() -> flask.Response:
    target = flask.request.full_path if flask.request.method == "GET" else flask.url_for("console.home")
    return flask.redirect(flask.url_for("console.login", next=target.rstrip("?")))


@bp.before_request
def _keep_token_fresh() -> flask.Response | None:
    """Before a page calls the API: an access token that expires within REFRESH_BEFORE_SECONDS is refreshed.
    Refused: the session ends and the clerk signs in again (back to this page). Unreachable: the current token is
    used until it expires (then login_required leads to sign-in)."""
    session = flask.session
    if (
        flask.request.endpoint in _NOT_REFRESHED
        or session.get(VIA_KEY) != "oidc"
        or not session.get(REFRESH_KEY)
        or not session.get("token")
    ):
        return None
    client = config().oidc
    expires_at, now = float(session.get("expires_at", 0)), time.time()
    if client is None or expires_at - now > REFRESH_BEFORE_SECONDS or expires_at >= security.session_until():
        return None  # not due yet, or the session itself ends then (a new token would not last longer)
    refresh_token = unseal(session[REFRESH_KEY])
    sub = session.get("sub")
    try:
        if refresh_token is None:
            raise _refused("the session's refresh token cannot be read")
        refreshed = client.refresh(refresh_token)
        if refreshed.clerk.sub != sub:
            raise _refused("the refreshed access token is another subject's")
    except SignInFailed as exc:
        if exc.status == 503:
            log.warning("refreshing a console session's token failed: %s; the current token is used", exc.reason)
            return None
        log.info("console session of %s ended: the refresh was refused (%s)", sub, exc.reason)
        security.sign_out()
        return _to_sign_in()
    clerk = refreshed.clerk
    if not clerk.roles & CONSOLE_ROLES:
        log.info("console session of %s ended: the refreshed token has no console role", sub)
        security.sign_out()
        return _failed(_no_console_role())
    security.renew_token(
        token=refreshed.access_token, roles=clerk.roles, scopes=clerk.scopes, expires_at=clerk.expires_at
    )
    session[REFRESH_KEY] = seal(refreshed.refresh_token)
    log.info("console session of %s: access token refreshed", sub)
    return None


def signed_out(via: str | None) -> flask.Response | None:
    """After sign-out: a page offering the provider's sign-out too (the shared counter PC stays signed in there
    otherwise), when the clerk had signed in there and the provider has an end_session_endpoint."""
    client = config().oidc
    if client is None or via != "oidc":
        return None
    login = flask.url_for("console.login", _external=True)
    if client.redirect_url:  # the origin the provider knows us by (a proxy may hide it from the request)
        parts = urllib.parse.urlsplit(client.redirect_url)
        login = urllib.parse.urlunsplit((parts.scheme, parts.netloc, flask.url_for("console.login"), "", ""))
    end_session = client.end_session_url(login)
    if end_session is None:
        return None
    return render("signed_out.html", end_session=end_session)
