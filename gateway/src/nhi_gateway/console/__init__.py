"""The clerks' console: server-rendered Japanese pages at /console/ that do the counter's and the back office's
work through the public API (see apiclient), with htmx for the few live parts."""

from __future__ import annotations

import hashlib
import hmac

import flask
from connexion.middleware import MiddlewarePosition

from . import counter, security, signin  # noqa: F401 - their routes register on the blueprint
from .apiclient import LoopCapture
from .blueprint import ConsoleConfig, bp
from .security import SessionInterface

_OPTIONAL_VIEWS = ("forms", "backoffice", "oidc")  # further screens, each a module adding routes to the blueprint


def session_secret(settings) -> str | None:
    """The key signing the console's session cookie: NHI_CONSOLE_SESSION_SECRET, else one derived from
    NHI_JWT_SECRET (local sign-in); None when neither is set."""
    if settings.console_session_secret:
        return settings.console_session_secret
    if settings.jwt_secret:
        return hmac.new(settings.jwt_secret.encode(), b"nhi-console-session", hashlib.sha256).hexdigest()
    return None


def install(app, settings, roles_by_operation: dict[str, list[str]]) -> None:
    """Mount the console on the gateway's Flask app and lead `/` to it."""
    import importlib

    for name in _OPTIONAL_VIEWS:
        try:
            importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    flask_app: flask.Flask = app.app
    oidc_client = None
    if settings.console_oidc_client_id:
        from .oidc import Client

        oidc_client = Client.from_settings(settings)
    flask_app.extensions["nhi_console"] = ConsoleConfig(
        asgi_app=app,
        roles_by_operation=roles_by_operation,
        local_signin=settings.console_local_signin == "on" and bool(settings.jwt_secret),
        oidc=oidc_client,
        jwt_secret=settings.jwt_secret,
        jwt_issuer=settings.jwt_issuer,
        jwt_audience=settings.jwt_audience,
    )
    flask_app.secret_key = session_secret(settings)
    flask_app.session_interface = SessionInterface(settings.console_cookie_secure)
    flask_app.permanent_session_lifetime = 9 * 3600
    flask_app.register_blueprint(bp)
    flask_app.add_template_global(lambda name: name in flask_app.view_functions, "has_endpoint")
    flask_app.add_template_global(security.csrf_token, "csrf_token")
    flask_app.add_template_global(security.CSRF_FIELD, "csrf_field")
    app.add_middleware(LoopCapture, position=MiddlewarePosition.BEFORE_EXCEPTION)
