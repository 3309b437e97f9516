"""Command line of svc-integration: serve, migrate."""

from __future__ import annotations

import argparse

from nhi_common import config, db, logs

from .. import bootstrap
from ..settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nhi-integration", description="NHI inbound and outbound feeds service")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="migrate the database, then serve gRPC and consume resident changes")
    commands.add_parser("migrate", help="bring the database schema up to date")
    args = parser.parse_args(argv)
    settings = config.load_or_exit(Settings)
    logs.configure_logging("svc-integration", settings.log_level)
    if args.command == "serve":
        runtime = bootstrap.build(settings)
        runtime.start()
        runtime.wait()
        return 0
    db.migrate(bootstrap.make_engine(settings), bootstrap.MIGRATIONS)
    return 0
