"""Command line of svc-documents: serve, migrate."""

from __future__ import annotations

import argparse
import sys

from nhi_common import config, db, logs

from .. import bootstrap
from ..adapters.fonts import FontNotFound
from ..settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nhi-documents", description="NHI documents service (certificates as PDF)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="migrate the database, then serve gRPC and relay the outbox to NATS")
    commands.add_parser("migrate", help="bring the database schema up to date")
    args = parser.parse_args(argv)
    settings = config.load_or_exit(Settings)
    logs.configure_logging("svc-documents", settings.log_level)
    if args.command == "serve":
        try:
            runtime = bootstrap.build(settings)
        except FontNotFound as exc:
            print(f"configuration error: {exc}", file=sys.stderr)
            return 2
        runtime.start()
        runtime.wait()
        return 0
    db.migrate(bootstrap.make_engine(settings), bootstrap.MIGRATIONS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
