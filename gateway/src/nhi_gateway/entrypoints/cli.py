"""`nhi-gateway serve` (the HTTP API under uvicorn) and `nhi-gateway token` (a bearer token for local use)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from nhi_common import config, heap
from nhi_common.logs import configure_logging

from ..settings import Settings
from ..tokens import ROLES, SCOPES, mint_token

log = logging.getLogger(__name__)


def serve() -> int:
    """Run the API until SIGTERM or SIGINT; uvicorn drains open requests before it exits."""
    import uvicorn

    from ..app import SERVICE_NAME, create_app

    settings = config.load_or_exit(Settings)
    configure_logging(SERVICE_NAME, settings.log_level)
    if settings.workers > 1:
        return _serve_workers(settings)
    app = create_app(settings)
    # uvicorn installs SIGTERM/SIGINT handlers for a graceful stop.
    server = uvicorn.Server(uvicorn.Config(SettledOnStartup(app), **_uvicorn_options(settings)))
    # uvicorn re-raises the signal it caught once it has drained; a no-op handler lets us finish and exit 0.
    signal.signal(signal.SIGTERM, lambda *_: None)
    log.info("gateway listening on http://%s:%d/api/v1 (Swagger UI at /api/v1/ui/)", settings.host, settings.port)
    try:
        server.run()
    finally:
        app.app.extensions["nhi_gateway"].backends.close()
        log.info("gateway stopped")
    return 0


def _uvicorn_options(settings: Settings) -> dict:
    """What one gateway process and the worker processes share. log_config=None keeps our JSON log handler;
    access_log=False: the access log is ours (access.py), and uvicorn's, with the path as sent, is never written (its
    logger is held at WARNING) but was still formatted for every request."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": 10,
        "lifespan": "on",
    }


def _serve_workers(settings: Settings) -> int:
    """GATEWAY_WORKERS processes sharing one listening socket, under uvicorn's supervisor: it restarts a worker that
    dies and, on SIGTERM or SIGINT, stops each one (every worker drains its open requests first). The workers share
    one table of rate-limit buckets, a file made here and named to them in the environment they inherit, so that a
    token subject's limit holds for the gateway, not for each worker."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from ..ratelimit import SHARED_FILE_VAR, shared_file

    server_config = uvicorn.Config(
        f"{__name__}:worker_app", factory=True, workers=settings.workers, **_uvicorn_options(settings)
    )
    sock = server_config.bind_socket()
    log.info(
        "gateway listening on http://%s:%d/api/v1 with %d worker processes",
        settings.host,
        settings.port,
        settings.workers,
    )
    try:
        with shared_file() as rate_limit_file:  # removed once the workers have stopped
            os.environ[SHARED_FILE_VAR] = rate_limit_file  # each worker, and one restarted later, inherits it
            Multiprocess(server_config, sockets=[sock]).run()
    finally:
        sock.close()
        log.info("gateway stopped")
    return 0


def worker_app():
    """The app of one worker process (GATEWAY_WORKERS > 1): settings and logging from the environment, as in serve."""
    import atexit

    from ..app import SERVICE_NAME, create_app

    settings = config.load_or_exit(Settings)
    configure_logging(SERVICE_NAME, settings.log_level)
    app = create_app(settings)
    atexit.register(app.app.extensions["nhi_gateway"].backends.close)
    return SettledOnStartup(app)


class SettledOnStartup:
    """The gateway's ASGI app, whose process sets aside what it holds (nhi_common.heap.settle) once the app has
    started: Connexion builds its middleware stack, validators included, on the lifespan's startup."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "lifespan":
            return await self.app(scope, receive, send)

        async def send_after_settling(message) -> None:
            if message["type"] == "lifespan.startup.complete":
                heap.settle()
            await send(message)

        return await self.app(scope, receive, send_after_settling)


def token(args: argparse.Namespace) -> int:
    """Print a signed token and nothing else."""
    secret = os.environ.get("NHI_JWT_SECRET", "")
    if not secret:
        print('error: NHI_JWT_SECRET is not set (e.g. eval "$(nhi-suite env)")', file=sys.stderr)
        return 2
    print(
        mint_token(
            secret,
            roles=args.role,
            scopes=args.scope or (),
            sub=args.sub,
            ttl_hours=args.ttl_hours,
            issuer=os.environ.get("NHI_JWT_ISSUER") or "nhi-local",
            audience=os.environ.get("NHI_JWT_AUDIENCE") or "nhi-api",
        )
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nhi-gateway", description="the public HTTP API of the NHI suite")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve the API (settings from the environment)")
    tok = commands.add_parser("token", help="print a bearer token signed with NHI_JWT_SECRET")
    tok.add_argument("--role", action="append", required=True, choices=ROLES, help="a role; repeat for several")
    tok.add_argument("--scope", action="append", choices=SCOPES, help="an extra scope, e.g. mynumber:read")
    tok.add_argument("--ttl-hours", type=float, default=12, help="lifetime (default 12)")
    tok.add_argument("--sub", default="local-operator", help="the operator id (sub claim)")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve()
    return token(args)


if __name__ == "__main__":
    raise SystemExit(main())
