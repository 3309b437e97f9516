"""The application factory: Connexion (spec-first) on Flask, with auth, problems and tracing."""

from __future__ import annotations

import dataclasses
import pathlib

import yaml
from connexion import FlaskApp
from connexion.exceptions import ProblemException
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from starlette.exceptions import HTTPException

from nhi_common import config, telemetry

from . import access, console, guards, problems
from .auth import Verifier, roles_by_operation, scopes_by_operation
from .grpc_clients import Backends, deadlines
from .handlers import probes
from .handlers._common import EXTENSION
from .operations import ViewFunctions
from .settings import Settings
from .validation import validator_map
from .wsgi_bridge import BufferedWSGI

SPEC_DIR = pathlib.Path(__file__).parent / "openapi"
SERVICE_NAME = "nhi-gateway"


@dataclasses.dataclass
class Gateway:
    """What the handlers reach through the Flask app: settings and backend clients."""

    settings: Settings
    backends: Backends


def load_spec(name: str = "api.yaml") -> dict:
    return yaml.safe_load((SPEC_DIR / name).read_text(encoding="utf-8"))


def create_app(settings: Settings | None = None) -> FlaskApp:
    """Build the gateway; settings default to the environment (exits on a configuration error)."""
    settings = settings or config.load_or_exit(Settings)
    spec = load_spec()
    verifier = Verifier.from_settings(settings, roles_by_operation(spec), scopes_by_operation(spec))
    body_limits = guards.body_limits(spec)
    app = FlaskApp(
        __name__,
        specification_dir=SPEC_DIR,
        security_map=verifier.security_map(),
        validator_map=validator_map(),
        strict_validation=True,
    )
    app.app.view_functions = ViewFunctions(app.app.view_functions)  # handlers decorated once (operations.py)
    app.add_api(spec, swagger_ui_options=SwaggerUIOptions(swagger_ui=True))
    # Flask behind one thread hop per request instead of a2wsgi's hop per piece of the answer (wsgi_bridge.py).
    app._middleware_app.asgi_app = BufferedWSGI(app.app.wsgi_app)
    app.add_middleware(
        guards.BodyLimit,
        position=MiddlewarePosition.BEFORE_ROUTING,
        max_bytes=max([settings.max_body_bytes, *body_limits.values()]),
    )
    app.add_middleware(
        access.AccessLog, position=MiddlewarePosition.BEFORE_EXCEPTION, routes=access.route_templates(spec)
    )
    app.add_middleware(
        guards.PathGuard,
        position=MiddlewarePosition.BEFORE_ROUTING,
        base_path=spec["servers"][0]["url"],
        paths=spec["paths"],
    )
    app.add_middleware(
        guards.Unrouted, position=MiddlewarePosition.BEFORE_SECURITY, base_path=spec["servers"][0]["url"]
    )
    app.add_middleware(
        guards.OperationBodyLimit,
        position=MiddlewarePosition.BEFORE_SECURITY,
        limits=body_limits,
        default=settings.max_body_bytes,
    )
    # Probes live outside /api/v1 and need no token. Plain Flask routes: Connexion 3 mis-routes a second
    # API mounted at "/" next to /api/v1, and unrouted paths pass straight through to Flask.
    app.add_url_rule("/healthz", "healthz", probes.healthz, methods=["GET"])
    app.add_url_rule("/readyz", "readyz", probes.readyz, methods=["GET"])
    # The root leads a person to the clerks' console (the Swagger UI stays at /api/v1/ui/).
    app.add_url_rule("/", "root", probes.to_console, methods=["GET"])
    console.install(app, settings, roles_by_operation(spec))

    app.add_error_handler(ProblemException, problems.problem_handler)
    app.add_error_handler(HTTPException, problems.http_exception_handler)
    app.add_error_handler(Exception, problems.unexpected_handler)

    flask_app = app.app
    flask_app.extensions[EXTENSION] = Gateway(settings=settings, backends=Backends(settings, deadlines(spec)))
    flask_app.json.ensure_ascii = False  # Japanese names as text, not \u escapes
    flask_app.json.sort_keys = False
    _instrument(flask_app)
    return app


def _instrument(flask_app) -> None:
    """Tracing: the access-log layer opens each request's span; gRPC client spans of a handler are its children."""
    telemetry.setup_tracing(SERVICE_NAME)
    telemetry.instrument_grpc()
