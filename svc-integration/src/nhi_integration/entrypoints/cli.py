"""Command line of svc-integration: serve, migrate, import-resident."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import pathlib
import sys

from nhi_common import config, db, logs, rpc

from .. import bootstrap
from ..adapters.clients import QualificationClient
from ..adapters.feed_store import SqlFeedStore
from ..adapters.qualification_reads import QualificationFeedClient
from ..adapters.store import SqlStore
from ..domain.resident_files import FORMATS
from ..service_layer.inconsistency import Inconsistencies
from ..service_layer.resident_checks import ResidentChecks
from ..service_layer.services import IntegrationService
from ..settings import Settings
from .feed_grpc import business_day
from .grpc_api import _utc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nhi-integration", description="NHI inbound and outbound feeds service")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="migrate the database, then serve gRPC and consume resident changes")
    commands.add_parser("migrate", help="bring the database schema up to date")
    resident = commands.add_parser(
        "import-resident",
        help="import a resident change file (docs/integration/resident-file.md) as POST /api/v1/feeds/resident does",
    )
    resident.add_argument("file", type=pathlib.Path)
    resident.add_argument("--format", choices=FORMATS, default="csv", help="csv (default), fixed (CP932) or jsonl")
    resident.add_argument(
        "--partial", action="store_true", help="apply the valid changes of a file with errors (default: none)"
    )
    resident.add_argument("--operator", default="batch", help="operator id kept with the import and in the audit")
    commands.add_parser(
        "rotate-mynumber-key",
        help="re-encrypt the My Numbers kept in dead letters under the current key version (a re-run continues)",
    )
    args = parser.parse_args(argv)
    if args.command != "serve":  # a server gets its environment from its supervisor or deployment
        config.use_local_state()
    settings = config.load_or_exit(Settings)
    try:
        settings.mynumber_keyring()
    except ValueError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    logs.configure_logging("svc-integration", settings.log_level)
    if args.command == "serve":
        runtime = bootstrap.build(settings)
        runtime.start(settle_heap=True)
        runtime.wait()
        return 0
    engine = bootstrap.make_engine(settings)
    db.migrate(engine, bootstrap.MIGRATIONS)
    if args.command == "import-resident":
        return _import_resident(settings, engine, args)
    if args.command == "rotate-mynumber-key":
        keys = settings.mynumber_keyring()
        if keys is None:
            print("rotate-mynumber-key needs NHI_MYNUMBER_KEY or NHI_MYNUMBER_KEYS", file=sys.stderr)
            return 2
        from ..adapters.store import reseal_dead_letters

        print(json.dumps({"target_version": keys.current, "dead_letters": reseal_dead_letters(engine, keys)}))
    return 0


def _import_resident(settings: Settings, engine, args) -> int:
    """Print the import (as GET /api/v1/feeds/imports/{id} shows it); exit 0 when every record was applied, 1 when
    any was refused, 2 when the file cannot be read."""
    try:
        content = args.file.read_bytes()
    except OSError as exc:
        print(f"cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    channel = rpc.LazyChannel(settings.qualification_addr)
    try:
        client = QualificationClient(
            channel, deadline=settings.grpc_deadline_seconds, business_date=settings.business_date
        )
        checks = ResidentChecks(
            inconsistencies=Inconsistencies(
                store=SqlFeedStore(engine),
                qualification=QualificationFeedClient(
                    channel, deadline=settings.grpc_deadline_seconds, business_date=settings.business_date
                ),
            ),
            today=lambda: business_day(settings.business_date)(""),
        )
        service = IntegrationService(
            store=SqlStore(engine, settings.mynumber_keyring()), sink=client, on_applied=checks.add
        )
        record = service.import_feed(
            source="resident",
            file_name=args.file.name,
            content=content,
            operator_id=args.operator,
            file_format=args.format,
            partial=args.partial,
        )
        checks.drain()  # the inconsistency list, as the service does for a file uploaded through the API
    finally:
        channel.close()
    shown = {k: _utc(v).isoformat() if isinstance(v, dt.datetime) else v for k, v in record.items()}
    print(json.dumps(shown, ensure_ascii=False, indent=1))
    return 1 if record["errors"] else 0
