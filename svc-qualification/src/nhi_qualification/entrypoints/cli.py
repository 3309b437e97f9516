"""Command line of svc-qualification: serve, migrate, import-migration."""

from __future__ import annotations

import argparse
import json
import sys

from nhi_common import config, db, logs

from .. import bootstrap
from ..adapters.vault import MyNumberVault
from ..domain.errors import RuleViolation
from ..domain.numbers import INSURER_RULE, insurer_number_problem
from ..service_layer import migration_import
from ..settings import Settings


def _settings() -> Settings:
    settings = config.load_or_exit(Settings)
    problem = insurer_number_problem(settings.insurer_number)
    if problem:
        print(f"configuration error: NHI_INSURER_NUMBER={settings.insurer_number}: {problem} ({INSURER_RULE})",
              file=sys.stderr)
        raise SystemExit(2)
    try:
        MyNumberVault(settings.mynumber_key)
    except ValueError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    logs.configure_logging("svc-qualification", settings.log_level)
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nhi-qualification", description="NHI qualification records service")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="migrate the database, then serve gRPC and relay events")
    commands.add_parser("migrate", help="bring the database schema up to date")
    load = commands.add_parser("import-migration", help="load an initial data migration file (JSON Lines)")
    load.add_argument("file")
    args = parser.parse_args(argv)
    settings = _settings()
    if args.command == "serve":
        runtime = bootstrap.build(settings)
        runtime.start()
        runtime.wait()
        return 0
    engine = bootstrap.make_engine(settings)
    db.migrate(engine, bootstrap.MIGRATIONS)
    if args.command == "import-migration":
        try:
            counts = migration_import.import_households(engine, MyNumberVault(settings.mynumber_key),
                                                        settings.insurer_number, migration_import.read_lines(args.file))
        except RuleViolation as exc:
            print(f"import failed at {exc.field}: {exc.message}", file=sys.stderr)
            return 1
        print(json.dumps(counts))
    return 0
