"""Who is signed in to the console, and the protections every console page has: the session cookie, CSRF tokens on
every form, a strict Content-Security-Policy, and the roles of the API's `x-roles` deciding what a page offers."""

from __future__ import annotations

import functools
import hmac
import secrets
import time
import typing as t
import urllib.parse

import flask
from flask.sessions import SecureCookieSessionInterface

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_COOKIE = "nhi_console"
SESSION_HOURS = 9  # a working day at the counter; then sign in again

# Nothing inline, nothing from elsewhere: scripts, styles, images and frames from the console itself only.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)

ROLE_LABELS = {
    "counter": "窓口",
    "backoffice": "後方事務",
    "auditor": "監査",
    "admin": "管理者",
    "batch": "バッチ",
}
SCOPE_LABELS = {"mynumber:read": "個人番号の表示・検索", "dv:read": "DV等支援措置対象者の住所の表示"}


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, named for the console, Secure whenever the request came over TLS (directly or as the
    trusted proxy's X-Forwarded-Proto says) or NHI_CONSOLE_COOKIE_SECURE=on."""

    def __init__(self, secure: str) -> None:
        self._secure = secure

    def open_session(self, app, request):
        # A request without the cookie (every API call) gets the empty session Flask would give it, without
        # building the cookie's signer first.
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def get_cookie_name(self, app) -> str:
        return SESSION_COOKIE

    def get_cookie_secure(self, app) -> bool:
        if self._secure == "on":
            return True
        if self._secure == "off":
            return False
        return bool(flask.has_request_context() and flask.request.is_secure)

    def get_cookie_samesite(self, app) -> str:
        # Lax, not Strict: the identity provider's redirect back to /console/callback is a cross-site navigation
        # that must carry the cookie holding the PKCE verifier and state. Every change is a POST with a CSRF token.
        return "Lax"

    def get_cookie_httponly(self, app) -> bool:
        return True


def sign_in(*, token: str, sub: str, roles: t.Iterable[str], scopes: t.Iterable[str], expires_at: float) -> None:
    """A new session for the clerk: `expires_at` is when the bearer token expires; the session itself ends after
    SESSION_HOURS whatever tokens come later (`until`)."""
    until = time.time() + SESSION_HOURS * 3600
    flask.session.clear()
    flask.session.update(
        token=token,
        sub=sub,
        roles=sorted(roles),
        scopes=sorted(scopes),
        expires_at=min(expires_at, until),
        until=until,
        csrf=secrets.token_urlsafe(32),
    )
    flask.session.permanent = True


def session_until() -> float:
    """When the session ends whatever its tokens say (a session from before `until` was kept: its token's end)."""
    return float(flask.session.get("until", flask.session.get("expires_at", 0)))


def renew_token(*, token: str, roles: t.Iterable[str], scopes: t.Iterable[str], expires_at: float) -> None:
    """A new bearer token for the same clerk (a refresh): what the pages offer follows its roles and scopes."""
    flask.session.update(
        token=token,
        roles=sorted(roles),
        scopes=sorted(scopes),
        expires_at=min(expires_at, session_until()),
    )


def sign_out() -> None:
    flask.session.clear()


def signed_in() -> bool:
    return bool(flask.session.get("token")) and time.time() < float(flask.session.get("expires_at", 0))


def roles() -> frozenset[str]:
    return frozenset(flask.session.get("roles", ()))


def scopes() -> frozenset[str]:
    return frozenset(flask.session.get("scopes", ()))


def csrf_token() -> str:
    """This session's CSRF token (one is made for a visitor not signed in yet, for the sign-in form)."""
    if "csrf" not in flask.session:
        flask.session["csrf"] = secrets.token_urlsafe(32)
    return flask.session["csrf"]


def check_csrf() -> bool:
    """Whether a state-changing request carries this session's CSRF token (form field or htmx header)."""
    expected = flask.session.get("csrf")
    given = flask.request.form.get(CSRF_FIELD) or flask.request.headers.get(CSRF_HEADER) or ""
    return bool(expected) and hmac.compare_digest(expected, given)


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not signed_in():
            target = flask.request.full_path if flask.request.method == "GET" else flask.url_for("console.home")
            return flask.redirect(flask.url_for("console.login", next=target.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def safe_next(target: str | None) -> str:
    """A place inside the console to go after sign-in; anything else (another host, a scheme) leads home."""
    parsed = urllib.parse.urlsplit(target or "")
    if not target or parsed.scheme or parsed.netloc or not parsed.path.startswith("/console/"):
        return flask.url_for("console.home")
    return target


def secure_headers(response: flask.Response) -> flask.Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Cache-Control", "no-store")
    return response
