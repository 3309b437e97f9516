"""Command line of svc-interchange: serve, migrate."""

from __future__ import annotations

import argparse

from nhi_common import config, db, logs

from .. import bootstrap
from ..settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nhi-interchange", description="NHI aggregation and intermediate-server link")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="migrate the database, then serve gRPC and consume events")
    commands.add_parser("migrate", help="bring the database schema up to date")
    args = parser.parse_args(argv)
    settings = config.load_or_exit(Settings)
    logs.configure_logging("svc-interchange", settings.log_level)
    if args.command == "migrate":
        engine = db.make_engine(settings.database_url, schema=settings.database_schema)
        db.migrate(engine, bootstrap.MIGRATIONS)
        return 0
    runtime = bootstrap.build(settings)
    runtime.start()
    runtime.wait()
    return 0
